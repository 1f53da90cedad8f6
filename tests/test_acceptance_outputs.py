"""Acceptance outputs (``services.acceptance_outputs``, ``accept export``) on the records world: project
FM-2027-01 with the ledger plan (``ledger_fixtures``), its sub-projects registered with planned 工程量,
the ``grid`` dataset replaced by the later vintage (``acceptance_fixtures.vintage``), accepted on the
hand-made as-built folder of ``acceptance_fixtures`` (A2 built on half its cell, A3 failing verification:
核定新增耕地 5,250 m², docs in ``test_acceptance_engine``)."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pytest
from acceptance_fixtures import passing_opinion, rows, vintage, write_asbuilt
from ledger_fixtures import CODE, project_to
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine.area import ellipsoid_area
from landcon.engine.ledger import grain_capacity
from landcon.engine.zzys import GROUPS, ha
from landcon.errors import NotFound
from landcon.services import acceptance, acceptance_outputs, acceptance_records, projects, records, supervision
from landcon.services.datasets import import_dataset
from landcon.services.profile import get_profile

PLANNED_WORKS = {"Z1": {"land_levelling": 2.0, "wells": 3}, "Z2": {"land_levelling": 1.0}}


@pytest.fixture(scope="module")
def world(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    for code, works in PLANNED_WORKS.items():
        supervision.update_subproject(sup, CODE, code, quantities=works)
    path = tmp_path_factory.mktemp("vintage") / "v2.gpkg"
    vintage().to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    projects.advance(sup, CODE)
    run = acceptance.compute(sup, CODE, write_asbuilt(tmp_path_factory.mktemp("asbuilt") / "a"))
    return records_world_once, run


def _accept(run) -> None:
    if not acceptance_records.latest_passing_computation(records.actor("fm_sup"), CODE):
        acceptance_records.record(
            records.actor("km_sup"),
            CODE,
            level="project",
            accepted_on="2027-11-15",
            members=["验收组长"],
            computation=run.out_dir / "acceptance.json",
            **passing_opinion(run.data),
        )


def _fields(record):
    return {f["key"]: f for fields in record["groups"].values() for f in fields}


def test_without_a_passing_record_only_the_marked_latest_computation_is_exported(world, tmp_path) -> None:
    _, run = world
    if acceptance_records.latest_passing_computation(records.actor("fm_sup"), CODE):
        pytest.skip("accepted already (test order)")
    with pytest.raises(NotFound, match="--unaccepted"):
        acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    out = acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "y", unaccepted=True)
    assert out["zzys"]["status"] == "未通过验收" and out["zzys"]["passed"] is False
    assert _fields(out["zzys"])["new.total"]["value"] == ha(run.data["totals"]["verified_new_m2"])


def test_xlsx_sheets_equal_the_json_equal_the_computation(world, tmp_path) -> None:
    _, run = world
    _accept(run)
    data = run.data
    out = acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "out")
    record = json.loads((tmp_path / "out" / "zzys.json").read_text(encoding="utf-8"))
    assert record == out["zzys"] and record["status"] == "已通过验收"
    fields = _fields(record)
    values = {k: f["value"] for k, f in fields.items()}
    plans = {k: f["plan"] for k, f in fields.items()}
    # 新增耕地: 核定 5,250 m² (A1 500 + A2 4,750, both 旱地), 核减前 15,250; all paid by 中央财政.
    assert values["new.total"] == 0.525 == ha(data["totals"]["verified_new_m2"])
    assert values["new.before_cut"] == 1.525 == ha(data["totals"]["built_new_m2"])
    assert plans["new.total"] == 2.0 == ha(data["totals"]["planned_new_m2"])
    assert (values["new.dry"], values["new.paddy"], values["new.irrigated"]) == (0.525, 0.0, 0.0)
    assert values["new.by_fund/中央财政"] == 0.525
    assert values["new.by_kind/未注明来源"] == 0.525
    assert values["new.supplementary"] == ha(data["verified_indicators"]["cultivated"]["supplementary_m2"]) == 0.525
    # 规模: 整治规模 30,000 m² (plan 35,000); by sub-project type the parcels' ellipsoidal area.
    assert (values["scale.total"], plans["scale.total"]) == (3.0, 3.5)
    geoms = [r["geometry"] for r in rows()]
    z1 = float(ellipsoid_area(np.asarray(geoms[:2], dtype=object), 4543).sum())
    z2 = float(ellipsoid_area(np.asarray(geoms[2:], dtype=object), 4543).sum())
    assert values["scale.by_type/农用地整理"] == ha(round(z1, 2))
    assert values["scale.by_type/建设用地整理"] == ha(round(z2, 2))
    # 成效 and 提质改造 from the computation's figures.
    grain = grain_capacity(data["verified_indicators"]["cultivated"]["new_by_grade_m2"], get_profile().ledger_rules)
    assert values["effect.grain_kg"] == grain > 0
    assert plans["effect.grain_kg"] == data["figures"]["grain_kg"]["plan"]
    assert values["upgrade.grade_after"] == data["figures"]["grade_after"]["built"]
    assert values["effect.merge_degree"] == data["asbuilt_indicators"]["fields"]["merge_degree"]
    # 工程量: final (asbuilt.yaml) vs planned (Σ sub-project records); 投资: 决算 800 of 1,000 万元.
    assert (values["works/land_levelling"], plans["works/land_levelling"]) == (2.5, 3.0)
    assert (values["works/wells"], plans["works/wells"]) == (2, 3.0)
    assert (values["investment.total"], plans["investment.total"]) == (800.0, 1000.0)
    assert values["investment.completion"] == 0.8
    assert (values["investment.by_subproject/Z2"], plans["investment.by_subproject/Z2"]) == (None, 400.0)
    assert _fields(record)["investment.by_subproject/Z2"]["name"] == "子项目 挂钩（Z2）"  # a name, the code in brackets

    book = openpyxl.load_workbook(tmp_path / "out" / "zzys.xlsx", read_only=True)
    assert book.sheetnames == [*GROUPS, "说明"]
    for group in GROUPS:
        sheet = list(book[group].iter_rows(values_only=True))
        assert sheet[0] == ("ZZ_YS 字段", "名称", "单位", "方案", "实际（核定）", "键")
        expected = [(f["key"], f["plan"], f["value"]) for f in record["groups"][group]]
        dash = lambda v: None if v == "—" else v  # noqa: E731
        assert [(r[5], dash(r[3]), dash(r[4])) for r in sheet[1:]] == expected
    notes = list(book["说明"].iter_rows(values_only=True))
    documented = {r[1]: (r[4], r[5]) for r in notes if r and r[0] in GROUPS}
    assert documented["new.total"] == ("公顷", "verified_indicators.cultivated.new_m2 ÷ 10000")
    assert set(documented) == set(fields)


def test_cli_export_and_scope(world, tmp_path) -> None:
    _, run = world
    _accept(run)
    result = CliRunner().invoke(
        app, ["accept", "export", CODE, "--out", str(tmp_path / "cli"), "--as", "fm_sup", "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["files"][:2] == ["zzys.json", "zzys.xlsx"]
    assert (tmp_path / "cli" / "zzys.xlsx").is_file()
    other = CliRunner().invoke(app, ["accept", "export", CODE, "--out", str(tmp_path / "wh"), "--as", "wh_sup"])
    assert other.exit_code != 0 and not (tmp_path / "wh").exists()


def _number(text: str) -> float:
    return float(text.rstrip("%")) / (100 if text.endswith("%") else 1)


def _tables(doc) -> dict[str, list[list[str]]]:
    """Tables by their caption ("表N 标题" → 标题), each as rows of cell texts (header first)."""
    captions = [
        p.text.split(" ", 1)[1] for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("表")
    ]
    return {c: [[cell.text for cell in row.cells] for row in t.rows] for c, t in zip(captions, doc.tables, strict=True)}


def test_the_report_numbers_are_the_json_and_computation_numbers(world, tmp_path) -> None:
    import re

    import docx

    _, run = world
    _accept(run)
    data = run.data
    out = acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "out")
    assert out["files"] == ["zzys.json", "zzys.xlsx", "竣工验收报告.docx", "map_before.png", "map_after.png"]
    record = json.loads((tmp_path / "out" / "zzys.json").read_text(encoding="utf-8"))
    doc = docx.Document(str(tmp_path / "out" / "竣工验收报告.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、项目概况",
        "二、建设目标完成情况",
        "三、建设内容",
        "四、实施管理",
        "五、权属管理",
        "六、后期管护",
        "七、验收结论",
    ]
    assert len(doc.inline_shapes) == 2  # the before and after maps
    text = "\n".join(p.text for p in doc.paragraphs)
    found = re.search(r"核定新增耕地 ([\d.]+) 平方米（([\d.]+) 公顷），核减合计 ([\d.]+) 平方米", text)
    assert found is not None
    assert _number(found[1]) == data["totals"]["verified_new_m2"] == 5250.0
    assert _number(found[2]) == _fields(record)["new.total"]["value"] == 0.525
    assert _number(found[3]) == data["totals"]["cut_m2"] == 14750.0
    assert "本项目未保存权属调整方案" in text and "本项目尚未签订管护协议" in text
    assert "涉及乡镇 款庄镇；" in text and "530124100" not in text  # the township's name, not its code
    tables = _tables(doc)
    compared = {r[0]: r[2:] for r in tables["方案与竣工对比"][1:]}
    for row in data["comparison"]:
        if row["label"] in compared and row["unit"] != "比例":
            cells = compared[row["label"]]
            for cell, value in zip(cells, (row["plan"], row["built"], row["difference"]), strict=True):
                assert (cell == "—") if value is None else _number(cell) == pytest.approx(value, abs=5e-5), row
    assert compared["新增耕地率"][:2] == [f"{v * 100:.2f}%" for v in (20000 / 18000, 15250 / 18000)]
    assert compared["投资完成率"] == ["—", "80.00%", "—"]
    zz = {r[1]: r[4] for r in tables["ZZ_YS 验收数据集（规模、新增耕地、提质改造、成效）"][1:]}
    for group in ("规模", "新增耕地", "提质改造", "成效"):
        for f in record["groups"][group]:
            assert zz[f["name"]] == "—" if f["value"] is None else _number(zz[f["name"]]) == pytest.approx(f["value"])
    works = {r[0]: (r[2], r[3]) for r in tables["工程量（计划与竣工）"][1:]}
    assert works["土地平整"] == ("3.000000", "2.500000") and works["农用井"] == ("3", "2")
    cuts = tables["核减清单"]
    assert [(r[0], r[3], _number(r[6])) for r in cuts[1:-1]] == [
        (c["parcel"], c["reason"], c["cut_m2"]) for c in data["cuts"]
    ]
    assert cuts[-1][0] == "合计" and _number(cuts[-1][6]) == 14750.0
    rules = {r[0]: r[1] for r in tables["验收规则检查"][1:]}
    assert rules == {
        r["title"]: {"pass": "通过", "fail": "不通过", "unknown": "无法检查"}[r["status"]] for r in data["rules"]
    }
    assert [r[3] for r in tables["验收记录"][1:]] == ["整改后同意"]  # verification fails here
    subs = {r[0]: r[3:] for r in tables["子项目建设情况"][1:]}
    assert subs["Z1"] == ["10000.00", "5250.00", "600.00", "800.00"]


def test_the_acceptance_page_offers_the_outputs_within_scope(world) -> None:
    import io

    import docx
    from fastapi.testclient import TestClient
    from web_fixtures import sign_in

    from landcon.web.app import create_app

    _, run = world
    _accept(run)
    base = f"/projects/{CODE}/acceptance/outputs"
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, "fm_author")  # reads the project, manages nothing
        page = client.get(f"/projects/{CODE}/acceptance").text
        for name in ("zzys.xlsx", "zzys.json", "report.docx"):
            assert f'href="{base}/{name}"' in page
        record = client.get(f"{base}/zzys.json").json()
        assert record["status"] == "已通过验收"
        assert _fields(record)["new.total"]["value"] == ha(run.data["totals"]["verified_new_m2"])
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/zzys.xlsx").content), read_only=True)
        assert book.sheetnames == [*GROUPS, "说明"]
        report = client.get(f"{base}/report.docx")
        assert report.status_code == 200 and "filename*=utf-8''" in report.headers["content-disposition"]
        assert (
            docx.Document(io.BytesIO(report.content)).paragraphs[0].text == "富民县款庄镇全域土地综合整治竣工验收报告"
        )
        assert (acceptance_outputs.outputs_dir(CODE) / "竣工验收报告.docx").is_file()
        assert client.get(f"{base}/other.txt").status_code == 404
        sign_in(client, "wh_sup")  # another county
        assert client.get(f"{base}/zzys.json").status_code == 404
