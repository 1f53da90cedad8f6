"""The 导出报备包 form on the project page and the zip it downloads, through FastAPI's test client."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from web_fixtures import csrf_of, sign_in

from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path):
    project_to(tmp_path, "implementation")
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_the_county_downloads_the_package_as_a_zip(client: TestClient) -> None:
    sign_in(client, "fm_author")
    assert f'action="/projects/{CODE}/baobei"' in client.get(f"/projects/{CODE}").text
    r = client.post(f"/projects/{CODE}/baobei", data={"csrf_token": csrf_of(client), "stage": "实施"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    folder = f"{CODE}-实施"
    manifest = json.loads(archive.read(f"{folder}/manifest.json"))
    assert manifest["stage"] == "实施"
    assert sorted(archive.namelist()) == sorted(
        [f"{folder}/manifest.json", *(f"{folder}/{f['path']}" for f in manifest["files"])]
    )
    for f in manifest["files"]:
        assert hashlib.sha256(archive.read(f"{folder}/{f['path']}")).hexdigest() == f["sha256"]
    refused = client.post(f"/projects/{CODE}/baobei", data={"csrf_token": csrf_of(client), "stage": "验收"})
    assert refused.status_code != 200 and "尚无验收结果" in refused.text


def test_others_get_no_form_and_no_package(client: TestClient) -> None:
    sign_in(client, "fm_town")  # a participant township: reads the project, does not report it
    assert f'action="/projects/{CODE}/baobei"' not in client.get(f"/projects/{CODE}").text
    r = client.post(f"/projects/{CODE}/baobei", data={"csrf_token": csrf_of(client), "stage": "立项"})
    assert r.status_code == 403
    client.cookies.clear()
    sign_in(client, "wh_sup")
    r = client.post(f"/projects/{CODE}/baobei", data={"csrf_token": csrf_of(client), "stage": "立项"})
    assert r.status_code == 404
