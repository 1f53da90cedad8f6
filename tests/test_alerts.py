"""Alerts of a project under implementation (SQLite and PostgreSQL): every kind from real records,
the state machine (acknowledge, resolve, automatic resolve, re-open), escalation to a 责任清单 task,
scope, audit rows and the scans that follow a progress report, a photo and an import.

The project is ``ledger_fixtures.project_to(…, "implementation")``; sub-project Z3 (township 款庄镇,
2026-01-01 – 2026-12-31, 364 days, 中央财政 100 万元, 土地平整 10 ha) is registered by hand; Z1 (the
plan's, outline = cells (0,0) and (2,0), no responsible unit: the county) takes a photo 500 m away.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pytest
from ledger_fixtures import AREA, CODE, project_to
from records_fixtures import COUNTY, TOWNSHIP, RecordsDB
from sqlalchemy import select
from supervision_fixtures import jpeg, lonlat

from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import alerts, clock, ledger, monitor, records, supervision, tasks
from landcon.services import supervision_photos as SP
from landcon.services.profile import get_profile
from landcon.store.models import AuditEntry

D = dt.date


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> dict[str, D]:
    """The date services see (``services.clock.today``), settable by the test."""
    today = {"date": D(2026, 7, 2)}
    monkeypatch.setattr(clock, "today", lambda: today["date"])
    return today


def _z3() -> None:
    supervision.create_subproject(
        records.actor("fm_sup"),
        CODE,
        "Z3",
        name="土地平整",
        kind="农用地整理",
        unit=TOWNSHIP,
        start="2026-01-01",
        end="2026-12-31",
        budget={"中央财政": 100},
        quantities={"land_levelling": 10},
    )


def _report(who: str, date: str, percent: float, **kw: object) -> None:
    supervision.add_report(records.actor(who), CODE, "Z3", period=date[:7], reported_on=date, percent=percent, **kw)  # type: ignore[arg-type]


def _by_key(who: str = "fm_sup") -> dict[str, dict[str, object]]:
    return {a["key"]: a for a in alerts.list_alerts(records.actor(who), project_code=CODE)}


def test_every_kind_from_records(records_world: RecordsDB, tmp_path: Path, on: dict[str, D]) -> None:
    project_to(tmp_path, "implementation")
    supervision.create_from_plan(records.actor("fm_author"), CODE)
    _z3()
    # The report's own scan (as the township reporter) opens four alerts of Z3.
    _report("fm_town", "2026-06-30", 30, quantities={"land_levelling": 2}, disbursed={"中央财政": 30, "县级财政": 5})
    assert sorted(_by_key()) == [
        "behind:Z3",
        "below_plan:Z3:investment",
        "below_plan:Z3:land_levelling",
        "overspent:Z3:县级财政",
    ]
    photo = SP.add_photo(records.actor("fm_sup"), CODE, "Z1", jpeg(tmp_path / "p.jpg", lonlat(50, 600)))
    years = get_profile().ledger_rules.revolving_years
    ledger.issue_revolving(records.actor("yn_sup"), CODE, AREA, 1000, "云周〔2023〕1号", on=D(2026 - years, 8, 1))
    folder = monitor.result_dir(CODE)
    folder.mkdir(parents=True)
    classes = {"red_line": {"area_m2": 1200.0, "count": 2}, "unplanned_construction": {"area_m2": 0.0, "count": 0}}
    (folder / "monitor.json").write_text(
        json.dumps({"before_version": 1, "after_version": 2, "classes": classes}), encoding="utf-8"
    )
    counts = alerts.scan(records.actor("fm_sup"))
    assert counts == {"projects": 1, "opened": 2, "reopened": 0, "resolved": 0, "open": 7}
    rows = alerts.list_alerts(records.actor("fm_sup"))
    got = [(a["key"], a["kind_label"], a["severity"], a["unit"], a["sub_project"], a["message"]) for a in rows]
    assert got == [
        (f"intrusion:{CODE}:red_line", "变化监测异常", "serious", COUNTY, None,
         f"{CODE} 变化监测（数据版本 1→2）：生态保护红线内地类变化 1,200.00 平方米（1.80 亩），2 处"),
        ("overspent:Z3:县级财政", "超额拨付", "serious", TOWNSHIP, "Z3",
         "Z3 县级财政已拨付 5.00 万元，超过安排 0.00 万元 5.00 万元"),
        ("behind:Z3", "进度滞后", "warning", TOWNSHIP, "Z3", "Z3 计划进度 50.0%，实际 30.0%，落后 20.0 个百分点"),
        ("below_plan:Z3:investment", "低于计划", "warning", TOWNSHIP, "Z3",
         "Z3 计划工期已过 50%：资金拨付 35.00 万元，为应完成 50.00 万元（计划 100.00 万元 × 50%）的 70.0%，低于 80%"),
        ("below_plan:Z3:land_levelling", "低于计划", "warning", TOWNSHIP, "Z3",
         "Z3 计划工期已过 50%：土地平整 2.00 公顷，为应完成 5.00 公顷（计划 10.00 公顷 × 50%）的 40.0%，低于 80%"),
        (f"photo:{photo['id']}", "照片位置异常", "warning", COUNTY, "Z1",
         f"Z1 照片 p.jpg（#{photo['id']}）距子项目范围 500.0 米，超过 50 米"),
        (f"revolving:{rows[-1]['figures']['posting']}", "周转指标到期", "warning", COUNTY, None,  # type: ignore[index]
         "项目区 G1 周转指标 1.50 亩 应于 2026-08-01 前归还，剩余 30 天"),
    ]  # fmt: skip
    first = rows[0]
    assert (first["project_name"], first["county"], first["state"], first["task_id"]) == (
        "富民县款庄镇全域土地综合整治",
        COUNTY,
        "open",
        None,
    )
    assert rows[2]["figures"] == {"planned_percent": 50.0, "actual_percent": 30.0, "gap": 20.0, "tolerance": 10.0}
    # A second scan changes nothing.
    assert alerts.scan(records.actor("fm_sup"), CODE) == {
        "projects": 1,
        "opened": 0,
        "reopened": 0,
        "resolved": 0,
        "open": 7,
    }


def test_state_machine_escalation_scope_and_audit(records_world: RecordsDB, tmp_path: Path, on: dict[str, D]) -> None:
    project_to(tmp_path, "implementation")
    _z3()
    _report("fm_town", "2026-06-30", 30, quantities={"land_levelling": 5}, disbursed={"中央财政": 45, "县级财政": 5})
    assert sorted(_by_key()) == ["behind:Z3", "overspent:Z3:县级财政"]
    town, sup, other = records.actor("fm_town"), records.actor("fm_sup"), records.actor("wh_sup")
    behind = _by_key()["behind:Z3"]
    alert_id = int(behind["id"])  # type: ignore[call-overload]

    # The responsible township acknowledges; it stays acknowledged while the condition holds.
    assert alerts.acknowledge(town, alert_id, "已督促施工单位")["state"] == "acknowledged"
    with pytest.raises(InvalidRecord, match="当前为“已确认”，只有待处理的预警可以确认"):
        alerts.acknowledge(town, alert_id)
    on["date"] = D(2026, 7, 12)  # 192/364 = 52.7 %
    alerts.scan(sup, CODE)
    kept = _by_key()["behind:Z3"]
    assert (kept["state"], kept["message"]) == ("acknowledged", "Z3 计划进度 52.7%，实际 30.0%，落后 22.7 个百分点")

    # A report that catches up resolves it automatically (the report's own scan).
    _report("fm_town", "2026-07-12", 60)
    cleared = _by_key()["behind:Z3"]
    assert (cleared["state"], cleared["holds"], cleared["resolved_by"]) == ("resolved", False, "fm_town")
    assert cleared["note"] == "确认（fm_town，2026-07-02）：已督促施工单位\n条件已消除（fm_town，2026-07-12）"
    # The condition returns: the same alert opens again.
    on["date"] = D(2026, 10, 1)  # 273/364 = 75.0 %
    assert alerts.scan(sup)["reopened"] == 1
    back = _by_key()["behind:Z3"]
    assert (back["id"], back["state"], back["resolved_at"], back["message"]) == (
        alert_id,
        "open",
        None,
        "Z3 计划进度 75.0%，实际 60.0%，落后 15.0 个百分点",
    )
    assert str(back["note"]).endswith("\n条件再次出现（fm_sup，2026-10-01）")

    # Resolving needs a note and a supervisor over the county; a resolved alert that still holds stays resolved.
    with pytest.raises(InvalidRecord, match="解除预警须填写说明"):
        alerts.resolve(sup, alert_id, " ")
    with pytest.raises(PermissionDenied, match="无权解除预警"):
        alerts.resolve(town, alert_id, "已完成")
    done = alerts.resolve(sup, alert_id, "已约谈施工单位，计划 11 月赶上")
    assert (done["state"], done["resolved_by"]) == ("resolved", "fm_sup")
    alerts.scan(sup, CODE)
    assert (_by_key()["behind:Z3"]["state"], _by_key()["behind:Z3"]["holds"]) == ("resolved", True)

    # Escalation: a task for the responsible township, deadline 15 days on by default.
    over = _by_key()["overspent:Z3:县级财政"]
    escalated = alerts.escalate(sup, int(over["id"]))  # type: ignore[call-overload]
    assert escalated["task_deadline"] == "2026-10-16"
    task = tasks.get_task(sup, int(escalated["task_id"]))
    assert (task["unit"], task["deadline"], task["project"], task["status"]) == (TOWNSHIP, "2026-10-16", CODE, "open")
    assert task["title"] == "处理预警：超额拨付 Z3 县级财政已拨付 5.00 万元，超过安排 0.00 万元 5.00 万元"
    with pytest.raises(InvalidRecord, match=f"已转为任务 #{escalated['task_id']}"):
        alerts.escalate(sup, int(over["id"]), "2026-11-01")  # type: ignore[call-overload]

    # Scope: another county sees none and is refused; the township sees only its own unit's alerts.
    assert alerts.list_alerts(other) == []
    with pytest.raises(NotFound):
        alerts.acknowledge(other, alert_id)
    with pytest.raises(NotFound):
        alerts.scan(other, CODE)
    assert alerts.scan(other)["projects"] == 0
    with pytest.raises(PermissionDenied, match="无权扫描预警"):
        alerts.scan(records.actor("fm_leader"))
    assert {a["unit"] for a in alerts.list_alerts(town)} == {TOWNSHIP}
    assert [a["key"] for a in alerts.list_alerts(sup, state="resolved")] == ["behind:Z3"]
    with pytest.raises(InvalidRecord, match="预警状态 'closed' 无效"):
        alerts.list_alerts(sup, state="closed")

    # Every state change is in the audit trail.
    with records.read() as session:
        actions = [
            (e.actor, e.action)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.object_type == "alerts", AuditEntry.object_id == str(alert_id))
            )
        ]
    assert actions == [
        ("fm_town", "alert.scan/create"),
        ("fm_town", "alert.acknowledge/update"),
        ("fm_sup", "alert.scan/update"),
        ("fm_town", "alert.scan/update"),
        ("fm_sup", "alert.scan/update"),
        ("fm_sup", "alert.resolve/update"),
        ("fm_sup", "alert.scan/update"),
    ]


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_scans_follow_an_import_and_a_monitor_run(records_world: RecordsDB, tmp_path: Path, on: dict[str, D]) -> None:
    """A progress import and a change detection into the standard folder rescan the project (the
    vintage of ``test_monitor_service``: 规划外新增建设用地 15,000 m², 永农 lost 10,000 m²)."""
    from conftest import cell, dltb_row, grid_dltb
    from plan_fixtures import box

    from landcon.services import supervision_import
    from landcon.services.datasets import import_dataset

    project_to(tmp_path, "implementation")
    _z3()
    sheet = tmp_path / "progress.csv"
    sheet.write_text("子项目编号,期次,填报日期,完成百分比\nZ3,2026-06,2026-06-30,30\n", encoding="utf-8")
    supervision_import.import_reports(records.actor("fm_town"), CODE, sheet)
    assert sorted(_by_key()) == ["behind:Z3", "below_plan:Z3:investment", "below_plan:Z3:land_levelling"]

    rows = [
        dltb_row("1", "0103", cell(0, 0), GDPDJB="2", GDDB=8),
        dltb_row("2", "0201", cell(1, 0)),
        dltb_row("3", "0103", cell(2, 0), GDDB=9),
        dltb_row("4", "0702", cell(3, 0)),
        dltb_row("5", "0702", cell(0, 1)),
        dltb_row("6", "0301", cell(1, 1)),
        dltb_row("7", "0404", cell(2, 1)),
        dltb_row("9", "0702", cell(3, 1)),
    ]
    vintage = tmp_path / "v2.gpkg"
    grid_dltb(rows).to_file(vintage, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(vintage, layer="YJJBNTBHTB", engine="pyogrio")
    import_dataset(vintage, "grid", replace=True)
    run = monitor.detect(records.actor("fm_sup"), CODE)
    counts = {k: run.data["classes"][k]["count"] for k in ("unplanned_construction", "permanent_farmland_lost")}
    found = _by_key()
    assert found[f"intrusion:{CODE}:unplanned_construction"]["message"] == (
        f"{CODE} 变化监测（数据版本 1→2）：规划外新增建设用地 15,000.00 平方米（22.50 亩），"
        f"{counts['unplanned_construction']} 处"
    )
    assert found[f"intrusion:{CODE}:permanent_farmland_lost"]["message"] == (
        f"{CODE} 变化监测（数据版本 1→2）：永久基本农田不再是耕地 10,000.00 平方米（15.00 亩），"
        f"{counts['permanent_farmland_lost']} 处"
    )
    assert found[f"intrusion:{CODE}:permanent_farmland_lost"]["severity"] == "serious"
