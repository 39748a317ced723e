"""The one error type services raise when a business rule says no."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule was broken (petition closed, already handed in...); ``message`` is for a person."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
