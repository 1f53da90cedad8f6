"""整治项目 use cases: create, list, show, plan versions, lifecycle transitions and joint review.

Lifecycle rules live in ``engine.workflow``; this module gathers the facts (plan check, opinions,
open tasks), asks ``check_transition`` and applies the effects in one audited transaction:

- leaving 方案编制 submits the latest draft plan version and freezes it, and sets the townships and
  villages the project covers from its 整治区域 (``services.covered_units``);
- entering a review stage opens a review round with one opinion task per required department of
  the unit that runs the stage (the project's county, its prefecture, or the province);
- closing a review stage needs every required department's 同意/修改后同意 (conditions written);
- leaving a stage that names 公示 subject kinds (``Stage.publicity``) needs each kind's latest 公示 cleared
  (``services.publicity.blockers``);
- rejecting sends the project back to 方案编制; a new draft then starts from the frozen version.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon.engine import workflow as wf
from landcon.engine.indicators import registry as indicators_reg
from landcon.engine.org import DEPARTMENTS, LEVELS
from landcon.engine.rules import ERROR, WARNING
from landcon.errors import InvalidRecord, NotFound, PermissionDenied, TransitionRefused
from landcon.services import acceptance_records, attachments, clock, covered_units, project_access, publicity, records
from landcon.services.consent import consent_set
from landcon.services.datasets import readable as dataset_readable
from landcon.services.datasets import store as dataset_store
from landcon.services.org import unit_by_code
from landcon.services.plan import check_plan_against, diff_plans, pinned_dataset_version
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.services.tasks import OPEN
from landcon.store.models import (
    Department,
    OpinionAttachment,
    PlanFile,
    PlanVersion,
    Project,
    ProjectUnit,
    ReviewOpinion,
    ReviewRound,
    StageEvent,
    Task,
    Unit,
    utcnow,
)
from landcon.store.profile import read_chain
from landcon.store.staging import staged_folder

DRAFT, SUBMITTED = "draft", "submitted"


def _chain(project: Project) -> wf.Chain:
    return wf.Chain.from_dict(project.chain)


def load_chain(name_or_path: str | None = None) -> wf.Chain:
    """A built-in chain (``yunnan``, ``national``) or a YAML/JSON chain file (docs/records.md); ``None``: the
    profile's chain (docs/profile.md)."""
    return get_profile().chain if name_or_path is None else read_chain(name_or_path)


def create_project(
    who: Actor,
    code: str,
    name: str,
    *,
    county: str,
    units: Sequence[str] = (),
    dataset: str | None = None,
    chain: str | None = None,
) -> dict[str, Any]:
    """A new project of ``county`` covering townships/villages ``units``; it starts in the chain's first stage."""
    the_chain = load_chain(chain)
    if dataset is not None and not dataset_readable(who, dataset):
        raise NotFound(f"数据集 {dataset} 不存在（先运行 landcon data import）", feature=dataset)
    with records.write(who, "project.create") as session:
        c = unit_by_code(session, county)
        if c.level != "county":
            raise InvalidRecord(f"{c.name}（{c.code}）不是县级单位：项目属于一个县", field="county", feature=county)
        records.require(who, "project.create", c)
        if session.scalars(select(Project.id).where(Project.code == code)).first() is not None:
            raise InvalidRecord(f"项目编号 {code} 已存在", field="code", feature=code)
        covered = []
        for u_code in units:
            u = unit_by_code(session, u_code)
            if not u.path.startswith(c.path) or u.level not in ("township", "village"):
                raise InvalidRecord(f"{u.name}（{u.code}）不是 {c.name} 的乡镇或村", field="units", feature=u_code)
            covered.append(ProjectUnit(unit_id=u.id))
        project = Project(
            code=code,
            name=name,
            county_id=c.id,
            dataset=dataset,
            stage=the_chain.first.code,
            stage_name=the_chain.first.name,
            chain=the_chain.to_dict(),
            created_by=who.username,
            units=covered,
        )
        session.add(project)
        session.flush()
        session.add(StageEvent(project_id=project.id, to_stage=project.stage, action="create", actor=who.username))
    return show_project(who, code)


