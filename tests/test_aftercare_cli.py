"""``landcon care agreement add|list``, ``care inspect`` and ``care inspections`` through the command
line (SQLite), on the accepted project of ``ledger_fixtures.project_to(…, "aftercare")``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_fixtures import CODE, project_to
from records_fixtures import VILLAGE_CODE, RecordsDB
from supervision_fixtures import jpeg, lonlat
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_care_commands(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "aftercare")
    add = ("care", "agreement", "add", CODE, "GH-1", "--kind", "村集体", "--caretaker", "测试村股份经济合作社")
    add += ("--start", "2027-01-01", "--end", "2029-12-31", "--unit", VILLAGE_CODE, "--funds", "1.5")
    code, out = _run(*add, "--parcel", "JGTB:A1", "--parcel", "JGTB:A2", "--as", "fm_sup", "--json")
    assert code == 0, out
    a = json.loads(out)
    assert (a["parcels"], a["area_m2"], a["funds_per_year"]) == (["JGTB:A1", "JGTB:A2"], 10000.0, 1.5)
    code, out = _run(*add, "--all", "--as", "wh_sup")
    assert code != 0
    assert out.strip().splitlines() == [f"错误：项目 {CODE} 不存在或不在 五华区 的管辖范围内"]
    code, out = _run("care", "agreement", "list", CODE, "--as", "fm_town")
    assert code == 0, out
    assert "GH-1" in out and "测试村股份经济合作社" in out and "10,000.00" in out
    photo = jpeg(tmp_path / "far.jpg", lonlat(250, 600))
    visit = ("care", "inspect", CODE, "GH-1", "--date", "2027-09-01", "--inspector", "李四")
    code, out = _run(*visit, "--result", "需整改", "--findings", "排水沟淤堵", "--photo", str(photo), "--as", "fm_town")
    assert code == 0, out
    assert "照片 far.jpg：标记 超出管护地块范围，距离 500.0 米" in out
    assert "已转为整改任务 #" in out
    code, out = _run(*visit, "--result", "差", "--as", "fm_town")
    assert (code, out.strip()) == (2, "错误：字段 result，要素 差：巡查结果 '差' 无效；可选：正常、需整改")
    code, out = _run("care", "inspections", CODE, "--agreement", "GH-1", "--as", "fm_sup", "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert [(r["inspected_on"], r["result"], r["findings"], len(r["photos"])) for r in rows] == [
        ("2027-09-01", "需整改", "排水沟淤堵", 1)
    ]
    assert rows[0]["task_id"] is not None
