"""The ``undersigned`` command's own behaviour (the demo itself is tested over HTTP elsewhere)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys

import pytest

from undersigned import cli


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


@pytest.mark.parametrize(
    ("database_url", "cores", "expected"),
    [
        ("", 2, 3),
        ("sqlite:////srv/undersigned.sqlite3", 2, 3),
        ("postgres://app@db/undersigned", 2, 5),
        ("postgresql://app@db/undersigned", 8, 9),
        ("postgres://app@127.0.0.1:5432/undersigned", 2, 3),
        ("postgres://app@127.0.1.1/undersigned", 2, 3),
        ("postgres://app@192.0.2.10/undersigned", 2, 5),
        ("postgres://app@localhost/undersigned", 2, 3),
        ("postgres://app@[::1]/undersigned", 2, 3),
        ("postgres:///undersigned", 2, 3),
        ("postgres://app@%2Frun%2Fpostgresql/undersigned", 2, 3),
        ("", 16, 9),
    ],
)
def test_serve_starts_more_workers_only_for_a_postgresql_on_another_machine(
    monkeypatch, database_url, cores, expected
):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: cores)

    assert cli.default_workers() == expected


def test_web_concurrency_sets_the_workers_whatever_the_database(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")

    assert cli.default_workers("postgres://app@db/undersigned") == 7
    assert cli.default_workers("sqlite://") == 7


@pytest.mark.parametrize(
    ("value", "logged"), [("", False), ("0", False), ("1", True), ("yes", True)]
)
def test_serve_logs_each_request_only_when_asked(monkeypatch, value, logged):
    monkeypatch.setenv("ACCESS_LOG", value)

    argv = cli._gunicorn_argv(bind="127.0.0.1:8000", workers=2, extra=[])

    assert ("--access-logfile" in argv) is logged


def test_the_demo_always_shows_each_request(monkeypatch):
    monkeypatch.delenv("ACCESS_LOG", raising=False)

    argv = cli._gunicorn_argv(bind="127.0.0.1:8000", workers=2, extra=[], access_log=True)

    assert argv[argv.index("--access-logfile") + 1] == "-"


def test_the_demo_on_a_port_in_use_says_so_plainly_and_fails_before_the_banner(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = _run("demo", "--port", str(port), env=_clean_env(tmp_path))

    assert result.returncode != 0
    assert f"Port {port} is in use" in result.stderr
    assert "undersigned demo --port" in result.stderr
    assert "Admin login" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "undersigned.sqlite3").exists()


@pytest.mark.parametrize(
    ("bind", "own_sockets"),
    [("127.0.0.1:8000", True), ("[::1]:8000", True), ("unix:/run/undersigned.sock", False)],
)
def test_each_worker_of_the_front_listens_on_a_tcp_socket_of_its_own(bind, own_sockets):
    argv = cli._gunicorn_argv(bind=bind, workers=3, extra=[])

    assert ("--reuse-port" in argv) is own_sockets


def test_the_front_runs_on_uvloop_which_is_installed():
    argv = cli._gunicorn_argv(bind="127.0.0.1:8000", workers=3, extra=[])

    assert argv[argv.index("--asgi-loop") + 1] == "uvloop"
    # gunicorn would fall back to asyncio's loop with only a warning in its log.
    assert importlib.util.find_spec("uvloop") is not None


def test_the_benchmarks_reference_on_sync_workers_shares_one_socket_as_before():
    argv = cli._gunicorn_argv(bind="127.0.0.1:8000", workers=3, extra=[], app="reference:app")

    assert "--reuse-port" not in argv


def test_serve_on_a_port_in_use_says_so_plainly_and_fails_before_starting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**_clean_env(tmp_path), "SECRET_KEY": "x" * 50}

        result = _run("serve", "--bind", f"127.0.0.1:{port}", env=env)

    assert result.returncode != 0
    assert f"127.0.0.1:{port} is in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "undersigned.sqlite3").exists()
