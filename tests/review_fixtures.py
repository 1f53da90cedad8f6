"""A 复核: a later passing whole-project acceptance of an accepted project, on smaller as-built data
(what ``ledger correct`` brings the issued 补充耕地指标 down to), recorded through ``accept record
--review`` (``acceptance_records.record(review=True)``) by the user who recorded the acceptance."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import geopandas as gpd
from sqlalchemy import select

from landcon.services import acceptance, acceptance_records, records
from landcon.store.models import Acceptance, Project


def add_review(code: str, asbuilt: Path, *, on: dt.date = dt.date(2028, 3, 1)) -> dict:
    """Compute ``code``'s acceptance on ``asbuilt`` (as a county supervisor of the project's county)
    and record it as a passing 复核 by the recorder of the first whole-project record, dated ``on``
    (同意, or 整改后同意 with a condition per rule not passed: ``acceptance_fixtures.passing_opinion``)."""
    from acceptance_fixtures import passing_opinion

    run = acceptance.compute(records.actor(_supervisor(code)), code, asbuilt)
    data = json.loads((run.out_dir / "acceptance.json").read_text(encoding="utf-8"))
    with records.read() as session:
        project = session.scalars(select(Project).where(Project.code == code)).one()
        first = session.scalars(
            select(Acceptance).where(Acceptance.project_id == project.id, Acceptance.level == "project")
        ).first()
        assert first is not None
        recorder = first.created_by
    acceptance_records.record(
        records.actor(recorder), code, level="project", accepted_on=on, members=["复核组"],
        computation=run.out_dir / "acceptance.json", review=True, **passing_opinion(data, "2028-06-30"),
    )  # fmt: skip
    return data


def _supervisor(code: str) -> str:
    return "demo_supervisor" if code.startswith("DEMO-") else "fm_sup"


def without_smallest_new_farmland(code: str, asbuilt: Path, out: Path) -> Path:
    """A copy of project ``code``'s as-built folder without the parcel adding the least new 耕地 (more
    than none, not a 增减挂钩 plot, not 水田) in its stored acceptance computation: a smaller as-built
    state."""
    from landcon.services.acceptance import result_dir

    data = json.loads((result_dir(code) / "acceptance.json").read_text(encoding="utf-8"))
    # Not a 水田 parcel: the demo's 水田 balance is small after its use and transfer.
    adding = [p for p in data["asbuilt_parcels"] if p["new_m2"] > 0 and not p["linkage"] and p["dlbm"] != "0101"]
    smallest = min(adding, key=lambda p: p["new_m2"])["parcel"]
    frame = gpd.read_file(asbuilt / "asbuilt.gpkg", layer="JGTB")
    out.mkdir(parents=True)
    frame[frame["BSM"] != smallest].to_file(out / "asbuilt.gpkg", layer="JGTB", driver="GPKG")
    shutil.copy(asbuilt / "asbuilt.yaml", out / "asbuilt.yaml")
    return out
