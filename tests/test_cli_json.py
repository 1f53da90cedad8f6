"""Every ``--json`` command prints JSON only on stdout — results and errors alike.

The commands are discovered from the Typer app, so a new command with ``--json`` is run here as soon as
it exists (and fails until ``CASES`` gives it minimal valid arguments). Each runs once with valid
arguments on a small demo world (synthetic county of 1,200 图斑, ``admin seed-demo``, the paper
tenure instance) and must exit 0 with JSON on stdout; and once with a bad argument, where stdout must
be either a JSON error object (``{"error": {"type", "message"}}``, a ``LandconError``) or empty with
the message on stderr (a usage error found by the command-line parser) — never a traceback.
Output written below Python (a C library writing to file descriptor 1) is caught with ``capfd``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from realloc_fixtures import HOUSEHOLDS as REALLOC_HOUSEHOLDS
from realloc_fixtures import write_instance
from review_fixtures import add_review, without_smallest_new_farmland
from sqlalchemy import select
from typer.testing import CliRunner

from landcon.cli.main import app, command_tree
from landcon.services import org, records
from landcon.store.models import Project, ProjectUnit, Unit

runner = CliRunner()
COUNTY = "530124"
PROJECT = "DEMO-530124-001"  # seeded in 县级审查
ACCEPTED = "DEMO-530124-002"  # seeded as accepted
IMPLEMENTING = "DEMO-530124-003"  # seeded in 实施, with an off-site photo
NEW_PROJECT = "JSON-530124-001"  # created by the world for advance/edit
NOPE = "__no_such__"


def json_commands() -> list[str]:
    """Every command of the app that takes ``--json``, as "group sub" paths."""
    found: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):  # a group (Typer ships its own click)
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        elif any("--json" in p.opts for p in command.params):
            found.append(" ".join(path))

    walk(command_tree(), [])
    return found


@dataclass(frozen=True)
class Case:
    good: tuple[str, ...]
    bad: tuple[tuple[str, ...], ...]  # each a separate invalid call


def cases(w: dict[str, str]) -> dict[str, Case]:
    """Minimal valid and invalid arguments of each command, in the order they run (state builds up)."""
    inst = w["inst"]
    realloc_in = ("--parcels", f"{inst}/parcels.gpkg", "--households", f"{inst}/households.csv")
    realloc_in += ("--blocks", f"{inst}/blocks.gpkg")
    tmp = w["tmp"]
    sup, prov, author, admin = "demo_supervisor", "demo_province", "demo_author", "demo_admin"
    acceptance = ("--date", "2027-01-31", "--member", "组长", "--opinion")
    reviewer = "demo_county_zrzy"  # closes the county review

    def c(good: tuple[str, ...], *bad: tuple[str, ...]) -> Case:
        return Case(good, bad)

    use = ("use", "--kind", "bcgd", "--paddy-mu", "0", "--grade", "8", "--as", sup)
    transfer = ("--kind", "bcgd", "--from", COUNTY, "--to", "530102", "--price", "200000", "--as", sup)
    deal = ("--collective", "测试村股份经济合作社", "--use", "工业", "--term", "50", "--as", author)
    deal += ("--village", "530124100201")  # the paper tenure instance's village: its 入市 表决 passed (world)
    period = ("--start", "2027-01-01", "--end", "2029-12-31")
    found = ("--findings", "沟渠淤堵", "--photo", w["photo"])
    visit = ("--date", "2027-06-01", "--inspector", "李四")
    town, village = "demo_township", "530124100202"  # a village the demo plan covers
    vote = ("--village", village, "--kind", "村民代表会议", "--date", "2026-03-01", "--motion", "权属调整方案")
    vote += ("--motion-kind", "tenure_scheme", "--eligible", "30", "--present", "30")
    household = ("--date", "2026-03-02", "--village", village, "--household-name", "张*", "--parcel", "ZJGGTB:16")
    household += ("--kind",)
    gs = ("--start", "2027-01-01", "--end", "2027-01-10")  # a 公示 period

    return {
        "data list": c((), ("--no-such-option",)),
        "profile show": c((), ("--no-such-option",)),
        "data synth": c(
            ("--county", COUNTY, "--features", "300", "--out", f"{tmp}/s.gpkg"), ("--county", "999999", "--out", "x")
        ),
        "data validate": c((w["src"],), (f"{tmp}/missing.gpkg",)),
        "data import": c((f"{tmp}/s.gpkg", "--name", "small"), (f"{tmp}/s.gpkg", "--name", "small")),
        "data info": c(("demo",), (NOPE,)),
        "survey run": c(("demo", "--no-maps", "--out", f"{tmp}/sv"), (NOPE,)),
        "survey batch": c(("small", "--workers", "1", "--out", f"{tmp}/sb"), (NOPE,)),
        "plan template": c(("--out", f"{tmp}/tpl"), ("--out", f"{tmp}/tpl2", "--epsg", "1")),
        "plan synth": c(("small", "--out", f"{tmp}/plan2"), (NOPE, "--out", f"{tmp}/plan3")),
        "plan synth-asbuilt": c(
            (w["plan"], "--out", f"{tmp}/asb", "--project", ACCEPTED), (f"{tmp}/missing", "--out", f"{tmp}/asb2")
        ),
        "plan check": c((w["plan"], "--dataset", "demo"), (w["plan"], "--dataset", NOPE)),
        "plan report": c(
            (w["plan"], "--dataset", "demo", "--out", f"{tmp}/rep", "--no-maps"),
            (f"{tmp}/missing", "--dataset", "demo", "--out", f"{tmp}/rep2"),
        ),
        "plan diff": c((w["plan"], w["plan"], "--dataset", "demo"), (w["plan"], f"{tmp}/missing", "--dataset", "demo")),
        "data synth-vintage": c(
            ("demo", "--plan", w["plan"], "--out", f"{tmp}/vintage.gpkg"),
            (NOPE, "--plan", w["plan"], "--out", f"{tmp}/vintage2.gpkg"),
        ),
        "realloc synth": c(("demo", "--out", f"{tmp}/ri"), (NOPE, "--out", f"{tmp}/ri2")),
        "realloc run": c(
            (*realloc_in, "--out", f"{tmp}/rr", "--time-limit", "20"),
            (*realloc_in, "--out", f"{tmp}/rr2", "--tolerance", "2"),
        ),
        "realloc check": c(
            (*realloc_in, "--allocation", f"{tmp}/rr/allocation.gpkg"),
            (*realloc_in, "--allocation", f"{tmp}/missing.gpkg"),
        ),
        "realloc save": c((PROJECT, f"{tmp}/rr", "--as", author), (PROJECT, f"{tmp}/missing", "--as", author)),
        "realloc list": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "realloc notice": c(
            (PROJECT, "--version", "1", "--out", f"{tmp}/notice.docx", "--as", author),
            (PROJECT, "--version", "99", "--out", f"{tmp}/notice2.docx", "--as", author),
        ),
        "realloc confirm": c(
            (PROJECT, "--version", "1", "--household", REALLOC_HOUSEHOLDS[0], "--absence", "外出务工", "--as", author),
            (PROJECT, "--version", "1", "--household", NOPE, "--signed-on", "2026-01-01", "--as", author),
        ),
        "db status": c((), ("--no-such-option",)),
        "db upgrade": c((), ("--revision", NOPE)),
        "admin seed-yunnan": c((), ("--as", NOPE)),
        "admin import-units": c(("demo",), (NOPE,)),
        "admin units": c(("--parent", COUNTY), ("--parent", NOPE)),
        "admin seed-demo": c(("demo", "--plan", w["plan"]), (NOPE, "--plan", w["plan"])),
        "admin seed-acceptance": c((ACCEPTED, "--asbuilt", f"{tmp}/asb"), (NOPE, "--asbuilt", f"{tmp}/asb")),
        "user add": c(
            ("json_user", "--unit", COUNTY, "--role", "author", "--password", "secret123", "--department", "zrzy"),
            ("json_user2", "--unit", NOPE, "--role", "author", "--password", "secret123"),
        ),
        "user list": c(("--unit", COUNTY), ("--unit", NOPE)),
        "user passwd": c(("json_user", "--password", "secret456"), (NOPE, "--password", "secret456")),
        "user roles": c(("json_user", "--role", "author", "--role", "reporter"), ("json_user", "--role", NOPE)),
        "user disable": c(("json_user",), (NOPE,)),
        "user enable": c(("json_user",), (NOPE,)),
        "project create": c(
            ("JSON-530124-002", "--name", "命令行测试", "--county", COUNTY, "--as", author),
            ("JSON-530124-003", "--name", "x", "--county", NOPE, "--as", author),
        ),
        "project list": c(("--as", author), ("--as", NOPE)),
        "project show": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "project edit": c((NEW_PROJECT, "--name", "改名", "--as", author), (NOPE, "--name", "x", "--as", author)),
        "project advance": c((NEW_PROJECT, "--as", author), (NOPE, "--as", author)),
        "project export": c((PROJECT, "1", "--out", f"{tmp}/exp", "--as", author), (PROJECT, "99", "--out", "x")),
        "review list": c(("--as", reviewer), ("--as", NOPE)),
        "review status": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "review give": c((PROJECT, "--opinion", "同意", "--as", reviewer), (PROJECT, "--opinion", NOPE)),
        "project reject": c((PROJECT, "--reason", "补充资料", "--as", reviewer), (NOPE, "--reason", "x")),
        # PROJECT is back in 方案编制 now: a draft, a new plan version, and a diff of the two versions.
        "project draft": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "project plan": c((PROJECT, w["plan"], "--as", author), (PROJECT, f"{tmp}/missing", "--as", author)),
        "project diff": c((PROJECT, "1", "2", "--as", author), (PROJECT, "1", "99", "--as", author)),
        "project report": c(
            (PROJECT, "--out", f"{tmp}/prep", "--as", author), (NOPE, "--out", f"{tmp}/prep2", "--as", author)
        ),
        "project export-baobei": c(
            (ACCEPTED, "--stage", "验收", "--out", f"{tmp}/baobei", "--as", author),
            (ACCEPTED, "--stage", NOPE, "--as", author),
        ),
        "meeting add": c(
            ("--unit", COUNTY, "--title", "命令行会商", "--date", "2027-03-01", "--as", author),
            ("--unit", COUNTY, "--title", "x", "--date", "2027-3-1", "--as", author),
        ),
        "meeting list": c(("--unit", COUNTY, "--as", author), ("--unit", NOPE, "--as", author)),
        "meeting show": c((w["meeting"], "--as", author), ("999999", "--as", author)),
        "task add": c(
            ("命令行任务", "--unit", COUNTY, "--deadline", "2030-01-01", "--as", sup),
            ("x", "--unit", COUNTY, "--deadline", "someday", "--as", sup),
        ),
        "task list": c(("--unit", COUNTY, "--as", sup), ("--unit", NOPE, "--as", sup)),
        "task overdue": c(("--as", prov), ("--level", NOPE, "--as", prov)),
        "task done": c((w["task"], "--as", sup), ("999999", "--as", sup)),
        "task reopen": c((w["task"], "--reason", "未完成", "--as", sup), ("999999", "--reason", "x", "--as", sup)),
        "group add": c(("--unit", COUNTY, "--name", "命令行领导小组", "--as", admin), ("--unit", NOPE, "--name", "x")),
        "group list": c(("--unit", COUNTY, "--as", admin), ("--unit", NOPE, "--as", admin)),
        "ledger balance": c(("--unit", COUNTY, "--as", sup), ("--unit", NOPE, "--as", sup)),
        "ledger post": c(
            (*use, "--area-mu", "1", "--doc", "富政批〔测试〕1号"),
            (*use, "--area-mu", "-1", "--doc", "富政批〔测试〕2号"),
            (*use, "--area-mu", "nan", "--doc", "富政批〔测试〕3号"),
            (*use, "--area-mu", "1e309", "--doc", "富政批〔测试〕4号"),
        ),
        "ledger transfer": c(
            (*transfer, "--area-mu", "1", "--contract", "调剂合同JSON1"),
            (*transfer, "--area-mu", "1", "--contract", "调剂合同JSON2", "--kind", "zz"),
            (*transfer, "--area-mu", "nan", "--contract", "调剂合同JSON3"),
        ),
        "ledger import": c((w["batch"], "--as", sup), (f"{tmp}/missing.csv", "--as", sup)),
        "ledger history": c(("--unit", COUNTY, "--as", sup), ("--unit", NOPE, "--as", sup)),
        "ledger revolving": c(("--as", prov), ("--unit", NOPE, "--as", prov)),
        "ledger correct": c(
            (ACCEPTED, "--doc", "云自然资减〔JSON〕1号", "--as", prov),
            (ACCEPTED, "--doc", "云自然资减〔JSON〕2号", "--as", prov),
            (ACCEPTED, "--doc", "云自然资减〔JSON〕3号", "--as", sup),
        ),
        "ledger check": c(("--as", prov), ("--as", sup)),
        "ledger report": c(
            ("--unit", COUNTY, "--out", f"{tmp}/ledger.xlsx", "--as", sup), ("--out", "x", "--as", NOPE)
        ),
        "ledger market add": c(
            (
                *deal,
                "--contract",
                "入市JSON1",
                "--parcel",
                "530124100201JA00009",
                "--price",
                "3000000",
                "--area-mu",
                "9",
            ),
            (*deal, "--contract", "入市JSON2", "--parcel", "530124100201JA00010", "--price", "3000000", "--rate", "5"),
            (*deal, "--contract", "入市JSON3", "--parcel", "530124100201JA00011", "--price", "nan", "--area-mu", "9"),
        ),
        "ledger market list": c(("--as", prov), ("--unit", NOPE, "--as", prov)),
        "supervise subproject from-plan": c((ACCEPTED, "--as", author), (NOPE, "--as", author)),
        "supervise subproject create": c(
            (ACCEPTED, "JSONZ9", "--name", "命令行子项目", "--type", "其他", "--as", author),
            (ACCEPTED, "JSONZ8", "--name", "x", "--type", NOPE, "--as", author),
        ),
        "supervise subproject edit": c(
            (ACCEPTED, "JSONZ9", "--budget", '{"中央财政": 1}', "--as", author),
            (ACCEPTED, "JSONZ9", "--budget", '{"x": 1}', "--as", author),
        ),
        "supervise subproject list": c((ACCEPTED, "--as", author), (NOPE, "--as", author)),
        "supervise report add": c(
            (ACCEPTED, "JSONZ9", "--period", "2027-01", "--date", "2027-01-31", "--percent", "10", "--as", sup),
            (ACCEPTED, "JSONZ9", "--period", "2027-01", "--date", "2027-01-31", "--percent", "120", "--as", sup),
        ),
        "supervise template": c(("--out", f"{tmp}/progress.xlsx"), ("--out", f"{tmp}/progress.txt")),
        "supervise report import": c(
            (ACCEPTED, w["progress"], "--as", sup), (ACCEPTED, f"{tmp}/missing.xlsx", "--as", sup)
        ),
        "supervise photo add": c(
            (ACCEPTED, "JSONZ9", w["photo"], "--as", sup), (ACCEPTED, "JSONZ9", w["src"], "--as", sup)
        ),
        "supervise photo list": c((ACCEPTED, "--as", author), (NOPE, "--as", author)),
        "supervise report list": c((ACCEPTED, "--as", author), (NOPE, "--as", author)),
        "supervise funds": c((ACCEPTED, "--as", author), (NOPE, "--as", author)),
        "supervise export": c(
            (IMPLEMENTING, "--out", f"{tmp}/supervision.xlsx", "--as", sup),
            (NOPE, "--out", f"{tmp}/s.xlsx", "--as", sup),
        ),
        "supervise dashboard": c(("--xlsx", f"{tmp}/dashboard.xlsx", "--as", prov), ("--unit", NOPE, "--as", prov)),
        "monitor run": c((ACCEPTED, "--out", f"{tmp}/mon", "--as", sup), (NOPE, "--as", sup)),
        "monitor batch": c((ACCEPTED, "--workers", "1", "--out", f"{tmp}/mb", "--as", sup), (NOPE, "--as", sup)),
        "alert scan": c((), ("--project", NOPE)),
        "alert list": c(("--as", sup), ("--state", NOPE, "--as", sup)),
        "alert ack": c((w["alert"], "--as", sup), ("999999", "--as", sup)),  # the seeded off-site photo
        "alert escalate": c((w["alert"], "--as", sup), (w["alert"], "--as", sup)),
        "alert resolve": c((w["alert"], "--note", "已补拍", "--as", sup), (w["alert"], "--note", " ", "--as", sup)),
        "accept check": c(
            (ACCEPTED, f"{tmp}/asb", "--out", f"{tmp}/acc", "--as", sup), (ACCEPTED, f"{tmp}/missing", "--as", sup)
        ),
        "accept record": c(
            (ACCEPTED, "--level", "sub_project", "--sub-project", "JSONZ9", *acceptance, "同意", "--as", sup),
            (ACCEPTED, "--level", "sub_project", *acceptance, "好", "--as", sup),
            (
                ACCEPTED,
                "--level",
                "sub_project",
                "--sub-project",
                "JSONZ9",
                *acceptance,
                "同意",
                "--review",
                "--as",
                sup,
            ),
        ),
        "accept list": c((ACCEPTED, "--as", sup), (NOPE, "--as", sup)),
        "accept export": c((ACCEPTED, "--out", f"{tmp}/zzys", "--as", sup), (NOPE, "--out", f"{tmp}/zz", "--as", sup)),
        "care agreement add": c(
            (ACCEPTED, "GHJ1", "--kind", "村集体", "--caretaker", "测试村", *period, "--all", "--as", author),
            (ACCEPTED, "GHJ2", "--kind", "公司", "--caretaker", "测试村", *period, "--all", "--as", author),
        ),
        "care agreement list": c((ACCEPTED, "--as", author), (NOPE, "--as", author)),
        "care inspect": c(
            (ACCEPTED, "GHJ1", *visit, "--result", "需整改", *found, "--as", sup),
            (ACCEPTED, "GHJ1", *visit, "--result", "差", "--as", sup),
        ),
        "care inspections": c((ACCEPTED, "--as", author), (ACCEPTED, "--agreement", NOPE, "--as", author)),
        "vote meeting add": c(
            (PROJECT, *vote, "--for", "20", "--as", town), (PROJECT, *vote, "--for", "31", "--as", town)
        ),
        "vote meeting list": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "vote consent add": c(
            (PROJECT, *household, "demolition", "--as", town), (PROJECT, *household, "拆房", "--as", town)
        ),
        "vote consent list": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "vote consent import": c((PROJECT, "--as", town), (NOPE, "--as", town)),
        "vote consent check": c((PROJECT, "--as", author), (PROJECT, "--version", "99", "--as", author)),
        "willingness template": c((), ("--no-such-option",)),
        "willingness create": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "willingness households": c((PROJECT, "--as", author), (NOPE, "--as", author)),
        "willingness roster-template": c(
            ("--out", f"{tmp}/roster.xlsx", "--project", PROJECT, "--as", author), ("--out", f"{tmp}/roster.txt")
        ),
        "willingness roster": c((PROJECT, f"{tmp}/roster.xlsx", "--as", author), (PROJECT, w["src"], "--as", author)),
        "willingness respond": c(
            (PROJECT, w["household"], "-a", "consent=不同意", "--as", author),
            (PROJECT, w["household"], "-a", "consent=好", "--as", author),
        ),
        "willingness response-template": c(
            (PROJECT, "--out", f"{tmp}/answers.xlsx", "--as", author), (NOPE, "--out", f"{tmp}/a2.xlsx", "--as", author)
        ),
        "willingness import": c((PROJECT, f"{tmp}/answers.xlsx", "--as", author), (PROJECT, f"{tmp}/roster.txt")),
        "willingness forms": c(
            (PROJECT, "--out", f"{tmp}/forms.docx", "--as", author), (NOPE, "--out", f"{tmp}/f.docx")
        ),
        "willingness results": c((PROJECT, "--xlsx", f"{tmp}/will.xlsx", "--as", author), (NOPE, "--as", author)),
        "publicity publish": c(
            (NEW_PROJECT, "--kind", "other", "--ref", "流转", "--place", "村务公开栏", *gs, "--as", author),
            (NEW_PROJECT, "--kind", "other", "--place", "村务公开栏", "--start", "2027-01-01", "--end", "2027-01-02"),
        ),
        "publicity list": c((NEW_PROJECT, "--as", author), (NOPE, "--as", author)),
        "publicity show": c((NEW_PROJECT, "1", "--as", author), (NEW_PROJECT, "99", "--as", author)),
        "publicity object": c(
            (NEW_PROJECT, "1", "--name", "张三", "--content", "价格偏低", "--received", "2027-01-05", "--as", author),
            (NEW_PROJECT, "1", "--name", "张三", "--content", "价格偏低", "--received", "2027-02-01", "--as", author),
        ),
        "publicity answer": c(
            (
                NEW_PROJECT,
                "1",
                "1",
                "--outcome",
                "dismissed",
                "--text",
                "按评估价",
                "--on",
                "2027-01-06",
                "--as",
                author,
            ),
            (NEW_PROJECT, "1", "1", "--outcome", "maybe", "--text", "再答", "--as", author),
        ),
        "publicity notice": c(
            (NEW_PROJECT, "1", "--out", f"{tmp}/notice.docx", "--as", author),
            (NEW_PROJECT, "9", "--out", f"{tmp}/notice2.docx", "--as", author),
        ),
        "audit verify": c((), ("--as", NOPE)),
        "audit anchor": c((), ("--as", NOPE)),
        "backup": c((f"{tmp}/backup",), (w["src"],)),
        "restore": c((f"{tmp}/backup",), (f"{tmp}/missing",)),
        # Last: the participation demo adds its survey, vote, 公示 and confirmations to the project and
        # adopts version 1; adopting an adopted version again only reports it.
        "admin seed-participation": c((PROJECT,), (NOPE,)),
        "realloc adopt": c((PROJECT, "--version", "1", "--as", author), (PROJECT, "--version", "99", "--as", author)),
        "db downgrade": c((w["head"],), (NOPE,)),
    }


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _ok(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def _cover(project: str, village: str) -> None:
    """Let ``project`` cover ``village`` (as a plan whose area touched it would)."""
    with records.write(records.system_actor(), "test.cover") as session:
        if session.scalars(select(Unit.id).where(Unit.code == village)).first() is None:
            org._add_units(session, [(village, "权属实例村")])
            session.flush()
        project_id = session.scalars(select(Project.id).where(Project.code == project)).one()
        unit_id = session.scalars(select(Unit.id).where(Unit.code == village)).one()
        session.add(ProjectUnit(project_id=project_id, unit_id=unit_id))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A data directory and SQLite database with the demo dataset, plan, records and the paper tenure instance."""
    root = tmp_path_factory.mktemp("cli-json")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANDCON_DATA_DIR", str(root / "data"))
        mp.setenv("LANDCON_DATABASE_URL", f"sqlite:///{root / 'data' / 'landcon.db'}")
        mp.delenv("LANDCON_USER", raising=False)
        src, plan = root / "demo.gpkg", root / "plan"
        _ok("data", "synth", "--county", COUNTY, "--features", "1200", "--seed", "1", "--out", str(src))
        _ok("data", "import", str(src), "--name", "demo")
        _ok("plan", "synth", "demo", "--out", str(plan), "--variant", "compliant")
        head = _ok("db", "upgrade")
        _ok("admin", "seed-demo", "demo", "--plan", str(plan))
        _cover(PROJECT, REALLOC_HOUSEHOLDS[0][:12])  # the paper tenure instance's village
        entry = ("--kind", "村民代表会议", "--date", "2026-03-01", "--motion", "入市", "--motion-kind", "market_entry")
        _ok("vote", "meeting", "add", PROJECT, "--village", REALLOC_HOUSEHOLDS[0][:12], *entry, "--eligible", "30",
            "--present", "30", "--for", "20", "--as", "demo_township")  # the village's 入市 decision  # fmt: skip
        asbuilt = root / "data" / "results" / "asbuilt" / ACCEPTED  # a 复核 for ``ledger correct``
        add_review(ACCEPTED, without_smallest_new_farmland(ACCEPTED, asbuilt, root / "asbuilt-review"))
        seeded = _ok("alert", "list", "--project", IMPLEMENTING, "--state", "open", "--as", "demo_supervisor")
        [off_site] = [a for a in seeded if a["kind"] == "photo_off_site"]
        new = ("--name", "命令行项目", "--county", COUNTY, "--dataset", "demo", "--as", "demo_author")
        _ok("project", "create", NEW_PROJECT, *new)
        task = _ok("task", "add", "准备材料", "--unit", COUNTY, "--deadline", "2030-01-01", "--as", "demo_supervisor")
        meeting = _ok(
            "meeting", "add", "--unit", COUNTY, "--title", "会商", "--date", "2027-01-05", "--as", "demo_author"
        )
        batch = root / "batch.csv"
        batch.write_text(
            "type,doc,unit,kind,area_mu,paddy_mu,grade\nuse,富政批〔JSON〕9号,530124,bcgd,0.5,0,8\n", encoding="utf-8"
        )
        progress = root / "progress.csv"
        progress.write_text("子项目编号,期次,填报日期,完成百分比\nJSONZ9,2027-02,2027-02-28,20\n", encoding="utf-8")
        photo = root / "site.jpg"
        from PIL import Image

        Image.new("RGB", (8, 8)).save(photo, format="JPEG")
        write_instance(root / "inst")
        yield {
            "tmp": str(root / "out"),
            "src": str(src),
            "plan": str(plan),
            "inst": str(root / "inst"),
            "household": (root / "inst" / "households.csv")
            .read_text(encoding="utf-8-sig")
            .splitlines()[1]
            .split(",")[0],
            "batch": str(batch),
            "progress": str(progress),
            "photo": str(photo),
            "alert": str(off_site["id"]),
            "task": str(task["id"]),
            "meeting": str(meeting["id"]),
            "head": str(head["head_revision"]),
        }


