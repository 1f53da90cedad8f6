"""The province profile: packaged Yunnan defaults, a province's own profile file, the ledger-rules
override, chain milestones, one county table, and ``landcon profile show``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from landcon import data as packaged
from landcon.cli.main import app
from landcon.engine import workflow as wf
from landcon.errors import InvalidRecord
from landcon.services import org, profile

PACKAGED = "默认档案 landcon/data/profiles/yunnan.yaml"


@pytest.fixture(autouse=True)
def _no_profile_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANDCON_PROFILE", raising=False)
    monkeypatch.delenv("LANDCON_LEDGER_RULES", raising=False)
    profile.reset()


def _guangxi(tmp_path: Path) -> Path:
    """A second province's profile: own units, an inline chain without 省级审批, own rule values."""
    (tmp_path / "units.csv").write_text(
        "code,level,name,prefecture\n450000,province,广西壮族自治区,\n450100,prefecture,南宁市,南宁市\n"
        "450102,county,兴宁区,南宁市\n450103,county,青秀区,南宁市\n",
        encoding="utf-8",
    )
    (tmp_path / "pack.yaml").write_text(
        "extends: national\nrules:\n  NEW_FARMLAND_MIN_5PCT: {threshold: 0.06}\n"
        "  NEW_FARMLAND_KCXS_TABLE: {threshold: {TT: {'2': 0.07}}}\n",
        encoding="utf-8",
    )
    path = tmp_path / "guangxi.yaml"
    path.write_text(
        """name: guangxi
province: {code: "450000", name: 广西壮族自治区}
reference_units: units.csv
rule_pack: pack.yaml
chain:
  name: gx
  stages:
    - {code: plan, name: 方案编制, roles: [author], level: county}
    - {code: build, name: 实施, roles: [supervisor], level: county}
    - {code: check, name: 验收, roles: [supervisor], level: prefecture}
    - {code: keep, name: 管护, level: county}
  milestones: {approved: build, accepted: check, achieved: [keep]}
ledger_rules: {market_rate: 0.3, revolving_years: 2}
realloc: {tolerance: 0.1}
""",
        encoding="utf-8",
    )
    return path


def test_the_packaged_profile_is_yunnan_with_its_sources() -> None:
    p = profile.get_profile()
    assert (p.name, p.province_code, p.province_name, p.rule_pack, p.chain.name) == (
        "yunnan",
        "530000",
        "云南省",
        "yunnan",
        "yunnan",
    )
    assert (len(p.units), len(p.prefectures), len(p.counties)) == (146, 16, 129)
    assert p.milestones == wf.Milestones(approved="implementation", accepted="acceptance", achieved=("aftercare",))
    assert p.tiankan_table["TT"]["3"] == 0.08
    assert p.source("province_code") == PACKAGED
    assert p.source("chain.milestones.approved") == PACKAGED
    assert p.source("ledger_rules.market_rate") == "内置默认值 landcon/engine/ledger.py（LedgerRules）"
    assert p.source("tiankan_table") == "内置默认值 landcon/engine/tiankan.py（DEFAULT_TABLE）"
    assert profile.get_profile() is p  # loaded once


def test_a_profile_file_overrides_every_part_and_names_itself(tmp_path, monkeypatch) -> None:
    path = _guangxi(tmp_path)
    monkeypatch.setenv("LANDCON_PROFILE", str(path))
    p = profile.get_profile()
    assert (p.name, p.province_code, profile.province_code()) == ("guangxi", "450000", "450000")
    assert {c: u.name for c, u in p.counties.items()} == {"450102": "兴宁区", "450103": "青秀区"}
    assert p.rules["NEW_FARMLAND_MIN_5PCT"]["threshold"] == 0.06
    assert p.tiankan_table["TT"]["2"] == 0.07 and p.tiankan_table["PD"]["2"] == 0.03
    assert p.milestones == wf.Milestones(approved="build", accepted="check", achieved=("keep",))
    assert (p.ledger_rules.market_rate, p.ledger_rules.revolving_years, p.ledger_rules.collective_share) == (
        0.3,
        2,
        0.30,
    )
    assert (p.realloc.tolerance, p.realloc.min_width) == (0.1, 20.0)
    source = f"LANDCON_PROFILE={path}"
    assert [p.source(k) for k in ("province_code", "chain", "ledger_rules.market_rate", "realloc.tolerance")] == [
        source
    ] * 4
    assert p.source("tiankan_table") == f"规则包 {tmp_path / 'pack.yaml'}"
    assert p.source("ledger_rules.default_grade").startswith("内置默认值")
    # The services ask the profile: reference units for `admin seed-yunnan`'s successor, the default pack.
    assert [u["code"] for u in org.reference_units()] == ["450000", "450100", "450102", "450103"]


