"""``landcon project report``: the project's current plan version written with the project's records
(place names from the units, the survey of its dataset) on SQLite and PostgreSQL (``records_world``)."""

from __future__ import annotations

from pathlib import Path

import docx
from plan_fixtures import GOOD, write_plan
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.services import projects, records, survey

CODE = "FM-2027-09"


def test_project_report_writes_the_plan_with_the_projects_records(records_world, tmp_path: Path) -> None:
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇整治", county="530124", units=["530124100"], dataset="grid")
    runner = CliRunner()
    out = tmp_path / "report"
    refused = runner.invoke(app, ["project", "report", CODE, "--out", str(out), "--as", "fm_author"])
    assert refused.exit_code != 0 and "尚无方案版本" in refused.output
    projects.advance(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    survey.run_survey("grid", maps=False)
    done = runner.invoke(app, ["project", "report", CODE, "--out", str(out), "--as", "fm_author"])
    assert done.exit_code == 0, done.output
    assert f"已生成 {CODE} 方案版本 1 的成果" in done.output
    assert {"实施方案.docx", "附表.xlsx", "plan_check.json"} <= {p.name for p in out.iterdir()}
    lines = [p.text for p in docx.Document(str(out / "实施方案.docx")).paragraphs]
    assert "目录" in lines
    area = next(line for line in lines if line.startswith("整治区域位于"))
    assert area.startswith("整治区域位于富民县，涉及乡镇 款庄镇，") and "530124" not in area
    assert any(line.startswith("据摸底调查（数据集“grid”") for line in lines)
    assert not any("待补充：农用地整理潜力" in line for line in lines)
    assert any(line.startswith("尚无经采纳的权属调整方案") for line in lines)
