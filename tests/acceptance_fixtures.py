"""Acceptance fixtures on the 100 m grid: the ledger plan (``ledger_fixtures.linkage_plan``) as a
``Plan``, hand-made as-built parcels, asbuilt.yaml and the later vintage (docs in
``test_acceptance_engine``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import yaml
from conftest import cell, dltb_row, grid_dltb
from plan_fixtures import GOOD, META, box, layer

from landcon.engine.asbuilt_schema import AsBuilt, normalise
from landcon.engine.plan import Plan

PFL = [
    {"TZLX": "调出", "TZYNDKBH": "O1", "geometry": box(1, 0, 1.05, 1)},
    {"TZLX": "调入", "TZYNDKBH": "I1", "ZHGDDB": 9, "ZHPDJB": "2", "geometry": cell(2, 0)},
]


def plan() -> Plan:
    from ledger_fixtures import LINKAGE  # ledger_fixtures imports this module

    layers = {
        "ZZQY": layer("ZZQY", [{"ZZQYBH": "Q1", "geometry": box(0, 0, 4, 2)}]),
        "CZGHTB": layer("CZGHTB", GOOD),
        "YJJBNTTZTB": layer("YJJBNTTZTB", PFL),
        "ZJGGTB": layer("ZJGGTB", LINKAGE),
    }
    return Plan(layers, META)


def rows(a2_width: float = 0.5) -> list[dict[str, Any]]:
    """A1 = (0,0) as planned, A2 = the western ``a2_width`` of (2,0), A3 = 拆旧 (3,0), A4 = 建新."""
    link = {"XMQBH": "G1", "GHTC": "ZJGGTB"}
    return [
        {"BSM": "A1", "DLBM": "0103", "ZXMBH": "Z1", "GDPDJB": "2", "GDDB": 8, "GHTC": "CZGHTB", "GHTBBH": "1"}
        | {"geometry": cell(0, 0)},
        {"BSM": "A2", "DLBM": "0103", "ZXMBH": "Z1", "GDPDJB": "2", "GDDB": 9, "GHTC": "CZGHTB", "GHTBBH": "2"}
        | {"geometry": box(2, 0, 2 + a2_width, 1)},
        {"BSM": "A3", "DLBM": "0103", "ZXMBH": "Z2", "GDPDJB": "1", "GDDB": 10, "GGLX": "拆旧", "GHTBBH": "1"}
        | link
        | {"geometry": cell(3, 0)},
        {"BSM": "A4", "DLBM": "0702", "ZXMBH": "Z2", "GGLX": "建新", "GHTBBH": "2"}
        | link
        | {"geometry": box(3, 1, 3.5, 2)},
    ]


def meta(amount: float = 800.0, project: str = "FM-2027-01") -> dict[str, Any]:
    return {
        "project": project,
        "completion_date": "2027-10-31",
        "quantities": {"land_levelling": 2.5, "wells": 2},
        "final_accounts": [{"source": "中央财政", "sub_project": "Z1", "amount": amount}],
    }


def asbuilt(parcels: list[dict[str, Any]] | None = None, amount: float = 800.0) -> AsBuilt:
    frame = gpd.GeoDataFrame(parcels or rows(), geometry="geometry", crs="EPSG:4543")
    return AsBuilt(normalise(frame), meta(amount))


def vintage(orchard: str = "0103", homestead: str = "0702") -> gpd.GeoDataFrame:
    """The later DLTB: the orchard (2,0) is 0103 now (``orchard``); the homestead (3,0) is still 0702
    (``homestead``); a 耕地 class there has 坡度级别 2, 等别 9 (orchard) and 1, 10 (homestead)."""
    farmland = {"GDPDJB": "2", "GDDB": 9} if orchard.startswith("01") else {}
    homestead_farmland = {"GDPDJB": "1", "GDDB": 10} if homestead.startswith("01") else {}
    rows = [
        dltb_row("1", "0103", cell(0, 0), GDPDJB="2", GDDB=8),
        dltb_row("2", "0103", cell(1, 0), GDPDJB="5", GDDB=12),
        dltb_row("3", orchard, cell(2, 0), **farmland),
        dltb_row("4", homestead, cell(3, 0), **homestead_farmland),
        dltb_row("5", "0301", cell(0, 1)),
        dltb_row("6", "0301", cell(1, 1)),
        dltb_row("7", "0404", cell(2, 1)),
        dltb_row("8", "0404", cell(3, 1)),
    ]
    return grid_dltb(rows)


def wide_rows(dlbm: str = "0101") -> list[dict[str, Any]]:
    """``rows()`` with A2 built as ``dlbm`` (水田 by default; 等别 9) over the orchard (2,0) and the
    grassland (2,1) north of it: two 100 m cells of converted new 耕地, the second beyond CZGHTB 2."""
    parcels = rows()
    parcels[1] = parcels[1] | {"DLBM": dlbm, "geometry": box(2, 0, 3, 2)}
    return parcels


def write_asbuilt(
    folder: Path,
    parcels: list[dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    *,
    fmt: str = "gpkg",
    crs: str = "EPSG:4543",
) -> Path:
    """An as-built folder as users deliver it: asbuilt.gpkg (``fmt`` gdb: asbuilt.gdb, shp: JGTB.shp) and
    asbuilt.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(parcels or rows(), geometry="geometry", crs=crs)
    if fmt == "gpkg":
        frame.to_file(folder / "asbuilt.gpkg", layer="JGTB", engine="pyogrio")
    elif fmt == "gdb":
        from landcon.store.layers import write_layers

        write_layers({"JGTB": frame}, folder / "asbuilt.gdb", "gdb")
    else:
        frame.to_file(folder / "JGTB.shp", engine="pyogrio", encoding="UTF-8")
    (folder / "asbuilt.yaml").write_text(yaml.safe_dump(data or meta(), allow_unicode=True), encoding="utf-8")
    return folder


