"""Hostile input never makes the web application fail: every bad input is a 4xx with a readable message.

Runs against the real app on SQLite and PostgreSQL (``records_world``), signed in as a county user.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_web_api import csrf_of, sign_in

from landcon.web.app import create_app

HUGE = "99999999999999999999"  # past SQLite's 64-bit INTEGER and PostgreSQL's bigint


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def author(client):
    sign_in(client, "fm_author")
    return client


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/jobs/{HUGE}",
        f"/jobs/{HUGE}",
        f"/meetings/{HUGE}",
        f"/api/v1/ledger/530124/history?before={HUGE}",
        f"/ledger/530124?before={HUGE}",
        f"/ledger?before={HUGE}",
        f"/projects/FM-X/versions/{HUGE}/plan.geojson",
        f"/projects/FM-X/versions/{HUGE}/files/a.xlsx",
        f"/projects/FM-X/diff?a={HUGE}&b=1",
        f"/api/v1/jobs/-{HUGE}",
        "/api/v1/jobs/0",
        "/meetings/-1",
    ],
)
def test_an_overlarge_or_negative_id_is_a_readable_4xx(author, url):
    r = author.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
    text = r.json()["error"] if url.startswith("/api/") else r.text
    assert "不存在" in text or "无效" in text, text[:300]


def test_an_overlarge_id_in_a_form_post_is_a_4xx(author):
    token = csrf_of(author)
    r = author.post(f"/tasks/{HUGE}/done", data={"csrf_token": token, "note": ""})
    assert 400 <= r.status_code < 500 and "无效" in r.text
    r = author.post(f"/projects/FM-X/versions/{HUGE}/report", data={"csrf_token": token})
    assert 400 <= r.status_code < 500
