"""The 公示 page through FastAPI's test client (SQLite and PostgreSQL): who sees which form, publishing,
an objection and its answer from the forms, refusals shown as the services' messages, the notice
download, and the link on the project page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from fastapi.testclient import TestClient
from plan_fixtures import GOOD, write_plan
from records_fixtures import TOWNSHIP, VILLAGE_CODE
from web_fixtures import csrf_of, sign_in

from landcon.services import projects, publicity, records
from landcon.services.clock import today
from landcon.web.app import create_app

CODE = "FM-GSW-01"


@pytest.fixture
def client(records_world, tmp_path):
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇整治", county="530124", units=[TOWNSHIP], dataset="grid")
    projects.advance(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_township_publishes_and_answers_from_the_page(client: TestClient) -> None:
    sign_in(client, "fm_town")
    assert f'href="/projects/{CODE}/publicity"' in client.get(f"/projects/{CODE}").text
    html = client.get(f"/projects/{CODE}/publicity").text
    assert 'action="/projects/FM-GSW-01/publicity"' in html and "尚无公示" in html
    assert f'<option value="{VILLAGE_CODE}">' not in html  # the project covers the township only
    assert '<option value="plan">实施方案（不少于 7 天）</option>' in html
    token = csrf_of(client)
    t = today()
    form = {"csrf_token": token, "kind": "plan", "ref": "1", "place": "村务公开栏", "place_unit": TOWNSHIP}
    short = client.post(
        f"/projects/{CODE}/publicity",
        data={**form, "start": t.isoformat(), "end": (t + dt.timedelta(days=5)).isoformat()},
        follow_redirects=False,
    )
    assert short.status_code == 400 and "实施方案的公示期不得少于 7 天" in short.text
    r = client.post(
        f"/projects/{CODE}/publicity",
        data={**form, "start": t.isoformat(), "end": (t + dt.timedelta(days=6)).isoformat()},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/projects/{CODE}/publicity?saved=published-1"
    html = client.get(r.headers["location"]).text
    assert "公示已发布" in html and "公示中" in html and "款庄镇村务公开栏" in html

    r = client.post(
        f"/projects/{CODE}/publicity/1/objections",
        data={"csrf_token": token, "name": "张三", "household": "530124100201010001", "content": "田块太远"}
        | {"received_on": t.isoformat()},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = client.get(f"/projects/{CODE}/publicity").text
    assert "有异议待答复" in html and "answer-form" in html
    [o] = publicity.list_publicities(records.actor("fm_author"), CODE)[0]["objections"]

    # The county author sees the page but not the answer form of the township's notice.
    sign_in(client, "fm_author")
    assert "answer-form" not in client.get(f"/projects/{CODE}/publicity").text
    refused = client.post(
        f"/projects/{CODE}/publicity/1/objections/{o['id']}/answer",
        data={"csrf_token": csrf_of(client), "outcome": "dismissed", "text": "不成立"},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "只能由该单位答复异议" in refused.text

    sign_in(client, "fm_town")
    r = client.post(
        f"/projects/{CODE}/publicity/1/objections/{o['id']}/answer",
        data={"csrf_token": csrf_of(client), "outcome": "dismissed", "text": "已按就近原则调整"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = client.get(f"/projects/{CODE}/publicity").text
    assert "已按就近原则调整" in html and "异议不成立" in html and "公示中" in html

    docx = client.get(f"/projects/{CODE}/publicity/1/notice.docx")
    assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    end = t + dt.timedelta(days=6)
    assert f"至 {end.year}年{end.month}月{end.day}日 止，共 7 天" in text


def test_users_without_the_right_see_no_forms(client: TestClient) -> None:
    sign_in(client, "fm_leader")
    html = client.get(f"/projects/{CODE}/publicity").text
    assert "publish-form" not in html and "objection-form" not in html
    sign_in(client, "wh_author")
    assert client.get(f"/projects/{CODE}/publicity").status_code == 404


def test_a_table_uploaded_with_the_form_is_printed_in_the_notice(client: TestClient, tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["户主", "流转面积（亩）"])
    book.active.append(["王*", 2.5])
    book.save(tmp_path / "流转表.xlsx")
    sign_in(client, "fm_author")
    token = csrf_of(client)
    form = {"csrf_token": token, "kind": "other", "ref": "土地流转", "place": "乡镇政府网站"}
    form |= {"start": "2026-12-01", "end": "2026-12-07"}
    bad = client.post(
        f"/projects/{CODE}/publicity",
        data=form,
        files={"table": ("run.exe", b"MZ\x90\x00", "application/octet-stream")},
        follow_redirects=False,
    )
    assert bad.status_code == 400 and "不接受 .exe 类型的附件" in bad.text
    assert publicity.list_publicities(records.actor("fm_author"), CODE) == []
    with open(tmp_path / "流转表.xlsx", "rb") as f:
        r = client.post(
            f"/projects/{CODE}/publicity",
            data=form,
            files={"table": ("流转表.xlsx", f, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
            follow_redirects=False,
        )
    assert r.status_code == 303, r.text[:300]
    [p] = publicity.list_publicities(records.actor("fm_author"), CODE)
    assert p["table_name"] == "流转表.xlsx"
    doc = Document(io.BytesIO(client.get(f"/projects/{CODE}/publicity/1/notice.docx").content))
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [["户主", "流转面积（亩）"], ["王*", "2.5"]]
