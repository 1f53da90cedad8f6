"""Supervision fixtures: positions on the 100 m grid as CGCS2000 lon/lat, and JPEGs with EXIF GPS
position and time written with Pillow (inside, outside, or without a position)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely.geometry
from conftest import X0, Y0, cell, dltb_row, grid_dltb
from PIL import Image
from plan_fixtures import box
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


def grid_vintage(path: Path) -> Path:
    """The later vintage of the ledger plan's grid (``test_monitor_service`` module docstring): achieved
    10,000 m², not yet 10,000, 永农 lost 10,000, 耕地→园地 10,000, unplanned construction 15,000."""
    rows = [
        dltb_row("1", "0103", cell(0, 0), GDPDJB="2", GDDB=8),
        dltb_row("2", "0201", cell(1, 0)),
        dltb_row("3", "0103", cell(2, 0), GDDB=9),
        dltb_row("4", "0702", cell(3, 0)),
        dltb_row("5", "0702", cell(0, 1)),
        dltb_row("6", "0301", cell(1, 1)),
        dltb_row("7", "0404", cell(2, 1)),
        dltb_row("9", "0702", cell(3, 1)),
    ]
    grid_dltb(rows).to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    return path
