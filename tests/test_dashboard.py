"""The supervision dashboard (``services.dashboard``) on the records world (SQLite and PostgreSQL).

FM-2027-01 is in 实施 with the plan's sub-projects Z1 (600 万元: 中央财政 500 + 县级财政 100, responsible
unit the township) and Z2 (400 万元: 中央财政 200 + 县级财政 200), and Z3 registered by hand (100 万元,
planned 2026-01-01 – 2026-12-31, 中央财政 100); reports: Z1 30 % then 55 % (中央财政 150, 县级财政 40.5),
Z3 20 % (中央财政 10). A later vintage of ``grid`` (``test_monitor_service``) shows 10,000 m² of its
new farmland achieved. FM-2027-02, the same plan, is in 验收后管护 (past ``accepted``), accepted on as-built
data whose orchard strip A2 is built on half its cell: 核定 new farmland 15,250 m², less than the plan's.
On 2026-07-02 Z3's schedule expects 182/364 = 50 %.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import OTHER_COUNTY, PASSWORD, TOWNSHIP
from supervision_fixtures import grid_vintage
from typer.testing import CliRunner
from web_fixtures import sign_in

from landcon.cli.main import app
from landcon.errors import NotFound
from landcon.services import acceptance_records, alerts, dashboard, monitor, org, overview, records, supervision
from landcon.services.datasets import import_dataset
from landcon.store.models import Acceptance
from landcon.web.app import create_app

ACCEPTED = "FM-2027-02"
ON = dt.date(2026, 7, 2)


@pytest.fixture(scope="module")
def world(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    project_to(tmp_path_factory.mktemp("plan2"), "aftercare", code=ACCEPTED, a2_width=0.5)
    sup, town = records.actor("fm_sup"), records.actor("fm_town")
    supervision.create_from_plan(sup, CODE)
    supervision.update_subproject(sup, CODE, "Z1", budget={"中央财政": 500, "县级财政": 100}, unit=TOWNSHIP)
    supervision.update_subproject(sup, CODE, "Z2", budget={"中央财政": 200, "县级财政": 200})
    supervision.create_subproject(
        sup, CODE, "Z3", name="排灌", kind="农用地整理", start="2026-01-01", end="2026-12-31", investment=100,
        budget={"中央财政": 100},
    )  # fmt: skip
    supervision.add_report(town, CODE, "Z1", period="2026-05", reported_on="2026-05-31", percent=30)
    supervision.add_report(
        sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=55,
        disbursed={"中央财政": 150, "县级财政": 40.5},
    )  # fmt: skip
    supervision.add_report(
        sup, CODE, "Z3", period="2026-06", reported_on="2026-06-30", percent=20, disbursed={"中央财政": 10}
    )
    import_dataset(grid_vintage(tmp_path_factory.mktemp("vintage") / "v2.gpkg"), "grid", replace=True)
    monitor.detect(sup, CODE)
    alerts.scan(sup, CODE, on=ON)  # the alerts as of ON (progress reports and the monitor run scanned as of today)
    admin = records.system_actor()
    org.add_user(admin, "cx_sup", password=PASSWORD, unit="532301", roles=("supervisor",), department="zrzy")
    org.add_user(admin, "hs_town", password=PASSWORD, unit="530102001", roles=("reporter",), department="xzf")
    return records_world_once


def test_province_sees_stages_progress_funds_and_new_farmland(world) -> None:
    d = dashboard.dashboard(records.actor("yn_sup"), on=ON)
    assert (d["scope"]["unit"], d["scope"]["level"], d["as_of"]) == ("530000", "province", "2026-07-02")
    stages = {s["stage"]: s["projects"] for s in d["by_stage"]}
    assert (stages["implementation"], stages["aftercare"], sum(stages.values())) == (1, 1, 2)
    assert [s["name"] for s in d["by_stage"]][:2] == ["摸底调查", "方案编制"]
    assert d["counties"] == [
        {
            "code": "530124",
            "name": "富民县",
            "projects": 2,
            "stages": {"implementation": 1, "aftercare": 1},
            "open_alerts": 4,
        }
    ]
    subs = {s["code"]: s for s in d["sub_projects"] if s["project"] == CODE}
    assert {k: (s["percent"], s["planned"], s["lag"]) for k, s in subs.items()} == {
        "Z1": (55.0, None, None),
        "Z2": (0.0, None, None),
        "Z3": (20.0, 50.0, 30.0),
    }
    project = next(p for p in d["projects"] if p["code"] == CODE)
    # (55 × 600 + 0 × 400 + 20 × 100) ÷ 1100 = 31.82; planned: Z3 alone
    assert project["progress"] == {"percent": 31.82, "planned": 50.0, "lag": 18.18, "sub_projects": 3}
    assert project["funds"] == {"planned": 1000.0, "allocated": 1100.0, "disbursed": 200.5}
    assert d["funds"] == [
        {
            "source": "中央财政",
            "planned": 1400.0,
            "allocated": 800.0,
            "disbursed": 160.0,
            "unallocated": 600.0,
            "disbursement_rate": 0.2,
        },
        {
            "source": "县级财政",
            "planned": 600.0,
            "allocated": 300.0,
            "disbursed": 40.5,
            "unallocated": 300.0,
            "disbursement_rate": 0.135,
        },
    ]  # fmt: skip  (both projects' 资金筹措 700 + 300; only FM-2027-01 has sub-projects)
    accepted = next(p for p in d["projects"] if p["code"] == ACCEPTED)
    assert (accepted["accepted"], accepted["progress"]) == (True, None)
    assert accepted["funds"] == {"planned": 1000.0, "allocated": 0.0, "disbursed": 0.0}


def test_new_farmland_planned_detected_accepted_agree_with_overview_and_monitor(world) -> None:
    yn = records.actor("yn_sup")
    d = dashboard.dashboard(yn, on=ON)
    o = overview.overview(yn)["kpi"]
    rows = {r["project"]: r for r in d["new_farmland"]}
    planned = rows[CODE]["planned_m2"]
    assert planned == rows[ACCEPTED]["planned_m2"] and 2 * planned == o["new_farmland_planned_m2"]
    assert (rows[CODE]["detected_m2"], rows[CODE]["detected_version"], rows[CODE]["accepted_m2"]) == (10000.0, 2, 0.0)
    (record,) = acceptance_records.list_records(yn, ACCEPTED)
    verified = record["totals"]["verified_new_m2"]
    assert verified == 15250.0 < planned  # 已验收 is the 核定 figure of the passing record, not the plan's
    assert (rows[ACCEPTED]["detected_m2"], rows[ACCEPTED]["accepted_m2"]) == (None, verified)
    assert rows[ACCEPTED]["accepted_basis"] == f"整体验收记录 {record['id']}（核定）"
    assert (rows[CODE]["accepted_record"], rows[ACCEPTED]["accepted_record"]) == (None, record["id"])
    t = d["totals"]
    assert (t["planned_m2"], t["detected_m2"], t["accepted_m2"]) == (2 * planned, 10000.0, verified)
    assert t["accepted_m2"] == o["new_farmland_achieved_m2"]  # the overview's 已验收 figure
    assert d["accepted_without_figure"] == overview.overview(yn)["accepted_without_figure"] == []
    assert (t["detected_mu"], t["projects"]) == (15.0, 2)
    assert (t["funds_planned"], t["funds_allocated"], t["funds_disbursed"]) == (2000.0, 1100.0, 200.5)


def test_a_project_past_acceptance_without_a_passing_record_counts_zero_and_is_listed(world, tmp_path) -> None:
    """The record's opinion turned to 不同意 (as if the passing one were missing): 0, listed on the
    dashboard, the overview and the workbook, never the plan's figure."""
    yn = records.actor("yn_sup")
    (record,) = acceptance_records.list_records(yn, ACCEPTED)
    with records.write(records.actor("km_sup"), "acceptance.record") as session:
        session.get(Acceptance, record["id"]).opinion = "不同意"
    try:
        d = dashboard.dashboard(yn, on=ON)
        o = overview.overview(yn)
        book = openpyxl.load_workbook(dashboard.export_xlsx(yn, tmp_path / "d.xlsx", on=ON)["path"], read_only=True)
        with TestClient(create_app(worker=False), base_url="http://testserver") as client:
            sign_in(client, "yn_sup")
            home, page = client.get("/").text, client.get("/dashboard").text
    finally:
        with records.write(records.actor("km_sup"), "acceptance.record") as session:
            session.get(Acceptance, record["id"]).opinion = record["opinion"]
    row = next(r for r in d["new_farmland"] if r["project"] == ACCEPTED)
    assert (row["accepted_m2"], row["accepted_record"], row["accepted_basis"]) == (
        0.0,
        None,
        "无通过的整体验收记录，计 0",
    )
    assert (d["totals"]["accepted_m2"], o["kpi"]["new_farmland_achieved_m2"]) == (0.0, 0.0)
    assert d["accepted_without_figure"] == [
        {"project": ACCEPTED, "name": "富民县款庄镇全域土地综合整治", "basis": "无通过的整体验收记录，计 0"}
    ]
    assert o["accepted_without_figure"] == [
        {"code": ACCEPTED, "name": "富民县款庄镇全域土地综合整治", "basis": "无通过的整体验收记录，计 0"}
    ]
    farmland = list(book["新增耕地（平方米）"].iter_rows(values_only=True))
    assert farmland[-1][-2:] == (0.0, None)
    assert next(r for r in farmland if r[0] == ACCEPTED)[-2:] == (0.0, "无通过的整体验收记录，计 0")
    assert f"其中 1 个项目无核定数计 0：{ACCEPTED}" in home
    assert '<td class="nowrap">无通过的整体验收记录，计 0</td>' in page