def update_project(
    who: Actor,
    code: str,
    *,
    name: str | None = None,
    dataset: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change the project's name or base dataset; ``expected_version`` is the version the user read."""
    if dataset is not None and not dataset_readable(who, dataset):
        raise NotFound(f"数据集 {dataset} 不存在（先运行 landcon data import）", feature=dataset)
    with records.write(who, "project.edit") as session:
        project = project_access.get_project(session, who, code)
        records.require(who, "project.edit", project.county)
        records.expect_version(project, expected_version, f"项目 {code}")
        if name is not None:
            if not name.strip():
                raise InvalidRecord("项目名称不能为空", field="name")
            project.name = name.strip()
        if dataset is not None:
            project.dataset = dataset
    return show_project(who, code)


def _overdue_counts(session: Session, project_ids: Sequence[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    q = (
        select(Task.project_id, func.count())
        .where(Task.project_id.in_(project_ids), Task.status == OPEN, Task.deadline < clock.today())
        .group_by(Task.project_id)
    )
    return {int(pid or 0): int(n) for pid, n in session.execute(q)}


def list_projects(who: Actor, *, county: str | None = None, stage: str | None = None) -> list[dict[str, Any]]:
    """Projects the actor sees (``records.projects_clause``: its county subtree, or the projects covering
    its township or village) with their current stage, open review deadline and overdue tasks.

    One statement: projects ⋈ units, with the overdue-task count and the open review deadline as
    per-project correlated subqueries (index lookups on ``project_id``), so a county's listing
    costs the same whatever the size of the province. A county scope filters on ``county_id``.
    """
    records.require(who, "project.read")
    overdue = (
        select(func.count())
        .where(Task.project_id == Project.id, Task.status == OPEN, Task.deadline < clock.today())
        .correlate(Project)
        .scalar_subquery()
    )
    review_deadline = (
        select(func.min(ReviewRound.deadline))
        .where(ReviewRound.project_id == Project.id, ReviewRound.closed_at.is_(None))
        .correlate(Project)
        .scalar_subquery()
    )
    with records.read() as session:
        scope_unit: Unit | None = None
        if county:
            scope_unit = unit_by_code(session, county)
            if not who.unit_path.startswith(scope_unit.path):  # a participant may name its own county
                records.visible(who, scope_unit, f"单位 {county}")
        elif who.unit_id is not None and who.unit_level == "county":
            scope_unit = session.get(Unit, who.unit_id)
        q = (
            select(
                Project.code,
                Project.name,
                Project.stage,
                Project.stage_name,
                Unit.code,
                Unit.name,
                Project.updated_at,
                overdue,
                review_deadline,
            )
            .join(Unit, Project.county_id == Unit.id)
            .order_by(Unit.code, Project.code)
        )
        if scope_unit is not None and scope_unit.level == "county":
            q = q.where(Project.county_id == scope_unit.id)
        elif scope_unit is not None:
            q = q.where(Unit.path.startswith(scope_unit.path))
        if who.unit_level != "county":  # a county user's scope is its county_id, above
            q = q.where(records.projects_clause(who, Project.id, Unit.path))
        if stage:
            q = q.where(Project.stage == stage)
        return [
            {
                "code": p_code,
                "name": p_name,
                "county": u_code,
                "county_name": u_name,
                "stage": p_stage,
                "stage_name": stage_name,
                "overdue_tasks": int(n_overdue or 0),
                "review_deadline": deadline.isoformat() if deadline else None,
                "updated_at": updated.isoformat(timespec="seconds"),
            }
            for p_code, p_name, p_stage, stage_name, u_code, u_name, updated, n_overdue, deadline in session.execute(q)
        ]


def _latest_version(session: Session, project: Project) -> PlanVersion | None:
    return session.scalars(
        select(PlanVersion).where(PlanVersion.project_id == project.id).order_by(PlanVersion.number.desc()).limit(1)
    ).first()


def _open_round(session: Session, project: Project) -> ReviewRound | None:
    return session.scalars(
        select(ReviewRound)
        .where(ReviewRound.project_id == project.id, ReviewRound.closed_at.is_(None))
        .order_by(ReviewRound.id.desc())
    ).first()


def _version_dict(v: PlanVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "status": v.status,
        "frozen": v.status == SUBMITTED,
        "name": v.name,
        "pack": v.pack,
        "errors": v.errors,
        "warnings": v.warnings,
        "pbf_adjusted": v.pbf_adjusted,
        "dataset_version": v.dataset_version,
        "based_on": v.based_on.number if v.based_on is not None else None,
        "created_by": v.created_by,
        "created_at": v.created_at.isoformat(timespec="seconds"),
        "submitted_at": v.submitted_at.isoformat(timespec="seconds") if v.submitted_at else None,
        "files": sorted(f.path for f in v.files),
        "version": v.version,
    }


def _opinion_dict(o: ReviewOpinion) -> dict[str, Any]:
    return {
        "id": o.id,
        "department": o.department.kind,
        "department_name": o.department.name,
        "opinion": o.opinion,
        "conditions": o.conditions,
        "comments": o.comments,
        "reviewer": o.reviewer,
        "given_at": o.given_at.isoformat(timespec="seconds") if o.given_at else None,
        "deadline": o.deadline.isoformat(),
        "late": bool(o.given_at and o.given_at.date() > o.deadline)
        or (o.given_at is None and clock.today() > o.deadline),
        "attachments": [{"name": a.name, "sha256": a.blob_sha} for a in o.attachments],
        "version": o.version,
    }


def _round_dict(r: ReviewRound, chain: wf.Chain) -> dict[str, Any]:
    stage = chain.stage(r.stage)
    ops = sorted(r.opinions, key=lambda o: list(stage.departments).index(o.department.kind))
    return {
        "id": r.id,
        "stage": r.stage,
        "stage_name": stage.name,
        "unit": r.unit_id,
        "opened_at": r.opened_at.isoformat(timespec="seconds"),
        "deadline": r.deadline.isoformat(),
        "closed_at": r.closed_at.isoformat(timespec="seconds") if r.closed_at else None,
        "outcome": r.outcome,
        "closed_by": r.closed_by,
        "comment": r.comment,
        "opinions": [_opinion_dict(o) for o in ops],
        "consolidated": wf.consolidated(stage, [_opinion(o) for o in r.opinions]),
    }


def _opinion(o: ReviewOpinion) -> wf.Opinion:
    return wf.Opinion(o.department.kind, o.opinion, o.conditions)


def show_project(who: Actor, code: str) -> dict[str, Any]:
    """Everything about one project: stages (done / current / to come / skipped), timeline, versions, review."""
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        chain = _chain(project)
        events = session.scalars(
            select(StageEvent).where(StageEvent.project_id == project.id).order_by(StageEvent.id)
        ).all()
        versions = session.scalars(
            select(PlanVersion).where(PlanVersion.project_id == project.id).order_by(PlanVersion.number)
        ).all()
        rounds = session.scalars(
            select(ReviewRound).where(ReviewRound.project_id == project.id).order_by(ReviewRound.id)
        ).all()
        units = session.scalars(select(Unit).where(Unit.id.in_([pu.unit_id for pu in project.units]))).all()
        tasks = session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.deadline)).all()
        codes = [s.code for s in chain.stages]
        current = codes.index(project.stage)
        decided = current > codes.index(chain.submit_from)  # 永农 adjustment known once the plan is submitted
        stages = []
        for i, s in enumerate(chain.stages):
            status = "current" if i == current else "done" if i < current else "pending"
            if s.condition == wf.PBF_ADJUSTED and status != "current":
                if not decided:
                    status = "conditional"
                elif not project.pbf_adjusted:
                    status = "skipped"
            stages.append({"code": s.code, "name": s.name, "kind": s.kind, "status": status})
        return {
            "code": project.code,
            "name": project.name,
            "county": project.county.code,
            "county_name": project.county.name,
            "units": [{"code": u.code, "name": u.name, "level": u.level} for u in sorted(units, key=lambda u: u.code)],
            "dataset": project.dataset,
            "chain": chain.name,
            "stage": project.stage,
            "stage_name": chain.stage(project.stage).name,
            "pbf_adjusted": project.pbf_adjusted,
            "stages": stages,
            "timeline": [
                {
                    "from": e.from_stage,
                    "to": e.to_stage,
                    "action": e.action,
                    "actor": e.actor,
                    "at": e.at.isoformat(timespec="seconds"),
                    "comment": e.comment,
                }
                for e in events
            ],
            "plan_versions": [_version_dict(v) for v in versions],
            "reviews": [_round_dict(r, chain) for r in rounds],
            "tasks": [
                {
                    "id": t.id,
                    "title": t.title,
                    "unit": t.unit.name,
                    "deadline": t.deadline.isoformat(),
                    "status": t.status,
                    "overdue": t.status == OPEN and t.deadline < clock.today(),
                }
                for t in tasks
            ],
            "created_by": project.created_by,
            "version": project.version,
        }


# Plan versions -------------------------------------------------------------------------------


def _plan_files(folder: Path) -> list[tuple[str, Path]]:
    files = [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]
    if not files:
        raise InvalidRecord("方案文件夹为空", path=str(folder))
    return files


def save_plan(
    who: Actor, code: str, folder: str | Path, *, pack: str | None = None, expected_version: int | None = None
) -> dict[str, Any]:
    """Store the plan folder as the project's draft version with its indicators and findings.

    The latest version, if still a draft, is replaced (optimistic lock on ``expected_version``);
    after a submitted (frozen) version a new draft is created from it.
    """
    folder = Path(folder)
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        records.require(who, "plan.upload", project.county)
        chain = _chain(project)
        if project.stage != chain.submit_from:
            stage_name = chain.stage(chain.submit_from).name
            raise TransitionRefused(
                f"项目处于“{chain.stage(project.stage).name}”阶段，只能在“{stage_name}”阶段上传方案"
            )
        if not project.dataset:
            raise TransitionRefused(f"项目 {code} 未关联基础数据集，无法检查方案")
        dataset = project.dataset
        consent = consent_set(session, project)  # DEMOLITION_NEEDS_CONSENT reads the project's records
    result = check_plan_against(folder, dataset, pack=pack, consent=consent).data
    findings = result["findings"]
    ind = result["indicators"]
    adjusted = indicators_reg.number(ind, "permanent_farmland.out_m2") > 0 or (
        indicators_reg.number(ind, "permanent_farmland.in_m2") > 0
    )
    files = _plan_files(folder)
    with records.write(who, "plan.save") as session:
        project = project_access.get_project(session, who, code)
        latest = _latest_version(session, project)
        blobs = [(rel, attachments.store_file(session, p, typed=False)) for rel, p in files]
        if latest is not None and latest.status == DRAFT:
            records.expect_version(latest, expected_version, f"方案版本 {latest.number}")
            version = latest
            version.files.clear()
            session.flush()
        else:
            if expected_version is not None and latest is not None:
                records.expect_version(latest, expected_version, f"方案版本 {latest.number}")
            version = PlanVersion(
                project_id=project.id,
                number=(latest.number + 1) if latest else 1,
                based_on_id=latest.id if latest else None,
                created_by=who.username,
                indicators={},
                findings=[],
            )
            session.add(version)
        version.name = str(result.get("name") or "")
        version.pack = str(result["pack"])
        version.indicators = result["indicators"]
        version.findings = findings
        version.errors = sum(1 for f in findings if f["severity"] == ERROR)
        version.warnings = sum(1 for f in findings if f["severity"] == WARNING)
        version.pbf_adjusted = adjusted
        version.dataset_version = result["dataset_version"]
        version.files = [PlanFile(path=rel, blob_sha=b.sha256) for rel, b in blobs]
        session.flush()
        return _version_dict(version)


def new_draft(who: Actor, code: str) -> dict[str, Any]:
    """A new draft version that starts from the latest (frozen) version's files and results."""
    with records.write(who, "plan.draft") as session:
        project = project_access.get_project(session, who, code)
        records.require(who, "plan.upload", project.county)
        chain = _chain(project)
        if project.stage != chain.submit_from:
            stage_name = chain.stage(chain.submit_from).name
            raise TransitionRefused(
                f"项目处于“{chain.stage(project.stage).name}”阶段，只能在“{stage_name}”阶段新建方案草稿"
            )
        latest = _latest_version(session, project)
        if latest is None:
            raise NotFound(f"项目 {code} 还没有方案版本：先上传方案")
        if latest.status == DRAFT:
            raise InvalidRecord(f"版本 {latest.number} 仍是草稿，直接修改即可")
        version = PlanVersion(
            project_id=project.id,
            number=latest.number + 1,
            based_on_id=latest.id,
            name=latest.name,
            pack=latest.pack,
            indicators=latest.indicators,
            findings=latest.findings,
            errors=latest.errors,
            warnings=latest.warnings,
            pbf_adjusted=latest.pbf_adjusted,
            dataset_version=latest.dataset_version,
            created_by=who.username,
            files=[PlanFile(path=f.path, blob_sha=f.blob_sha) for f in latest.files],
        )
        session.add(version)
        session.flush()
        return _version_dict(version)


def _get_version(session: Session, project: Project, number: int) -> PlanVersion:
    v = session.scalars(
        select(PlanVersion).where(PlanVersion.project_id == project.id, PlanVersion.number == number)
    ).first()
    if v is None:
        raise NotFound(f"项目 {project.code} 没有方案版本 {number}", feature=number)
    return v


def export_plan(who: Actor, code: str, number: int, out: str | Path) -> Path:
    """Write a version's plan folder (files restored from the content store) to ``out``."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidRecord("输出位置已存在且不为空：请指定新的文件夹", path=str(out))
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        v = _get_version(session, project, number)
        files = [(f.path, f.blob_sha) for f in v.files]
    store = attachments.blob_store()
    with staged_folder(out) as tmp:  # an empty ``out`` (checked above) is replaced
        for rel, sha in files:
            store.copy_to(sha, tmp / rel)
    return out


def version_detail(who: Actor, code: str, number: int) -> dict[str, Any]:
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        v = _get_version(session, project, number)
        return {**_version_dict(v), "indicators": v.indicators, "findings": v.findings}


def plan_dataset_version(who: Actor, code: str, number: int) -> int | None:
    """The version of the project's dataset that plan version ``number`` was checked against (what
    its diff and report read; ``services.plan.pinned_dataset_version``)."""
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        recorded = _get_version(session, project, number).dataset_version
        dataset = project.dataset
    return pinned_dataset_version(dataset, recorded) if dataset else None


def diff_versions(who: Actor, code: str, a: int, b: int) -> dict[str, Any]:
    """Indicator and finding differences between two stored versions, each against the dataset
    version it was checked against."""
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        dataset = project.dataset
        pack_a = _get_version(session, project, a).pack
    if not dataset:
        raise TransitionRefused(f"项目 {code} 未关联基础数据集")
    pinned = (plan_dataset_version(who, code, a), plan_dataset_version(who, code, b))
    with tempfile.TemporaryDirectory(prefix="landcon-diff-") as tmp:
        pa = export_plan(who, code, a, Path(tmp) / "a")
        pb = export_plan(who, code, b, Path(tmp) / "b")
        result = diff_plans(pa, pb, dataset, pack=pack_a or None, dataset_versions=pinned)
    result["a"]["version"], result["b"]["version"] = a, b
    result["a"]["plan"], result["b"]["plan"] = f"{code} v{a}", f"{code} v{b}"
    return result


# Lifecycle -----------------------------------------------------------------------------------


def _stage_unit(session: Session, project: Project, level: str) -> Unit:
    """The project's county or its ancestor at ``level`` (from the materialised path)."""
    codes = project.county.path.strip("/").split("/")
    code = codes[LEVELS.index(level)]
    return unit_by_code(session, code)


