"""后期管护 use cases: agreements over an accepted project's new farmland.

An agreement (``care.manage``: the county's authors and supervisors) is registered once the project
has passed its chain's ``accepted`` milestone, over the accepted new farmland: the as-built parcels
with verified new 耕地 of the latest passing whole-project acceptance (``engine.aftercare``: chosen
by as-built parcel id, ZXMBH, a polygon file or all), its area their verified area; it names the caretaker
(村集体/合作社/农户/其他, name, contact, its village or township), duties, period and funds per year.
Inspections are ``services.aftercare_inspections``. Every write is audited (``records.write``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import aftercare as C
from landcon.engine import org
from landcon.engine import workflow as wf
from landcon.engine.crs import check_crs
from landcon.errors import InvalidRecord, NotFound
from landcon.services import records
from landcon.services.org import unit_by_code
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.tasks import parse_date
from landcon.store.models import CareAgreement, CareInspection, Project, Unit


def accepted(project: Project) -> bool:
    return wf.Chain.from_dict(project.chain).reached(project.stage, wf.ACCEPTED)


def _require_accepted(project: Project) -> None:
    if not accepted(project):
        raise InvalidRecord(
            f"项目 {project.code} 当前处于“{project.stage_name}”阶段：通过验收后才能登记管护协议", feature=project.code
        )


def _epsg(data: dict[str, Any]) -> int:
    """EPSG code of the dataset version the acceptance computation ran on (its parcels' CRS)."""
    from landcon import config
    from landcon.store.datasets import DatasetStore

    try:
        manifest = DatasetStore(config.data_dir()).manifest(str(data["dataset"]), int(data["before_version"]))
        return int(str(manifest["crs"]["DLTB"]).split(":")[-1])
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise InvalidRecord(f"验收核算结果的数据集坐标系无法确定：{exc}", feature=str(data.get("project"))) from exc


def farmland(who: Actor, project_code: str) -> tuple[list[C.CaredParcel], int, dict[str, Any]]:
    """The new farmland under care: the as-built parcels with verified new 耕地 of the latest passing
    whole-project acceptance (``engine.aftercare.accepted_farmland``), their EPSG code, and that
    record's ``record`` id, ``dataset`` and ``vintage_version`` (the vintage it was verified against)."""
    from landcon.services.acceptance_records import latest_passing_computation

    found = latest_passing_computation(who, project_code)
    if found is None:
        raise InvalidRecord(
            f"项目 {project_code} 没有附竣工地块的通过验收记录：管护地块取自验收核定的新增耕地", feature=project_code
        )
    data = found["computation"]
    about = {
        "record": found["record"]["id"],
        "dataset": data.get("dataset"),
        "vintage_version": data.get("vintage_version"),
    }
    return C.accepted_farmland(data.get("asbuilt_parcels") or []), _epsg(data), about


def _polygon(path: str | Path, epsg: int) -> object:
    from landcon.store.layers import read_any_layer

    layer = read_any_layer(path)
    crs = check_crs(layer.frame.crs)
    if crs.epsg != epsg:
        raise InvalidRecord(
            f"范围文件的坐标系（EPSG:{crs.epsg}）与验收竣工地块（EPSG:{epsg}）不一致",
            path=layer.path,
            layer=layer.source_name,
        )
    geoms = [g for g in layer.frame.geometry if g is not None and not g.is_empty]
    if not geoms:
        raise InvalidRecord("范围文件应含面要素", path=layer.path, layer=layer.source_name)
    return shapely.union_all(geoms)


def _caretaker_unit(session: Session, project: Project, code: str | None) -> Unit | None:
    if not code:
        return None
    unit = unit_by_code(session, code)
    if not unit.path.startswith(project.county.path) or unit.level not in (org.TOWNSHIP, org.VILLAGE):
        raise InvalidRecord(
            f"管护单位 {unit.name}（{unit.code}）应为项目 {project.code} 所属 {project.county.name} 的乡镇或村",
            field="unit",
            feature=code,
        )
    return unit


def agreement_dict(a: CareAgreement, inspections: Sequence[CareInspection] = ()) -> dict[str, Any]:
    last = max(inspections, key=lambda i: (i.inspected_on, i.id)) if inspections else None
    return {
        "code": a.code,
        "unit": a.unit.code if a.unit else None,
        "unit_name": a.unit.name if a.unit else None,
        "caretaker_kind": a.caretaker_kind,
        "caretaker": a.caretaker,
        "contact": a.contact,
        "duties": a.duties,
        "start": a.start_date.isoformat(),
        "end": a.end_date.isoformat(),
        "funds_per_year": a.funds_per_year,
        "funds_source": a.funds_source,
        "parcels": list(a.parcels),
        "area_m2": a.area_m2,
        "epsg": a.epsg,
        "inspections": len(inspections),
        "last_inspection": last.inspected_on.isoformat() if last else None,
        "created_by": a.created_by,
    }


def add_agreement(
    who: Actor,
    project_code: str,
    code: str,
    *,
    caretaker_kind: str,
    caretaker: str,
    start: dt.date | str,
    end: dt.date | str,
    contact: str = "",
    unit: str | None = None,
    duties: str = "",
    funds_per_year: object = 0.0,
    funds_source: str = "",
    parcels: Sequence[str] = (),
    subprojects: Sequence[str] = (),
    polygon: str | Path | None = None,
    every: bool = False,
) -> dict[str, Any]:
    """Register one 管护协议 of an accepted project over accepted new-farmland parcels (``farmland``)
    chosen by as-built parcel id, ZXMBH, a polygon file or all of them
    (``engine.aftercare.select_parcels``); its outline is their union and its area the sum of their
    verified new-耕地 areas (m², 0.01)."""
    records.require(who, "care.manage")
    code, caretaker = (code or "").strip(), (caretaker or "").strip()
    if not code or len(code) > 40:
        raise InvalidRecord("管护协议编号不能为空且不超过 40 字", field="code")
    if not caretaker or len(caretaker) > 200:
        raise InvalidRecord("管护主体名称不能为空且不超过 200 字", field="caretaker")
    kind = C.check_kind(caretaker_kind)
    first, last = parse_date(start, "start", "管护开始日期"), parse_date(end, "end", "管护结束日期")
    C.check_period(first, last)
    funds = C.check_funds(funds_per_year)
    with records.read() as session:
        project = get_project(session, who, project_code)
        records.require(who, "care.manage", project.county)
        _require_accepted(project)
    cared, epsg, _ = farmland(who, project_code)
    chosen = C.select_parcels(
        cared,
        ids=list(parcels),
        subprojects=list(subprojects),
        polygon=_polygon(polygon, epsg) if polygon is not None else None,
        every=every,
    )
    outline = shapely.union_all([p.geometry for p in chosen.parcels])
    area = round(sum(p.verified_m2 for p in chosen.parcels), 2)
    with records.write(who, "care.manage") as session:
        project = get_project(session, who, project_code)
        records.require(who, "care.manage", project.county)
        if session.scalars(
            select(CareAgreement.id).where(CareAgreement.project_id == project.id, CareAgreement.code == code)
        ).first():
            raise InvalidRecord(f"管护协议 {code} 已登记", field="code", feature=code)
        row = CareAgreement(
            project_id=project.id,
            code=code,
            unit=_caretaker_unit(session, project, unit),
            caretaker_kind=kind,
            caretaker=caretaker,
            contact=(contact or "").strip()[:100],
            duties=(duties or "").strip(),
            start_date=first,
            end_date=last,
            funds_per_year=funds,
            funds_source=(funds_source or "").strip()[:100],
            parcels=list(chosen.keys),
            area_m2=area,
            geometry=dict(shapely.geometry.mapping(outline)),
            epsg=epsg,
            created_by=who.username,
        )
        session.add(row)
        session.flush()
        saved = agreement_dict(row)
    _refresh_alerts(who, project_code)
    return saved


def _inspections(session: Session, agreement_ids: Sequence[int]) -> dict[int, list[CareInspection]]:
    out: dict[int, list[CareInspection]] = {i: [] for i in agreement_ids}
    if agreement_ids:
        q = select(CareInspection).where(CareInspection.agreement_id.in_(agreement_ids)).order_by(CareInspection.id)
        for row in session.scalars(q):
            out[row.agreement_id].append(row)
    return out


def list_agreements(who: Actor, project_code: str) -> list[dict[str, Any]]:
    """The project's agreements by code, with their number of inspections and the latest date."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        rows = list(
            session.scalars(
                select(CareAgreement).where(CareAgreement.project_id == project.id).order_by(CareAgreement.code)
            )
        )
        found = _inspections(session, [a.id for a in rows])
        return [agreement_dict(a, found[a.id]) for a in rows]


def _agreement(session: Session, project: Project, code: str) -> CareAgreement:
    row = session.scalars(
        select(CareAgreement).where(CareAgreement.project_id == project.id, CareAgreement.code == code)
    ).first()
    if row is None:
        raise NotFound(f"项目 {project.code} 没有管护协议 {code}", field="agreement", feature=code)
    return row


def _refresh_alerts(who: Actor, project_code: str) -> None:
    """Rescan the project's alerts (``care_expired`` and ``care_overdue`` follow the agreements and
    inspections; ``services.alerts.refresh``)."""
    from landcon.services import alerts

    alerts.refresh(who, project_code)
