"""``landcon admin/user/project/review/audit`` end to end through the command line, on both engines."""

from __future__ import annotations

from cli_fixtures import demo_sources, ok, run  # noqa: F401 - fixture
from plan_fixtures import GOOD, write_plan
from publicity_fixtures import plan_cleared
from records_fixtures import COUNTY_REVIEW
from sqlalchemy import text

from landcon.services import records

CODE = "FM-CLI-01"


def test_project_commands_and_exit_codes(records_world, tmp_path):
    p = ok(
        "project", "create", CODE, "--name", "款庄镇整治", "--county", "530124", "--dataset", "grid", user="fm_author"
    )
    assert (p["stage"], p["county_name"]) == ("survey", "富民县")
    # Refusals: other county (not found, 2), wrong role (3), preconditions (1), stale version (4).
    assert run("project", "show", CODE, user="wh_author").exit_code == 2
    denied = run("project", "create", "X", "--name", "x", "--county", "530124", user="fm_leader")
    assert denied.exit_code == 3 and "无权新建项目" in denied.output
    assert ok("project", "advance", CODE, user="fm_author")["stage"] == "plan"
    refused = run("project", "advance", CODE, user="fm_author")
    assert refused.exit_code == 1 and "尚无方案草稿" in refused.output
    v = ok("project", "plan", CODE, str(write_plan(tmp_path / "plan", GOOD)), user="fm_author")
    assert (v["number"], v["errors"]) == (1, 0)
    stale = run("project", "edit", CODE, "--name", "新名称", "--expected-version", "1", user="fm_author")
    assert stale.exit_code == 4 and "已被他人修改" in stale.output
    plan_cleared(CODE)
    ok("project", "advance", CODE, user="fm_author")

    inbox = ok("review", "list", user="fm_lc")
    assert [(r["project"], r["department_name"]) for r in inbox] == [(CODE, "富民县林草局")]
    for kind in COUNTY_REVIEW:
        args = ["review", "give", CODE, "--opinion", "同意"]
        if kind == "sl":
            args = ["review", "give", CODE, "--opinion", "修改后同意", "--conditions", "完善排灌设计"]
        ok(*args, user=f"fm_{kind}")
    status = ok("review", "status", CODE, user="fm_zrzy")
    assert status["consolidated"]["outcome"] == "修改后同意"
    assert ok("project", "advance", CODE, user="fm_zrzy")["stage"] == "prefecture_review"
    rows = ok("project", "list", "--county", "530100", user="km_zrzy")
    assert [(r["code"], r["stage_name"], r["overdue_tasks"]) for r in rows] == [(CODE, "州市审查", 0)]
    text_out = run("project", "show", CODE, user="km_zrzy")
    assert text_out.exit_code == 0 and "▶州市审查" in text_out.output and "完善排灌设计" in text_out.output
    bad = run("review", "give", CODE, "--opinion", "也许", user="km_lc")
    assert bad.exit_code == 2 and "同意 / 修改后同意 / 不同意" in bad.output


def test_users_units_and_audit_commands(records_world):
    seeded = ok("admin", "seed-yunnan")
    assert seeded["units_added"] == 0 and seeded["units_by_level"] == {
        "province": 1,
        "prefecture": 16,
        "county": 129,
        "township": 2,
        "village": 1,
    }
    assert [u["code"] for u in ok("admin", "units", "--parent", "530100", "--level", "county")][:3] == [
        "530102",
        "530103",
        "530111",
    ]
    no_units = run("admin", "import-units", "grid")
    assert no_units.exit_code == 2 and "没有 XZQ 或 CJDCQ 图层" in no_units.output
    added = ok(
        "user",
        "add",
        "fm_new",
        "--unit",
        "530124",
        "--role",
        "reviewer",
        "--department",
        "sl",
        "--password",
        "secret123",
    )
    assert added["department_name"] == "富民县水利局" and added["role_names"] == ["审查人员"]
    bad_role = run("user", "add", "x1", "--unit", "530124", "--role", "boss", "--password", "secret123")
    assert bad_role.exit_code == 2 and "未知角色 boss" in bad_role.output
    names = {u["username"] for u in ok("user", "list", user="wh_admin")}
    assert names == {"wh_author", "wh_admin", "wh_zrzy", "wh_sup"}  # only 五华区's users

    result = ok("audit", "verify")
    assert result["ok"] and result["entries"] > 1000
    assert run("audit", "verify", user="fm_author").exit_code == 3
    db = records.database()
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET changes = '{}' WHERE seq = 42"))
    tampered = run("audit", "verify")
    assert tampered.exit_code == 1 and "第 42 条" in tampered.output and "被修改" in tampered.output


def test_seed_demo_is_idempotent(records_world, demo_sources):  # noqa: F811
    gpkg, plan = demo_sources
    assert run("data", "import", str(gpkg), "--name", "demo").exit_code == 0
    first = ok("admin", "seed-demo", "demo", "--plan", str(plan))
    assert first["created"] and first["project"]["stage"] == "county_review"
    assert first["project"]["plan_versions"][0]["errors"] == 0
    again = ok("admin", "seed-demo", "demo", "--plan", str(plan))
    assert not again["created"] and len(again["accounts"]) == len(first["accounts"])
    rows = ok("project", "list", user="demo_province")
    assert [(r["code"], r["stage"], r["overdue_tasks"]) for r in rows] == [
        ("DEMO-530124-001", "county_review", 1),
        ("DEMO-530124-002", "aftercare", 0),
        ("DEMO-530124-003", "implementation", 0),
    ]
    # The accepted project's quota: what its plan's engine indicators give, used, sold and checked.
    version = ok("project", "show", "DEMO-530124-002", user="demo_province")["plan_versions"][0]
    assert version["errors"] == 0
    balance = ok("ledger", "balance", "--unit", "530124", user="demo_supervisor")
    kinds = {(s["kind"], s["bucket"]) for s in balance["summary"]}
    assert {("bcgd", "avail"), ("bcgd", "used"), ("zz", "used")} <= kinds
    reclaimed = [a for a in balance["accounts"] if (a["kind"], a["bucket"]) == ("jsjg", "source")]
    assert reclaimed and all(a["area_m2"] < 0 for a in reclaimed)
    assert all(r["outstanding_mu"] == 0 for r in ok("ledger", "revolving", user="demo_province"))
    assert ok("ledger", "check", user="demo_province")["ok"]
    assert ok("audit", "verify")["ok"]
