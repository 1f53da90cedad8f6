"""Atomic file-system moves shared by the writers and the dataset store."""

from __future__ import annotations

import contextlib
import os
import shutil
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
