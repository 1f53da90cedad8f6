"""The 权属调整 pages of a project through FastAPI's test client, on the hand-worked instance stored
as version 1 (test_realloc_village_fixtures)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from realloc_page_fixtures import CODE, stored_version
from web_fixtures import sign_in

from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    stored_version(tmp_path)
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_versions_and_household_lookup(client: TestClient) -> None:
    sign_in(client, "fm_town")  # a township user of a covered unit reads
    listed = client.get(f"/projects/{CODE}/realloc")
    assert listed.status_code == 200
    assert f'href="/projects/{CODE}/realloc/1"' in listed.text and "草稿" in listed.text
    page = client.get(f"/projects/{CODE}/realloc/1", params={"q": "张三"})
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert (
        '<td class="mono">5301241002010000001</td><td>01</td><td class="num">5,100.00</td><td class="num">5,000.00</td>'
        in text
    )
    assert (
        '<td class="mono">5301241002010000005</td><td>01</td><td class="num">5,100.00</td><td class="num">5,000.00</td>'
        in text
    )
    assert (
        "<td>TK001</td><td>东至李*四、南至道路、西至田块外、北至田块外</td>"
        '<td class="num">10,000.00</td><td class="num">10,000.00</td>'
    ) in text
    assert "应得价值 10,000.00 · 调整后价值 10,000.00" in text and "平均耕作距离 211 → 104 米" in text
    assert "找补 无" in text
    assert '<tr data-key="parcels_after"><td>调整后地块总数</td><td class="num">4</td>' in text
    assert '<tr data-key="merge_degree"><td>田块归并度</td><td class="num">50.00%</td>' in text
    by_code = client.get(f"/projects/{CODE}/realloc/1", params={"q": "530124100201000004"}).text
    assert "<h3>王五" in by_code and "东至田块外、南至道路、西至欧**明、北至田块外" in by_code
    assert "没有承包方编码为或姓名含“赵六”的农户" in client.get(f"/projects/{CODE}/realloc/1?q=赵六").text


def test_allocation_geojson_and_scope(client: TestClient) -> None:
    sign_in(client, "fm_town")
    data = client.get(f"/projects/{CODE}/realloc/1/allocation.geojson").json()
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert (kinds.count("before"), kinds.count("after")) == (8, 4)
    first = next(f["properties"] for f in data["features"] if f["properties"]["kind"] == "after")
    assert (first["name"], first["area"], first["colour"]) == ("张*", 10000.0, 0)
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert 101.9 < lon < 102.1 and 25.2 < lat < 25.4  # WGS84
    assert client.get(f"/projects/{CODE}/realloc/2").status_code == 404
    sign_in(client, "wh_author")  # another county
    assert client.get(f"/projects/{CODE}/realloc").status_code == 404
    assert client.get(f"/projects/{CODE}/realloc/1").status_code == 404
    assert client.get(f"/projects/{CODE}/realloc/1/allocation.geojson").status_code == 404


def test_project_page_links_to_the_versions(client: TestClient) -> None:
    sign_in(client, "fm_author")
    assert f'href="/projects/{CODE}/realloc">权属调整</a>' in client.get(f"/projects/{CODE}").text
