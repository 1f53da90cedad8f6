"""A replaced dataset keeps its previous version, and a stored plan version keeps reading the dataset
version it was checked against: its diff and its report do not change when the data is replaced.

Store-level tests run on files only; the project tests on SQLite and PostgreSQL (``records_world``:
the 100 m ``grid`` dataset of 530124, a user per role in 530124 and 530102)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import grid_dltb
from fastapi.testclient import TestClient
from plan_fixtures import GOOD, base, box, write_plan
from publicity_fixtures import plan_cleared
from sqlalchemy import select, update
from typer.testing import CliRunner
from web_fixtures import csrf_of, sign_in

from landcon.cli.main import app
from landcon.errors import DatasetNotFound
from landcon.services import datasets, jobs, projects, records
from landcon.store.datasets import DatasetStore
from landcon.store.models import AuditEntry, PlanVersion
from landcon.web.app import create_app

CODE = "FM-2027-01"
SOURCE = {"source": {"path": "/x/grid.gdb", "sha256": "abc"}}


# --- the store ----------------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    return DatasetStore(tmp_path / "data")


def test_versions_are_numbered_kept_and_read_back(store):
    six = grid_dltb()
    store.create("grid", {"DLTB": six}, SOURCE | {"imported_at": "2026-01-01T00:00:00", "imported_by": "a"})
    assert store.manifest("grid")["version"] == 1 and store.version("grid") == 1
    two = six.iloc[:2]
    store.create(
        "grid", {"DLTB": two}, SOURCE | {"imported_at": "2026-02-01T00:00:00", "imported_by": "b"}, replace=True
    )
    assert store.names() == ["grid"]  # the kept version is not a dataset of its own
    assert store.version("grid") == 2 and len(store.read_layer("grid", "DLTB")) == 2
    assert len(store.read_layer("grid", "DLTB", version=1)) == 6
    assert list(store.read_layer("grid", "DLTB", ["BSM"], version=1).columns) == ["BSM", "geometry"]
    assert store.manifest("grid", 1)["layers"]["DLTB"]["features"] == 6
    assert store.manifest("grid", 2) == store.manifest("grid")
    assert store.versions("grid") == [
        {"version": 1, "imported_at": "2026-01-01T00:00:00", "imported_by": "a", "counts": {},
         "features": 0, "current": False},
        {"version": 2, "imported_at": "2026-02-01T00:00:00", "imported_by": "b", "counts": {},
         "features": 0, "current": True},
    ]  # fmt: skip
    for missing in (3, 0, -1):
        with pytest.raises(DatasetNotFound, match=f"没有版本 {missing}"):
            store.read_layer("grid", "DLTB", version=missing)
    store.create("grid", {"DLTB": six}, SOURCE, replace=True)
    assert [v["version"] for v in store.versions("grid")] == [1, 2, 3]
    assert len(store.read_layer("grid", "DLTB", version=2)) == 2
    # Kept versions share the files by hard link where the file system allows: no copy of the data.
    kept = store.folder / ".versions" / "grid" / "2" / "DLTB.parquet"
    assert kept.stat().st_nlink == 1 and kept.stat().st_size > 0  # the current folder no longer holds it
    store.delete("grid")
    assert not store.exists("grid") and not (store.folder / ".versions" / "grid").exists()
    store.create("grid", {"DLTB": six}, SOURCE)
    assert store.version("grid") == 1  # a new dataset of the same name starts again


def test_a_manifest_from_before_versions_counts_as_version_1(store):
    store.create("grid", {"DLTB": grid_dltb()}, SOURCE)
    path = store.folder / "grid" / "manifest.json"
    old = json.loads(path.read_text(encoding="utf-8"))
    del old["version"]
    path.write_text(json.dumps(old), encoding="utf-8")
    assert store.manifest("grid")["version"] == 1
    store.create("grid", {"DLTB": grid_dltb().iloc[:1]}, SOURCE, replace=True)
    assert store.version("grid") == 2
    assert store.manifest("grid", 1)["version"] == 1 and len(store.read_layer("grid", "DLTB", version=1)) == 6


_CHILD = """
import sys
from pathlib import Path
import geopandas as gpd
from shapely.geometry import box
from landcon.store.datasets import DatasetStore

