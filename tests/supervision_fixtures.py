"""Supervision fixtures: positions on the 100 m grid as CGCS2000 lon/lat, and JPEGs with EXIF GPS
position and time written with Pillow (inside, outside, or without a position)."""

from __future__ import annotations

from pathlib import Path

import shapely.geometry
from conftest import X0, Y0, cell
from PIL import Image
from pyproj import Transformer

TO_LONLAT = Transformer.from_crs(4543, 4490, always_xy=True)
OUTLINE = dict(shapely.geometry.mapping(cell(0, 0)))  # the 100 m cell (0,0) in EPSG:4543


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    return (float(d), float(m), round((value - d - m / 60) * 3600, 4))


def jpeg(path: Path, where: tuple[float, float] | None, *, taken: str = "2026:06:30 10:15:00") -> Path:
    """A 640 × 480 JPEG with EXIF time and, when ``where`` (lon, lat) is given, GPS position."""
    image = Image.new("RGB", (640, 480), (90, 140, 60))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    if where is not None:
        lon, lat = where
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
    image.save(path, format="JPEG", exif=exif)
    return path
