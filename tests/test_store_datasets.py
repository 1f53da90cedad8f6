"""store.datasets: atomic create / replace / delete, manifest, checksums."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pytest
import shapely
from conftest import grid_dltb

from landcon.errors import DatasetExists, DatasetNotFound, InputReadError, LandconError
from landcon.store import datasets as store_datasets
from landcon.store.datasets import DatasetStore, file_checksum


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    return DatasetStore(tmp_path / "data")


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    dltb = grid_dltb()
    xzq = gpd.GeoDataFrame(
        {"XZQDM": ["530124100"], "XZQMC": ["某某镇"]},
        geometry=[shapely.box(*dltb.total_bounds)],
        crs="EPSG:4543",
    )
    return {"DLTB": dltb, "XZQ": xzq}


MANIFEST = {"name": "grid", "source": {"path": "/x/grid.gdb", "sha256": "abc"}, "crs": {"DLTB": "EPSG:4543"}}


def entries(store: DatasetStore) -> list[str]:
    return sorted(p.name for p in store.folder.iterdir()) if store.folder.exists() else []


def test_nothing_on_disk_until_create(store):
    assert store.names() == [] and not store.exists("grid")
    assert not store.root.exists()


def test_create_read_manifest(store, layers):
    path = store.create("grid", layers, MANIFEST)
    assert path == store.folder / "grid" and entries(store) == ["grid"]
    assert store.names() == ["grid"] and store.exists("grid")
    manifest = store.manifest("grid")
    assert manifest["format_version"] == 1
    assert manifest["source"] == MANIFEST["source"] and manifest["name"] == "grid"
    assert manifest["layers"]["DLTB"]["file"] == "DLTB.parquet"
    assert manifest["layers"]["DLTB"]["features"] == 6 and manifest["layers"]["XZQ"]["features"] == 1
    dltb_file = store.layer_path("grid", "DLTB")
    assert manifest["layers"]["DLTB"]["sha256"] == hashlib.sha256(dltb_file.read_bytes()).hexdigest()
    text = (path / "manifest.json").read_text(encoding="utf-8")
    assert "某某镇" not in text  # attributes are not in the manifest …
    assert json.loads(text) == manifest
    frame = store.read_layer("grid", "DLTB")
    assert frame.crs.to_epsg() == 4543 and len(frame) == 6
    assert frame["DLMC"].tolist() == layers["DLTB"]["DLMC"].tolist()
    assert frame["SJNF"].dtype == "int64"
    assert frame.geometry.geom_equals_exact(layers["DLTB"].geometry, tolerance=0).all()
    assert store.read_layer("grid", "XZQ")["XZQMC"].tolist() == ["某某镇"]
    some = store.read_layer("grid", "DLTB", columns=["BSM", "DLBM"])
    assert list(some.columns) == ["BSM", "DLBM", "geometry"]


def test_manifest_keeps_chinese_readable(store, layers):
    store.create("某县-2023", layers, {"title": "某某县三调"})
    text = (store.folder / "某县-2023" / "manifest.json").read_text(encoding="utf-8")
    assert '"title": "某某县三调"' in text
    assert store.names() == ["某县-2023"]


def test_geoparquet_has_bbox_covering(store, layers):
    import pyarrow.parquet as pq

    store.create("grid", layers, MANIFEST)
    schema = pq.read_schema(store.layer_path("grid", "DLTB"))
    geo = json.loads(schema.metadata[b"geo"])
    assert "bbox" in schema.names and "covering" in geo["columns"]["geometry"]


def test_exists_without_replace(store, layers):
    store.create("grid", layers, MANIFEST)
    with pytest.raises(DatasetExists):
        store.create("grid", layers, MANIFEST)
    assert entries(store) == ["grid"]


def test_replace_swaps(store, layers):
    store.create("grid", layers, MANIFEST)
    store.create("grid", {"DLTB": layers["DLTB"].iloc[:2]}, {"version": 2}, replace=True)
    manifest = store.manifest("grid")
    assert manifest["version"] == 2 and list(manifest["layers"]) == ["DLTB"]
    assert len(store.read_layer("grid", "DLTB")) == 2
    assert entries(store) == [".versions", "grid"]  # the replaced data is kept as version 1
    assert sorted(p.name for p in (store.folder / "grid").iterdir()) == ["DLTB.parquet", "manifest.json"]
    assert len(store.read_layer("grid", "DLTB", version=1)) == len(layers["DLTB"])


def test_failure_mid_write_leaves_nothing(store, layers, monkeypatch):
    real = store_datasets.write_parquet
    calls = []

    def failing(frame, path):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError("disk full")
        real(frame, path)

    monkeypatch.setattr(store_datasets, "write_parquet", failing)
    with pytest.raises(OSError):
        store.create("grid", layers, MANIFEST)
    assert calls == ["DLTB.parquet", "XZQ.parquet"]
    assert entries(store) == [] and not store.exists("grid")


def test_failed_replace_keeps_the_old_dataset(store, layers, monkeypatch):
    store.create("grid", layers, MANIFEST)
    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", lambda *a, **k: (_ for _ in ()).throw(OSError("full")))
    with pytest.raises(OSError):
        store.create("grid", layers, {"version": 2}, replace=True)
    assert entries(store) == ["grid"]
    assert store.manifest("grid")["name"] == "grid"


@pytest.mark.parametrize("name", ["", "a/b", "..", ".tmp", "a b", "x" * 65, "名字.gdb"])
def test_bad_names_rejected(store, layers, name):
    with pytest.raises(LandconError):
        store.create(name, layers, MANIFEST)
    assert not store.exists(name)
    assert entries(store) == []


def test_missing_dataset_and_layer(store, layers):
    with pytest.raises(DatasetNotFound):
        store.manifest("nope")
    with pytest.raises(DatasetNotFound):
        store.read_layer("nope", "DLTB")
    with pytest.raises(DatasetNotFound):
        store.delete("nope")
    store.create("grid", layers, MANIFEST)
    with pytest.raises(DatasetNotFound) as info:
        store.read_layer("grid", "CJDCQ")
    assert info.value.layer == "CJDCQ"


def test_path_like_names_are_simply_absent(store):
    assert store.exists("/tmp/grid.gpkg") is False  # services.info asks with paths too


def test_delete(store, layers):
    store.create("grid", layers, MANIFEST)
    store.create("other", layers, MANIFEST)
    store.delete("grid")
    assert store.names() == ["other"] and entries(store) == ["other"]


def test_file_checksum(tmp_path):
    a = tmp_path / "a.bin"
    a.write_bytes(b"x" * (3 * 1024 * 1024 + 5))
    assert file_checksum(a) == hashlib.sha256(a.read_bytes()).hexdigest()
    folder = tmp_path / "f.gdb"
    (folder / "sub").mkdir(parents=True)
    (folder / "b").write_bytes(b"2")
    (folder / "sub" / "a").write_bytes(b"1")
    first = file_checksum(folder)
    assert first == file_checksum(folder) and len(first) == 64
    (folder / "b").write_bytes(b"3")
    assert file_checksum(folder) != first
    (folder / "b").write_bytes(b"2")
    (folder / "b").rename(folder / "c")
    assert file_checksum(folder) != first  # names count too
    with pytest.raises(InputReadError):
        file_checksum(tmp_path / "missing")


def test_staged_dataset_left_without_commit_leaves_nothing(store, layers):
    # the import writes layers while validation runs; a refused import leaves the context early
    with pytest.raises(RuntimeError), store.stage("staged", layers) as staged:
        assert staged.tmp.is_dir()
        raise RuntimeError("validation found errors")
    assert not store.exists("staged")
    assert [p.name for p in store.folder.iterdir()] == []


def test_staged_dataset_commit_makes_it_visible(store, layers):
    with store.stage("staged", layers) as staged:
        assert not store.exists("staged")
        staged.commit({"source": "test"})
    assert store.exists("staged") and store.manifest("staged")["source"] == "test"
    assert sorted(p.name for p in store.folder.iterdir()) == ["staged"]


def test_folders_of_an_interrupted_import_are_cleaned_later(store, layers):
    import os

    store.folder.mkdir(parents=True)
    stale = store.folder / ".tmp-grid-killed"
    stale.mkdir()
    (stale / "DLTB.parquet").write_bytes(b"half written")
    os.utime(stale, (0, 0))  # from long ago
    recent = store.folder / ".tmp-other-running"
    recent.mkdir()  # another import still writing: left alone
    store.create("grid", layers, MANIFEST)
    assert entries(store) == [".tmp-other-running", "grid"]
