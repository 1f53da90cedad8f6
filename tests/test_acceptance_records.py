"""Acceptance records (``services.acceptance_records``) and the ``accepted`` milestone on the records
world: project FM-2027-01 with the ledger plan (``ledger_fixtures``) driven to 验收, its acceptance
computed on the hand-made as-built data (``acceptance_fixtures``)."""

from __future__ import annotations

import pytest
from acceptance_fixtures import meta, write_asbuilt
from ledger_fixtures import CODE, project_to
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.errors import InvalidRecord, NotFound, PermissionDenied, TransitionRefused
from landcon.services import acceptance, acceptance_records, projects, records, supervision, tasks


def _computation(tmp_path):
    run = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "asbuilt", data=meta()))
    return run.out_dir / "acceptance.json"


def _record(who: str, **over):
    values = {"level": "project", "opinion": "同意", "accepted_on": "2027-11-15", "members": ["组长"]} | over
    return acceptance_records.record(records.actor(who), CODE, **values)


def test_the_accepted_milestone_needs_a_passing_whole_project_record(records_world, tmp_path) -> None:
    project_to(tmp_path, "acceptance")
    km = records.actor("km_sup")
    with pytest.raises(TransitionRefused, match="整体验收记录"):
        projects.advance(km, CODE)
    computed = _computation(tmp_path)
    refused = _record("km_sup", opinion="不同意", computation=computed)
    assert (refused["passing"], refused["totals"]["cut_m2"]) == (False, 4750.0)  # no later vintage here
    with pytest.raises(TransitionRefused, match="整体验收记录"):
        projects.advance(km, CODE)
    kept = _record(
        "km_sup",
        opinion="整改后同意",
        computation=computed,
        conditions=["补齐土壤检测报告", "完善管护协议"],
        deadline="2027-12-31",
        members=["组长", "成员甲", " "],
    )
    assert (kept["passing"], kept["members"], kept["unit"]) == (True, ["组长", "成员甲"], "530100")
    opened = {t["id"]: t for t in tasks.list_tasks(records.actor("fm_sup"), project=CODE)}
    assert [opened[i]["title"] for i in kept["tasks"]] == ["验收整改：补齐土壤检测报告", "验收整改：完善管护协议"]
    assert {opened[i]["deadline"] for i in kept["tasks"]} == {"2027-12-31"}
    assert projects.advance(km, CODE)["stage"] == "aftercare"
    listed = acceptance_records.list_records(records.actor("fm_sup"), CODE)
    assert [(r["opinion"], r["passing"]) for r in listed] == [("不同意", False), ("整改后同意", True)]


def test_refusals(records_world, tmp_path) -> None:
    project_to(tmp_path, "implementation")
    with pytest.raises(TransitionRefused, match="整体验收在验收阶段进行"):
        _record("km_sup", computation=_computation(tmp_path))
    projects.advance(records.actor("fm_sup"), CODE)
    computed = _computation(tmp_path)
    with pytest.raises(PermissionDenied, match="州/市或以上"):
        _record("fm_sup", computation=computed)
    with pytest.raises(NotFound):
        _record("wh_sup", computation=computed)
    with pytest.raises(PermissionDenied, match="无权记录验收"):
        _record("km_zrzy", computation=computed)
    with pytest.raises(InvalidRecord, match="须写明整改条件"):
        _record("km_sup", opinion="整改后同意", computation=computed)
    with pytest.raises(InvalidRecord, match="完成期限"):
        _record("km_sup", opinion="整改后同意", conditions=["x"], computation=computed)
    with pytest.raises(InvalidRecord, match="验收意见应为"):
        _record("km_sup", opinion="好", computation=computed)
    with pytest.raises(InvalidRecord, match="须附验收核算结果") as info:
        _record("km_sup")
    assert info.value.field == "computation"
    other = tmp_path / "other.json"
    other.write_text('{"project": "FM-9", "totals": {}}', encoding="utf-8")
    with pytest.raises(InvalidRecord, match="不是项目 FM-2027-01 的验收核算结果"):
        _record("km_sup", computation=other)
    with pytest.raises(InvalidRecord, match="验收组成员"):
        _record("km_sup", computation=computed, members=[" "])
    assert acceptance_records.list_records(records.actor("fm_sup"), CODE) == []


def test_a_sub_project_is_accepted_by_the_county_with_its_files(records_world, tmp_path) -> None:
    project_to(tmp_path, "implementation")
    supervision.create_from_plan(records.actor("fm_sup"), CODE)
    report = tmp_path / "工程复核报告.pdf"
    report.write_bytes(b"%PDF-1.4 test")
    with pytest.raises(PermissionDenied, match="县级责任部门"):
        _record("km_sup", level="sub_project", sub_project="Z1")
    with pytest.raises(NotFound, match="Z9"):
        _record("fm_sup", level="sub_project", sub_project="Z9")
    row = _record("fm_sup", level="sub_project", sub_project="Z1", files=[report, report])
    assert (row["level_name"], row["sub_project"], row["passing"]) == ("子项目验收", "Z1", False)
    assert [a["name"] for a in row["attachments"]] == ["工程复核报告.pdf"]
    # A sub-project's acceptance does not accept the project.
    projects.advance(records.actor("fm_sup"), CODE)
    with pytest.raises(TransitionRefused, match="整体验收记录"):
        projects.advance(records.actor("km_sup"), CODE)


