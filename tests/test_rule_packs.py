"""Rule packs: citations name only national documents or Yunnan's own; the 田坎系数 table is a
configurable pack value, merged and checked like any other."""

from __future__ import annotations

import re

import pytest

from landcon.engine.rules import KCXS_TABLE_RULE, RULES, resolve
from landcon.engine.rules.packs import PACKS
from landcon.engine.tiankan import DEFAULT_TABLE, coefficients

OTHER_PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)  # fmt: skip
# Provincial document numbers start with the province's one-character name: 苏自然资函, 川办发, 桂自然资规 …
PROVINCIAL_NUMBER = re.compile(r"([\u4e00-\u9fff])(?:自然资|政办|办发|办函|国土资)")


@pytest.mark.parametrize("pack", ["national", "yunnan"])
def test_no_rule_cites_another_province(pack: str) -> None:
    resolved = resolve(pack)
    for rule in RULES:
        citation = resolved[rule.id]["citation"]
        assert citation, rule.id
        assert not [p for p in OTHER_PROVINCES if p in citation], (rule.id, citation)
        prefixes = {m.group(1) for m in PROVINCIAL_NUMBER.finditer(citation)} - {"云"}
        assert not prefixes, (rule.id, citation)


def test_the_citation_check_catches_the_old_citations() -> None:
    for old in ("苏自然资函〔2025〕325号；山西省实施意见（2025）", "四川省以三年为实施周期"):
        named = [p for p in OTHER_PROVINCES if p in old]
        prefixes = {m.group(1) for m in PROVINCIAL_NUMBER.finditer(old)} - {"云"}
        assert named or prefixes


def test_unknown_sources_say_so() -> None:
    pack = resolve("yunnan")
    assert "来源未知" in pack[KCXS_TABLE_RULE]["citation"] and "可配置" in pack[KCXS_TABLE_RULE]["citation"]
    assert "依据待确认" in pack["PERIOD_MAX_YEARS"]["citation"]


def test_every_pack_rule_has_a_test_and_back() -> None:
    for values in PACKS.values():
        assert set(values) == {r.id for r in RULES}


def test_tiankan_table_overrides_merge_and_are_checked() -> None:
    pack = resolve("yunnan", {KCXS_TABLE_RULE: {"threshold": {"TT": {2: 0.07}}}})
    table = pack[KCXS_TABLE_RULE]["threshold"]
    assert table["TT"]["2"] == 0.07 and table["TT"]["3"] == DEFAULT_TABLE["TT"]["3"]
    assert table["PD"] == dict(DEFAULT_TABLE["PD"])
    assert resolve("yunnan")[KCXS_TABLE_RULE]["threshold"]["TT"]["2"] == DEFAULT_TABLE["TT"]["2"]  # not mutated
    for bad in ({"TT": {"6": 0.1}}, {"XX": {"2": 0.1}}, {"TT": {"2": 1.2}}, {"TT": {"2": "a"}}):
        with pytest.raises(ValueError):
            resolve("yunnan", {KCXS_TABLE_RULE: {"threshold": bad}})
    with pytest.raises(ValueError):
        resolve("yunnan", {"PFL_SLOPE_NOT_WORSE": {"tolerance": 2}})
    with pytest.raises(KeyError):
        resolve("yunnan", {"PFL_SLOPE_NOT_WORSE": {"tolerence": 0.1}})


def test_table_lookup() -> None:
    got = coefficients(["2", "2", "2", "", "1"], ["TT", "PD", "", "TT", ""], DEFAULT_TABLE)
    assert list(got[:3]) == [0.05, 0.03, 0.05]  # unknown type: the larger value
    assert got[3] != got[3] and got[4] == 0.0  # unknown slope: NaN
