"""建新 ≤ 拆旧 in a 项目区: one rule in the engine, for 周转指标下达 and for 建新 uses alike."""

from __future__ import annotations

import pytest

from landcon.engine import ledger as L


def test_the_cap_allows_exactly_the_demolished_area_and_refuses_one_unit_more() -> None:
    cap = L.area_units(10_000.0)
    L.within_demolished("XMQ01", "建新使用", cap, cap)
    with pytest.raises(
        L.LedgerRefused,
        match=r"^项目区 XMQ01 建新使用累计将达 15\.00 亩，超过其拆旧面积 15\.00 亩（建新不得超过拆旧）$",
    ):
        L.within_demolished("XMQ01", "建新使用", cap + 1, cap)


def test_revolving_issue_uses_the_same_rule() -> None:
    cap = L.area_units(10_000.0)
    issued = L.zz_issue_lines("530124", "XMQ01", L.Qty(cap), cap=cap, issued=0)
    assert [ln.qty.area for ln in issued] == [cap, -cap]
    with pytest.raises(L.LedgerRefused, match=r"^项目区 XMQ01 周转指标累计将达 .* 亩（建新不得超过拆旧）$"):
        L.zz_issue_lines("530124", "XMQ01", L.Qty(1), cap=cap, issued=cap)
