"""Zip archives that cannot escape their folder, fill the disk or crash the reader: one check for the
command-line readers (``store.layers``) and the web uploads (``services.uploads``).

``check`` (before anything is extracted or read):
- every member path stays inside (no absolute path, drive letter, ``..``, NUL) and is no symlink;
- at most ``Limits.max_entries`` members, and the declared uncompressed total ≤ ``Limits.max_total``;
- every member's ratio ``file_size / max(compress_size, RATIO_FLOOR)`` ≤ ``Limits.max_ratio``
  (deflate reaches ~1030:1; real GIS data rarely passes 100:1; the floor lets small files through).

``extract`` then counts the bytes actually written: a member may not exceed its declared size and
the archive may not exceed ``max_total`` whatever the headers say. A bad CRC, a broken deflate
stream or a truncated archive is an ``UnsafeArchive`` naming the archive and the member, never a
crash.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from landcon.errors import InputReadError

MAX_ENTRIES = 20_000
MAX_RATIO = 200
RATIO_FLOOR = 1024
CHUNK = 1 << 20
BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)


class UnsafeArchive(InputReadError):
    """A zip archive that is broken, escapes its folder, or expands beyond the limits (zip bomb)."""


@dataclass(frozen=True)
class Limits:
    max_total: int
    max_entries: int = MAX_ENTRIES
    max_ratio: float = MAX_RATIO


def member_path(info: zipfile.ZipInfo, display: str) -> PurePosixPath:
    """The member's relative path, refused when it would land outside the target or is a symlink."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in path.parts or "\x00" in name:
        raise UnsafeArchive(
            f"压缩包条目 {info.filename!r} 指向包外（路径穿越），已拒绝 / unsafe member path; refused", path=display
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchive(f"压缩包条目 {info.filename!r} 是符号链接，已拒绝 / symlink member; refused", path=display)
    return path


def check(archive: Path, limits: Limits, display: str | None = None) -> list[zipfile.ZipInfo]:
    """The archive's members after the path, count, declared-total and per-member ratio checks."""
    shown = display or archive.name
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
    except (*BROKEN, OSError) as error:
        raise UnsafeArchive(f"不是有效的 zip 压缩包 / not a valid zip archive: {error}", path=shown) from error
    if len(infos) > limits.max_entries:
        raise UnsafeArchive(f"压缩包条目过多（{len(infos)} > {limits.max_entries}），疑似压缩炸弹", path=shown)
    total = sum(i.file_size for i in infos)
    if total > limits.max_total:
        raise UnsafeArchive(
            f"解压后总大小 {total / 2**20:.0f} MB 超过上限 {limits.max_total / 2**20:.0f} MB，疑似压缩炸弹",
            path=shown,
        )
    for info in infos:
        member_path(info, shown)
        if info.file_size / max(info.compress_size, RATIO_FLOOR) > limits.max_ratio:
            raise UnsafeArchive(f"条目 {info.filename!r} 压缩比异常（>{limits.max_ratio:g}），疑似压缩炸弹", path=shown)
    return infos


def extract(
    archive: Path, members: Iterable[zipfile.ZipInfo], target: Path, limits: Limits, display: str | None = None
) -> None:
    """Extract checked members into ``target``, counting the bytes written (declared sizes are not trusted)."""
    shown = display or archive.name
    root = target.resolve()
    written = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in members:
                out = root.joinpath(*member_path(info, shown).parts).resolve()
                if out != root and root not in out.parents:
                    raise UnsafeArchive(f"压缩包条目 {info.filename!r} 指向包外（路径穿越），已拒绝", path=shown)
                if info.is_dir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                with zf.open(info) as src, open(out, "wb") as dst:
                    while chunk := src.read(CHUNK):
                        size += len(chunk)
                        written += len(chunk)
                        if size > info.file_size:
                            raise UnsafeArchive(f"条目 {info.filename!r} 实际大小与声明不符，已拒绝", path=shown)
                        if written > limits.max_total:
                            raise UnsafeArchive("解压后超过总大小上限，疑似压缩炸弹", path=shown)
                        dst.write(chunk)
    except BROKEN as error:
        raise UnsafeArchive(
            f"压缩包已损坏（{error}），无法解压 / the archive is corrupt (bad CRC or deflate stream)", path=shown
        ) from error
