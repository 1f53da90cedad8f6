"""Atomic file-system moves shared by the writers and the dataset store."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


def remove(path: Path) -> None:
    """Remove a file or a folder; missing is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def swap_in(tmp: Path, target: Path, aside: Path) -> None:
    """Replace the existing ``target`` by ``tmp``: the old one is renamed to ``aside`` first and
    restored if the second rename fails, so ``target`` is never missing or half-written."""
    os.rename(target, aside)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(aside, target)
        raise
    remove(aside)


def publish(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``; a previous ``out`` stays until then (``swap_in``)."""
    if out.exists():
        swap_in(tmp, out, out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}"))
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rename(tmp, out)


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A temporary sibling of ``out`` to write into; published as ``out`` when the block succeeds, removed
    either way — so ``out`` is never half-written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        yield tmp
        publish(tmp, out)
    finally:
        remove(tmp)
