"""Errors a user can cause. Each names the file, layer, field and feature where known.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code``; the web shows it.
"""

from __future__ import annotations

import re


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


#: An absolute file-system path: POSIX with at least two parts (``/tmp/x/a.gpkg``, a GDAL build path
#: ``/build/gdal/ogr/ogr_geometry.cpp``) or a Windows drive path; URLs (``scheme://``) are left alone.
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/~])(?:/[^\s/\"'“”‘’（）()：:，,；;]+){2,}/?"  # POSIX
    r"|\b[A-Za-z]:\\[^\s\"'“”（）()：，,；;]+"  # Windows
)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\):.*", re.DOTALL)


def public_message(text: str) -> str:
    """``text`` as a user may see it: tracebacks cut off, absolute server paths reduced to the file name.

    Applied wherever a message reaches the web (error pages, JSON errors, job pages); the server log
    keeps the full text. The CLI shows the user's own paths unchanged.
    """
    text = _TRACEBACK.sub("", text).rstrip()

    def name_only(match: re.Match[str]) -> str:
        parts = [p for p in re.split(r"[/\\]", match.group(0)) if p]
        return parts[-1] if parts else ""

    return _ABSOLUTE_PATH.sub(name_only, text)
