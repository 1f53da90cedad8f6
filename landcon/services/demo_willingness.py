"""Demo 意愿调查 of the demo project: the standard questionnaire, the households of its saved 权属调整
version, a village cadre (``demo_village``, of the village with most of those households among the
units the project covers) and that cadre's answers, some households objecting (deterministic: by the
household's position in code order). Idempotent: existing questionnaire, account and answers are kept.
"""

from __future__ import annotations

from typing import Any

from landcon.errors import NotFound
from landcon.services import org, projects, records
from landcon.services import willingness as S
from landcon.services import willingness_households as H

CADRE = "demo_village"
UNANSWERED_EVERY = 7  # every 7th household has not answered yet
OBJECTING_EVERY = 9  # every 9th (offset 4) does not agree to take part


def _answers(n: int) -> dict[str, object]:
    consent = "不同意" if n % OBJECTING_EVERY == 4 else "说不清" if n % 11 == 8 else "同意"
    return {
        "consent": consent,
        "homestead_exit": ("不愿意退出", "有条件退出", "无闲置宅基地", "愿意有偿退出")[
            n % 4 if consent == "同意" else 0
        ],
        "land_transfer": "不愿意流转" if consent == "不同意" else ("愿意流转", "已经流转")[n % 2],
        "tenure_adjustment": "不同意" if consent == "不同意" else "同意",
        "location": ("靠近居住地", "靠近道路", "保持原位置", "无要求")[n % 4],
        "compensation": [("货币补偿", "土地置换", "集中安置宅基地")[n % 3]],
        "migrant_workers": n % 3,
    }


def _cadre_village(who: records.Actor, code: str) -> str | None:
    """The registered village with most survey households inside a unit the project covers."""
    covered = [u["code"] for u in projects.show_project(who, code).get("units") or []]
    counts: dict[str, int] = {}
    for h in S.list_households(who, code):
        if h["village_code"] and any(h["village_code"].startswith(c) for c in covered):
            counts[h["village_code"]] = counts.get(h["village_code"], 0) + 1
    registered = {u["code"] for c in {v[:9] for v in counts} for u in org.list_units(who, parent=c, level="village")}
    ranked = sorted((v for v in counts if v in registered), key=lambda v: (-counts[v], v))
    return ranked[0] if ranked else None


def seed_willingness(who: records.Actor, code: str) -> dict[str, Any]:
    """Seed the survey of project ``code`` (``who``: the province administrator seeding the demo)."""
    from landcon.services.demo import DEMO_PASSWORD

    author = records.actor("demo_author")
    if S.plan_summary(author, code) is None:
        S.create(author, code)
    if not S.list_households(author, code):
        H.households_from_realloc(author, code)
    village = _cadre_village(who, code)
    cadre = author
    if village is not None:
        try:
            cadre = records.actor(CADRE)
        except NotFound:
            org.add_user(
                who, CADRE, password=DEMO_PASSWORD, unit=village, roles=("reporter",), department="cwh",
                display_name="村委会意愿调查员",
            )  # fmt: skip
            cadre = records.actor(CADRE)
    for n, h in enumerate(S.list_households(cadre, code)):
        if h["may_respond"] and not h["responded"] and n % UNANSWERED_EVERY != UNANSWERED_EVERY - 1:
            source = "paper" if n % 5 == 0 else "web"
            S.respond(cadre, code, h["key"], _answers(n), source=source, respondent=h["head"])
    summary = S.plan_summary(author, code) or {}
    return {
        "cadre": cadre.username,
        "village": village,
        "households": summary.get("households"),
        "responded": summary.get("responded"),
        "objecting": summary.get("objecting_households"),
    }
