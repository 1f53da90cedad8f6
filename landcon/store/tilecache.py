"""The vector-tile disk cache (``<data dir>/tiles``): atomic writes and a size bound.

Each file counts as its size rounded up to ``BLOCK`` (4 KiB; an empty tile still takes an inode
and a block). Bytes written by this process are added to the last measured total; when the sum
passes the bound (``LANDCON_TILE_CACHE_MB``) the folder is measured again and the oldest tiles
(modification time) are deleted until it holds at most ``KEEP`` (80 %) of the bound, emptied
folders with them. Deleting a tile only costs a rebuild.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

BLOCK = 4096
KEEP = 0.8

_lock = threading.Lock()
_estimate: dict[Path, int] = {}  # cache root → bytes on disk as last measured + written since


def _blocks(size: int) -> int:
    return max(1, -(-size // BLOCK)) * BLOCK


def write(root: Path, path: Path, content: bytes, bound: int) -> None:
    """Write ``path`` (inside ``root``) atomically, then keep ``root`` within ``bound`` bytes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    with _lock:
        known = _estimate.get(root)
        _estimate[root] = size_on_disk(root) if known is None else known + _blocks(len(content))
        if _estimate[root] > bound:
            _estimate[root] = trim(root, int(bound * KEEP))


def size_on_disk(root: Path) -> int:
    """Bytes the cache takes (files rounded up to ``BLOCK``)."""
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += _blocks(os.stat(os.path.join(folder, name)).st_size)
    return total


def trim(root: Path, target: int) -> int:
    """Delete the oldest tiles until ``root`` holds at most ``target`` bytes; the bytes left."""
    tiles: list[tuple[float, int, str]] = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                st = os.stat(full)
                tiles.append((st.st_mtime, _blocks(st.st_size), full))
    total = sum(t[1] for t in tiles)
    tiles.sort()
    for _mtime, size, full in tiles:
        if total <= target:
            break
        with contextlib.suppress(OSError):
            os.unlink(full)
            total -= size
    for folder, _dirs, _files in sorted(os.walk(root), key=lambda w: -len(w[0])):
        if Path(folder) != root:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only succeeds when empty
    return total
