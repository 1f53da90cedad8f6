"""Content-addressed file store: each content is kept once, under its SHA-256, in the data directory.

    <data dir>/blobs/ab/abcdef…  (first two hex digits as a folder)

A file is written to a temporary name beside its target and renamed into place, so a reader never
sees half a file; writing the same content twice stores it once. Files are never modified; the
database row (``models.Blob``) records size and media type.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


class TooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} > {limit}")
        self.size = size
        self.limit = limit


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ValueError(f"not a SHA-256: {sha!r}")
        return self.root / sha[:2] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put_stream(self, stream: BinaryIO, *, limit: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). Refuses (``TooLarge``) beyond ``limit`` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge(size, limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.exists():
                tmp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
            return sha, size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_file(self, path: Path, *, limit: int | None = None) -> tuple[str, int]:
        with open(path, "rb") as stream:
            return self.put_stream(stream, limit=limit)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        import io

        return self.put_stream(io.BytesIO(data))

    def read_bytes(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def copy_to(self, sha: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path(sha), "rb") as src, open(target, "wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)

    def check(self, sha: str) -> bool:
        """True when the stored file still hashes to its name."""
        digest = hashlib.sha256()
        with open(self.path(sha), "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha

    def all(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for f in sorted(sub.iterdir()):
                    if len(f.name) == 64:
                        yield f.name
