"""The demo project in 实施 (implementation): approved through every review, its sub-projects
registered from the plan with budgets by source that add up to the plan's 资金筹措; for two of them
planned 工程量, dates around today, progress reports (one behind schedule), disbursements by fund
source (one source paid above its allocation) and site photos (one on site, one taken elsewhere) with
EXIF positions generated at seed time; the others start after today (no report due yet).

Every record goes through the services a user calls (``services.supervision``,
``services.supervision_photos``), so its checks, scope and audit apply.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from pyproj import Transformer
from sqlalchemy import select

from landcon.engine import workflow as wf
from landcon.engine.photos import GEOGRAPHIC_EPSG
from landcon.errors import InvalidRecord
from landcon.services import clock, projects, records, supervision, supervision_photos
from landcon.services.demo_publicity import plan_cleared
from landcon.store.models import Project, SubProject
from landcon.synth.photos import site_photo

REVIEWERS = {"county_review": "demo_county", "prefecture_review": "demo_city", "province_approval": "demo_prov"}
"""Which demo accounts (prefix + department kind) review each stage of the Yunnan chain."""
OFF_SITE_M = 2000.0
"""How far east of its sub-project the off-site demo photo is taken (metres)."""


def approve(code: str, chain: wf.Chain = wf.YUNNAN) -> None:
    """Give every review department's agreement and advance until the chain's ``approved`` milestone."""
    author = records.actor("demo_author")
    for stage, prefix in REVIEWERS.items():
        if projects.show_project(author, code)["stage"] != stage:
            continue
        for kind in chain.stage(stage).departments:
            projects.give_opinion(records.actor(f"{prefix}_{kind}"), code, wf.AGREE)
        projects.advance(records.actor(f"{prefix}_zrzy"), code, comment="审查通过")


def _month(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _outlines(code: str, subs: list[str]) -> dict[str, tuple[Any, int]]:
    """Outline (shapely, projected) and EPSG of the listed sub-projects of a project."""
    with records.read() as session:
        project_id = session.scalars(select(Project.id).where(Project.code == code)).one()
        rows = session.scalars(
            select(SubProject).where(SubProject.project_id == project_id, SubProject.code.in_(subs))
        ).all()
        return {s.code: (shapely.geometry.shape(s.geometry), int(s.epsg)) for s in rows if s.geometry and s.epsg}


def lonlat(x: float, y: float, epsg: int) -> tuple[float, float]:
    """Projected ``x``, ``y`` in ``epsg`` as CGCS2000 longitude and latitude (the EXIF GPS of a photo)."""
    lon, lat = Transformer.from_crs(epsg, GEOGRAPHIC_EPSG, always_xy=True).transform(x, y)
    return float(lon), float(lat)


def allocate(
    planned: Mapping[str, float], fixed: Mapping[str, Mapping[str, float]], rest: list[tuple[str, float]]
) -> dict[str, dict[str, float]]:
    """Budgets by source for the ``rest`` sub-projects (code, investment 万元) from what the plan's
    资金筹措 ``planned`` leaves after the ``fixed`` budgets: each takes its investment from the sources
    in plan order (north-west corner rule); the last takes whatever is left, so Σ budgets = 资金筹措."""
    left = {src: planned.get(src, 0.0) - sum(b.get(src, 0.0) for b in fixed.values()) for src in planned}
    short = [src for src, v in left.items() if v < 0]
    short += [src for b in fixed.values() for src in b if src not in planned]
    if short:
        raise InvalidRecord(f"示例方案的资金筹措不足以安排演示子项目：{'、'.join(short)}", field="funding")
    out: dict[str, dict[str, float]] = {}
    for n, (sub, need) in enumerate(rest):
        budget: dict[str, float] = {}
        for src in planned:
            take = left[src] if n == len(rest) - 1 else min(left[src], need - sum(budget.values()))
            if take > 0:
                budget[src] = round(take, 6)
                left[src] = round(left[src] - take, 6)
        out[sub] = budget
    return out


def seed_implementation(
    code: str, name: str, county: str, township: str | None, dataset: str, plan_folder: str | Path
) -> dict[str, Any]:
    """Create project ``code`` from the demo plan, approve it and record its first months of work."""
    author, sup = records.actor("demo_author"), records.actor("demo_supervisor")
    projects.create_project(author, code, name, county=county, units=[township] if township else [], dataset=dataset)
    projects.advance(author, code, comment="摸底调查完成")
    projects.save_plan(author, code, plan_folder)
    plan_cleared(code)
    projects.advance(author, code, comment="提交县级联合审查")
    approve(code)
    registered = supervision.create_from_plan(sup, code)
    outlined = [s for s in registered if s["has_geometry"]]
    if len(outlined) < 2:
        raise InvalidRecord(
            f"示例方案应至少有两个有范围（CZGHTB/ZJGGTB 图斑）的子项目，现有 {len(outlined)} 个",
            path=str(plan_folder),
            field="sub_projects",
        )
    first, second = outlined[0], outlined[1]
    today = clock.today()
    outlines = _outlines(code, [first["code"], second["code"]])
    reporter = records.actor("demo_township" if township else "demo_supervisor")

    # The first sub-project runs on schedule; the second is behind (10 % done, a third of its time gone).
    investment = {s["code"]: round(float(s["investment"])) for s in (first, second)}
    county_share = round(investment[first["code"]] * 0.4)
    budgets: dict[str, Mapping[str, float]] = {
        first["code"]: {"县级财政": county_share, "整合涉农资金": investment[first["code"]] - county_share},
        second["code"]: {"县级财政": investment[second["code"]]},
    }
    rest = [s for s in registered if s["code"] not in budgets]
    planned = {f["source"]: float(f["planned"]) for f in supervision.funds(sup, code)["sources"]}
    budgets |= allocate(planned, budgets, [(s["code"], float(s["investment"])) for s in rest])
    hectares = {c: round(float(shapely.area(g)) / 10_000, 2) for c, (g, _) in outlines.items()}
    dates = {
        first["code"]: (today - dt.timedelta(days=200), today + dt.timedelta(days=160)),
        second["code"]: (today - dt.timedelta(days=120), today + dt.timedelta(days=240)),
    }
    quantities = {
        first["code"]: {"land_levelling": hectares[first["code"]], "field_roads": 1.2, "channels": 0.8},
        second["code"]: {"land_levelling": hectares[second["code"]], "field_roads": 0.5},
    }
    for sub in (first["code"], second["code"]):
        start, end = dates[sub]
        supervision.update_subproject(
            sup, code, sub, budget=budgets[sub], quantities=quantities[sub], unit=township, start=start, end=end
        )
    for n, s in enumerate(rest, start=1):  # not started yet: no progress report is due
        start = today + dt.timedelta(days=30 * n)
        supervision.update_subproject(
            sup, code, s["code"], budget=budgets[s["code"]], start=start, end=start + dt.timedelta(days=540)
        )

    a, b = first["code"], second["code"]
    integrated = budgets[a]["整合涉农资金"]
    early, late = today - dt.timedelta(days=60), today - dt.timedelta(days=10)
    reports = [
        supervision.add_report(
            reporter, code, a, period=_month(early), reported_on=early, percent=30,
            quantities={"land_levelling": round(hectares[a] * 0.3, 2), "field_roads": 0.4},
            disbursed={"县级财政": round(county_share * 0.5), "整合涉农资金": round(integrated * 0.6)},
        ),
        supervision.add_report(
            reporter, code, a, period=_month(late), reported_on=late, percent=60,
            quantities={"land_levelling": round(hectares[a] * 0.3, 2), "field_roads": 0.4, "channels": 0.5},
            disbursed={"整合涉农资金": round(integrated * 0.55)},  # 115 % of its allocation in all
        ),
        supervision.add_report(
            reporter, code, b, period=_month(late), reported_on=late, percent=10,
            quantities={"land_levelling": round(hectares[b] * 0.1, 2)},
            disbursed={"县级财政": round(investment[b] * 0.1)},
            issues="雨季施工受阻，土方调运滞后",
        ),
    ]  # fmt: skip

    # Photos: one at a point inside the first sub-project, one 2 km east of the second one.
    inside = shapely.point_on_surface(outlines[a][0])
    outline_b, epsg_b = outlines[b]
    east = (outline_b.bounds[2] + OFF_SITE_M, (outline_b.bounds[1] + outline_b.bounds[3]) / 2)
    shots = [
        (a, reports[1]["id"], lonlat(inside.x, inside.y, outlines[a][1]), late, (90, 140, 60)),
        (b, reports[2]["id"], lonlat(*east, epsg_b), late, (150, 120, 80)),
    ]
    photos = []
    with tempfile.TemporaryDirectory(prefix="landcon-demo-photos-") as tmp:
        for n, (sub, report_id, (lon, lat), day, colour) in enumerate(shots, start=1):
            taken = dt.datetime.combine(day, dt.time(10, 30))
            path = Path(tmp) / f"现场照片-{sub}-{n}.jpg"
            path.write_bytes(site_photo(lon, lat, taken, colour=colour))
            photos.append(supervision_photos.add_photo(reporter, code, sub, path, report_id=report_id))
    return {"sub_projects": [a, b], "reports": [r["id"] for r in reports], "photos": [p["id"] for p in photos]}
