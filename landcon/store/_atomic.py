"""Atomic file-system moves shared by the writers and the dataset store.

Replacing an existing ``target`` takes two renames (``target`` → ``aside``, ``tmp`` → ``target``); a
process killed between them would leave no ``target``. ``swap_in`` therefore first writes a journal
``.swap-<token>.json`` (the three names) beside ``target`` and holds an exclusive lock on it while it
works. ``recover`` (run by the dataset store when opened and by every publish or swap in the same
folder) finds
journals whose writer died — their lock is free — and settles them by what is on disk:

- ``target`` missing, ``aside`` present (died between the renames): rolled back, ``aside`` → ``target``;
- ``target`` and ``tmp`` present, no ``aside`` (died before the first rename): rolled back, ``tmp`` removed;
- ``target`` present, ``tmp`` gone (died after the second rename): completed, ``aside`` removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

JOURNAL_PREFIX = ".swap-"
#: Test hook: "1" exits the process right after the first rename, "2" right after the second one.
_CRASH_ENV = "LANDCON_TEST_SWAP_CRASH"


def remove(path: Path) -> None:
    """Remove a file or a folder; missing is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def sync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, new names) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _crash_point(stage: str) -> None:
    if os.environ.get(_CRASH_ENV) == stage:
        os._exit(70)  # simulate a killed process (no cleanup, no exception handlers)


@contextlib.contextmanager
def _journal(tmp: Path, target: Path, aside: Path) -> Iterator[None]:
    """Write and lock the journal of one swap; removed when the swap is done."""
    folder = target.parent
    if tmp.parent != folder or aside.parent != folder:
        raise ValueError("swap_in: tmp, target and aside must be in the same folder")
    token = uuid.uuid4().hex[:12]
    path = folder / f"{JOURNAL_PREFIX}{token}.json"
    staging = folder / f"{JOURNAL_PREFIX}{token}.part"
    with open(staging, "x", encoding="utf-8") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)  # held until the swap is settled
        json.dump({"target": target.name, "tmp": tmp.name, "aside": aside.name}, stream)
        stream.flush()
        os.fsync(stream.fileno())
        os.rename(staging, path)  # visible only when complete and locked
        sync_dir(folder)
        try:
            yield
        finally:
            remove(path)


def swap_in(tmp: Path, target: Path, aside: Path) -> None:
    """Replace the existing ``target`` by ``tmp``: the old one is renamed to ``aside`` first and
    restored if the second rename fails, so ``target`` is never missing or half-written; a journal
    lets ``recover`` settle a swap whose process was killed between the renames."""
    recover(target.parent)
    with _journal(tmp, target, aside):
        os.rename(target, aside)
        _crash_point("1")
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(aside, target)
            raise
        sync_dir(target.parent)
        _crash_point("2")
        remove(aside)


def _try_lock(stream: IO[str]) -> bool:
    try:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def recover(folder: Path) -> list[str]:
    """Settle the swaps in ``folder`` whose process died (see module docstring); swaps still running
    (journal locked) are left alone. Returns the names of the targets settled."""
    settled: list[str] = []
    try:
        journals = sorted(p for p in folder.iterdir() if p.name.startswith(JOURNAL_PREFIX))
    except (FileNotFoundError, NotADirectoryError):
        return settled
    for path in journals:
        if path.suffix != ".json":  # a journal never completed (no rename happened), unless still being written
            with contextlib.suppress(FileNotFoundError), open(path, encoding="utf-8") as part:
                if _try_lock(part):
                    remove(path)
            continue
        try:
            stream = open(path, encoding="utf-8")
        except FileNotFoundError:
            continue  # settled meanwhile by its writer
        with stream:
            if not _try_lock(stream):
                continue
            try:
                names = json.load(stream)
                target, tmp, aside = (folder / Path(names[k]).name for k in ("target", "tmp", "aside"))
            except (ValueError, KeyError, TypeError):
                remove(path)  # never written completely: no rename happened
                continue
            _settle(tmp, target, aside)
            sync_dir(folder)
            remove(path)
            settled.append(target.name)
    return settled


def _settle(tmp: Path, target: Path, aside: Path) -> None:
    target_there = target.exists() or target.is_symlink()
    if not target_there and aside.exists():
        os.rename(aside, target)  # died between the renames: the old one comes back
        remove(tmp)
    elif target_there and tmp.exists():
        remove(tmp)  # died before the first rename
        remove(aside)
    else:
        remove(aside)  # the new one is in place: finish the clean-up


def publish(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``; a previous ``out`` stays until then (``swap_in``).
    Interrupted swaps in the same folder are settled first (``recover``)."""
    recover(out.parent)
    if out.exists():
        swap_in(tmp, out, out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}"))
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rename(tmp, out)
