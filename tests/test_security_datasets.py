"""Datasets and their results belong to a unit (issue 16 §1): another county's users can neither
replace, survey nor read them, through the real app on SQLite and PostgreSQL (``records_world``:
the 530124 dataset ``grid``, a user per role in 530124 and 530102)."""

from __future__ import annotations

import json

import pytest
from conftest import cell, dltb_row, grid_dltb
from fastapi.testclient import TestClient
from records_fixtures import PASSWORD
from sqlalchemy import select
from web_fixtures import csrf_of, sign_in, upload

from landcon.engine import org as org_engine
from landcon.services import datasets, jobs, org, records
from landcon.store.models import AuditEntry
from landcon.web.app import create_app

OTHER_VILLAGE = "5301020010010000000"  # a village of 530102 (五华区), 19-char ZLDWDM


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def _gpkg(tmp_path, name: str, villages: list[str]) -> bytes:
    path = tmp_path / name
    rows = [dltb_row(str(i + 1), "0103", cell(i, 0), ZLDWDM=v, QSDWDM=v) for i, v in enumerate(villages)]
    grid_dltb(rows).to_file(path, layer="DLTB")
    return path.read_bytes()


def _import(client: TestClient, payload: bytes, name: str, *, replace: bool = False):
    report = upload(client, "data.gpkg", payload)
    assert report.status_code == 200, report.text
    token = csrf_of(client)
    return client.post(
        f"/api/v1/uploads/{report.json()['upload']}/import",
        json={"name": name, "replace": replace},
        headers={"X-CSRF-Token": token},
    )


def _audit(action: str) -> list[AuditEntry]:
    with records.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_owner_is_the_county_of_the_codes_or_the_unit_covering_them():
    assert org_engine.counties_of(["5301241002010000000", "530124100", None, "", "abc"]) == {"530124"}
    assert org_engine.covering_unit({"530124"}) == "530124"
    assert org_engine.covering_unit({"530124", "530102"}) == "530100"
    assert org_engine.covering_unit({"530124", "532301"}) == "530000"
    with pytest.raises(ValueError):
        org_engine.covering_unit({"530124", "520102"})
    with pytest.raises(ValueError):
        org_engine.covering_unit(set())


def test_the_stored_dataset_carries_its_owner(client):
    assert datasets.manifest("grid")["owner"] == {
        "code": "530124",
        "path": "/530000/530100/530124/",
        "counties": ["530124"],
    }


def test_another_county_cannot_replace_survey_or_read_a_dataset(client, tmp_path):
    before = datasets.manifest("grid")["source"]["sha256"]
    sign_in(client, "fm_author")  # the owner county surveys its data first
    token = csrf_of(client)
    job = client.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).json()
    assert jobs.run_one() is True
    client.cookies.clear()

    sign_in(client, "wh_author")
    own_county_data = _gpkg(tmp_path, "fm.gpkg", [OTHER_VILLAGE.replace("530102", "530124", 1)])
    replaced = _import(client, own_county_data, "grid", replace=True)
    assert replaced.status_code in (403, 404) and datasets.manifest("grid")["source"]["sha256"] == before
    taken = _import(client, own_county_data, "fm_copy")
    assert taken.status_code == 403 and "530124" in taken.json()["error"]
    token = csrf_of(client)
    assert client.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).status_code == 404
    assert client.post("/survey/grid/run", data={"csrf_token": token}).status_code == 404
    for url in (
        "/data/grid",
        "/survey/grid",
        "/api/v1/survey/grid",
        "/survey/grid/files/survey.json",
        "/survey/grid/files/survey.xlsx",
        "/tiles/grid/layers.json",
        "/tiles/grid/DLTB/14/13034/7052.mvt",
        f"/api/v1/jobs/{job['id']}",
        f"/jobs/{job['id']}",
    ):
        assert client.get(url).status_code == 404, url
    assert "grid" not in [d["name"] for d in client.get("/api/v1/datasets").json()]
    assert "/data/grid" not in client.get("/data").text and "0 个" in client.get("/data").text
    client.cookies.clear()

    sign_in(client, "fm_town")  # a township of the owner county still sees its county's data
    assert [d["name"] for d in client.get("/api/v1/datasets").json()] == ["grid"]
    assert client.get("/api/v1/survey/grid").status_code == 200
    assert client.get("/tiles/grid/layers.json").status_code == 200
    token = csrf_of(client)
    assert client.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).status_code == 403


