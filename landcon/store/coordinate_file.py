"""Reads 部标 坐标文件 (报备 coordinate text): GBK as the 报备 systems write it, else UTF-8."""

from __future__ import annotations

from pathlib import Path

from landcon.engine.coordinate_file import CoordinateParcel, parse_coordinate_file
from landcon.errors import EncodingError, InputReadError


def read_coordinate_file(path: str | Path, epsg: int) -> tuple[dict[str, str], list[CoordinateParcel]]:
    """The ``[属性描述]`` values and the parcels of the file at ``path`` (coordinates in ``epsg``)."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputReadError(f"无法读取坐标文件：{exc}", path=str(source)) from exc
    for codec in ("utf-8-sig", "gbk", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise EncodingError("坐标文件编码无法识别（应为 GBK 或 UTF-8）", path=str(source))
    return parse_coordinate_file(text, epsg, source=str(source))
