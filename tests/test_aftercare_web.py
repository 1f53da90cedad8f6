"""The aftercare page and its phone-sized inspection form, through FastAPI's test client (SQLite and
PostgreSQL), on the accepted project of ``ledger_fixtures.project_to(…, "aftercare")``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import VILLAGE_CODE
from supervision_fixtures import jpeg, lonlat
from web_fixtures import csrf_of, sign_in

from landcon.services import aftercare, records, tasks
from landcon.services import aftercare_inspections as AI
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "aftercare")
    aftercare.add_agreement(
        records.actor("fm_sup"),
        CODE,
        "GH-1",
        caretaker_kind="合作社",
        caretaker="款庄镇农机专业合作社",
        unit=VILLAGE_CODE,
        start="2027-01-01",
        end="2029-12-31",
        duties="沟渠清淤",
        subprojects=["Z1"],
    )
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_township_reporter_records_an_inspection_from_the_phone_form(client: TestClient, tmp_path: Path) -> None:
    sign_in(client, "fm_town")
    page = client.get(f"/projects/{CODE}/care")
    assert page.status_code == 200
    assert "款庄镇农机专业合作社" in page.text and "JGTB:A1、JGTB:A2" in page.text and "10,000.00" in page.text
    assert 'accept="image/jpeg" capture="environment"' in page.text
    assert '<option value="GH-1">GH-1</option>' in page.text
    token = csrf_of(client)
    photo = jpeg(tmp_path / "far.jpg", lonlat(250, 600))
    data = {"csrf_token": token, "agreement": "GH-1", "inspected_on": "2027-09-01", "inspector": "李四"}
    data |= {"result": "需整改", "findings": "排水沟淤堵", "deadline": "2027-10-01"}
    with open(photo, "rb") as f:
        r = client.post(
            f"/projects/{CODE}/care/inspect",
            data=data,
            files=[("photos", ("远处.jpg", f, "image/jpeg"))],
            follow_redirects=False,
        )
    assert r.status_code == 303, r.text[:300]
    assert r.headers["location"] == f"/projects/{CODE}/care?saved=1"
    [done] = AI.list_inspections(records.actor("fm_sup"), CODE)
    assert (done["inspector"], done["result"], done["findings"], done["photos"][0]["filename"]) == (
        "李四",
        "需整改",
        "排水沟淤堵",
        "远处.jpg",
    )
    task = tasks.get_task(records.actor("fm_sup"), done["task_id"])
    assert (task["unit"], task["deadline"]) == (VILLAGE_CODE, "2027-10-01")
    page = client.get(f"/projects/{CODE}/care?saved=1")
    assert "巡查已保存" in page.text and "超出管护地块范围 500.0 米" in page.text
    thumb = client.get(f"/projects/{CODE}/care/photos/{done['photos'][0]['id']}?thumb=true")
    assert (thumb.status_code, thumb.headers["content-type"]) == (200, "image/jpeg")


def test_other_county_sees_nothing_and_a_reader_gets_no_form(client: TestClient) -> None:
    sign_in(client, "fm_leader")
    page = client.get(f"/projects/{CODE}/care")
    assert page.status_code == 200 and "GH-1" in page.text and "记录巡查" not in page.text
    sign_in(client, "wh_sup")
    assert client.get(f"/projects/{CODE}/care").status_code == 404
    assert client.get(f"/projects/{CODE}/care/photos/1").status_code == 404