def _facts(session: Session, who: Actor, project: Project, chain: wf.Chain) -> wf.Facts:
    stage = chain.stage(project.stage)
    latest = _latest_version(session, project)
    rnd = _open_round(session, project)
    at_stage_unit = False
    if stage.kind == wf.REVIEW and stage.level is not None:
        at_stage_unit = who.unit_id == _stage_unit(session, project, stage.level).id
    open_tasks = session.scalar(select(func.count()).where(Task.project_id == project.id, Task.status == OPEN))
    pbf = project.pbf_adjusted
    if project.stage == chain.submit_from and latest is not None:
        pbf = latest.pbf_adjusted
    return wf.Facts(
        roles=who.roles,
        actor_level=who.unit_level,
        actor_department=who.department_kind,
        actor_at_stage_unit=at_stage_unit,
        has_dataset=bool(project.dataset) and dataset_store().exists(str(project.dataset)),
        plan_errors=(latest.errors if latest is not None and latest.status == DRAFT else None),
        pbf_adjusted=pbf,
        opinions=[_opinion(o) for o in rnd.opinions] if rnd else (),
        open_tasks=int(open_tasks or 0),
        publicity={kind: publicity.blockers(session, project, kind) for kind in stage.publicity},
    )


def _open_review(session: Session, project: Project, stage: wf.Stage, version: PlanVersion | None) -> None:
    assert stage.level is not None
    unit = _stage_unit(session, project, stage.level)
    deadline = clock.today() + dt.timedelta(days=stage.deadline_days)
    rnd = ReviewRound(
        project_id=project.id,
        stage=stage.code,
        unit_id=unit.id,
        plan_version_id=version.id if version else None,
        deadline=deadline,
    )
    session.add(rnd)
    session.flush()
    for kind in stage.departments:
        dept = session.scalars(select(Department).where(Department.unit_id == unit.id, Department.kind == kind)).first()
        if dept is None:
            raise NotFound(f"{unit.name} 没有{DEPARTMENTS[kind].name}部门（先运行 landcon admin seed-yunnan）")
        session.add(ReviewOpinion(round_id=rnd.id, department_id=dept.id, deadline=deadline))


