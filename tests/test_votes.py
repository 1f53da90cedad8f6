"""村民会议表决 records (SQLite and PostgreSQL): the township records, the county reads, the result is
computed on save and on read, the latest meeting on a motion kind is what other parts read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from records_fixtures import TOWNSHIP, VILLAGE_CODE, RecordsDB
from sqlalchemy import select

from landcon.engine import votes as V
from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import projects, records
from landcon.services import village_votes as VV
from landcon.services.project_access import get_project
from landcon.store.models import AuditEntry, VillageVote

CODE = "FM-VOTE-01"
NOT_COVERED = "村 530102001001 不是项目 FM-VOTE-01 涉及的村；可选：测试村（530124100201）"


def _project() -> None:
    projects.create_project(
        records.actor("fm_author"), CODE, "款庄镇全域整治", county="530124", units=[TOWNSHIP], dataset="grid"
    )


def _meeting(who: str = "fm_town", **kw: object) -> dict[str, object]:
    values: dict[str, object] = {
        "village": VILLAGE_CODE,
        "kind": V.REPRESENTATIVES,
        "held_on": "2026-03-01",
        "motion": "测试村土地权属调整方案",
        "motion_kind": V.TENURE_SCHEME,
        "eligible": 30,
        "present": 20,
        "votes_for": 14,
        "against": 4,
        "abstain": 2,
        **kw,
    }
    return VV.add_meeting(records.actor(who), CODE, **values)  # type: ignore[arg-type]


def test_township_records_and_the_result_is_computed(records_world: RecordsDB, tmp_path: Path) -> None:
    _project()
    record = tmp_path / "会议记录.pdf"
    record.write_bytes(b"%PDF-1.4 signed record")
    m = _meeting(attachment=record, roster=[f"代表{i}" for i in range(30)])
    assert (m["village_name"], m["valid"], m["passed"], m["quorum_needed"], m["votes_needed"]) == (
        "测试村",
        True,
        True,
        20,
        14,
    )
    assert m["reason"] == (
        "表决通过：应到 30 人，到会 20 人，村民代表会议须2/3以上到会（至少 20 人）；"
        "赞成 14 人，土地承包经营权调整/权属调整方案须到会人员2/3以上赞成（至少 14 人）"
    )
    assert m["attachment"] == "会议记录.pdf"
    later = _meeting(held_on="2026-04-01", present=19, votes_for=19, against=0, abstain=0)
    assert (later["valid"], later["passed"]) == (False, False)
    # The county reads; the latest meeting on the motion kind is the one that counts.
    listed = VV.list_meetings(records.actor("fm_author"), CODE)
    assert [(x["held_on"], x["passed"]) for x in listed] == [("2026-03-01", True), ("2026-04-01", False)]
    with records.read() as session:
        project = get_project(session, records.actor("fm_sup"), CODE)
        latest = VV.motion_result(session, project, V.TENURE_SCHEME)
        assert latest is not None and (latest["id"], latest["passed"]) == (later["id"], False)
        assert VV.motion_result(session, project, V.TENURE_SCHEME, village="测试村") == latest
        assert VV.motion_result(session, project, V.MARKET_ENTRY) is None
        audited = select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.object_type == "village_votes")
        assert session.execute(audited).all() == [("fm_town", "vote.record/create")] * 2
        assert session.scalars(select(VillageVote.votes_for).order_by(VillageVote.id)).all() == [14, 19]
    assert [x["id"] for x in VV.plan_summary(records.actor("fm_author"), CODE)] == [m["id"], later["id"]]


def test_result_changes_with_the_rule_not_with_a_stored_value(records_world: RecordsDB) -> None:
    _project()
    m = _meeting(kind=V.VILLAGERS, eligible=40, present=21, votes_for=14, against=7, abstain=0)
    assert (m["valid"], m["passed"], m["votes_needed"]) == (True, True, 14)
    failed = _meeting(kind=V.VILLAGERS, eligible=40, present=21, votes_for=13, against=8, abstain=0)
    assert (failed["valid"], failed["passed"]) == (True, False)


def test_county_reads_but_does_not_record(records_world: RecordsDB) -> None:
    _project()
    with pytest.raises(PermissionDenied, match="村民会议表决和村民同意由乡镇或村记录，县级及以上只能查看"):
        _meeting("fm_author")
    with pytest.raises(PermissionDenied, match="无权记录村民会议表决和村民同意"):
        _meeting("fm_sup")
    with pytest.raises(NotFound, match="项目 FM-VOTE-01 不存在或不在"):
        VV.list_meetings(records.actor("wh_author"), CODE)


def test_impossible_counts_and_villages_are_named(records_world: RecordsDB) -> None:
    _project()
    with pytest.raises(V.VoteCountError, match="赞成 15、反对 4、弃权 2 合计 21 超过到会人数 20") as caught:
        _meeting(votes_for=15)
    assert caught.value.field == "for"
    with pytest.raises(V.VoteCountError, match="到会人数 31 超过应到人数 30"):
        _meeting(present=31)
    with pytest.raises(V.VoteCountError, match="赞成票数应为非负整数，不是 'x'"):
        _meeting(votes_for="x")
    with pytest.raises(V.VoteCountError, match="名册有 2 人，与应到人数 30 不符"):
        _meeting(roster=["甲", "乙"])
    with pytest.raises(InvalidRecord, match=NOT_COVERED):
        _meeting(village="530102001001")
    with pytest.raises(InvalidRecord, match="会议日期 '2027-13-01' 无效"):
        _meeting(held_on="2027-13-01")
    assert VV.list_meetings(records.actor("fm_town"), CODE) == []


def test_a_meeting_or_a_consent_dated_after_today_is_refused(records_world: RecordsDB) -> None:
    from landcon.services import consent
    from landcon.services.clock import today

    _project()
    now = today()
    later = (now + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidRecord) as refused:
        _meeting(held_on=later)
    assert str(refused.value) == f"字段 held_on：会议日期 {later} 晚于今天（{now.isoformat()}）：尚未召开的会议不能记录"
    held = _meeting(held_on=now.isoformat())  # today is allowed
    assert held["held_on"] == now.isoformat()
    with pytest.raises(InvalidRecord) as refused:
        consent.add_consent(records.actor("fm_town"), CODE, kind="demolition", given_on=later, meeting=int(held["id"]))
    assert (
        str(refused.value) == f"字段 given_on：同意日期 {later} 晚于今天（{now.isoformat()}）：尚未作出的同意不能记录"
    )
    assert [m["held_on"] for m in VV.list_meetings(records.actor("fm_author"), CODE)] == [now.isoformat()]
    assert consent.list_consents(records.actor("fm_author"), CODE) == []