root, tag, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
frame = gpd.GeoDataFrame({"BSM": [tag] * n}, geometry=[box(0, i, 1, i + 1) for i in range(n)], crs="EPSG:4543")
DatasetStore(root).create("demo", {"DLTB": frame}, {"source": tag}, replace=True)
"""


def _write(root: Path, tag: str, n: int, crash: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "LANDCON_TEST_SWAP_CRASH"}
    if crash:
        env["LANDCON_TEST_SWAP_CRASH"] = crash
    return subprocess.run([sys.executable, "-c", _CHILD, str(root), tag, str(n)], env=env, timeout=120).returncode


@pytest.mark.parametrize(("crash", "current"), [("1", 1), ("2", 2)])
def test_a_replacement_killed_between_its_renames_loses_neither_version(tmp_path, crash, current):
    assert _write(tmp_path, "v1", 1) == 0
    assert _write(tmp_path, "v2", 2, crash=crash) == 70  # killed inside the swap
    store = DatasetStore(tmp_path)  # settles the interrupted swap
    assert store.version("demo") == current
    assert list(store.read_layer("demo", "DLTB", version=1)["BSM"]) == ["v1"]
    if current == 2:
        assert list(store.read_layer("demo", "DLTB")["BSM"]) == ["v2", "v2"]
    # The next replacement keeps the current version once (after a roll-back: version 1 again, not twice).
    assert _write(tmp_path, "v3", 3) == 0
    store = DatasetStore(tmp_path)
    assert [v["version"] for v in store.versions("demo")] == list(range(1, current + 2))
    assert list(store.read_layer("demo", "DLTB", version=1)["BSM"]) == ["v1"]
    assert list(store.read_layer("demo", "DLTB")["BSM"]) == ["v3"] * 3


# --- plan versions refer to a dataset version (SQLite and PostgreSQL) ----------------------------------


def _replace_grid(tmp_path: Path, who: records.Actor) -> None:
    """Import grid version 2: field 2's 扣除系数 from 0.1 to 0.2 (净耕地 9 000 → 8 000 m²)."""
    frame = base()
    frame.loc[1, ["KCXS", "KCMJ", "TBDLMJ"]] = [0.2, 2000.0, 8000.0]
    path = tmp_path / "grid-v2.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    datasets.import_dataset(path, "grid", replace=True, who=who)


def _project_with_v1(tmp_path: Path) -> records.Actor:
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇整治", county="530124", units=["530124100"], dataset="grid")
    projects.advance(author, CODE)
    v1 = projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    assert v1["dataset_version"] == 1
    plan_cleared(CODE)
    projects.advance(author, CODE)  # submitted: version 1 is frozen
    projects.reject(records.actor("fm_zrzy"), CODE, comment="补充说明")
    return author


def test_a_stored_plan_keeps_reading_its_dataset_version_after_a_replacement(records_world, tmp_path):
    author = _project_with_v1(tmp_path)
    _replace_grid(tmp_path, author)
    assert datasets.manifest("grid")["version"] == 2
    row = _audit("dataset.replace")
    assert (row.object_id, json.loads(row.changes)["previous_version"]) == ("grid", 1)
    # A new draft starts from version 1's check; saving it checks against the current data (version 2).
    assert projects.new_draft(author, CODE)["dataset_version"] == 1
    v2 = projects.save_plan(author, CODE, write_plan(tmp_path / "v2", GOOD))
    assert v2["dataset_version"] == 2
    assert projects.version_detail(author, CODE, 2)["indicators"]["cultivated"]["before_net_m2"] == 17000.0
    # The same plan on both data versions: the diff is the data change (field 2: 9 000 → 8 000 m² net).
    diff = projects.diff_versions(author, CODE, 1, 2)
    changes = {c["indicator"]: (c["a"], c["b"]) for c in diff["indicators"]}
    assert changes["cultivated.before_net_m2"] == (18000.0, 17000.0)
    assert changes["cultivated.after_net_m2"] == (28000.0, 27000.0)
    assert projects.diff_versions(author, CODE, 1, 1)["indicators"] == []
    # The report of version 1, generated after the replacement, is computed from version 1.
    jobs.submit(author, "plan_report", {"project": CODE, "version": 1, "dataset": "grid"})
    assert jobs.run_one() is True
    check = json.loads((jobs.plan_report_dir(CODE, 1) / "plan_check.json").read_text(encoding="utf-8"))
    assert check["dataset_version"] == 1
    assert check["indicators"]["cultivated"]["before_net_m2"] == 18000.0