def test_open_alerts_by_kind_and_county_agree_with_the_schedule(world) -> None:
    """The scan as of ON: Z3 behind (the alert's planned 50.0 % is the dashboard's), Z3's money below
    plan at half its period, and the monitor run's two intrusion classes."""
    d = dashboard.dashboard(records.actor("km_sup"), on=ON)
    assert d["totals"]["open_alerts"] == d["alerts"]["count"] == d["counties"][0]["open_alerts"] == 4
    assert d["alerts"]["by_kind"] == [
        {"kind": "behind_schedule", "label": "进度滞后", "count": 1},
        {"kind": "below_plan", "label": "低于计划", "count": 1},
        {"kind": "intrusion", "label": "变化监测异常", "count": 2},
    ]
    behind = next(a for a in d["alerts"]["items"] if a["kind"] == "behind_schedule")
    z3 = next(s for s in d["sub_projects"] if s["code"] == "Z3")
    assert behind["message"] == "Z3 计划进度 50.0%，实际 20.0%，落后 30.0 个百分点"
    assert (behind["figures"]["planned_percent"], behind["figures"]["gap"]) == (z3["planned"], z3["lag"])
    kinds = next(t for t in dashboard.tables(d) if t["key"] == "alert_kinds")
    assert kinds["totals"] == {"count": 4.0}
    assert dashboard.dashboard(records.actor("cx_sup"), on=ON)["alerts"] == {"count": 0, "by_kind": [], "items": []}


