"""The aftercare page's 管护协议 form (``POST /projects/{code}/care/agreements``) through FastAPI's test
client (SQLite and PostgreSQL) on the accepted project of ``ledger_fixtures.project_to(…, "aftercare")``:
parcels by sub-project and by id, refusals with the service's message, CSRF, who sees the form, scope
(another county 404), and an inspection with a photo recorded on the new agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import VILLAGE_CODE
from supervision_fixtures import jpeg, lonlat
from web_fixtures import csrf_of, sign_in

from landcon.services import aftercare, records
from landcon.services import aftercare_inspections as AI
from landcon.web.app import create_app

FORM = {
    "caretaker_kind": "合作社",
    "caretaker": "款庄镇农机专业合作社",
    "contact": "0871-0000000",
    "unit": VILLAGE_CODE,
    "duties": "沟渠清淤、防止撂荒",
    "start": "2027-12-01",
    "end": "2030-11-30",
    "funds_per_year": "1.5",
    "funds_source": "县级财政",
}


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "aftercare")
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def post(client: TestClient, data: dict[str, object], **kw: object):  # type: ignore[no-untyped-def]
    return client.post(f"/projects/{CODE}/care/agreements", data=data, **kw)  # type: ignore[arg-type]


def test_a_supervisor_adds_agreements_by_sub_project_and_by_parcel(client: TestClient, tmp_path: Path) -> None:
    sign_in(client, "fm_sup")
    page = client.get(f"/projects/{CODE}/care").text
    assert 'id="agreement-form"' in page and '<input type="checkbox" name="subprojects" value="Z1">' in page
    token = csrf_of(client)
    r = post(client, {"csrf_token": token, "agreement": "GH-1", **FORM, "subprojects": ["Z1"]}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert r.headers["location"] == f"/projects/{CODE}/care?added=GH-1"
    assert "管护协议 GH-1 已登记" in client.get(r.headers["location"]).text
    r = post(client, {"csrf_token": token, "agreement": "GH-2", **FORM, "parcels": "JGTB:A1"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    saved = {a["code"]: a for a in aftercare.list_agreements(records.actor("fm_sup"), CODE)}
    assert saved["GH-1"]["parcels"] == ["JGTB:A1", "JGTB:A2"] and saved["GH-1"]["area_m2"] == 10000.0
    assert saved["GH-2"]["parcels"] == ["JGTB:A1"]
    one = saved["GH-1"]
    assert (one["caretaker_kind"], one["caretaker"], one["unit"], one["duties"]) == (
        "合作社",
        "款庄镇农机专业合作社",
        VILLAGE_CODE,
        "沟渠清淤、防止撂荒",
    )
    assert (one["start"], one["end"], one["funds_per_year"], one["funds_source"]) == (
        "2027-12-01",
        "2030-11-30",
        1.5,
        "县级财政",
    )
    # An inspection of the new agreement from the same page, its photo taken on the parcels.
    photo = jpeg(tmp_path / "on.jpg", lonlat(50, 50))
    data = {"csrf_token": token, "agreement": "GH-2", "inspected_on": "2028-01-10", "inspector": "王五"}
    with open(photo, "rb") as f:
        r = client.post(
            f"/projects/{CODE}/care/inspect",
            data={**data, "result": "正常", "findings": "田块耕种正常"},
            files=[("photos", ("田块.jpg", f, "image/jpeg"))],
            follow_redirects=False,
        )
    assert r.status_code == 303, r.text[:300]
    [done] = AI.list_inspections(records.actor("fm_sup"), CODE)
    assert (done["agreement"], done["findings"], done["photos"][0]["status"]) == ("GH-2", "田块耕种正常", "on_site")


def test_refusals_show_the_services_message_and_save_nothing(client: TestClient) -> None:
    sign_in(client, "fm_sup")
    token = csrf_of(client)
    cases = [
        ({"agreement": "GH-9", **FORM, "parcels": "CZGHTB:99"}, "CZGHTB:99"),
        ({"agreement": "GH-9", **FORM, "every": "1", "caretaker_kind": "公司"}, "管护主体类型"),
        ({"agreement": "GH-9", **FORM, "every": "1", "end": "2026-01-01"}, "结束"),
        ({"agreement": "GH-9", **FORM, "every": "1", "funds_per_year": "-1"}, "管护资金"),
    ]
    for data, said in cases:
        r = post(client, {"csrf_token": token, **data})
        assert r.status_code == 400 and said in r.text, (data, r.status_code, r.text[:300])
    assert post(client, {"agreement": "GH-9", **FORM, "every": "1"}).status_code == 403  # no CSRF token
    assert aftercare.list_agreements(records.actor("fm_sup"), CODE) == []


def test_who_sees_the_form_and_scope(client: TestClient) -> None:
    sign_in(client, "fm_town")  # a township reporter may inspect but not register agreements
    assert 'id="agreement-form"' not in client.get(f"/projects/{CODE}/care").text
    assert post(client, {"csrf_token": csrf_of(client), "agreement": "GH-9", **FORM, "every": "1"}).status_code == 403
    client.cookies.clear()
    sign_in(client, "wh_sup")  # another county's supervisor
    assert client.get(f"/projects/{CODE}/care").status_code == 404
    assert post(client, {"csrf_token": csrf_of(client), "agreement": "GH-9", **FORM, "every": "1"}).status_code == 404
    assert aftercare.list_agreements(records.actor("fm_sup"), CODE) == []
