"""``landcon alert scan|list|ack|resolve|escalate`` through the command line (SQLite)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP, RecordsDB
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.services import clock, records, supervision

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_alert_commands(records_world: RecordsDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 7, 2))
    project_to(tmp_path, "implementation")
    supervision.create_subproject(
        records.actor("fm_sup"),
        CODE,
        "Z3",
        name="土地平整",
        kind="农用地整理",
        unit=TOWNSHIP,
        start="2026-01-01",
        end="2026-12-31",
        budget={"中央财政": 100},
    )
    supervision.add_report(
        records.actor("fm_town"), CODE, "Z3", period="2026-06", reported_on="2026-06-30", percent=30,
        disbursed={"中央财政": 50},
    )  # fmt: skip

    code, out = _run("alert", "scan", "--as", "fm_sup")
    assert (code, out) == (0, "扫描 1 个项目：新增 0 条，重新打开 0 条，自动解除 0 条；未解除的预警共 1 条\n")
    code, out = _run("alert", "list", "--as", "fm_sup", "--json")
    (alert,) = json.loads(out)
    assert (code, alert["key"], alert["message"]) == (
        0,
        "behind:Z3",
        "Z3 计划进度 50.0%，实际 30.0%，落后 20.0 个百分点",
    )
    number = str(alert["id"])
    code, out = _run("alert", "list", "--as", "fm_sup")
    assert code == 0 and "进度滞后" in out and "共 1 条" in out

    code, out = _run("alert", "ack", number, "--note", "已督促", "--as", "fm_town")
    assert (code, out) == (
        0,
        f"已确认预警 #{number}（{CODE}，进度滞后，已确认）：Z3 计划进度 50.0%，实际 30.0%，落后 20.0 个百分点\n",
    )
    code, out = _run("alert", "escalate", number, "--deadline", "2026-08-01", "--as", "fm_sup", "--json")
    escalated = json.loads(out)
    assert (code, escalated["task_deadline"], escalated["unit"]) == (0, "2026-08-01", TOWNSHIP)
    code, out = _run("task", "list", "--as", "fm_town", "--json")
    assert [(t["id"], t["unit"]) for t in json.loads(out)] == [(escalated["task_id"], TOWNSHIP)]

    code, out = _run("alert", "resolve", number, "--note", "已完成", "--as", "fm_town")
    assert code != 0 and out.startswith("错误：用户") and "无权解除预警" in out and out.count("\n") == 1
    code, out = _run("alert", "resolve", number, "--as", "fm_sup")
    assert code == 2  # --note is required
    code, out = _run("alert", "resolve", number, "--note", "已赶上进度", "--as", "fm_sup", "--json")
    assert (code, json.loads(out)["state"]) == (0, "resolved")
    code, out = _run("alert", "list", "--state", "open", "--as", "fm_sup")
    assert (code, out) == (0, "没有符合条件的预警\n")
    code, out = _run("alert", "ack", number, "--as", "wh_sup", "--json")
    assert code != 0 and json.loads(out)["error"]["type"] == "NotFound"
