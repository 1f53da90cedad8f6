"""The village decision an 入市 deal of 测试村 needs (``services.village_votes.require_market_entry``):
a passed 集体经营性建设用地入市 表决 of the whole village, recorded by the township's reporter."""

from __future__ import annotations

from records_fixtures import TOWNSHIP, VILLAGE_CODE

from landcon.engine import votes as V
from landcon.errors import NotFound
from landcon.services import projects, records
from landcon.services import village_votes as VV

MARKET_PROJECT = "FM-MARKET-01"


def village_decides(project: str = MARKET_PROJECT, *, held_on: str = "2026-01-15") -> str:
    """Record 测试村's passed 入市 表决 (村民会议, 40 应到, 30 到会, 20 赞成: 2/3 of those present) in
    ``project`` (created over the township when missing); returns the village code."""
    try:
        projects.show_project(records.actor("fm_author"), project)
    except NotFound:
        projects.create_project(
            records.actor("fm_author"), project, "富民县入市村", county="530124", units=[TOWNSHIP], dataset="grid"
        )
    VV.add_meeting(
        records.actor("fm_town"), project, village=VILLAGE_CODE, kind=V.VILLAGERS, held_on=held_on,
        motion="测试村集体经营性建设用地入市", motion_kind=V.MARKET_ENTRY, eligible=40, present=30, votes_for=20,
        against=10, abstain=0,
    )  # fmt: skip
    return VILLAGE_CODE
