"""The supervision pages and the phone-sized progress-report form, through FastAPI's test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP
from supervision_fixtures import jpeg, lonlat
from web_fixtures import csrf_of, sign_in

from landcon.services import records, supervision
from landcon.services import supervision_photos as SP
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "implementation")
    supervision.create_from_plan(records.actor("fm_sup"), CODE)
    supervision.update_subproject(records.actor("fm_sup"), CODE, "Z1", unit=TOWNSHIP, quantities={"wells": 4})
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def _form(token: str, **over: str) -> dict[str, str]:
    data = {"csrf_token": token, "period": "2026-06", "reported_on": "2026-06-30", "percent": "35"}
    data.update({"q_wells": "2", "f_0": "80", "issues": "雨季"})
    data.update(over)
    return data


def test_township_reporter_reports_with_a_photo_from_the_phone_form(client: TestClient, tmp_path: Path) -> None:
    sign_in(client, "fm_town")
    mine = client.get("/supervision")
    assert mine.status_code == 200 and f"/projects/{CODE}/supervision/Z1/report" in mine.text
    assert "/supervision/Z2/report" not in mine.text  # Z2's responsible unit is the county
    form = client.get(f"/projects/{CODE}/supervision/Z1/report")
    assert form.status_code == 200
    assert 'accept="image/jpeg" capture="environment"' in form.text and "计划 4" in form.text
    token = csrf_of(client)
    photo = jpeg(tmp_path / "site.jpg", lonlat(50, 50))
    with open(photo, "rb") as f:
        r = client.post(
            f"/projects/{CODE}/supervision/Z1/report",
            data=_form(token),
            files=[("photos", ("现场.jpg", f, "image/jpeg"))],
            follow_redirects=False,
        )
    assert r.status_code == 303, r.text[:300]
    [report] = supervision.list_reports(records.actor("fm_sup"), CODE)
    assert (report["percent"], report["quantities"], report["disbursed"], report["issues"], report["reporter"]) == (
        35.0,
        {"wells": 2.0},
        {"中央财政": 80.0},
        "雨季",
        "fm_town",
    )
    [stored] = SP.list_photos(records.actor("fm_sup"), CODE)
    assert (stored["report_id"], stored["filename"], stored["status"]) == (report["id"], "现场.jpg", "on_site")


def test_a_bad_value_stores_neither_report_nor_photo(client: TestClient, tmp_path: Path) -> None:
    sign_in(client, "fm_town")
    token = csrf_of(client)
    with open(jpeg(tmp_path / "site.jpg", None), "rb") as f:
        r = client.post(
            f"/projects/{CODE}/supervision/Z1/report",
            data=_form(token, percent="135"),
            files=[("photos", ("a.jpg", f, "image/jpeg"))],
            follow_redirects=False,
        )
    assert r.status_code == 400 and "完成百分比应在 0–100 之间" in r.text
    assert supervision.list_reports(records.actor("fm_sup"), CODE) == []
    assert SP.list_photos(records.actor("fm_sup"), CODE) == []


def test_project_page_and_scope(client: TestClient, tmp_path: Path) -> None:
    SP.add_photo(records.actor("fm_sup"), CODE, "Z1", jpeg(tmp_path / "far.jpg", lonlat(50, 600)))
    sign_in(client, "fm_sup")
    page = client.get(f"/projects/{CODE}/supervision")
    assert page.status_code == 200
    assert "超出子项目范围" in page.text and "中央财政" in page.text
    thumb = client.get(f"/projects/{CODE}/supervision/photos/1?thumb=true")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    sign_in(client, "wh_sup")
    assert client.get(f"/projects/{CODE}/supervision/Z1/report").status_code == 404
    assert client.get(f"/projects/{CODE}/supervision").status_code == 404
    assert client.get(f"/projects/{CODE}/supervision/photos/1").status_code == 404
