"""Where hand-in packs are kept: a private place with no public URL, read only through a view.

Packs hold signers' names (and addresses when asked for), so they never go under
``MEDIA_ROOT``, which the site may serve to anyone. By default they live in
``<data folder>/private/``; an install with several app servers points
``STORAGES["handin"]`` at storage they share (a network volume or a private bucket).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible


def private_root() -> Path:
    """The folder for private files: ``UNDERSIGNED_PRIVATE_ROOT``, else ``<data>/private``."""
    configured = getattr(settings, "UNDERSIGNED_PRIVATE_ROOT", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "private"


@deconstructible(path="undersigned.handin.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """A folder outside the public media folder, read from the settings each time (tests move it).

    ``url()`` refuses: there is deliberately no address a browser could fetch a pack from.
    """

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(private_root())

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Hand-in files have no public URL; serve them through the admin view.")


def handin_storage() -> Storage:
    """``STORAGES["handin"]`` when the operator configured one, else :class:`PrivateStorage`."""
    if "handin" in settings.STORAGES:
        return storages["handin"]
    return _default_storage


_default_storage = PrivateStorage()
