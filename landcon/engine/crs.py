"""Coordinate reference systems accepted by landcon: CGCS2000 only, never reprojected.

- EPSG:4490 — CGCS2000 geographic.
- EPSG:4513–4533 — CGCS2000 3° Gauss–Krüger zones 25–45 *with* the zone number prefixed to the
  false easting (Yunnan: 33 → 4521, 34 → 4522, 35 → 4523).
- EPSG:4534–4554 — the same zones *without* prefix, named by central meridian
  (CM 75°E = 4534 … CM 135°E = 4554; Yunnan: 99°E → 4542, 102°E → 4543, 105°E → 4544).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

GEOGRAPHIC_EPSG = 4490
GK3_PREFIXED = range(4513, 4534)
GK3_PLAIN = range(4534, 4555)
ACCEPTED_EPSG: frozenset[int] = frozenset({GEOGRAPHIC_EPSG, *GK3_PREFIXED, *GK3_PLAIN})


@dataclass(frozen=True)
class CRSCheck:
    """Outcome of checking a layer's CRS: ``epsg`` when accepted, else a problem ``code`` and a
    bilingual ``message``."""

    epsg: int | None
    code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.epsg is not None


def central_meridian(epsg: int) -> float:
    """Central meridian (degrees E) of a CGCS2000 3° GK zone EPSG code."""
    if epsg in GK3_PREFIXED:
        return 3.0 * (epsg - 4513 + 25)
    if epsg in GK3_PLAIN:
        return 75.0 + 3.0 * (epsg - 4534)
    raise ValueError(f"EPSG:{epsg} is not a CGCS2000 3° Gauss–Krüger zone")


def check_crs(crs: object | None) -> CRSCheck:
    """Accept a CRS only if it is CGCS2000 geographic or a CGCS2000 3° GK zone.

    ``crs`` may be anything pyproj understands (WKT, ``EPSG:4543``, a ``pyproj.CRS``) or None.
    """
    if crs is None or crs == "":
        return CRSCheck(
            None,
            "CRS_MISSING",
            "缺少坐标参考系（无 .prj 或未定义）；请提供 CGCS2000 坐标系 / "
            "no coordinate reference system; CGCS2000 is required",
        )
    try:
        parsed = CRS.from_user_input(crs)
    except ProjCRSError:
        return CRSCheck(None, "CRS_UNKNOWN", f"无法识别的坐标参考系 / unrecognised CRS: {str(crs)[:80]}")
    epsg = parsed.to_epsg(min_confidence=70)
    if epsg in ACCEPTED_EPSG:
        return CRSCheck(epsg)
    name = parsed.name
    return CRSCheck(
        None,
        "CRS_NOT_CGCS2000",
        f"坐标参考系不是 CGCS2000（{name}{'，EPSG:' + str(epsg) if epsg else ''}）；"
        "landcon 不做自动转换，请在源数据中转换为 EPSG:4490 或 CGCS2000 3度带（4513–4554） / "
        f"CRS is {name}, not CGCS2000 (EPSG:4490 or 4513–4554); data is never reprojected silently",
    )
