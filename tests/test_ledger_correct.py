"""复核核减 from the command line (``landcon ledger correct``) and from the acceptance page's form: the
project accepted as planned has its 补充耕地指标 issued (10,000 m², 10,575 kg); a 复核 acceptance
finds A2 built on half its cell (5,250 m², 5,588 kg), and the correction brings the quota down to it.
Exit codes, permission and ``ledger check`` after. SQLite and PostgreSQL (``records_world``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, FARMLAND_M2, GRAIN_KG, project_to
from review_fixtures import add_review
from sqlalchemy import select
from typer.testing import CliRunner
from web_fixtures import csrf_of, sign_in

from landcon.cli.main import app
from landcon.services import ledger, records
from landcon.store.models import LedgerPosting
from landcon.web.app import create_app

DOC = "云自然资核〔2027〕1号"
CUT_DOC = "云自然资减〔2028〕1号"


def cli(*args: str, user: str) -> Any:
    return CliRunner().invoke(app, ["ledger", *args, "--as", user, "--json"])


def issued_then_reviewed(tmp_path) -> None:
    """Accepted as planned, quota issued, then a passing 复核 acceptance on A2 built on half its cell."""
    project_to(tmp_path, "aftercare")
    issued = ledger.issue_farmland(records.actor("yn_sup"), CODE, DOC)
    assert issued["lines"][1]["area_m2"] == FARMLAND_M2
    reviewed(tmp_path)


def test_ledger_correct_from_the_command_line(records_world, tmp_path) -> None:
    project_to(tmp_path, "aftercare")
    assert cli("correct", CODE, "--doc", CUT_DOC, user="yn_sup").exit_code == 1  # nothing issued yet
    ledger.issue_farmland(records.actor("yn_sup"), CODE, DOC)
    same = cli("correct", CODE, "--doc", CUT_DOC, user="yn_sup")
    assert same.exit_code == 1 and "无需核减" in same.output
    reviewed(tmp_path)
    county = cli("correct", CODE, "--doc", CUT_DOC, user="fm_sup")
    assert county.exit_code == 3, county.output  # 核减 is a provincial posting
    assert cli("correct", CODE, "--doc", CUT_DOC, "--on", "2028/03/02", user="yn_sup").exit_code == 2
    done = cli("correct", CODE, "--doc", CUT_DOC, "--reason", "复核发现未按方案完成", user="yn_sup")
    assert done.exit_code == 0, done.output
    posting = json.loads(done.stdout)
    rows = [(ln["bucket"], ln["area_m2"], ln["paddy_m2"], ln["grain_kg"]) for ln in posting["lines"]]
    assert rows == [("avail", -4_750.0, 0.0, -4_987), ("source", 4_750.0, 0.0, 4_987)]
    assert FARMLAND_M2 - 4_750.0 == 5_250.0 and GRAIN_KG - 4_987 == 5_588
    with records.read() as session:
        memo = session.scalars(select(LedgerPosting.memo).where(LedgerPosting.id == posting["id"])).one()
    assert memo == (
        "按验收记录 2（2028-03-01 整改后同意）复核核减（竣工成果 7.88 亩（5,250.00 m²），粮食产能 5,588 公斤）"
        "：复核发现未按方案完成"
    )
    check = CliRunner().invoke(app, ["ledger", "check", "--as", "yn_sup", "--json"])
    assert check.exit_code == 0 and json.loads(check.stdout)["ok"] is True
    again = cli("correct", CODE, "--doc", "云自然资减〔2028〕2号", user="yn_sup")
    assert again.exit_code == 1 and "无需核减" in again.output


def reviewed(tmp_path) -> None:
    """A later passing whole-project acceptance (复核) whose computation has A2 built on half its cell."""
    from acceptance_fixtures import meta, rows, write_asbuilt

    add_review(CODE, write_asbuilt(tmp_path / "asbuilt-review", rows(0.5), meta(project=CODE)))


@pytest.fixture
def client(records_world, tmp_path):
    issued_then_reviewed(tmp_path)
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_the_correction_form_on_the_acceptance_page(client: TestClient) -> None:
    sign_in(client, "fm_sup")  # a county supervisor sees no form and is refused
    assert 'id="correct-form"' not in client.get(f"/projects/{CODE}/acceptance").text
    r = client.post(f"/projects/{CODE}/acceptance/correct", data={"csrf_token": csrf_of(client), "doc_no": CUT_DOC})
    assert r.status_code == 403
    client.cookies.clear()
    sign_in(client, "yn_sup")
    assert 'id="correct-form"' in client.get(f"/projects/{CODE}/acceptance").text
    no_token = client.post(f"/projects/{CODE}/acceptance/correct", data={"doc_no": CUT_DOC})
    assert no_token.status_code == 403
    r = client.post(
        f"/projects/{CODE}/acceptance/correct",
        data={"csrf_token": csrf_of(client), "doc_no": CUT_DOC, "reason": "复核"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with records.read() as session:
        posting = session.scalars(select(LedgerPosting).where(LedgerPosting.doc_no == CUT_DOC)).one()
    assert r.headers["location"] == f"/projects/{CODE}/acceptance?corrected={posting.id}"
    assert f"核减记账号 {posting.id}" in client.get(r.headers["location"]).text
    assert ledger.check(records.actor("yn_sup"))["ok"] is True
    # Nothing left to cut: the service's message, nothing posted.
    again = client.post(
        f"/projects/{CODE}/acceptance/correct", data={"csrf_token": csrf_of(client), "doc_no": "云自然资减〔2028〕2号"}
    )
    assert again.status_code == 400 and "无需核减" in again.text


def test_another_county_gets_404(client: TestClient) -> None:
    sign_in(client, "wh_sup")
    r = client.post(f"/projects/{CODE}/acceptance/correct", data={"csrf_token": csrf_of(client), "doc_no": CUT_DOC})
    assert r.status_code == 404
