"""村民同意 records of a project: a household's (承包方编码 / name) or a meeting's (a 村民会议表决 of the
project), of a kind (demolition / reallocation / market), over plan parcels (``LAYER:id``), DLTB 图斑
(BSM / 地块编码) or — a meeting's without parcels — its whole village; with date and signed attachment.

``consent_set`` turns a project's records into the ``engine.consent.ConsentSet`` the plan check's
DEMOLITION_NEEDS_CONSENT reads (a meeting's consent counts only while its computed result is passed);
records of kind ``market`` are read by the 入市 check (``village_votes.require_market_entry``: a meeting's
only) and of kind ``reallocation`` by the tenure adoption (``realloc_adoption.consents``: a household's);
``coverage`` re-checks a saved plan version against today's records; ``import_cmty`` makes household
records from the plan's CMTY field (the only use CMTY keeps for a project). Recorded by townships and
villages (``vote.record``), read by whoever reads the project; every write is audited.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import consent as C
from landcon.engine.indicators.linkage import CONSENT_GIVEN
from landcon.engine.indicators.states import plan_parcels
from landcon.errors import InvalidRecord, NotFound
from landcon.services import attachments, records
from landcon.services import village_votes as VV
from landcon.services.clock import today
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.tasks import parse_date
from landcon.store.models import ConsentRecord, PlanVersion, Project

CMTY_SOURCE, RECORD_SOURCE = "CMTY", "record"
CONSENT_RULE = "DEMOLITION_NEEDS_CONSENT"


def _counts(c: ConsentRecord) -> bool:
    """Whether a record gives consent now: a household's always, a meeting's while the meeting passes."""
    return c.vote is None or VV.result_of(c.vote).passed


def consent_dict(c: ConsentRecord) -> dict[str, Any]:
    parcels = list(c.parcels) or (list(c.vote.parcels) if c.vote is not None else [])
    return {
        "id": c.id,
        "kind": c.kind,
        "kind_name": C.CONSENT_KINDS[c.kind],
        "village_code": c.unit.code if c.unit else None,
        "village_name": c.unit.name if c.unit else None,
        "household_code": c.household_code,
        "household_name": c.household_name,
        "meeting": c.vote_id,
        "meeting_passed": None if c.vote is None else VV.result_of(c.vote).passed,
        "parcels": parcels,
        "whole_village": c.vote is not None and not parcels,
        "given_on": c.given_on.isoformat(),
        "source": c.source,
        "counts": _counts(c),
        "attachment": c.attachment_name or None,
        "created_by": c.created_by,
    }


def add_consent(
    who: Actor,
    project_code: str,
    *,
    kind: str,
    given_on: dt.date | str,
    village: str | None = None,
    household_code: str = "",
    household_name: str = "",
    parcels: Sequence[str] = (),
    meeting: int | None = None,
    attachment: str | Path | None = None,
    attachment_name: str | None = None,
) -> dict[str, Any]:
    """Record one consent: a household's (承包方编码 or name, the parcels it concerns, its village) or a
    meeting's (``meeting``: a 村民会议表决 of the project; its village; no parcels = the meeting's
    parcels, else its whole village)."""
    kind = (kind or "").strip()
    if kind not in C.CONSENT_KINDS:
        raise InvalidRecord(f"同意类型应为 {'、'.join(C.CONSENT_KINDS)}，不是 {kind!r}", field="kind")
    code, name = (household_code or "").strip(), (household_name or "").strip()
    if len(code) > 40 or len(name) > 100:
        raise InvalidRecord("承包方编码不超过 40 字，户主姓名不超过 100 字", field="household")
    keys = VV.parcel_keys(parcels)
    day = VV.not_after_today(
        parse_date(given_on, "given_on", "同意日期"), "given_on", "同意日期", "尚未作出的同意不能记录"
    )
    if meeting is None:
        if not (code or name):
            raise InvalidRecord("农户同意须填写承包方编码或户主姓名（或指明村民会议表决）", field="household")
        if not keys:
            raise InvalidRecord("农户同意须列出所涉地块（方案地块“图层:编号”或图斑 BSM / 地块编码）", field="parcels")
        if not village:
            raise InvalidRecord("农户同意须填写所在村", field="village")
    with records.write(who, "vote.record") as session:
        project = get_project(session, who, project_code)
        vote = VV.get_meeting(session, project, int(meeting)) if meeting is not None else None
        unit = vote.unit if vote is not None else VV.village_of(session, project, str(village))
        VV.require_recorder(who, unit)
        blob = attachments.store_file(session, attachment) if attachment is not None else None
        row = ConsentRecord(
            project_id=project.id,
            unit=unit,
            kind=kind,
            household_code=code,
            household_name=name,
            vote=vote,
            parcels=keys,
            given_on=day,
            source=RECORD_SOURCE,
            blob_sha=blob.sha256 if blob else None,
            attachment_name=(attachment_name or (Path(attachment).name if attachment else ""))[:255],
            created_by=who.username,
        )
        session.add(row)
        session.flush()
        return consent_dict(row)


def _records(session: Session, project: Project) -> list[ConsentRecord]:
    q = select(ConsentRecord).where(ConsentRecord.project_id == project.id)
    return list(session.scalars(q.order_by(ConsentRecord.given_on, ConsentRecord.id)))


def list_consents(who: Actor, project_code: str, *, kind: str | None = None) -> list[dict[str, Any]]:
    """The project's consent records by date, each saying whether it counts now."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        return [consent_dict(c) for c in _records(session, project) if kind is None or c.kind == kind]


