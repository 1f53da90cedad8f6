"""Acceptance records (验收记录): levels, opinions and what makes a record passing (docs/acceptance.md,
"Acceptance records").

Sub-projects are accepted by the responsible county department, the whole project by the 州/市 or the
province as the chain's acceptance stage says (domain reference §7.1: 子项目 by the county or its
sector departments, 整体验收 by the city or province). An opinion is 同意, 整改后同意 (its conditions
become 责任清单 tasks) or 不同意; the chain's ``accepted`` milestone needs a whole-project record whose
opinion is 同意 or 整改后同意.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def is_passing(level: str, opinion: str) -> bool:
    """A record that lets the project reach the chain's ``accepted`` milestone."""
    return level == PROJECT and opinion in PASSING