def advance(who: Actor, code: str, *, comment: str = "", expected_version: int | None = None) -> dict[str, Any]:
    """Move the project to its next stage if the actor's role and the stage's preconditions allow it."""
    return _transition(who, code, wf.ADVANCE, comment, expected_version)


def reject(who: Actor, code: str, *, comment: str, expected_version: int | None = None) -> dict[str, Any]:
    """Close the current review stage as rejected: back to 方案编制 (the reason is required)."""
    if not comment.strip():
        raise InvalidRecord("退回须写明理由", field="comment")
    return _transition(who, code, wf.REJECT, comment, expected_version)


def _transition(who: Actor, code: str, action: str, comment: str, expected_version: int | None) -> dict[str, Any]:
    with records.write(who, f"project.{action}") as session:
        project = project_access.get_project(session, who, code)
        require_transition(who, project, action)
        records.expect_version(project, expected_version, f"项目 {code}")
        chain = _chain(project)
        stage = chain.stage(project.stage)
        reasons = wf.check_transition(chain, project.stage, action, _facts(session, who, project, chain))
        if reasons:
            verb = "推进" if action == wf.ADVANCE else "退回"
            raise TransitionRefused(f"项目 {code} 不能从“{stage.name}”{verb}：" + "；".join(reasons))
        latest = _latest_version(session, project)
        rnd = _open_round(session, project)
        if action == wf.REJECT:
            target = chain.stage(chain.rejection_target)
            if rnd is not None:
                rnd.outcome, rnd.closed_at, rnd.closed_by, rnd.comment = "rejected", utcnow(), who.username, comment
        else:
            if project.stage == chain.submit_from and latest is not None:
                latest.status, latest.submitted_at = SUBMITTED, utcnow()
                project.pbf_adjusted = latest.pbf_adjusted
                covered_units.replace(session, project, latest)
            if rnd is not None:
                rnd.outcome, rnd.closed_at, rnd.closed_by, rnd.comment = "passed", utcnow(), who.username, comment
            nxt = wf.next_stage(chain, project.stage, pbf_adjusted=project.pbf_adjusted)
            assert nxt is not None
            target = nxt
            if chain.reached(target.code, wf.ACCEPTED) and not chain.reached(project.stage, wf.ACCEPTED):
                acceptance_records.require_passing(session, project)
            if target.kind == wf.REVIEW:
                submitted = session.scalars(
                    select(PlanVersion)
                    .where(PlanVersion.project_id == project.id, PlanVersion.status == SUBMITTED)
                    .order_by(PlanVersion.number.desc())
                ).first()
                _open_review(session, project, target, submitted)
        session.add(
            StageEvent(
                project_id=project.id,
                from_stage=project.stage,
                to_stage=target.code,
                action=action,
                actor=who.username,
                comment=comment,
            )
        )
        project.stage, project.stage_name = target.code, target.name
    return show_project(who, code)


