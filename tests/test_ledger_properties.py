"""Quota ledger as a state machine (hypothesis) on SQLite and PostgreSQL, against a model of balances.

Random sequences of 使用, 调剂 (within the province both ways, and across provinces), 冻结/解冻, 核减 of
the 补充耕地指标 and of 周转指标, 周转指标下达 up to (and beyond) the 拆旧 area of 项目区 G1, 拆旧复垦验收,
and repeats of earlier documents run through ``services.ledger`` on a real database; every example
starts with the project's 补充耕地指标 issued. After every step: each unit's balances equal the model,
no holding balance is negative, ``ledger.check`` is clean (re-run whenever a posting was added; a
refused or repeated step leaves the entries unchanged, which the counts and balances show), the
entries sum to zero; every refused step raised the expected error and wrote nothing. Derandomized,
so every run is the same; the outcome counts are printed (``-s``).

One template database per backend (project FM-2027-01 driven to 验收后管护, no posting yet) is built
once per test session; each hypothesis example runs on a fresh copy (SQLite: the data directory is
copied; PostgreSQL: ``CREATE DATABASE … TEMPLATE``), made by ``ledger_fixtures.ledger_copy``, which the
race tests share.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from ledger_fixtures import CODE, DEMOLISHED_M2, FARMLAND_M2, GRAIN_KG, Copy, ledger_copy, ledger_template, use_copy
from records_fixtures import ENGINES
from sqlalchemy import func, select

from landcon.services import ledger, records
from landcon.services.ledger import L
from landcon.store.models import LedgerEntry, LedgerPosting

A, B, P = "530124", "530102", "530000"  # the project's county, another county, the province
G1 = "G1"
K = L.AccountKey
Qty = L.Qty
# The model counts areas in dm² (0.01 m²); every amount it posts is a whole number of dm², which the ledger
# (1/300 m² units) stores exactly, so the service's m² figures (2 decimals) read back exactly.
D = L.dm2(DEMOLISHED_M2)  # 拆旧 area of G1, dm²
FARM = Qty(L.dm2(FARMLAND_M2), 0, GRAIN_KG)  # 补充耕地指标 of the accepted project
FARM_DOC = "云自然资核〔2027〕1号"
SUPERVISOR = {A: "fm_sup", B: "wh_sup"}


@pytest.fixture(params=ENGINES)
def ledger_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Copy]:
    """A fresh copy of the ledger template (project accepted, nothing posted), as the current database."""
    copy = ledger_copy(request, request.param, tmp_path)
    use_copy(monkeypatch, copy)
    try:
        yield copy
    finally:
        records.close_all()
        copy.drop()


# Helpers ----------------------------------------------------------------------------------------


def counts() -> tuple[int, int]:
    """(postings, entries)."""
    with records.read() as s:
        postings = int(s.scalar(select(func.count()).select_from(LedgerPosting)) or 0)
        entries = int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
    return postings, entries


def entry_sums() -> Qty:
    with records.read() as s:
        row = s.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.area), 0),
                func.coalesce(func.sum(LedgerEntry.paddy), 0),
                func.coalesce(func.sum(LedgerEntry.grain), 0),
            )
        ).one()
    return Qty(int(row[0]), int(row[1]), int(row[2]))


def qty_of(row: dict[str, Any]) -> Qty:
    return Qty(round(row["area_m2"] * 100), round(row["paddy_m2"] * 100), int(row["grain_kg"]))


def lines_of(result: dict[str, Any]) -> list[tuple[L.AccountKey, Qty]]:
    return sorted((K(ln["unit"], ln["kind"], ln["bucket"], ln["area_code"]), qty_of(ln)) for ln in result["lines"])


def m2(dm2: int) -> float:
    return dm2 / 100


def amount(have: int, *, zero: bool = False) -> st.SearchStrategy[int]:
    """Mostly within the balance; sometimes all of it, one unit more, or far more."""
    low = 0 if zero else 1
    top = max(have, low)

    def branch(k: int) -> st.SearchStrategy[int]:
        if k <= 6:
            return st.integers(low, top)
        if k == 7:
            return st.just(top)
        if k == 8:
            return st.just(have + 1)
        return st.integers(have + 1, have + 300_000)

    return st.integers(0, 9).flatmap(branch)


@dataclass
class Posted:
    """A posted document: how to repeat it exactly, and (where the service compares content) differently."""

    what: str
    id: int
    again: Callable[[], dict[str, Any]]
    differently: Callable[[], dict[str, Any]] | None = None
    refused: str = "只能记账一次"  # what ``differently`` is refused with


@dataclass
class Context:
    request: pytest.FixtureRequest
    engine: str
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch
    outcomes: Counter[str] = field(default_factory=Counter)

    def fresh(self) -> Copy:
        copy = ledger_copy(self.request, self.engine, self.tmp_path)
        use_copy(self.monkeypatch, copy)
        return copy


# The machine ------------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    ctx: ClassVar[Context]

    def __init__(self) -> None:
        super().__init__()
        self.copy = self.ctx.fresh()
        self.actors = ledger_template(self.ctx.request, self.ctx.engine).actors
        self.bal: defaultdict[L.AccountKey, Qty] = defaultdict(Qty)
        self.postings = self.entries = 0
        self.docs: list[Posted] = []
        self.farm_corrected = Qty()
        self.zz_lent = 0  # Σ 周转指标下达 (the cap counts issues, not 核减)
        self.zz_issues: dict[str, list[Any]] = {}  # doc no → [issued dm², corrected dm²]
        self.area_known = False  # G1's snapshot exists once a 周转指标下达 or 拆旧复垦 was posted
        self.reclaimed = False
        self.numbers = itertools.count(101)  # per example, so runs are reproducible; FARM_DOC is 1号
        self.checked: tuple[int, int] | None = None  # (postings, entries) when ledger.check last ran
        yn = self.who("yn_sup")
        self.post(
            "issue_farmland",
            lambda: ledger.issue_farmland(yn, CODE, FARM_DOC),
            [(K(A, L.BCGD, L.SOURCE), -FARM), (K(A, L.BCGD, L.AVAIL), FARM)],
            # another document for the same project's 补充耕地指标
            differently=lambda: ledger.issue_farmland(yn, CODE, "云自然资核〔2027〕2号"),
            differently_refused="不能重复核定",
        )

    def teardown(self) -> None:
        records.close_all()
        self.copy.drop()

    def who(self, name: str) -> records.Actor:
        return self.actors[name]

    def doc(self, prefix: str) -> str:
        return f"{prefix}〔2027〕{next(self.numbers)}号"

    # Posting with an expected outcome ---------------------------------------------------------

    def post(
        self,
        what: str,
        call: Callable[[], dict[str, Any]],
        lines: list[tuple[L.AccountKey, Qty]] | None,
        *,
        refused: str | None = None,
        differently: Callable[[], dict[str, Any]] | None = None,
        differently_refused: str = "只能记账一次",
    ) -> dict[str, Any] | None:
        """Run ``call``. ``refused``: the expected LedgerRefused text; otherwise ``lines`` are posted unless
        they would take a holding account below zero (then InsufficientBalance "余额不足…")."""
        before = counts()
        assert before == (self.postings, self.entries)
        error: type[Exception] = L.LedgerRefused
        if refused is None and lines is not None and self._short(lines):
            refused, error = "余额不足", L.InsufficientBalance
        elif refused is None and lines is not None and self._incoherent(lines):
            refused = "须同时写明其中水田面积和粮食产能"  # it would leave more 水田 than area, or 产能 on 0 亩
        if refused is not None:
            with pytest.raises(L.LedgerRefused) as info:
                call()
            assert type(info.value) is error, info.value
            message = info.value.message
            assert refused in message, message
            if error is L.InsufficientBalance:
                assert message.startswith("余额不足"), message
            assert counts() == before, "a refused posting wrote something"
            self.ctx.outcomes[f"{what}: {refused}"] += 1
            event(f"{what}: refused ({refused})")
            note(f"{what} refused: {message}")
            return None
        assert lines is not None
        result = call()
        assert result["duplicate"] is False
        assert lines_of(result) == sorted(ln for ln in lines if not ln[1].is_zero())
        for key, q in lines:
            self.bal[key] = self.bal[key] + q
        self.postings += 1
        self.entries += sum(1 for _, q in lines if not q.is_zero())
        assert counts() == (self.postings, self.entries)
        self.docs.append(Posted(what, result["id"], call, differently, differently_refused))
        self.ctx.outcomes[f"{what}: posted"] += 1
        event(f"{what}: posted")
        note(f"{what} posted #{result['id']}: {lines}")
        return result

    def _short(self, lines: list[tuple[L.AccountKey, Qty]]) -> bool:
        after: dict[L.AccountKey, Qty] = {}
        for key, q in lines:
            after[key] = after.get(key, self.bal[key]) + q
        return any(key.bucket in L.HOLDING and q.negative() for key, q in after.items())

    def _incoherent(self, lines: list[tuple[L.AccountKey, Qty]]) -> bool:
        """A holding account left with more 水田 than area, or 产能 on 0 亩 (refused by the ledger)."""
        after: dict[L.AccountKey, Qty] = {}
        for key, q in lines:
            after[key] = after.get(key, self.bal[key]) + q
        return any(
            key.bucket in L.HOLDING and (q.paddy > q.area or (q.area == 0 and q.grain > 0)) for key, q in after.items()
        )

    def pick(self, data: st.DataObject, options: list[Any], source: Callable[[Any], L.AccountKey], label: str) -> Any:
        """One of the options, half the time among those whose source account holds something."""
        holding = [o for o in options if source(o).bucket in L.HOLDING and not self.bal[source(o)].is_zero()]
        strategy = st.sampled_from(options)
        if holding:
            strategy = st.one_of(st.sampled_from(holding), strategy)
        return data.draw(strategy, label=label)

    def draw_qty(self, data: st.DataObject, have: Qty, *, grain: bool) -> Qty:
        area = data.draw(amount(have.area), label="area dm²")
        paddy = data.draw(st.sampled_from([0, 0, 0, 0, 0, 0, 0, min(area, 100)]), label="paddy dm²")
        kg = data.draw(st.one_of(st.just(0), amount(have.grain, zero=True)), label="grain kg") if grain else 0
        return Qty(area, paddy, kg)

    # Rules ------------------------------------------------------------------------------------

    @rule(data=st.data())
    def use(self, data: st.DataObject) -> None:
        """建设用地审批使用: county 可用 (or G1's 周转指标 / 本村建房预留) → 已使用."""
        options = [(w, u) for w in ("bcgd", "jsjg") for u in (A, B)] + [("zz", A), ("reserved", A)]

        def source(option: tuple[str, str]) -> L.AccountKey:
            what, unit = option
            if what in ("zz", "reserved"):
                return K(unit, L.ZZ if what == "zz" else L.JSJG, L.AVAIL if what == "zz" else L.RESERVED, G1)
            return K(unit, what, L.AVAIL)

        what, unit = self.pick(data, options, source, "use of")
        self._use(data, what, unit, source((what, unit)))

    @precondition(lambda self: self.bal[K(A, L.ZZ, L.AVAIL, G1)].area > 0)
    @rule(data=st.data())
    def use_revolving(self, data: st.DataObject) -> None:
        """建新 in G1 on its 周转指标 (while some are available)."""
        self._use(data, "zz", A, K(A, L.ZZ, L.AVAIL, G1))

    def _use(self, data: st.DataObject, what: str, unit: str, src: L.AccountKey) -> None:
        kind, area_code, reserved = src.kind, src.area, what == "reserved"
        q = self.draw_qty(data, self.bal[src], grain=kind == L.BCGD)
        actor = data.draw(st.sampled_from([SUPERVISOR[unit], "yn_sup"]), label="actor")
        doc = self.doc("富政地批")
        kw = {"area_code": area_code, "reserved": reserved, "paddy_m2": m2(q.paddy), "grain_kg": q.grain}

        def call(area: int = q.area) -> dict[str, Any]:
            return ledger.use(self.who(actor), unit, kind, doc, area_m2=m2(area), **kw)

        def differently() -> dict[str, Any]:  # another amount, or (county quota) another county
            if area_code or q.area % 2:
                return call(area=q.area + 1)
            return ledger.use(self.who("yn_sup"), B if unit == A else A, kind, doc, area_m2=m2(q.area), **kw)

        refused = "没有项目区" if area_code and not self.area_known else None
        self.post(f"use {what}", call, [(src, -q), (K(unit, kind, L.USED, area_code), q)], refused=refused,
                  differently=differently)  # fmt: skip

    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        """调剂 530124 ⇄ 530102, or with a party outside the province; 周转指标 are not tradable."""
        parties: list[tuple[str | None, str | None]] = [(A, B), (B, A), (A, None), (B, None), (None, A), (None, B)]
        options = [(kind, s, b) for kind in (L.BCGD, L.JSJG, L.ZZ) for s, b in parties]
        kind, seller, buyer = self.pick(
            data, options, lambda o: K(o[1], o[0], L.AVAIL) if o[1] else K(P, o[0], L.EXTERNAL), "transfer"
        )
        mode = f"{seller}→{buyer}" if seller and buyer else "sell out" if seller else "buy in"
        inside = seller or buyer
        assert inside is not None
        src = K(seller, kind, L.AVAIL) if seller else K(P, kind, L.EXTERNAL)
        dst = K(buyer, kind, L.AVAIL) if buyer else K(P, kind, L.EXTERNAL)
        have = self.bal[src] if seller else Qty(200_000, 0, 500)
        q = self.draw_qty(data, have, grain=kind == L.BCGD)
        price = data.draw(st.integers(0, 300_000), label="price 元/亩")
        actor = data.draw(st.sampled_from([SUPERVISOR[inside], "yn_sup"]), label="actor")
        doc = self.doc("调剂合同")
        other = "" if seller and buyer else "浙江省绍兴市"

        def call(seller: str | None = seller, buyer: str | None = buyer) -> dict[str, Any]:
            return ledger.transfer(
                self.who(actor if (seller or buyer) == inside else "yn_sup"),
                kind,
                doc,
                area_m2=m2(q.area),
                paddy_m2=m2(q.paddy),
                grain_kg=q.grain,
                price_yuan_per_mu=price,
                seller=seller,
                buyer=buyer,
                counterparty=other,
            )

        refused = "不得调剂" if kind == L.ZZ else None
        self.post(f"transfer {mode}", call, [(src, -q), (dst, q)], refused=refused,
                  differently=lambda: call(seller=buyer, buyer=seller))  # fmt: skip

    @rule(data=st.data())
    def freeze(self, data: st.DataObject) -> None:
        """冻结 可用 → 冻结, 解冻 back (a provincial supervisor's act)."""
        options = [(u, k, f) for u in (A, B) for k in (L.BCGD, L.JSJG) for f in (False, True)]
        unit, kind, unfreeze = self.pick(
            data, options, lambda o: K(o[0], o[1], L.FROZEN if o[2] else L.AVAIL), "freeze or unfreeze"
        )
        avail, frozen = K(unit, kind, L.AVAIL), K(unit, kind, L.FROZEN)
        src, dst = (frozen, avail) if unfreeze else (avail, frozen)
        q = self.draw_qty(data, self.bal[src], grain=kind == L.BCGD)
        doc = self.doc("云自然资冻")

        def call(area: int = q.area) -> dict[str, Any]:
            return ledger.freeze(self.who("yn_sup"), unit, kind, doc, area_m2=m2(area), paddy_m2=m2(q.paddy),
                                 grain_kg=q.grain, unfreeze=unfreeze, reason="审计发现疑点")  # fmt: skip

        self.post("unfreeze" if unfreeze else "freeze", call, [(src, -q), (dst, q)],
                  differently=lambda: call(area=q.area + 1))  # fmt: skip

    @rule(data=st.data())
    def correct_farmland(self, data: st.DataObject) -> None:
        """核减 of the 补充耕地指标 by random amounts, sometimes beyond what was issued."""
        left = FARM - self.farm_corrected
        q = Qty(
            data.draw(amount(left.area), label="area dm²"),
            data.draw(st.sampled_from([0, 0, 0, 0, 0, 0, 0, 1]), label="paddy dm²"),
            data.draw(amount(left.grain, zero=True), label="grain kg"),
        )
        doc = self.doc("云自然资减")

        def call(area: int = q.area) -> dict[str, Any]:
            return ledger.correct(self.who("yn_sup"), L.BCGD_ISSUE, FARM_DOC, doc, area_m2=m2(area),
                                  paddy_m2=m2(q.paddy), grain_kg=q.grain, reason="图斑核查核减")  # fmt: skip

        over = not FARM.covers(self.farm_corrected + q)
        lines = [(K(A, L.BCGD, L.AVAIL), -q), (K(A, L.BCGD, L.SOURCE), q)]
        result = self.post("correct bcgd", call, lines, refused="超过原核定" if over else None,
                           differently=lambda: call(area=q.area - 1 if q.area > 1 else 2))  # fmt: skip
        if result is not None:
            self.farm_corrected = self.farm_corrected + q

    @precondition(lambda self: self.zz_issues)
    @rule(data=st.data())
    def correct_revolving(self, data: st.DataObject) -> None:
        """核减 of one 周转指标下达 (可用 → 应归还), at most what it issued."""
        original = data.draw(st.sampled_from(sorted(self.zz_issues)), label="original")
        issued, corrected = self.zz_issues[original]
        area = data.draw(amount(issued - corrected), label="area dm²")
        q = Qty(area)
        doc = self.doc("云自然资减")

        def call(area: int = area) -> dict[str, Any]:
            return ledger.correct(self.who("yn_sup"), L.ZZ_ISSUE, original, doc, area_m2=m2(area), reason="核减")

        lines = [(K(A, L.ZZ, L.AVAIL, G1), -q), (K(A, L.ZZ, L.OWED, G1), q)]
        differently = (lambda: call(area=area - 1 if area > 1 else 2)) if issued > 1 else None
        over = corrected + area > issued
        result = self.post("correct zz", call, lines, refused="超过原核定" if over else None, differently=differently)
        if result is not None:
            self.zz_issues[original][1] += area

    @rule(data=st.data())
    def issue_revolving(self, data: st.DataObject) -> None:
        """周转指标下达 to G1: cumulative issue ≤ its 拆旧 area (10,000 m²); none after its 拆旧复垦验收."""
        room = D - self.zz_lent
        area = data.draw(amount(room), label="area dm²")
        doc = self.doc("云自然资转")
        yn = self.who("yn_sup")
        q = Qty(area)
        lines = [(K(A, L.ZZ, L.AVAIL, G1), q), (K(A, L.ZZ, L.OWED, G1), -q)]
        refused = "周期已结束" if self.reclaimed else "超过其拆旧面积" if area > room else None
        result = self.post(
            "issue zz", lambda: ledger.issue_revolving(yn, CODE, G1, m2(area), doc), lines, refused=refused
        )
        if result is not None:
            self.zz_lent += area
            self.zz_issues[doc] = [area, 0]
            self.area_known = True

    @rule(reserve=st.one_of(st.just(0), st.integers(0, D)))
    def reclaim(self, reserve: int) -> None:
        """拆旧复垦验收 of G1 (once): unused 周转指标 lapse, the 拆旧 area repays the rest of the 周转指标, then
        the village reserve; the rest is 节余指标."""
        if self.reclaimed:
            doc, yn = self.doc("云自然资复"), self.who("yn_sup")
            self.post("reclaim again", lambda: ledger.reclaim(yn, CODE, G1, doc, reserve_m2=m2(reserve)), None,
                      refused="不能重复核定")  # fmt: skip
            return
        owed = max(-self.bal[K(A, L.ZZ, L.OWED, G1)].area, 0)
        cancelled = max(min(self.bal[K(A, L.ZZ, L.AVAIL, G1)].area, owed), 0)  # unused 周转指标 lapses
        repaid = min(D, owed - cancelled)
        reserved = min(D - repaid, reserve)
        surplus = D - repaid - reserved
        lines = [
            (K(A, L.JSJG, L.SOURCE, G1), Qty(-D)),
            (K(A, L.ZZ, L.AVAIL, G1), Qty(-cancelled)),
            (K(A, L.ZZ, L.OWED, G1), Qty(cancelled + repaid)),
            (K(A, L.JSJG, L.RESERVED, G1), Qty(reserved)),
            (K(A, L.JSJG, L.AVAIL), Qty(surplus)),
        ]
        doc, yn = self.doc("云自然资复"), self.who("yn_sup")
        self.post("reclaim", lambda: ledger.reclaim(yn, CODE, G1, doc, reserve_m2=m2(reserve)), lines)
        self.reclaimed = self.area_known = True

    @precondition(lambda self: self.docs)
    @rule(data=st.data())
    def repeat_document(self, data: st.DataObject) -> None:
        """The same document again: nothing is added, the earlier posting is returned."""
        posted = data.draw(st.sampled_from(self.docs), label="document")
        before = counts()
        again = posted.again()
        assert again["duplicate"] is True and again["id"] == posted.id, again
        assert counts() == before
        self.ctx.outcomes["repeat: duplicate"] += 1
        event("repeat: duplicate")

    @precondition(lambda self: any(p.differently for p in self.docs))
    @rule(data=st.data())
    def repeat_document_differently(self, data: st.DataObject) -> None:
        """The same document number with other content is refused (the 补充耕地指标 of a project: another
        document number for it)."""
        posted = data.draw(st.sampled_from([p for p in self.docs if p.differently]), label="document")
        assert posted.differently is not None
        self.post(f"repeat {posted.what} differently", posted.differently, None, refused=posted.refused)

    # Invariants -------------------------------------------------------------------------------

    @invariant()
    def balances_equal_the_model(self) -> None:
        yn = self.who("yn_sup")
        for unit in (A, B, P):
            report = ledger.balance(yn, unit)
            got: dict[L.AccountKey, Qty] = {}
            for row in report["accounts"]:
                key, q = K(row["unit"], row["kind"], row["bucket"], row["area_code"]), qty_of(row)
                assert key.unit == unit
                assert not (key.bucket in L.HOLDING and q.negative()), f"negative holding balance {key}: {q}"
                assert not (key.bucket in L.HOLDING and L.incoherent(q)), f"incoherent balance {key}: {q}"
                if not q.is_zero():
                    got[key] = q
            want = {k: v for k, v in self.bal.items() if k.unit == unit and not v.is_zero()}
            assert got == want, f"{unit}: service {got} ≠ model {want}"
            if unit == P:  # the province's view of every county's 可用
                counties = {(c["unit"], c["kind"]): qty_of(c) for c in report["counties"]}
                model: defaultdict[tuple[str, str], Qty] = defaultdict(Qty)
                for k, v in self.bal.items():
                    if k.bucket == L.AVAIL:
                        model[(k.unit, k.kind)] = model[(k.unit, k.kind)] + v
                assert {k: v for k, v in counties.items() if not v.is_zero()} == {
                    k: v for k, v in model.items() if not v.is_zero()
                }
        assert all(not v.negative() for k, v in self.bal.items() if k.bucket in L.HOLDING)

    @invariant()
    def ledger_checks_clean(self) -> None:
        # A refused or repeated step leaves the entries as they were (the counts and balances show it), so
        # the whole-ledger check is re-run whenever a posting was added.
        if self.checked == (self.postings, self.entries):
            return
        self.checked = (self.postings, self.entries)
        result = ledger.check(self.who("yn_sup"))
        assert result["ok"] and result["errors"] == 0, result["findings"]
        assert (result["postings"], result["entries"]) == (self.postings, self.entries)

    @invariant()
    def entries_sum_to_zero(self) -> None:
        assert entry_sums().is_zero()


SETTINGS = {
    "sqlite": settings(max_examples=30, stateful_step_count=12),
    "postgresql": settings(max_examples=10, stateful_step_count=12),
}


@pytest.mark.parametrize("engine", ENGINES)
def test_ledger_state_machine(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Context(request, engine, tmp_path, monkeypatch)
    ledger_template(request, engine)  # built outside the examples' timing
    machine = type(f"LedgerMachine_{engine}", (LedgerMachine,), {"ctx": ctx})
    run_state_machine_as_test(
        machine,
        settings=settings(
            SETTINGS[engine],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    print(f"\n[{engine}] outcomes:", dict(sorted(ctx.outcomes.items())))
    seen = set(ctx.outcomes)
    # The refusals the properties are about did happen (derandomized: the same run every time). The
    # shorter PostgreSQL run must at least have refused a short balance and repeated a document.
    required = ("余额不足", "超过原核定", "只能记账一次", "不得调剂", "超过其拆旧面积", "repeat: duplicate")
    for expected in required if engine == "sqlite" else ("余额不足", "repeat: duplicate"):
        assert any(expected in s for s in seen), f"no step exercised {expected}: {ctx.outcomes}"


# Known rule gaps (documented; strict: they fail loudly once the service is fixed) ---------------


@pytest.mark.parametrize("ledger_db", ["sqlite"], indirect=True)
def test_a_project_area_is_reclaimed_once(ledger_db: Copy) -> None:
    yn = records.actor("yn_sup")
    ledger.reclaim(yn, CODE, G1, "云自然资复〔2027〕1号", reserve_m2=0)
    with pytest.raises(L.LedgerRefused, match=r"已由 云自然资复〔2027〕1号 核定拆旧复垦指标.*不能重复核定"):
        ledger.reclaim(yn, CODE, G1, "云自然资复〔2027〕2号", reserve_m2=0)


@pytest.mark.parametrize("ledger_db", ["sqlite"], indirect=True)
def test_revolving_after_reclaim_cannot_build_beyond_demolition(ledger_db: Copy) -> None:
    yn, fm = records.actor("yn_sup"), records.actor("fm_sup")
    half = DEMOLISHED_M2 / 2
    ledger.issue_revolving(yn, CODE, G1, half, "云自然资转〔2027〕1号")
    ledger.use(fm, A, L.ZZ, "富政地批〔2027〕1号", area_m2=half, area_code=G1)
    ledger.reclaim(yn, CODE, G1, "云自然资复〔2027〕1号", reserve_m2=half)  # repays half, reserves half
    ledger.use(fm, A, L.JSJG, "富政地批〔2027〕2号", area_m2=half, area_code=G1, reserved=True)
    assert ledger.check(yn)["ok"]  # 建新 = 拆旧 so far
    with pytest.raises(L.LedgerRefused, match="周转指标周期已结束，不能再下达"):
        ledger.issue_revolving(yn, CODE, G1, half, "云自然资转〔2027〕2号")
    result = ledger.check(yn)
    assert result["ok"], result["findings"]
