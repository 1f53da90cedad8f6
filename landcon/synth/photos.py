"""Synthetic site photos: a JPEG whose EXIF records where and when it was taken, as a phone camera
writes it (GPS IFD: latitude/longitude in degrees, minutes, seconds with N/E references; EXIF IFD:
DateTimeOriginal in local time). For demonstrations of the photo position check
(``engine.photos.position_check``). Pure: returns the bytes, writes no file.
"""

from __future__ import annotations

import datetime as dt
import io

_GPS_IFD, _EXIF_IFD, _DATETIME_ORIGINAL = 0x8825, 0x8769, 0x9003
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4


def dms(value: float) -> tuple[float, float, float]:
    """Decimal degrees (≥ 0) as EXIF degrees, minutes and seconds (seconds to 0.0001″, about 3 mm)."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))


def site_photo(
    lon: float,
    lat: float,
    taken: dt.datetime,
    *,
    size: tuple[int, int] = (640, 480),
    colour: tuple[int, int, int] = (90, 140, 60),
) -> bytes:
    """A JPEG of ``size`` in ``colour`` (a lighter band for sky) taken at ``lon``/``lat`` (east and
    north, CGCS2000 degrees) at local time ``taken``."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((0, 0, size[0], size[1] // 3), fill=(170, 200, 230))
    exif = Image.Exif()
    exif.get_ifd(_EXIF_IFD)[_DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(_GPS_IFD).update({_LAT_REF: "N", _LAT: dms(lat), _LON_REF: "E", _LON: dms(lon)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=85)
    return out.getvalue()
