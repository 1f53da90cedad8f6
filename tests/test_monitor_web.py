"""The 变化监测 page of a project through FastAPI's test client: before and after a comparison run
as a background job from the page, the class table (m², 亩, pieces), the finding list, the map layer,
the downloads, and refusals outside the project's county.

The vintage is the one of ``test_monitor_service`` (module docstring there): achieved 10,000 m², not yet
10,000, 永农 lost 10,000, 耕地→园地 10,000, unplanned construction 15,000 (two pieces).
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from supervision_fixtures import grid_vintage
from web_fixtures import csrf_of, sign_in

from landcon.services import jobs, monitor
from landcon.services.datasets import import_dataset
from landcon.web.app import create_app

PAGE = f"/projects/{CODE}/monitor"


@pytest.fixture(scope="module")
def client(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    import_dataset(grid_vintage(tmp_path_factory.mktemp("vintage") / "v2.gpkg"), "grid", replace=True)
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_run_from_the_page_then_see_classes_findings_map_and_downloads(client: TestClient) -> None:
    sign_in(client, "fm_sup")
    project = client.get(f"/projects/{CODE}")
    assert f'href="{PAGE}"' in project.text
    before = client.get(PAGE)
    assert before.status_code == 200
    assert "还没有变化监测结果" in before.text and "运行比对" in before.text
    assert client.get(f"{PAGE}/changes.geojson").json() == {"type": "FeatureCollection", "features": []}
    assert client.get(f"{PAGE}/files/monitor.xlsx").status_code == 404
    r = client.post(f"{PAGE}/run", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, PAGE)
    queued = client.get(PAGE).text
    assert "变化监测比对" in queued and "排队" in queued
    assert jobs.run_one()
    page = client.get(PAGE).text
    assert "还没有变化监测结果" not in page and "已完成" in page
    data = json.loads((monitor.result_dir(CODE) / "monitor.json").read_text("utf-8"))
    assert (data["before_version"], data["after_version"]) == (1, 2)
    # Class table: m², 亩 (÷ 10000/15) and pieces; 生态保护红线 not checked (the dataset has no STBHHX).
    assert "<td>规划外新增建设用地</td>" in page
    unplanned = page.split('data-class="unplanned_construction"')[1].split("</tr>")[0]
    count = data["classes"]["unplanned_construction"]["count"]
    assert f'"num">15,000.00</td><td class="num">22.50</td><td class="num">{count}</td>' in unplanned
    achieved = page.split('data-class="achieved"')[1].split("</tr>")[0]
    assert '"num">10,000.00</td><td class="num">15.00</td>' in achieved
    red_line = page.split('data-class="red_line"')[1].split("</tr>")[0]
    assert red_line.count("—") == 3
    # Findings: every cell, the list and the map layer agree with the result's counts and areas.
    total = sum(c["count"] for c in data["classes"].values())
    assert f"共 {total} 块" in page
    features = client.get(f"{PAGE}/changes.geojson").json()["features"]
    assert len(features) == total
    by_class: dict[str, float] = {}
    for f in features:
        by_class[f["properties"]["class"]] = by_class.get(f["properties"]["class"], 0.0) + f["properties"]["area_m2"]
    assert {k: round(v, 2) for k, v in by_class.items()} == {
        k: c["area_m2"] for k, c in data["classes"].items() if c["count"]
    }
    lon, lat = features[0]["geometry"]["coordinates"][0][0][:2]
    assert 102 < lon < 103.5 and 24.5 < lat < 26  # WGS84 near the grid's origin in 富民县
    # Downloads, linked from the page.
    assert f'href="{PAGE}/files/monitor.xlsx"' in page and f'href="{PAGE}/files/monitor.json"' in page
    assert client.get(f"{PAGE}/files/monitor.json").json() == data
    xlsx = client.get(f"{PAGE}/files/monitor.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(f"{PAGE}/files/changes.gpkg").status_code == 404
    assert client.get(f"{PAGE}/files/..%2Fmonitor.json").status_code == 404
    book_path = monitor.result_dir(CODE) / "monitor.xlsx"
    assert openpyxl.load_workbook(book_path, read_only=True).sheetnames[0] == "汇总"


def test_another_county_sees_nothing_and_readers_cannot_run(client: TestClient) -> None:
    sign_in(client, "wh_sup")
    for path in (PAGE, f"{PAGE}/changes.geojson", f"{PAGE}/files/monitor.json"):
        assert client.get(path).status_code == 404, path
    r = client.post(f"{PAGE}/run", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 404
    sign_in(client, "fm_leader")  # reads the project, does not manage its supervision
    page = client.get(PAGE)
    assert page.status_code == 200 and "运行比对" not in page.text and "规划外新增建设用地" in page.text
    r = client.post(f"{PAGE}/run", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 403
