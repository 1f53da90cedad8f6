"""The audit chain's HMAC key, kept outside the database.

``LANDCON_AUDIT_KEY`` (any text, used as UTF-8 bytes; at least 16 characters) when set; otherwise
the file ``<data dir>/audit.key`` (32 random bytes, hex), created with mode 0600 by the first writer.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from landcon import config
from landcon.errors import LandconError

MIN_ENV_KEY = 16


class AuditKeyError(LandconError):
    """The audit key setting or file is unusable."""


def key_file() -> Path:
    return config.data_dir() / "audit.key"


def load(*, create: bool) -> bytes | None:
    """The key; ``None`` when none is set and ``create`` is false (readers never create one)."""
    env = config.audit_key_text()
    if env:
        if len(env) < MIN_ENV_KEY:
            raise AuditKeyError(f"LANDCON_AUDIT_KEY 过短：至少 {MIN_ENV_KEY} 个字符")
        return env.encode("utf-8")
    path = key_file()
    if not path.exists():
        if not create:
            return None
        _create(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise AuditKeyError(f"无法读取审计密钥文件 {path.name}：{getattr(error, 'strerror', None) or error}") from None
    if len(text) < 2 * MIN_ENV_KEY:
        raise AuditKeyError(f"审计密钥文件 {path.name} 内容不完整（应为 64 位十六进制）")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise AuditKeyError(f"审计密钥文件 {path.name} 不是十六进制文本") from None


def _create(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600) unless another process made one first: the key is
    written under a temporary name and linked into place, so no reader sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        tmp.unlink()
