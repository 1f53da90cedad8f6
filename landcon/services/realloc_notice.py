"""The 权属调整方案公示表 of a stored version (``landcon realloc notice``, the version page's download):
gathers the households' parcels before and after with 四至 and sketches, masks codes and names, and
renders ``reports.realloc_notice_docx`` (docs/realloc_village.md).

Where and until when objections are received come from the version's 公示 (``services.publicity``,
subject ``realloc`` / the version number; the latest when it was re-published): its place (with the
place unit), its end date and its contact. Typed ``place`` / ``until`` are used only when the version
has no 公示 yet (the table printed to be posted)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.orm import Session

from landcon.engine.publicity import REALLOC
from landcon.engine.realloc.indices import mask_code, mask_name
from landcon.reports.realloc_notice_docx import NewParcel, Notice, NoticeHousehold, OldParcel, write_notice_docx
from landcon.reports.realloc_sketch import MARGIN, sketch_png
from landcon.services import publicity, records, village_votes
from landcon.services.clock import today
from landcon.services.realloc_views import VersionData, find_version, household, household_codes, version_data
from landcon.services.records import Actor
from landcon.store.models import Project, Publicity

DEFAULT_PLACE = "村务公开栏"


def _households(data: VersionData, folder: Path) -> list[NoticeHousehold]:
    geoms = list(data.allocation.geometry)
    labels = [mask_name(str(n or "")) for n in data.allocation["CBFMC"]]
    tree = shapely.STRtree(geoms)
    roads = [] if data.roads is None else list(data.roads.geometry)
    dkbm = data.allocation["DKBM"].astype(str).tolist()
    out = []
    for code in household_codes(data):
        h = household(data, code)
        new = []
        for p in h["new"]:
            n = dkbm.index(p["dkbm"])
            near = [int(i) for i in tree.query(geoms[n].buffer(MARGIN)) if int(i) != n]
            sketch = sketch_png(geoms[n], [(geoms[i], labels[i]) for i in near], roads, folder / f"{p['dkbm']}.png")
            new.append(NewParcel(p["dkbm"], p["scmj"], p["sides_text"], sketch))
        old = [OldParcel(o["dkbm"], o["htmj"], o["scmj"]) for o in h["old"]]
        out.append(NoticeHousehold(mask_code(code), mask_name(h["name"]), old, new, h.get("settlement")))
    return out


def meeting_text(session: Session, project: Project, codes: list[str]) -> str:
    """The village meetings' results on the tenure scheme (``services.village_votes``), as the 公示表
    states them; the village of a household is the first 12 digits of its 承包方编码."""
    parts = []
    for village in sorted({c[:12] for c in codes if len(c) >= 12}):
        r = village_votes.motion_result(session, project, "tenure_scheme", village)
        if r is None:
            parts.append(f"村 {village} 尚无表决记录（须经村民会议或村民代表会议表决通过）")
            continue
        kind = str(r["kind"])
        verdict = "通过" if r["passed"] else f"未通过（{r['reason']}）"
        parts.append(
            f"{r['village_name']}{r['held_on']}召开{kind}，应到 {r['eligible']} 人，实到 {r['present']} 人，"
            f"赞成 {r['for']} 票、反对 {r['against']} 票、弃权 {r['abstain']} 票，{verdict}"
        )
    return "；".join(parts) or "未记录"


def version_publicity(session: Session, project: Project, number: int) -> Publicity | None:
    """The latest 公示 of the tenure scheme's version ``number``, or None."""
    found = [
        p
        for p in publicity.project_publicities(session, project)
        if p.subject_kind == REALLOC and p.subject_ref == str(number)
    ]
    return found[-1] if found else None


def objections_text(p: Publicity | None, place: str | None, until: str | None) -> str:
    """Where and until when objections are received: from the 公示 ``p``, else the typed values."""
    if p is None:
        return (
            f"对本方案有异议的，请于{until or '公示期满'}前以书面或口头方式向{place or DEFAULT_PLACE}"
            "所在村民委员会提出，村民委员会登记并答复。"
        )
    where = f"{p.place_unit.name if p.place_unit else ''}{p.place}"
    to = p.contact or f"{p.unit.name}"
    return (
        f"本方案于{where}公示，公示期 {p.start_date.isoformat()} 至 {p.end_date.isoformat()}。对本方案有异议的，"
        f"请于 {p.end_date.isoformat()} 前（含当日）以书面或口头方式向{to}提出，登记后予以答复。"
    )


def notice(
    who: Actor,
    code: str,
    number: int,
    out: str | Path,
    *,
    place: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Write the 公示表 of version ``number`` to ``out``. Where and until when objections are received
    come from the version's 公示; without one, from ``place``/``until`` (default: the village notice
    board, "公示期满")."""
    with records.read() as session:
        project, version = find_version(session, who, code, number)
        title = f"{version.name or project.name}权属调整方案公示表（第 {version.number} 版）"
        indicators = dict(version.indicators or {})
        data = version_data(version)
        meeting = meeting_text(session, project, household_codes(data))
        record = version_publicity(session, project, version.number)
        objections = objections_text(record, place, until)
        source = None if record is None else record.number
    notes = [
        f"公共设施扣除率 {float(indicators.get('deduction') or 0.0) * 100:.2f}%：新建道路、沟渠等按各户入池地块价值"
        "同比例分摊。",
        "面积单位：平方米；实测面积为图形面积；找补：补给 = 补给农户，补交 = 农户补交。",
    ]
    with tempfile.TemporaryDirectory(prefix="landcon-notice-") as tmp:
        rows = _households(data, Path(tmp))
        doc = Notice(
            title=title,
            households=rows,
            area_before=float(indicators.get("total_area_before") or 0.0),
            area_after=float(indicators.get("total_area_after") or 0.0),
            meeting=meeting,
            objections=objections,
            issued=today().isoformat(),
            notes=notes,
        )
        path = write_notice_docx(doc, out)
    return {
        "path": str(Path(path).resolve()),
        "households": len(rows),
        "area_before": round(doc.area_before, 2),
        "area_after": round(doc.area_after, 2),
        "area_taken": doc.area_taken,
        "publicity": source,
    }