def test_scope_of_prefecture_county_and_township_users(world) -> None:
    km = dashboard.dashboard(records.actor("km_sup"), on=ON)
    assert (km["scope"]["level"], km["totals"]["projects"]) == ("prefecture", 2)
    assert dashboard.dashboard(records.actor("yn_sup"), unit="530100", on=ON)["totals"] == km["totals"]
    # a county of another prefecture, another county of the same prefecture, a township elsewhere: nothing
    for name in ("cx_sup", "wh_sup", "hs_town"):
        d = dashboard.dashboard(records.actor(name), on=ON)
        assert (d["projects"], d["counties"], d["funds"], d["totals"]["planned_m2"]) == ([], [], [], 0.0), name
    with pytest.raises(NotFound, match="530124"):
        dashboard.dashboard(records.actor("cx_sup"), unit="530124")
    with pytest.raises(NotFound):
        dashboard.dashboard(records.actor("wh_sup"), unit="530124")
    # the township's reporter sees the projects covering its township, as on the overview
    town = dashboard.dashboard(records.actor("fm_town"), on=ON)
    assert sorted(p["code"] for p in town["projects"]) == [CODE, ACCEPTED]
    assert dashboard.dashboard(records.actor("wh_sup"), unit=OTHER_COUNTY)["projects"] == []


