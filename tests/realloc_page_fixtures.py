"""Helpers of the village-page tests: the hand-worked instance of ``realloc_fixtures`` (4 households,
8 contract strips of 5,000 m² with 合同面积 HTMJ 5,100 m², 2 new blocks of 20,000 m²) run, and
stored as version 1 of a project covering township 款庄镇 (530124100)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from realloc_fixtures import write_instance
from records_fixtures import TOWNSHIP

from landcon.services import projects, realloc, records

CODE = "QS-530124-009"
HTMJ = 5100.0


def stored_version(tmp_path: Path) -> dict[str, object]:
    paths = write_instance(tmp_path / "instance")
    frame = gpd.read_file(paths["parcels"], layer="CBDK")
    frame["HTMJ"] = HTMJ
    frame.to_file(paths["parcels"], layer="CBDK", driver="GPKG")
    out = tmp_path / "result"
    realloc.run(paths["parcels"], paths["households"], paths["blocks"], out, name="测试村权属调整")
    projects.create_project(records.actor("fm_author"), CODE, "权属调整试点", county="530124", units=[TOWNSHIP])
    return realloc.save(records.actor("fm_author"), CODE, out)
