"""Writes 部标 坐标文件 (报备 coordinate text, ``engine.coordinate_file``) in GBK with CRLF line ends,
the encoding the 报备 systems read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from landcon.engine.coordinate_file import CoordinateParcel, format_coordinate_file

ENCODING = "gbk"


def write_coordinate_file(
    parcels: Sequence[CoordinateParcel], epsg: int, path: str | Path, *, producer: str = "", date: str = ""
) -> Path:
    """Write ``parcels`` as a 坐标文件 at ``path``."""
    target = Path(path)
    text = format_coordinate_file(parcels, epsg, producer=producer, date=date)
    target.write_bytes(text.encode(ENCODING, errors="replace"))
    return target
