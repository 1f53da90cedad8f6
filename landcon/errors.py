"""Errors a user can cause. Each names the file, layer, field and feature where known.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code``; the web shows it.
"""

from __future__ import annotations


class LandconError(Exception):
    """Base class: a problem with the user's input or request (never a bug)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        layer: str | None = None,
        field: str | None = None,
        feature: object | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.layer = layer
        self.field = field
        self.feature = feature
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path:
            where.append(f"文件 {self.path}")
        if self.layer:
            where.append(f"图层 {self.layer}")
        if self.field:
            where.append(f"字段 {self.field}")
        if self.feature is not None:
            where.append(f"要素 {self.feature}")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class InputReadError(LandconError):
    """The input cannot be read (missing file, unknown format, broken archive)."""


class CRSError(LandconError):
    """The coordinate reference system is missing or not CGCS2000; data is never reprojected."""


class EncodingError(LandconError):
    """Text could not be decoded, or decoded text looks like mojibake."""


class ValidationFailed(LandconError):
    """Data has validation errors and is refused (import stores nothing)."""

    exit_code = 1


class DatasetNotFound(LandconError):
    """No dataset of that name in the data directory."""


class DatasetExists(LandconError):
    """A dataset of that name already exists."""


class NotFound(LandconError):
    """A record (project, user, unit, task …) does not exist — or is outside the user's scope."""


class PermissionDenied(LandconError):
    """The user's roles or unit scope do not allow the action."""

    exit_code = 3


class TransitionRefused(LandconError):
    """A lifecycle transition's role or preconditions are not met (every reason is listed)."""

    exit_code = 1


class Conflict(LandconError):
    """Somebody else saved the record after it was read (optimistic locking); nothing was saved."""

    exit_code = 4


class InvalidRecord(LandconError):
    """A value given for a record is not acceptable (unknown role, bad date, duplicate code …)."""


class DatabaseError(LandconError):
    """The records database is unreachable, or its schema is not at the version this landcon needs."""


class BackupError(LandconError):
    """A backup cannot be written, or a backup folder is incomplete, altered or does not fit (nothing changed)."""
