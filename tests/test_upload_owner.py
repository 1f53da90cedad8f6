"""An upload belongs to the user who sent it: nobody else who learns its 32-hex id can view its problem
features or import it, and the refusal is the same as for an upload that does not exist. Through the
real app on SQLite and PostgreSQL (``records_world``: users of 530124 and 530102)."""

from __future__ import annotations

import os
import time

import pytest
from conftest import cell, dltb_row, grid_dltb
from fastapi.testclient import TestClient
from records_fixtures import PASSWORD
from web_fixtures import csrf_of, sign_in, upload

from landcon import config
from landcon.services import datasets, org, records, uploads
from landcon.web.app import create_app

GONE = "不存在或已过期"


@pytest.fixture
def client(records_world):
    org.add_user(records.system_actor(), "fm_author2", password=PASSWORD, unit="530124", roles=["author"])
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def _send(client: TestClient, tmp_path, *, bad: bool) -> str:
    """Upload a one-field GeoPackage of 530124 as the signed-in user (with a DLBM error when ``bad``)."""
    path = tmp_path / ("bad.gpkg" if bad else "good.gpkg")
    grid_dltb([dltb_row("1", "0103", cell(0, 0), **({"DLBM": "9999"} if bad else {}))]).to_file(path, layer="DLTB")
    r = upload(client, path.name, path.read_bytes())
    assert r.status_code == 200, r.text
    return str(r.json()["upload"])


def _as(client: TestClient, username: str) -> str:
    client.cookies.clear()
    sign_in(client, username)
    return csrf_of(client)


def _problems(client: TestClient, upload_id: str):
    return client.get(f"/data/uploads/{upload_id}/problems.geojson")


def _import(client: TestClient, token: str, upload_id: str, name: str):
    return client.post(f"/api/v1/uploads/{upload_id}/import", json={"name": name}, headers={"X-CSRF-Token": token})


def test_only_the_uploader_or_an_admin_over_its_unit_may_use_an_upload(client, tmp_path):
    _as(client, "fm_author")
    bad, good = _send(client, tmp_path, bad=True), _send(client, tmp_path, bad=False)
    owner = (config.data_dir() / "uploads" / good / "owner.json").read_text(encoding="utf-8")
    assert owner == '{"username": "fm_author", "unit_code": "530124", "unit_path": "/530000/530100/530124/"}'
    unknown = "0" * 32
    for other in ("fm_author2", "wh_author", "wh_admin"):  # same county, other county, other county's admin
        token = _as(client, other)
        for upload_id in (bad, good):
            seen = _problems(client, upload_id)
            assert seen.status_code == 404 and f"上传 {upload_id} {GONE}" in seen.text  # the HTML error page
            taken = _import(client, token, upload_id, "stolen")
            assert taken.status_code == 404 and taken.json()["error"] == f"上传 {upload_id} {GONE}"
        # … exactly what a request for an id that does not exist gets
        missing = _problems(client, unknown)
        assert missing.status_code == 404 and missing.text.replace(unknown, bad) == seen.text.replace(good, bad)
    assert not datasets.store().exists("stolen")
    assert sorted(p.name for p in (config.data_dir() / "uploads").iterdir()) == sorted([bad, good])

    # The county's administrator covers the uploader's unit; the uploader itself may do everything.
    _as(client, "fm_admin")
    assert [f["properties"]["feature"] for f in _problems(client, bad).json()["features"]] == ["1"]
    token = _as(client, "fm_author")
    assert [f["properties"]["feature"] for f in _problems(client, bad).json()["features"]] == ["1"]
    done = _import(client, token, good, "mine")
    assert done.status_code == 200 and done.json()["manifest"]["counts"] == {"DLTB": 1}
    assert datasets.manifest("mine")["imported_by"] == "fm_author"


def test_services_check_the_uploader_too(client, tmp_path):
    _as(client, "fm_author")
    upload_id = _send(client, tmp_path, bad=True)
    for other in ("fm_author2", "wh_author"):
        with pytest.raises(uploads.NotFound, match=GONE):
            uploads.problem_features(records.actor(other), upload_id)
        with pytest.raises(uploads.NotFound, match=GONE):
            uploads.import_upload(records.actor(other), upload_id, "stolen")
    assert uploads.problem_features(records.actor("fm_author"), upload_id)["features"]


def test_an_upload_without_a_sender_is_reachable_only_from_the_top(client, tmp_path):
    """Staging folders written before uploads had owners: only the command line's administrator (``/``)."""
    _as(client, "fm_author")
    upload_id = _send(client, tmp_path, bad=True)
    (config.data_dir() / "uploads" / upload_id / "owner.json").unlink()
    for name in ("fm_author", "fm_admin"):
        with pytest.raises(uploads.NotFound, match=GONE):
            uploads.problem_features(records.actor(name), upload_id)
    assert uploads.problem_features(records.system_actor(), upload_id)["features"]


def test_an_expired_upload_says_so_even_to_its_uploader(client, tmp_path):
    token = _as(client, "fm_author")
    upload_id = _send(client, tmp_path, bad=False)
    folder = config.data_dir() / "uploads" / upload_id
    day_ago = time.time() - 25 * 3600
    os.utime(folder, (day_ago, day_ago))
    r = _import(client, token, upload_id, "late")
    assert r.status_code == 404 and r.json()["error"] == f"上传 {upload_id} {GONE}"
    assert not folder.exists() and not datasets.store().exists("late")
