"""Acceptance records (验收记录) in a project's lifecycle (docs/acceptance.md, "Acceptance records").

``record`` keeps one acceptance: of a sub-project (by a county-level user of the project's county in
the sub-project's responsible department or the natural-resources bureau as coordinator,
``engine.acceptance_records.may_accept_sub_project``) or of the whole project (by a user at or above
the level of the chain's acceptance stage: 州/市 in the Yunnan chain, the province where the chain
says so; a 复核 ``review`` by the same users once the project has passed the ``accepted``
milestone, on a new computation: the latest passing record is what the 补充耕地指标 and its 核减
follow), with 验收意见 (checked against the computation's rules, ``check_rules``), conditions (each
opened as a 责任清单 task through ``services.tasks.new_task``), date, members, attachments
(``services.attachments``) and the computation it was based on (acceptance.json of ``accept
check``, required for the whole project). The user needs ``acceptance.record`` over the project's
county. ``require_passing`` is what ``services.projects`` asks before a project reaches the chain's
``accepted`` milestone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import acceptance_records as AR
from landcon.engine import workflow as wf
from landcon.engine.org import COUNTY, LEVEL_NAMES, LEVELS
from landcon.errors import InputReadError, InvalidRecord, NotFound, PermissionDenied, TransitionRefused
from landcon.services import attachments, records, tasks
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import Acceptance, AcceptanceAttachment, Project, SubProject


def _at_or_above(level: str, required: str | None) -> bool:
    return required is None or LEVELS.index(level) <= LEVELS.index(required)


def _computation(path: str | Path, code: str) -> dict[str, Any]:
    """acceptance.json of ``accept check`` for project ``code``."""
    file = Path(path)
    if file.is_dir():
        file = file / "acceptance.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputReadError(f"验收核算结果无法读取：{exc}", path=str(file)) from exc
    if not isinstance(data, dict) or data.get("project") != code or "totals" not in data:
        raise InvalidRecord(f"不是项目 {code} 的验收核算结果（accept check 的 acceptance.json）", path=str(file))
    return data


def _rules(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The computation's acceptance rule results; a computation without them cannot be checked."""
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(r, dict) for r in rules):
        return [{"id": "rules", "title": "验收核算结果没有验收规则", "status": "unknown"}]
    return rules


def _check_new(session: Session, project: Project, data: dict[str, Any]) -> None:
    """A 复核 rests on a computation no earlier whole-project record of the project holds."""
    earlier = session.scalars(
        select(Acceptance.computation).where(Acceptance.project_id == project.id, Acceptance.level == AR.PROJECT)
    ).all()
    if any(c == data for c in earlier if c):
        raise InvalidRecord("复核须依据新的竣工核实核算结果：该核算结果已用于此前的验收记录", field="computation")


def _sub_project(session: Session, project: Project, code: str) -> SubProject:
    sub = session.scalars(
        select(SubProject).where(SubProject.project_id == project.id, SubProject.code == code)
    ).first()
    if sub is None:
        raise NotFound(f"项目 {project.code} 没有子项目 {code}", field="sub_project", feature=code)
    return sub


def _check_level(who: Actor, project: Project, chain: wf.Chain, level: str, review: bool = False) -> None:
    """Whole project: at the chain's acceptance stage (a 复核 ``review``: once the project has passed the
    ``accepted`` milestone), by a user at or above that stage's level; sub-project: once the plan is
    approved, by a county-level user."""
    accepted = chain.milestones.accepted
    if review and level != AR.PROJECT:
        raise InvalidRecord("复核只对整体验收记录", field="review")
    if level == AR.PROJECT:
        if review:
            if accepted is None or not chain.reached(project.stage, wf.ACCEPTED):
                raise TransitionRefused(
                    f"项目 {project.code} 当前处于“{project.stage_name}”阶段：通过验收后才能记录复核"
                )
        elif accepted is None or project.stage != accepted:
            hint = "；通过验收后的复核请记为复核（--review）" if chain.reached(project.stage, wf.ACCEPTED) else ""
            raise TransitionRefused(
                f"项目 {project.code} 当前处于“{project.stage_name}”阶段：整体验收在验收阶段进行{hint}"
            )
        required = chain.stage(accepted).level if accepted is not None else None
        if not _at_or_above(who.unit_level, required):
            raise PermissionDenied(f"整体验收须由{LEVEL_NAMES.get(required or '', '')}或以上单位记录")
    elif level == AR.SUB_PROJECT:
        if not chain.reached(project.stage, wf.APPROVED):
            raise TransitionRefused(f"项目 {project.code} 当前处于“{project.stage_name}”阶段：方案获批后才能验收子项目")
        if who.unit_level != COUNTY:
            raise PermissionDenied("子项目验收由县级责任部门记录")
    else:
        raise InvalidRecord(f"验收层级应为 {'、'.join(AR.LEVELS)} 之一，不是 {level}", field="level")


