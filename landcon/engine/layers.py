"""Standard layer names and field-name normalisation (the names only; checks live in ``schema``).

三调 database layers: DLTB 地类图斑, XZQ 行政区 (township), CJDCQ 村级调查区 (village).
三区三线 layers: YJJBNTBHTB 永久基本农田保护图斑 (delivered also as YJJBNTTB or YJJBNT),
STBHHX 生态保护红线, CZKFBJ 城镇开发边界.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

    ``dltb`` → ``DLTB``; ``YJJBNTTB`` and ``YJJBNT`` → ``YJJBNTBHTB``. Names as counties export
    them (``DLTB5301242023``) are recognised by ``recognise_layer_name``.
    """
    return _LAYER_ALIASES.get(name.strip().upper())


_DECORATION = re.compile(r"[0-9_\-.\s]+")


def recognise_layer_name(name: str) -> str | None:
    """The standard layer a county's layer or file name stands for, or None.

    Exports name layers with the county code, the year or both, joined by ``_`` / ``-`` or not:
    ``DLTB5301242023``, ``530124XZQ``, ``DLTB_2023``, ``dltb-530124``. The name with digits and
    those separators removed must be a standard name or alias (case-insensitive); other letters
    make it another layer (``XZQJX`` 行政区界线, ``DLTBGX`` 更新层 are not XZQ or DLTB).
    """
    return canonical_layer_name(name) or _LAYER_ALIASES.get(_DECORATION.sub("", name.strip().upper()))


@dataclass(frozen=True)
class Discovery:
    """Which source layers stand for which standard layers."""

    found: dict[str, str]
    """Standard name → the one source layer name recognised as it."""
    ambiguous: dict[str, list[str]]
    """Standard name → every source layer name recognised as it, where there is more than one."""


def discover(names: Iterable[str]) -> Discovery:
    """Recognise the standard layers among source layer names (``recognise_layer_name``).

    A standard layer with two or more candidates (``DLTB2022`` and ``DLTB2023``, or ``YJJBNTTB``
    and ``YJJBNT``) is ambiguous: it is listed in ``ambiguous`` and not in ``found``; the caller
    refuses it rather than guess.
    """
    candidates: dict[str, list[str]] = {}
    for name in names:
        standard = recognise_layer_name(name)
        if standard is not None:
            candidates.setdefault(standard, []).append(name)
    found = {standard: names[0] for standard, names in candidates.items() if len(names) == 1}
    ambiguous = {standard: names for standard, names in candidates.items() if len(names) > 1}
    return Discovery(found, ambiguous)


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
