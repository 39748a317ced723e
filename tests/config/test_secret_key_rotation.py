"""Rotating SECRET_KEY: the former keys come from the environment, so signed links survive."""

from __future__ import annotations

import os
import subprocess
import sys


def test_former_secret_keys_are_read_from_the_environment():
    code = "from undersigned.config.settings import base; print(base.SECRET_KEY_FALLBACKS)"
    env = {**os.environ, "SECRET_KEY": "new", "SECRET_KEY_FALLBACKS": "old-one, older-one"}

    printed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert printed.strip() == "['old-one', 'older-one']"