def test_accept_record_and_list_on_the_command_line(records_world, tmp_path) -> None:
    project_to(tmp_path, "acceptance")
    computed = _computation(tmp_path)
    runner = CliRunner()
    args = ["accept", "record", CODE, "--level", "project", "--opinion", "整改后同意", "--date", "2027-11-15"]
    args += ["--member", "组长", "--member", "成员", "--computation", str(computed), "--as", "km_sup"]
    args += ["--condition", "补做变更调查核实", "--deadline", "2027-12-31"]  # no later vintage: 无法检查
    agreed = runner.invoke(app, [*args[:6], "同意", *args[7:]])
    assert agreed.exit_code == 2 and "验收规则未全部通过，不能“同意”：NEW_FARMLAND_VERIFIED" in agreed.output
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "已记录整体验收（整改后同意）" in result.output
    listed = runner.invoke(app, ["accept", "list", CODE, "--as", "fm_sup"])
    assert listed.exit_code == 0 and "整体验收" in listed.output
    bad = runner.invoke(app, [*args[:6], "不行", *args[7:]])
    assert bad.exit_code == 2 and "验收意见应为" in bad.output


def test_the_rules_decide_the_opinion_at_the_80_percent_boundary(records_world, tmp_path) -> None:
    from acceptance_fixtures import vintage

    from landcon.services.datasets import import_dataset

    project_to(tmp_path, "acceptance")
    # 决算 799.9 of 1,000 万元 planned: INVESTMENT_MIN_RATIO fails; no later vintage: verification 无法检查.
    short = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "a", data=meta(799.9)))
    assert [r["id"] for r in short.data["rules"] if r["status"] != "pass"] == [
        "INVESTMENT_MIN_RATIO",
        "NEW_FARMLAND_VERIFIED",
    ]
    computed = short.out_dir / "acceptance.json"
    with pytest.raises(
        InvalidRecord, match=r"不能“同意”：INVESTMENT_MIN_RATIO（.*不通过）、NEW_FARMLAND_VERIFIED（.*无法检查）"
    ):
        _record("km_sup", computation=computed)
    with pytest.raises(InvalidRecord, match=r"2 条未通过.*只写了 1 项"):
        _record("km_sup", opinion="整改后同意", conditions=["补足投资"], deadline="2027-12-31", computation=computed)
    assert _record("km_sup", opinion="不同意", computation=computed)["passing"] is False
    # 决算 800.0 (exactly 80%) and a vintage showing every claimed 耕地 as 耕地: every rule passes.
    path = tmp_path / "vintage.gpkg"
    vintage(homestead="0103").to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    full = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "b", data=meta(800.0)))
    assert {r["status"] for r in full.data["rules"]} == {"pass"}
    assert _record("km_sup", computation=full.out_dir / "acceptance.json")["passing"] is True


def test_a_sub_project_is_accepted_by_its_responsible_department_or_the_coordinator(records_world, tmp_path) -> None:
    from records_fixtures import COUNTY, PASSWORD

    from landcon.services import org

    project_to(tmp_path, "implementation")
    fm_sup = records.actor("fm_sup")
    supervision.create_from_plan(fm_sup, CODE)
    supervision.update_subproject(fm_sup, CODE, "Z1", department="富民县农业农村局")
    admin = records.system_actor()
    for name, kind in (("fm_sup_nync", "nync"), ("fm_sup_lc", "lc")):
        org.add_user(admin, name, password=PASSWORD, unit=COUNTY, roles=("supervisor",), department=kind)
    with pytest.raises(
        PermissionDenied, match="子项目 Z1 的验收由其责任部门（富民县农业农村局）或县自然资源主管部门记录"
    ):
        _record("fm_sup_lc", level="sub_project", sub_project="Z1")
    with pytest.raises(PermissionDenied, match="子项目 Z2 的验收由其责任部门（未填写）"):
        _record("fm_sup_nync", level="sub_project", sub_project="Z2")
    assert _record("fm_sup_nync", level="sub_project", sub_project="Z1")["sub_project"] == "Z1"
    assert _record("fm_sup", level="sub_project", sub_project="Z2")["sub_project"] == "Z2"  # the coordinator


def test_department_names_of_sub_projects() -> None:
    from landcon.engine.acceptance_records import may_accept_sub_project, responsible_kinds

    assert responsible_kinds("林业和草原局") == {"lc"} and responsible_kinds("水务局") == {"sl"}
    assert responsible_kinds("住房和城乡建设局") == {"zjj"} and responsible_kinds("") == frozenset()
    assert may_accept_sub_project("nync", "农业农村局") and may_accept_sub_project("zrzy", "水务局")
    assert not may_accept_sub_project("lc", "农业农村局") and not may_accept_sub_project(None, "农业农村局")
