"""A synthetic 全域土地综合整治 implementation plan drawn on a base dataset (see ``docs/plan.md``).

``generate_plan`` picks the township with the most 耕地 (``township_rank`` 2: the second most, so two
plans on one county do not share land) and 2–4 neighbouring villages in it as the 整治区域 (ZZQY),
then lays out, on copies (or unions, or clips) of the base DLTB polygons:

* ``CZGHTB`` change parcels: 即可恢复 / 工程恢复 former farmland back to 耕地, levelled terraces
  (小田并大田: same class merged into one field; the 田坎系数 stays the county table's, so levelling
  adds no farmland unless a field's coefficient was above the table; enough groups that the zone ends
  with ``MERGE_AIM`` fewer fields than before, so 田块归并度 is positive), ecological restoration inside
  the 生态保护红线, and, when short of the target, 宜耕后备资源 (0404 / 1206 next to farmland) reclaimed.
  New 耕地 carries its slope grade (ZHPDJB, from the neighbouring farmland's GDPDJB) and type
  (ZHGDLX), and its ZHKCXS is the table value (``engine.tiankan.DEFAULT_TABLE``, the pack default);
* ``ZJGGTB`` one 增减挂钩 项目区: idle land (1201) and some homesteads (0702) demolished and reclaimed,
  and a smaller 建新 parcel on non-cultivated land near the township seat;
* ``YJJBNTTZTB`` 永久基本农田 adjustment: small steep plots out, flatter (or newly restored) land in;
* the ``plan.yaml`` dict (``synth.plan_meta``): sub-projects with investment, its cost structure and
  planned 工程量, and a funding table that balances, 指标收益 among its sources.

The ``compliant`` variant meets the rules of the ``yunnan`` pack with a margin (新增耕地 ≈ 8 % of
the net 耕地 — or less where the zone has too little land to restore, see ``_farmland`` —, 调出 ≈ 2–3 %
of the 永农, 调入 ≈ 1.15 × 调出, 建新 ≈ 60–75 % of 拆旧); the
``violating`` variant breaks several on purpose (see ``generate_plan``). Every number here (unit
costs, ratios, grades, household counts, names) is a synthetic default, not a real plan's value.
The function is pure: no file I/O, randomness only from ``seed``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.data import counties
from landcon.engine import codes
from landcon.engine.fragmentation import shared_boundaries
from landcon.engine.layers import CJDCQ, CZKFBJ, DLTB, STBHHX, XZQ, YJJBNTBHTB
from landcon.engine.overlay import clip, zone_shares
from landcon.engine.plan import CZGHTB, PLAN_FIELDS, YJJBNTTZTB, ZJGGTB, ZZQY
from landcon.engine.tiankan import DEFAULT_TABLE, coefficients
from landcon.synth.plan_meta import CORE_ROLES, EXTRA_ROLES, Site, plan_meta

Variant = Literal["compliant", "violating"]
ObjArray = npt.NDArray[np.object_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


# Synthetic targets (fractions). Compliant plans aim above the rule thresholds, violating ones below.
NEW_FARMLAND_TARGET: Mapping[str, float] = {"compliant": 0.08, "violating": 0.025}
"""新增耕地 aimed at, as a share of the net 耕地 in the 整治区域."""
OUT_RATIO_TARGET: Mapping[str, tuple[float, float]] = {"compliant": (0.02, 0.03), "violating": (0.08, 0.10)}
"""永农 调出 aimed at, as a share of the 永农 inside the 整治区域 (drawn uniformly in the range)."""
IN_OVER_OUT = 1.15
"""调入 aimed at, as a multiple of 调出."""
NEW_OVER_DEMOLISHED: Mapping[str, tuple[float, float]] = {"compliant": (0.6, 0.75), "violating": (1.3, 1.6)}
"""增减挂钩 建新 area as a multiple of 拆旧 area."""
MERGE_AIM = 0.08
"""田块归并度 aimed at by the compliant plan's levelling (share of the fields before), where the land allows."""
LEVEL_GROUP_SIZE = (4, 10)
"""Fields merged into one by a levelling group: drawn from [low, high) (fewer where neighbours run out)."""

# Ecological restoration inside the red line: base class → (planned class, STXFLX).
_ECO_TARGETS: Mapping[str, tuple[str, str]] = {
    "0307": ("0301", "国土绿化"),
    "0404": ("0301", "国土绿化"),
    "1206": ("0305", "水土流失"),
    "1207": ("0305", "水土流失"),
}
_NEW_CONSTRUCTION_ON = ("0404", "1206", "1207", "0307", "0305", "0301")
"""Classes 建新 may take, best first (never 耕地)."""
_SEAT_CODES = ("0701", "05H1", "08H1", "08H2")
_CULTIVATED = tuple(sorted(codes.CULTIVATED_CODES))


