"""``landcon realloc`` end to end on the paper instance: files in, layer + tables + 公示表 out, checks, versions."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from realloc_fixtures import HOUSEHOLDS, NAMES, box, write_instance
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def instance(tmp_path):  # type: ignore[no-untyped-def]
    return write_instance(tmp_path / "in")


def _run(paths, out, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(
        "realloc", "run", "--parcels", str(paths["parcels"]), "--households", str(paths["households"]),
        "--blocks", str(paths["blocks"]), "--out", str(out), "--json", *extra,
    )  # fmt: skip


def test_run_writes_the_layer_tables_and_publicity_list(instance, tmp_path):
    out = tmp_path / "result"
    result = _run(instance, out, "--time-limit", "20")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["solver"]["status"] == "optimal" and data["solver"]["pieces"] == 4
    assert data["check"]["ok"] and data["indicators"]["merge_degree"] == pytest.approx(0.5)
    names = ["allocation.gpkg", "before.gpkg", "households.json", "households.xlsx", "publicity.xlsx", "result.json"]
    assert sorted(p.name for p in out.iterdir()) == names
    layer = gpd.read_file(out / "allocation.gpkg", layer="CBDK")
    assert sorted(layer["CBFBM"]) == HOUSEHOLDS and list(layer["SCMJ"]) == [10000.0] * 4
    assert shapely.area(shapely.union_all(layer.geometry)) == pytest.approx(40000.0)
    book = openpyxl.load_workbook(out / "publicity.xlsx")
    text = " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert "张*" in text and "李*四" in text and "欧**明" in text
    assert not any(name in text for name in NAMES)
    assert not any(code in text for code in HOUSEHOLDS)  # 承包方编码 masked too
    assert "530124********0001" in text
    internal = openpyxl.load_workbook(out / "households.xlsx")
    assert "户表" in internal.sheetnames


def test_check_accepts_the_result_and_lists_each_violation_of_a_tampered_one(instance, tmp_path):
    out = tmp_path / "result"
    assert _run(instance, out).exit_code == 0
    args = ["--parcels", str(instance["parcels"]), "--households", str(instance["households"])]
    args += ["--blocks", str(instance["blocks"])]
    ok = invoke("realloc", "check", *args, "--allocation", str(out / "allocation.gpkg"), "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
    drawn = gpd.read_file(out / "allocation.gpkg", layer="CBDK")
    drawn.loc[0, "geometry"] = shapely.affinity.scale(drawn.geometry.iloc[0], xfact=0.9, origin="centroid")
    drawn.to_file(tmp_path / "drawn.gpkg", layer="CBDK", driver="GPKG")
    bad = invoke("realloc", "check", *args, "--allocation", str(tmp_path / "drawn.gpkg"), "--json")
    assert bad.exit_code == 1
    kinds = [v["kind"] for v in json.loads(bad.output)["violations"]]
    assert "uncovered" in kinds and "tolerance" in kinds
    text = invoke("realloc", "check", *args, "--allocation", str(tmp_path / "drawn.gpkg"))
    assert text.exit_code == 1 and "未分配" in text.output


def test_infeasible_input_says_by_how_much(instance, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("deduction: 0.2\ntolerance: 0.05\n", encoding="utf-8")
    result = _run(instance, tmp_path / "x", "--params", str(params))
    assert result.exit_code == 1
    message = json.loads(result.output)["error"]["message"]
    # Entitlements 0.8 × 40,000 = 32,000; at most 1.05 × 32,000 = 33,600 of the 40,000 can be given.
    assert "多 6400.00" in message
    assert not (tmp_path / "x").exists()


def test_bad_input_names_file_layer_field_and_feature(instance, tmp_path):
    frame = gpd.read_file(instance["parcels"], layer="CBDK")
    frame.loc[2, "DLDJ"] = "12"
    frame.to_file(tmp_path / "bad.gpkg", layer="CBDK", driver="GPKG")
    result = invoke(
        "realloc", "run", "--parcels", str(tmp_path / "bad.gpkg"), "--households", str(instance["households"]),
        "--blocks", str(instance["blocks"]), "--out", str(tmp_path / "y"),
    )  # fmt: skip
    assert result.exit_code == 1  # refused data (ValidationFailed), as `data validate`
    assert "bad.gpkg" in result.output and "CBDK" in result.output and "DLDJ" in result.output
    assert "5301241002010000003" in result.output
    unknown = tmp_path / "h.csv"
    people = pd.read_csv(instance["households"], dtype=str, keep_default_na=False)
    people.loc[0, "PREFS"] = "TK002;TK009"  # a preference for a block that does not exist
    people.to_csv(unknown, index=False, encoding="gbk")  # GBK is read too
    result = invoke(
        "realloc", "run", "--parcels", str(instance["parcels"]), "--households", str(unknown),
        "--blocks", str(instance["blocks"]), "--out", str(tmp_path / "z"),
    )  # fmt: skip
    assert result.exit_code == 1 and "TK009" in result.output and "PREFS" in result.output


def test_block_priority_baseline_runs_from_the_command_line(instance, tmp_path):
    result = _run(instance, tmp_path / "b", "--method", "block_priority")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["solver"]["status"] == "baseline"


def test_results_are_stored_with_the_project(records_world, instance, tmp_path):
    out = tmp_path / "result"
    assert _run(instance, out).exit_code == 0
    project = "QS-530124-001"
    made = invoke("project", "create", project, "--name", "权属调整试点", "--county", "530124", "--as", "fm_author")
    assert made.exit_code == 0, made.output
    refused = invoke("realloc", "save", project, str(out), "--as", "fm_zrzy", "--json")
    assert refused.exit_code == 3
    assert invoke("realloc", "save", project, str(out), "--as", "wh_author").exit_code == 2  # other county
    saved = invoke("realloc", "save", project, str(out), "--as", "fm_author", "--json")
    assert saved.exit_code == 0, saved.output
    version = json.loads(saved.output)
    assert version["number"] == 1 and sorted(version["files"]) == sorted(
        ["allocation.gpkg", "before.gpkg", "households.json", "households.xlsx", "publicity.xlsx", "result.json"]
    )
    again = json.loads(invoke("realloc", "save", project, str(out), "--as", "fm_author", "--json").output)
    assert again["number"] == 2
    listed = json.loads(invoke("realloc", "list", project, "--as", "fm_zrzy", "--json").output)
    assert [v["number"] for v in listed] == [1, 2]
    assert listed[0]["params"]["tolerance"] == 0.05 and listed[0]["indicators"]["parcels_after"] == 4
    assert invoke("audit", "verify").exit_code == 0


def test_parcels_as_a_gbk_shapefile_and_blocks_as_a_filegdb(instance, tmp_path):
    """The formats county data comes in: a GBK-encoded Shapefile (DKMC in Chinese) and a FileGDB."""
    parcels = gpd.read_file(instance["parcels"], layer="CBDK")
    parcels["DKMC"] = ["大田", "小坝", "沟边", "坡地", "大田", "小坝", "沟边", "坡地"]
    shp = tmp_path / "cbdk"
    shp.mkdir()
    parcels.to_file(shp / "CBDK.shp", encoding="GBK")
    (shp / "CBDK.cpg").write_text("GBK", encoding="ascii")
    gdb = tmp_path / "blocks.gdb"
    gpd.read_file(instance["blocks"], layer="TK").to_file(gdb, layer="TK", driver="OpenFileGDB")
    gpd.read_file(instance["blocks"], layer="DL").to_file(gdb, layer="DL", driver="OpenFileGDB")
    result = invoke(
        "realloc", "run", "--parcels", str(shp / "CBDK.shp"), "--households", str(instance["households"]),
        "--blocks", str(gdb), "--out", str(tmp_path / "r"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["solver"]["pieces"] == 4 and data["check"]["ok"]
    assert data["sources"]["parcels"].endswith("CBDK.shp")


def test_blocks_worth_more_than_the_pool_are_refused_like_a_given_negative_deduction(instance, tmp_path):
    # TK002 widened to x 300–520: Σ blocks 42,000 > Σ pooled parcels 40,000, d = 1 − 42/40 = −5 %.
    blocks = gpd.read_file(instance["blocks"], layer="TK")
    blocks.loc[1, "geometry"] = box(300, 0, 520, 100)
    path = tmp_path / "wide.gpkg"
    blocks.to_file(path, layer="TK", driver="GPKG")
    paths = {**instance, "blocks": path}
    result = _run(paths, tmp_path / "x")
    assert result.exit_code == 1
    message = json.loads(result.stdout)["error"]["message"]
    assert "扣除率" in message and "-5.00%" in message and "多 2,000.00" in message and "wide.gpkg" in message
    assert not (tmp_path / "x").exists()
    given = tmp_path / "params.yaml"
    given.write_text("deduction: -0.05\n", encoding="utf-8")
    refused = _run(instance, tmp_path / "y", "--params", str(given))
    assert refused.exit_code == 1 and "deduction" in json.loads(refused.stdout)["error"]["message"]
    checked = invoke(
        "realloc", "check", "--parcels", str(paths["parcels"]), "--households", str(paths["households"]),
        "--blocks", str(path), "--allocation", str(paths["parcels"]), "--json",
    )  # fmt: skip
    assert checked.exit_code == 1 and "扣除率" in json.loads(checked.stdout)["error"]["message"]


def test_a_locked_parcel_inside_a_new_block_is_refused_at_input(instance, tmp_path):
    people = pd.read_csv(instance["households"], dtype=str, keep_default_na=False)
    people.loc[3, "LOCKED"] = "5301241002010000008"  # strip x 450–500 lies in TK002 (x 300–500)
    path = tmp_path / "locked.csv"
    people.to_csv(path, index=False, encoding="utf-8-sig")
    result = _run({**instance, "households": path}, tmp_path / "x")
    assert result.exit_code == 1
    message = json.loads(result.stdout)["error"]["message"]
    assert "5301241002010000008" in message and "TK002" in message and "5,000.00 平方米" in message
    assert "locked.csv" in message and "LOCKED" in message and HOUSEHOLDS[3] in message
    assert not (tmp_path / "x").exists()


def test_run_json_is_json_only_even_from_a_fresh_process(instance, tmp_path):
    """HiGHS prints a banner when a process makes its first solver: it must not reach stdout."""
    args = ["realloc", "run", "--parcels", str(instance["parcels"]), "--households", str(instance["households"])]
    args += ["--blocks", str(instance["blocks"]), "--out", str(tmp_path / "r"), "--time-limit", "20", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "landcon.cli.main", *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["solver"]["pieces"] == 4
    assert "HiGHS" not in done.stdout
