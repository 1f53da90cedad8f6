"""``landcon plan`` end to end: plan folders in, JSON, exit codes, reports out."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from conftest import cell
from docx import Document
from plan_fixtures import GOOD, META, base, box, write_plan
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def grid(tmp_path) -> str:
    path = tmp_path / "grid.gpkg"
    base().to_file(path, layer="DLTB", engine="pyogrio")
    gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543").to_file(
        path, layer="YJJBNTBHTB", engine="pyogrio"
    )
    result = invoke("data", "import", str(path), "--name", "grid")
    assert result.exit_code == 0, result.output
    return "grid"


def test_check_passes_with_hand_computed_indicators(grid, tmp_path):
    plan = write_plan(tmp_path / "p", GOOD)
    result = invoke("plan", "check", str(plan), "--dataset", grid, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] is True and data["pack"] == "yunnan"
    c = data["indicators"]["cultivated"]
    # Field 1 (grade 2 梯田) levelled to the yunnan table's 0.05 (9 000 → 9 500) and the orchard
    # restored on grade 2 of unstated type (the larger table value, 0.05: 9 500): 18 000 → 28 000.
    assert (c["before_net_m2"], c["after_net_m2"], c["new_m2"]) == (18000.0, 28000.0, 10000.0)
    assert data["indicators"]["permanent_farmland"]["out_ratio"] == 0.025
    rules = {f["rule"]: f for f in data["findings"]}
    assert rules["NEW_FARMLAND_MIN_5PCT"]["severity"] == "pass"
    # No STBHHX in the dataset: 无法检查, a warning (the input is not marked required), exit 0.
    assert rules["REDLINE_UNTOUCHED"]["status"] == "unknown"
    assert rules["REDLINE_UNTOUCHED"]["severity"] == "warning"
    assert data["complete"] is False and data["status_counts"]["unknown"] == 3
    text = invoke("plan", "check", str(plan), "--dataset", grid)
    assert text.exit_code == 0
    assert "无法检查" in text.output and "检查通过" not in text.output


def test_unknown_required_input_fails_the_check(grid, tmp_path):
    # The orchard restored without any slope grade: the 田坎 rules cannot be checked → error, exit 1.
    plan = write_plan(tmp_path / "p", [GOOD[0], {k: v for k, v in GOOD[1].items() if k != "ZHPDJB"}])
    result = invoke("plan", "check", str(plan), "--dataset", grid, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    rules = {f["rule"]: f for f in data["findings"]}
    assert rules["NEW_FARMLAND_SLOPE_MAX_25"]["status"] == "unknown"
    assert rules["NEW_FARMLAND_SLOPE_MAX_25"]["severity"] == "error"
    assert rules["NEW_FARMLAND_SLOPE_MAX_25"]["unknown_m2"] == 9500.0
    assert data["passed"] is False
    text = invoke("plan", "check", str(plan), "--dataset", grid)
    assert text.exit_code == 1
    assert "无法检查（错误）" in text.output and "检查通过" not in text.output


def test_check_fails_with_exit_one_and_names_features(grid, tmp_path):
    bad = [{"GHDLBM": "0702", "ZXMBH": "Z1", "geometry": cell(0, 1)}]
    plan = write_plan(tmp_path / "p", bad, dict(META, end_year=2031))
    result = invoke("plan", "check", str(plan), "--dataset", grid, "--json")
    assert result.exit_code == 1
    rules = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
    assert rules["NEW_FARMLAND_MIN_5PCT"]["severity"] == "error"
    assert rules["CONSTRUCTION_NOT_INCREASED"]["features"] == [{"layer": "CZGHTB", "id": "1"}]
    assert rules["PERIOD_MAX_YEARS"]["severity"] == "warning"
    text = invoke("plan", "check", str(plan), "--dataset", grid)
    assert text.exit_code == 1 and "CONSTRUCTION_NOT_INCREASED" in text.output


def test_unreadable_plans_exit_two_naming_layer_field_feature(grid, tmp_path):
    plan = write_plan(tmp_path / "p", [{"GHDLBM": "9999", "ZXMBH": "Z1", "geometry": cell(0, 0)}])
    result = invoke("plan", "check", str(plan), "--dataset", grid)
    assert result.exit_code == 2
    assert "CZGHTB" in result.output and "GHDLBM" in result.output and "9999" in result.output
    (tmp_path / "q").mkdir()
    assert invoke("plan", "check", str(tmp_path / "q"), "--dataset", grid).exit_code == 2
    assert invoke("plan", "check", str(plan), "--dataset", "nosuch").exit_code == 2
    good = write_plan(tmp_path / "g", GOOD)
    assert invoke("plan", "check", str(good), "--dataset", grid, "--pack", "nosuch").exit_code == 2


def test_pack_file_overrides(grid, tmp_path):
    plan = write_plan(tmp_path / "p", GOOD)
    pack = tmp_path / "pack.yaml"
    pack.write_text("extends: yunnan\nrules:\n  NEW_FARMLAND_MIN_5PCT: {threshold: 0.9}\n", encoding="utf-8")
    result = invoke("plan", "check", str(plan), "--dataset", grid, "--pack", str(pack), "--json")
    assert result.exit_code == 1
    rules = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
    assert rules["NEW_FARMLAND_MIN_5PCT"]["threshold"] == 0.9


def test_report_and_diff(grid, tmp_path):
    a = write_plan(tmp_path / "a", GOOD)
    b = write_plan(tmp_path / "b", GOOD[:1])
    out = tmp_path / "report"
    result = invoke("plan", "report", str(a), "--dataset", grid, "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    files = set(json.loads(result.stdout)["files"])
    assert {"附表.xlsx", "实施方案.docx", "入库成果.gpkg", "plan_check.json", "map_before.png"} <= files
    book = openpyxl.load_workbook(out / "附表.xlsx", read_only=True)
    assert any("永久基本农田" in name for name in book.sheetnames)
    assert any("新增耕地" in p.text for p in Document(str(out / "实施方案.docx")).paragraphs)
    after = gpd.read_file(out / "入库成果.gpkg", layer="SDQYZZHDLTB", engine="pyogrio")
    # The after state tiles the area: 8 cells, 80 000 m²; new farmland 10 000 m² with its source.
    assert round(after["TBMJ"].sum(), 2) == 80000.0
    assert round(after["XZGDMJ"].sum(), 2) == 10000.0
    assert set(after.loc[after["XZGDMJ"] > 0, "XZGDLYDLBM"]) == {"1203", "0201"}
    assert set(gpd.list_layers(out / "入库成果.gpkg")["name"]) >= {"ZZQY", "SDQYZZHDLTB", "YJJBNTTZTB", "CZGHTB"}
    diff = invoke("plan", "diff", str(a), str(b), "--dataset", grid, "--json")
    assert diff.exit_code == 0, diff.output
    changes = {row["indicator"]: row for row in json.loads(diff.stdout)["indicators"]}
    assert changes["cultivated.new_m2"]["change"] == -9500.0


def test_template_is_readable_and_documented(tmp_path):
    out = tmp_path / "tpl"
    assert invoke("plan", "template", "--out", str(out)).exit_code == 0
    text = (out / "plan.yaml").read_text(encoding="utf-8")
    assert "GHDLBM" in text and "docs/plan.md" in text
    layers = set(gpd.list_layers(out / "plan.gpkg")["name"])
    assert layers == {"ZZQY", "CZGHTB", "YJJBNTTZTB", "ZJGGTB"}


@pytest.mark.slow
def test_example_plans_on_a_synthetic_county(tmp_path):
    src = tmp_path / "county.gpkg"
    made = invoke("data", "synth", "--features", "3000", "--seed", "3", "--out", str(src))
    assert made.exit_code == 0, made.output
    assert invoke("data", "import", str(src), "--name", "c").exit_code == 0
    for variant, code in (("compliant", 0), ("violating", 1)):
        folder = tmp_path / variant
        assert invoke("plan", "synth", "c", "--out", str(folder), "--variant", variant).exit_code == 0
        result = invoke("plan", "check", str(folder), "--dataset", "c", "--json")
        assert result.exit_code == code, result.output[-2000:]
        errors = {f["rule"] for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"}
        if variant == "violating":
            assert {
                "NEW_FARMLAND_MIN_5PCT",
                "PFL_OUT_MAX_5PCT",
                "CONSTRUCTION_NOT_INCREASED",
                "FUNDING_BALANCED",
            } <= errors


def test_every_rule_is_documented():
    from landcon.engine.rules import RULES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "plan.md").read_text(encoding="utf-8")
    assert [r.id for r in RULES if f"`{r.id}`" not in doc] == []


def test_plan_drawn_in_a_filegdb(grid, tmp_path):
    from landcon.store.layers import write_layers

    gpkg_plan = write_plan(tmp_path / "p", GOOD)
    gdb_plan = tmp_path / "g"
    gdb_plan.mkdir()
    layers = {
        name: gpd.read_file(gpkg_plan / "plan.gpkg", layer=name, engine="pyogrio")
        for name in ("ZZQY", "CZGHTB", "YJJBNTTZTB")
    }
    write_layers(layers, gdb_plan / "plan.gdb", "gdb")
    (gdb_plan / "plan.yaml").write_text((gpkg_plan / "plan.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    a = json.loads(invoke("plan", "check", str(gpkg_plan), "--dataset", grid, "--json").stdout)
    result = invoke("plan", "check", str(gdb_plan), "--dataset", grid, "--json")
    assert result.exit_code == 0, result.output
    b = json.loads(result.stdout)
    assert b["indicators"]["cultivated"] == a["indicators"]["cultivated"]
