"""The ``undersigned`` command's own behaviour (the demo itself is tested over HTTP elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "undersigned.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _clean_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env["UNDERSIGNED_DATA_DIR"] = str(tmp_path)
    env.pop("DATABASE_URL", None)
    return env


def test_serve_without_a_secret_key_says_how_to_set_one_and_fails(tmp_path):
    result = _run("serve", env=_clean_env(tmp_path))
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_other_commands_are_passed_to_django(tmp_path):
    env = _clean_env(tmp_path) | {"SECRET_KEY": "x" * 50}
    result = _run("showmigrations", "petitions", env=env)
    assert result.returncode == 0, result.stderr
    assert "0001_initial" in result.stdout


def test_help_lists_the_demo_and_serve_commands(tmp_path):
    result = _run("--help", env=_clean_env(tmp_path))
    assert result.returncode == 0
    assert "demo" in result.stdout
    assert "serve" in result.stdout
