"""意愿调查 pages through FastAPI's test client (SQLite and PostgreSQL): a village cadre's household list
and form, the results page, downloads and the xlsx import; another county's user gets 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_fixtures import csrf_of, sign_in
from willingness_fixtures import CODE, survey_world, workbook

from landcon.services import records
from landcon.services import willingness as S
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    survey_world(tmp_path)
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def key_of(code: str) -> int:
    return next(
        h["key"] for h in S.list_households(records.actor("fm_author"), CODE, public=False) if h["code"] == code
    )


def test_village_cadre_enters_a_household_and_the_results_update(client: TestClient) -> None:
    sign_in(client, "fm_vil")
    listing = client.get(f"/projects/{CODE}/willingness/respond")
    assert listing.status_code == 200
    assert "张国华" in listing.text and "王永德" not in listing.text  # its own village only
    key = key_of("530124100201010002")
    form = client.get(f"/projects/{CODE}/willingness/households/{key}")
    assert form.status_code == 200 and 'name="q_consent" value="不同意"' in form.text
    data = {"csrf_token": csrf_of(client), "q_consent": "不同意", "q_compensation": ["货币补偿", "安置住房"]}
    data |= {"q_migrant_workers": "2", "source": "paper", "respondent": "张建明"}
    r = client.post(f"/projects/{CODE}/willingness/households/{key}", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    page = client.get(r.headers["location"])
    assert "已保存该户意愿" in page.text
    assert 'id="total-object">1<' in page.text and "530124********0002" in page.text
    [row] = [h for h in S.list_households(records.actor("fm_author"), CODE, public=False) if h["responded"]]
    assert row["answers"] == {"consent": "不同意", "compensation": ["货币补偿", "安置住房"], "migrant_workers": 2}
    assert (row["source"], row["entered_by"]) == ("paper", "fm_vil")
    # The other village's household is not this cadre's to answer.
    other = key_of("530124100202010001")
    assert client.get(f"/projects/{CODE}/willingness/households/{other}").status_code == 403


def test_downloads_and_import(client: TestClient, tmp_path: Path) -> None:
    sign_in(client, "fm_town")
    for path, kind in (
        ("summary.xlsx", "spreadsheetml"),
        ("forms.docx", "wordprocessingml"),
        ("responses.xlsx", "spreadsheetml"),
    ):
        r = client.get(f"/projects/{CODE}/willingness/{path}")
        assert r.status_code == 200 and kind in r.headers["content-type"], path
    geo = client.get(f"/projects/{CODE}/willingness/homesteads.geojson").json()
    assert len(geo["features"]) == 1
    book = workbook(
        tmp_path / "r.xlsx", ["承包方编码", "是否同意本村参与全域土地综合整治"], [["530124100202010001", "同意"]]
    )
    with open(book, "rb") as f:
        r = client.post(
            f"/projects/{CODE}/willingness/import",
            data={"csrf_token": csrf_of(client), "kind": "responses"},
            files={"file": ("r.xlsx", f, "application/octet-stream")},
            follow_redirects=False,
        )
    assert r.status_code == 303, r.text[:300]
    assert S.plan_summary(records.actor("fm_author"), CODE)["villages"][1]["agree"] == 1


def test_another_county_gets_not_found(client: TestClient) -> None:
    sign_in(client, "wh_author")
    assert client.get(f"/projects/{CODE}/willingness").status_code == 404
    assert client.get(f"/projects/{CODE}/willingness/homesteads.geojson").status_code == 404


def test_a_county_author_creates_the_questionnaire_from_the_page(records_world) -> None:
    from records_fixtures import TOWNSHIP

    from landcon.services import projects

    projects.create_project(records.actor("fm_author"), "FM-YY-02", "新项目", county="530124", units=[TOWNSHIP])
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, "fm_town")
        page = client.get("/projects/FM-YY-02/willingness")
        assert "按标准模板建立问卷" in page.text  # a covered township's reporter manages the survey
        sign_in(client, "fm_author")
        r = client.post(
            "/projects/FM-YY-02/willingness/create", data={"csrf_token": csrf_of(client)}, follow_redirects=False
        )
        assert r.status_code == 303
        page = client.get("/projects/FM-YY-02/willingness")
        assert 'id="total-households">0<' in page.text and "全域土地综合整治村民意愿调查" in page.text
        r = client.post(
            "/projects/FM-YY-02/willingness/households-from-realloc",
            data={"csrf_token": csrf_of(client)},
            follow_redirects=False,
        )
        assert r.status_code == 404 and "没有保存的权属调整方案" in r.text
