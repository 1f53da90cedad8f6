"""Standard layer names and field-name normalisation (the names only; checks live in ``schema``).

三调 database layers: DLTB 地类图斑, XZQ 行政区 (township), CJDCQ 村级调查区 (village).
三区三线 layers: YJJBNTBHTB 永久基本农田保护图斑 (delivered also as YJJBNTTB or YJJBNT),
STBHHX 生态保护红线, CZKFBJ 城镇开发边界.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import geopandas as gpd

DLTB = "DLTB"
XZQ = "XZQ"
CJDCQ = "CJDCQ"
YJJBNTBHTB = "YJJBNTBHTB"
STBHHX = "STBHHX"
CZKFBJ = "CZKFBJ"

STANDARD_LAYERS: tuple[str, ...] = (DLTB, XZQ, CJDCQ, YJJBNTBHTB, STBHHX, CZKFBJ)
LAYER_TITLES: Mapping[str, str] = MappingProxyType(
    {
        DLTB: "地类图斑",
        XZQ: "行政区（乡镇）",
        CJDCQ: "村级调查区",
        YJJBNTBHTB: "永久基本农田保护图斑",
        STBHHX: "生态保护红线",
        CZKFBJ: "城镇开发边界",
    }
)

_LAYER_ALIASES: Mapping[str, str] = MappingProxyType(
    {name: name for name in STANDARD_LAYERS} | {"YJJBNTTB": YJJBNTBHTB, "YJJBNT": YJJBNTBHTB}
)

# Field names used by some versions of the standard for the same attribute.
FIELD_ALIASES: Mapping[str, str] = MappingProxyType({"GDZZSXDM": "ZZSXDM", "GDZZSXMC": "ZZSXMC", "XXTBKD": "XZDWKD"})


def canonical_layer_name(name: str) -> str | None:
    """The standard name for a source layer or file stem (case-insensitive), or None.

    ``dltb`` → ``DLTB``; ``YJJBNTTB`` and ``YJJBNT`` → ``YJJBNTBHTB``.
    """
    return _LAYER_ALIASES.get(name.strip().upper())


def discover(names: Iterable[str]) -> dict[str, str]:
    """Map standard layer name → source layer name for the names that are standard layers.

    When two source layers map to the same standard layer (e.g. both YJJBNTTB and YJJBNT), the
    one whose name is the standard name wins, else the first.
    """
    found: dict[str, str] = {}
    for name in names:
        canonical = canonical_layer_name(name)
        if canonical is None:
            continue
        if canonical not in found or name.strip().upper() == canonical:
            found[canonical] = name
    return found


def normalise_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Upper-case attribute field names and map known aliases to the standard names.

    The geometry column is renamed to ``geometry``. A name that would collide after
    normalisation keeps its first occurrence; later duplicates keep their original spelling.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    geometry_name = frame.geometry.name
    for column in frame.columns:
        if column == geometry_name:
            continue
        upper = str(column).strip().upper()
        target = FIELD_ALIASES.get(upper, upper)
        if target in taken:
            continue
        taken.add(target)
        mapping[column] = target
    out = frame.rename(columns=mapping)
    if geometry_name != "geometry":
        out = out.rename_geometry("geometry")
    return out
