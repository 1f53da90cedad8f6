"""The demo's village votes (``services.demo_votes``) on the project of ``ledger_fixtures.project_to(…,
"plan")`` with a ``demo_township`` reporter: a passed tenure-scheme vote and consent records that make
DEMOLITION_NEEDS_CONSENT pass from records; run twice, it keeps what it made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ledger_fixtures import CODE, project_to
from records_fixtures import PASSWORD, TOWNSHIP, VILLAGE_CODE, RecordsDB

from landcon.engine import publicity as P
from landcon.services import consent, ledger, org, records
from landcon.services import village_votes as VV
from landcon.services.clock import today
from landcon.services.demo_publicity import back_dated_period
from landcon.services.demo_votes import seed_market_vote, seed_votes


def test_demo_votes_pass_and_cover_the_removed_homesteads(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    admin = records.system_actor()
    org.add_user(admin, "demo_township", password=PASSWORD, unit=TOWNSHIP, roles=("reporter",), department="xzf")
    first = seed_votes(admin, CODE)
    assert (first["created"], first["village"], first["passed"], first["consents"]) == (True, "测试村", True, 1)
    assert first["DEMOLITION_NEEDS_CONSENT"] == "pass"
    assert seed_votes(admin, CODE) == {"meetings": 1, "created": False, "passed": True}
    reader = records.actor("fm_author")
    assert [m["motion_kind"] for m in VV.list_meetings(reader, CODE)] == ["tenure_scheme"]
    assert [c["parcels"] for c in consent.list_consents(reader, CODE)] == [["ZJGGTB:1"]]
    # Dated by the demo's timeline: before the tenure scheme's 公示 (ending yesterday) and today's adoption.
    start, end = back_dated_period(P.REALLOC)
    assert end == today() - dt.timedelta(days=1)
    held = VV.list_meetings(reader, CODE)[0]["held_on"]
    given = consent.list_consents(reader, CODE)[0]["given_on"]
    assert (held, given) == (
        (start - dt.timedelta(days=10)).isoformat(),
        (start - dt.timedelta(days=6)).isoformat(),
    )


def test_demo_market_vote_lets_the_demo_deal_enter(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    assert seed_market_vote("530124") is None  # no township reporter yet
    admin = records.system_actor()
    org.add_user(admin, "demo_township", password=PASSWORD, unit=TOWNSHIP, roles=("reporter",), department="xzf")
    assert seed_market_vote("530124") == seed_market_vote("530124") == VILLAGE_CODE
    [m] = VV.list_meetings(records.actor("fm_author"), CODE, motion_kind="market_entry")
    assert (m["passed"], m["parcels"], m["held_on"]) == (True, [], (today() - dt.timedelta(days=20)).isoformat())
    deal = ledger.market_add(
        records.actor("fm_author"), "530124", "示例入市1", parcel_code=f"{VILLAGE_CODE}JA00001", collective="示例村",
        mode="出让", land_use="工业", area_m2=6666.67, term_years=50, price_yuan=2_400_000, village=VILLAGE_CODE,
    )  # fmt: skip
    assert deal["contract_no"] == "示例入市1"
