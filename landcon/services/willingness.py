"""意愿调查 use cases: a project's questionnaire, its households, responses and results.

Permissions (``engine.org``): ``willingness.manage`` (questionnaire, household list) for users of the
project's county (authors, supervisors) or of a township the project covers (its reporters);
``willingness.respond`` for users whose unit is the household's village or above it (a village
cadre enters the answers of its own village only); reading needs only that the project is readable
(``project_access.get_project``: county users and users of covered townships and villages).

Households come from the project's latest saved 权属调整 version (its 承包方 list,
``services.willingness_households``) or from an imported roster (``services.willingness_import``).
Answers are checked and counted by ``engine.willingness``; every write is audited (``records.write``)
and a response keeps who entered it and its source.
Public views (web page, map, notices) mask 承包方编码 like the 权属调整 公示 (``mask_code``).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import willingness as W
from landcon.engine.org import TOWNSHIP, VILLAGE, level_of
from landcon.engine.realloc.indices import mask_code
from landcon.errors import InputReadError, InvalidRecord, NotFound, PermissionDenied
from landcon.services import records
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import (
    Project,
    Questionnaire,
    SurveyHousehold,
    SurveyResponse,
    Unit,
    utcnow,
)

TEMPLATE = "questionnaires/quanyu.yaml"
UNGROUPED = "（未分组）"


def template() -> dict[str, Any]:
    """The packaged standard questionnaire for 全域整治 (checked)."""
    text = resources.files("landcon.data").joinpath(TEMPLATE).read_text(encoding="utf-8")
    return W.check_questionnaire(yaml.safe_load(text)).to_dict()


def read_questionnaire_file(path: str | Path) -> dict[str, Any]:
    """A questionnaire from a YAML or JSON file (the template's layout)."""
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputReadError(f"问卷文件无法读取：{error}", path=str(source)) from error
    if not isinstance(data, Mapping):
        raise InputReadError("问卷文件应为 title 和 questions 两项", path=str(source))
    try:
        return W.check_questionnaire(data).to_dict()
    except InvalidRecord as error:
        raise InvalidRecord(error.message, path=str(source), field=error.field) from error


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


def require_manage(session: Session, who: Actor, project: Project) -> None:
    """``willingness.manage`` on the project's county, or as a user of a township the project covers."""
    records.require(who, "willingness.manage")
    if records.in_scope(who, project.county.path):
        return
    if who.unit_level == TOWNSHIP and records.covers(session, who, project):
        return
    raise PermissionDenied(
        f"用户 {who.label()} 属于 {who.unit_name}：只有项目所在县或所涉乡镇的用户可以管理意愿调查问卷和农户名单"
    )


def household_unit(session: Session, project: Project, household: SurveyHousehold) -> Unit:
    """The unit a household's answers are entered under: its village when registered, else the county."""
    if household.village_code:
        unit = session.scalars(select(Unit).where(Unit.code == household.village_code)).first()
        if unit is not None and unit.path.startswith(project.county.path):
            return unit
    return project.county


def require_respond(session: Session, who: Actor, project: Project, household: SurveyHousehold) -> None:
    """``willingness.respond`` on the household's village (or the county when it is not registered)."""
    records.require(who, "willingness.respond", household_unit(session, project, household))


def may_respond(session: Session, who: Actor, project: Project, household: SurveyHousehold) -> bool:
    try:
        require_respond(session, who, project, household)
    except PermissionDenied:
        return False
    return True


def questionnaire_of(session: Session, project: Project) -> Questionnaire:
    found = session.scalars(select(Questionnaire).where(Questionnaire.project_id == project.id)).first()
    if found is None:
        raise NotFound(
            f"项目 {project.code} 还没有意愿调查问卷（landcon willingness create {project.code}）", feature=project.code
        )
    return found


def engine_questionnaire(q: Questionnaire) -> W.Questionnaire:
    return W.check_questionnaire({"title": q.title, "questions": q.questions})


def households_of(session: Session, q: Questionnaire) -> list[SurveyHousehold]:
    return list(
        session.scalars(
            select(SurveyHousehold)
            .where(SurveyHousehold.questionnaire_id == q.id)
            .order_by(SurveyHousehold.village_code, SurveyHousehold.group_name, SurveyHousehold.code)
        )
    )


def responses_of(session: Session, q: Questionnaire) -> dict[int, SurveyResponse]:
    rows = session.scalars(
        select(SurveyResponse)
        .join(SurveyHousehold, SurveyResponse.household_id == SurveyHousehold.id)
        .where(SurveyHousehold.questionnaire_id == q.id)
    )
    return {r.household_id: r for r in rows}


# ---------------------------------------------------------------------------------------------
# Questionnaire and households
# ---------------------------------------------------------------------------------------------


def create(who: Actor, code: str, questionnaire: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Give the project its questionnaire (the standard template when none is given). An existing
    questionnaire is replaced only while it has no responses."""
    checked = W.check_questionnaire(questionnaire or template()).to_dict()
    with records.write(who, "willingness.manage") as session:
        project = get_project(session, who, code)
        require_manage(session, who, project)
        found = session.scalars(select(Questionnaire).where(Questionnaire.project_id == project.id)).first()
        if found is not None:
            if responses_of(session, found):
                raise InvalidRecord(f"项目 {code} 的问卷已有农户回答，不能更换", feature=code)
            found.title, found.questions = checked["title"], checked["questions"]
        else:
            found = Questionnaire(
                project_id=project.id, title=checked["title"], questions=checked["questions"], created_by=who.username
            )
            session.add(found)
        session.flush()
        return {"project": code, "title": found.title, "questions": found.questions}


def show(who: Actor, code: str) -> dict[str, Any]:
    """The questionnaire with its household count."""
    with records.read() as session:
        project = get_project(session, who, code)
        q = questionnaire_of(session, project)
        n = len(households_of(session, q))
        return {"project": code, "title": q.title, "questions": q.questions, "households": n}


def household_dict(h: SurveyHousehold, response: SurveyResponse | None, *, public: bool) -> dict[str, Any]:
    return {
        "code": mask_code(h.code) if public else h.code,
        "head": h.head,
        "village_code": h.village_code,
        "village": h.village_name or h.village_code or "（未知村）",
        "group": h.group_name or UNGROUPED,
        "people": h.people,
        "homestead_bsm": h.homestead_bsm,
        "responded": response is not None,
        "answers": dict(response.answers) if response else None,
        "source": response.source if response else None,
        "entered_by": response.entered_by if response else None,
        "entered_at": response.entered_at.isoformat(timespec="seconds") if response else None,
    }


def list_households(who: Actor, code: str, *, village: str | None = None, public: bool = True) -> list[dict[str, Any]]:
    """The survey's households (optionally of one village code), each with its response. ``public``
    masks 承包方编码 except for the households the actor may answer for (``may_respond``: its working
    list, whose codes its imports name); every full code needs ``willingness.manage``."""
    with records.read() as session:
        project = get_project(session, who, code)
        if not public:
            require_manage(session, who, project)
        q = questionnaire_of(session, project)
        answered = responses_of(session, q)
        out = []
        for h in households_of(session, q):
            if village and h.village_code != village:
                continue
            allowed = may_respond(session, who, project, h)
            row = household_dict(h, answered.get(h.id), public=public and not allowed)
            row["key"] = h.id
            row["may_respond"] = allowed
            out.append(row)
        return out


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


def find_household(
    session: Session, q: Questionnaire, *, code: str | None = None, key: int | None = None
) -> SurveyHousehold:
    query = select(SurveyHousehold).where(SurveyHousehold.questionnaire_id == q.id)
    query = query.where(SurveyHousehold.id == key) if key is not None else query.where(SurveyHousehold.code == code)
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"问卷中没有承包方 {code or key}", field="household", feature=str(code or key))
    return found


def store_response(
    session: Session, who: Actor, h: SurveyHousehold, answers: dict[str, object], source: str, respondent: str
) -> SurveyResponse:
    if source not in W.SOURCES:
        raise InvalidRecord(f"来源 {source!r} 应为 {'、'.join(W.SOURCES)}", field="source")
    respondent = (respondent or "").strip()
    if len(respondent) > 100:
        raise InvalidRecord("受访人不超过 100 字", field="respondent")
    found = session.scalars(select(SurveyResponse).where(SurveyResponse.household_id == h.id)).first()
    if found is None:
        found = SurveyResponse(household_id=h.id, answers=answers, source=source, entered_by=who.username)
        session.add(found)
    else:
        found.answers, found.source, found.entered_by = answers, source, who.username
        found.entered_at = utcnow()
    found.respondent = respondent
    session.flush()
    return found


def respond(
    who: Actor,
    code: str,
    household: str | int,
    answers: Mapping[str, object],
    *,
    source: str = "web",
    respondent: str = "",
) -> dict[str, Any]:
    """Enter (or replace) one household's answers; ``household`` is its 承包方编码, or its record id (int)
    as the web form posts it. Needs ``willingness.respond`` on the household's village."""
    records.require(who, "willingness.respond")
    with records.write(who, "willingness.respond") as session:
        project = get_project(session, who, code)
        q = questionnaire_of(session, project)
        key = household if isinstance(household, int) else None
        h = find_household(session, q, code=None if key is not None else str(household).strip(), key=key)
        require_respond(session, who, project, h)
        checked = W.check_answers(engine_questionnaire(q), answers)
        saved = store_response(session, who, h, checked, source, respondent)
        return household_dict(h, saved, public=False) | {"respondent": saved.respondent}


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def _computed(
    session: Session, project: Project
) -> tuple[Questionnaire, W.Results, list[SurveyHousehold], dict[int, SurveyResponse]]:
    q = questionnaire_of(session, project)
    members = households_of(session, q)
    answered = responses_of(session, q)
    people = [W.Household(h.code, h.head, h.village_code, h.group_name) for h in members]
    answers = {h.code: answered[h.id].answers for h in members if h.id in answered}
    return q, W.aggregate(engine_questionnaire(q), people, answers), members, answered


def results(who: Actor, code: str, *, public: bool = True) -> dict[str, Any]:
    """Response rate and agreement by village and village group, per question, and the objecting
    households (named; 承包方编码 masked when ``public``, full codes need ``willingness.manage``)."""
    with records.read() as session:
        project = get_project(session, who, code)
        if not public:
            require_manage(session, who, project)
        q, res, members, _ = _computed(session, project)
        names = {h.village_code: h.village_name for h in members}
        consent = engine_questionnaire(q).consent
        villages = []
        for v, tally in res.villages.items():
            groups = [{"group": g or UNGROUPED, **t.to_dict()} for (gv, g), t in res.groups.items() if gv == v]
            villages.append({"code": v, "name": names.get(v) or v or "（未知村）", **tally.to_dict(), "groups": groups})
        by_code = {h.code: h for h in members}
        return {
            "project": code,
            "project_name": project.name,
            "dataset": project.dataset,
            "title": q.title,
            "questions": q.questions,
            "consent_key": consent.key if consent else None,
            "total": res.total.to_dict(),
            "villages": villages,
            "objecting": [
                {
                    "code": mask_code(h.code) if public else h.code,
                    "head": h.head,
                    "village": by_code[h.code].village_name or h.village,
                    "group": h.group or UNGROUPED,
                }
                for h in res.objecting
            ],
        }


def plan_summary(who: Actor, code: str) -> dict[str, Any] | None:
    """The willingness summary for the 实施方案 (公众意愿 chapter), ``None`` when the project has no
    questionnaire. Village ``agree``/``object`` count the consent question's answers."""
    with records.read() as session:
        project = get_project(session, who, code)
        found = session.scalars(select(Questionnaire).where(Questionnaire.project_id == project.id)).first()
        if found is None:
            return None
        q, res, members, _ = _computed(session, project)
    names = {h.village_code: h.village_name for h in members}
    total = res.total
    return {
        "title": q.title,
        "households": total.households,
        "responded": total.responded,
        "response_rate": total.response_rate or 0.0,
        "questions": [
            {
                "key": c.key,
                "text": c.text,
                "kind": c.kind,
                "answered": c.answered,
                "agree": c.agree,
                "object": c.objecting,
                "agree_share": c.agree_share,
            }
            for c in total.questions
        ],
        "villages": [
            {
                "code": v,
                "name": names.get(v) or v,
                "households": t.households,
                "responded": t.responded,
                "agree": t.agree,
                "object": t.objecting,
            }
            for v, t in res.villages.items()
        ],
        "objecting_households": len(res.objecting),
    }


def village_of_actor(who: Actor) -> str | None:
    """The actor's village code when it is a village user (its households come first on the form)."""
    return who.unit_code if who.unit_code and level_of(who.unit_code) == VILLAGE else None
