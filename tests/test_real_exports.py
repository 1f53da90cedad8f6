"""Exports shaped like real county data are accepted (issue 15 §1): 0 for empty numbers in every
format, layer files named with the county code or year, and a dataset without DLTB refused."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import X0, Y0, grid_dltb
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.errors import InputReadError
from landcon.services import datasets
from landcon.store.layers import read_layers, write_layers

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def exported_grid() -> gpd.GeoDataFrame:
    """The 3 × 2 grid as an export writes it: 0 in GDDB, KCXS, GDPDJB of the three non-耕地 cells."""
    frame = grid_dltb()
    frame["GDDB"] = np.array([7, 7, 7, 0, 0, 0], dtype=np.int64)
    frame["KCXS"] = [0.1, 0.1, 0.1, 0.0, 0.0, 0.0]
    frame["GDPDJB"] = ["3", "3", "3", "0", "0", "0"]
    return frame


def xzq(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "BSM": ["1"],
            "YSDM": ["1000600100"],
            "XZQDM": ["530124100"],
            "XZQMC": ["某某镇"],
            "DCMJ": [60000.0],
            "JSMJ": [60000.0],
        },
        geometry=[shapely.box(*frame.total_bounds)],
        crs=frame.crs,
    )


def write(fmt: str, layers: dict[str, gpd.GeoDataFrame], out: Path) -> Path:
    """gpkg / gdb via landcon's writer; shp as a GBK Shapefile folder without .cpg files."""
    if fmt == "shp":
        path = write_layers(layers, out, "shp", encoding="GBK")
        for cpg in path.glob("*.cpg"):
            cpg.unlink()
        return path
    return write_layers(layers, out, fmt)  # type: ignore[arg-type]


# --- 0 means empty ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "gdb"])
def test_zero_for_empty_numbers_is_accepted_in_every_format(tmp_path, fmt):
    path = write(fmt, {"DLTB": exported_grid()}, tmp_path / "export")
    report = datasets.validate(path)
    assert [p.code for p in report.errors] == []
    result = datasets.import_dataset(path, "county")
    stored = datasets.store().read_layer(result.name, "DLTB")
    assert list(stored["GDDB"].iloc[:3]) == [7, 7, 7] and stored["GDDB"].iloc[3:].isna().all()
    assert stored["KCXS"].iloc[3:].isna().all() and stored["GDPDJB"].iloc[3:].isna().all()


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "gdb"])
def test_zero_grade_on_cultivated_land_is_refused_in_every_format(tmp_path, fmt):
    frame = exported_grid()
    frame.loc[1, "GDDB"] = 0  # a 水田 without a grade
    report = datasets.validate(write(fmt, {"DLTB": frame}, tmp_path / "export"))
    assert [(p.feature, p.field, p.code) for p in report.errors] == [("530124100201000002", "GDDB", "CODE_INVALID")]


# --- layer names as counties write them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("dltb_name", "xzq_name"),
    [("DLTB5301242023", "530124XZQ"), ("DLTB_2023", "xzq_530124"), ("dltb-530124", "XZQ2023")],
)
def test_shapefiles_named_with_county_code_or_year(tmp_path, dltb_name, xzq_name):
    frame = grid_dltb()
    path = write("shp", {dltb_name: frame, xzq_name: xzq(frame)}, tmp_path / "export")
    report = datasets.validate(path)
    assert report.valid, [p.message for p in report.errors]
    assert report.layers["DLTB"]["source_layer"] == f"{dltb_name}.shp"
    assert report.layers["XZQ"]["source_layer"] == f"{xzq_name}.shp"
    assert report.layers["DLTB"]["file"].endswith(f"{dltb_name}.shp")


def test_gdb_layers_named_with_the_county_code(tmp_path):
    frame = grid_dltb()
    path = write("gdb", {"DLTB530124": frame, "XZQ530124": xzq(frame), "XZQJX530124": xzq(frame)}, tmp_path / "x")
    read = read_layers(path)
    assert {n: layer.source_name for n, layer in read.items()} == {"DLTB": "DLTB530124", "XZQ": "XZQ530124"}


def test_import_json_and_info_say_which_file_was_taken_as_which_layer(tmp_path):
    frame = grid_dltb()
    path = write("shp", {"DLTB5301242023": frame}, tmp_path / "export")
    imported = runner.invoke(app, ["data", "import", str(path), "--name", "county", "--json"])
    assert imported.exit_code == 0, imported.output
    source = json.loads(imported.stdout)["manifest"]["source"]["layers"]["DLTB"]
    assert source["source_layer"] == "DLTB5301242023.shp" and source["file"].endswith("DLTB5301242023.shp")
    text = runner.invoke(app, ["data", "import", str(path), "--name", "again"])
    assert "DLTB ← " in text.output and "DLTB5301242023.shp" in text.output
    for target in ("county", str(path)):
        info = json.loads(runner.invoke(app, ["data", "info", target, "--json"]).stdout)
        assert info["source_layers"]["DLTB"]["source_layer"] == "DLTB5301242023.shp"


def test_two_candidates_for_one_layer_are_refused_naming_both(tmp_path):
    frame = grid_dltb()
    path = write("shp", {"DLTB2022": frame, "DLTB2023": frame}, tmp_path / "export")
    with pytest.raises(InputReadError) as info:
        datasets.validate(path)
    message = str(info.value)
    assert info.value.layer == "DLTB" and "都可作为 DLTB" in message
    assert "DLTB2022.shp" in message and "DLTB2023.shp" in message


