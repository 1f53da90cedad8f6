"""Confirmations and adoption of a 权属调整 version: every reason of a refusal is listed, and the version
is adopted once its 公示 is over with the objection answered, the village meeting passed the tenure
scheme and every household confirmed or explained (test_realloc_village_fixtures: 4 households of
village 530124100201)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from realloc_fixtures import HOUSEHOLDS
from realloc_page_fixtures import CODE, stored_version
from records_fixtures import VILLAGE_CODE
from typer.testing import CliRunner
from web_fixtures import csrf_of, sign_in

from landcon.cli.main import app
from landcon.errors import InvalidRecord, PermissionDenied
from landcon.services import consent, publicity, realloc_adoption, realloc_views, records, village_votes
from landcon.services.clock import today
from landcon.web.app import create_app


def _cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["realloc", *args])


def _meeting(votes_for: int) -> dict[str, object]:
    return village_votes.add_meeting(
        records.actor("fm_town"), CODE, village=VILLAGE_CODE, kind="村民会议", held_on=today() - dt.timedelta(days=30),
        motion="测试村权属调整方案", motion_kind="tenure_scheme", eligible=40, present=30, votes_for=votes_for,
        against=30 - votes_for, abstain=0,
    )  # fmt: skip


def _status() -> str:
    return str(realloc_views.versions_page(records.actor("fm_town"), CODE)["versions"][0]["status"])


def _publish(objection: bool) -> int:
    start, end = today() - dt.timedelta(days=20), today() - dt.timedelta(days=10)
    p = publicity.publish(
        records.actor("fm_town"), CODE, kind="realloc", ref="1", place="村务公开栏", place_unit=VILLAGE_CODE,
        start=start, end=end,
    )  # fmt: skip
    if objection:
        publicity.add_objection(
            records.actor("fm_town"), CODE, p["number"], name="王五", household=HOUSEHOLDS[3],
            content="新地块离家太远", received_on=start + dt.timedelta(days=2),
        )  # fmt: skip
    return int(p["number"])


def test_refusal_lists_every_reason_then_adoption(records_world, tmp_path):
    stored_version(tmp_path)
    refused = _cli("adopt", CODE, "--version", "1", "--as", "fm_author", "--json")
    assert refused.exit_code == 1
    message = json.loads(refused.output)["error"]["message"]
    assert "公示" in message  # (a) never published
    assert f"村 {VILLAGE_CODE} 没有权属调整方案的村民会议表决记录" in message  # (b)
    assert "4 户既未签字确认也未说明原因：" + "、".join(HOUSEHOLDS) in message  # (c)

    assert _status() == "草稿"
    _meeting(votes_for=19)  # 19 of 30 present: below 2/3 (20)
    number = _publish(objection=True)
    assert _status() == "公示中"
    for h in HOUSEHOLDS[:3]:
        done = _cli("confirm", CODE, "--version", "1", "--household", h, "--signed-on", "2026-11-20", "--as", "fm_town")
        assert done.exit_code == 0, done.output
    with pytest.raises(realloc_adoption.AdoptionRefused) as caught:
        realloc_adoption.adopt(records.actor("fm_author"), CODE, 1)
    reasons = str(caught.value)
    assert "表决未通过" in reasons and "1 户既未签字确认也未说明原因：" + HOUSEHOLDS[3] in reasons
    assert "异议" in reasons  # the objection is not answered

    _meeting(votes_for=20)  # the latest vote passes
    [objection] = publicity.list_publicities(records.actor("fm_town"), CODE)[0]["objections"]
    publicity.answer(
        records.actor("fm_town"), CODE, number, objection["id"], text="新地块紧邻其宅基地所在道路", outcome="dismissed"
    )
    absent = _cli(
        "confirm", CODE, "--version", "1", "--household", HOUSEHOLDS[3], "--absence", "外出务工，电话告知同意", "--as",
        "fm_town",
    )  # fmt: skip
    assert absent.exit_code == 0, absent.output
    assert realloc_adoption.adoption_state(records.actor("fm_author"), CODE, 1) == {
        "adopted": False,
        "blockers": [],
        "adopted_by": None,
        "may": {"confirm": True, "adopt": True},
    }
    with pytest.raises(PermissionDenied):
        realloc_adoption.adopt(records.actor("fm_town"), CODE, 1)  # a township reporter does not adopt
    adopted = _cli("adopt", CODE, "--version", "1", "--as", "fm_author")
    assert adopted.exit_code == 0, adopted.output
    assert _status() == "已采用"
    summary = realloc_adoption.adopted_summary(records.actor("fm_town"), CODE)
    assert summary is not None
    assert {k: summary[k] for k in summary if k not in ("adopted_on", "name")} == {
        "version": 1,
        "households": 4,
        "parcels_before": 8,
        "pieces_after": 4,
        "area_m2": 40000.0,
        "mean_pieces_before": 2.0,
        "mean_pieces_after": 1.0,
        "settlement_paid_yuan": 0.0,
        "settlement_received_yuan": 0.0,
        "confirmed": 3,
        "explained": 1,
        "consented": 0,
    }
    assert summary["adopted_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    with pytest.raises(InvalidRecord):  # an adopted version's confirmations are final
        realloc_adoption.confirm(records.actor("fm_town"), CODE, 1, HOUSEHOLDS[0], absence="改变主意")


def test_confirmation_needs_exactly_one_of_date_or_absence(records_world, tmp_path):
    stored_version(tmp_path)
    who = records.actor("fm_town")
    with pytest.raises(InvalidRecord):
        realloc_adoption.confirm(who, CODE, 1, HOUSEHOLDS[0])
    with pytest.raises(InvalidRecord):
        realloc_adoption.confirm(who, CODE, 1, HOUSEHOLDS[0], signed_on="2026-11-20", absence="不在家")
    with pytest.raises(InvalidRecord):
        realloc_adoption.confirm(who, CODE, 1, "530124100201009999", signed_on="2026-11-20")
    assert realloc_adoption.adopted_summary(who, CODE) is None


def test_web_confirmation_form_and_adoption_blockers(records_world, tmp_path):
    stored_version(tmp_path)
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, "fm_town")
        token = csrf_of(client)
        sheet = tmp_path / "签字确认书.pdf"
        sheet.write_bytes(b"%PDF-1.4 signed")
        with open(sheet, "rb") as f:
            r = client.post(
                f"/projects/{CODE}/realloc/1/confirm",
                data={"csrf_token": token, "household": HOUSEHOLDS[0], "signed_on": "2026-11-20"},
                files=[("sheet", ("签字确认书.pdf", f, "application/pdf"))],
                follow_redirects=False,
            )
        assert r.status_code == 303, r.text[:300]
        page = client.get(f"/projects/{CODE}/realloc/1").text
        assert (
            f'<tr data-household="{HOUSEHOLDS[0]}"><td class="mono">{HOUSEHOLDS[0]}</td><td>已签字</td>'
            "<td>2026-11-20</td><td>—</td><td>签字确认书.pdf</td></tr>"
        ) in page
        assert "已签字 1 户 · 已说明 0 户 · 未确认 3 户" in page
        assert "3 户既未签字确认也未说明原因" in page and "采用此版本" not in page  # a reporter cannot adopt
        sign_in(client, "fm_author")
        assert "采用此版本</button>" in client.get(f"/projects/{CODE}/realloc/1").text


def test_a_households_reallocation_consent_stands_in_for_its_confirmation(records_world, tmp_path):
    stored_version(tmp_path)
    town, author = records.actor("fm_town"), records.actor("fm_author")
    meeting = _meeting(votes_for=20)
    _publish(objection=False)  # over, without objection
    for h in HOUSEHOLDS[:2]:
        realloc_adoption.confirm(town, CODE, 1, h, signed_on=today())

    def agree(household: str, on: dt.date) -> None:
        consent.add_consent(
            town, CODE, kind="reallocation", given_on=on, village=VILLAGE_CODE, household_code=household,
            household_name="王*", parcels=["5301241002010000001"],
        )  # fmt: skip

    agree(HOUSEHOLDS[2], today())
    agree(HOUSEHOLDS[3], today() - dt.timedelta(days=1))  # before the version was saved: not this scheme's
    consent.add_consent(town, CODE, kind="reallocation", given_on=today(), meeting=int(str(meeting["id"])))
    consent.add_consent(  # another kind does not count
        town, CODE, kind="demolition", given_on=today(), village=VILLAGE_CODE, household_code=HOUSEHOLDS[3],
        parcels=["5301241002010000001"],
    )  # fmt: skip
    state = realloc_adoption.confirmations(author, CODE, 1)
    assert [(r["status"], r["consent"] is not None) for r in state["households"]] == [
        ("已签字", False), ("已签字", False), ("已同意", True), ("未确认", False),
    ]  # fmt: skip
    assert (state["signed"], state["explained"], state["consented"], state["missing"]) == (2, 0, 1, 1)
    assert realloc_adoption.adoption_state(author, CODE, 1)["blockers"] == [
        f"1 户既未签字确认也未说明原因：{HOUSEHOLDS[3]}"
    ]  # the meeting's consent stands in for no household
    agree(HOUSEHOLDS[3], today())
    assert realloc_adoption.adopt(author, CODE, 1)["created"] is True
    summary = realloc_adoption.adopted_summary(town, CODE)
    assert summary is not None and (summary["confirmed"], summary["explained"], summary["consented"]) == (2, 0, 2)
