"""``services.monitor.detect`` on the records world (SQLite and PostgreSQL): the approved ledger plan
(``ledger_fixtures.linkage_plan``) against a vintage of the ``grid`` dataset imported with --replace.

Planned 新增耕地: the orchard (2,0) → 0103 and the 拆旧 homestead (3,0) → 0103 (20,000 m²). Vintage:
(2,0) is 0103 at 等别 9 (achieved 10,000 m², net 9,000), (3,0) still 0702 (not yet 10,000), (1,0)
0103 → 0201 inside 永农 box(0,0,2,1) (永农 lost and 耕地→园地 10,000), (0,1) 0301 → 0702 (unplanned
10,000) and (3,1) 0404 → 0702 whose left half is the planned 建新 (unplanned: the right half, 5,000).
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP
from supervision_fixtures import grid_vintage

from landcon.errors import DatasetNotFound, InvalidRecord, NotFound, TransitionRefused
from landcon.services import monitor, projects, records
from landcon.services.datasets import import_dataset
from landcon.store.layers import read_vector_layer

EXPECTED = {
    "achieved": 10000.0,
    "not_yet": 10000.0,
    "lost": 0.0,
    "unplanned_construction": 15000.0,
    "red_line": 0.0,
    "permanent_farmland_lost": 10000.0,
    "cultivated_to_ggl": 10000.0,
}


@pytest.fixture(scope="module")
def world(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    import_dataset(grid_vintage(tmp_path_factory.mktemp("vintage") / "v2.gpkg"), "grid", replace=True)
    return records_world_once


def test_detect_writes_json_xlsx_and_map_with_the_same_totals(world) -> None:
    run = monitor.detect(records.actor("fm_sup"), CODE)
    assert run.out_dir == monitor.result_dir(CODE)
    data = json.loads((run.out_dir / "monitor.json").read_text(encoding="utf-8"))
    assert data == run.data
    assert (data["plan_version"], data["before_version"], data["after_version"]) == (1, 1, 2)
    assert {k: c["area_m2"] for k, c in data["classes"].items()} == EXPECTED
    assert data["planned_new_farmland_m2"] == 20000.0
    assert data["classes"]["achieved"]["by_grade_m2"] == {"9": 9000.0}
    assert (data["red_line_checked"], data["permanent_farmland_checked"]) == (False, True)
    book = openpyxl.load_workbook(run.out_dir / "monitor.xlsx", read_only=True)
    rows = list(book["汇总"].iter_rows(values_only=True))
    start = rows.index(("类别代码", "类别", "面积（平方米）", "面积（亩）", "耕地净面积（平方米）", "图斑数"))
    summary = {r[0]: r[2] for r in rows[start + 1 :]}
    assert summary == {**EXPECTED, "red_line": "—"}
    achieved = list(book["新增耕地已实现"].iter_rows(values_only=True))
    assert achieved[-1][0] == "合计" and achieved[-1][6:8] == (10000.0, 9000.0)
    changes = read_vector_layer(run.out_dir / "changes.gpkg", "CHANGES")
    assert len(changes) == sum(c["count"] for c in data["classes"].values())
    intrusion = changes[changes["CLASS"] == "unplanned_construction"]
    assert sorted(intrusion["AREA_M2"]) == [5000.0, 10000.0]


def test_the_plans_own_version_as_vintage_shows_nothing_done(world, tmp_path) -> None:
    run = monitor.detect(records.actor("fm_sup"), CODE, vintage=1, out=tmp_path / "v1")
    areas = {k: c["area_m2"] for k, c in run.data["classes"].items()}
    assert areas["not_yet"] == 20000.0
    assert sum(areas.values()) == 20000.0


def test_refusals(world, tmp_path) -> None:
    with pytest.raises(NotFound):
        monitor.detect(records.actor("wh_sup"), CODE, out=tmp_path / "x")
    with pytest.raises(DatasetNotFound, match="版本 7"):
        monitor.detect(records.actor("fm_sup"), CODE, vintage=7, out=tmp_path / "y")
    projects.create_project(
        records.actor("fm_author"), "FM-2027-09", "未获批项目", county="530124", units=[TOWNSHIP], dataset="grid"
    )
    with pytest.raises(TransitionRefused, match="方案获批后"):
        monitor.detect(records.actor("fm_sup"), "FM-2027-09", out=tmp_path / "z")
    assert not (tmp_path / "x").exists() and not (tmp_path / "z").exists()


def test_a_project_code_that_is_not_a_folder_name_is_refused() -> None:
    for code in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(InvalidRecord):
            monitor.result_dir(code)
    assert monitor.result_dir("FM-2027-01").name == "FM-2027-01"
