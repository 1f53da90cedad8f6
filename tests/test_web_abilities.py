"""A page offers what the service accepts: ``services.abilities`` asks the actions' own permission checks
(roles, unit scope, review department) without acting, and the web shows or hides forms by its flags.

Users are those of ``records_fixtures.WORLD_USERS``: 富民县 (530124) in 昆明市 (530100) in 云南省 (530000).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import COUNTY, PREFECTURE, PROVINCE
from web_fixtures import sign_in

from landcon.errors import PermissionDenied
from landcon.services import abilities, ledger, meetings, org, records
from landcon.web.app import create_app

NONE = {"use": False, "transfer": False, "market": False}


def test_ledger_forms_are_those_the_postings_accept(records_world):
    def flags(user: str, unit: str) -> dict[str, bool]:
        return abilities.ledger_actions(records.actor(user), unit)

    # A county supervisor posts all three at its county; the province's supervisor 调剂 at the province
    # and everything at a county below it; 入市 is also the author's; a leader only reads.
    assert flags("fm_sup", COUNTY) == {"use": True, "transfer": True, "market": True}
    assert flags("yn_sup", PROVINCE) == {"use": False, "transfer": True, "market": False}
    assert flags("yn_sup", COUNTY) == {"use": True, "transfer": True, "market": True}
    assert flags("fm_author", COUNTY) == {"use": False, "transfer": False, "market": True}
    assert flags("fm_leader", COUNTY) == NONE
    # A prefecture holds no quota; another county's supervisor has no say in 富民县.
    assert flags("km_sup", PREFECTURE) == NONE
    assert flags("wh_sup", COUNTY) == NONE


def test_a_form_not_offered_is_one_the_service_refuses(records_world):
    author = records.actor("fm_author")
    assert abilities.ledger_actions(author, COUNTY)["use"] is False
    with pytest.raises(PermissionDenied, match="无权"):
        ledger.use(author, COUNTY, "bcgd", "审批〔2027〕1号", area_mu=1.0)


def test_stage_and_review_actions_follow_the_transition_and_opinion_checks(records_world, tmp_path):
    project_to(tmp_path, "county_review")

    def flags(user: str) -> dict[str, bool]:
        return abilities.project_actions(records.actor(user), CODE)

    # In 县级审查 the county's 自然资源 reviewer closes or rejects the stage and gives its opinion; the author
    # can upload a new draft but not close the review; a leader only reads.
    assert flags("fm_zrzy") == {"advance": True, "reject": True, "upload_plan": False, "opinion": True}
    assert flags("fm_nync") == {"advance": True, "reject": True, "upload_plan": False, "opinion": True}
    assert flags("fm_author") == {"advance": False, "reject": False, "upload_plan": True, "opinion": False}
    assert flags("fm_leader") == {"advance": False, "reject": False, "upload_plan": False, "opinion": False}
    # A prefecture's reviewer is not asked for an opinion in the county's round.
    assert flags("km_nync")["opinion"] is False


def test_the_meeting_form_is_offered_to_whoever_may_record_one(records_world):
    """An author who is also a township reporter may record meetings (``meeting.record``): the page
    offers the form, and the service accepts what it sends."""
    org.add_user(records.system_actor(), "fm_both", password="secret123", unit=COUNTY, roles=["reporter", "author"])
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, "fm_both")
        assert 'action="/meetings"' in client.get("/meetings").text
        sign_in(client, "fm_leader")
        assert 'action="/meetings"' not in client.get("/meetings").text
        assert 'action="/projects"' not in client.get("/projects").text
        sign_in(client, "fm_author")
        assert 'action="/projects"' in client.get("/projects").text
    m = meetings.record_meeting(records.actor("fm_both"), unit=COUNTY, title="会商", held_on="2027-03-01")
    assert m["title"] == "会商"
