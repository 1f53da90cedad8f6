"""Site photos of a sub-project: EXIF position and time of a JPEG, its thumbnail, and whether it was
taken where the sub-project is.

A photo is accepted as taken on site when its EXIF GPS position (read as CGCS2000 longitude/latitude,
EPSG:4490; phones record WGS84, which differs from CGCS2000 by centimetres) lies inside the
sub-project's outline or within ``buffer_m`` metres of it, measured in the outline's own projected
CRS. A photo without a position, or of a sub-project without an outline, cannot be placed and is
flagged too.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shapely
import shapely.geometry
from pyproj import Transformer

from landcon.errors import InvalidRecord

GEOGRAPHIC_EPSG = 4490  # CGCS2000 longitude/latitude
THUMBNAIL_PX = 320

ON_SITE, OUTSIDE, NO_POSITION, NO_OUTLINE = "on_site", "outside", "no_position", "no_outline"
STATUS_NAMES: Mapping[str, str] = {
    ON_SITE: "在子项目范围内",
    OUTSIDE: "超出子项目范围",
    NO_POSITION: "照片无位置信息",
    NO_OUTLINE: "子项目无范围，无法核对位置",
}

_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4
_DATETIME_ORIGINAL, _DATETIME = 0x9003, 0x0132


@dataclass(frozen=True)
class PhotoMeta:
    lon: float | None
    lat: float | None
    taken_at: dt.datetime | None  # EXIF DateTimeOriginal, local time as the camera wrote it
    width: int
    height: int


def _degrees(value: Any, ref: object) -> float | None:
    """EXIF (degrees, minutes, seconds) rationals → signed decimal degrees (S and W negative)."""
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    number = d + m / 60 + s / 3600
    return -number if str(ref).strip().upper() in ("S", "W") else number


def read_photo(data: bytes, name: str = "") -> PhotoMeta:
    """Position and time of a JPEG from its EXIF; a file that is not a JPEG is refused."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                raise InvalidRecord(f"照片应为 JPEG（现为 {image.format}）", path=name or None)
            exif = image.getexif()
            width, height = image.size
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidRecord("照片无法读取（应为 JPEG）", path=name or None) from error
    gps = exif.get_ifd(_GPS_IFD)
    lat = _degrees(gps.get(_LAT), gps.get(_LAT_REF)) if _LAT in gps else None
    lon = _degrees(gps.get(_LON), gps.get(_LON_REF)) if _LON in gps else None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    text = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    taken: dt.datetime | None = None
    if text:
        try:
            taken = dt.datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    return PhotoMeta(lon, lat, taken, width, height)


def thumbnail(data: bytes, size: int = THUMBNAIL_PX) -> bytes:
    """A JPEG at most ``size`` pixels on its longer side, turned upright per its EXIF orientation."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail((size, size))
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=80)
    return out.getvalue()


@lru_cache(maxsize=16)
def _from_geographic(epsg: int) -> Transformer:
    return Transformer.from_crs(GEOGRAPHIC_EPSG, epsg, always_xy=True)


@dataclass(frozen=True)
class PositionCheck:
    status: str
    distance_m: float | None  # from the outline, 0 inside; None when it cannot be measured

    @property
    def flagged(self) -> bool:
        return self.status != ON_SITE


def position_check(
    lon: float | None,
    lat: float | None,
    outline: Mapping[str, Any] | None,
    epsg: int | None,
    buffer_m: float,
) -> PositionCheck:
    """Distance (m, to the millimetre) from the photo's position to the outline (GeoJSON in EPSG
    ``epsg``, a projected CRS); on site when distance ≤ ``buffer_m``."""
    if lon is None or lat is None:
        return PositionCheck(NO_POSITION, None)
    if outline is None or epsg is None:
        return PositionCheck(NO_OUTLINE, None)
    x, y = _from_geographic(epsg).transform(lon, lat)
    # to the millimetre, so a position on the buffer's edge is not pushed out by the projection's rounding
    distance = round(float(shapely.distance(shapely.Point(x, y), shapely.geometry.shape(outline))), 3)
    return PositionCheck(ON_SITE if distance <= buffer_m else OUTSIDE, distance)
