"""Configuration, in one place. Every setting can be given as an environment variable.

| variable | default | meaning |
|---|---|---|
| ``LANDCON_DATA_DIR`` | ``./landcon-data`` | where datasets (GeoParquet + manifest) are stored |
| ``LANDCON_AREA_DENSIFY_M`` | ``1000`` | longest edge (m) of the refined diagnostic area (``data info``); |
|   |   | the legal 图斑椭球面积 never densifies |
| ``LANDCON_DATABASE_URL`` | ``sqlite:///<data dir>/landcon.db`` | records database (or PostgreSQL + PostGIS, |
|   |   | ``postgresql://user:pw@host/db``) |
| ``LANDCON_ATTACHMENT_MAX_MB`` | ``50`` | largest attachment accepted |
| ``LANDCON_TIMEZONE`` | ``Asia/Shanghai`` | time zone of "today" for deadlines and overdue tasks |
| ``LANDCON_UPLOAD_MAX_MB`` | ``2048`` | largest dataset or plan upload accepted by the web application |
| ``LANDCON_REQUEST_MAX_MB`` | ``16`` | largest request body of any other web route (forms, JSON); |
|   |   | larger ones get 413 before they are read (docs/security.md) |
| ``LANDCON_UPLOAD_EXPIRY_HOURS`` | ``24`` | unimported uploads and plan staging folders are deleted after |
|   |   | this long (at start and at each upload) |
| ``LANDCON_TILE_CACHE_MB`` | ``512`` | size bound of the vector-tile cache; oldest tiles go first |
| ``LANDCON_SESSION_HOURS`` | ``8`` | how long a web sign-in lasts |
| ``LANDCON_COOKIE_SECURE`` | ``0`` | ``1``: sign-in cookies carry ``Secure`` (always set for HTTPS requests) |
| ``LANDCON_PASSWORD_MIN_LENGTH`` | ``8`` | shortest password accepted (common passwords are refused too) |
| ``LANDCON_PROFILE`` | (Yunnan, packaged) | YAML file of the province profile: province, reference units, rule |
|   |   | pack, approval chain, ledger rules, realloc defaults, supervision thresholds (docs/profile.md) |
| ``LANDCON_LEDGER_RULES`` | (profile's values) | YAML file of quota-ledger rule values, overriding the profile's |
|   |   | ``ledger_rules`` value by value (docs/ledger.md, docs/profile.md) |
| ``LANDCON_AUDIT_KEY`` | ``<data dir>/audit.key`` | HMAC key of the audit chain (≥ 16 characters); when unset, |
|   |   | a random key file created 0600 by the first write (store.audit_key, docs/records.md) |
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data directory (``LANDCON_DATA_DIR``, default ``./landcon-data``)."""
    return Path(os.environ.get("LANDCON_DATA_DIR", "landcon-data")).resolve()


def area_densify_m() -> float:
    """Longest edge (m) of the refined diagnostic area (``engine.area.refined_ellipsoid_area``, reported
    by ``landcon data info``); 0 disables densification. The legal 图斑椭球面积 never densifies."""
    return float(os.environ.get("LANDCON_AREA_DENSIFY_M", "1000"))


def database_url() -> str:
    """Records database URL (``LANDCON_DATABASE_URL``, default a SQLite file in the data directory)."""
    url = os.environ.get("LANDCON_DATABASE_URL", "").strip()
    return url or f"sqlite:///{data_dir() / 'landcon.db'}"


def attachment_max_bytes() -> int:
    """Largest attachment accepted (``LANDCON_ATTACHMENT_MAX_MB``, default 50 MB)."""
    return int(float(os.environ.get("LANDCON_ATTACHMENT_MAX_MB", "50")) * 1024 * 1024)


def timezone() -> str:
    """IANA time zone whose date is "today" for deadlines (``LANDCON_TIMEZONE``, default Asia/Shanghai)."""
    return os.environ.get("LANDCON_TIMEZONE", "Asia/Shanghai")


def upload_max_bytes() -> int:
    """Largest web upload (``LANDCON_UPLOAD_MAX_MB``, default 2048 MB)."""
    return int(float(os.environ.get("LANDCON_UPLOAD_MAX_MB", "2048")) * 1024 * 1024)


def request_max_bytes() -> int:
    """Largest body of a web request other than an upload (``LANDCON_REQUEST_MAX_MB``, default 16 MB)."""
    return int(float(os.environ.get("LANDCON_REQUEST_MAX_MB", "16")) * 1024 * 1024)


def upload_expiry_seconds() -> float:
    """Age after which unimported uploads and staging folders are deleted (``LANDCON_UPLOAD_EXPIRY_HOURS``)."""
    return float(os.environ.get("LANDCON_UPLOAD_EXPIRY_HOURS", "24")) * 3600


def tile_cache_max_bytes() -> int:
    """Size bound of the vector-tile cache (``LANDCON_TILE_CACHE_MB``, default 512 MB)."""
    return int(float(os.environ.get("LANDCON_TILE_CACHE_MB", "512")) * 1024 * 1024)


def session_hours() -> float:
    """Length of a web session (``LANDCON_SESSION_HOURS``, default 8)."""
    return float(os.environ.get("LANDCON_SESSION_HOURS", "8"))


def cookie_secure() -> bool:
    """Mark sign-in cookies ``Secure`` (``LANDCON_COOKIE_SECURE=1``; HTTPS requests get it regardless)."""
    return os.environ.get("LANDCON_COOKIE_SECURE", "").strip().lower() in {"1", "true", "yes", "on"}


def password_min_length() -> int:
    """Shortest password accepted (``LANDCON_PASSWORD_MIN_LENGTH``, default 8)."""
    return int(os.environ.get("LANDCON_PASSWORD_MIN_LENGTH", "8"))


def profile_file() -> Path | None:
    """YAML file of the province profile (``LANDCON_PROFILE``), if any; else the packaged Yunnan profile."""
    value = os.environ.get("LANDCON_PROFILE", "").strip()
    return Path(value).resolve() if value else None


def ledger_rules_file() -> Path | None:
    """YAML file overriding the profile's quota-ledger rule values (``LANDCON_LEDGER_RULES``), if any."""
    value = os.environ.get("LANDCON_LEDGER_RULES", "").strip()
    return Path(value) if value else None


def audit_key_text() -> str:
    """The audit chain's HMAC key as given in ``LANDCON_AUDIT_KEY`` ("" when unset: a key file is used)."""
    return os.environ.get("LANDCON_AUDIT_KEY", "")
