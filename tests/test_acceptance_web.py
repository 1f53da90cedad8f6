"""The acceptance page (``web/routes/acceptance.py``) through FastAPI's test client on the records
world: the ledger plan accepted on the hand-made as-built parcels (``acceptance_fixtures``), so the
page shows acceptance.json's figures; scope; the as-built upload; the record form."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from acceptance_fixtures import meta, write_asbuilt
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from web_fixtures import csrf_of, sign_in

from landcon.services import acceptance, jobs, records
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "aftercare", a2_width=0.5)
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
    return [c for c in cells if c]  # the header row has no td


def test_the_page_shows_the_computation_figures(client: TestClient) -> None:
    data = json.loads((acceptance.result_dir(CODE) / "acceptance.json").read_text(encoding="utf-8"))
    sign_in(client, "fm_author")
    assert f'href="/projects/{CODE}/acceptance"' in client.get(f"/projects/{CODE}").text
    html = client.get(f"/projects/{CODE}/acceptance").text
    t = data["totals"]
    assert _cells(html, "acceptance-totals") == [
        [str(t[k]) for k in ("planned_new_m2", "built_new_m2", "verified_new_m2", "not_verified_m2", "cut_m2")]
    ]
    assert _cells(html, "acceptance-totals") == [["20000.0", "15250.0", "15250.0", "0.0", "4750.0"]]
    comparison = _cells(html, "acceptance-comparison")
    assert len(comparison) == len(data["comparison"])
    row = next(r for r in data["comparison"] if r["key"] == "cultivated.new_m2")
    assert [row["label"], "20000.0", "15250.0", "-4750.0"] == [
        c for c in comparison[data["comparison"].index(row)] if c != row["unit"]
    ]
    rules = _cells(html, "acceptance-rules")
    assert [(r[1], r[2]) for r in rules] == [(r["status_name"], str(r["amount"])) for r in data["rules"]]
    assert _cells(html, "acceptance-cuts") == [
        ["JGTB A2", "CZGHTB 2", "Z1", "竣工少于方案", "9500.0", "4750.0", "4750.0"]
    ]
    records = _cells(html, "acceptance-records")
    assert records[0][:3] == ["整体验收", "整改后同意", "2027-11-15"]

    geo = client.get(f"/projects/{CODE}/acceptance/asbuilt.geojson").json()
    status = {f["properties"]["parcel"]: f["properties"]["status"] for f in geo["features"]}
    assert status == {"A1": "核实通过", "A2": "核减", "A3": "核实通过", "A4": "无新增耕地"}
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0]
    assert 70 < lon < 140 and 0 < lat < 60  # WGS84
    # the county author may not record (监管人员 only) but may upload as-built data
    assert 'id="record-form"' not in html and 'id="asbuilt-form"' in html


def test_scope_another_county_and_the_township(client: TestClient) -> None:
    sign_in(client, "wh_sup")
    assert client.get(f"/projects/{CODE}/acceptance").status_code == 404
    assert client.get(f"/projects/{CODE}/acceptance/asbuilt.geojson").status_code == 404
    client.cookies.clear()
    sign_in(client, "fm_town")
    html = client.get(f"/projects/{CODE}/acceptance").text
    assert 'id="acceptance-cuts"' in html
    assert 'id="record-form"' not in html and 'id="asbuilt-form"' not in html
    files = {"file": ("asbuilt.zip", b"PK\x05\x06" + b"\0" * 18, "application/zip")}
    r = client.post(f"/projects/{CODE}/acceptance/check", data={"csrf_token": csrf_of(client)}, files=files)
    assert r.status_code == 403


def _zip(folder: Path, skip: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.iterdir()):
            if p.name != skip:
                z.write(p, f"asbuilt/{p.name}")
    return buf.getvalue()


def test_asbuilt_upload_queues_the_check_and_a_bad_zip_is_explained(client: TestClient, tmp_path) -> None:
    folder = write_asbuilt(tmp_path / "asb", data=meta(project=CODE))
    sign_in(client, "fm_sup")
    token = csrf_of(client)
    bad = client.post(
        f"/projects/{CODE}/acceptance/check",
        data={"csrf_token": token},
        files={"file": ("asbuilt.zip", _zip(folder, skip="asbuilt.yaml"), "application/zip")},
    )
    assert bad.status_code == 400 and "压缩包中没有 asbuilt.yaml" in bad.text
    not_zip = client.post(
        f"/projects/{CODE}/acceptance/check",
        data={"csrf_token": token},
        files={"file": ("asbuilt.gpkg", (folder / "asbuilt.gpkg").read_bytes(), "application/octet-stream")},
    )
    assert not_zip.status_code == 400 and "竣工数据须为 .zip 压缩包" in not_zip.text
    no_token = client.post(
        f"/projects/{CODE}/acceptance/check", files={"file": ("asbuilt.zip", _zip(folder), "application/zip")}
    )
    assert no_token.status_code == 403
    ok = client.post(
        f"/projects/{CODE}/acceptance/check",
        data={"csrf_token": token},
        files={"file": ("asbuilt.zip", _zip(folder), "application/zip")},
    )
    assert ok.status_code == 200 and "验收核算（竣工数据）" in ok.text
    (acceptance.result_dir(CODE) / "acceptance.json").unlink()
    assert jobs.run_one() is True
    job = jobs.latest(records.actor("fm_sup"), "acceptance_check", "project", CODE)
    assert job is not None and job["status"] == "done", job
    assert job["result"]["totals"]["cut_m2"] == 4750.0
    data = json.loads((acceptance.result_dir(CODE) / "acceptance.json").read_text(encoding="utf-8"))
    assert data["totals"] == job["result"]["totals"]
    assert f"#{job['id']}" in client.get(f"/projects/{CODE}/acceptance").text


@pytest.fixture
def at_acceptance(records_world, tmp_path):
    """The project at the acceptance stage with a computation in its folder and no record yet."""
    project_to(tmp_path, "acceptance")
    acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "asb", data=meta(project=CODE)))
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_the_supervisor_records_with_the_form(at_acceptance: TestClient) -> None:
    client = at_acceptance
    sign_in(client, "km_sup")
    html = client.get(f"/projects/{CODE}/acceptance").text
    assert 'id="record-form"' in html
    fields = {
        "csrf_token": csrf_of(client),
        "level": "project",
        "opinion": "整改后同意",
        "accepted_on": "2027-12-01",
        "members": "组长\n组员",
        "conditions": "补齐田间道路",
        "deadline": "2028-03-01",
    }
    r = client.post(
        f"/projects/{CODE}/acceptance/record",
        data=fields,
        files={"file": ("工程复核报告.pdf", b"%PDF-1.4 test", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    html = client.get(f"/projects/{CODE}/acceptance").text
    assert len(_cells(html, "acceptance-records")) == 1
    last = _cells(html, "acceptance-records")[-1]
    assert last[:4] == ["整体验收", "整改后同意", "2027-12-01", "组长、组员"]
    assert last[4].startswith("补齐田间道路 任务") and last[5] == "工程复核报告.pdf"
    link = re.findall(rf'href="(/projects/{CODE}/acceptance/\d+/files/[0-9a-f]+)"', html)[-1]
    assert client.get(link).content == b"%PDF-1.4 test"


def test_a_review_is_recorded_with_the_form_after_acceptance(at_acceptance: TestClient, tmp_path: Path) -> None:
    from acceptance_fixtures import passing_opinion, rows

    from landcon.services import acceptance_records, projects

    client = at_acceptance
    first = json.loads((acceptance.result_dir(CODE) / "acceptance.json").read_text(encoding="utf-8"))
    acceptance_records.record(
        records.actor("km_sup"), CODE, level="project", accepted_on="2027-12-01", members=["组长"],
        computation=acceptance.result_dir(CODE) / "acceptance.json", **passing_opinion(first),
    )  # fmt: skip
    projects.advance(records.actor("km_sup"), CODE)
    # The 复核's computation: A2 built on a quarter of its cell.
    run = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "rv", rows(0.25), meta()))
    opinion = passing_opinion(run.data, "2028-06-30")
    sign_in(client, "km_sup")
    fields = {
        "csrf_token": csrf_of(client),
        "level": "project",
        "opinion": opinion["opinion"],
        "accepted_on": "2028-03-01",
        "members": "复核组",
        "conditions": "\n".join(opinion.get("conditions", [])),
        "deadline": opinion.get("deadline", ""),
    }
    refused = client.post(f"/projects/{CODE}/acceptance/record", data=fields, follow_redirects=False)
    assert refused.status_code == 409 and "通过验收后的复核请记为复核" in refused.text
    r = client.post(f"/projects/{CODE}/acceptance/record", data=fields | {"review": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    last = _cells(client.get(f"/projects/{CODE}/acceptance").text, "acceptance-records")[-1]
    assert last[:3] == ["整体验收（复核）", opinion["opinion"], "2028-03-01"]
    assert acceptance_records.list_records(records.actor("fm_sup"), CODE)[-1]["review"] is True