def generate_plan(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    dataset: str,
    variant: Variant = "compliant",
    seed: int = 0,
    township_rank: int = 1,
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
    """A synthetic plan on the base ``layers`` (DLTB, XZQ, CJDCQ; YJJBNTBHTB, STBHHX, CZKFBJ optional).

    Returns the plan layers ``ZZQY``, ``CZGHTB``, ``YJJBNTTZTB``, ``ZJGGTB`` (polygons in the DLTB
    CRS, fields as in docs/plan.md) and the ``plan.yaml`` dict (``base_dataset`` = ``dataset``).

    ``violating`` breaks on purpose: 新增耕地 < 5 %; 永农 调出 > 5 % (and inside the 城镇开发边界 where
    possible); new 耕地 inside the 生态保护红线 and on GDPDJB 5 land; 耕地 turned into 0702 so that
    建设用地 grows; 建新 larger than 拆旧; a 拆旧 without CMTY; a 6-year period; funding ≠ investment.
    Optional layers that are missing skip their parts. Deterministic for a ``seed``. ``township_rank``
    N draws it in the township with the N-th most net 耕地 (ValueError when the county has fewer).
    """
    if variant not in ("compliant", "violating"):
        raise ValueError(f"variant must be 'compliant' or 'violating', not {variant!r}")
    if DLTB not in layers or layers[DLTB].empty:
        raise ValueError("the base dataset has no DLTB features")
    if township_rank < 1:
        raise ValueError(f"township_rank must be at least 1, not {township_rank}")
    return _PlanBuilder(layers, dataset, variant, seed, township_rank).build()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _text(frame: pd.DataFrame, field: str) -> ObjArray:
    """A text column as stripped strings ("" for missing)."""
    if field not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    col = frame[field]
    out = col.astype(object).where(col.notna(), "").astype(str).str.strip()
    return np.asarray(out.to_numpy(dtype=object), dtype=object)


def _number(frame: pd.DataFrame, field: str) -> FloatArray:
    if field not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))


