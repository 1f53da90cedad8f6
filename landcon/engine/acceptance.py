"""Acceptance (验收) on as-built data: plan vs as-built, the acceptance rules and 核减 (docs/acceptance.md).

``compute_acceptance`` clips the base DLTB (the dataset version the approved plan was checked
against) to the plan's 整治区域 once, builds two after states over it — the plan's change parcels
(``analyse_plan``) and the as-built parcels (``asbuilt_schema.asbuilt_parcels``) — and computes
both indicator sets with the same family functions (``indicators_from_states``); no indicator has
a second formula here. What acceptance adds:

- 整治规模 = Σ TBMJ of the changed pieces (the pieces of DLTB inside a change parcel);
- mean 等别 of 耕地 before / after = Σ (net area × GDDB) / Σ net area over the 耕地 with a grade, and
  of the 可用于占补平衡 new 耕地 (``cultivated.supplementary_by_grade_m2``, the 占补 quality rule);
- 新增粮食产能 (kg) = ``engine.ledger.grain_capacity`` over ``cultivated.new_by_grade_m2``;
- investment completion = Σ 决算 (asbuilt.yaml) / planned investment (``investment.total_wan``);
- verification: ``engine.change_detection.detect_changes`` of the as-built parcels against the
  latest vintage; an as-built parcel fails where its cells are 未实现 or 变为其他地类. The verified
  state is the as-built parcels less their failing cells (``acceptance_verified.verified_parcels``); its indicators
  (``verified``, same family functions) are what the 补充耕地指标 is issued from;
- 核减 (``Cut``), by parcel: a plan parcel whose linked as-built parcels (GHTC/GHTBBH) add less new
  耕地 than planned (reason 竣工少于方案, or 未实施 when none is linked), and an as-built parcel's
  new 耕地 as built − in the verified state (reason 变更调查非耕地). 核定新增耕地 = the verified
  state's new 耕地 = as-built new − the latter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from landcon.engine import acceptance_rules as R
from landcon.engine.acceptance_findings import asbuilt_findings
from landcon.engine.acceptance_table import comparison_rows
from landcon.engine.acceptance_verified import failed_by_parcel, failing_cells, verified_parcels
from landcon.engine.asbuilt_schema import JGTB, AsBuilt, asbuilt_parcels, parcel_id, plan_links
from landcon.engine.change_detection import ChangeDetection, detect_changes
from landcon.engine.indicators._common import is_cultivated, m2
from landcon.engine.indicators.compose import PERMANENT_FARMLAND, PlanIndicators, analyse_plan, indicators_from_states
from landcon.engine.indicators.states import AfterState, BeforeState, after_state_of
from landcon.engine.ledger import LedgerRules, grain_capacity
from landcon.engine.plan import FUNDING_SOURCES, YJJBNTTZTB, Plan, funding_by_source, subproject_investment, texts
from landcon.engine.tiankan import DEFAULT_TABLE, TiankanTable

SHORT, NOT_BUILT, NOT_VERIFIED = "竣工少于方案", "未实施", "变更调查非耕地"


@dataclass(frozen=True)
class Cut:
    """One 核减 row: the parcel, its reason and the new 耕地 planned, built and cut (m², 0.01)."""

    layer: str  # JGTB for an as-built parcel, CZGHTB / ZJGGTB for a plan parcel not (fully) built
    parcel: str
    plan_parcel: str  # "CZGHTB 2" or ""
    subproject: str
    reason: str
    planned_m2: float
    built_m2: float
    cut_m2: float
    vintage_dlbm: str = ""


@dataclass(frozen=True)
class Acceptance:
    """Everything the acceptance shows; ``to_dict`` is acceptance.json."""

    plan: dict[str, Any]  # the plan's indicators (docs/indicators.md keys)
    built: dict[str, Any]  # the same indicators of the as-built state
    verified: dict[str, Any]  # the same of the as-built state less what fails verification (= built when none)
    figures: dict[str, dict[str, Any]]  # name → {"plan": …, "built": …}: what acceptance adds
    investment: dict[str, Any]
    comparison: list[dict[str, Any]]
    rules: tuple[R.RuleResult, ...]
    cuts: tuple[Cut, ...]
    verification: dict[str, Any] | None
    totals: dict[str, float]
    findings: list[dict[str, Any]] = field(default_factory=list)  # the rule pack on the as-built state
    parcels: list[dict[str, Any]] = field(default_factory=list)  # per as-built parcel (``parcel_rows``)

    @property
    def passed(self) -> bool:
        return all(r.status == R.PASS for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(r.status == s for r in self.rules) for s in (R.PASS, R.FAIL, R.UNKNOWN)}
        return {
            "passed": self.passed,
            "status_counts": counts,
            "totals": self.totals,
            "rules": [r.to_dict() for r in self.rules],
            "cuts": [asdict(c) for c in self.cuts],
            "comparison": self.comparison,
            "figures": self.figures,
            "investment": self.investment,
            "verification": self.verification,
            "asbuilt_findings": self.findings,
            "plan_indicators": self.plan,
            "asbuilt_indicators": self.built,
            "verified_indicators": self.verified,
            "asbuilt_parcels": self.parcels,
        }


def changed_area(after: AfterState) -> float:
    """整治规模: Σ TBMJ of the changed pieces (m², 0.01)."""
    return m2(after.changes["tbmj"].to_numpy(dtype=np.float64).sum())


def mean_grades(before: BeforeState, after: AfterState) -> tuple[float | None, float | None]:
    """Area-weighted 等别 of 耕地 (net area, graded land only) before and after; None without grades."""
    inside = before.inside
    cult = is_cultivated(inside["DLBM"].to_numpy(dtype=object))
    grade = inside["GDDB"].to_numpy(dtype=np.float64)
    net = inside["TBDLMJ"].to_numpy(dtype=np.float64)
    b = _weighted(grade[cult], net[cult])
    rest = cult & (after.rest > 0)
    ch = after.changes
    ch_cult = is_cultivated(ch["after"].to_numpy(dtype=object))
    a = _weighted(
        np.concatenate([grade[rest], ch["grade_after"].to_numpy(dtype=np.float64)[ch_cult]]),
        np.concatenate([(net * after.rest)[rest], ch["net_after"].to_numpy(dtype=np.float64)[ch_cult]]),
    )
    return b, a


def _weighted(grade: np.ndarray, weight: np.ndarray) -> float | None:
    known = ~np.isnan(grade) & (weight > 0)
    total = float(weight[known].sum())
    return round(float((grade[known] * weight[known]).sum()) / total, 4) if total > 0 else None


def new_farmland_grade(by_grade: Mapping[str, float]) -> float | None:
    """Area-weighted 等别 of new 耕地 from a by-grade mapping (``cultivated.supplementary_by_grade_m2``:
    the 可用于占补平衡 new 耕地 the 占补 quality rule concerns); ungraded area left out."""
    pairs = [(float(g), float(a)) for g, a in by_grade.items() if str(g).strip() and float(a) > 0]
    total = sum(a for _, a in pairs)
    return round(sum(g * a for g, a in pairs) / total, 4) if total > 0 else None


def _new_by_parcel(after: AfterState, column: str = "new_cultivated") -> dict[tuple[str, str], float]:
    ch = after.changes
    if not len(ch):
        return {}
    sums = ch.groupby(["layer", "parcel_id"], sort=False)[column].sum()
    return {(str(k[0]), str(k[1])): float(v) for k, v in sums.items()}


def _final_accounts(meta: Mapping[str, Any]) -> tuple[float, dict[str, float], dict[str, float]]:
    total, by_source = 0.0, {s: 0.0 for s in FUNDING_SOURCES}
    by_sub: dict[str, float] = {}
    for item in meta.get("final_accounts") or []:
        amount = float(item["amount"])
        total += amount
        by_source[str(item["source"])] += amount
        if item.get("sub_project") is not None:
            by_sub[str(item["sub_project"])] = by_sub.get(str(item["sub_project"]), 0.0) + amount
    return round(total, 4), {k: round(v, 4) for k, v in by_source.items() if v}, by_sub


def _investment(plan_meta: Mapping[str, Any], asbuilt_meta: Mapping[str, Any]) -> dict[str, Any]:
    planned_by_sub = subproject_investment(plan_meta)
    planned = round(sum(planned_by_sub.values()), 4) if planned_by_sub else None
    final, by_source, by_sub = _final_accounts(asbuilt_meta)
    return {
        "planned_wan": planned,
        "final_wan": final,
        "completion": R._ratio(final, planned) if planned else None,
        "planned_by_source_wan": funding_by_source(plan_meta),
        "final_by_source_wan": by_source,
        "planned_by_subproject_wan": planned_by_sub,
        "final_by_subproject_wan": by_sub,
    }


def _cuts(
    plan_new: Mapping[tuple[str, str], float],
    built_new: Mapping[tuple[str, str], float],
    asbuilt: AsBuilt,
    failed: Mapping[str, tuple[float, str]],
    plan_subprojects: Mapping[tuple[str, str], str],
) -> list[Cut]:
    frame = asbuilt.parcels
    ids = [parcel_id(frame, k) for k in range(len(frame))]
    links = plan_links(asbuilt)
    zxm = [str(z) for z in frame["ZXMBH"].tolist()]
    by_id: dict[str, float] = {}
    for (_, pid), value in built_new.items():
        by_id[pid] = by_id.get(pid, 0.0) + value
    linked_to: dict[tuple[str, str], list[str]] = {}
    for k, link in enumerate(links):
        linked_to.setdefault(link, []).append(ids[k])
    cuts: list[Cut] = []
    for (layer, pid), planned in plan_new.items():
        if planned <= 0:
            continue
        linked = linked_to.get((layer, pid), [])
        built = sum(by_id.get(i, 0.0) for i in linked)
        if built < planned - 0.005:
            reason = SHORT if linked else NOT_BUILT
            cuts.append(
                Cut(
                    layer if not linked else JGTB,
                    "、".join(linked) if linked else pid,
                    f"{layer} {pid}",
                    plan_subprojects.get((layer, pid), ""),
                    reason,
                    m2(planned),
                    m2(built),
                    m2(planned - built),
                )
            )
    for k, pid in enumerate(ids):
        if pid in failed:
            amount, dlbm = failed[pid]
            plan_parcel = f"{links[k][0]} {links[k][1]}" if links[k][0] else ""
            built = m2(by_id.get(pid, 0.0))
            cuts.append(Cut(JGTB, pid, plan_parcel, zxm[k], NOT_VERIFIED, 0.0, built, amount, dlbm))
    return cuts


def parcel_rows(
    asbuilt: AsBuilt, built_new: Mapping[tuple[str, str], float], failed: Mapping[str, tuple[float, str]]
) -> list[dict[str, Any]]:
    """Each as-built parcel with its new 耕地 (m², 0.01), the part failing verification and the
    核定 rest (new − failing), whether it is a 增减挂钩 plot (its new 耕地 is not 补充耕地), its
    fields and its polygon as GeoJSON in the dataset CRS: what the 验收 报备 and the map draw."""
    frame = asbuilt.parcels
    new: dict[str, float] = {}
    for (_, pid), value in built_new.items():
        new[pid] = new.get(pid, 0.0) + value
    columns = {f: texts(frame, f) for f in ("DLBM", "ZXMBH", "GGLX", "GDPDJB", "GDDB", "XZGDLY")}
    rows: list[dict[str, Any]] = []
    for k, geom in enumerate(frame.geometry.array):
        pid = parcel_id(frame, k)
        built = m2(new.get(pid, 0.0))
        cut = failed[pid][0] if pid in failed else 0.0
        rows.append(
            {
                "parcel": pid,
                "subproject": columns["ZXMBH"][k],
                "dlbm": columns["DLBM"][k],
                "linkage": bool(columns["GGLX"][k]),
                "slope": columns["GDPDJB"][k],
                "grade": columns["GDDB"][k],
                "source": columns["XZGDLY"][k],
                "new_m2": built,
                "not_verified_m2": cut,
                "verified_m2": m2(built - cut),
                "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None,
            }
        )
    return rows


def compute_acceptance(
    dltb: gpd.GeoDataFrame,
    zones: Mapping[str, Sequence[object] | npt.NDArray[np.object_] | None],
    plan: Plan,
    asbuilt: AsBuilt,
    epsg: int,
    *,
    vintage: gpd.GeoDataFrame | None,
    vintage_note: str,
    rules: R.AcceptanceRules,
    ledger_rules: LedgerRules,
    kcxs_table: TiankanTable = DEFAULT_TABLE,
    pack: Mapping[str, Mapping[str, Any]] | None = None,
    approval: R.PlanApproval | None = None,
) -> Acceptance:
    """Plan vs as-built on ``dltb`` (the approved plan's dataset version) inside the plan's 整治区域;
    ``vintage`` is the latest DLTB to verify the new 耕地 against (None: none later than ``dltb``,
    the verification is 无法检查 — ``vintage_note`` says why or names the vintage); ``pack`` the plan's
    resolved rule pack, re-run on the as-built state (``acceptance_findings``; None: not run);
    ``approval`` the plan's approval on record (the 永农 rule; None: 无法检查 when the plan adjusts 永农)."""
    analysis = analyse_plan(dltb, zones, plan, epsg, kcxs_table=kcxs_table)
    before = analysis.before
    assert before is not None and analysis.result is not None
    # A parcel carrying out a plan parcel keeps the 村民同意 (CMTY) recorded for it in the plan.
    consent = {(p.layer, p.id): p.consent for p in analysis.parcels}
    built_parcels = [
        replace(p, consent=consent.get(link, ""))
        for p, link in zip(asbuilt_parcels(asbuilt), plan_links(asbuilt), strict=True)
    ]
    built_after = after_state_of(before, built_parcels, kcxs_table)
    pfl = zones.get(PERMANENT_FARMLAND)

    def indicators_of(after: AfterState) -> PlanIndicators:
        return indicators_from_states(
            before,
            after,
            meta={},
            permanent_farmland=None if pfl is None else np.asarray(list(pfl), dtype=object),
            adjustment=plan.layer(YJJBNTTZTB),
        )

    built_result = indicators_of(built_after)
    built = built_result.to_dict()
    findings = asbuilt_findings(analysis, built_after, built_parcels, built_result, pack) if pack else []
    planned = analysis.indicators
    plan_after = after_state_of(before, analysis.parcels, kcxs_table)
    figures: dict[str, dict[str, Any]] = {
        "scale_m2": {"plan": changed_area(plan_after), "built": changed_area(built_after)},
        "grade_before": {"plan": mean_grades(before, plan_after)[0], "built": mean_grades(before, built_after)[0]},
        "grade_after": {"plan": mean_grades(before, plan_after)[1], "built": mean_grades(before, built_after)[1]},
        "supplementary_grade": {
            "plan": new_farmland_grade(planned["cultivated"]["supplementary_by_grade_m2"]),
            "built": new_farmland_grade(built["cultivated"]["supplementary_by_grade_m2"]),
        },
        "grain_kg": {
            "plan": grain_capacity(planned["cultivated"]["new_by_grade_m2"], ledger_rules),
            "built": grain_capacity(built["cultivated"]["new_by_grade_m2"], ledger_rules),
        },
    }
    investment = _investment(plan.meta, asbuilt.meta)
    built_new = _new_by_parcel(built_after)
    conv = _new_by_parcel(built_after, "new_from_conversion")
    verification: ChangeDetection | None = None
    if vintage is not None:
        zzqy = list(before.zzqy_geoms)
        verification = detect_changes(dltb, vintage, zzqy, built_parcels, epsg)
    failing = failing_cells(verification)
    verified, verified_new = built, built_new
    if failing:
        verified_after = after_state_of(before, verified_parcels(built_parcels, failing), kcxs_table)
        verified, verified_new = indicators_of(verified_after).to_dict(), _new_by_parcel(verified_after)
    failed = failed_by_parcel(built_new, verified_new, failing)
    claimed = m2(sum(conv.values()))
    plan_new = _new_by_parcel(plan_after)
    subs = {(p.layer, p.id): p.subproject for p in analysis.parcels}
    cuts = _cuts(plan_new, built_new, asbuilt, failed, subs)
    failed_total = m2(sum(a for a, _ in failed.values()))
    reference, source = _quality_reference(rules, figures["supplementary_grade"]["plan"])
    pf = built["permanent_farmland"]
    rule_results = (
        R.ratio_rule(
            "INVESTMENT_MIN_RATIO",
            "投资完成不低于计划投资的规定比例",
            investment["final_wan"],
            investment["planned_wan"],
            rules.min_investment_ratio,
            "万元",
        ),
        R.ratio_rule(
            "SCALE_MIN_RATIO",
            "整治规模完成不低于方案的规定比例",
            figures["scale_m2"]["built"],
            figures["scale_m2"]["plan"],
            rules.min_scale_ratio,
            "平方米",
        ),
        R.verification_rule(claimed, failed_total, verification is not None, vintage_note),
        R.quality_rule(
            figures["supplementary_grade"]["built"], reference, source, built["cultivated"]["supplementary_m2"]
        ),
        R.permanent_farmland_rule(bool(pf.get("adjusted")), pf.get("out_m2"), pf.get("in_m2"), approval),
    )
    totals = {
        "planned_new_m2": planned["cultivated"]["new_m2"],
        "built_new_m2": built["cultivated"]["new_m2"],
        "verified_new_m2": verified["cultivated"]["new_m2"],
        "not_verified_m2": failed_total,
        "cut_m2": m2(sum(c.cut_m2 for c in cuts)),
    }
    return Acceptance(
        plan=planned,
        built=built,
        verified=verified,
        figures=figures,
        investment=investment,
        comparison=comparison_rows(planned, built, figures, investment),
        rules=rule_results,
        cuts=tuple(cuts),
        verification=None if verification is None else verification.to_dict(),
        totals=totals,
        findings=findings,
        parcels=parcel_rows(asbuilt, built_new, failed),
    )


def _quality_reference(rules: R.AcceptanceRules, plan_grade: float | None) -> tuple[float | None, str]:
    if rules.required_grade is not None:
        return rules.required_grade, "档案 acceptance.required_grade"
    return plan_grade, "批复方案新增耕地平均等别"
