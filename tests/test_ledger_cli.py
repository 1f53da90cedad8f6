"""``landcon ledger …`` end to end through the command line on both databases: JSON output, exit codes
(1 refused by a ledger rule, 2 bad input or out of scope, 3 role), and ``check`` failing on a tampered entry."""

from __future__ import annotations

import json

from ledger_fixtures import AREA, CODE, project_to
from sqlalchemy import text
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.services import records

runner = CliRunner()


def run(*args: str, user: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, *(["--as", user] if user else [])])


def ok(*args: str, user: str | None = None):  # type: ignore[no-untyped-def]
    result = run(*args, "--json", user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ledger_commands(records_world, tmp_path):
    project_to(tmp_path, "aftercare")
    issued = ok("ledger", "post", "farmland", "--project", CODE, "--doc", "云自然资核〔2027〕1号", user="yn_sup")
    assert [ln["area_mu"] for ln in issued["lines"]] == [-15.0, 15.0]
    again = ok("ledger", "post", "farmland", "--project", CODE, "--doc", "云自然资核〔2027〕1号", user="yn_sup")
    assert again["duplicate"] is True and again["id"] == issued["id"]

    # Refusals and their exit codes.
    refused = run("ledger", "post", "farmland", "--project", CODE, "--doc", "x", "--json", user="fm_sup")
    assert refused.exit_code == 3 and "只有省级用户" in json.loads(refused.stdout)["error"]["message"]
    short = run(
        "ledger", "post", "use", "--kind", "bcgd", "--area-mu", "16", "--paddy-mu", "0", "--capacity-kg", "0",
        "--doc", "富政批1", "--json", user="fm_sup",
    )  # fmt: skip
    assert short.exit_code == 1
    assert json.loads(short.stdout)["error"] == {
        "type": "InsufficientBalance",
        "message": "余额不足（面积）：富民县 补充耕地指标（可用） 现有 15.00 亩（10,000.00 m²），粮食产能 10,575 公斤，"
        "本次需要 16.00 亩（10,666.67 m²）",
    }
    both = run(
        "ledger", "post", "use", "--kind", "bcgd", "--area-mu", "1", "--area-m2", "5", "--doc", "d", user="fm_sup"
    )
    assert both.exit_code == 2 and "只能给一个" in both.output
    assert run("ledger", "balance", "--unit", "530124", user="wh_sup").exit_code == 2  # another county
    assert run("ledger", "post", "use", "--kind", "xx", "--area-mu", "1", "--doc", "d", user="fm_sup").exit_code == 2

    # Use 3 亩 of 旱地 at 等别 8 (the county is the user's own): 0 水田, 3 × 800 = 2,400 kg; then sell 4.5 亩
    # to 五华区 at 200,000 元/亩.
    used = ok("ledger", "post", "use", "--kind", "bcgd", "--area-mu", "3", "--dlbm", "0103", "--grade", "8",
              "--doc", "富政批［２０２７］1号", user="fm_sup")  # fmt: skip
    assert used["doc_no"] == "富政批〔2027〕1号"
    assert [(ln["bucket"], ln["area_mu"], ln["area_m2"], ln["paddy_mu"], ln["grain_kg"]) for ln in used["lines"]] == [
        ("avail", -3.0, -2000.0, 0.0, -2400),
        ("used", 3.0, 2000.0, 0.0, 2400),
    ]
    t = ok(
        "ledger", "transfer", "--kind", "bcgd", "--from", "530124", "--to", "530102", "--area-mu", "4.5",
        "--price", "200000", "--received", "300000", "--contract", "调剂合同001", user="fm_sup",
    )  # fmt: skip
    assert (t["transfer"]["total_yuan"], t["transfer"]["received_yuan"]) == (900_000.0, 300_000.0)
    human = run("ledger", "transfer", "--kind", "bcgd", "--from", "530124", "--to", "530102", "--area-mu", "4.5",
                "--price", "200000", "--received", "300000", "--contract", "调剂合同001", user="fm_sup")  # fmt: skip
    assert human.exit_code == 0 and "该文件已记账（未重复记账）" in human.output

    bal = ok("ledger", "balance", "--unit", "530124", "--kind", "bcgd", user="fm_sup")
    avail = next(s for s in bal["summary"] if s["bucket"] == "avail")
    assert (avail["area_mu"], avail["area_m2"]) == (7.5, 5000.0)
    province = ok("ledger", "balance", user="yn_sup")
    assert [(c["unit"], c["area_mu"]) for c in province["counties"]] == [("530102", 4.5), ("530124", 7.5)]
    text_out = run("ledger", "balance", user="yn_sup")
    assert text_out.exit_code == 0 and "各县可用指标" in text_out.output and "富民县（530124）" in text_out.output

    hist = ok("ledger", "history", "--unit", "530124", user="fm_sup")
    assert [h["doc_type"] for h in hist] == ["transfer", "use", "bcgd_issue"]
    assert [h["doc_no"] for h in ok("ledger", "history", "--unit", "530102", user="wh_sup")] == ["调剂合同001"]
    assert run("ledger", "history", user="fm_sup").exit_code == 0

    # 周转指标 and 入市 through the CLI.
    zz = ok("ledger", "post", "zz-issue", "--project", CODE, "--project-area", AREA, "--area-mu", "6",
            "--doc", "云周〔2027〕1号", "--on", "2027-03-01", user="yn_sup")  # fmt: skip
    assert zz["due_date"] == "2030-03-01"
    bad_date = run("ledger", "post", "zz-issue", "--project", CODE, "--project-area", AREA, "--area-mu", "1",
                   "--doc", "云周〔2027〕2号", "--on", "2027-3-1", user="yn_sup")  # fmt: skip
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    rv = ok("ledger", "revolving", user="yn_sup")
    assert [(r["area_code"], r["issued_mu"], r["overdue"]) for r in rv] == [(AREA, 6.0, False)]
    deal = ok(
        "ledger", "market", "add", "--contract", "富民入市1", "--parcel", "530124100201JA00001",
        "--collective", "测试村股份经济合作社", "--use", "工业", "--term", "50", "--price", "3000000",
        "--area-mu", "9", "--rate", "0.2", user="fm_author",
    )  # fmt: skip
    assert (deal["levy_yuan"], deal["collective_yuan"], deal["members_yuan"]) == (600_000.0, 720_000.0, 1_680_000.0)
    assert [d["contract_no"] for d in ok("ledger", "market", "list", user="yn_sup")] == ["富民入市1"]

    county_check = run("ledger", "check", user="fm_sup")
    assert county_check.exit_code == 3 and "只有省级用户可以操作" in county_check.output
    batch = tmp_path / "batch.csv"
    batch.write_text(
        "type,doc,unit,kind,area_mu,paddy_mu,grain_kg\nuse,富政批〔2027〕9号,530124,bcgd,1.5,0,0\n", encoding="utf-8"
    )
    imported = ok("ledger", "import", str(batch), user="fm_sup")
    assert (imported["posted"], imported["entries"]) == (1, 2)
    again = run("ledger", "import", str(batch), user="fm_sup")
    assert again.exit_code == 0 and "此前已记账而跳过 1 笔" in again.output
    batch.write_text(
        "type,doc,unit,kind,area_mu,paddy_mu,grain_kg\nuse,富政批〔2027〕10号,530124,bcgd,100,0,0\n", encoding="utf-8"
    )
    refused = run("ledger", "import", str(batch), user="fm_sup")
    assert refused.exit_code == 1 and "第 1 条" in refused.output and "余额不足" in refused.output
    checked = ok("ledger", "check", user="yn_sup")
    assert checked["ok"] and (checked["postings"], checked["entries"]) == (5, 10)
    with records.database().engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET area = area - 1 WHERE id = 3"))
    failed = run("ledger", "check", user="yn_sup")
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
