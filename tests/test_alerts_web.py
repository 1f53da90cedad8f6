"""The /alerts page: alerts by project, filter by state, acknowledge / resolve / escalate forms with
CSRF, buttons by permission, the nav link (FastAPI's test client, SQLite)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP
from web_fixtures import csrf_of, sign_in

from landcon.services import alerts, clock, records, supervision
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 7, 2))
    project_to(tmp_path, "implementation")
    supervision.create_subproject(
        records.actor("fm_sup"),
        CODE,
        "Z3",
        name="土地平整",
        kind="农用地整理",
        unit=TOWNSHIP,
        start="2026-01-01",
        end="2026-12-31",
        budget={"中央财政": 100},
    )
    supervision.add_report(
        records.actor("fm_town"), CODE, "Z3", period="2026-06", reported_on="2026-06-30", percent=30,
        disbursed={"中央财政": 60, "县级财政": 5},
    )  # fmt: skip
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def _ids() -> dict[str, int]:
    return {a["key"]: a["id"] for a in alerts.list_alerts(records.actor("fm_sup"))}


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_alerts_page_and_its_forms(client: TestClient) -> None:
    ids = _ids()
    behind, over = ids["behind:Z3"], ids["overspent:Z3:县级财政"]
    sign_in(client, "fm_town")
    page = client.get("/alerts")
    assert page.status_code == 200
    assert 'href="/alerts"' in page.text  # the nav link
    assert f"{CODE}</a> 富民县款庄镇全域土地综合整治" in page.text
    assert "Z3 计划进度 50.0%，实际 30.0%，落后 20.0 个百分点" in page.text
    # The township may acknowledge its own alerts, not resolve or escalate them.
    assert f'action="/alerts/{behind}/ack"' in page.text
    assert f'action="/alerts/{behind}/resolve"' not in page.text
    token = csrf_of(client)
    refused = client.post(f"/alerts/{behind}/ack", data={"note": "x"}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    r = client.post(f"/alerts/{behind}/ack", data={"csrf_token": token, "note": "已督促"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/alerts?state=open")
    assert client.get("/alerts?state=acknowledged").text.count('id="alert-') == 1

    client.cookies.clear()
    sign_in(client, "fm_sup")
    page = client.get("/alerts?state=all")
    assert f'action="/alerts/{behind}/resolve"' in page.text and f'action="/alerts/{over}/escalate"' in page.text
    assert f'action="/alerts/{behind}/ack"' not in page.text  # already acknowledged
    token = csrf_of(client)
    r = client.post(
        f"/alerts/{over}/escalate", data={"csrf_token": token, "deadline": "2026-08-01", "back": "all"},
        follow_redirects=False,
    )  # fmt: skip
    assert (r.status_code, r.headers["location"]) == (303, "/alerts?state=all")
    r = client.post(f"/alerts/{behind}/resolve", data={"csrf_token": token, "note": " "}, follow_redirects=False)
    assert r.status_code == 400 and "解除预警须填写说明" in r.text
    r = client.post(f"/alerts/{behind}/resolve", data={"csrf_token": token, "note": "已赶上"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/alerts?state=all")
    assert "任务 #" in page.text and f'action="/alerts/{over}/escalate"' not in page.text
    assert "已赶上" in client.get("/alerts?state=resolved").text
    still_open = client.get("/alerts").text
    assert still_open.count('id="alert-') == 1 and f'id="alert-{over}"' in still_open

    client.cookies.clear()
    sign_in(client, "wh_sup")
    assert 'id="alert-' not in client.get("/alerts?state=all").text
    token = csrf_of(client)
    assert client.post(f"/alerts/{over}/ack", data={"csrf_token": token}, follow_redirects=False).status_code == 404
