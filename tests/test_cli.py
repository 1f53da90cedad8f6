"""The ``landcon data`` commands end to end: real files in, JSON and exit codes out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import grid_dltb
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def as_json(result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture
def grid_gpkg(tmp_path) -> Path:
    path = tmp_path / "grid.gpkg"
    grid_dltb().to_file(path, layer="DLTB", engine="pyogrio")
    return path


def test_validate_clean_grid_exits_zero(grid_gpkg):
    result = invoke("data", "validate", str(grid_gpkg), "--json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    assert report["valid"] is True
    assert all(p["severity"] == "warning" for p in report["problems"])


def test_validate_reports_feature_field_and_code(tmp_path):
    frame = grid_dltb()
    frame.loc[2, "DLBM"] = "0199"
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    result = invoke("data", "validate", str(path), "--json")
    assert result.exit_code == 1
    errors = [p for p in as_json(result)["problems"] if p["severity"] == "error"]
    assert [(p["layer"], p["feature"], p["field"], p["code"]) for p in errors] == [
        ("DLTB", "530124100201000003", "DLBM", "CODE_INVALID")
    ]


def test_validate_text_output_names_the_problem(tmp_path):
    frame = grid_dltb()
    frame.loc[0, "TBDLMJ"] = 8000.0
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    result = invoke("data", "validate", str(path))
    assert result.exit_code == 1
    assert "TBDLMJ_MISMATCH" in result.output and "530124100201000001" in result.output


def test_validate_unreadable_input_exits_two(tmp_path):
    result = invoke("data", "validate", str(tmp_path / "missing.gdb"))
    assert result.exit_code == 2
    assert "missing.gdb" in result.output


def test_validate_wrong_crs_is_refused(tmp_path):
    path = tmp_path / "wgs84.gpkg"
    grid_dltb().to_crs(4326).to_file(path, layer="DLTB", engine="pyogrio")
    result = invoke("data", "validate", str(path), "--json")
    assert result.exit_code == 1
    codes = {p["code"] for p in as_json(result)["problems"] if p["severity"] == "error"}
    assert codes == {"CRS_NOT_CGCS2000"}


def test_import_then_info_gives_hand_computed_areas(grid_gpkg, data_dir):
    result = invoke("data", "import", str(grid_gpkg), "--name", "grid", "--json")
    assert result.exit_code == 0, result.output
    stored = as_json(result)
    assert Path(stored["path"]).is_dir()
    manifest = json.loads((Path(stored["path"]) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"DLTB": 6} and manifest["crs"] == {"DLTB": "EPSG:4543"}
    assert manifest["validation"]["errors"] == 0

    info = invoke("data", "info", "grid", "--json")
    assert info.exit_code == 0, info.output
    dltb = as_json(info)["layers"]["DLTB"]
    assert dltb["features"] == 6 and dltb["epsg"] == 4543
    assert dltb["ellipsoid_area_m2"] == pytest.approx(60000.0, abs=0.01)
    # 耕地 cells lose 10% to 田坎: 0101 2 × 9 000, 0103 9 000; the others 10 000 each
    assert dltb["tbdlmj_by_dlbm_m2"] == {
        "0101": 18000.0,
        "0103": 9000.0,
        "0201": 10000.0,
        "0301": 10000.0,
        "0702": 10000.0,
    }

    same_from_path = as_json(invoke("data", "info", str(grid_gpkg), "--json"))
    assert same_from_path["layers"]["DLTB"] == dltb


def test_import_refuses_errors_and_stores_nothing(tmp_path, data_dir):
    frame = grid_dltb()
    frame.loc[1, "TBMJ"] = 12000.0
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    result = invoke("data", "import", str(path), "--name", "bad")
    assert result.exit_code == 1
    datasets = data_dir / "datasets"
    leftovers = list(datasets.iterdir()) if datasets.exists() else []
    assert leftovers == []
    assert invoke("data", "info", "bad").exit_code == 2


def test_import_existing_name_needs_replace(grid_gpkg):
    assert invoke("data", "import", str(grid_gpkg), "--name", "grid").exit_code == 0
    again = invoke("data", "import", str(grid_gpkg), "--name", "grid")
    assert again.exit_code == 2 and "grid" in again.output
    assert invoke("data", "import", str(grid_gpkg), "--name", "grid", "--replace").exit_code == 0


def test_gbk_shapefile_without_cpg(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    grid_dltb().to_file(folder / "DLTB.shp", engine="pyogrio", encoding="GBK")
    (folder / "DLTB.cpg").unlink(missing_ok=True)
    result = invoke("data", "validate", str(folder), "--json")
    assert result.exit_code == 0, result.output
    info = as_json(invoke("data", "info", str(folder), "--json"))
    assert info["layers"]["DLTB"]["tbdlmj_by_dlbm_m2"]["0101"] == 18000.0


def test_forced_wrong_encoding_never_reaches_the_store(tmp_path, data_dir):
    folder = tmp_path / "shp"
    folder.mkdir()
    grid_dltb().to_file(folder / "DLTB.shp", engine="pyogrio", encoding="GBK")
    result = invoke("data", "import", str(folder), "--name", "garbled", "--encoding", "latin1")
    assert result.exit_code in (1, 2)
    assert not (data_dir / "datasets" / "garbled").exists()


def test_synth_validate_import_info_round_trip(tmp_path):
    out = tmp_path / "county.gpkg"
    made = invoke(
        "data", "synth", "--county", "530124", "--features", "1500", "--seed", "3", "--out", str(out), "--json"
    )
    assert made.exit_code == 0, made.output
    counts = as_json(made)["counts"]
    assert 1350 <= counts["DLTB"] <= 1650
    checked = invoke("data", "validate", str(out), "--json")
    assert checked.exit_code == 0, [p for p in as_json(checked)["problems"] if p["severity"] == "error"][:5]
    assert invoke("data", "import", str(out), "--name", "demo").exit_code == 0
    layers = as_json(invoke("data", "info", "demo", "--json"))["layers"]
    assert layers["DLTB"]["features"] == counts["DLTB"]
    # DLTB tiles the county exactly: same total ellipsoid area as the townships
    assert layers["DLTB"]["ellipsoid_area_m2"] == pytest.approx(layers["XZQ"]["ellipsoid_area_m2"], rel=1e-9)


def test_usage_error_exits_two():
    assert invoke("data", "validate").exit_code == 2
