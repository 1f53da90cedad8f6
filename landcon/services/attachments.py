"""Attachments: files kept content-addressed (SHA-256) in the data directory, with size and type limits.

Accepted types are checked by extension *and* by the file's first bytes (a ``.pdf`` must start with
``%PDF``); the size limit is ``LANDCON_ATTACHMENT_MAX_MB`` (default 50 MB). Plan files are stored the
same way without the type list (a plan folder holds GeoPackage/FileGDB/YAML files).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from landcon import config
from landcon.errors import InputReadError
from landcon.store.blobs import BlobStore, TooLarge
from landcon.store.models import Blob

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"
#: extension → (media type, accepted leading bytes; empty = any text)
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".ofd": ("application/ofd", (ZIP,)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".zip": ("application/zip", (ZIP,)),
    ".gpkg": ("application/geopackage+sqlite3", (b"SQLite format 3\x00",)),
    ".txt": ("text/plain", ()),
}


class AttachmentRefused(InputReadError):
    """An attachment of a type that is not accepted, of the wrong content, or too large."""


def blob_store() -> BlobStore:
    return BlobStore(config.data_dir() / "blobs")


def _media_type(path: Path, *, typed: bool) -> str:
    ext = path.suffix.lower()
    if ext not in TYPES:
        if typed:
            allowed = " ".join(sorted(TYPES))
            raise AttachmentRefused(f"不接受 {ext or '无扩展名'} 类型的附件；可接受：{allowed}", path=str(path))
        return "application/octet-stream"
    media, magics = TYPES[ext]
    if magics:
        with open(path, "rb") as f:
            head = f.read(16)
        if not any(head.startswith(m) for m in magics):
            raise AttachmentRefused(f"文件内容与扩展名 {ext} 不符", path=str(path))
    elif typed:
        with open(path, "rb") as f:
            try:
                f.read(65536).decode("utf-8")
            except UnicodeDecodeError as error:
                raise AttachmentRefused("文本附件须为 UTF-8 编码", path=str(path)) from error
    return media


def store_file(session: Session, path: str | Path, *, typed: bool = True) -> Blob:
    """Store one file and its ``blobs`` row (in the caller's transaction); returns the row."""
    path = Path(path)
    if not path.is_file():
        raise AttachmentRefused("文件不存在", path=str(path))
    media = _media_type(path, typed=typed)
    limit = config.attachment_max_bytes() if typed else None  # plan files are checked as plans, not as attachments
    try:
        sha, size = blob_store().put_file(path, limit=limit)
    except TooLarge as error:
        raise AttachmentRefused(
            f"附件超过大小上限 {error.limit / 1024 / 1024:g} MB（LANDCON_ATTACHMENT_MAX_MB）", path=str(path)
        ) from error
    blob = session.get(Blob, sha)
    if blob is None:
        blob = Blob(sha256=sha, size=size, media_type=media)
        session.add(blob)
    return blob
