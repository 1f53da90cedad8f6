"""The 公示 clearance rule (``engine.publicity``) at its boundaries: the period's last day, an objection
received on the end date, unanswered and upheld objections, re-publication, and the minimum period."""

from __future__ import annotations

import datetime as dt

import pytest

from landcon.engine import publicity as P

D = dt.date
START, END = D(2026, 12, 1), D(2026, 12, 7)  # 7 days, both ends counted


def notice(id: int = 1, ref: str = "1", replaces: int | None = None, *objections: P.ObjectionFacts, **over):
    values = {"start": START, "end": END, **over}
    return P.NoticeFacts(id, P.REALLOC, ref, values["start"], values["end"], replaces, objections)


def test_period_counts_both_ends_and_refuses_a_shorter_one():
    settings = P.PublicitySettings(min_days=7, min_days_by_kind={P.MARKET: 10})
    assert P.period_days(START, END) == 7
    assert P.period_problem(P.REALLOC, START, END, settings) is None
    assert P.period_problem(P.REALLOC, START, D(2026, 12, 6), settings) == (
        "公示期 2026-12-01 至 2026-12-06 共 6 天，权属调整方案的公示期不得少于 7 天"
    )
    assert P.period_problem(P.MARKET, START, END, settings) == (
        "公示期 2026-12-01 至 2026-12-07 共 7 天，集体经营性建设用地入市的公示期不得少于 10 天"
    )
    assert P.period_problem(P.PLAN, END, START, settings) == "公示结束日期 2026-12-01 早于开始日期 2026-12-07"


def test_settings_from_a_profile_table():
    s = P.settings_from_dict({"min_days": 5, "min_days_by_kind": {"realloc": 30}})
    assert (s.min_days_for("plan"), s.min_days_for("realloc")) == (5, 30)
    with pytest.raises(ValueError, match="未知事项类型 deal"):
        P.settings_from_dict({"min_days_by_kind": {"deal": 3}})
    with pytest.raises(ValueError, match="未知的公示设置项：days"):
        P.settings_from_dict({"days": 3})
    with pytest.raises(ValueError, match="至少为 1 天"):
        P.settings_from_dict({"min_days": 0})


def test_an_objection_on_the_end_date_is_received_the_day_after_is_not():
    assert P.receipt_problem(START, END, END) is None
    assert P.receipt_problem(START, END, START) is None
    assert P.receipt_problem(START, END, D(2026, 12, 8)) == (
        "异议收到日期 2026-12-08 不在公示期 2026-12-01 至 2026-12-07 内，不予受理"
    )
    assert P.receipt_problem(START, END, D(2026, 11, 30)) is not None


def test_clearance_on_the_last_day_and_the_day_after():
    n = notice()
    assert P.clearance([n], P.REALLOC, "1", END) == ["权属调整方案（版本 1）公示期未结束（至 2026-12-07）"]
    assert P.clearance([n], P.REALLOC, "1", D(2026, 12, 8)) == []
    assert P.clearance([n], P.REALLOC, None, D(2026, 12, 8)) == []
    assert P.clearance([n], P.REALLOC, "1", D(2026, 11, 30)) == ["权属调整方案（版本 1）公示尚未开始（2026-12-01 起）"]
    assert P.status(n, END) == P.OPEN and P.status(n, D(2026, 12, 8)) == P.CLEARED


def test_no_publicity_blocks():
    assert P.clearance([], P.PLAN, None, END) == ["尚无实施方案公示"]
    assert P.clearance([notice()], P.REALLOC, "2", END) == ["尚无权属调整方案（版本 2）公示"]


def test_unanswered_objections_block_after_the_period():
    received_last_day = P.ObjectionFacts(END, None)
    n = notice(1, "1", None, received_last_day, P.ObjectionFacts(START, P.DISMISSED))
    after = D(2026, 12, 20)
    assert P.clearance([n], P.REALLOC, "1", after) == ["权属调整方案（版本 1）公示有 1 条异议尚未答复"]
    assert P.status(n, after) == P.PENDING
    answered = notice(1, "1", None, P.ObjectionFacts(END, P.DISMISSED), P.ObjectionFacts(START, P.DISMISSED))
    assert P.clearance([answered], P.REALLOC, "1", after) == []


def test_an_upheld_objection_needs_a_re_publication_that_itself_clears():
    old = notice(1, "1", None, P.ObjectionFacts(D(2026, 12, 3), P.UPHELD))
    after = D(2026, 12, 8)
    assert P.clearance([old], P.REALLOC, "1", after) == ["权属调整方案（版本 1）公示有 1 条异议成立：须修改后重新公示"]
    assert P.status(old, after) == P.ENDED
    new = notice(2, "2", 1, start=D(2026, 12, 10), end=D(2026, 12, 16))
    # The old subject's clearance follows its re-publication; the new version is judged by its own.
    assert P.clearance([old, new], P.REALLOC, "1", D(2026, 12, 16)) == [
        "权属调整方案（版本 2）公示期未结束（至 2026-12-16）"
    ]
    assert P.clearance([old, new], P.REALLOC, "1", D(2026, 12, 17)) == []
    assert P.clearance([old, new], P.REALLOC, None, D(2026, 12, 17)) == []
    assert P.clearance([old, new], P.REALLOC, "2", D(2026, 12, 17)) == []