def test_no_recognisable_layer_lists_what_was_found_and_how_to_name_it(tmp_path):
    frame = grid_dltb()
    path = write("gpkg", {"地类图斑": frame, "roads": frame}, tmp_path / "export")
    result = runner.invoke(app, ["data", "validate", str(path)])
    assert result.exit_code == 2
    assert "地类图斑" in result.output and "roads" in result.output and "DLTB5301242023.shp" in result.output


# --- DLTB is required ----------------------------------------------------------------------------


def test_missing_dltb_is_an_error_naming_the_file_and_the_layers_found(tmp_path, data_dir):
    frame = grid_dltb()
    path = write("gpkg", {"XZQ": xzq(frame), "roads": frame}, tmp_path / "export")
    result = runner.invoke(app, ["data", "validate", str(path), "--json"])
    assert result.exit_code == 1
    errors = [p for p in json.loads(result.stdout)["problems"] if p["severity"] == "error"]
    assert [(p["layer"], p["code"]) for p in errors] == [("DLTB", "LAYER_MISSING")]
    assert str(path) in errors[0]["message"] and "roads" in errors[0]["message"] and "XZQ" in errors[0]["message"]
    imported = runner.invoke(app, ["data", "import", str(path), "--name", "nodltb"])
    assert imported.exit_code == 1 and "LAYER_MISSING" in imported.output
    assert not (data_dir / "datasets" / "nodltb").exists()


def test_empty_dltb_is_an_error(tmp_path, data_dir):
    frame = grid_dltb()
    path = write("gpkg", {"DLTB": frame.iloc[0:0], "XZQ": xzq(frame)}, tmp_path / "export")
    imported = runner.invoke(app, ["data", "import", str(path), "--name", "empty", "--json"])
    assert imported.exit_code == 1
    assert not (data_dir / "datasets" / "empty").exists()
    report = datasets.validate(path)
    assert [(p.layer, p.code) for p in report.errors] == [("DLTB", "LAYER_EMPTY")]
    assert str(path) in report.errors[0].message


# --- the area diagnostic ------------------------------------------------------------------------------


def test_info_reports_the_difference_between_the_legal_and_the_refined_area(tmp_path):
    # One 1 km triangle 107 km east of the meridian beside the grid: 14.59 m² (2.9e-5) below the
    # refined area; the grid cells (edges along the grid) differ by almost nothing.
    x0 = X0 + 107_000
    tri = shapely.Polygon([(x0, Y0), (x0 + 1000, Y0), (x0 + 300, Y0 + 1000)])
    from conftest import dltb_row

    from landcon.engine.area import ellipsoid_area

    tbmj = round(float(ellipsoid_area([tri], 4543)[0]), 2)
    frame = grid_dltb([dltb_row("T1", "0301", tri, TBMJ=tbmj, TBDLMJ=tbmj)])
    path = write("gpkg", {"DLTB": frame}, tmp_path / "export")
    result = runner.invoke(app, ["data", "info", str(path), "--json"])
    diff = json.loads(result.stdout)["layers"]["DLTB"]["area_method_difference"]
    assert round(diff["max_abs_m2"], 2) == -14.59 and diff["max_abs_feature"] == "T1"
    assert diff["max_rel"] == pytest.approx(2.92e-5, rel=0.01) and diff["max_rel_feature"] == "T1"
    text = runner.invoke(app, ["data", "info", str(path)]).output
    assert "-14.59" in text and "T1" in text


# --- invariant over synthetic counties ------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_county_exported_the_county_way_validates(tmp_path, seed):
    # A county's export: GBK Shapefiles without .cpg, files named with the county code and year,
    # 0 written for every empty GDDB / KCXS / GDPDJB off 耕地. Every layer is recognised, TBMJ (the
    # legal area) validates, nothing is an error, and the stored empties are empty again.
    from landcon.engine import codes
    from landcon.synth.county import generate_county

    layers = generate_county("530124", 1000, seed, 4543)
    dltb = layers["DLTB"].copy()
    off = ~dltb["DLBM"].isin(codes.CULTIVATED_CODES)
    dltb["GDDB"] = dltb["GDDB"].fillna(0).astype(np.int64)
    dltb["KCXS"] = dltb["KCXS"].fillna(0.0)
    dltb["GDPDJB"] = dltb["GDPDJB"].where(~off, "0")
    named = {"DLTB": "DLTB5301242023", "XZQ": "530124XZQ", "CJDCQ": "CJDCQ_2023"}
    export = {named.get(n, f"{n}530124"): (dltb if n == "DLTB" else frame) for n, frame in layers.items()}
    path = write("shp", export, tmp_path / "export")
    report = datasets.validate(path)
    assert set(report.layers) == set(layers)
    assert report.layers["DLTB"]["source_layer"] == "DLTB5301242023.shp"
    assert report.layers["DLTB"]["encoding"] == "GBK"
    assert [(p.layer, p.feature, p.code) for p in report.errors] == []
    stored = datasets.store().read_layer(datasets.import_dataset(path, f"county{seed}").name, "DLTB")
    off_stored = ~stored["DLBM"].isin(codes.CULTIVATED_CODES)
    assert stored.loc[off_stored, ["GDDB", "KCXS", "GDPDJB"]].isna().all().all()
    assert (stored.loc[~off_stored, "GDDB"].between(1, 15)).all()
