"""store.layers: every source format round-trips; Shapefile encodings; discovery; zip safety."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CELL, X0, Y0, grid_dltb

from landcon.engine.schema import validate_layer
from landcon.errors import EncodingError, InputReadError, LandconError
from landcon.store import layers as store_layers
from landcon.store.layers import detect_dbf_encoding, list_source_layers, read_layers, write_layers

TEXT_FIELDS = ["BSM", "DLBM", "DLMC", "ZLDWMC", "QSDWMC"]


def small_grid() -> gpd.GeoDataFrame:
    """The 3 × 2 grid of 100 m cells with a few fields (short names: fine for Shapefiles)."""
    frame = grid_dltb()[["BSM", "DLBM", "DLMC", "ZLDWMC", "QSDWMC", "TBMJ", "SJNF", "geometry"]].copy()
    frame["ZLDWMC"] = "某某村委会"
    return frame


def xzq() -> gpd.GeoDataFrame:
    """One township covering the grid, with a hole-free odd-coordinate outline (sub-mm vertices)."""
    outline = shapely.Polygon(
        [(X0, Y0), (X0 + 3 * CELL, Y0), (X0 + 3 * CELL + 0.00037, Y0 + 2 * CELL + 0.12345), (X0, Y0 + 2 * CELL)]
    )
    return gpd.GeoDataFrame(
        {"XZQDM": ["530124100"], "XZQMC": ["某某镇"], "SJNF": np.array([2023], dtype="int64")},
        geometry=[outline],
        crs="EPSG:4543",
    )


def multipart() -> gpd.GeoDataFrame:
    """A YJJBNT layer holding one true two-part polygon and one single polygon."""
    two = shapely.MultiPolygon([shapely.box(X0, Y0, X0 + 50, Y0 + 50), shapely.box(X0 + 200, Y0, X0 + 250, Y0 + 50)])
    return gpd.GeoDataFrame(
        {"BSM": ["1", "2"], "DLMC": ["水田", "旱地"]},
        geometry=[two, shapely.box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 150)],
        crs="EPSG:4543",
    )


def assert_same(read: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    assert len(read) == len(expected)
    assert read.crs is not None and read.crs.to_epsg() == 4543
    for column in expected.columns:
        if column == "geometry":
            continue
        if pd.api.types.is_integer_dtype(expected[column].dtype):
            assert pd.api.types.is_integer_dtype(read[column].dtype), (column, read[column].dtype)
            assert read[column].tolist() == expected[column].tolist()
        elif pd.api.types.is_float_dtype(expected[column].dtype):
            np.testing.assert_allclose(read[column].to_numpy(float), expected[column].to_numpy(float))
        else:
            assert read[column].tolist() == expected[column].tolist(), column
    got = np.asarray(read.geometry.array, dtype=object)
    want = np.asarray(expected.geometry.array, dtype=object)
    np.testing.assert_allclose(shapely.area(got), shapely.area(want), rtol=1e-6)
    # vertices within 0.1 mm (orientation and start point may change: compare by distance)
    assert (shapely.hausdorff_distance(got, want) < 1e-4).all()
    assert list(shapely.get_type_id(got)) == list(shapely.get_type_id(want))


@pytest.fixture
def source_layers() -> dict[str, gpd.GeoDataFrame]:
    return {"DLTB": small_grid(), "XZQ": xzq(), "YJJBNTTB": multipart()}


def check_read(path: Path, source: dict[str, gpd.GeoDataFrame]) -> dict[str, store_layers.SourceLayer]:
    read = read_layers(path)
    assert set(read) == {"DLTB", "XZQ", "YJJBNTBHTB"}
    assert_same(read["DLTB"].frame, source["DLTB"])
    assert_same(read["XZQ"].frame, source["XZQ"])
    assert_same(read["YJJBNTBHTB"].frame, source["YJJBNTTB"])
    assert read["YJJBNTBHTB"].source_name.startswith("YJJBNTTB")
    return read


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gpkg", "gdb", "shp", "parquet"])
def test_round_trip_every_format(tmp_path, source_layers, fmt):
    written = write_layers(source_layers, tmp_path / f"out.{fmt}", fmt)
    assert written.exists()
    read = check_read(written, source_layers)
    if fmt == "shp":
        assert read["DLTB"].encoding == "UTF-8"
        assert read["DLTB"].source_name == "DLTB.shp"
    else:
        assert read["DLTB"].encoding is None
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_gdb_with_chinese_layer_and_zipped(tmp_path, source_layers):
    layers = dict(source_layers) | {"现状道路": small_grid()}
    gdb = write_layers(layers, tmp_path / "county.gdb", "gdb")
    assert sorted(list_source_layers(gdb)) == sorted(["DLTB", "XZQ", "YJJBNTTB", "现状道路"])
    check_read(gdb, source_layers)
    zipped = tmp_path / "county.gdb.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in gdb.rglob("*"):
            zf.write(file, file.relative_to(tmp_path).as_posix())
    read = check_read(zipped, source_layers)
    assert read["DLTB"].path.endswith("county.gdb.zip/county.gdb")


def test_gdb_keeps_sub_millimetre_coordinates_and_drops_shape_fields(tmp_path):
    gdb = write_layers({"XZQ": xzq()}, tmp_path / "x", "gdb")
    assert gdb.name == "x.gdb"
    frame = read_layers(gdb)["XZQ"].frame
    assert "SHAPE_AREA" not in frame.columns and "SHAPE_LENGTH" not in frame.columns
    assert frame.geometry.iloc[0].geom_type == "Polygon"  # single-part MultiPolygon → Polygon
    assert frame["SJNF"].dtype == "int64"
    got = shapely.get_coordinates(frame.geometry.iloc[0].exterior)
    assert np.isclose(got[:, 1], Y0 + 2 * CELL + 0.12345, atol=1e-6).any()


def test_zip_of_shapefile_folder(tmp_path, source_layers):
    folder = write_layers(source_layers, tmp_path / "shp", "shp")
    archive = tmp_path / "shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in folder.iterdir():
            zf.write(file, f"shp/{file.name}")
    read = check_read(archive, source_layers)
    assert read["DLTB"].path.endswith("shp.zip/shp/DLTB.shp")
    assert not Path(read["DLTB"].path).exists()  # extracted copy cleaned up


def test_single_files(tmp_path):
    grid = small_grid()
    shp = tmp_path / "dltb.shp"
    grid.to_file(shp, engine="pyogrio")
    layer = read_layers(shp)["DLTB"]
    assert layer.source_name == "dltb.shp" and layer.path == str(shp)
    assert_same(layer.frame, grid)
    parquet = tmp_path / "DLTB.parquet"
    grid.to_parquet(parquet)
    assert_same(read_layers(parquet)["DLTB"].frame, grid)


def test_overwrite_is_refused_unless_asked(tmp_path, source_layers):
    out = write_layers(source_layers, tmp_path / "o.gpkg", "gpkg")
    with pytest.raises(LandconError):
        write_layers(source_layers, out, "gpkg")
    write_layers({"DLTB": small_grid()}, out, "gpkg", overwrite=True)
    assert list_source_layers(out) == ["DLTB"]
    folder = write_layers(source_layers, tmp_path / "p", "parquet")
    with pytest.raises(LandconError):
        write_layers(source_layers, folder, "parquet")
    write_layers({"XZQ": xzq()}, folder, "parquet", overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == ["XZQ.parquet"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", boom)
    with pytest.raises(RuntimeError):
        write_layers({"DLTB": small_grid()}, tmp_path / "p", "parquet")
    assert list(tmp_path.iterdir()) == []


# --- Shapefile encodings ------------------------------------------------------------------------


def gbk_shapefile(folder: Path, *, cpg: bool, prj: bool = True) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "DLTB.shp"
    small_grid().to_file(path, engine="pyogrio", encoding="GBK")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def assert_chinese(frame: gpd.GeoDataFrame) -> None:
    assert frame["DLMC"].tolist() == ["水田", "水田", "旱地", "乔木林地", "农村宅基地", "果园"]
    assert set(frame["ZLDWMC"]) == {"某某村委会"}
    assert not frame["DLMC"].str.contains("Ë®Ìï").any()


def test_gbk_with_cpg(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=True)
    assert path.with_suffix(".cpg").read_text().strip() == "GBK"
    layer = read_layers(path.parent)["DLTB"]
    assert layer.encoding == "GBK"
    assert_chinese(layer.frame)


@pytest.mark.parametrize("cpg_text", ["936", "CP936", "ANSI 936", "gbk"])
def test_cpg_spellings(tmp_path, cpg_text):
    path = gbk_shapefile(tmp_path / "a", cpg=True)
    path.with_suffix(".cpg").write_text(cpg_text)
    assert_chinese(read_layers(path)["DLTB"].frame)


def test_gbk_without_cpg_is_detected(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=False)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "GBK"
    layer = read_layers(path.parent)["DLTB"]
    assert layer.encoding == "GBK"
    assert_chinese(layer.frame)


def test_utf8_without_cpg_is_detected(tmp_path):
    folder = tmp_path / "u"
    folder.mkdir()
    path = folder / "DLTB.shp"
    small_grid().to_file(path, engine="pyogrio", encoding="UTF-8")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "UTF-8"
    layer = read_layers(folder)["DLTB"]
    assert layer.encoding == "UTF-8"
    assert_chinese(layer.frame)


def test_ascii_only_dbf_is_utf8(tmp_path):
    frame = small_grid()[["BSM", "DLBM", "geometry"]]
    frame.to_file(tmp_path / "DLTB.shp", engine="pyogrio")
    assert detect_dbf_encoding(tmp_path / "DLTB.dbf") == "UTF-8"


def test_short_gbk_text_that_is_also_valid_utf8(tmp_path):
    # 某 in GBK is C4 B3, which is also valid UTF-8 (ĳ): the Chinese reading must win
    frame = gpd.GeoDataFrame({"NAME": ["某"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4543")
    frame.to_file(tmp_path / "DLTB.shp", engine="pyogrio", encoding="GBK")
    (tmp_path / "DLTB.cpg").unlink()
    assert detect_dbf_encoding(tmp_path / "DLTB.dbf") == "GBK"


def test_forced_encoding_overrides_cpg(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=True)
    path.with_suffix(".cpg").write_text("UTF-8")  # a lying .cpg
    with pytest.raises(EncodingError) as info:
        read_layers(path)
    assert info.value.field in {"DLMC", "ZLDWMC", "QSDWMC"}
    layer = read_layers(path, encoding="GBK")["DLTB"]
    assert_chinese(layer.frame)


def test_forced_wrong_encoding_is_refused(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=False)
    with pytest.raises(EncodingError) as info:
        read_layers(path.parent, encoding="latin1")
    error = info.value
    assert error.field == "DLMC" and error.layer == "DLTB" and error.feature == 0
    assert "DLTB.shp" in str(error) and "DLMC" in str(error)


def test_forced_utf8_on_gbk_bytes_is_refused(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=False)
    with pytest.raises(EncodingError) as info:
        read_layers(path.parent, encoding="UTF-8")
    assert info.value.field == "DLMC" and info.value.feature == 0


def test_mojibake_baked_into_utf8_formats_is_left_to_the_validator(tmp_path):
    # GeoParquet/GeoPackage/FileGDB text is UTF-8 by specification: the reader does not decode
    # it, the validator flags it (TEXT_ENCODING is an error, so it is never imported)
    frame = small_grid()
    frame.loc[3, "ZLDWMC"] = "Ë®Ìï"
    frame.to_parquet(tmp_path / "DLTB.parquet")
    layer = read_layers(tmp_path)["DLTB"]
    problems = [p for p in validate_layer("DLTB", layer.frame) if p.code == "TEXT_ENCODING"]
    assert [(p.field, p.severity) for p in problems] == [("ZLDWMC", "error")]


def test_latin1_in_chinese_text_is_not_mojibake(tmp_path):
    frame = small_grid()
    frame.loc[0, "ZLDWMC"] = "阿卜杜拉·某某"  # middle dot next to Chinese
    frame.loc[1, "ZLDWMC"] = "25°"
    frame.to_parquet(tmp_path / "DLTB.parquet")
    assert read_layers(tmp_path)["DLTB"].frame["ZLDWMC"].iloc[0] == "阿卜杜拉·某某"


def test_unknown_encoding_name(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=True)
    with pytest.raises(EncodingError):
        read_layers(path, encoding="no-such-codec")


def test_shapefile_without_prj_has_no_crs(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=True, prj=False)
    layer = read_layers(path)["DLTB"]
    assert layer.frame.crs is None
    np.testing.assert_allclose(layer.frame.total_bounds, [X0, Y0, X0 + 300, Y0 + 200])


def test_detection_streams_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(store_layers, "_DBF_CHUNK_ROWS", 2)
    path = gbk_shapefile(tmp_path / "a", cpg=False)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "GBK"
    with open(path.with_suffix(".dbf"), "rb") as stream:
        assert store_layers._first_undecodable(stream, "utf-8")[:2] == ("DLMC", 0)


# --- discovery and errors -------------------------------------------------------------------------


def test_discovery_aliases_and_lowercase_fields(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    lower = small_grid().rename(columns=str.lower).rename_geometry("geom")
    lower.to_file(folder / "dltb.shp", engine="pyogrio")
    multipart().to_file(folder / "yjjbnt.shp", engine="pyogrio")
    small_grid().to_file(folder / "other.shp", engine="pyogrio")
    read = read_layers(folder)
    assert set(read) == {"DLTB", "YJJBNTBHTB"}
    assert read["YJJBNTBHTB"].source_name == "yjjbnt.shp"
    assert list(read["DLTB"].frame.columns) == ["BSM", "DLBM", "DLMC", "ZLDWMC", "QSDWMC", "TBMJ", "SJNF", "geometry"]
    assert sorted(list_source_layers(folder)) == ["dltb.shp", "other.shp", "yjjbnt.shp"]
    only = read_layers(folder, layers=["yjjbnttb"])
    assert list(only) == ["YJJBNTBHTB"]
    with pytest.raises(InputReadError):
        read_layers(folder, layers=["XZQ"])


def test_gpkg_yjjbnttb_layer(tmp_path):
    path = tmp_path / "sqsx.gpkg"
    multipart().to_file(path, layer="YJJBNTTB", engine="pyogrio")
    layer = read_layers(path)["YJJBNTBHTB"]
    assert layer.source_name == "YJJBNTTB"
    assert list(layer.frame.geom_type) == ["MultiPolygon", "Polygon"]


def test_unknown_path(tmp_path):
    with pytest.raises(InputReadError) as info:
        read_layers(tmp_path / "missing.gdb")
    assert "missing.gdb" in str(info.value)


def test_no_standard_layer(tmp_path):
    path = tmp_path / "x.gpkg"
    small_grid().to_file(path, layer="roads", engine="pyogrio")
    with pytest.raises(InputReadError) as info:
        read_layers(path)
    assert "roads" in str(info.value)


def test_unreadable_file(tmp_path):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"not a geopackage")
    with pytest.raises(InputReadError):
        read_layers(path)
    bad_zip = tmp_path / "broken.zip"
    bad_zip.write_bytes(b"PK nonsense")
    with pytest.raises(InputReadError):
        read_layers(bad_zip)


@pytest.mark.parametrize("member", ["../evil.shp", "/abs/DLTB.shp", "a/../../evil.txt"])
def test_zip_with_escaping_member_is_rejected(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("DLTB.parquet", b"x")
        zf.writestr(member, b"x")
    with pytest.raises(InputReadError) as info:
        read_layers(archive)
    assert "evil.zip" in str(info.value)
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(store_layers, "MAX_ZIP_BYTES", 100)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("DLTB.parquet", b"\0" * 1000)
    with pytest.raises(InputReadError):
        read_layers(archive)


def test_zip_temp_folder_removed_on_error(tmp_path, monkeypatch):
    monkeypatch.setattr(store_layers.tempfile, "tempdir", str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("DLTB.parquet", b"not parquet")
    with pytest.raises(InputReadError):
        read_layers(archive)
    assert os.listdir(tmp_path / "t") == []


def test_same_layer_twice_is_ambiguous(tmp_path):
    small_grid().to_parquet(tmp_path / "DLTB.parquet")
    small_grid().to_file(tmp_path / "DLTB.shp", engine="pyogrio")
    with pytest.raises(InputReadError):
        read_layers(tmp_path)


def test_gdb_zipped_from_inside_the_folder(tmp_path, source_layers):
    gdb = write_layers(source_layers, tmp_path / "county.gdb", "gdb")
    archive = tmp_path / "flat.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in gdb.iterdir():
            zf.write(file, file.name)
    check_read(archive, source_layers)


def test_unknown_cpg_falls_back_to_detection(tmp_path):
    path = gbk_shapefile(tmp_path / "a", cpg=True)
    path.with_suffix(".cpg").write_text("no-such-code-page")
    layer = read_layers(path)["DLTB"]
    assert layer.encoding == "GBK"
    assert_chinese(layer.frame)


def test_gb18030_only_characters(tmp_path):
    frame = small_grid()
    frame.loc[0, "ZLDWMC"] = "𠀀村委会"  # outside GBK: needs GB18030's four-byte form
    frame.to_file(tmp_path / "DLTB.shp", engine="pyogrio", encoding="GB18030")
    (tmp_path / "DLTB.cpg").unlink(missing_ok=True)
    assert detect_dbf_encoding(tmp_path / "DLTB.dbf") == "GB18030"
    assert read_layers(tmp_path)["DLTB"].frame["ZLDWMC"].iloc[0] == "𠀀村委会"


def test_shp_writer_in_gbk(tmp_path, source_layers):
    folder = write_layers(source_layers, tmp_path / "gbk", "shp", encoding="GBK")
    assert (folder / "DLTB.cpg").read_text().strip() == "GBK"
    (folder / "DLTB.cpg").unlink()
    assert detect_dbf_encoding(folder / "DLTB.dbf") == "GBK"
    read = check_read(folder, source_layers)
    assert read["DLTB"].encoding == "GBK" and read["XZQ"].encoding == "GBK"


def test_truncated_dbf_names_the_file(tmp_path):
    small_grid().to_file(tmp_path / "DLTB.shp", engine="pyogrio")
    (tmp_path / "DLTB.cpg").unlink()
    (tmp_path / "DLTB.dbf").write_bytes(b"\x03\x00")
    with pytest.raises(InputReadError) as info:
        read_layers(tmp_path)
    assert "DLTB.shp" in str(info.value) and info.value.layer == "DLTB"
