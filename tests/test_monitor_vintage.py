"""``landcon data synth-vintage`` end to end: a small synthetic county, its demo plan and records
(``admin seed-demo``), a generated vintage imported with --replace, and ``landcon monitor run``
finding what the generator drew: new farmland carried out, not carried out and turned to forest,
and the unplanned intrusion (SQLite); the same project
as a batch of one on a local Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.store.datasets import DatasetStore
from landcon.store.layers import read_vector_layer
from landcon.synth.vintage import LOST_CLASSES

runner = CliRunner()
ACCEPTED = "DEMO-530124-002"


def _ok(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("vintage")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANDCON_DATA_DIR", str(root / "data"))
        mp.setenv("LANDCON_DATABASE_URL", f"sqlite:///{root / 'data' / 'landcon.db'}")
        mp.delenv("LANDCON_USER", raising=False)
        src, plan = root / "demo.gpkg", root / "plan"
        _ok("data", "synth", "--county", "530124", "--features", "1200", "--seed", "1", "--out", str(src))
        _ok("data", "import", str(src), "--name", "demo")
        _ok("plan", "synth", "demo", "--out", str(plan))
        _ok("db", "upgrade")
        _ok("admin", "seed-demo", "demo", "--plan", str(plan))
        drawn = _ok("data", "synth-vintage", "demo", "--plan", str(plan), "--out", str(root / "v.gpkg"), "--seed", "2")
        again = _ok("data", "synth-vintage", "demo", "--plan", str(plan), "--out", str(root / "w.gpkg"), "--seed", "2")
        _ok("data", "import", drawn["path"], "--name", "demo", "--replace")
        run = _ok("monitor", "run", ACCEPTED, "--as", "demo_supervisor")
        batch = _ok(
            "monitor", "batch", ACCEPTED, "--workers", "1", "--out", str(root / "mb"), "--as", "demo_supervisor"
        )
        yield {"root": root, "drawn": drawn, "again": again, "run": run, "batch": batch, "data": root / "data"}


def test_the_vintage_is_deterministic_and_draws_each_kind(world) -> None:
    drawn, again = world["drawn"], world["again"]
    assert {k: v for k, v in drawn.items() if k != "path"} == {k: v for k, v in again.items() if k != "path"}
    assert drawn["achieved"] and drawn["not_yet"] and len(drawn["lost"]) == 1
    assert drawn["dataset_version"] == 1


def test_monitor_finds_each_class_and_the_intrusion(world) -> None:
    run = world["run"]
    assert (run["before_version"], run["after_version"]) == (1, 2)
    classes = run["classes"]
    for code in ("achieved", "not_yet", "lost", "unplanned_construction"):
        assert classes[code]["area_m2"] > 0 and classes[code]["count"] > 0, code
    # The vintage only adds the intrusion as construction: it is the whole unplanned area.
    store = DatasetStore(world["data"])
    before = store.read_layer("demo", "DLTB", version=1)
    intruded = before[before["BSM"] == world["drawn"]["intrusion"]]
    assert len(intruded) == 1
    changes = read_vector_layer(Path(run["out_dir"]) / "changes.gpkg", "CHANGES")
    cells = changes[changes["CLASS"] == "unplanned_construction"]
    assert set(cells["AFTER_DLBM"]) == {"0702"}
    assert set(cells["BEFORE_DLBM"]) == {intruded["DLBM"].iloc[0]}
    outline = shapely.union_all(np.asarray(cells.geometry.array))
    assert shapely.symmetric_difference(outline, intruded.geometry.iloc[0]).area < 0.01
    assert classes["unplanned_construction"]["area_m2"] == pytest.approx(float(intruded["TBMJ"].iloc[0]), abs=0.02)
    lost = changes[changes["CLASS"] == "lost"]
    assert len(set(lost["AFTER_DLBM"])) == 1 and set(lost["AFTER_DLBM"]) <= set(LOST_CLASSES)


def test_the_batch_on_dask_gives_the_same_areas_as_a_single_run(world) -> None:
    batch, run = world["batch"], world["run"]
    (row,) = batch["projects"]
    assert {k: row[k] for k in run["classes"]} == {k: c["area_m2"] for k, c in run["classes"].items()}
    assert (row["before_version"], row["after_version"]) == (1, 2)
    folder = Path(batch["out_dir"])
    assert sorted(p.name for p in folder.iterdir()) == [ACCEPTED, "monitor-batch.json", "monitor-batch.xlsx"]
    single = json.loads((folder / ACCEPTED / "monitor.json").read_text(encoding="utf-8"))
    assert single["classes"] == run["classes"]
