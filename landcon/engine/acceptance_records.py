"""Acceptance records (验收记录): levels, opinions and what makes a record passing (docs/acceptance.md,
"Acceptance records").

Sub-projects are accepted by the responsible county department (``may_accept_sub_project``: the
department its ``department`` names, or the natural-resources bureau as coordinator), the whole
project by the 州/市 or the province as the chain's acceptance stage says (domain reference §7.1:
子项目 by the county or its sector departments, 整体验收 by the city or province). An opinion is
同意, 整改后同意 (its conditions become 责任清单 tasks) or 不同意, checked against the
computation's rule results (``check_rules``); the chain's ``accepted`` milestone needs a
whole-project record whose opinion is 同意 or 整改后同意.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from landcon.engine.acceptance_rules import PASS, STATUS_NAMES

SUB_PROJECT, PROJECT = "sub_project", "project"
LEVELS: Mapping[str, str] = {SUB_PROJECT: "子项目验收", PROJECT: "整体验收"}

AGREE, AGREE_AFTER_RECTIFICATION, DISAGREE = "同意", "整改后同意", "不同意"
OPINIONS: tuple[str, ...] = (AGREE, AGREE_AFTER_RECTIFICATION, DISAGREE)
PASSING: frozenset[str] = frozenset({AGREE, AGREE_AFTER_RECTIFICATION})


def check_opinion(opinion: str, conditions: tuple[str, ...]) -> str:
    """Why an opinion with these conditions is refused ("" when it is fine): the opinion must be one
    of ``OPINIONS``; 整改后同意 needs at least one condition (the rectification asked for)."""
    if opinion not in OPINIONS:
        return f"验收意见应为 {'、'.join(OPINIONS)} 之一，不是 {opinion}"
    if opinion == AGREE_AFTER_RECTIFICATION and not conditions:
        return "“整改后同意”须写明整改条件"
    return ""


def check_rules(opinion: str, conditions: tuple[str, ...], rules: Sequence[Mapping[str, Any]]) -> str:
    """Why an opinion is refused by the computation's acceptance rules ("" when it is fine; docs/acceptance.md,
    "Acceptance records"): 同意 needs every rule ``pass``; 整改后同意 needs one condition per rule that fails
    or cannot be checked (``fail`` / ``unknown``); 不同意 is always allowed. ``rules`` are the ``rules``
    of acceptance.json (id, title, status)."""
    open_rules = [r for r in rules if r.get("status") != PASS]
    if opinion == DISAGREE or not open_rules:
        return ""
    named = "、".join(
        f"{r.get('id')}（{r.get('title', '')}，{STATUS_NAMES.get(str(r.get('status')), r.get('status'))}）"
        for r in open_rules
    )
    if opinion == AGREE:
        return f"验收规则未全部通过，不能“同意”：{named}；可记“整改后同意”（每条未通过的规则一项整改条件）或“不同意”"
    if opinion == AGREE_AFTER_RECTIFICATION and len(conditions) < len(open_rules):
        return (
            f"“整改后同意”须对每条未通过的验收规则写明一项整改条件：{len(open_rules)} 条未通过（{named}），"
            f"只写了 {len(conditions)} 项"
        )
    return ""


#: Names a sub-project's responsible department (``SubProject.department``, free text from plan.yaml or
#: the sub-project form) is written with, per department kind of ``engine.org.DEPARTMENT_KINDS``: the
#: generic name and the usual variants of county bureau names (林业和草原局, 住房和城乡建设局, 水务局 …).
DEPARTMENT_NAMES: Mapping[str, tuple[str, ...]] = {
    "zrzy": ("自然资源", "国土资源"),
    "cz": ("财政",),
    "fg": ("发展改革", "发展和改革", "发改"),
    "nync": ("农业农村", "农业"),
    "lc": ("林草", "林业和草原", "林业"),
    "sl": ("水利", "水务"),
    "sthj": ("生态环境", "环境保护"),
    "zjj": ("住房城乡建设", "住房和城乡建设", "住建"),
    "jt": ("交通运输", "交通"),
    "wl": ("文化和旅游", "文旅"),
}
COORDINATOR = "zrzy"
"""The county natural-resources bureau leads consolidation (engine.org) and may record any sub-project's
acceptance as coordinator."""


def responsible_kinds(department: str) -> frozenset[str]:
    """Department kinds a sub-project's ``department`` text names (empty when it names none)."""
    text = (department or "").strip()
    return frozenset(k for k, names in DEPARTMENT_NAMES.items() if text and any(n in text for n in names))


def may_accept_sub_project(department_kind: str | None, department: str) -> bool:
    """A county user of department ``department_kind`` may record the acceptance of a sub-project whose
    responsible department is ``department``: the responsible department itself or the coordinator."""
    return department_kind is not None and (
        department_kind == COORDINATOR or department_kind in responsible_kinds(department)
    )


def is_passing(level: str, opinion: str) -> bool:
    """A record that lets the project reach the chain's ``accepted`` milestone."""
    return level == PROJECT and opinion in PASSING
