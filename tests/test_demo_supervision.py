"""The supervision part of the demo: the sub-project types it uses and the project in 实施."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
from conftest import cell
from plan_fixtures import META, layer
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine import supervision
from landcon.engine.plan import CZGHTB, SUBPROJECT_TYPES, ZZQY, Plan, check_plan
from landcon.errors import InvalidRecord
from landcon.services import clock


def test_high_standard_farmland_is_a_subproject_type() -> None:
    assert SUBPROJECT_TYPES[:7] == (
        "农用地整理",
        "建设用地整理",
        "生态保护修复",
        "人居环境整治",
        "历史文化保护",
        "产业配套",
        "其他",
    )
    assert SUBPROJECT_TYPES[7] == "高标准农田"
    assert supervision.check_type("高标准农田") == "高标准农田"
    with pytest.raises(InvalidRecord, match="高标准农田"):
        supervision.check_type("高标准农田建设")
    layers = {
        ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": cell(0, 0)}]),
        CZGHTB: layer(CZGHTB, [{"GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(0, 0)}]),
    }
    meta = {**META, "sub_projects": [{"code": "Z1", "name": "高标准农田建设", "type": "高标准农田"}]}
    assert check_plan(Plan(layers, meta)) == []
    wrong = {**meta, "sub_projects": [{"code": "Z1", "name": "x", "type": "高标准农田建设"}]}
    assert [(p.feature, p.field) for p in check_plan(Plan(layers, wrong))] == [("Z1", "sub_projects.type")]


runner = CliRunner()
IMPLEMENTING = "DEMO-530124-003"
ACCEPTED = "DEMO-530124-002"


def _ok(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The small synthetic county, its demo plan, ``admin seed-demo`` run twice."""
    root = tmp_path_factory.mktemp("demo-implementation")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANDCON_DATA_DIR", str(root / "data"))
        mp.setenv("LANDCON_DATABASE_URL", f"sqlite:///{root / 'data' / 'landcon.db'}")
        mp.delenv("LANDCON_USER", raising=False)
        src, plan = root / "demo.gpkg", root / "plan"
        _ok("data", "synth", "--county", "530124", "--features", "1200", "--seed", "1", "--out", str(src))
        _ok("data", "import", str(src), "--name", "demo")
        _ok("plan", "synth", "demo", "--out", str(plan))
        _ok("db", "upgrade")
        first = _ok("admin", "seed-demo", "demo", "--plan", str(plan))

        def state() -> dict[str, Any]:
            who = ("--as", "demo_supervisor")
            return {
                "projects": [(p["code"], p["stage"]) for p in _ok("project", "list", "--as", "demo_province")],
                "subs": _ok("supervise", "subproject", "list", IMPLEMENTING, *who),
                "reports": _ok("supervise", "report", "list", IMPLEMENTING, *who),
                "photos": _ok("supervise", "photo", "list", IMPLEMENTING, *who),
                "funds": _ok("supervise", "funds", IMPLEMENTING, *who),
                "alerts": _ok("alert", "list", "--project", IMPLEMENTING, *who),
                "care": _ok("care", "agreement", "list", ACCEPTED, *who),
                "inspections": _ok("care", "inspections", ACCEPTED, *who),
            }

        before = state()
        again = _ok("admin", "seed-demo", "demo", "--plan", str(plan))
        yield {
            "first": first,
            "again": again,
            "before": before,
            "after": state(),
            "plan": yaml.safe_load((plan / "plan.yaml").read_text("utf-8")),
        }


