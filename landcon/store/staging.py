"""Writing a result folder so that readers never see it half-written.

``staged_folder(out)`` hands out a hidden sibling ``.<name>.tmp-<token>`` to write into; when the block
succeeds the folder is published as ``out`` (a previous ``out`` is replaced atomically by
``_atomic.swap_in``, with its crash journal), and when it fails the temporary folder is removed and a
previous ``out`` stays as it was.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from landcon.store._atomic import publish, remove


@contextlib.contextmanager
def staged_folder(out: str | Path) -> Iterator[Path]:
    """A temporary sibling of ``out`` to write into; published as ``out`` when the block succeeds, removed
    either way — so ``out`` is never half-written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        yield tmp
        publish(tmp, out)
    finally:
        remove(tmp)
