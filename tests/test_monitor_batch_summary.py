"""``landcon monitor batch`` writes monitor-batch.xlsx: one row per project (county, versions, per
class m², 亩, pieces) and a 合计 row; read back, every number equals the project's own monitor.json.

Two projects of the grid county with the approved ledger plan, against the vintage of
``test_monitor_web`` (one local Dask worker)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from ledger_fixtures import CODE, project_to
from supervision_fixtures import grid_vintage

from landcon.engine.change_detection import CLASS_LABELS
from landcon.services import monitor, records
from landcon.services.datasets import import_dataset

SECOND = "FM-2026-002"


@pytest.fixture(scope="module")
def batch(records_world_once, tmp_path_factory):
    plans = tmp_path_factory.mktemp("plan")
    project_to(plans, "implementation")
    project_to(plans, "implementation", code=SECOND)
    import_dataset(grid_vintage(tmp_path_factory.mktemp("vintage") / "v2.gpkg"), "grid", replace=True)
    out = tmp_path_factory.mktemp("batch") / "mb"
    return monitor.detect_batch(records.actor("fm_sup"), [CODE, SECOND], workers=1, out=out)


def test_the_summary_workbook_equals_the_project_results(batch) -> None:
    folder = Path(batch.out_dir)
    assert batch.files == ["monitor-batch.json", "monitor-batch.xlsx", CODE, SECOND]
    book = openpyxl.load_workbook(folder / "monitor-batch.xlsx", read_only=True)
    rows = list(book["汇总"].iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:8] == (
        "县代码",
        "县",
        "项目",
        "数据集",
        "方案版本",
        "基期数据版本",
        "变更调查数据版本",
        "计划新增耕地（平方米）",
    )
    assert len(header) == 8 + 3 * len(CLASS_LABELS) and len(body) == 2
    sums = {code: [0.0, 0] for code in CLASS_LABELS}
    for row, code in zip(body, (CODE, SECOND), strict=True):
        data = json.loads((folder / code / "monitor.json").read_text("utf-8"))
        assert row[:8] == ("530124", "富民县", code, "grid", 1, 1, 2, data["planned_new_farmland_m2"])
        for k, cls in enumerate(CLASS_LABELS):
            cells = row[8 + 3 * k : 11 + 3 * k]
            item = data["classes"][cls]
            if cls == "red_line":  # the grid has no 生态保护红线 layer
                assert cells == ("—", "—", "—")
                continue
            assert cells == (item["area_m2"], round(item["area_m2"] / (10000 / 15), 2), item["count"])
            sums[cls][0] += item["area_m2"]
            sums[cls][1] += item["count"]
    assert total[:3] == ("合计", None, "2 个项目")
    for k, cls in enumerate(CLASS_LABELS):
        area = round(sums[cls][0], 2)
        assert total[8 + 3 * k : 11 + 3 * k] == (area, round(area / (10000 / 15), 2), sums[cls][1])
    assert total[8:11] == (20000.0, 30.0, sums["achieved"][1])  # 10,000 m² achieved in each project
    listed = json.loads((folder / "monitor-batch.json").read_text("utf-8"))["projects"]
    assert [(r["project"], r["county"], r["counts"]["achieved"]) for r in listed] == [
        (CODE, "530124", sums["achieved"][1] // 2),
        (SECOND, "530124", sums["achieved"][1] // 2),
    ]
