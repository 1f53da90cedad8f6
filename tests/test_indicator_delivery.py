"""A plan report reads DLTB once and clips it to the 整治区域 once, and the delivered ZZQY carries
each polygon's own 图斑椭球面积 (ZZQYMJ), the pieces summing to the 整治区域 area."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine.area import ellipsoid_area
from landcon.engine.indicators import compose, states
from landcon.engine.layers import DLTB
from landcon.services import plan as plans
from landcon.store.datasets import DatasetStore

runner = CliRunner()
EPSG = 4543


def _invoke(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output[-2000:]


def _split_zzqy(plan: Path) -> int:
    """Cut the plan's 整治区域 into a west and an east polygon (two ZZQY features)."""
    gpkg = plan / "plan.gpkg"
    zz = gpd.read_file(gpkg, layer="ZZQY", engine="pyogrio")
    whole = shapely.union_all(np.asarray(zz.geometry.array, dtype=object))
    x0, y0, x1, y1 = whole.bounds
    mid = (x0 + x1) / 2
    halves = [shapely.intersection(whole, shapely.box(a, y0 - 1, b, y1 + 1)) for a, b in ((x0 - 1, mid), (mid, x1 + 1))]
    rows = zz.iloc[[0, 0]].reset_index(drop=True)
    rows["ZZQYBH"] = ["Q1", "Q2"]
    split = gpd.GeoDataFrame(rows.drop(columns="geometry"), geometry=halves, crs=zz.crs)
    pyogrio.write_dataframe(split, gpkg, layer="ZZQY")
    return len(split)


@pytest.fixture
def dataset(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    src = tmp_path / "county.gpkg"
    _invoke("data", "synth", "--county", "530124", "--features", "400", "--seed", "2", "--format", "gpkg",
            "--out", str(src), "--overwrite")  # fmt: skip
    _invoke("data", "import", str(src), "--name", "demo")
    _invoke("plan", "synth", "demo", "--out", str(tmp_path / "plan"), "--variant", "compliant", "--seed", "2")
    return tmp_path / "plan"


def test_report_reads_and_clips_dltb_once(dataset, tmp_path, monkeypatch) -> None:
    reads: list[str] = []
    clips: list[int] = []
    read_layer = DatasetStore.read_layer

    def counting_read(self, name, layer, columns=None, **kw):  # type: ignore[no-untyped-def]
        reads.append(layer)
        return read_layer(self, name, layer, columns, **kw)

    def counting(clip):  # type: ignore[no-untyped-def]
        def wrapper(geoms, area, epsg, **kw):  # type: ignore[no-untyped-def]
            clips.append(len(geoms))
            return clip(geoms, area, epsg, **kw)

        return wrapper

    monkeypatch.setattr(DatasetStore, "read_layer", counting_read)
    monkeypatch.setattr(states, "clip", counting(states.clip))
    monkeypatch.setattr(compose, "clip", counting(compose.clip))
    plans.write_report(dataset, "demo", tmp_path / "report", maps=True)
    n = len(read_layer(DatasetStore(tmp_path / "data"), "demo", DLTB))
    assert reads.count(DLTB) == 1
    assert clips.count(n) == 1


def test_delivered_zzqy_areas_are_ellipsoid_and_sum_to_the_zone(dataset, tmp_path) -> None:
    count = _split_zzqy(dataset)
    out = tmp_path / "report"
    plans.write_report(dataset, "demo", out, maps=False)
    indicators = json.loads((out / "plan_check.json").read_text(encoding="utf-8"))["indicators"]
    zz = gpd.read_file(out / "入库成果.gpkg", layer="ZZQY", engine="pyogrio")
    after = gpd.read_file(out / "入库成果.gpkg", layer="SDQYZZHDLTB", engine="pyogrio")
    assert len(zz) == count == 2
    own = ellipsoid_area(np.asarray(zz.geometry.array, dtype=object), EPSG)
    zzqymj = zz["ZZQYMJ"].to_numpy(dtype=np.float64)
    # Each polygon's own area (not the total divided by the polygon count: the halves differ).
    np.testing.assert_allclose(zzqymj, own, atol=0.006)
    assert abs(zzqymj[0] - zzqymj[1]) > 1.0
    # The pieces sum to the 整治区域 area within the rounding of each to 0.01 m².
    assert abs(zzqymj.sum() - indicators["area"]["zzqy_m2"]) <= 0.005 * count + 0.005
    tbmj = after["TBMJ"].to_numpy(dtype=np.float64)
    assert abs(tbmj.sum() - zzqymj.sum()) <= 0.005 * len(tbmj) + 0.005 * count
