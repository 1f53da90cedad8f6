"""``landcon survey`` end to end: an imported dataset in, survey.json / xlsx / maps out."""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pytest
import shapely
from conftest import CELL, X0, Y0, cell, dltb_row, grid_dltb
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.services import survey as survey_service

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0 * CELL, Y0 + y0 * CELL, X0 + x1 * CELL, Y0 + y1 * CELL)


@pytest.fixture
def grid_dataset(tmp_path) -> str:
    """Row 0: 0101 0101 0103 (one patch); row 1: 0301 0702 0201; 永农 over the two 水田 cells."""
    path = tmp_path / "grid.gpkg"
    grid_dltb().to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    result = invoke("data", "import", str(path), "--name", "grid")
    assert result.exit_code == 0, result.output
    return "grid"


def test_survey_run_writes_json_and_xlsx(grid_dataset, tmp_path):
    out = tmp_path / "out"
    result = invoke("survey", "run", grid_dataset, "--out", str(out), "--no-maps", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert sorted(printed["files"]) == ["potential.gpkg", "survey.json", "survey.xlsx"]
    written = json.loads((out / "survey.json").read_text(encoding="utf-8"))
    assert written["units"] == printed["units"]
    assert written["overlays"] == {"YJJBNTBHTB": True, "STBHHX": False, "CZKFBJ": False}
    village = next(u for u in written["units"] if u["level"] == "village")
    assert village["name"] == "大营村委会"
    assert village["cultivated_net_m2"] == 27000.0
    assert village["cultivated_in_permanent_farmland_net_m2"] == 18000.0
    assert village["cultivated_in_redline_net_m2"] is None
    assert village["cultivated_patches"] == 1
    county = written["units"][0]
    assert (county["level"], county["code"], county["name"]) == ("county", "530124", "富民县")
    book = openpyxl.load_workbook(out / "survey.xlsx", read_only=True)
    assert "耕地" in book.sheetnames and "耕地连片" in book.sheetnames


def test_survey_run_with_area_idle_list_and_maps(grid_dataset, tmp_path):
    area = tmp_path / "area.gpkg"
    gpd.GeoDataFrame({"ZZQYBH": ["Q1"], "ZZQYMC": ["示范区"]}, geometry=[box(0, 0, 1.5, 2)], crs="EPSG:4543").to_file(
        area, engine="pyogrio"
    )
    idle = tmp_path / "idle.csv"
    idle.write_text("BSM,备注\n530124100201000005,闲置\n999,不存在\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(
        "survey", "run", grid_dataset, "--out", str(out), "--area", str(area), "--idle-homesteads", str(idle), "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["options"]["idle_homesteads"]["listed"] == 2
    assert data["options"]["idle_homesteads"]["matched"] == 1
    zone = next(u for u in data["units"] if u["level"] == "area")
    assert (zone["code"], zone["name"]) == ("Q1", "示范区")
    # Cells (0,0) 水田 and (0,1) 乔木林地 whole; half of (1,0) 水田 and of (1,1) 宅基地.
    assert zone["unit_area_m2"] == 30000.0
    assert zone["cultivated_net_m2"] == 13500.0
    assert zone["cultivated_in_permanent_farmland_net_m2"] == 13500.0
    assert zone["homestead_m2"] == 5000.0
    assert zone["idle_homestead_m2"] == 5000.0
    for name in ("map_landuse.png", "map_patches.png", "map_potential.png"):
        assert (out / name).stat().st_size > 10_000
    potential = gpd.read_file(out / "potential.gpkg", layer="idle_construction", engine="pyogrio")
    assert list(potential["BSM"]) == ["530124100201000005"]


def test_bad_inputs_name_file_and_field(grid_dataset, tmp_path):
    wrong_crs = tmp_path / "area4544.gpkg"
    gpd.GeoDataFrame({"X": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4544").to_file(wrong_crs, engine="pyogrio")
    result = invoke("survey", "run", grid_dataset, "--area", str(wrong_crs), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "area4544.gpkg" in result.output and "EPSG:4544" in result.output
    idle = tmp_path / "idle.csv"
    idle.write_text("编号\n1\n", encoding="utf-8")
    result = invoke("survey", "run", grid_dataset, "--idle-homesteads", str(idle), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "BSM" in result.output and "idle.csv" in result.output
    assert invoke("survey", "run", "nosuch", "--out", str(tmp_path / "o")).exit_code == 2
    assert invoke("survey", "run", grid_dataset, "--unit", "province").exit_code == 2
    assert not (tmp_path / "o").exists()


def test_failed_write_keeps_previous_results(grid_dataset, tmp_path, monkeypatch):
    out = tmp_path / "out"
    survey_service.run_survey(grid_dataset, out=out, maps=False)
    before = (out / "survey.json").read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(survey_service, "write_survey_xlsx", broken)
    with pytest.raises(OSError):
        survey_service.run_survey(grid_dataset, out=out, maps=False, unit="township")
    assert (out / "survey.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_bridging_option_reports_both(tmp_path):
    rows = [
        dltb_row("1", "0103", shapely.box(X0, Y0, X0 + 40, Y0 + 40)),
        dltb_row("2", "1006", shapely.box(X0 + 40, Y0, X0 + 46, Y0 + 40)),
        dltb_row("3", "0103", shapely.box(X0 + 46, Y0, X0 + 86, Y0 + 40)),
        dltb_row("4", "0301", cell(1, 0)),
    ]
    path = tmp_path / "strip.gpkg"
    grid_dltb(rows).to_file(path, layer="DLTB", engine="pyogrio")
    assert invoke("data", "import", str(path), "--name", "strip").exit_code == 0
    result = invoke(
        "survey", "run", "strip", "--bridge-width", "8", "--no-maps", "--json", "--out", str(tmp_path / "s")
    )
    assert result.exit_code == 0, result.output
    village = next(u for u in json.loads(result.stdout)["units"] if u["level"] == "village")
    assert village["cultivated_patches"] == 2
    assert village["bridged"]["cultivated_patches"] == 1
    assert invoke("survey", "run", "strip", "--bridge-width", "-1").exit_code == 2


@pytest.mark.slow
def test_province_batch_equals_serial_runs(tmp_path):
    names = []
    for county, seed in (("530124", 1), ("530125", 2), ("530181", 3)):
        src = tmp_path / f"{county}.gpkg"
        made = invoke("data", "synth", "--county", county, "--features", "700", "--seed", str(seed), "--out", str(src))
        assert made.exit_code == 0, made.output
        assert invoke("data", "import", str(src), "--name", f"c{county}").exit_code == 0
        names.append(f"c{county}")
    out = tmp_path / "province"
    result = invoke("survey", "batch", *names, "--out", str(out), "--workers", "2", "--json")
    assert result.exit_code == 0, result.output
    province = json.loads((out / "province.json").read_text(encoding="utf-8"))
    assert [row["dataset"] for row in province["counties"]] == names
    for row in province["counties"]:
        serial = survey_service.run_survey(row["dataset"], write=False)
        county = next(u for u in serial.data["units"] if u["level"] == "county")
        assert {k: v for k, v in row.items() if k != "dataset"} == county
        per_county = json.loads((out / row["dataset"] / "survey.json").read_text(encoding="utf-8"))
        assert per_county["units"] == serial.data["units"]
    assert (out / "province.xlsx").exists()
    assert [row["name"] for row in province["counties"]] == ["富民县", "宜良县", "安宁市"]


def test_zone_layer_in_another_crs_is_refused(tmp_path):
    path = tmp_path / "mixed.gpkg"
    grid_dltb().to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4544")
    zone.to_file(path, layer="STBHHX", engine="pyogrio")
    assert invoke("data", "import", str(path), "--name", "mixed").exit_code == 0
    result = invoke("survey", "run", "mixed", "--out", str(tmp_path / "o"), "--no-maps")
    assert result.exit_code == 2
    assert "STBHHX" in result.output and "EPSG:4544" in result.output
