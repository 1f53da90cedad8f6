"""``landcon vote meeting add|list`` and ``vote consent add|list|import|check`` through the command line
(SQLite), on the project of ``ledger_fixtures.project_to(…, "plan")`` (its 拆旧 plot ZJGGTB 1 removes the
宅基地 cell (3,0), 图斑 BSM 4, with CMTY = 是)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_fixtures import CODE, project_to
from records_fixtures import VILLAGE_CODE, RecordsDB
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_vote_and_consent_commands(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "plan")
    meeting = ("vote", "meeting", "add", CODE, "--village", VILLAGE_CODE, "--kind", "村民会议", "--date", "2026-03-01")
    meeting += ("--motion", "测试村宅基地拆旧", "--motion-kind", "demolition", "--eligible", "40", "--present", "21")
    code, out = _run(*meeting, "--for", "14", "--against", "7", "--as", "fm_town", "--json")
    assert code == 0, out
    m = json.loads(out)
    assert (m["valid"], m["passed"], m["quorum_needed"], m["votes_needed"]) == (True, True, 21, 14)
    code, out = _run(*meeting, "--for", "14", "--against", "8", "--as", "fm_town")
    assert (code, out.strip()) == (2, "错误：字段 for：赞成 14、反对 8、弃权 0 合计 22 超过到会人数 21")
    code, out = _run(*meeting, "--for", "14", "--as", "fm_author")
    assert code == 3 and "县级及以上只能查看" in out
    code, out = _run("vote", "meeting", "list", CODE, "--as", "fm_author")
    assert code == 0, out
    assert f"#{m['id']} 表决通过：应到 40 人，到会 21 人，村民会议须过半数到会（至少 21 人）" in out
    code, out = _run("vote", "consent", "check", CODE, "--as", "fm_author")
    assert code == 0, out
    assert "不通过" in out and "ZJGGTB 1（1.0000 公顷）" in out
    code, out = _run(
        "vote", "consent", "add", CODE, "--kind", "demolition", "--date", "2026-03-02", "--meeting", str(m["id"]),
        "--as", "fm_town",
    )  # fmt: skip
    assert code == 0, out
    assert out.strip() == f"已登记同意 #1（拆除或改变宅基地）：测试村 村民会议表决 #{m['id']}：全村"
    code, out = _run("vote", "consent", "check", CODE, "--as", "fm_author", "--json")
    assert code == 0, out
    checked = json.loads(out)
    assert (checked["finding"]["status"], checked["stored"]["status"]) == ("pass", "fail")
    code, out = _run("vote", "consent", "import", CODE, "--as", "fm_town")
    assert (code, out.strip()) == (0, "从 CMTY 导入 1 条同意记录")
    code, out = _run("vote", "consent", "list", CODE, "--as", "fm_sup", "--json")
    # By date: the meeting's consent (2026-03-02) before the CMTY record, dated the day it was imported.
    assert [(c["source"], c["parcels"]) for c in json.loads(out)] == [("record", []), ("CMTY", ["ZJGGTB:1"])]
