"""公示 use cases: publish a subject, record objections and their answers, and ask whether a subject is cleared.

Who may do what (``engine.org``): ``publicity.publish`` — a county user of the project's county or a
township user of a township the project covers (the publisher's unit issues the notice);
``publicity.object`` — users of the county, or of a township or village the project covers, record an
objection received (from a villager, on paper or in person); ``publicity.answer`` — users of the issuing
unit answer it. The period's minimum and the clearance rule are ``engine.publicity``; ``blockers`` is what
the stage gate (``services.projects``) and other parts (tenure adjustment adoption) ask.
Every write is audited (``records.write``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon.engine import org
from landcon.engine import publicity as P
from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import attachments, records
from landcon.services.clock import today
from landcon.services.org import unit_by_code
from landcon.services.profile import get_profile
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.tasks import parse_date
from landcon.store.models import PlanVersion, Project, Publicity, PublicityObjection, ReallocVersion

MAX_TEXT = 5000


# Reading what the gate and other parts need --------------------------------------------------------


def _all(session: Session, project: Project) -> list[Publicity]:
    return list(session.scalars(select(Publicity).where(Publicity.project_id == project.id).order_by(Publicity.number)))


def _facts(p: Publicity) -> P.NoticeFacts:
    return P.NoticeFacts(
        id=p.id,
        kind=p.subject_kind,
        ref=p.subject_ref,
        start=p.start_date,
        end=p.end_date,
        replaces=p.replaces_id,
        objections=tuple(P.ObjectionFacts(o.received_on, o.outcome) for o in p.objections),
    )


def blockers(
    session: Session, project: Project, subject_kind: str, subject_ref: str | None = None, *, on: dt.date | None = None
) -> list[str]:
    """What keeps the subject (``subject_kind``, ``subject_ref``; None: the kind's latest 公示) from being
    cleared on ``on`` (default today): Chinese reasons, empty when cleared (``engine.publicity.clearance``)."""
    if subject_kind not in P.KINDS:
        raise InvalidRecord(f"未知公示事项类型 {subject_kind}（可用 {', '.join(P.KINDS)}）", field="kind")
    notices = [_facts(p) for p in _all(session, project)]
    ref = None if subject_ref is None else str(subject_ref)
    return P.clearance(notices, subject_kind, ref, on or today())


def objections_for(
    session: Session, project: Project, subject_kind: str, subject_ref: str | None = None
) -> list[dict[str, Any]]:
    """The objections to the 公示 of a subject (all of the kind when ``subject_ref`` is None), oldest first:
    公示 number, household code (承包方编码, "" if not given), name, content, received on, answer, outcome."""
    rows: list[dict[str, Any]] = []
    for p in _all(session, project):
        if p.subject_kind != subject_kind or (subject_ref is not None and p.subject_ref != str(subject_ref)):
            continue
        rows.extend({"publicity": p.number, "subject_ref": p.subject_ref, **_objection_dict(o)} for o in p.objections)
    return rows


def objections_for_project(
    who: Actor, code: str, subject_kind: str, subject_ref: str | None = None
) -> list[dict[str, Any]]:
    """``objections_for`` for an actor who may read project ``code``."""
    with records.read() as session:
        return objections_for(session, get_project(session, who, code), subject_kind, subject_ref)


def _objection_dict(o: PublicityObjection) -> dict[str, Any]:
    return {
        "id": o.id,
        "household": o.household,
        "name": o.name,
        "contact": o.contact,
        "content": o.content,
        "received_on": o.received_on.isoformat(),
        "recorded_by": o.recorded_by,
        "answer": o.answer,
        "outcome": o.outcome,
        "outcome_name": P.OUTCOMES.get(o.outcome or "", "待答复"),
        "answered_by": o.answered_by,
        "answered_on": o.answered_on.isoformat() if o.answered_on else None,
    }


def publicity_dict(p: Publicity, on: dt.date, numbers: dict[int, int] | None = None) -> dict[str, Any]:
    facts = _facts(p)
    state = P.status(facts, on)
    return {
        "number": p.number,
        "kind": p.subject_kind,
        "kind_name": P.KINDS.get(p.subject_kind, p.subject_kind),
        "ref": p.subject_ref,
        "subject": P.subject_label(p.subject_kind, p.subject_ref),
        "title": p.title,
        "notice": p.notice,
        "place": p.place,
        "place_unit": p.place_unit.code if p.place_unit else None,
        "place_unit_name": p.place_unit.name if p.place_unit else None,
        "contact": p.contact,
        "unit": p.unit.code,
        "unit_name": p.unit.name,
        "start": p.start_date.isoformat(),
        "end": p.end_date.isoformat(),
        "days": P.period_days(p.start_date, p.end_date),
        "replaces": (numbers or {}).get(p.replaces_id or 0),
        "table_name": p.table_name,
        "published_by": p.published_by,
        "status": state,
        "status_name": P.STATUS_NAMES[state],
        "objections": [_objection_dict(o) for o in p.objections],
        "unanswered": facts.unanswered,
    }


def list_publicities(who: Actor, code: str, *, on: dt.date | None = None) -> list[dict[str, Any]]:
    """A project's 公示, newest first, each with its status on ``on`` (default today) and its objections."""
    on = on or today()
    with records.read() as session:
        project = get_project(session, who, code)
        items = _all(session, project)
        numbers = {p.id: p.number for p in items}
        return [publicity_dict(p, on, numbers) for p in reversed(items)]


def _get(session: Session, project: Project, number: int) -> Publicity:
    p = session.scalars(
        select(Publicity).where(Publicity.project_id == project.id, Publicity.number == int(number))
    ).first()
    if p is None:
        raise NotFound(f"项目 {project.code} 没有第 {number} 号公示", feature=number)
    return p


def show(who: Actor, code: str, number: int, *, on: dt.date | None = None) -> dict[str, Any]:
    """One 公示 with its objections and, for its subject, the clearance reasons on ``on``."""
    on = on or today()
    with records.read() as session:
        project = get_project(session, who, code)
        p = _get(session, project, number)
        numbers = {x.id: x.number for x in _all(session, project)}
        out = publicity_dict(p, on, numbers)
        out["project"] = project.code
        out["project_name"] = project.name
        out["blockers"] = blockers(session, project, p.subject_kind, p.subject_ref, on=on)
        out["replaced_by"] = [x.number for x in _all(session, project) if x.replaces_id == p.id]
        return out


# Who may act -----------------------------------------------------------------------------------------


def _covers_unit(session: Session, who: Actor, project: Project) -> bool:
    """The actor's unit is the project's county, or a township or village the project covers."""
    if who.unit_level == org.COUNTY:
        return who.unit_id == project.county_id
    if who.unit_level in (org.TOWNSHIP, org.VILLAGE):
        return records.covers(session, who, project) and not records.in_scope(who, project.county.path)
    return False


def require_publish(session: Session, who: Actor, project: Project) -> None:
    """``publicity.publish`` by a user of the project's county or of a township the project covers."""
    records.require(who, "publicity.publish")
    if who.unit_level not in (org.COUNTY, org.TOWNSHIP) or not _covers_unit(session, who, project):
        raise PermissionDenied(
            f"用户 {who.label()} 属于 {who.unit_name}：只有项目所在县或所涉乡镇的用户可以发布公示", feature=project.code
        )


def require_object(session: Session, who: Actor, project: Project) -> None:
    """``publicity.object`` by a user of the project's county or of a township or village it covers."""
    records.require(who, "publicity.object")
    if not _covers_unit(session, who, project):
        raise PermissionDenied(
            f"用户 {who.label()} 属于 {who.unit_name}：只有项目所在县、所涉乡镇或村的用户可以登记异议",
            feature=project.code,
        )


def require_answer(who: Actor, p: Publicity) -> None:
    """``publicity.answer`` by a user of the unit that issued the 公示."""
    records.require(who, "publicity.answer")
    if who.unit_id != p.unit_id:
        raise PermissionDenied(
            f"用户 {who.label()} 属于 {who.unit_name}：第 {p.number} 号公示由 {p.unit.name} 发布，只能由该单位答复异议"
        )


# Writing ---------------------------------------------------------------------------------------------


def _text(value: str, field: str, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidRecord(f"{what}不能为空", field=field)
    if len(text) > limit:
        raise InvalidRecord(f"{what}过长（{len(text)} 字，最多 {limit} 字）", field=field)
    return text


def _check_ref(session: Session, project: Project, kind: str, ref: str) -> None:
    """A plan or 权属调整 subject names a stored version of the project."""
    model: type[PlanVersion] | type[ReallocVersion]
    if kind == P.PLAN:
        model = PlanVersion
    elif kind == P.REALLOC:
        model = ReallocVersion
    else:
        return
    if (
        not ref.isdigit()
        or not session.scalars(select(model.id).where(model.project_id == project.id, model.number == int(ref))).first()
    ):
        raise NotFound(f"项目 {project.code} 没有{P.KINDS[kind]}版本 {ref!r}", field="ref", feature=ref)


def publish(
    who: Actor,
    code: str,
    *,
    kind: str,
    ref: str | int = "",
    place: str,
    start: dt.date | str,
    end: dt.date | str,
    title: str = "",
    notice: str = "",
    contact: str = "",
    place_unit: str | None = None,
    replaces: int | None = None,
    table: str | Path | None = None,
) -> dict[str, Any]:
    """Publish a 公示 of subject ``kind`` / ``ref`` (plan and 权属调整: a stored version number) at ``place``
    (of ``place_unit``, a township or village of the project's county) for ``start … end``, at least the
    profile's ``publicity.min_days`` for the kind. ``replaces``: the number of the 公示 whose upheld
    objection this re-publication answers (same kind). ``table``: a file attached to the notice."""
    if kind not in P.KINDS:
        raise InvalidRecord(f"未知公示事项类型 {kind!r}（可用 {', '.join(P.KINDS)}）", field="kind")
    ref_text = _text(str(ref), "ref", "公示事项编号", required=kind in (P.PLAN, P.REALLOC), limit=40)
    place_text = _text(place, "place", "公示地点", limit=100)
    start_d, end_d = parse_date(start, "start", "开始日期"), parse_date(end, "end", "结束日期")
    problem = P.period_problem(kind, start_d, end_d, get_profile().publicity)
    if problem:
        raise InvalidRecord(problem, field="end")
    with records.write(who, "publicity.publish") as session:
        project = get_project(session, who, code)
        require_publish(session, who, project)
        _check_ref(session, project, kind, ref_text)
        old: Publicity | None = None
        if replaces is not None:
            old = _get(session, project, replaces)
            if old.subject_kind != kind:
                what = f"第 {old.number} 号公示的事项是{P.KINDS[old.subject_kind]}"
                raise InvalidRecord(f"{what}，重新公示须为同一类事项", field="replaces")
            if not any(o.outcome == P.UPHELD for o in old.objections):
                raise InvalidRecord(f"第 {old.number} 号公示没有成立的异议，无需重新公示", field="replaces")
        unit = None
        if place_unit:
            unit = unit_by_code(session, place_unit)
            if not unit.path.startswith(project.county.path) or unit.level not in (org.TOWNSHIP, org.VILLAGE):
                raise InvalidRecord(
                    f"公示地点所在单位 {unit.name}（{unit.code}）应为 {project.county.name} 的乡镇或村",
                    field="place_unit",
                    feature=place_unit,
                )
        number = int(session.scalar(select(func.max(Publicity.number)).where(Publicity.project_id == project.id)) or 0)
        blob = attachments.store_file(session, table) if table else None
        p = Publicity(
            project_id=project.id,
            number=number + 1,
            subject_kind=kind,
            subject_ref=ref_text,
            title=_text(title, "title", "标题", required=False, limit=200) or f"关于{P.subject_label(kind, ref_text)}",
            notice=_text(notice, "notice", "公示内容", required=False),
            place=place_text,
            place_unit_id=unit.id if unit else None,
            contact=_text(contact, "contact", "联系方式", required=False, limit=200),
            unit_id=who.unit_id,
            start_date=start_d,
            end_date=end_d,
            replaces_id=old.id if old else None,
            table_sha=blob.sha256 if blob else None,
            table_name=Path(table).name if table else None,
            published_by=who.username,
        )
        session.add(p)
        session.flush()
        session.refresh(p)
        return publicity_dict(p, today(), {old.id: old.number} if old else None)


def add_objection(
    who: Actor,
    code: str,
    number: int,
    *,
    name: str,
    content: str,
    received_on: dt.date | str,
    household: str = "",
    contact: str = "",
) -> dict[str, Any]:
    """Record an objection to 公示 ``number``, received on a day within its period (else refused with the
    dates): who (name, optional 承包方编码 ``household``, contact) and what."""
    received = parse_date(received_on, "received_on", "收到日期")
    with records.write(who, "publicity.object") as session:
        project = get_project(session, who, code)
        require_object(session, who, project)
        p = _get(session, project, number)
        problem = P.receipt_problem(p.start_date, p.end_date, received)
        if problem:
            raise InvalidRecord(problem, field="received_on")
        o = PublicityObjection(
            publicity_id=p.id,
            name=_text(name, "name", "异议人姓名", limit=100),
            household=_text(household, "household", "承包方编码", required=False, limit=40),
            contact=_text(contact, "contact", "联系方式", required=False, limit=100),
            content=_text(content, "content", "异议内容"),
            received_on=received,
            recorded_by=who.username,
        )
        session.add(o)
        session.flush()
        return _objection_dict(o)


def answer(
    who: Actor,
    code: str,
    number: int,
    objection: int,
    *,
    text: str,
    outcome: str,
    on: dt.date | str | None = None,
) -> dict[str, Any]:
    """Answer objection ``objection`` of 公示 ``number`` (the issuing unit): ``outcome`` upheld (the subject
    is to change and be published again) or dismissed (``text`` gives the reason); answered ``on``
    (default today). An answer once given is not replaced."""
    if outcome not in P.OUTCOMES:
        raise InvalidRecord(f"答复结论应为 {'、'.join(f'{k}（{v}）' for k, v in P.OUTCOMES.items())}", field="outcome")
    answer_text = _text(text, "text", "答复内容（异议不成立时写明理由）")
    answered_on = parse_date(on, "on", "答复日期") if on else today()
    with records.write(who, "publicity.answer") as session:
        project = get_project(session, who, code)
        p = _get(session, project, number)
        require_answer(who, p)
        o = next((x for x in p.objections if x.id == int(objection)), None)
        if o is None:
            raise NotFound(f"第 {p.number} 号公示没有编号为 {objection} 的异议", feature=objection)
        if o.outcome is not None:
            raise InvalidRecord(f"异议 {o.id} 已于 {o.answered_on} 答复（{P.OUTCOMES[o.outcome]}），不能再次答复")
        if answered_on < o.received_on:
            raise InvalidRecord(
                f"答复日期 {answered_on.isoformat()} 早于异议收到日期 {o.received_on.isoformat()}", field="on"
            )
        o.answer, o.outcome, o.answered_by, o.answered_on = answer_text, outcome, who.username, answered_on
        session.flush()
        return _objection_dict(o)


__all__ = [
    "add_objection",
    "answer",
    "blockers",
    "list_publicities",
    "objections_for",
    "objections_for_project",
    "publicity_dict",
    "publish",
    "require_answer",
    "require_object",
    "require_publish",
    "show",
]