def test_the_ledger_rules_file_overrides_the_profile_value_by_value(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LANDCON_PROFILE", str(_guangxi(tmp_path)))
    rules = tmp_path / "ledger.yaml"
    rules.write_text("market_rate: 0.25\n", encoding="utf-8")
    monkeypatch.setenv("LANDCON_LEDGER_RULES", str(rules))
    p = profile.get_profile()
    assert (p.ledger_rules.market_rate, p.ledger_rules.revolving_years) == (0.25, 2)
    assert p.source("ledger_rules.market_rate") == f"LANDCON_LEDGER_RULES={rules}"
    rules.write_text("market_rate: 0.4\n", encoding="utf-8")  # an edited file is read again
    assert profile.get_profile().ledger_rules.market_rate == 0.4


def test_a_bad_profile_file_is_refused_naming_the_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("province: {code: '530000'}\nquota: 3\n", encoding="utf-8")
    monkeypatch.setenv("LANDCON_PROFILE", str(path))
    with pytest.raises(InvalidRecord, match="未知键 quota") as info:
        profile.get_profile()
    assert str(path) in str(info.value)
    path.write_text("province: {code: '450000', name: 广西壮族自治区}\n", encoding="utf-8")  # Yunnan's units
    with pytest.raises(InvalidRecord, match="不属于 450000"):
        profile.get_profile()
    result = CliRunner().invoke(app, ["profile", "show"])
    assert result.exit_code == 2 and "不属于 450000" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_chain_milestones_decide_approved_accepted_and_achieved() -> None:
    chain = wf.YUNNAN
    assert [chain.reached(s, wf.APPROVED) for s in ("plan", "implementation", "aftercare")] == [False, True, True]
    assert [chain.reached(s, wf.ACCEPTED) for s in ("implementation", "acceptance", "aftercare")] == [
        False,
        False,
        True,
    ]
    assert [chain.reached(s, wf.ACHIEVED) for s in ("acceptance", "aftercare")] == [False, True]
    # A chain stored before chains named milestones keeps today's meaning; one without such stages never reaches them.
    stored = chain.to_dict()
    del stored["milestones"]
    assert wf.Chain.from_dict(stored).milestones == wf.STANDARD_MILESTONES
    short = {"name": "s", "stages": [{"code": "plan", "name": "方案编制"}]}
    assert wf.Chain.from_dict(short).milestones == wf.Milestones()
    assert not wf.Chain.from_dict(short).reached("plan", wf.APPROVED)
    with pytest.raises(ValueError, match="里程碑 accepted 的阶段 nowhere 不在链中"):
        wf.Chain.from_dict({**short, "milestones": {"accepted": "nowhere"}})
    with pytest.raises(ValueError, match="未知键 done"):
        wf.Chain.from_dict({**short, "milestones": {"done": "plan"}})


def test_one_county_table_for_the_profile_and_the_generator() -> None:
    assert packaged.counties()["530124"].name == "富民县"
    assert dict(packaged.counties()) == dict(profile.get_profile().counties)
    with pytest.raises(ModuleNotFoundError):
        __import__("landcon.synth.admin_units")
    outlines = json.loads(org.reference_outlines())  # the overview map's outlines, read by the same module
    assert profile.province_code() in {f["properties"]["code"] for f in outlines["features"]}


def test_profile_show_prints_each_value_with_its_source(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LANDCON_PROFILE", str(_guangxi(tmp_path)))
    result = CliRunner().invoke(app, ["profile", "show", "--json"])
    assert result.exit_code == 0, result.output
    settings = {s["key"]: (s["value"], s["source"]) for s in json.loads(result.stdout)["settings"]}
    source = f"LANDCON_PROFILE={tmp_path / 'guangxi.yaml'}"
    assert settings["province_code"] == ("450000", source)
    assert settings["chain.milestones.achieved"] == (["keep"], source)
    assert settings["ledger_rules.market_rate"] == (0.3, source)
    assert settings["realloc.unit_price"] == (20.0, "内置默认值 landcon/engine/realloc/params.py（Params）")
    text = CliRunner().invoke(app, ["profile", "show"])
    assert text.exit_code == 0 and "450000" in text.stdout and "方案编制（plan） → 实施（build）" in text.stdout
