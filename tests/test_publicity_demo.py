"""The demo's 公示: every demo project's plan was published (cleared) before it was submitted, and after
the demo project's 权属调整 version is saved, ``admin seed-participation`` publishes it on the village
notice board with its 公示表 attached, a household's objection answered — cleared; a second run adds
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from docx import Document
from realloc_fixtures import write_instance
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()
PROJECT = "DEMO-530124-001"


def _ok(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("demo-publicity")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANDCON_DATA_DIR", str(root / "data"))
        mp.setenv("LANDCON_DATABASE_URL", f"sqlite:///{root / 'data' / 'landcon.db'}")
        mp.delenv("LANDCON_USER", raising=False)
        src, plan, inst = root / "demo.gpkg", root / "plan", root / "inst"
        _ok("data", "synth", "--county", "530124", "--features", "1200", "--seed", "1", "--out", str(src))
        _ok("data", "import", str(src), "--name", "demo")
        _ok("plan", "synth", "demo", "--out", str(plan))
        _ok("db", "upgrade")
        _ok("admin", "seed-demo", "demo", "--plan", str(plan))
        write_instance(inst)
        files = ("--parcels", f"{inst}/parcels.gpkg", "--households", f"{inst}/households.csv")
        _ok(
            "realloc", "run", *files, "--blocks", f"{inst}/blocks.gpkg", "--out", str(root / "rr"), "--time-limit", "20"
        )
        _ok("realloc", "save", PROJECT, str(root / "rr"), "--as", "demo_author")
        first = _ok("admin", "seed-participation", PROJECT)
        again = _ok("admin", "seed-participation", PROJECT)
        who = ("--as", "demo_author")
        listed = _ok("publicity", "list", PROJECT, *who)
        shown = _ok("publicity", "show", PROJECT, str(first["publicity"]["publicity"]), *who)
        _ok("publicity", "notice", PROJECT, str(first["publicity"]["publicity"]), "--out", str(root / "n.docx"), *who)
        plans = {
            code: _ok("publicity", "list", code, "--as", "demo_province")
            for code in ("DEMO-530124-001", "DEMO-530124-002", "DEMO-530124-003")
        }
        yield {"first": first, "again": again, "list": listed, "show": shown, "plans": plans, "docx": root / "n.docx"}


def test_each_demo_project_submitted_a_cleared_plan_publicity(seeded) -> None:
    for code, rows in seeded["plans"].items():
        plan = [r for r in rows if r["kind"] == "plan"]
        assert [(r["ref"], r["status_name"], r["days"]) for r in plan] == [("1", "已通过", 7)], code


def test_the_tenure_scheme_publicity_is_cleared_with_one_answered_objection(seeded) -> None:
    first, shown = seeded["first"], seeded["show"]
    assert first["publicity"] == {"realloc": "1", "publicity": 2, "objections": 1, "created": True}
    assert seeded["again"]["publicity"] == {"realloc": "1", "publicity": 2, "created": False}
    assert (shown["kind"], shown["ref"], shown["place"], shown["status_name"]) == (
        "realloc",
        "1",
        "村务公开栏",
        "已通过",
    )
    assert shown["blockers"] == [] and shown["table_name"] == "权属调整方案公示表.xlsx"
    [o] = shown["objections"]
    assert o["outcome"] == "dismissed" and o["household"] and o["answer"].startswith("经核实")
    assert shown["start"] < o["received_on"] <= o["answered_on"] < shown["end"]
    assert [r["number"] for r in seeded["list"]] == [2, 1]


def test_the_tenure_notice_carries_the_publicity_table(seeded) -> None:
    doc = Document(str(seeded["docx"]))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0][:4] == ["序号", "承包方编码", "承包方", "调整前·地块数（块）"]
    assert rows[0][7] == "应得价值（标准平方米）" and rows[1][:3] == ["1", "530124********0001", "张*"]