COMMANDS = json_commands()
CASE_NAMES = list(cases(defaultdict(str)))


def _order(command: str) -> int:
    return CASE_NAMES.index(command) if command in CASE_NAMES else len(CASE_NAMES)


ORDERED = sorted(COMMANDS, key=_order)


def _check_stdout(result: Any, capfd: pytest.CaptureFixture[str], *, error: bool) -> Any:
    leaked = capfd.readouterr().out
    assert leaked == "", f"written to stdout outside Python: {leaked[:200]!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}\n{result.output}"
    )
    if error and result.stdout.strip() == "":
        assert result.stderr.strip(), "an error says what is wrong on stderr"
        return None
    data = json.loads(result.stdout)
    if error:
        assert isinstance(data, dict) and set(data) == {"error"}, data
        assert set(data["error"]) == {"type", "message"} and data["error"]["message"], data
    return data


def test_the_app_has_json_commands_and_each_has_a_case() -> None:
    assert len(COMMANDS) > 50
    assert [c for c in COMMANDS if c not in CASE_NAMES] == [], "give these commands minimal arguments in cases()"
    assert [c for c in CASE_NAMES if c not in COMMANDS] == [], "cases() of commands that no longer take --json"


@pytest.mark.parametrize("command", ORDERED)
def test_json_output_and_json_errors(command: str, world: dict[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    case = cases(world).get(command)
    assert case is not None, f"no CASES entry for {command}"
    Path(world["tmp"]).mkdir(exist_ok=True)
    capfd.readouterr()
    good = invoke(*command.split(), *case.good, "--json")
    assert good.exit_code == 0, good.output
    _check_stdout(good, capfd, error=False)
    for args in case.bad:
        bad = invoke(*command.split(), *args, "--json")
        assert bad.exit_code != 0, (args, bad.output)
        _check_stdout(bad, capfd, error=True)
