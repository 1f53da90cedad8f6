"""后期管护 inspections: date, inspector, findings and result of a 管护协议's inspection, with photos.

Who may record one: ``care.inspect`` on the agreement's caretaker unit (the project's county when it
names none): its township or village reporter, the county's authors and supervisors. Photos are
stored like site photos (``services.supervision_photos``: JPEG, size limit, content-addressed with a
thumbnail, EXIF position) and their position checked against the agreement's parcels with the
profile's ``supervision.photo_buffer_m`` (``engine.photos.position_check``). A 需整改 result opens a
责任清单 task for the caretaker's unit (``services.tasks.new_task``; deadline by default
``supervision.escalation_days`` after the inspection), linked to the inspection. Every write is
audited; the project's alerts are rescanned after it (``care_overdue``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import aftercare as C
from landcon.engine import photos as P
from landcon.errors import InvalidRecord, NotFound
from landcon.services import attachments, records
from landcon.services.aftercare import _agreement, _refresh_alerts
from landcon.services.profile import get_profile
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.supervision_photos import Prepared, prepare, stored_fields
from landcon.services.tasks import new_task, parse_date
from landcon.store.models import CareAgreement, CareInspection, CarePhoto


def photo_dict(photo: CarePhoto) -> dict[str, Any]:
    return {
        "id": photo.id,
        "inspection": photo.inspection_id,
        "filename": photo.filename,
        "sha256": photo.blob_sha,
        "thumbnail_sha256": photo.thumb_sha,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "lon": photo.lon,
        "lat": photo.lat,
        "status": photo.status,
        "status_name": C.PHOTO_STATUS_NAMES[photo.status],
        "flagged": photo.status != P.ON_SITE,
        "distance_m": photo.distance_m,
        "buffer_m": photo.buffer_m,
    }


def inspection_dict(row: CareInspection, agreement: str, photos: Sequence[CarePhoto] = ()) -> dict[str, Any]:
    return {
        "id": row.id,
        "agreement": agreement,
        "inspected_on": row.inspected_on.isoformat(),
        "inspector": row.inspector,
        "findings": row.findings,
        "result": row.result,
        "task_id": row.task_id,
        "photos": [photo_dict(p) for p in photos],
        "created_by": row.created_by,
    }


def _save_photo(
    session: Session, who: Actor, agreement: CareAgreement, inspection: int, photo: Prepared, name: str
) -> CarePhoto:
    fields = stored_fields(session, who, photo, agreement.geometry, agreement.epsg, name)
    row = CarePhoto(inspection_id=inspection, **fields)
    session.add(row)
    session.flush()
    return row


def add_inspection(
    who: Actor,
    project_code: str,
    agreement_code: str,
    *,
    inspected_on: dt.date | str,
    inspector: str,
    result: str,
    findings: str = "",
    photos: Sequence[str | Path | tuple[Path, str]] = (),
    deadline: dt.date | str | None = None,
) -> dict[str, Any]:
    """Record one inspection with its photos (all or nothing); 需整改 opens the rectification task for
    the caretaker's unit (the project's county when the agreement names none)."""
    records.require(who, "care.inspect")
    day = parse_date(inspected_on, "inspected_on", "巡查日期")
    inspector = (inspector or "").strip()
    if not inspector or len(inspector) > 100:
        raise InvalidRecord("巡查人不能为空且不超过 100 字", field="inspector")
    outcome = C.check_result(result)
    findings = (findings or "").strip()
    if outcome == C.RECTIFY and not findings:
        raise InvalidRecord("巡查结果为需整改时须填写发现的问题", field="findings")
    due = (
        parse_date(deadline, "deadline", "整改期限")
        if deadline
        else day + dt.timedelta(days=get_profile().supervision.escalation_days)
    )
    pairs = [(Path(p), Path(p).name) if not isinstance(p, tuple) else p for p in photos]
    prepared = [(prepare(path), name) for path, name in pairs]
    with records.write(who, "care.inspect") as session:
        project = get_project(session, who, project_code)
        agreement = _agreement(session, project, agreement_code)
        unit = agreement.unit or project.county
        records.require(who, "care.inspect", unit)
        row = CareInspection(
            agreement_id=agreement.id,
            inspected_on=day,
            inspector=inspector,
            findings=findings,
            result=outcome,
            created_by=who.username,
        )
        session.add(row)
        session.flush()
        saved = [_save_photo(session, who, agreement, row.id, p, name) for p, name in prepared]
        if outcome == C.RECTIFY:
            # The task follows from the inspection the actor may record (care.inspect over the
            # caretaker's unit): it is opened in the actor's name even without ``task.add``.
            task = new_task(
                session,
                who,
                follows_from="care.inspect",
                title=f"管护整改：{project.code} 协议 {agreement.code}（{day.isoformat()} 巡查）",
                unit=unit.code,
                deadline=due,
                project=project,
                note=findings,
            )
            row.task_id = task.id
        session.flush()
        recorded = inspection_dict(row, agreement.code, saved)
    _refresh_alerts(who, project_code)
    return recorded


def list_inspections(who: Actor, project_code: str, agreement_code: str | None = None) -> list[dict[str, Any]]:
    """The project's inspections (of one agreement), newest first, with their photos."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        q = (
            select(CareInspection, CareAgreement.code)
            .join(CareAgreement, CareInspection.agreement_id == CareAgreement.id)
            .where(CareAgreement.project_id == project.id)
            .order_by(CareInspection.inspected_on.desc(), CareInspection.id.desc())
        )
        if agreement_code is not None:
            q = q.where(CareAgreement.code == _agreement(session, project, agreement_code).code)
        rows = list(session.execute(q).all())
        photos: dict[int, list[CarePhoto]] = {r.id: [] for r, _ in rows}
        if rows:
            for p in session.scalars(
                select(CarePhoto).where(CarePhoto.inspection_id.in_(list(photos))).order_by(CarePhoto.id)
            ):
                photos[p.inspection_id].append(p)
        return [inspection_dict(r, code, photos[r.id]) for r, code in rows]


def photo_file(who: Actor, project_code: str, photo_id: int, *, thumbnail: bool = False) -> Path:
    """Where the stored inspection photo (or its thumbnail) is, if the actor may read the project."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        row = session.scalars(
            select(CarePhoto)
            .join(CareInspection, CarePhoto.inspection_id == CareInspection.id)
            .join(CareAgreement, CareInspection.agreement_id == CareAgreement.id)
            .where(CarePhoto.id == photo_id, CareAgreement.project_id == project.id)
        ).first()
        if row is None:
            raise NotFound(f"项目 {project_code} 没有管护照片 #{photo_id}", feature=photo_id)
        sha = row.thumb_sha if thumbnail else row.blob_sha
    found = attachments.blob_store().path(sha)
    if not found.is_file():
        raise InvalidRecord(f"管护照片 #{photo_id} 的文件缺失", feature=photo_id)
    return found