def passing_opinion(computation: Path | dict[str, Any], deadline: str = "2027-12-31") -> dict[str, Any]:
    """The passing opinion a computation allows (``accept record``): 同意 when every acceptance rule
    passes, else 整改后同意 with one condition per rule that fails or cannot be checked, due ``deadline``."""
    import json

    data = computation if isinstance(computation, dict) else json.loads(Path(computation).read_text(encoding="utf-8"))
    open_rules = [r for r in data["rules"] if r["status"] != "pass"]
    if not open_rules:
        return {"opinion": "同意"}
    return {
        "opinion": "整改后同意",
        "conditions": [f"整改：{r['title']}" for r in open_rules],
        "deadline": deadline,
    }


def accept_project(code: str, folder: Path, recorder: str = "km_sup") -> dict[str, Any]:
    """Compute the project's acceptance on the hand-made as-built data and record a passing whole-project
    acceptance by ``recorder`` (a 州/市 supervisor; ``passing_opinion``), so the project may reach the
    ``accepted`` milestone."""
    from landcon.services import acceptance, acceptance_records, records

    run = acceptance.compute(records.actor("fm_sup"), code, write_asbuilt(folder / "asbuilt", data=meta(project=code)))
    return acceptance_records.record(
        records.actor(recorder),
        code,
        level="project",
        accepted_on="2027-11-15",
        members=["验收组长"],
        computation=run.out_dir / "acceptance.json",
        **passing_opinion(run.data),
    )


def accept_if_due(code: str, folder: Path) -> None:
    """``accept_project`` when the project stands at its chain's acceptance stage (the next advance
    reaches the ``accepted`` milestone), so fixtures can drive any chain past it."""
    from sqlalchemy import select

    from landcon.engine import workflow as wf
    from landcon.services import records
    from landcon.store.models import Project

    with records.read() as session:
        project = session.scalars(select(Project).where(Project.code == code)).one()
        due = wf.Chain.from_dict(project.chain).milestones.accepted == project.stage
    if due:
        accept_project(code, folder)
