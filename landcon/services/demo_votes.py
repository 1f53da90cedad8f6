"""Demo 村民代表会议表决 and 村民同意 of the demo project (called by ``demo_participation.seed_participation``).

As the demo township's reporter (``demo_township``, services/demo.py), through the services a user calls:
a 村民代表会议 of the demo village — the village of the households of the project's latest 权属调整
version (the most frequent 承包方编码 prefix), else the project's first village — that passes the
tenure scheme (30 representatives, 26 present, 22 for), and one household consent per plan parcel that
removes 宅基地 without one, so the project's DEMOLITION_NEEDS_CONSENT passes from records
(``consent.coverage``). The meeting and the consents are dated by the demo's timeline, before the
tenure scheme's back-dated 公示 (``demo_publicity.back_dated_period``, ending yesterday) and the adoption
(today): the meeting ``VOTE_LEAD_DAYS`` before the 公示 starts, the consents ``CONSENT_LEAD_DAYS`` before.
Idempotent: a project that already has a tenure-scheme vote keeps its records.
"""

from __future__ import annotations

import collections
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from landcon.engine import publicity as P
from landcon.engine import votes as V
from landcon.errors import NotFound, PermissionDenied
from landcon.services import attachments, consent, records
from landcon.services import village_votes as VV
from landcon.services.clock import today
from landcon.services.demo_publicity import back_dated_period
from landcon.services.project_access import get_project
from landcon.store.models import Project, ReallocFile, ReallocVersion, User

TOWNSHIP_USER = "demo_township"
VOTE_LEAD_DAYS, CONSENT_LEAD_DAYS = 10, 6
"""Days before the tenure scheme's 公示 starts on which the demo meeting is held and the consents are given."""


def demo_dates() -> tuple[dt.date, dt.date]:
    """(meeting date, consent date) of the demo: before the 公示 of the tenure scheme and thus before today."""
    start, _ = back_dated_period(P.REALLOC)
    return start - dt.timedelta(days=VOTE_LEAD_DAYS), start - dt.timedelta(days=CONSENT_LEAD_DAYS)


def _realloc_village(who: records.Actor, code: str) -> str | None:
    """The 12-digit prefix most 承包方编码 of the latest 权属调整 version's allocation share, if any."""
    from landcon.store.layers import read_any_layer

    with records.read() as session:
        project = get_project(session, who, code)
        sha = session.scalars(
            select(ReallocFile.blob_sha)
            .join(ReallocVersion, ReallocFile.version_id == ReallocVersion.id)
            .where(ReallocVersion.project_id == project.id, ReallocFile.path == "allocation.gpkg")
            .order_by(ReallocVersion.number.desc())
            .limit(1)
        ).first()
    if sha is None:
        return None
    with tempfile.TemporaryDirectory(prefix="landcon-demo-votes-") as tmp:
        copy = Path(tmp) / "allocation.gpkg"
        copy.write_bytes(attachments.blob_store().path(sha).read_bytes())
        frame = read_any_layer(copy).frame
    codes = [str(c)[:12] for c in frame.get("CBFBM", []) if c]
    return collections.Counter(codes).most_common(1)[0][0] if codes else None


def seed_votes(who: records.Actor, code: str) -> dict[str, Any]:
    """The demo village's passed tenure-scheme vote and the consent records of the plan's removed homesteads."""
    records.require_province(who, "unit.manage")
    town = records.actor(TOWNSHIP_USER)
    with records.read() as session:
        own = [u.code for u in VV.villages(session, get_project(session, town, code))]
    if not own:
        return {"meetings": 0, "created": False, "note": "项目没有涉及的村"}
    wanted = _realloc_village(who, code)
    village = wanted if wanted in own else own[0]
    done = [m for m in VV.list_meetings(town, code, motion_kind=V.TENURE_SCHEME) if m["village_code"] == village]
    if done:
        return {"meetings": len(done), "created": False, "passed": done[-1]["passed"]}
    held_on, given_on = demo_dates()
    meeting = VV.add_meeting(
        town,
        code,
        village=village,
        kind=V.REPRESENTATIVES,
        held_on=held_on,
        motion="土地权属调整方案（示例村权属调整）",
        motion_kind=V.TENURE_SCHEME,
        eligible=30,
        present=26,
        votes_for=22,
        against=3,
        abstain=1,
    )
    made = 0
    for n, gap in enumerate(consent.coverage(town, code)["gaps"], start=1):
        home = next((v for v in gap["villages"] if v in own), village)
        consent.add_consent(
            town,
            code,
            kind="demolition",
            given_on=given_on,
            village=home,
            household_code=f"{home}{n:06d}"[:18],
            household_name=f"拆旧户{n}",
            parcels=[gap["parcel"]],
        )
        made += 1
    finding = consent.coverage(town, code)["finding"]
    return {
        "meetings": 1,
        "created": True,
        "village": meeting["village_name"],
        "passed": meeting["passed"],
        "reason": meeting["reason"],
        "consents": made,
        "DEMOLITION_NEEDS_CONSENT": finding["status"],
    }


MARKET_LEAD_DAYS = 20
"""Days before today on which the demo's 入市 表决 is held."""


def _town_village(town: records.Actor, county: str) -> tuple[str, str] | None:
    """(project code, village code): the first project of ``county`` the township reporter reads, and its
    first village; None when there is none."""
    with records.read() as session:
        rows = session.scalars(select(Project).order_by(Project.id))
        for project in rows:
            if project.county.code != county:
                continue
            try:
                readable = get_project(session, town, project.code)
            except (NotFound, PermissionDenied):
                continue
            own = VV.villages(session, readable)
            if own:
                return readable.code, own[0].code
    return None


def seed_market_vote(county: str) -> str | None:
    """The demo's passed 集体经营性建设用地入市 表决 (村民代表会议, whole village), which the demo's 入市 deal
    in ``county`` names (``services.ledger.market_add`` checks it): recorded by the demo township's reporter
    ``MARKET_LEAD_DAYS`` before today in the first village of the first project of the county it reads
    (the 入市 check reads a village's votes of any project). Returns the village code; None without a
    reporter or such a project. Idempotent: a village whose latest 入市 表决 passed keeps it."""
    with records.read() as session:
        exists = session.scalars(select(User.id).where(User.username == TOWNSHIP_USER)).first() is not None
    if not exists:
        return None
    town = records.actor(TOWNSHIP_USER)
    found = _town_village(town, county)
    if found is None:
        return None
    code, village = found
    done = [m for m in VV.list_meetings(town, code, motion_kind=V.MARKET_ENTRY) if m["village_code"] == village]
    if done and done[-1]["passed"]:
        return village
    VV.add_meeting(
        town,
        code,
        village=village,
        kind=V.REPRESENTATIVES,
        held_on=today() - dt.timedelta(days=MARKET_LEAD_DAYS),
        motion="集体经营性建设用地入市（示例村）",
        motion_kind=V.MARKET_ENTRY,
        eligible=30,
        present=26,
        votes_for=22,
        against=3,
        abstain=1,
    )
    return village
