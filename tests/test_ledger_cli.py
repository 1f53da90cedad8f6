"""``landcon ledger …`` end to end through the command line on both databases: JSON output, exit codes
(1 refused by a ledger rule, 2 bad input or out of scope, 3 role), and ``check`` failing on a tampered entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ledger_fixtures import AREA, CODE, project_to
from market_fixtures import village_decides
from records_fixtures import RecordsDB
from sqlalchemy import text
from typer.testing import CliRunner, Result

from landcon.cli.main import app
from landcon.services import records

runner = CliRunner()


def run(*args: str, user: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, *(["--as", user] if user else [])])


def ok(*args: str, user: str | None = None):  # type: ignore[no-untyped-def]
    result = run(*args, "--json", user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def js(result: Result) -> Any:
    """The JSON a successful ``--json`` command printed."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def story(records_world_once: RecordsDB, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """One county's ledger through the command line, in order (each step's result by name): 15 亩
    issued to 富民县 for the project, refused and bad calls, 3 亩 used, 4.5 亩 sold to 五华区, 周转指标,
    an 入市 deal, a batch file posted twice and one refused, the integrity check before and after an
    entry is tampered with. The tests below each read one behaviour from it."""
    tmp_path = tmp_path_factory.mktemp("ledger-cli")
    project_to(tmp_path, "aftercare")
    steps: dict[str, Result] = {}
    farmland = ("ledger", "post", "farmland", "--project", CODE, "--doc", "云自然资核〔2027〕1号", "--json")
    steps["issued"] = run(*farmland, user="yn_sup")
    steps["issued_again"] = run(*farmland, user="yn_sup")
    steps["farmland_by_county"] = run(
        "ledger", "post", "farmland", "--project", CODE, "--doc", "x", "--json", user="fm_sup"
    )
    steps["short"] = run(
        "ledger", "post", "use", "--kind", "bcgd", "--area-mu", "16", "--paddy-mu", "0", "--capacity-kg", "0",
        "--doc", "富政批1", "--json", user="fm_sup",
    )  # fmt: skip
    steps["mu_and_m2"] = run(
        "ledger", "post", "use", "--kind", "bcgd", "--area-mu", "1", "--area-m2", "5", "--doc", "d", user="fm_sup"
    )
    steps["other_county"] = run("ledger", "balance", "--unit", "530124", user="wh_sup")
    steps["unknown_kind"] = run("ledger", "post", "use", "--kind", "xx", "--area-mu", "1", "--doc", "d", user="fm_sup")
    # Use 3 亩 of 旱地 at 等别 8 (the county is the user's own): 0 水田, 3 × 800 = 2,400 kg; then sell
    # 4.5 亩 to 五华区 at 200,000 元/亩.
    steps["used"] = run("ledger", "post", "use", "--kind", "bcgd", "--area-mu", "3", "--dlbm", "0103", "--grade", "8",
                        "--doc", "富政批［２０２７］1号", "--json", user="fm_sup")  # fmt: skip
    transfer = ("ledger", "transfer", "--kind", "bcgd", "--from", "530124", "--to", "530102", "--area-mu", "4.5",
                "--price", "200000", "--received", "300000", "--contract", "调剂合同001")  # fmt: skip
    steps["transfer"] = run(*transfer, "--json", user="fm_sup")
    steps["transfer_again"] = run(*transfer, user="fm_sup")
    steps["county_balance"] = run("ledger", "balance", "--unit", "530124", "--kind", "bcgd", "--json", user="fm_sup")
    steps["province_balance"] = run("ledger", "balance", "--json", user="yn_sup")
    steps["province_balance_text"] = run("ledger", "balance", user="yn_sup")
    steps["history_530124"] = run("ledger", "history", "--unit", "530124", "--json", user="fm_sup")
    steps["history_530102"] = run("ledger", "history", "--unit", "530102", "--json", user="wh_sup")
    steps["history_own"] = run("ledger", "history", user="fm_sup")
    steps["revolving_issue"] = run("ledger", "post", "zz-issue", "--project", CODE, "--project-area", AREA,
                                   "--area-mu", "6", "--doc", "云周〔2027〕1号", "--on", "2027-03-01", "--json",
                                   user="yn_sup")  # fmt: skip
    steps["bad_date"] = run("ledger", "post", "zz-issue", "--project", CODE, "--project-area", AREA, "--area-mu", "1",
                            "--doc", "云周〔2027〕2号", "--on", "2027-3-1", user="yn_sup")  # fmt: skip
    steps["revolving"] = run("ledger", "revolving", "--json", user="yn_sup")
    village_decides(CODE)  # 入市 needs 测试村's decision
    steps["market_add"] = run(
        "ledger", "market", "add", "--contract", "富民入市1", "--parcel", "530124100201JA00001",
        "--village", "530124100201", "--collective", "测试村股份经济合作社", "--use", "工业", "--term", "50",
        "--price", "3000000", "--area-mu", "9", "--rate", "0.2", "--json", user="fm_author",
    )  # fmt: skip
    steps["market_list"] = run("ledger", "market", "list", "--json", user="yn_sup")
    steps["check_by_county"] = run("ledger", "check", user="fm_sup")
    batch = tmp_path / "batch.csv"
    batch.write_text(
        "type,doc,unit,kind,area_mu,paddy_mu,grain_kg\nuse,富政批〔2027〕9号,530124,bcgd,1.5,0,0\n", encoding="utf-8"
    )
    steps["batch"] = run("ledger", "import", str(batch), "--json", user="fm_sup")
    steps["batch_again"] = run("ledger", "import", str(batch), user="fm_sup")
    batch.write_text(
        "type,doc,unit,kind,area_mu,paddy_mu,grain_kg\nuse,富政批〔2027〕10号,530124,bcgd,100,0,0\n", encoding="utf-8"
    )
    steps["batch_short"] = run("ledger", "import", str(batch), user="fm_sup")
    steps["check"] = run("ledger", "check", "--json", user="yn_sup")
    with records.database().engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET area = area - 1 WHERE id = 3"))
    steps["check_tampered"] = run("ledger", "check", user="yn_sup")
    return steps


def test_farmland_is_issued_once_per_document(story: dict[str, Result]) -> None:
    issued, again = js(story["issued"]), js(story["issued_again"])
    assert [ln["area_mu"] for ln in issued["lines"]] == [-15.0, 15.0]
    assert again["duplicate"] is True and again["id"] == issued["id"]


def test_a_county_user_may_not_issue_farmland_quota(story: dict[str, Result]) -> None:
    refused = story["farmland_by_county"]
    assert refused.exit_code == 3 and "只有省级用户" in json.loads(refused.stdout)["error"]["message"]


def test_using_more_than_the_balance_is_refused_with_exit_1(story: dict[str, Result]) -> None:
    short = story["short"]
    assert short.exit_code == 1
    assert json.loads(short.stdout)["error"] == {
        "type": "InsufficientBalance",
        "message": "余额不足（面积）：富民县 补充耕地指标（可用） 现有 15.00 亩（10,000.00 m²），粮食产能 10,575 公斤，"
        "本次需要 16.00 亩（10,666.67 m²）",
    }


def test_bad_input_exits_2(story: dict[str, Result]) -> None:
    assert story["mu_and_m2"].exit_code == 2 and "只能给一个" in story["mu_and_m2"].output
    assert story["other_county"].exit_code == 2  # another county's balance
    assert story["unknown_kind"].exit_code == 2


def test_use_normalises_the_document_number_and_counts_grain(story: dict[str, Result]) -> None:
    used = js(story["used"])
    assert used["doc_no"] == "富政批〔2027〕1号"
    assert [(ln["bucket"], ln["area_mu"], ln["area_m2"], ln["paddy_mu"], ln["grain_kg"]) for ln in used["lines"]] == [
        ("avail", -3.0, -2000.0, 0.0, -2400),
        ("used", 3.0, 2000.0, 0.0, 2400),
    ]


def test_a_transfer_totals_its_price_and_is_posted_once(story: dict[str, Result]) -> None:
    t = js(story["transfer"])
    assert (t["transfer"]["total_yuan"], t["transfer"]["received_yuan"]) == (900_000.0, 300_000.0)
    again = story["transfer_again"]
    assert again.exit_code == 0 and "该文件已记账（未重复记账）" in again.output


def test_county_balance_after_use_and_transfer(story: dict[str, Result]) -> None:
    avail = next(s for s in js(story["county_balance"])["summary"] if s["bucket"] == "avail")
    assert (avail["area_mu"], avail["area_m2"]) == (7.5, 5000.0)


def test_province_balance_lists_each_county(story: dict[str, Result]) -> None:
    province = js(story["province_balance"])
    assert [(c["unit"], c["area_mu"]) for c in province["counties"]] == [("530102", 4.5), ("530124", 7.5)]
    text_out = story["province_balance_text"]
    assert text_out.exit_code == 0 and "各县可用指标" in text_out.output and "富民县（530124）" in text_out.output


def test_history_per_county(story: dict[str, Result]) -> None:
    assert [h["doc_type"] for h in js(story["history_530124"])] == ["transfer", "use", "bcgd_issue"]
    assert [h["doc_no"] for h in js(story["history_530102"])] == ["调剂合同001"]
    assert story["history_own"].exit_code == 0


def test_revolving_quota_is_due_after_three_years(story: dict[str, Result]) -> None:
    assert js(story["revolving_issue"])["due_date"] == "2030-03-01"
    assert [(r["area_code"], r["issued_mu"], r["overdue"]) for r in js(story["revolving"])] == [(AREA, 6.0, False)]


def test_a_date_not_in_iso_form_exits_2(story: dict[str, Result]) -> None:
    assert story["bad_date"].exit_code == 2 and "YYYY-MM-DD" in story["bad_date"].output


def test_market_deal_splits_the_price(story: dict[str, Result]) -> None:
    deal = js(story["market_add"])
    assert (deal["levy_yuan"], deal["collective_yuan"], deal["members_yuan"]) == (600_000.0, 720_000.0, 1_680_000.0)
    assert [d["contract_no"] for d in js(story["market_list"])] == ["富民入市1"]


def test_the_integrity_check_needs_a_provincial_user(story: dict[str, Result]) -> None:
    county_check = story["check_by_county"]
    assert county_check.exit_code == 3 and "只有省级用户可以操作" in county_check.output


def test_a_batch_file_is_posted_once(story: dict[str, Result]) -> None:
    imported = js(story["batch"])
    assert (imported["posted"], imported["entries"]) == (1, 2)
    again = story["batch_again"]
    assert again.exit_code == 0 and "此前已记账而跳过 1 笔" in again.output


def test_a_batch_line_beyond_the_balance_is_refused_by_line(story: dict[str, Result]) -> None:
    refused = story["batch_short"]
    assert refused.exit_code == 1 and "第 1 条" in refused.output and "余额不足" in refused.output


def test_the_integrity_check_passes_then_finds_a_tampered_entry(story: dict[str, Result]) -> None:
    checked = js(story["check"])
    assert checked["ok"] and (checked["postings"], checked["entries"]) == (5, 10)
    failed = story["check_tampered"]
    assert failed.exit_code == 1 and "UNBALANCED" in failed.output


def test_amounts_out_of_range_are_one_line_errors_with_json(records_world, tmp_path):
    """NaN, inf, 1e309, 1e15 and negative amounts: exit 2 and a JSON error with ``--json``, one line without."""
    project_to(tmp_path, "aftercare")
    ok("ledger", "post", "farmland", "--project", CODE, "--doc", "云自然资核〔2027〕1号", user="yn_sup")
    use = ("ledger", "post", "use", "--kind", "bcgd", "--doc", "富政批〔2027〕7号")
    for option, typed in (
        ("--area-mu", "nan"), ("--area-mu", "inf"), ("--area-mu", "1e309"), ("--area-mu", "1e15"),
        ("--area-m2", "-5"), ("--capacity-kg", "1e309"), ("--paddy-mu", "nan"),
    ):  # fmt: skip
        amounts = {"--area-mu": "1", "--paddy-mu": "0", "--capacity-kg": "0", option: typed}
        if option == "--area-m2":
            del amounts["--area-mu"]
        args = [*use, *(x for pair in amounts.items() for x in pair)]
        result = run(*args, "--json", user="fm_sup")
        assert result.exit_code == 2, (option, typed, result.output)
        error = json.loads(result.stdout)["error"]
        assert error["type"] == "InvalidAmount" and "\n" not in error["message"]
        plain = run(*args, user="fm_sup")
        assert plain.exit_code == 2 and "Traceback" not in plain.output and len(plain.output.strip().splitlines()) == 1
    market = run(
        "ledger", "market", "add", "--contract", "入市2", "--parcel", "X", "--collective", "c", "--use", "工业",
        "--term", "40", "--price", "1e15", "--area-m2", "100", "--json", user="fm_author",
    )  # fmt: skip
    assert market.exit_code == 2 and "超出合理范围" in json.loads(market.stdout)["error"]["message"]
    checked = ok("ledger", "check", user="yn_sup")
    assert checked["ok"] and checked["postings"] == 1
