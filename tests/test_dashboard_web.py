"""The dashboard page, its JSON and its workbook through FastAPI's test client; ECharts served from
/static/vendor (vendored from npm by ``make web-assets``, no CDN)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from web_fixtures import HOSTILE_NUMBERS, HOSTILE_TEXT, sign_in

from landcon.services import records, supervision
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    supervision.update_subproject(sup, CODE, "Z1", budget={"中央财政": 500, "县级财政": 100})
    supervision.add_report(
        sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=40, disbursed={"中央财政": 120}
    )
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_page_uses_the_vendored_echarts_and_the_file_is_served(client: TestClient) -> None:
    sign_in(client, "yn_sup")
    html = client.get("/dashboard")
    assert html.status_code == 200
    assert '<script src="/static/vendor/echarts.min.js"></script>' in html.text
    assert "cdn" not in html.text.lower()
    js = client.get("/static/vendor/echarts.min.js")
    assert js.status_code == 200 and 'version="6.1.0"' in js.text
    assert client.get("/static/dashboard.js").status_code == 200
    # the nav offers the dashboard to provincial and prefectural users only
    assert 'href="/dashboard"' in html.text


def test_page_json_and_workbook_show_the_same_figures(client: TestClient) -> None:
    sign_in(client, "km_sup")
    data = client.get("/dashboard.json").json()
    assert (data["scope"]["unit"], data["totals"]["funds_allocated"], data["totals"]["funds_disbursed"]) == (
        "530100",
        600.0,
        120.0,
    )
    html = client.get("/dashboard").text
    assert 'data-chart="stages"' in html and 'id="dash-map"' in html and 'href="/dashboard.xlsx"' in html
    assert '<td class="num">600.00</td>' in html  # Z1's budget, 子项目安排 of 中央财政 + 县级财政
    book = openpyxl.load_workbook(io.BytesIO(client.get("/dashboard.xlsx").content), read_only=True)
    funds = list(book["资金（按来源，万元）"].iter_rows(values_only=True))
    assert funds[-1][:4] == ("合计", data["totals"]["funds_planned"], 600.0, 120.0)


def test_county_user_has_no_dashboard_link_and_another_county_is_not_found(client: TestClient) -> None:
    sign_in(client, "wh_sup")
    assert 'href="/dashboard"' not in client.get("/").text
    assert client.get("/dashboard.json").json()["projects"] == []
    assert client.get("/dashboard?unit=530124").status_code == 404
    assert client.get("/dashboard.xlsx?unit=530124").status_code == 404


def test_hostile_unit_values_are_answered_without_a_5xx(client: TestClient) -> None:

    sign_in(client, "km_sup")
    for text in HOSTILE_TEXT + HOSTILE_NUMBERS:
        for path in ("/dashboard", "/dashboard.json", "/dashboard.xlsx"):
            r = client.get(path, params={"unit": text})
            assert r.status_code in (200, 400, 404), (path, text[:40], r.status_code, r.text[:200])