# Joint review --------------------------------------------------------------------------------


def inbox(who: Actor, *, pending_only: bool = True) -> list[dict[str, Any]]:
    """Review tasks of the actor's department (reviewers) in open rounds, oldest deadline first."""
    with records.read() as session:
        q = (
            select(ReviewOpinion, ReviewRound, Project)
            .join(ReviewRound, ReviewOpinion.round_id == ReviewRound.id)
            .join(Project, ReviewRound.project_id == Project.id)
            .join(Department, ReviewOpinion.department_id == Department.id)
            .join(Unit, Department.unit_id == Unit.id)
            .where(ReviewRound.closed_at.is_(None), Unit.path.startswith(who.unit_path))
            .order_by(ReviewOpinion.deadline, Project.code)
        )
        if who.department_id is not None:
            q = q.where(ReviewOpinion.department_id == who.department_id)
        if pending_only:
            q = q.where(ReviewOpinion.opinion.is_(None))
        out = []
        for o, r, p in session.execute(q):
            stage_name = {s["code"]: s["name"] for s in p.chain["stages"]}.get(r.stage, r.stage)
            out.append(
                {
                    "project": p.code,
                    "project_name": p.name,
                    "stage": r.stage,
                    "stage_name": stage_name,
                    **_opinion_dict(o),
                }
            )
        return out