def test_a_plan_version_saved_before_versions_existed_reads_version_1(records_world, tmp_path):
    author = _project_with_v1(tmp_path)
    with records.database().engine.begin() as conn:  # a row as migrated: NULL
        conn.execute(update(PlanVersion).values(dataset_version=None))
    _replace_grid(tmp_path, author)
    assert projects.plan_dataset_version(author, CODE, 1) == 1
    projects.new_draft(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "v2", GOOD))
    changes = {c["indicator"]: (c["a"], c["b"]) for c in projects.diff_versions(author, CODE, 1, 2)["indicators"]}
    assert changes["cultivated.before_net_m2"] == (18000.0, 17000.0)


def _audit(action: str) -> AuditEntry:
    with records.read() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
    assert len(rows) == 1
    return rows[0]


def test_versions_are_listed_and_scoped(records_world, tmp_path):
    author = records.actor("fm_author")
    _replace_grid(tmp_path, author)
    listed = datasets.manifest("grid", author)["versions"]
    assert [(v["version"], v["imported_by"], v["features"], v["current"]) for v in listed] == [
        (1, records.system_actor().username, 9, False),
        (2, "fm_author", 9, True),
    ]
    assert datasets.manifest("grid", author, version=1)["counts"] == {"DLTB": 8, "YJJBNTBHTB": 1}
    info = datasets.info("grid", who=author, version=1)
    assert info.version == 1 and info.layers["DLTB"].tbdlmj_by_dlbm_m2 is not None
    assert info.layers["DLTB"].tbdlmj_by_dlbm_m2["0103"] == 18000.0
    assert datasets.info("grid", who=author).layers["DLTB"].tbdlmj_by_dlbm_m2["0103"] == 17000.0
    # Another county's user reads neither the current nor an old version.
    other = records.actor("wh_author")
    for version in (None, 1, 2):
        with pytest.raises(DatasetNotFound):
            datasets.manifest("grid", other, version=version)
        with pytest.raises(DatasetNotFound):
            datasets.info("grid", who=other, version=version)


def test_data_info_and_the_dataset_page_show_the_versions(records_world, tmp_path):
    _replace_grid(tmp_path, records.actor("fm_author"))
    runner = CliRunner()
    out = runner.invoke(app, ["data", "info", "grid", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["version"] == 2 and [v["version"] for v in data["versions"]] == [1, 2]
    old = json.loads(runner.invoke(app, ["data", "info", "grid", "--version", "1", "--json"]).stdout)
    assert old["version"] == 1 and old["layers"]["DLTB"]["tbdlmj_by_dlbm_m2"]["0103"] == 18000.0
    text = runner.invoke(app, ["data", "info", "grid"], env={"COLUMNS": "200"})
    assert text.exit_code == 0 and "fm_author" in text.output and "当前" in text.output
    missing = runner.invoke(app, ["data", "info", "grid", "--version", "7"])
    assert missing.exit_code != 0 and "没有版本 7" in missing.output and "Traceback" not in missing.output
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, "fm_author")
        csrf_of(client)
        page = client.get("/data/grid")
        assert page.status_code == 200
        assert "版本 2（当前）" in page.text and "版本 1" in page.text and "fm_author" in page.text
