"""An admin menu entry shown only to the users who may use what it leads to."""

from __future__ import annotations

from collections.abc import Sequence

from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """A Wagtail menu item shown to users with any of ``permissions``."""

    def __init__(self, *args, permissions: Sequence[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.permissions = tuple(permissions)

    def is_shown(self, request) -> bool:
        return any(request.user.has_perm(permission) for permission in self.permissions)