def give_opinion(
    who: Actor,
    code: str,
    opinion: str,
    *,
    conditions: str = "",
    comments: str = "",
    files: Sequence[str | Path] = (),
    expected_version: int | None = None,
) -> dict[str, Any]:
    """The actor's department gives (or revises, until the stage closes) its opinion on the open round."""
    if opinion not in wf.OPINIONS:
        raise InvalidRecord(f"审查意见应为 {' / '.join(wf.OPINIONS)}，而不是 {opinion!r}", field="opinion")
    if opinion == wf.AGREE_WITH_CONDITIONS and not conditions.strip():
        raise InvalidRecord("“修改后同意”须写明修改条件", field="conditions")
    with records.write(who, "review.give") as session:
        project = project_access.get_project(session, who, code)
        rnd, unit, o = require_opinion(session, who, project)
        records.expect_version(o, expected_version, f"{o.department.name}的审查意见")
        o.opinion, o.conditions, o.comments = opinion, conditions.strip(), comments.strip()
        o.reviewer, o.given_at = who.username, utcnow()
        have = {a.blob_sha for a in o.attachments}
        if files:
            records.require(who, "attachment.add", unit)
        for f in files:
            blob = attachments.store_file(session, f)
            if blob.sha256 not in have:
                o.attachments.append(OpinionAttachment(blob_sha=blob.sha256, name=Path(f).name))
                have.add(blob.sha256)
        session.flush()
        return {"project": code, "stage": rnd.stage, **_opinion_dict(o)}