def test_a_township_user_of_another_county_sees_no_dataset(client):
    org.add_user(
        records.system_actor(), "wh_town", password=PASSWORD, unit="530102001", roles=("reporter",), department="xzf"
    )
    sign_in(client, "wh_town")
    assert client.get("/api/v1/datasets").json() == []
    assert client.get("/data/grid").status_code == 404
    client.cookies.clear()
    sign_in(client, "km_sup")  # the prefecture sees its counties' data
    assert [d["name"] for d in client.get("/api/v1/datasets").json()] == ["grid"]


def test_data_spanning_counties_is_imported_only_by_a_prefecture_or_province(client, tmp_path):
    both = _gpkg(tmp_path, "both.gpkg", ["5301241002010000000", OTHER_VILLAGE])
    sign_in(client, "fm_author")
    refused = _import(client, both, "both")
    assert refused.status_code == 403 and "跨 2 个县" in refused.json()["error"]
    assert "both" not in [d["name"] for d in datasets.list_datasets()]
    result = datasets.import_dataset(tmp_path / "both.gpkg", "both")  # the command line's administrator
    assert result.manifest["owner"]["code"] == "530100"
    assert [d["name"] for d in client.get("/api/v1/datasets").json()] == ["grid"]


def test_imports_replacements_and_survey_runs_are_audited(client, tmp_path):
    sign_in(client, "fm_author")
    data = _gpkg(tmp_path, "fm.gpkg", ["5301241002010000000"])
    assert _import(client, data, "fm_new").status_code == 200
    assert _import(client, data, "fm_new", replace=True).status_code == 200
    token = csrf_of(client)
    assert client.post("/api/v1/survey/fm_new", headers={"X-CSRF-Token": token}).status_code == 200
    imported = [e for e in _audit("dataset.import") if e.object_id == "fm_new"]
    replaced = [e for e in _audit("dataset.replace") if e.object_id == "fm_new"]
    assert len(imported) == 1 and len(replaced) == 1
    assert imported[0].actor == "fm_author" and json.loads(replaced[0].changes)["owner"] == "530124"
    assert json.loads(replaced[0].changes)["previous_sha256"] == json.loads(imported[0].changes)["sha256"]
    surveyed = [e for e in _audit("job.survey/create") if '"fm_new"' in e.changes]
    assert len(surveyed) == 1 and surveyed[0].actor == "fm_author"


def test_a_project_cannot_be_based_on_another_countys_dataset(client):
    from landcon.errors import NotFound
    from landcon.services import projects

    with pytest.raises(NotFound, match="grid"):
        projects.create_project(records.actor("wh_author"), "WH-01", "五华区整治", county="530102", dataset="grid")
    author = records.actor("fm_author")
    assert projects.create_project(author, "FM-01", "款庄镇整治", county="530124", dataset="grid")["dataset"] == "grid"


def test_every_survey_run_is_audited_with_the_dataset_version_and_the_acting_user(client, tmp_path):
    """The command line (system administrator or ``--as``), the web job and the province batch all
    write one ``survey.run`` row per dataset surveyed; the audit chain still verifies."""
    import getpass

    from cli_fixtures import ok, run

    grid = datasets.manifest("grid")
    ok("survey", "run", "grid", "--no-maps", "--unit", "county", "--out", str(tmp_path / "sv"))
    ok("survey", "run", "grid", "--no-maps", "--unit", "county", user="fm_author")
    refused = run("survey", "run", "grid", "--no-maps", user="wh_author")  # another county's author
    assert refused.exit_code == 2 and "数据集 grid 不存在或不在 五华区 的管辖范围内" in refused.output
    sign_in(client, "fm_author")
    token = csrf_of(client)
    assert client.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).status_code == 200
    assert jobs.run_one()
    ok("survey", "batch", "grid", "--workers", "1", "--unit", "county", "--out", str(tmp_path / "sb"), user="fm_admin")
    rows = [e for e in _audit("survey.run") if e.object_id == "grid"]
    assert [(e.actor, e.object_type) for e in rows] == [
        (f"system:{getpass.getuser()}", "datasets"),
        ("fm_author", "datasets"),
        ("fm_author", "datasets"),
        ("fm_admin", "datasets"),
    ]
    changes = [json.loads(e.changes) for e in rows]
    assert [(c["version"], c["sha256"], c["unit"]) for c in changes] == [
        (grid["version"], grid["source"]["sha256"], "county"),
        (grid["version"], grid["source"]["sha256"], "county"),
        (grid["version"], grid["source"]["sha256"], "village"),
        (grid["version"], grid["source"]["sha256"], "county"),
    ]
    assert changes[0]["out"] == str((tmp_path / "sv").resolve())
    verified = ok("audit", "verify")
    assert verified["ok"] is True, verified