def _geoms(frame: gpd.GeoDataFrame | None) -> ObjArray:
    if frame is None or frame.empty:
        return np.array([], dtype=object)
    arr = np.asarray(frame.geometry.array, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    arr = arr[~shapely.is_empty(arr) & np.isin(shapely.get_type_id(arr), (3, 6))]
    return np.where(shapely.is_valid(arr), arr, shapely.make_valid(arr))


def _polygonal(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """The areal part of a geometry as a Polygon or MultiPolygon (None when it has none)."""
    if geom is None or shapely.is_empty(geom):
        return None
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    parts = shapely.get_parts(geom)
    polys = [p for p in parts.tolist() if shapely.get_type_id(p) in (3, 6) and not p.is_empty]
    if not polys:
        return None
    flat = [q for p in polys for q in shapely.get_parts(p).tolist()]
    flat = [q for q in flat if q.area > 0.01]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else shapely.MultiPolygon(flat)


def _short_name(name: str) -> str:
    for suffix in ("社区居民委员会", "居民委员会", "村民委员会", "村委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------


class _PlanBuilder:
    def __init__(
        self, layers: Mapping[str, gpd.GeoDataFrame], dataset: str, variant: Variant, seed: int, township_rank: int = 1
    ) -> None:
        self.layers = layers
        self.township_rank = township_rank
        self.dataset = dataset
        self.variant: Variant = variant
        self.violating = variant == "violating"
        self.rng = np.random.default_rng(seed)
        self.dltb = layers[DLTB]
        self.crs = self.dltb.crs
        epsg = self.crs.to_epsg() if self.crs is not None else None
        if epsg is None:
            raise ValueError("the DLTB layer has no EPSG-coded CRS")
        self.epsg = int(epsg)
        self.czghtb: list[dict[str, Any]] = []
        self.zjggtb: list[dict[str, Any]] = []
        self.tz: list[dict[str, Any]] = []
        self.role_members: dict[str, list[int]] = {}
        self.role_area: dict[str, float] = {}
        self.trees: dict[int, shapely.STRtree] = {}  # by id() of the (long-lived) overlay arrays

    def build(self) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
        self._select_zone()
        self._zone_pieces()
        self._roles()
        self._ecology()
        self._linkage()
        if self.violating:
            self._violations()
        self._permanent_farmland_out()
        self._farmland()
        self._permanent_farmland_in()
        return self._frames(), self._yaml()

    # -- 整治区域 ------------------------------------------------------------------------------

    def _select_zone(self) -> None:
        dltb = self.dltb
        zl = _text(dltb, "ZLDWDM")
        self.town_of = np.asarray([c[:9] for c in zl.tolist()], dtype=object)
        self.village_of = np.asarray([c[:12] for c in zl.tolist()], dtype=object)
        dlbm = _text(dltb, "DLBM")
        cultivated = np.isin(dlbm, _CULTIVATED)
        net = np.where(cultivated, np.nan_to_num(_number(dltb, "TBDLMJ")), 0.0)
        by_town = pd.Series(net).groupby(self.town_of).sum().sort_index()
        by_town = by_town[[len(c) == 9 for c in by_town.index]]
        if by_town.empty or by_town.max() <= 0:
            raise ValueError("the base dataset has no 耕地 (DLBM 0101–0103) with a 9-digit township code")
        by_town = by_town[by_town > 0].sort_values(ascending=False, kind="stable")
        if len(by_town) < self.township_rank:
            raise ValueError(f"the base dataset has {len(by_town)} townships with 耕地, not {self.township_rank}")
        self.township = str(by_town.index[self.township_rank - 1])
        in_town = self.town_of == self.township
        by_village = pd.Series(net[in_town]).groupby(self.village_of[in_town]).sum().sort_index()
        by_village = by_village.sort_values(ascending=False, kind="stable")
        candidates = [str(v) for v in by_village.index if by_village[v] > 0] or [str(by_village.index[0])]

        # Village polygons: CJDCQ when present, else the union of their DLTB.
        cjdcq = self.layers.get(CJDCQ)
        vgeom: dict[str, shapely.Geometry] = {}
        if cjdcq is not None and not cjdcq.empty:
            codes_c = np.asarray([c[:12] for c in _text(cjdcq, "ZLDWDM").tolist()], dtype=object)
            names_c = _text(cjdcq, "ZLDWMC")
            geoms_c = np.asarray(cjdcq.geometry.array, dtype=object)
            self.village_names = {str(c): str(n) for c, n in zip(codes_c, names_c, strict=True) if n}
            for v in candidates:
                sel = geoms_c[codes_c == v]
                if len(sel):
                    vgeom[v] = shapely.union_all(sel)
        else:
            self.village_names = {}
        all_geoms = np.asarray(dltb.geometry.array, dtype=object)
        for v in candidates:
            if v not in vgeom:
                vgeom[v] = shapely.union_all(all_geoms[self.village_of == v])
        if not self.village_names:
            zlmc = _text(dltb, "ZLDWMC")
            for v in candidates:
                names = zlmc[self.village_of == v]
                self.village_names[v] = str(names[0]) if len(names) and names[0] else v

        k = min(int(self.rng.integers(2, 5)), len(candidates))
        chosen = [candidates[0]]
        while len(chosen) < k:
            rest = [v for v in candidates if v not in chosen]
            adjacent = [v for v in rest if any(shapely.intersects(vgeom[v], vgeom[c]) for c in chosen)]
            chosen.append((adjacent or rest)[0])
        self.villages = sorted(chosen)
        zone = _polygonal(shapely.union_all([vgeom[v] for v in self.villages]))
        if zone is None:
            raise ValueError("the chosen villages have no areal geometry")
        self.zone = zone
        xzq = self.layers.get(XZQ)
        town_name = ""
        if xzq is not None and not xzq.empty:
            hit = _text(xzq, "XZQMC")[_text(xzq, "XZQDM") == self.township]
            town_name = str(hit[0]) if len(hit) else ""
        self.town_name = town_name or f"{self.township}乡镇"
        county = self.township[:6]
        self.county = county
        self.county_name = counties()[county].name if county in counties() else f"{county}县"

    def _zone_pieces(self) -> None:
        """DLTB of the township clipped to the 整治区域, with their attributes and overlay shares."""
        dltb = self.dltb
        town_idx = np.flatnonzero(self.town_of == self.township)
        geoms_all = np.asarray(dltb.geometry.array, dtype=object)
        tbmj_all = _number(dltb, "TBMJ")
        cut = clip(geoms_all[town_idx], self.zone, self.epsg, full_area=tbmj_all[town_idx])
        keep = ~shapely.is_empty(cut.geometry) & np.isin(shapely.get_type_id(cut.geometry), (3, 6))
        keep &= shapely.area(cut.geometry) > 0.01
        idx = town_idx[cut.index[keep]]
        self.idx = idx
        self.geom = cut.geometry[keep]
        share = cut.share[keep]
        self.dlbm = _text(dltb, "DLBM")[idx]
        self.base = np.asarray(
            [codes.base_code(c) if c in codes.LAND_USE_NAMES else c for c in self.dlbm], dtype=object
        )
        self.zzsx = _text(dltb, "ZZSXDM")[idx]
        self.gdlx = _text(dltb, "GDLX")[idx]
        self.grade = _text(dltb, "GDPDJB")[idx]
        self.kcxs = np.nan_to_num(_number(dltb, "KCXS")[idx])
        self.kcxs = np.where(self.kcxs > 1, self.kcxs / 100.0, self.kcxs)  # tolerate percentages
        tbmj = tbmj_all[idx]
        self.tbmj = np.where(np.isnan(tbmj), shapely.area(self.geom), tbmj) * share
        self.gddb = _number(dltb, "GDDB")[idx]
        self.village = self.village_of[idx]
        self.cultivated = np.isin(self.dlbm, _CULTIVATED)
        n = len(idx)
        self.used = np.zeros(n, dtype=bool)  # in a CZGHTB or ZJGGTB parcel
        self.reserved = np.zeros(n, dtype=bool)  # 永农 调出
        self.area = shapely.area(self.geom)
        self.net_before = float(np.sum(np.where(self.cultivated, self.tbmj * (1.0 - self.kcxs), 0.0)))

        red = self._near_zone(_geoms(self.layers.get(STBHHX)))
        yj = self._near_zone(_geoms(self.layers.get(YJJBNTBHTB)))
        kf = self._near_zone(_geoms(self.layers.get(CZKFBJ)))
        self.red_geoms, self.yj_geoms, self.kf_geoms = red, yj, kf
        self.red = zone_shares(self.geom, red, self.epsg) if len(red) else np.zeros(n)
        self.yj = zone_shares(self.geom, yj, self.epsg) if len(yj) else np.zeros(n)
        self.kf = zone_shares(self.geom, kf, self.epsg) if len(kf) else np.zeros(n)

        # Neighbours (shared edge of positive length) as CSR arrays.
        edges = shared_boundaries(self.geom) if n > 1 else None
        if edges is not None and len(edges.i):
            ok = edges.length > 0.5
            i = np.concatenate([edges.i[ok], edges.j[ok]])
            j = np.concatenate([edges.j[ok], edges.i[ok]])
        else:
            i = j = np.array([], dtype=np.intp)
        order = np.lexsort((j, i))
        self.nbr = j[order].astype(np.intp)
        self.nbr_ptr = np.searchsorted(i[order], np.arange(n + 1)).astype(np.intp)

    def _near_zone(self, geoms: ObjArray) -> ObjArray:
        """The polygons of an overlay layer that intersect the 整治区域."""
        if not len(geoms):
            return geoms
        return geoms[np.sort(shapely.STRtree(geoms).query(self.zone, predicate="intersects"))]

    def _neighbours(self, k: int) -> IntArray:
        return self.nbr[self.nbr_ptr[k] : self.nbr_ptr[k + 1]]

    def _local_union(self, geom: shapely.Geometry, others: ObjArray) -> shapely.Geometry | None:
        """``geom`` ∩ the union of ``others`` (polygonal part)."""
        if not len(others):
            return None
        tree = self.trees.get(id(others))
        if tree is None:
            tree = self.trees[id(others)] = shapely.STRtree(others)
        near = others[np.sort(tree.query(geom, predicate="intersects"))]
        if not len(near):
            return None
        return _polygonal(shapely.intersection(geom, shapely.union_all(near)))

    # -- sub-projects --------------------------------------------------------------------------

    def _roles(self) -> None:
        extras = [r for r in EXTRA_ROLES if self.rng.random() < 0.5]
        roles = [*CORE_ROLES, *extras]
        self.role_code = {role: f"ZXM{i + 1:02d}" for i, role in enumerate(roles)}
        for role in roles:
            self.role_members[role] = []
            self.role_area[role] = 0.0

    def _add_change(
        self,
        members: Sequence[int],
        geom: shapely.Geometry,
        ghdlbm: str,
        role: str,
        *,
        zhkcxs: float | None = None,
        zhgddb: int | None = None,
        stxflx: str | None = None,
        zhpdjb: str | None = None,
        zhgdlx: str | None = None,
    ) -> None:
        self.used[list(members)] = True
        self.role_members[role].extend(int(m) for m in members)
        self.role_area[role] += float(shapely.area(geom))
        self.czghtb.append(
            {
                "GHDLBM": ghdlbm,
                "ZXMBH": self.role_code[role],
                "ZHGDDB": zhgddb,
                "ZHKCXS": zhkcxs,
                "ZHPDJB": zhpdjb,
                "ZHGDLX": zhgdlx,
                "STXFLX": stxflx,
                "CMTY": None,
                "geometry": geom,
                "_members": list(members),
            }
        )

    # -- ecological restoration ----------------------------------------------------------------

    def _ecology(self) -> None:
        """Restoration inside the red line (clipped to it); without any there, bare land or grass outside."""
        eco = np.isin(self.base, list(_ECO_TARGETS)) & ~self.used & ~np.isin(self.zzsx, ["JKHF", "GCHF"])
        inside = np.flatnonzero(eco & (self.red > 0.5))
        outside = np.flatnonzero(eco & (self.red == 0.0) & (self.base != "0307"))
        picks = inside if len(inside) else outside
        if not len(picks):
            return
        picks = self.rng.permutation(picks)[: int(self.rng.integers(4, 10)) if len(inside) else 3]
        for k in sorted(picks.tolist()):
            geom = self.geom[k]
            if 0.0 < self.red[k] < 1.0:
                geom = self._local_union(geom, self.red_geoms)
            if geom is None or geom.area < 10.0:
                continue
            target, kind = _ECO_TARGETS[self.base[k]]
            self._add_change([k], geom, target, "ecology", stxflx=kind)

    # -- 增减挂钩 ------------------------------------------------------------------------------

    def _linkage(self) -> None:
        rng = self.rng
        idle = np.flatnonzero((self.base == "1201") & ~self.used)
        homes = np.flatnonzero((self.base == "0702") & ~self.used & (self.kf == 0.0))
        if len(homes):
            n_home = max(1, round(len(homes) * rng.uniform(0.3, 0.5)))
            homes = np.sort(rng.permutation(homes)[:n_home])
        picks = np.concatenate([idle, homes]).astype(np.intp)
        if not len(picks):
            return
        missing_consent = int(homes[0]) if (self.violating and len(homes)) else int(picks[0])
        for k in picks.tolist():
            consent = None if (self.violating and k == missing_consent) else "是"
            # Reclaimed as 旱地, except on a > 25° slope where no new 耕地 may lie: 其他林地 there.
            slope = self._slope_near(k)
            fk = "0307" if slope == "5" and not self.violating else "0103"
            self._add_link(k, self.geom[k], "拆旧", fk=fk, consent=consent, slope=slope if fk == "0103" else None)
        self.demolished = float(np.sum(self.area[picks]))
        lo, hi = NEW_OVER_DEMOLISHED[self.variant]
        self._new_construction(self.demolished * rng.uniform(lo, hi))

    def _add_link(
        self,
        k: int | None,
        geom: shapely.Geometry,
        kind: str,
        *,
        fk: str | None = None,
        consent: str | None = None,
        slope: str | None = None,
    ) -> None:
        if k is not None:
            self.used[k] = True
            self.role_members["linkage"].append(k)
        self.role_area["linkage"] += float(shapely.area(geom))
        jx = None if kind == "拆旧" else ("0701" if self.rng.random() < 0.3 else "0702")
        self.zjggtb.append(
            {
                "XMQBH": "ZJGG01",
                "GGLX": kind,
                "FKDLBM": fk,
                "JXDLBM": jx,
                "ZHPDJB": slope,
                "ZHGDLX": _gdlx_of(slope) if slope else None,
                "CMTY": consent,
                "ZXMBH": self.role_code["linkage"],
                "geometry": geom,
            }
        )

    def _seat(self) -> shapely.Point:
        """The township seat: its 城镇开发边界, else its town-like land, else the zone's centre."""
        kf = self.layers.get(CZKFBJ)
        if kf is not None and not kf.empty and "XZQDM" in kf.columns:
            mine_rows = _text(kf, "XZQDM") == self.township
            if "GHFQDM" in kf.columns and (mine_rows & (_text(kf, "GHFQDM") == "01")).any():
                mine_rows &= _text(kf, "GHFQDM") == "01"  # 城镇集中建设区
            mine = _geoms(kf[mine_rows])
            if len(mine):
                return shapely.centroid(shapely.union_all(mine))
        dlbm = _text(self.dltb, "DLBM")
        town = np.flatnonzero((self.town_of == self.township) & np.isin(dlbm, _SEAT_CODES))
        if len(town):
            xy = shapely.get_coordinates(shapely.centroid(np.asarray(self.dltb.geometry.array, dtype=object)[town]))
            return shapely.Point(float(xy[:, 0].mean()), float(xy[:, 1].mean()))
        return shapely.point_on_surface(self.zone)

    def _new_construction(self, target: float) -> None:
        """建新 parcels of about ``target`` m² on non-cultivated land nearest to the township seat."""
        dltb = self.dltb
        seat = self._seat()
        dlbm = _text(dltb, "DLBM")
        zzsx = _text(dltb, "ZZSXDM")
        taken = np.zeros(len(dltb), dtype=bool)
        taken[self.idx[self.used]] = True
        cand = np.flatnonzero(
            (self.town_of == self.township)
            & np.isin(dlbm, _NEW_CONSTRUCTION_ON)
            & ~np.isin(zzsx, ["JKHF", "GCHF"])
            & ~taken
        )
        if not len(cand):
            return
        geoms = np.asarray(dltb.geometry.array, dtype=object)[cand]
        rank = np.argsort(shapely.distance(geoms, seat), kind="stable")[:60]
        cand, geoms = cand[rank], geoms[rank]
        red = _geoms(self.layers.get(STBHHX))
        if len(red):
            free = zone_shares(geoms, red, self.epsg) == 0.0
            cand, geoms = cand[free], geoms[free]
        urban = _geoms(self.layers.get(CZKFBJ))
        if len(urban) and len(geoms):
            # New construction lies wholly inside or wholly outside the 城镇开发边界, never across it.
            share = zone_shares(geoms, urban, self.epsg)
            whole = (share == 0.0) | (share == 1.0)
            cand, geoms = cand[whole], geoms[whole]
        # Pieces of the zone are tracked by their zone index, others not at all (outside the zone).
        zone_pos = {int(g): z for z, g in enumerate(self.idx.tolist())}
        remaining = target
        for g, geom in zip(cand.tolist(), geoms.tolist(), strict=True):
            if remaining <= 1.0:
                break
            z = zone_pos.get(g)
            if z is not None:
                geom = self.geom[z]  # clipped to the zone where it crosses it
            a = float(shapely.area(geom))
            part = geom if a <= remaining else _clip_to_area(geom, remaining)
            if part is None:
                continue
            self._add_link(z, part, "建新")
            remaining -= float(shapely.area(part))

    # -- 永久基本农田 ----------------------------------------------------------------------------

    def _permanent_farmland_out(self) -> None:
        self.out_total = 0.0
        self.out_grades: list[tuple[float, float]] = []
        if not len(self.yj_geoms):
            return
        yj_zone = _polygonal(shapely.union_all(shapely.intersection(self.yj_geoms, self.zone)))
        self.yj_zone_area = float(shapely.area(yj_zone)) if yj_zone is not None else 0.0
        if self.yj_zone_area <= 0:
            return
        lo, hi = OUT_RATIO_TARGET[self.variant]
        target = self.yj_zone_area * self.rng.uniform(lo, hi)
        steep = ("4", "5") if not self.violating else ("3", "4", "5")
        cand = self.cultivated & ~self.used & (self.yj > 0.5) & np.isin(self.grade, steep)
        if not self.violating:
            cand &= self.kf == 0.0
        picks = self.rng.permutation(np.flatnonzero(cand))
        # Steepest first; compliant picks the small plots, violating the large ones (and those in CZKFBJ).
        grade_num = np.asarray([int(g) if g.isdigit() else 0 for g in self.grade[picks]])
        size = self.area[picks] if self.violating else -self.area[picks]
        in_kf = (self.kf[picks] > 0).astype(np.int64) * int(self.violating)
        order = np.lexsort((-size, -in_kf, -grade_num))
        total = 0.0
        n = 0
        for k in picks[order].tolist():
            geom = self.geom[k] if self.yj[k] >= 1.0 else self._local_union(self.geom[k], self.yj_geoms)
            if geom is None:
                continue
            a = float(shapely.area(geom))
            if not self.violating and total + a > target:
                continue
            n += 1
            total += a
            self.reserved[k] = True
            gd = self.gddb[k]
            if not np.isnan(gd):
                self.out_grades.append((float(gd), a))
            self.tz.append({"TZLX": "调出", "TZYNDKBH": f"TC{n:03d}", "ZHGDDB": None, "ZHPDJB": None, "geometry": geom})
            if self.violating and total >= target:
                break
        self.out_total = total

    def _permanent_farmland_in(self) -> None:
        if self.out_total <= 0:
            return
        need = self.out_total * IN_OVER_OUT
        lost = np.zeros(len(self.geom), dtype=bool)
        for row in self.czghtb:
            if row["GHDLBM"] not in codes.CULTIVATED_CODES:
                lost[row["_members"]] = True
        free = self.cultivated & ~self.reserved & ~lost & (self.yj == 0.0)
        flat = np.flatnonzero(free & np.isin(self.grade, ["1", "2"]))
        gentle = np.flatnonzero(free & (self.grade == "3"))
        # Restored land has no survey slope grade: fields of at most 15° (ZHPDJB ≤ 3) come in before
        # the gentle farmland, those of 15°–25° (4) last; the 调入 parcel carries their grade (ZHPDJB)
        # so the review table knows it.
        restored_rows = [
            row
            for row in self.czghtb
            if row["GHDLBM"] in codes.CULTIVATED_CODES
            and not self.cultivated[row["_members"]].any()
            and row["ZHPDJB"] in ("1", "2", "3", "4")
        ]
        restored = [row["geometry"] for row in restored_rows if row["ZHPDJB"] != "4"]
        restored_steep = [row["geometry"] for row in restored_rows if row["ZHPDJB"] == "4"]
        pools: list[list[shapely.Geometry]] = [
            [self.geom[k] for k in flat[np.argsort(-self.area[flat], kind="stable")].tolist()],
            sorted(restored, key=lambda g: -float(g.area)),
            [self.geom[k] for k in gentle[np.argsort(-self.area[gentle], kind="stable")].tolist()],
            sorted(restored_steep, key=lambda g: -float(g.area)),
        ]
        chosen: list[shapely.Geometry] = []
        total = 0.0
        for pool in pools:
            for geom in pool:
                if total >= need:
                    break
                part = geom
                if len(self.yj_geoms):
                    inside = self._local_union(geom, self.yj_geoms)
                    if inside is not None:
                        part = _polygonal(shapely.difference(geom, inside))
                if part is None or part.area < 10.0:
                    continue
                chosen.append(part)
                total += float(part.area)
        if not chosen:
            return
        parts = [p for p in shapely.get_parts(shapely.union_all(chosen)).tolist() if p.area > 1.0]
        weights = np.array([a for _, a in self.out_grades]) if self.out_grades else np.ones(1)
        grades = np.array([g for g, _ in self.out_grades]) if self.out_grades else np.array([10.0])
        out_mean = float(np.sum(grades * weights) / np.sum(weights))
        for n, part in enumerate(parts, start=1):
            better = int(np.clip(math.floor(out_mean) - int(self.rng.integers(1, 3)), codes.GDDB_MIN, codes.GDDB_MAX))
            slopes = [
                str(row["ZHPDJB"])
                for row in restored_rows
                if shapely.area(shapely.intersection(part, row["geometry"])) > 1
            ]
            self.tz.append(
                {
                    "TZLX": "调入",
                    "TZYNDKBH": f"TR{n:03d}",
                    "ZHGDDB": better,
                    "ZHPDJB": max(slopes) if slopes else None,
                    "geometry": part,
                }
            )

    # -- 新增耕地 ------------------------------------------------------------------------------

    def _coefficient(self, slope: str, gdlx: str) -> float:
        """The table's 田坎系数 for a slope grade and 耕地类型 (0 where the slope is unknown)."""
        value = float(coefficients([slope], [gdlx], DEFAULT_TABLE)[0])
        return 0.0 if np.isnan(value) else value

    def _slope_near(self, k: int) -> str:
        """A slope grade for a piece without one: the steepest GDPDJB of the farmland next to it,
        else the most common grade of the zone's farmland (the survey has none off 耕地)."""
        nb = self._neighbours(k)
        grades = [g for g in self.grade[nb][self.cultivated[nb]].tolist() if g in codes.SLOPE_GRADES]
        if grades:
            return max(grades)
        if not hasattr(self, "_common_grade"):
            known = [g for g in self.grade[self.cultivated].tolist() if g in codes.SLOPE_GRADES]
            self._common_grade = pd.Series(known).mode().sort_values().iloc[0] if known else "3"
        return str(self._common_grade)

    def _gain_so_far(self) -> float:
        """新增耕地 of the parcels placed so far, by the docs/plan.md arithmetic (planar shares; the
        田坎系数 after from the table by the steeper of the piece's and the parcel's slope grade)."""
        gain = 0.0
        for row in self.czghtb:
            if row["GHDLBM"] not in codes.CULTIVATED_CODES:
                continue
            for k in row["_members"]:
                share = float(shapely.area(shapely.intersection(row["geometry"], self.geom[k]))) / self.area[k]
                tb = self.tbmj[k] * min(share, 1.0)
                slope = _steeper(self.grade[k], row["ZHPDJB"] or "")
                gdlx = row["ZHGDLX"] or (self.gdlx[k] if self.cultivated[k] else "")
                after = self._coefficient(slope, gdlx)
                gain += tb * (max(self.kcxs[k] - after, 0.0) if self.cultivated[k] else (1.0 - after))
        for row in self.zjggtb:
            if row["GGLX"] == "拆旧" and row["FKDLBM"] in codes.CULTIVATED_CODES:
                after = self._coefficient(row["ZHPDJB"] or "", row["ZHGDLX"] or "")
                gain += float(shapely.area(row["geometry"])) * (1.0 - after)
        return gain

    def _grade_near(self, k: int) -> int:
        nb = self._neighbours(k)
        vals = self.gddb[nb][self.cultivated[nb] & ~np.isnan(self.gddb[nb])]
        if not len(vals):
            vals = self.gddb[self.cultivated & ~np.isnan(self.gddb)]
        base = float(np.mean(vals)) if len(vals) else 11.0
        return int(np.clip(round(base) + int(self.rng.integers(0, 2)), codes.GDDB_MIN, codes.GDDB_MAX))

    def _farmland(self) -> None:
        """New 耕地 up to the target: restoration of 即可恢复 / 工程恢复 land, then 宜耕后备资源; then
        levelling (小田并大田) until the 整治区域 has fewer fields than before.

        Every restored or reclaimed plot is a field of its own, so levelling merges adjacent fields
        until the fields it removes exceed those new ones by ``MERGE_AIM`` of the fields before
        (or the candidates run out): 田块归并度 = (before − after) / before is then positive. It adds
        no farmland on land whose 田坎系数 is already the table's, so it is never counted on for the
        target. Where the zone runs out of land to restore the compliant plan stays below its 8 %
        aim (the 5 % rule is checked by the engine, not assumed here)."""
        target = NEW_FARMLAND_TARGET[self.variant] * self.net_before
        gain = self._gain_so_far()
        if self.violating:  # only a few conversions, capped below the target
            self._restore("JKHF", target, cap=True, start=gain)
            return
        gain = self._restore("GCHF", gain + 0.4 * target, cap=False, start=gain)
        gain = self._restore("JKHF", target, cap=False, start=gain)
        if gain < target:
            gain = self._restore("GCHF", target, cap=False, start=gain)
        if gain < target:
            self._reclaim(target, start=gain)
        fields_before = int(self.cultivated.sum())
        self._level(("2", "3"), min_size=2, merge=self._new_fields() + math.ceil(MERGE_AIM * fields_before))

    def _new_fields(self) -> int:
        """Fields the plan adds: change parcels that turn land other than 耕地 into 耕地 (one field each)."""
        rows = [r for r in self.czghtb if r["GHDLBM"] in codes.CULTIVATED_CODES]
        restored = sum(1 for r in rows if not self.cultivated[r["_members"]].any())
        reclaimed = sum(1 for r in self.zjggtb if r["GGLX"] == "拆旧" and r["FKDLBM"] in codes.CULTIVATED_CODES)
        return restored + reclaimed

    def _level(
        self,
        grades: tuple[str, ...],
        *,
        min_size: int,
        max_groups: int | None = None,
        merge: int | None = None,
        below_table: bool = False,
    ) -> float:
        """Level groups of adjacent fields of one class (小田并大田), one parcel each, until ``max_groups``
        groups are laid out or the groups have removed ``merge`` fields (group size − 1 each).

        Group sizes are drawn from ``LEVEL_GROUP_SIZE``. ZHKCXS is the table's (the largest over the
        group's slope grades and types) — or, with ``below_table`` (the violating variant), 0.05 under
        it. Returns the 新增耕地 (the 田坎 above the table that the levelling removes)."""
        rng = self.rng
        cand = self.cultivated & ~self.used & ~self.reserved & (self.red == 0.0) & (self.kcxs > 0)
        cand &= np.isin(self.grade, grades)
        if not self.violating:
            cand &= self.gdlx == codes.TERRACE
        free = cand.copy()
        gain = 0.0
        groups = merged = 0
        for s in rng.permutation(np.flatnonzero(cand)).tolist():
            if (max_groups is not None and groups >= max_groups) or (merge is not None and merged >= merge):
                break
            if not free[s]:
                continue
            size = int(rng.integers(*LEVEL_GROUP_SIZE))
            group, frontier = [s], [s]
            free[s] = False
            while frontier and len(group) < size:
                k = frontier.pop(0)
                for nb in self._neighbours(k).tolist():
                    if free[nb] and self.dlbm[nb] == self.dlbm[s]:
                        free[nb] = False
                        group.append(nb)
                        frontier.append(nb)
                        if len(group) >= size:
                            break
            if len(group) < min_size:
                continue
            members = np.asarray(sorted(group), dtype=np.intp)
            table = np.asarray([self._coefficient(self.grade[m], self.gdlx[m]) for m in members.tolist()])
            zh = round(float(table.max()) - (0.05 if below_table else 0.0), 2)
            geom = _polygonal(shapely.union_all(self.geom[members]))
            if geom is None:
                continue
            weights = self.tbmj[members]
            gd = self.gddb[members]
            ok = ~np.isnan(gd)
            grade = round(float(np.sum(gd[ok] * weights[ok]) / np.sum(weights[ok]))) - 1 if ok.any() else None
            grade = None if grade is None else int(np.clip(grade, codes.GDDB_MIN, codes.GDDB_MAX))
            self._add_change(members.tolist(), geom, self.dlbm[s], "level", zhkcxs=max(zh, 0.0), zhgddb=grade)
            gain += float(np.sum(self.tbmj[members] * np.maximum(self.kcxs[members] - table, 0.0)))
            groups += 1
            merged += len(members) - 1
        return gain

    def _new_field(self, k: int, ghdlbm: str, role: str, *, slope: str | None = None) -> float:
        """Turn piece ``k`` into 耕地 with the table's 田坎系数 for its slope grade; returns the gain."""
        slope = slope or self._slope_near(k)
        gdlx = _gdlx_of(slope, paddy=ghdlbm == "0101")
        zh = self._coefficient(slope, gdlx)
        self._add_change(
            [k],
            self.geom[k],
            ghdlbm,
            role,
            zhkcxs=zh,
            zhgddb=self._grade_near(k),
            zhpdjb=slope,
            zhgdlx=gdlx or None,
        )
        return float(self.tbmj[k] * (1.0 - zh))

    def _restore(self, status: str, target: float, *, cap: bool, start: float) -> float:
        """即可恢复 (JKHF) / 工程恢复 (GCHF) former farmland back to 耕地 until the gain reaches ``target``
        (never on land steeper than 25°, GDPDJB 5)."""
        rng = self.rng
        level1 = np.asarray([c[:2] for c in self.base.tolist()], dtype=object)
        cand = np.isin(level1, ["02", "03", "04"]) & (self.base != "0402") & (self.zzsx == status)
        cand &= ~self.used & (self.red == 0.0)
        gain = start
        for k in rng.permutation(np.flatnonzero(cand)).tolist():
            if gain >= target:
                break
            slope = self._slope_near(k)
            if slope == "5":
                continue
            nb = self._neighbours(k)
            paddy = bool(np.any(self.dlbm[nb] == "0101")) and rng.random() < 0.5
            ghdlbm = "0101" if paddy else "0103"
            g = float(self.tbmj[k] * (1.0 - self._coefficient(slope, _gdlx_of(slope, paddy=paddy))))
            if cap and gain + g > target:
                continue
            gain += self._new_field(k, ghdlbm, "restore", slope=slope)
        return gain

    def _reclaim(self, target: float, *, start: float) -> float:
        """宜耕后备资源 (0404 / 1206, not steeper than 25°) developed into 旱地: plots next to 耕地 first,
        then, where a small 整治区域 is still short of the target, the other such plots in it, and last
        园地 beside 耕地 turned back into 耕地 (the 进出平衡 direction)."""
        reserve = np.isin(self.base, ["0404", "1206"]) & ~self.used & (self.red == 0.0)
        orchard = np.isin(self.base, ["0201", "0202", "0204"]) & ~self.used & (self.red == 0.0)
        gain = start
        for cand, beside_farmland in ((reserve, True), (reserve, False), (orchard, True)):
            for k in self.rng.permutation(np.flatnonzero(cand & ~self.used)).tolist():
                if gain >= target:
                    return gain
                if beside_farmland and not self.cultivated[self._neighbours(k)].any():
                    continue
                if self._slope_near(k) == "5":
                    continue
                gain += self._new_field(k, "0103", "restore")
        return gain

    # -- deliberate violations -----------------------------------------------------------------

    def _violations(self) -> None:
        # 田坎系数 below the county table: level one or two groups with ZHKCXS under it.
        self._level(("3", "4", "5"), min_size=1, max_groups=2, below_table=True)
        # New 耕地 on GDPDJB 5 land: one or two non-cultivated plots reclaimed on a > 25° slope.
        level1 = np.asarray([c[:2] for c in self.base.tolist()], dtype=object)
        steep = np.flatnonzero(np.isin(level1, ["03", "04"]) & (self.base != "0402") & ~self.used & (self.red == 0.0))
        for k in steep[np.argsort(self.area[steep], kind="stable")][:2].tolist():
            self._new_field(k, "0103", "restore", slope="5")
        # New 耕地 inside the 生态保护红线: the smallest non-cultivated plots there become 旱地.
        level1 = np.asarray([c[:2] for c in self.base.tolist()], dtype=object)
        red = np.flatnonzero(
            (np.isin(level1, ["03", "04"]) | np.isin(self.base, ["1206", "1207"]))
            & (self.base != "0402")
            & ~self.used
            & (self.red > 0.5)
        )
        for k in red[np.argsort(self.area[red], kind="stable")][:2].tolist():
            self._new_field(k, "0103", "restore")
        # 耕地 next to the village turned into homesteads: more than the 拆旧 gives back.
        demolished = getattr(self, "demolished", 0.0)
        need = demolished * 1.2 + 1_000.0
        town_like = np.isin(self.base, ["0701", "0702", "1201", "05H1"])
        cand = self.cultivated & ~self.used & ~self.reserved
        owner = np.repeat(np.arange(len(self.geom)), np.diff(self.nbr_ptr))
        near = np.zeros(len(self.geom), dtype=bool)
        near[owner[town_like[self.nbr]]] = True
        picks = np.flatnonzero(cand & near)
        if not len(picks):
            picks = np.flatnonzero(cand)
        total = 0.0
        for k in picks[np.argsort(self.area[picks], kind="stable")].tolist():
            if total >= need:
                break
            self._add_change([k], self.geom[k], "0702", "living")
            total += float(self.area[k])

    # -- output --------------------------------------------------------------------------------

    def _frames(self) -> dict[str, gpd.GeoDataFrame]:
        names = [_short_name(self.village_names.get(v, v)) for v in self.villages]
        zzqy = gpd.GeoDataFrame(
            {"ZZQYBH": [f"{self.township}ZZ01"], "ZZQYMC": [f"{self.town_name}{'、'.join(names)}整治区域"]},
            geometry=[self.zone],
            crs=self.crs,
        )
        return {
            ZZQY: zzqy,
            CZGHTB: self._frame(CZGHTB, self.czghtb),
            YJJBNTTZTB: self._frame(YJJBNTTZTB, self.tz),
            ZJGGTB: self._frame(ZJGGTB, self.zjggtb),
        }

    def _frame(self, layer: str, rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
        """The layer with the fields of ``engine.plan.PLAN_FIELDS`` (integers nullable)."""
        data: dict[str, Any] = {}
        for spec in PLAN_FIELDS[layer]:
            values = [row[spec.name] for row in rows]
            if spec.kind == "int":
                data[spec.name] = pd.array(values, dtype="Int64")
            elif spec.kind == "float":
                data[spec.name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            else:
                data[spec.name] = pd.Series(values, dtype=object)
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([row["geometry"] for row in rows], crs=self.crs).values)

    def _role_village(self, role: str, fallback: int) -> str:
        members = self.role_members.get(role, [])
        if members:
            counts = pd.Series(self.village[members]).value_counts(sort=False)
            counts = counts[[v in self.villages for v in counts.index]]
            if len(counts):
                return str(counts.sort_index().idxmax())
        return self.villages[fallback % len(self.villages)]

    def _yaml(self) -> dict[str, Any]:
        site = Site(self.dataset, self.county, self.county_name, self.township, self.town_name, tuple(self.villages))
        roles = {role: (code, self._role_village(role, i)) for i, (role, code) in enumerate(self.role_code.items())}
        return plan_meta(site, self.rng, roles, self.role_area, violating=self.violating)


def _steeper(a: str, b: str) -> str:
    known = [g for g in (a, b) if g in codes.SLOPE_GRADES]
    return max(known) if known else ""


def _gdlx_of(slope: str, *, paddy: bool = False) -> str:
    """耕地类型 of new farmland: none on flat land (grade 1), 梯田 for paddy, else 坡地."""
    if slope not in codes.SLOPE_GRADES or slope == "1":
        return ""
    return codes.TERRACE if paddy else codes.SLOPE_FIELD


def _clip_to_area(geom: shapely.Geometry, target: float) -> shapely.Geometry | None:
    """A compact part of ``geom`` of about ``target`` m²: ``geom`` ∩ a disc around an inner point."""
    centre = shapely.point_on_surface(geom)
    radius = math.sqrt(max(target, 1.0) / math.pi)
    part: shapely.Geometry | None = None
    for _ in range(8):
        piece = _polygonal(shapely.intersection(geom, centre.buffer(radius, quad_segs=8)))
        if piece is not None and shapely.get_type_id(piece) == 6:
            piece = max(shapely.get_parts(piece).tolist(), key=lambda p: p.area)
        if piece is None:
            return part
        part = piece
        a = float(piece.area)
        if abs(a - target) <= 0.02 * target or a <= 0:
            break
        radius *= math.sqrt(target / a)
        if a < target and radius > 1e5:
            break
    if part is not None and part.area > target * 1.05:
        return None
    return part
