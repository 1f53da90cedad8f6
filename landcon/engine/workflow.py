"""Project lifecycle: stages, approval chains and the rules for moving between them.

    摸底调查 → 方案编制 → 县级审查 → 州市审查 → 省级审批 → 实施 → 验收 → 后期管护
    (a review stage may send the project back to 方案编制)

The chain is configuration (``Chain``): the Yunnan chain may differ from other provinces'. A
project keeps a copy of the chain it was created with, so a later configuration change never
rewrites a running project's history. Sources: domain.md §1.5 — 县级初审 → 市级评估 → 省厅审批
[C] (Guangxi 2025); "涉及永农调整的由省级…" [C2]; hence the provincial stage is required only
when the plan adjusts 永久基本农田 in the built-in chains (``condition="pbf_adjusted"``).

``check_transition`` is pure: it receives the facts (roles, plan check, opinions, open tasks) and
returns the reasons a transition is refused — an empty list means allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from landcon.engine.org import (
    AUTHOR,
    COUNTY,
    DEPARTMENTS,
    LEVEL_NAMES,
    LEVELS,
    NATURAL_RESOURCES,
    PREFECTURE,
    PROVINCE,
    REVIEWER,
    ROLES,
    SUPERVISOR,
)
from landcon.engine.publicity import KINDS as PUBLICITY_KINDS

WORK, REVIEW = "work", "review"
ALWAYS, PBF_ADJUSTED = "always", "pbf_adjusted"

AGREE, AGREE_WITH_CONDITIONS, DISAGREE = "同意", "修改后同意", "不同意"
OPINIONS = (AGREE, AGREE_WITH_CONDITIONS, DISAGREE)

ADVANCE, REJECT = "advance", "reject"

APPROVED, ACCEPTED, ACHIEVED = "approved", "accepted", "achieved"
MILESTONES: dict[str, str] = {
    APPROVED: "方案获批：项目处于该阶段或其后",
    ACCEPTED: "通过验收：项目处于该阶段之后",
    ACHIEVED: "成效已实现：项目处于所列阶段之一",
}
"""The milestones a chain names, and when a project has reached each (shown by ``landcon profile show``)."""


@dataclass(frozen=True)
class Stage:
    """One stage. Review stages name the level whose departments review and which must agree."""

    code: str
    name: str
    kind: str = WORK
    level: str | None = None  # review: 县/州市/省 whose departments review; work: lowest level allowed to advance
    departments: tuple[str, ...] = ()  # review: required department kinds (engine.org.DEPARTMENT_KINDS)
    roles: tuple[str, ...] = ()  # work: roles that may move the project on; review: closed by REVIEWER of 自然资源
    condition: str = ALWAYS  # ALWAYS, or PBF_ADJUSTED: only when the plan adjusts 永久基本农田
    deadline_days: int = 20  # review: days each department has for its opinion
    requires: tuple[str, ...] = ()  # preconditions to leave the stage (see PRECONDITIONS)
    publicity: tuple[str, ...] = ()  # 公示 subject kinds (engine.publicity.KINDS) that must be cleared to leave it


#: Preconditions a stage may require before the project leaves it.
PRECONDITIONS: dict[str, str] = {
    "dataset": "项目已关联基础数据集（三调/变更调查）",
    "plan_passed": "存在一个规则检查无“错误”项的实施方案版本",
    "tasks_done": "项目的责任清单任务均已办结",
}


@dataclass(frozen=True)
class Milestones:
    """Stages that mark how far a project has come, so services never name a stage code themselves.

    ``approved``: at or past it the project has an approved plan (周转指标 may be issued);
    ``accepted``: past it the project has passed 验收 (拆旧复垦 / 补充耕地 quota may be 核定);
    ``achieved``: in one of these stages the planned 新增耕地 counts as achieved (总览).
    ``None`` / empty: the chain has no such stage, so no project ever reaches the milestone."""

    approved: str | None = None
    accepted: str | None = None
    achieved: tuple[str, ...] = ()


#: The milestones of the built-in chains: 实施 (approved), 验收 (accepted), 后期管护 (achieved). A stored
#: chain written before chains named their milestones gets those of them that its stages contain.
STANDARD_MILESTONES = Milestones(approved="implementation", accepted="acceptance", achieved=("aftercare",))


@dataclass(frozen=True)
class Chain:
    name: str
    stages: tuple[Stage, ...]
    rejection_target: str = "plan"  # where a rejected review sends the project
    submit_from: str = "plan"  # the stage whose advance submits (and freezes) a plan version
    milestones: Milestones = Milestones()

    def stage(self, code: str) -> Stage:
        for s in self.stages:
            if s.code == code:
                return s
        raise KeyError(code)

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def reached(self, current: str, milestone: str) -> bool:
        """Whether a project in stage ``current`` has reached ``milestone`` (APPROVED, ACCEPTED, ACHIEVED)."""
        codes = [s.code for s in self.stages]
        if milestone == ACHIEVED:
            return current in self.milestones.achieved
        target = {APPROVED: self.milestones.approved, ACCEPTED: self.milestones.accepted}[milestone]
        if target is None or current not in codes:
            return False
        here, there = codes.index(current), codes.index(target)
        return here >= there if milestone == APPROVED else here > there

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Chain:
        stages = tuple(_stage_from_dict(s) for s in data["stages"])
        chain = Chain(
            name=str(data["name"]),
            stages=stages,
            rejection_target=str(data.get("rejection_target", "plan")),
            submit_from=str(data.get("submit_from", "plan")),
            milestones=_milestones_from_dict(data.get("milestones"), {s.code for s in stages}),
        )
        validate_chain(chain)
        return chain


def _stage_from_dict(data: Mapping[str, Any]) -> Stage:
    known = set(Stage.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"阶段 {data.get('code')}：未知键 {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return Stage(**values)


def _milestones_from_dict(data: Any, codes: set[str]) -> Milestones:
    """``milestones: {approved: …, accepted: …, achieved: [...]}``; when absent, the standard ones the chain has."""
    if data is None:
        m = STANDARD_MILESTONES
        return Milestones(
            approved=m.approved if m.approved in codes else None,
            accepted=m.accepted if m.accepted in codes else None,
            achieved=tuple(c for c in m.achieved if c in codes),
        )
    if not isinstance(data, Mapping):
        raise ValueError("milestones 应为 {approved: 阶段, accepted: 阶段, achieved: [阶段…]}")
    unknown = set(data) - set(MILESTONES)
    if unknown:
        raise ValueError(f"milestones：未知键 {', '.join(sorted(map(str, unknown)))}")
    achieved = data.get(ACHIEVED) or ()
    return Milestones(
        approved=None if data.get(APPROVED) is None else str(data[APPROVED]),
        accepted=None if data.get(ACCEPTED) is None else str(data[ACCEPTED]),
        achieved=(str(achieved),) if isinstance(achieved, str) else tuple(str(c) for c in achieved),
    )


_REVIEW_DEPTS_COUNTY = ("zrzy", "cz", "fg", "nync", "lc", "sl", "sthj", "zjj")
_REVIEW_DEPTS_PREFECTURE = ("zrzy", "nync", "lc", "sthj")
_REVIEW_DEPTS_PROVINCE = ("zrzy", "nync")

YUNNAN = Chain(
    name="yunnan",
    stages=(
        Stage("survey", "摸底调查", WORK, COUNTY, roles=(AUTHOR,), requires=("dataset",)),
        Stage("plan", "方案编制", WORK, COUNTY, roles=(AUTHOR,), requires=("plan_passed",), publicity=("plan",)),
        Stage("county_review", "县级审查", REVIEW, COUNTY, departments=_REVIEW_DEPTS_COUNTY),
        Stage("prefecture_review", "州市审查", REVIEW, PREFECTURE, departments=_REVIEW_DEPTS_PREFECTURE),
        Stage(
            "province_approval",
            "省级审批",
            REVIEW,
            PROVINCE,
            departments=_REVIEW_DEPTS_PROVINCE,
            condition=PBF_ADJUSTED,
        ),
        Stage("implementation", "实施", WORK, COUNTY, roles=(SUPERVISOR,), requires=("tasks_done",)),
        Stage("acceptance", "验收", WORK, PREFECTURE, roles=(SUPERVISOR,)),
        Stage("aftercare", "后期管护", WORK, COUNTY, roles=()),
    ),
    milestones=STANDARD_MILESTONES,
)
#: National default: the same stages without the plan's 公示 gate (no national text requires the plan's own
#: 公示 before review; a province names it in its chain file); provinces override it with a chain file.
NATIONAL = Chain(
    name="national", stages=tuple(replace(s, publicity=()) for s in YUNNAN.stages), milestones=STANDARD_MILESTONES
)
CHAINS: dict[str, Chain] = {c.name: c for c in (YUNNAN, NATIONAL)}


def validate_chain(chain: Chain) -> None:
    """Refuse a malformed chain (unknown kinds, levels, roles, duplicate codes …)."""
    codes = [s.code for s in chain.stages]
    if len(set(codes)) != len(codes):
        raise ValueError(f"审批链 {chain.name}：阶段代码重复")
    if chain.rejection_target not in codes or chain.submit_from not in codes:
        raise ValueError(f"审批链 {chain.name}：退回阶段或提交阶段不在链中")
    m = chain.milestones
    for name, code in ((APPROVED, m.approved), (ACCEPTED, m.accepted), *((ACHIEVED, c) for c in m.achieved)):
        if code is not None and code not in codes:
            raise ValueError(f"审批链 {chain.name}：里程碑 {name} 的阶段 {code} 不在链中")
    for s in chain.stages:
        if s.kind not in (WORK, REVIEW):
            raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：类型应为 work 或 review")
        if s.level is not None and s.level not in LEVELS:
            raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：未知层级 {s.level}")
        if s.kind == REVIEW and (not s.departments or s.level is None):
            raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：审查阶段须有层级和审查部门")
        for d in s.departments:
            if d not in DEPARTMENTS:
                raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：未知部门 {d}")
        for r in s.roles:
            if r not in ROLES:
                raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：未知角色 {r}")
        for p in s.requires:
            if p not in PRECONDITIONS:
                raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：未知前置条件 {p}")
        for k in s.publicity:
            if k not in PUBLICITY_KINDS:
                raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：未知公示事项类型 {k}")
        if s.condition not in (ALWAYS, PBF_ADJUSTED):
            raise ValueError(f"审批链 {chain.name} 阶段 {s.code}：未知条件 {s.condition}")


def next_stage(chain: Chain, current: str, *, pbf_adjusted: bool) -> Stage | None:
    """The stage after ``current``, skipping conditional stages whose condition does not hold."""
    codes = [s.code for s in chain.stages]
    for s in chain.stages[codes.index(current) + 1 :]:
        if s.condition == PBF_ADJUSTED and not pbf_adjusted:
            continue
        return s
    return None


@dataclass(frozen=True)
class Opinion:
    department: str  # kind code
    opinion: str | None  # None: not given yet
    conditions: str = ""


@dataclass(frozen=True)
class Facts:
    """What a transition depends on, gathered by the services layer."""

    roles: frozenset[str]
    actor_level: str
    actor_department: str | None = None  # kind code of the actor's department
    actor_at_stage_unit: bool = False  # the actor's unit is the unit that runs this review stage
    has_dataset: bool = False
    plan_errors: int | None = None  # error findings of the latest plan version (None: no version)
    pbf_adjusted: bool = False
    opinions: Sequence[Opinion] = field(default_factory=tuple)
    open_tasks: int = 0
    publicity: Mapping[str, Sequence[str]] = field(default_factory=dict)  # kind → reasons its 公示 is not cleared


def _level_at_or_above(actor_level: str, level: str | None) -> bool:
    return level is None or LEVELS.index(actor_level) <= LEVELS.index(level)


def check_transition(chain: Chain, current: str, action: str, facts: Facts) -> list[str]:
    """Reasons the transition is refused (empty: allowed). ``action`` is ADVANCE or REJECT."""
    stage = chain.stage(current)
    reasons: list[str] = []
    if stage.kind == REVIEW:
        if not (REVIEWER in facts.roles and facts.actor_department == NATURAL_RESOURCES and facts.actor_at_stage_unit):
            reasons.append(f"“{stage.name}”只能由该级自然资源部门的审查人员办结")
        if action == REJECT:
            return reasons
        reasons.extend(_publicity_reasons(stage, facts))
        given = {o.department: o for o in facts.opinions}
        for dept in stage.departments:
            o = given.get(dept)
            label = DEPARTMENTS[dept].name
            if o is None or o.opinion is None:
                reasons.append(f"{label}部门尚未提交审查意见")
            elif o.opinion == DISAGREE:
                reasons.append(f"{label}部门意见为“不同意”")
            elif o.opinion == AGREE_WITH_CONDITIONS and not o.conditions.strip():
                reasons.append(f"{label}部门“修改后同意”但未写明修改条件")
        return reasons
    if action == REJECT:
        return [f"“{stage.name}”阶段不能退回，只有审查阶段可以退回"]
    if next_stage(chain, current, pbf_adjusted=facts.pbf_adjusted) is None:
        return [f"“{stage.name}”是最后一个阶段"]
    if not (set(stage.roles) & facts.roles):
        names = "、".join(_role_names(stage.roles)) or "无人"
        reasons.append(f"“{stage.name}”阶段只能由{names}推进")
    elif not _level_at_or_above(facts.actor_level, stage.level):
        reasons.append(f"“{stage.name}”阶段须由{_level_name(stage.level)}或以上推进")
    for p in stage.requires:
        if p == "dataset" and not facts.has_dataset:
            reasons.append(f"前置条件未满足：{PRECONDITIONS[p]}")
        if p == "plan_passed" and (facts.plan_errors is None or facts.plan_errors > 0):
            detail = (
                "尚无方案草稿：先上传方案（已提交的版本须先新建草稿）"
                if facts.plan_errors is None
                else f"最新版本有 {facts.plan_errors} 个错误项"
            )
            reasons.append(f"前置条件未满足：{PRECONDITIONS[p]}（{detail}）")
        if p == "tasks_done" and facts.open_tasks > 0:
            reasons.append(f"前置条件未满足：{PRECONDITIONS[p]}（未办结 {facts.open_tasks} 项）")
    reasons.extend(_publicity_reasons(stage, facts))
    return reasons


def _publicity_reasons(stage: Stage, facts: Facts) -> list[str]:
    """The stage's 公示 gate: each required subject kind's reasons (``engine.publicity.clearance``, gathered
    by the services into ``facts.publicity``); a kind the services did not report counts as not published."""
    reasons = []
    for kind in stage.publicity:
        for r in facts.publicity.get(kind, (f"尚无{PUBLICITY_KINDS[kind]}公示",)):
            reasons.append(f"公示未通过：{r}")
    return reasons


def _role_names(roles: Sequence[str]) -> list[str]:
    return [ROLES[r] for r in roles]


def _level_name(level: str | None) -> str:
    return LEVEL_NAMES.get(level or "", "")


def consolidated(stage: Stage, opinions: Sequence[Opinion]) -> dict[str, Any]:
    """The leading department's consolidated view: counts per opinion, pending departments, conditions."""
    given = {o.department: o for o in opinions}
    counts = {k: 0 for k in OPINIONS}
    pending, conditions, against = [], [], []
    for dept in stage.departments:
        o = given.get(dept)
        if o is None or o.opinion is None:
            pending.append(DEPARTMENTS[dept].name)
            continue
        counts[o.opinion] += 1
        if o.opinion == AGREE_WITH_CONDITIONS:
            conditions.append({"department": DEPARTMENTS[dept].name, "conditions": o.conditions})
        if o.opinion == DISAGREE:
            against.append(DEPARTMENTS[dept].name)
    if pending:
        outcome = "待办"
    elif against:
        outcome = DISAGREE
    elif conditions:
        outcome = AGREE_WITH_CONDITIONS
    else:
        outcome = AGREE
    return {"counts": counts, "pending": pending, "against": against, "conditions": conditions, "outcome": outcome}


__all__ = [
    "ACCEPTED",
    "ACHIEVED",
    "ADVANCE",
    "AGREE",
    "AGREE_WITH_CONDITIONS",
    "APPROVED",
    "CHAINS",
    "DISAGREE",
    "MILESTONES",
    "NATIONAL",
    "OPINIONS",
    "REJECT",
    "STANDARD_MILESTONES",
    "YUNNAN",
    "Chain",
    "Facts",
    "Milestones",
    "Opinion",
    "Stage",
    "check_transition",
    "consolidated",
    "next_stage",
]
