"""The demo's acceptance on verified as-built data, as ``make run`` does it: a second plan in another
township (``plan synth --township-rank 2``), ``admin seed-demo --accepted-plan`` leaving DEMO-…-002 at
验收, a vintage with that plan built but for one parcel (``data synth-vintage --built``), as-built data
drawn against it (``plan synth-asbuilt --vintage``) and ``admin seed-acceptance`` after the import."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from landcon.cli.main import app

ACCEPTED = "DEMO-530124-002"


def _ok(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("demo-acceptance")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANDCON_DATA_DIR", str(root / "data"))
        mp.setenv("LANDCON_DATABASE_URL", f"sqlite:///{root / 'data' / 'landcon.db'}")
        mp.delenv("LANDCON_USER", raising=False)
        src, plan, other = root / "demo.gpkg", root / "plan", root / "plan-accepted"
        _ok("data", "synth", "--county", "530124", "--features", "1200", "--seed", "1", "--out", str(src))
        _ok("data", "import", str(src), "--name", "demo")
        _ok("plan", "synth", "demo", "--out", str(plan))
        _ok("plan", "synth", "demo", "--out", str(other), "--township-rank", "2")
        _ok("db", "upgrade")
        _ok("admin", "seed-demo", "demo", "--plan", str(plan), "--accepted-plan", str(other))
        waiting = _ok("project", "show", ACCEPTED, "--as", "demo_supervisor")
        vintage = _ok(
            "data", "synth-vintage", "demo", "--plan", str(plan), "--built", str(other),
            "--out", str(root / "v.gpkg"), "--seed", "2",
        )  # fmt: skip
        _ok("data", "import", vintage["path"], "--name", "demo", "--replace")
        asbuilt = _ok(
            "plan", "synth-asbuilt", str(other), "--out", str(root / "asb"), "--vintage", vintage["path"],
            "--project", ACCEPTED,
        )  # fmt: skip
        accepted = _ok("admin", "seed-acceptance", ACCEPTED, "--asbuilt", str(root / "asb"))
        again = _ok("admin", "seed-acceptance", ACCEPTED, "--asbuilt", str(root / "asb"))
        yield {
            "root": root,
            "plans": (plan, other),
            "waiting": waiting,
            "vintage": vintage,
            "asbuilt": asbuilt,
            "accepted": accepted,
            "again": again,
            "balance": _ok("ledger", "balance", "--unit", "530124", "--as", "demo_supervisor"),
            "check": _ok("ledger", "check", "--as", "demo_province"),
            "shown": _ok("project", "show", ACCEPTED, "--as", "demo_supervisor"),
            "care": _ok("care", "agreement", "list", ACCEPTED, "--as", "demo_supervisor"),
            "records": _ok("accept", "list", ACCEPTED, "--as", "demo_supervisor"),
            "funds": _ok("supervise", "funds", ACCEPTED, "--as", "demo_supervisor"),
            "scan": _ok("alert", "scan", "--as", "demo_supervisor"),
            "alerts": _ok("alert", "list", "--project", ACCEPTED, "--state", "open", "--as", "demo_supervisor"),
            "all_alerts": _ok("alert", "list", "--project", ACCEPTED, "--as", "demo_supervisor"),
        }


def test_the_accepted_project_has_its_own_plan_in_another_township(world) -> None:
    import yaml

    first, second = (yaml.safe_load((p / "plan.yaml").read_text("utf-8"))["townships"] for p in world["plans"])
    assert first != second
    assert world["waiting"]["stage"] == "acceptance"
    assert [u["code"] for u in world["waiting"]["units"] if u["level"] == "township"] == second


def test_the_vintage_builds_the_second_plan_but_one_parcel(world) -> None:
    built = world["vintage"]["built"]
    assert len(built["lost"]) == 1
    # Only the parcel the vintage does not show as 耕地 fails; nothing is left out.
    assert world["asbuilt"]["fail"] == [f"CZGHTB {built['lost'][0]}"]
    assert world["asbuilt"]["left_out"] == []
    assert world["asbuilt"]["short"]


def test_the_acceptance_verifies_against_the_vintage_and_cuts_the_failing_parcel(world) -> None:
    acc = world["accepted"]
    assert acc["accepted"] and world["shown"]["stage"] == "aftercare"
    rules = {r["id"]: r["status"] for r in acc["rules"]}
    assert rules["NEW_FARMLAND_VERIFIED"] == "fail"
    failing = [c for c in acc["cuts"] if c["reason"] == "变更调查非耕地"]
    assert [c["plan_parcel"] for c in failing] == [world["asbuilt"]["fail"][0]]
    short = [c for c in acc["cuts"] if c["reason"] == "竣工少于方案"]
    assert short and {c["subproject"] for c in short} == {world["asbuilt"]["short"]}
    totals = acc["totals"]
    assert totals["not_verified_m2"] == pytest.approx(failing[0]["cut_m2"], abs=0.01)
    assert totals["verified_new_m2"] == pytest.approx(totals["built_new_m2"] - totals["not_verified_m2"], abs=0.01)
    assert totals["cut_m2"] == pytest.approx(sum(c["cut_m2"] for c in acc["cuts"]), abs=0.01)


def test_the_failing_parcel_fails_verification_and_the_records_follow_the_rules(world) -> None:
    acc = world["accepted"]
    # Verification fails for the drawn parcel; the synthetic grades may also leave the quality rule
    # short (the composition of the built new 耕地 changes); nothing else fails.
    open_rules = [r["id"] for r in acc["rules"] if r["status"] != "pass"]
    assert open_rules[0] == "NEW_FARMLAND_VERIFIED" and set(open_rules) <= {
        "NEW_FARMLAND_VERIFIED",
        "QUALITY_NOT_LOWER",
    }
    sub, whole = world["records"]
    assert (sub["level"], sub["opinion"], sub["unit"]) == ("sub_project", "同意", "530124")
    assert sub["sub_project"] not in {c["subproject"] for c in acc["cuts"]}
    # one condition per rule not passed (同意 is refused while one is open)
    assert (whole["level"], whole["opinion"], len(whole["conditions"])) == ("project", "整改后同意", len(open_rules))
    assert whole["conditions"][0].startswith("新增耕地经最新变更调查核实为耕地：")


def test_the_quota_is_the_verified_as_built_figure_and_names_the_cut(world) -> None:
    acc = world["accepted"]
    stored = json.loads((world["root"] / "data" / "results" / "acceptance" / ACCEPTED / "acceptance.json").read_text())
    verified = stored["verified_indicators"]["cultivated"]["supplementary_m2"]
    assert acc["quota"]["area_m2"] == pytest.approx(verified, abs=0.01)
    assert stored["asbuilt_indicators"]["cultivated"]["supplementary_m2"] > verified
    assert "变更调查核实非耕地核减" in acc["quota"]["memo"]
    assert world["check"]["ok"]
    kinds = {(s["kind"], s["bucket"]) for s in world["balance"]["summary"]}
    assert {("bcgd", "avail"), ("bcgd", "used"), ("zz", "used")} <= kinds


def test_seed_acceptance_is_idempotent_and_seeds_the_aftercare(world) -> None:
    again = world["again"]
    assert not again["accepted"] and again["totals"] == world["accepted"]["totals"]
    assert [a["code"] for a in world["care"]] == ["GH-001"]


def test_an_accepted_project_raises_no_schedule_alerts(world) -> None:
    # its sub-projects are registered (for the sub-project acceptance) without progress reports; past
    # acceptance their progress is final, so neither 进度滞后 nor 低于计划 is raised for them
    kinds = {a["kind"] for a in world["alerts"]}
    assert not kinds & {"behind_schedule", "below_plan"}, world["alerts"]
    # nor were any raised and cleared while its closing reports were recorded
    every = {a["kind"] for a in world["all_alerts"]}
    assert not every & {"behind_schedule", "below_plan"}, world["all_alerts"]


def test_the_accepted_projects_funds_reconcile_with_its_plan_and_final_accounts(world) -> None:
    stored = json.loads((world["root"] / "data" / "results" / "acceptance" / ACCEPTED / "acceptance.json").read_text())
    rows = world["funds"]["sources"]
    # every source of the plan's 资金筹措 is arranged to the sub-projects registered at acceptance
    assert {r["source"]: r["planned"] for r in rows} == stored["investment"]["planned_by_source_wan"]
    assert all(r["unallocated"] == pytest.approx(0.0, abs=1e-6) for r in rows)
    # and disbursed as the 决算 (each sub-project's budget × 决算 / 计划, rounded to 0.01 万元 per line)
    lines = sum(1 for r in rows if r["disbursed"])
    assert sum(r["disbursed"] for r in rows) == pytest.approx(stored["investment"]["final_wan"], abs=0.01 * lines * 8)


def test_a_township_rank_beyond_the_county_is_refused(world) -> None:
    result = CliRunner().invoke(
        app, ["plan", "synth", "demo", "--out", str(world["root"] / "p9"), "--township-rank", "99"]
    )
    assert result.exit_code == 2 and "townships" in result.output
    assert not (world["root"] / "p9").exists()