def record(
    who: Actor,
    project_code: str,
    *,
    level: str,
    opinion: str,
    accepted_on: dt.date | str,
    members: Sequence[str],
    sub_project: str | None = None,
    conditions: Sequence[str] = (),
    deadline: dt.date | str | None = None,
    computation: str | Path | None = None,
    files: Sequence[str | Path] = (),
    review: bool = False,
) -> dict[str, Any]:
    """Keep one acceptance record (module docstring); conditions open tasks due ``deadline``. ``review``:
    a 复核 of the whole project after the ``accepted`` milestone, on a new computation."""
    cleaned = tuple(c.strip() for c in conditions if c.strip())
    problem = AR.check_opinion(opinion, cleaned)
    if problem:
        raise InvalidRecord(problem, field="opinion")
    names = [m.strip() for m in members if m.strip()]
    if not names:
        raise InvalidRecord("须列出验收组成员", field="members")
    if cleaned and deadline is None:
        raise InvalidRecord("整改条件须有完成期限", field="deadline")
    when = tasks.parse_date(accepted_on, "accepted_on", "验收日期")
    with records.write(who, "acceptance.record") as session:
        project = get_project(session, who, project_code)
        records.require(who, "acceptance.record", project.county)
        chain = wf.Chain.from_dict(project.chain)
        _check_level(who, project, chain, level, review)
        sub = None
        if level == AR.SUB_PROJECT:
            if not sub_project:
                raise InvalidRecord("子项目验收须指明子项目编号", field="sub_project")
            sub = _sub_project(session, project, sub_project)
            if not AR.may_accept_sub_project(who.department_kind, sub.department):
                named = sub.department.strip() or "未填写"
                raise PermissionDenied(
                    f"子项目 {sub.code} 的验收由其责任部门（{named}）或县自然资源主管部门记录，"
                    f"{who.label()} 不属于这些部门"
                )
        data = _computation(computation, project.code) if computation is not None else None
        if level == AR.PROJECT and data is None:
            raise InvalidRecord("整体验收须附验收核算结果（accept check 的 acceptance.json）", field="computation")
        if review and data is not None:
            _check_new(session, project, data)
        if data is not None:
            problem = AR.check_rules(opinion, cleaned, _rules(data))
            if problem:
                raise InvalidRecord(problem, field="opinion")
        task_unit = sub.unit.code if sub is not None and sub.unit is not None else project.county.code
        opened = [
            tasks.new_task(
                session,
                who,
                title=f"验收整改：{condition}"[:200],
                unit=task_unit,
                deadline=deadline or when,
                project=project,
                note=f"{AR.LEVELS[level]}{'（' + sub.code + '）' if sub else ''}整改条件",
            )
            for condition in cleaned
        ]
        row = Acceptance(
            project_id=project.id,
            sub_project_id=sub.id if sub is not None else None,
            level=level,
            review=review,
            unit_id=who.unit_id,
            opinion=opinion,
            conditions=list(cleaned),
            task_ids=[t.id for t in opened],
            accepted_on=when,
            members=names,
            computation=data,
            created_by=who.username,
        )
        for path in files:
            records.require(who, "attachment.add", project.county)
            blob = attachments.store_file(session, path)
            if all(a.blob_sha != blob.sha256 for a in row.attachments):
                row.attachments.append(AcceptanceAttachment(blob_sha=blob.sha256, name=Path(path).name[:200]))
        session.add(row)
        session.flush()
        return _as_dict(row, project.code, sub.code if sub else None)


def _as_dict(row: Acceptance, project: str, sub: str | None) -> dict[str, Any]:
    data = row.computation or {}
    return {
        "id": row.id,
        "project": project,
        "level": row.level,
        "level_name": AR.LEVELS[row.level] + ("（复核）" if row.review else ""),
        "review": bool(row.review),
        "sub_project": sub,
        "unit": row.unit.code if row.unit is not None else None,
        "opinion": row.opinion,
        "passing": AR.is_passing(row.level, row.opinion),
        "conditions": list(row.conditions),
        "tasks": list(row.task_ids),
        "accepted_on": row.accepted_on.isoformat(),
        "members": list(row.members),
        "totals": data.get("totals"),
        "attachments": [{"name": a.name, "sha256": a.blob_sha} for a in row.attachments],
        "created_by": row.created_by,
    }


def list_records(who: Actor, project_code: str) -> list[dict[str, Any]]:
    """A project's acceptance records, oldest first (``project.read``)."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        rows = session.scalars(select(Acceptance).where(Acceptance.project_id == project.id).order_by(Acceptance.id))
        return [_as_dict(r, project.code, r.sub_project.code if r.sub_project else None) for r in rows]


def require_passing(session: Session, project: Project) -> None:
    """Refuse reaching the ``accepted`` milestone without a passing whole-project record."""
    rows = session.scalars(
        select(Acceptance.opinion).where(Acceptance.project_id == project.id, Acceptance.level == AR.PROJECT)
    ).all()
    if not any(AR.is_passing(AR.PROJECT, o) for o in rows):
        raise TransitionRefused(
            f"项目 {project.code} 没有验收意见为“同意”或“整改后同意”的整体验收记录（landcon accept record）"
        )


def latest_passing_computation(who: Actor, project_code: str) -> dict[str, Any] | None:
    """The newest passing whole-project record that stores its computation with the as-built parcels
    (``asbuilt_parcels``): ``{"record": …, "computation": …}``, None when there is none
    (``project.read``). The 验收 报备 takes its new farmland from it (``services.baobei``)."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        rows = session.scalars(
            select(Acceptance)
            .where(Acceptance.project_id == project.id, Acceptance.level == AR.PROJECT)
            .order_by(Acceptance.id.desc())
        )
        for row in rows:
            data = row.computation or {}
            if AR.is_passing(row.level, row.opinion) and "asbuilt_parcels" in data:
                return {"record": _as_dict(row, project.code, None), "computation": data}
    return None
