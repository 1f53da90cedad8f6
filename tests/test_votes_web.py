"""The 村民会议表决 page and its forms through FastAPI's test client (SQLite and PostgreSQL), on the project
of ``ledger_fixtures.project_to(…, "plan")``: a township user records a vote and a consent with signed
records; the county reads without forms; another county sees nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import VILLAGE_CODE
from web_fixtures import csrf_of, sign_in

from landcon.services import consent, records
from landcon.services import village_votes as VV
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "plan")
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_township_records_a_vote_and_a_consent(client: TestClient, tmp_path: Path) -> None:
    sign_in(client, "fm_town")
    page = client.get(f"/projects/{CODE}")
    assert f'href="/projects/{CODE}/votes">村民会议表决</a>' in page.text
    page = client.get(f"/projects/{CODE}/votes")
    assert page.status_code == 200 and "尚无村民会议表决记录" in page.text
    assert f'<option value="{VILLAGE_CODE}">测试村</option>' in page.text
    token = csrf_of(client)
    data = {"csrf_token": token, "village": VILLAGE_CODE, "kind": "村民代表会议", "held_on": "2026-03-01"}
    data |= {"motion": "测试村宅基地拆旧", "motion_kind": "demolition", "eligible": "30", "present": "20"}
    data |= {"votes_for": "14", "against": "4", "abstain": "2"}
    with open(tmp_path / "记录.pdf", "wb") as f:
        f.write(b"%PDF-1.4 signed")
    with open(tmp_path / "记录.pdf", "rb") as f:
        r = client.post(
            f"/projects/{CODE}/votes/meeting",
            data=data,
            files=[("record", ("会议记录.pdf", f, "application/pdf"))],
            follow_redirects=False,
        )
    assert r.status_code == 303, r.text[:300]
    [m] = VV.list_meetings(records.actor("fm_author"), CODE)
    assert r.headers["location"] == f"/projects/{CODE}/votes?saved=meeting-{m['id']}"
    assert (m["passed"], m["attachment"]) == (True, "会议记录.pdf")
    bad = client.post(f"/projects/{CODE}/votes/meeting", data={**data, "votes_for": "15"}, follow_redirects=False)
    assert bad.status_code == 400 and "赞成 15、反对 4、弃权 2 合计 21 超过到会人数 20" in bad.text
    r = client.post(
        f"/projects/{CODE}/votes/consent",
        data={"csrf_token": token, "kind": "demolition", "given_on": "2026-03-02", "meeting": str(m["id"])},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    assert [c["whole_village"] for c in consent.list_consents(records.actor("fm_author"), CODE)] == [True]
    page = client.get(f"/projects/{CODE}/votes?saved=1")
    assert "表决通过：应到 30 人，到会 20 人，村民代表会议须2/3以上到会（至少 20 人）" in page.text
    assert "村民会议表决 #" in page.text and "全村" in page.text
    record = client.get(f"/projects/{CODE}/votes/{m['id']}/record")
    assert (record.status_code, record.content) == (200, b"%PDF-1.4 signed")


def test_county_reads_without_forms_and_another_county_sees_nothing(client: TestClient) -> None:
    VV.add_meeting(
        records.actor("fm_town"), CODE, village=VILLAGE_CODE, kind="村民会议", held_on="2026-03-01", motion="方案",
        motion_kind="plan", eligible=40, present=20, votes_for=20, against=0, abstain=0,
    )  # fmt: skip
    sign_in(client, "fm_author")
    page = client.get(f"/projects/{CODE}/votes")
    assert page.status_code == 200 and "会议无效" in page.text
    assert "记录村民会议表决" not in page.text and "登记同意" not in page.text
    sign_in(client, "wh_sup")
    assert client.get(f"/projects/{CODE}/votes").status_code == 404
    assert client.get(f"/projects/{CODE}/votes/1/record").status_code == 404