def test_workbook_has_one_sheet_per_table_with_the_dashboard_totals(world, tmp_path) -> None:
    yn = records.actor("yn_sup")
    info = dashboard.export_xlsx(yn, tmp_path / "驾驶舱.xlsx", on=ON)
    d = dashboard.dashboard(yn, on=ON)
    book = openpyxl.load_workbook(tmp_path / "驾驶舱.xlsx", read_only=True)
    assert book.sheetnames == info["sheets"] == [
        "项目阶段", "各县（市、区）项目", "项目实施进度", "子项目进度", "资金（按来源，万元）", "新增耕地（平方米）",
        "未处理预警（按类型）", "未处理预警",
    ]  # fmt: skip
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert rows["项目阶段"][1][0] == "云南省 · 截至 2026-07-02"
    assert rows["项目阶段"][-1][:2] == ("合计", d["totals"]["projects"])
    funds = rows["资金（按来源，万元）"]
    assert funds[2] == ("资金来源", "方案筹措", "子项目安排", "已拨付", "未安排", "拨付率")
    assert funds[3] == ("中央财政", 1400.0, 800.0, 160.0, 600.0, 0.2)
    t = d["totals"]
    assert funds[-1][:4] == ("合计", t["funds_planned"], t["funds_allocated"], t["funds_disbursed"])
    farmland = rows["新增耕地（平方米）"]
    assert farmland[-1] == ("合计", None, None, t["planned_m2"], t["detected_m2"], t["accepted_m2"], None)
    accepted = next(r for r in d["new_farmland"] if r["project"] == ACCEPTED)
    assert (t["accepted_m2"], accepted["planned_m2"]) == (15250.0, t["planned_m2"] / 2)
    basis = accepted["accepted_basis"]
    row = ("FM-2027-02", "富民县款庄镇全域土地综合整治", "富民县", accepted["planned_m2"], "—", 15250.0, basis)
    assert row in farmland
    subs = rows["子项目进度"]
    assert ("FM-2027-01", "Z3", "排灌", "—", "2026-01-01", "2026-12-31", 100.0, 20.0, 50.0, 30.0, "2026-06-30") in subs
    assert subs[-1][6] == 1100.0
    assert rows["未处理预警（按类型）"][-1] == ("合计", 4)
    listed = [r[1:] for r in rows["未处理预警"][3:]]  # after the alert's number
    assert (
        "FM-2027-01",
        "富民县",
        "Z3",
        "进度滞后",
        "一般",
        "Z3 计划进度 50.0%，实际 20.0%，落后 30.0 个百分点",
    ) in listed


def test_cli_prints_the_tables_and_writes_the_workbook(world, tmp_path) -> None:
    out = tmp_path / "d.xlsx"
    runner = CliRunner()
    result = runner.invoke(app, ["supervise", "dashboard", "--as", "km_sup", "--xlsx", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["scope"]["unit"], data["totals"]["projects"], data["xlsx"]["path"]) == ("530100", 2, str(out))
    book = openpyxl.load_workbook(out, read_only=True)
    assert list(book["项目阶段"].iter_rows(values_only=True))[-1] == ("合计", 2)
    text = runner.invoke(app, ["supervise", "dashboard", "--as", "yn_sup", "--unit", "530124"])
    assert text.exit_code == 0 and "资金（按来源，万元）" in text.output and "FM-2027-01" in text.output
    funds = text.output[text.output.index("资金（按来源，万元）") :]
    # 拨付率 = disbursed ÷ allocated, printed as `supervise funds` prints it: 中央财政 160/800, 县级财政 40.5/300
    assert "20.0%" in funds and "13.5%" in funds and "0.135" not in funds
    refused = runner.invoke(app, ["supervise", "dashboard", "--as", "cx_sup", "--unit", "530124"])
    assert refused.exit_code != 0 and "530124" in refused.output
