"""What the acceptance page shows and accepts (docs/acceptance.md, "Web page").

``page_data``: the project (``project.read``; another county's project is 不存在), the latest
acceptance computation — the project's acceptance folder (the last ``accept check`` or page check),
else the newest record that stores one — its plan vs as-built rows, rule results and 核减 list, the
acceptance records with their condition tasks and attachments, and what the user may do there.
``asbuilt_geojson``: the computation's as-built parcels in WGS84, each with its verification result
(核减 / 核实通过 / 无新增耕地). ``submit_check`` unpacks an uploaded as-built zip safely
(``services.uploads.extract_asbuilt``) and queues the ``acceptance_check`` job;
``record_from_form`` keeps a record on the latest computation of the folder.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely.geometry
from sqlalchemy import select

from landcon.engine import acceptance_records as AR
from landcon.engine import workflow as wf
from landcon.errors import LandconError, NotFound
from landcon.services import acceptance, acceptance_records, attachments, jobs, records, uploads
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import Acceptance, AcceptanceAttachment

CHECK_ACTION = "supervision.manage"
"""Who may submit as-built data for the check: those who register and manage the sub-projects."""
CUT, VERIFIED, NO_NEW = "核减", "核实通过", "无新增耕地"


def _stored(who: Actor, code: str) -> tuple[dict[str, Any] | None, str]:
    """The latest computation and where it comes from (``project.read`` first)."""
    with records.read() as session:
        code = get_project(session, who, code).code
    file = acceptance.result_dir(code) / "acceptance.json"
    if file.is_file():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("project") == code:
            return data, "最近一次验收核算"
    with records.read() as session:
        project = get_project(session, who, code)
        row = session.scalars(
            select(Acceptance)
            .where(Acceptance.project_id == project.id, Acceptance.computation.is_not(None))
            .order_by(Acceptance.id.desc())
            .limit(1)
        ).first()
        if row is not None and row.computation:
            return dict(row.computation), f"验收记录 {row.id} 所附核算结果"
    return None, ""


def _passes(check: Any) -> bool:
    try:
        check()
    except LandconError:
        return False
    return True


def cut_parcels(data: dict[str, Any]) -> set[str]:
    """As-built parcels named in a 核减 row (a 竣工少于方案 row may name several, joined by 、)."""
    return {p for c in data.get("cuts") or [] if c.get("layer") == "JGTB" for p in str(c["parcel"]).split("、")}


def parcel_status(row: dict[str, Any], cut: set[str]) -> str:
    """An as-built parcel's result: 核减 (named in a 核减 row or failing verification), 核实通过 (new 耕地
    verified), 无新增耕地; ``cut`` is ``cut_parcels`` of the computation."""
    return CUT if row["parcel"] in cut or row["not_verified_m2"] > 0 else VERIFIED if row["new_m2"] > 0 else NO_NEW


def page_data(who: Actor, code: str) -> dict[str, Any]:
    """Everything the page shows (module docstring)."""
    with records.read() as session:
        project = get_project(session, who, code)
        county = project.county
        info = {"code": project.code, "name": project.name, "stage": project.stage, "stage_name": project.stage_name}
        may_record = _passes(lambda: records.require(who, "acceptance.record", county))
        may_check = _passes(lambda: records.require(who, CHECK_ACTION, county))
        # 复核核减 of the issued 补充耕地指标 (provincial ``ledger.issue``), once the project is accepted.
        accepted = wf.Chain.from_dict(project.chain).reached(project.stage, wf.ACCEPTED)
        may_correct = accepted and _passes(lambda: records.require_province(who, "ledger.issue"))
    data, source = _stored(who, code)
    return {
        "project": info,
        "data": data,
        "source": source,
        "records": acceptance_records.list_records(who, code),
        "can_record": may_record,
        "can_check": may_check,
        "can_correct": may_correct,
        "levels": dict(AR.LEVELS),
        "opinions": list(AR.OPINIONS),
        "check_job": jobs.latest(who, "acceptance_check", "project", code) if may_check else None,
    }


def asbuilt_geojson(who: Actor, code: str) -> dict[str, Any]:
    """The latest computation's as-built parcels in WGS84 with ``status`` (module docstring)."""
    data, _ = _stored(who, code)
    rows = [r for r in (data or {}).get("asbuilt_parcels") or [] if r.get("geometry")]
    if data is None or not rows:
        return {"type": "FeatureCollection", "features": []}
    epsg = _epsg(data)
    cut = cut_parcels(data)
    frame = gpd.GeoDataFrame(
        geometry=gpd.GeoSeries([shapely.geometry.shape(r["geometry"]) for r in rows], crs=f"EPSG:{epsg}")
    ).to_crs(4326)
    features = []
    for r, geom in zip(rows, frame.geometry, strict=True):
        status = parcel_status(r, cut)
        props = {k: r[k] for k in ("parcel", "subproject", "dlbm", "new_m2", "verified_m2", "not_verified_m2")}
        features.append(
            {"type": "Feature", "properties": {**props, "status": status}, "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


def _epsg(data: dict[str, Any]) -> int:
    from landcon import config
    from landcon.store.datasets import DatasetStore

    manifest = DatasetStore(config.data_dir()).manifest(str(data["dataset"]), int(data["before_version"]))
    return int(str(manifest["crs"]["DLTB"]).split(":")[-1])


def submit_check(who: Actor, code: str, incoming: uploads.Incoming | None) -> dict[str, Any]:
    """Unpack the as-built zip into DATA_DIR/results/asbuilt-upload/CODE-… and queue the check."""
    with records.read() as session:
        project = get_project(session, who, code)
        records.require(who, CHECK_ACTION, project.county)
        code = project.code
    if incoming is None:
        raise uploads.UploadRefused("请选择竣工数据压缩包（asbuilt.gpkg 或 JGTB.shp 与 asbuilt.yaml）")
    incoming.close()
    folder = jobs.results_dir("asbuilt-upload", f"{code}-{uuid.uuid4().hex[:12]}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    uploads.extract_asbuilt(incoming.raw, folder)
    return jobs.submit(who, "acceptance_check", {"project": code, "asbuilt": str(folder)})


def record_from_form(
    who: Actor,
    code: str,
    *,
    level: str,
    opinion: str,
    accepted_on: str,
    members: str,
    sub_project: str = "",
    conditions: str = "",
    deadline: str = "",
    files: Sequence[Path] = (),
    review: str = "",
) -> dict[str, Any]:
    """A record from the page's form (one member / condition per line) on the folder's computation;
    ``review`` non-empty: a 复核 (``acceptance_records.record``)."""
    computation = acceptance.result_dir(code) / "acceptance.json"
    return acceptance_records.record(
        who,
        code,
        level=level,
        opinion=opinion,
        accepted_on=accepted_on,
        members=members.splitlines(),
        sub_project=sub_project.strip() or None,
        conditions=conditions.splitlines(),
        deadline=deadline.strip() or None,
        computation=computation if computation.is_file() else None,
        files=files,
        review=bool(review.strip()),
    )


def attachment_file(who: Actor, code: str, record_id: int, sha: str) -> tuple[Path, str]:
    """An acceptance record's attachment (``project.read`` over its project)."""
    with records.read() as session:
        project = get_project(session, who, code)
        found = session.scalars(
            select(AcceptanceAttachment)
            .join(Acceptance, AcceptanceAttachment.acceptance_id == Acceptance.id)
            .where(
                Acceptance.project_id == project.id, Acceptance.id == record_id, AcceptanceAttachment.blob_sha == sha
            )
        ).first()
        if found is None:
            raise NotFound(f"验收记录 {record_id} 没有该附件", feature=sha[:12])
        name = found.name
    path = attachments.blob_store().path(sha)
    if not path.is_file():
        raise NotFound(f"附件文件缺失：{name}", feature=sha[:12])
    return path, name
