"""Secrets generated once and kept in the data folder, for installs that set none."""

from __future__ import annotations

import secrets
from pathlib import Path


def persistent_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret stored at ``path``, creating it (readable by the owner only) if absent."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value