def review_status(who: Actor, code: str) -> dict[str, Any]:
    """The open round's opinions and the consolidated view the leading department closes the stage on."""
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        rnd = _open_round(session, project)
        if rnd is None:
            raise TransitionRefused(f"项目 {code} 当前不在审查阶段")
        return {"project": code, **_round_dict(rnd, _chain(project))}


PLAN_MAP_FIELDS = ("GHDLBM", "ZXMBH", "TZLX", "GGLX", "XMQBH", "ZZQYMC", "STXFLX")


def plan_geojson(who: Actor, code: str, number: int) -> dict[str, Any]:
    """A version's plan layers in WGS84 for the project map; each feature carries ``layer`` and the
    ``id`` the rule findings use (``engine.plan.feature_id``)."""
    from landcon.engine.plan import feature_id
    from landcon.services.plan import read_plan

    features: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="landcon-map-") as tmp:
        plan = read_plan(export_plan(who, code, number, Path(tmp) / "plan"))
    for layer, frame in plan.layers.items():
        if frame is None or frame.empty or frame.crs is None:
            continue
        wgs = frame.to_crs(4326)
        for i, geom in enumerate(wgs.geometry):
            if geom is None or geom.is_empty:
                continue
            props: dict[str, Any] = {"layer": layer, "id": feature_id(frame, i)}
            for name in PLAN_MAP_FIELDS:
                if name in wgs.columns and wgs[name].iloc[i] is not None and str(wgs[name].iloc[i]) not in ("", "nan"):
                    props[name] = str(wgs[name].iloc[i])
            features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


