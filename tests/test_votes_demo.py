"""The demo's village votes (``services.demo_votes``) on the project of ``ledger_fixtures.project_to(…,
"plan")`` with a ``demo_township`` reporter: a passed tenure-scheme vote and consent records that make
DEMOLITION_NEEDS_CONSENT pass from records; run twice, it keeps what it made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ledger_fixtures import CODE, project_to
from records_fixtures import PASSWORD, TOWNSHIP, RecordsDB

from landcon.engine import publicity as P
from landcon.services import consent, org, records
from landcon.services import village_votes as VV
from landcon.services.clock import today
from landcon.services.demo_publicity import back_dated_period
from landcon.services.demo_votes import seed_votes


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