def test_the_demo_project_in_implementation(seeded) -> None:
    state, meta = seeded["before"], seeded["plan"]
    assert seeded["first"]["implementation_project"] == IMPLEMENTING
    assert state["projects"] == [
        ("DEMO-530124-001", "county_review"),
        ("DEMO-530124-002", "aftercare"),
        (IMPLEMENTING, "implementation"),
    ]
    # Every sub-project of the plan is registered with a budget; the first two with an outline carry the
    # demo's work, the others start after today (no report due yet).
    subs = state["subs"]
    assert [s["code"] for s in subs] == [str(p["code"]) for p in meta["sub_projects"]]
    a, b = [s for s in subs if s["has_geometry"]][:2]
    township = str(meta["townships"][0])
    today = clock.today()
    rest = [s for s in subs if s["code"] not in (a["code"], b["code"])]
    assert rest and all(s["budget"] and s["start"] > today.isoformat() for s in rest)
    assert {s["code"] for r in state["reports"] for s in subs if s["code"] == r["sub_project"]} == {
        a["code"],
        b["code"],
    }
    assert (a["unit"], b["unit"]) == (township, township)
    assert (a["start"], a["end"]) == (
        (today - dt.timedelta(days=200)).isoformat(),
        (today + dt.timedelta(days=160)).isoformat(),
    )
    assert (b["start"], b["end"]) == (
        (today - dt.timedelta(days=120)).isoformat(),
        (today + dt.timedelta(days=240)).isoformat(),
    )
    inv_a, inv_b = round(a["investment"]), round(b["investment"])
    share = round(inv_a * 0.4)
    assert a["budget"] == {"县级财政": share, "整合涉农资金": inv_a - share}
    assert b["budget"] == {"县级财政": inv_b}
    assert (
        set(a["quantities"]) == {"land_levelling", "field_roads", "channels"} and a["quantities"]["land_levelling"] > 0
    )
    assert (a["percent"], b["percent"]) == (60.0, 10.0)
    # Progress: two reports of the first sub-project, one of the second (behind its schedule).
    reports = state["reports"]
    assert [(r["sub_project"], r["percent"], r["reporter"]) for r in reports] == [
        (a["code"], 30.0, "demo_township"),
        (a["code"], 60.0, "demo_township"),
        (b["code"], 10.0, "demo_township"),
    ]
    assert reports[2]["issues"] == "雨季施工受阻，土方调运滞后"
    # Photos: one on site, one 2 km east of its sub-project (flagged), each attached to a report.
    photos = state["photos"]
    assert [(p["sub_project"], p["status"], p["flagged"], p["report_id"]) for p in photos] == [
        (a["code"], "on_site", False, reports[1]["id"]),
        (b["code"], "outside", True, reports[2]["id"]),
    ]
    assert photos[0]["distance_m"] == 0.0 and 1999.9 < photos[1]["distance_m"] < 2200
    assert photos[0]["taken_at"] == f"{today - dt.timedelta(days=10)}T10:30:00"
    # Funds: the first sub-project's 整合涉农资金 disbursed above its allocation (115 %), 县级财政 below.
    integrated = inv_a - share
    sources = {s["source"]: s for s in state["funds"]["sources"]}
    paid = round(integrated * 0.6) + round(integrated * 0.55)
    assert sources["整合涉农资金"]["disbursed"] == paid and paid > a["budget"]["整合涉农资金"]
    assert sources["县级财政"]["disbursed"] == round(share * 0.5) + round(inv_b * 0.1)
    assert {k: s["disbursed"] for k, s in sources.items() if k not in ("整合涉农资金", "县级财政")} == {
        k: 0 for k in sources if k not in ("整合涉农资金", "县级财政")
    }
    # The budgets of all sub-projects add up to the plan's 资金筹措, source by source.
    funding = {str(f["source"]): float(f["amount"]) for f in meta["funding"]}
    assert {k: s["planned"] for k, s in sources.items()} == funding
    assert {k: s["allocated"] for k, s in sources.items()} == funding
    assert state["funds"]["reconciles"] is True


def test_a_second_seed_adds_nothing(seeded) -> None:
    assert seeded["after"] == seeded["before"]
    assert not seeded["again"]["created"] and seeded["again"]["implementation_project"] == IMPLEMENTING


def test_the_seed_raises_the_alerts_of_its_records(seeded) -> None:
    """The seeded reports and photos raise, through the scans that follow them, an overspent source on
    the first sub-project, the second one behind its schedule and the off-site photo, and nothing else
    (the sub-projects not yet started are not behind)."""
    state = seeded["before"]
    a, b = [s["code"] for s in state["subs"] if s["has_geometry"]][:2]
    found = sorted((x["kind"], x["sub_project"]) for x in state["alerts"] if x["state"] == "open")
    assert found == [("behind_schedule", b), ("overspent", a), ("photo_off_site", b)]
    off_site = next(x for x in state["alerts"] if x["kind"] == "photo_off_site")
    assert off_site["unit"] == str(seeded["plan"]["townships"][0])


def test_the_accepted_demo_project_has_an_aftercare_agreement_and_an_inspection(seeded) -> None:
    state = seeded["before"]
    [agreement] = state["care"]
    assert (agreement["code"], agreement["caretaker_kind"], agreement["inspections"]) == ("GH-001", "村集体", 1)
    assert agreement["unit"] == str(seeded["plan"]["townships"][0]) and agreement["area_m2"] > 0
    [inspection] = state["inspections"]
    assert (inspection["result"], inspection["task_id"]) == ("正常", None)
    assert [p["status"] for p in inspection["photos"]] == ["on_site"]
