"""Demo of villagers' participation in the demo project (公众参与): run after its 权属调整 version is saved.

Each part seeds its own records through the services a user calls, in the order the work happens in a
village: 意愿调查 → 村民（代表）会议表决 → 公示与异议 → 权属调整方案的签字确认与采用. Idempotent: a part that
finds its records keeps them. Returns one summary entry per part.
"""

from __future__ import annotations

from typing import Any

from landcon.services import demo_willingness, records
from landcon.services.demo_publicity import seed_realloc_publicity
from landcon.services.demo_realloc_village import seed_realloc_village
from landcon.services.demo_votes import seed_votes


def seed_participation(who: records.Actor, code: str) -> dict[str, Any]:
    """Seed the participation records of project ``code`` (needs province ``unit.manage`` like ``seed_demo``)."""
    records.require_province(who, "unit.manage")
    summary: dict[str, Any] = {"project": code}
    summary["willingness"] = demo_willingness.seed_willingness(who, code)
    summary["votes"] = seed_votes(who, code)
    summary["publicity"] = seed_realloc_publicity(code)
    summary["realloc"] = seed_realloc_village(who, code)
    return summary
