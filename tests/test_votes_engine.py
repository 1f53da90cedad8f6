"""村民会议 / 村民代表会议 results at their boundaries (``engine.votes``): quorum and majorities on
integers, so 2/3 of 30 needs exactly 20 and more than half of 30 needs 16."""

from __future__ import annotations

from fractions import Fraction

import pytest

from landcon.engine import votes as V


def _result(
    kind: str, motion: str, eligible: int, present: int, yes: int, no: int = 0, abstain: int = 0
) -> V.VoteResult:
    return V.vote_result(kind, motion, eligible=eligible, present=present, in_favour=yes, against=no, abstain=abstain)


def test_needed_is_exact_on_integers() -> None:
    assert V.needed(Fraction(2, 3), 30, strict=False) == 20
    assert V.needed(Fraction(2, 3), 31, strict=False) == 21  # 20.67 → 21
    assert V.needed(Fraction(1, 2), 30, strict=True) == 16
    assert V.needed(Fraction(1, 2), 31, strict=True) == 16  # 15.5 → 16
    assert V.needed(Fraction(2, 3), 0, strict=False) == 0


def test_representatives_quorum_two_thirds_at_the_boundary() -> None:
    ok = _result(V.REPRESENTATIVES, V.OTHER, 30, 20, 11)
    assert (ok.valid, ok.passed, ok.quorum_needed) == (True, True, 20)
    short = _result(V.REPRESENTATIVES, V.OTHER, 30, 19, 19)
    assert (short.valid, short.passed) == (False, False)
    assert short.reason == "会议无效：应到 30 人，到会 19 人，村民代表会议须2/3以上到会（至少 20 人）"


def test_villagers_quorum_more_than_half_at_the_boundary() -> None:
    assert _result(V.VILLAGERS, V.OTHER, 30, 16, 9).valid is True
    half = _result(V.VILLAGERS, V.OTHER, 30, 15, 15)
    assert (half.valid, half.passed, half.quorum_needed) == (False, False, 16)
    assert half.reason.startswith("会议无效：应到 30 人，到会 15 人，村民会议须过半数到会（至少 16 人）")


@pytest.mark.parametrize("kind", V.MEETING_KINDS)
@pytest.mark.parametrize("motion", [V.TENURE_SCHEME, V.MARKET_ENTRY, V.DEMOLITION, V.PLAN])
def test_reserved_matters_need_two_thirds_of_attendees(kind: str, motion: str) -> None:
    passed = _result(kind, motion, 30, 30, 20, 10)
    failed = _result(kind, motion, 30, 30, 19, 10, 1)
    assert (passed.valid, passed.passed, passed.votes_needed) == (True, True, 20)
    assert (failed.valid, failed.passed, failed.votes_needed) == (True, False, 20)
    assert failed.reason.startswith("表决未通过：")
    assert failed.reason.endswith(f"赞成 19 人，{V.MOTION_KINDS[motion]}须到会人员2/3以上赞成（至少 20 人）")


def test_other_matters_need_more_than_half_of_attendees() -> None:
    assert _result(V.VILLAGERS, V.OTHER, 40, 30, 16).passed is True
    tie = _result(V.VILLAGERS, V.OTHER, 40, 30, 15, 15)
    assert (tie.valid, tie.passed, tie.votes_needed) == (True, False, 16)


def test_citations_name_the_statutes() -> None:
    tenure = _result(V.REPRESENTATIVES, V.TENURE_SCHEME, 30, 30, 30)
    assert "村民委员会组织法》第二十五条" in tenure.citation
    assert "农村土地承包法》第二十八条" in tenure.citation
    assert "土地管理法》第六十三条" in _result(V.VILLAGERS, V.MARKET_ENTRY, 30, 30, 30).citation


def test_base_of_all_members_is_a_pack_value() -> None:
    strict = {**V.VOTE_MAJORITY, V.TENURE_SCHEME: {**V.VOTE_MAJORITY[V.TENURE_SCHEME], "base": V.ELIGIBLE}}
    r = V.vote_result(
        V.VILLAGERS, V.TENURE_SCHEME, eligible=30, present=20, in_favour=19, against=1, abstain=0, majority=strict
    )
    assert (r.valid, r.passed, r.votes_needed) == (True, False, 20)
    assert "须应到人员2/3以上赞成（至少 20 人）" in r.reason


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("村委会", V.OTHER, 30, 20, (10, 0, 0)), "kind", "会议类型应为 村民会议、村民代表会议，不是 '村委会'"),
        ((V.VILLAGERS, "budget", 30, 20, (10, 0, 0)), "motion_kind", "表决事项类型应为"),
        ((V.VILLAGERS, V.OTHER, 0, 0, (0, 0, 0)), "eligible", "应到人数应大于 0"),
        ((V.VILLAGERS, V.OTHER, 30, 31, (10, 0, 0)), "present", "到会人数 31 超过应到人数 30"),
        ((V.VILLAGERS, V.OTHER, 30, 20, (15, 5, 1)), "for", "赞成 15、反对 5、弃权 1 合计 21 超过到会人数 20"),
        ((V.VILLAGERS, V.OTHER, 30, 20, (-1, 0, 0)), "for", "人数应为非负整数，不是 -1"),
    ],
)
def test_impossible_counts_are_named(args: tuple, field: str, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(V.VoteCountError, match=message) as caught:
        V.check_counts(*args)
    assert caught.value.field == field