def consent_set(session: Session, project: Project, kind: str = C.DEMOLITION) -> C.ConsentSet:
    """What the project's records of ``kind`` cover now (``engine.consent.ConsentSet``)."""
    refs: list[str] = []
    villages: list[str] = []
    counted = 0
    for c in _records(session, project):
        if c.kind != kind or not _counts(c):
            continue
        counted += 1
        parcels = list(c.parcels) or (list(c.vote.parcels) if c.vote is not None else [])
        if parcels:
            refs.extend(str(p) for p in parcels)
        elif c.vote is not None:
            villages.append(c.vote.unit.code)
    return C.ConsentSet.of(refs, villages, counted)


def project_consent(who: Actor, project_code: str) -> C.ConsentSet:
    """The demolition consent set of a project, read for ``who`` (the plan check of ``save_plan``)."""
    with records.read() as session:
        return consent_set(session, get_project(session, who, project_code))


def _version(session: Session, project: Project, number: int | None) -> PlanVersion:
    q = select(PlanVersion).where(PlanVersion.project_id == project.id)
    if number is not None:
        q = q.where(PlanVersion.number == number)
    row = session.scalars(q.order_by(PlanVersion.number.desc()).limit(1)).first()
    if row is None:
        raise NotFound(
            f"项目 {project.code} 没有{'' if number is None else f'第 {number} 版'}实施方案", feature=project.code
        )
    return row


def coverage(who: Actor, project_code: str, number: int | None = None) -> dict[str, Any]:
    """DEMOLITION_NEEDS_CONSENT of plan version ``number`` (default the latest) against today's records:
    the finding as the plan check writes it, the finding stored at saving, and the uncovered parcels
    (``gaps``: ``parcel`` key, its 图斑 ``bsm`` and ``villages``, uncovered ``area_m2``)."""
    from landcon.services.plan import check_plan_against, pinned_dataset_version
    from landcon.services.projects import export_plan

    with records.read() as session:
        project = get_project(session, who, project_code)
        version = _version(session, project, number)
        number, stored = version.number, [f for f in version.findings if f.get("rule") == CONSENT_RULE]
        dataset, recorded = project.dataset, version.dataset_version
        consent = consent_set(session, project)
    if not dataset:
        raise InvalidRecord(f"项目 {project_code} 未关联基础数据集，无法检查方案", feature=project_code)
    with tempfile.TemporaryDirectory(prefix="landcon-consent-") as tmp:
        folder = export_plan(who, project_code, number, Path(tmp) / "plan")
        checked = check_plan_against(
            folder, dataset, dataset_version=pinned_dataset_version(dataset, recorded), consent=consent
        )
    finding = next(f for f in checked.data["findings"] if f["rule"] == CONSENT_RULE)
    a = checked.analysis
    gaps: list[dict[str, Any]] = []
    if a.before is not None:
        removals = C.homestead_removals(a.before.base, a.before.geoms, a.parcels, a.epsg)
        for (layer, pid), rows in removals.groupby(["layer", "id"], sort=False):
            keep = [not consent.covers(layer, pid, b, v) for b, v in zip(rows["bsm"], rows["village"], strict=True)]
            left = rows[keep]
            if len(left):
                gaps.append(
                    {
                        "parcel": f"{layer}:{pid}",
                        "bsm": sorted(set(left["bsm"])),
                        "villages": sorted(set(left["village"])),
                        "area_m2": round(float(left["area_m2"].sum()), 2),
                    }
                )
    return {
        "project": project_code,
        "version": number,
        "finding": finding,
        "stored": stored[0] if stored else None,
        "gaps": gaps,
    }


def import_cmty(who: Actor, project_code: str, number: int | None = None) -> list[dict[str, Any]]:
    """One household consent record (kind demolition, source CMTY) per parcel of plan version ``number``
    (default the latest) whose CMTY is 是 and that no CMTY record names yet; the records' village is the
    actor's village, else the project's first village; dated today."""
    from landcon.services.plan import read_plan
    from landcon.services.projects import export_plan

    with records.read() as session:
        project = get_project(session, who, project_code)
        number = _version(session, project, number).number
    with tempfile.TemporaryDirectory(prefix="landcon-cmty-") as tmp:
        plan = read_plan(export_plan(who, project_code, number, Path(tmp) / "plan"))
    keys = [f"{p.layer}:{p.id}" for p in plan_parcels(plan) if p.consent == CONSENT_GIVEN]
    made: list[dict[str, Any]] = []
    with records.write(who, "vote.record") as session:
        project = get_project(session, who, project_code)
        own = VV.villages(session, project)
        if not own:
            raise InvalidRecord(f"项目 {project_code} 没有涉及的村，无法登记村民同意", feature=project_code)
        unit = next((u for u in own if u.code == who.unit_code), own[0])
        VV.require_recorder(who, unit)
        done = {str(p) for c in _records(session, project) if c.source == CMTY_SOURCE for p in c.parcels}
        for key in keys:
            if key in done:
                continue
            row = ConsentRecord(
                project_id=project.id,
                unit=unit,
                kind=C.DEMOLITION,
                household_code="",
                household_name=f"方案第 {number} 版 CMTY=是",
                parcels=[key],
                given_on=today(),
                source=CMTY_SOURCE,
                attachment_name="",
                created_by=who.username,
            )
            session.add(row)
            session.flush()
            made.append(consent_dict(row))
    return made