# Role checks of the stage actions, also asked by services.abilities without acting ----------------


def require_transition(who: Actor, project: Project, action: str) -> None:
    """The role checks of advancing or rejecting: ``project.advance``, plus ``review.close`` in a review
    stage or ``plan.submit`` when leaving 方案编制 (the stage's preconditions are checked separately)."""
    records.require(who, "project.advance", project.county)
    if _chain(project).stage(project.stage).kind == wf.REVIEW:
        records.require(who, "review.close", project.county)
    elif action == wf.ADVANCE and project.stage == _chain(project).submit_from:
        records.require(who, "plan.submit", project.county)


def require_opinion(session: Session, who: Actor, project: Project) -> tuple[ReviewRound, Unit, ReviewOpinion]:
    """The open review round, its unit and the opinion the actor's department gives in it: refused when no
    round is open, the actor may not give opinions at that unit, or the department is not asked."""
    rnd = _open_round(session, project)
    if rnd is None:
        raise TransitionRefused(f"项目 {project.code} 当前不在审查阶段")
    unit = session.get(Unit, rnd.unit_id)
    assert unit is not None
    records.require(who, "review.give", unit)
    mine = [o for o in rnd.opinions if o.department_id == who.department_id]
    if not mine:
        needed = "、".join(o.department.name for o in rnd.opinions)
        raise PermissionDenied(f"用户 {who.label()} 的部门不在本轮审查部门之列（{needed}）")
    return rnd, unit, mine[0]
