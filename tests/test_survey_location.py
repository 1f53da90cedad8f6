"""One survey result location per dataset, shared by the CLI and the web.

``landcon survey run`` (with or without ``--out``) publishes to DATA_DIR/results/survey/DATASET, the
folder the web's survey page, its file downloads and ``GET /api/v1/survey/DATASET`` read.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_fixtures import sign_in

from landcon.cli.main import app
from landcon.services import records, survey
from landcon.web.app import create_app

runner = CliRunner()
EMPTY = "还没有摸底调查结果"


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        sign_in(c, "fm_author")
        yield c


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_a_cli_survey_with_out_is_shown_by_the_web(client, records_world, tmp_path):
    assert EMPTY in client.get("/survey/grid").text
    assert client.get("/api/v1/survey/grid").status_code == 404

    out = tmp_path / "survey-grid"
    result = runner.invoke(app, ["survey", "run", "grid", "--out", str(out), "--no-maps", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    standard = records_world.data_dir.resolve() / "results" / "survey" / "grid"
    assert printed["out_dir"] == str(out.resolve()) and printed["result_dir"] == str(standard)
    assert (out / "survey.json").read_bytes() == (standard / "survey.json").read_bytes()

    page = client.get("/survey/grid")
    assert page.status_code == 200 and EMPTY not in page.text
    assert "下载统计表" in page.text
    api = client.get("/api/v1/survey/grid")
    assert api.status_code == 200
    assert api.json()["units"] == printed["units"]
    download = client.get("/survey/grid/files/survey.xlsx")
    assert download.status_code == 200 and download.content == (out / "survey.xlsx").read_bytes()


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_a_survey_without_out_writes_the_standard_folder(client, records_world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["survey", "run", "grid", "--no-maps", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["out_dir"] == printed["result_dir"] == str(survey.result_dir("grid"))
    assert not (tmp_path / "survey-grid").exists()
    assert (survey.latest_result(records.system_actor(), "grid") or {})["units"] == printed["units"]
    assert EMPTY not in client.get("/survey/grid").text
