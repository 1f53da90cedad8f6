"""The demo's confirmations and adoption (services/demo_realloc_village.py) on the stored version of
test_realloc_village_fixtures, with the demo's county author and township reporter."""

from __future__ import annotations

import datetime as dt

from realloc_fixtures import HOUSEHOLDS
from realloc_page_fixtures import CODE, stored_version
from records_fixtures import COUNTY, PASSWORD, TOWNSHIP, VILLAGE_CODE

from landcon.services import org, publicity, realloc_adoption, records, village_votes
from landcon.services.clock import today
from landcon.services.demo_realloc_village import ABSENCE, seed_realloc_village


def test_demo_confirms_all_but_one_and_adopts_once_the_gate_clears(records_world, tmp_path):
    stored_version(tmp_path)
    admin = records.system_actor()
    org.add_user(admin, "demo_author", password=PASSWORD, unit=COUNTY, roles=("author",), department="zrzy")
    org.add_user(admin, "demo_township", password=PASSWORD, unit=TOWNSHIP, roles=("reporter",), department="xzf")
    first = seed_realloc_village(admin, CODE)
    assert first["adopted"] is False and "公示" in first["reasons"] and "表决" in first["reasons"]
    state = realloc_adoption.confirmations(records.actor("demo_author"), CODE, 1)
    assert [r["status"] for r in state["households"]] == ["已签字", "已签字", "已签字", "已说明"]
    assert state["households"][3]["signed_on"] is None and state["households"][0]["signed_on"] == today().isoformat()
    assert (state["households"][3]["household"], state["households"][3]["absence"]) == (HOUSEHOLDS[3], ABSENCE)

    town = records.actor("demo_township")
    village_votes.add_meeting(
        town, CODE, village=VILLAGE_CODE, kind="村民代表会议", held_on=today() - dt.timedelta(days=25),
        motion="权属调整方案", motion_kind="tenure_scheme", eligible=30, present=26, votes_for=22, against=2, abstain=2,
    )  # fmt: skip
    publicity.publish(
        town, CODE, kind="realloc", ref="1", place="村务公开栏",
        start=today() - dt.timedelta(days=20), end=today() - dt.timedelta(days=10),
    )  # fmt: skip
    second = seed_realloc_village(admin, CODE)
    assert (second["version"], second["households"], second["adopted"]) == (1, 4, True)
    again = seed_realloc_village(admin, CODE)
    assert (again["created"], again["version"], again["confirmed"], again["explained"]) == (False, 1, 3, 1)
