"""Two OS processes posting to the quota ledger at the same moment, on SQLite and PostgreSQL.

Each race runs a few rounds, every round on a fresh copy of the ledger template (project FM-2027-01
accepted; ``ledger_fixtures.ledger_copy``). Two processes are spawned (``spawn`` start method)
once for the module; in each round both connect first, meet at a ``multiprocessing.Barrier`` and
then post. The parent waits with a timeout (a deadlock fails the test instead of hanging it) and
checks the outcome on the database: balances, postings, ``ledger.check`` and the audit chain.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from landcon.services import audit, ledger, records
from landcon.services.ledger import L
from landcon.store.models import LedgerPosting

ENGINES = ("sqlite", "postgresql")
A, B = "530124", "530102"
CODE = "FM-2027-01"
FARM_DOC = "云自然资核〔2027〕1号"
X_M2, GRAIN_KG = 10_000.0, 10_575  # the project's 补充耕地指标 (ledger_fixtures)
ROUNDS = 3
TIMEOUT_S = 180.0

#: (actor, ledger function, args, kwargs) — what one process posts in one round.
Call = tuple[str, str, tuple[Any, ...], dict[str, Any]]


# The workers (two spawned processes, shared by the module's tests) --------------------------------


def _worker(name: str, inbox: Any, outbox: Any, barrier: Any) -> None:
    """Per task: point LANDCON_* at the round's database, connect, wait for the other process, post,
    and report the result (or the error's type and message). ``None`` ends the process."""
    while (task := inbox.get()) is not None:
        i, url, data_dir, (actor, fn, args, kwargs) = task
        os.environ["LANDCON_DATABASE_URL"], os.environ["LANDCON_DATA_DIR"] = url, data_dir
        passed, start = False, 0.0
        try:
            who = records.actor(actor)  # opens the database before the start line
            barrier.wait(timeout=60)
            passed, start = True, time.time()
            r = getattr(ledger, fn)(who, *args, **kwargs)
            out: dict[str, Any] = {"ok": True, "id": r["id"], "duplicate": r["duplicate"]}
        except Exception as error:
            if not passed:
                barrier.abort()  # the other process must not wait for us
            out = {
                "ok": False,
                "type": type(error).__name__,
                "message": getattr(error, "message", str(error)),
                "trace": traceback.format_exc(),
            }
        out["span"] = (start, time.time())
        records.close_all()
        outbox.put((i, name, out))


class Workers:
    """Two spawned processes that post at the same moment, round after round."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.barrier = ctx.Barrier(2)
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue(), ctx.Queue()]
        self.procs = [
            ctx.Process(target=_worker, args=(name, box, self.outbox, self.barrier), daemon=True)
            for name, box in zip(("a", "b"), self.inboxes, strict=True)
        ]
        for p in self.procs:
            p.start()
        self.rounds = self.overlapping = 0

    def alive(self) -> bool:
        return all(p.is_alive() for p in self.procs)

    def race(self, i: int, url: str, data_dir: str, a: Call, b: Call) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.barrier.broken:
            self.barrier.reset()
        for box, call in zip(self.inboxes, (a, b), strict=True):
            box.put((i, url, data_dir, call))
        got: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + TIMEOUT_S
        while len(got) < 2:
            try:
                j, name, out = self.outbox.get(timeout=max(deadline - time.monotonic(), 0.1))
            except queue.Empty:
                self.kill()
                pytest.fail(f"round {i}: no result after {TIMEOUT_S:.0f} s (deadlock or hang); got {got}")
            assert j == i
            got[name] = out
        (s1, e1), (s2, e2) = got["a"]["span"], got["b"]["span"]
        self.rounds += 1
        self.overlapping += max(s1, s2) < min(e1, e2)  # both posts were in flight together
        return got["a"], got["b"]

    def stop(self) -> None:
        for box in self.inboxes:
            box.put(None)
        for p in self.procs:
            p.join(timeout=30)
        self.kill()

    def kill(self) -> None:
        for p in self.procs:
            if p.is_alive():  # pragma: no cover - only when a process hangs
                p.kill()
                p.join()


@pytest.fixture(scope="module")
def workers() -> Iterator[Callable[[], Workers]]:
    """The module's pair of processes (started again if a hang killed them)."""
    pair: list[Workers] = []

    def get() -> Workers:
        if not pair or not pair[0].alive():
            pair[:] = [Workers()]
        return pair[0]

    yield get
    if pair:
        print(f"\n[race] {pair[0].overlapping} of {pair[0].rounds} rounds had both posts in flight together")
        pair[0].stop()


# Databases --------------------------------------------------------------------------------------


class Rounds:
    """Fresh template copies, one per round; ``on(copy)`` makes one the current database."""

    def __init__(
        self, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: Workers
    ) -> None:
        from ledger_fixtures import ledger_copy  # not at module level: the workers import this module

        self.engine: str = request.param
        self.monkeypatch = monkeypatch
        self.workers = workers
        self.copies = [ledger_copy(request, self.engine, tmp_path) for _ in range(ROUNDS)]

    @contextmanager
    def on(self, copy: Any) -> Iterator[None]:
        records.close_all()
        self.monkeypatch.setenv("LANDCON_DATABASE_URL", copy.url)
        self.monkeypatch.setenv("LANDCON_DATA_DIR", str(copy.data_dir))
        try:
            yield
        finally:
            records.close_all()

    def setup(self, prepare: Callable[[], None]) -> None:
        for copy in self.copies:
            with self.on(copy):
                prepare()

    def run(self, a: Callable[[int], Call], b: Callable[[int], Call]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [self.workers.race(i, c.url, str(c.data_dir), a(i), b(i)) for i, c in enumerate(self.copies)]

    def drop(self) -> None:
        records.close_all()
        for copy in self.copies:
            copy.drop()


@pytest.fixture(params=ENGINES)
def rounds(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: Callable[[], Workers]
) -> Iterator[Rounds]:
    r = Rounds(request, tmp_path, monkeypatch, workers())
    try:
        yield r
    finally:
        r.drop()


def yn() -> records.Actor:
    return records.actor("yn_sup")


def issue_farmland() -> None:
    ledger.issue_farmland(yn(), CODE, FARM_DOC)


def holding(unit: str, kind: str, bucket: str, area_code: str = "") -> tuple[float, int]:
    """(m², kg) of one account."""
    for row in ledger.balance(yn(), unit)["accounts"]:
        if (row["kind"], row["bucket"], row["area_code"]) == (kind, bucket, area_code):
            return row["area_m2"], row["grain_kg"]
    return 0.0, 0


def postings(doc_type: str) -> int:
    with records.read() as s:
        return int(
            s.scalar(select(func.count()).select_from(LedgerPosting).where(LedgerPosting.doc_type == doc_type)) or 0
        )


def consistent() -> None:
    check = ledger.check(yn())
    assert check["ok"] and check["errors"] == 0, check["findings"]
    assert audit.verify(records.system_actor())["ok"]


def one_refused(pair: tuple[dict[str, Any], dict[str, Any]], error: str, text: str) -> tuple[dict, dict]:
    """(winner, loser): exactly one succeeded, the other raised ``error`` with ``text`` in its message."""
    a, b = pair
    assert [a["ok"], b["ok"]].count(True) == 1, pair
    won, lost = (a, b) if a["ok"] else (b, a)
    assert lost["type"] == error and text in lost["message"], lost
    return won, lost


# The races --------------------------------------------------------------------------------------


def test_two_users_spend_the_last_quota(rounds: Rounds) -> None:
    """530124 holds exactly X of 补充耕地指标; two approvals for X each: one posts, the other 余额不足."""
    rounds.setup(issue_farmland)

    def use(tag: str) -> Callable[[int], Call]:
        doc = "富政地批〔2027〕{}{}号"
        return lambda i: (
            "fm_sup",
            "use",
            (A, "bcgd", doc.format(i, tag)),
            {"area_m2": X_M2, "paddy_m2": 0, "grain_kg": GRAIN_KG},
        )

    for i, pair in enumerate(rounds.run(use("1"), use("2"))):
        one_refused(pair, "InsufficientBalance", "余额不足")
        with rounds.on(rounds.copies[i]):
            assert holding(A, "bcgd", "avail") == (0.0, 0)
            assert holding(A, "bcgd", "used") == (X_M2, GRAIN_KG)
            assert postings(L.USE) == 1
            consistent()


def test_the_same_document_posted_twice_at_once(rounds: Rounds) -> None:
    """Both processes post the same 批准文号 for half the balance: one posting; the other sees a duplicate."""
    rounds.setup(issue_farmland)

    def use(i: int) -> Call:
        return (
            "fm_sup",
            "use",
            (A, "bcgd", f"富政地批〔2027〕{i}号"),
            {"area_m2": X_M2 / 2, "paddy_m2": 0, "grain_kg": 0},
        )

    for i, (a, b) in enumerate(rounds.run(use, use)):
        assert a["ok"] and b["ok"], (a, b)
        assert a["id"] == b["id"] and sorted([a["duplicate"], b["duplicate"]]) == [False, True], (a, b)
        with rounds.on(rounds.copies[i]):
            assert holding(A, "bcgd", "avail") == (X_M2 / 2, GRAIN_KG)
            assert holding(A, "bcgd", "used") == (X_M2 / 2, 0)
            assert postings(L.USE) == 1
            consistent()


def test_opposite_transfers_at_once(rounds: Rounds) -> None:
    """530124 → 530102 (7,000 m²) and 530102 → 530124 (4,000 m²) at once, with 6,000 / 4,000 m² held: no
    deadlock; either both post (530102's first) or 530124's is refused 余额不足; quota is conserved."""

    def prepare() -> None:
        issue_farmland()
        ledger.transfer(yn(), "bcgd", "调剂合同〔2027〕0号", area_m2=4_000, price_yuan_per_mu=30_000, seller=A, buyer=B)

    rounds.setup(prepare)

    def sell(actor: str, seller: str, buyer: str, m2: float) -> Callable[[int], Call]:
        kw = {"area_m2": m2, "price_yuan_per_mu": 30_000, "seller": seller, "buyer": buyer}
        return lambda i: (actor, "transfer", ("bcgd", f"调剂合同〔2027〕{i}{seller[-1]}号"), kw)

    outcomes = []
    for i, (a, b) in enumerate(rounds.run(sell("fm_sup", A, B, 7_000), sell("wh_sup", B, A, 4_000))):
        assert b["ok"], b  # 530102 holds what it sells whatever the order
        with rounds.on(rounds.copies[i]):
            if a["ok"]:
                outcomes.append("both")
                assert holding(A, "bcgd", "avail")[0] == 3_000 and holding(B, "bcgd", "avail")[0] == 7_000
                assert postings(L.TRANSFER) == 3
            else:
                outcomes.append("530124 refused")
                assert a["type"] == "InsufficientBalance" and a["message"].startswith("余额不足"), a
                assert holding(A, "bcgd", "avail")[0] == 10_000 and holding(B, "bcgd", "avail")[0] == 0
                assert postings(L.TRANSFER) == 2
            total = [x + y for x, y in zip(holding(A, "bcgd", "avail"), holding(B, "bcgd", "avail"), strict=True)]
            assert total == [X_M2, GRAIN_KG]  # conserved
            consistent()
    print(f"\n[{rounds.engine}] opposite transfers:", outcomes)


# Rules that depend on other postings hold under concurrency: every rule is checked inside the
# posting's transaction after its accounts (and 项目区 row) are locked.


def test_the_farmland_quota_is_issued_once(rounds: Rounds) -> None:
    """Two documents for the same project's 补充耕地指标 at once: one is refused 不能重复核定."""

    def issue(tag: str) -> Callable[[int], Call]:
        return lambda i: ("yn_sup", "issue_farmland", (CODE, f"云自然资核〔2027〕{i}{tag}号"), {})

    for i, pair in enumerate(rounds.run(issue("a"), issue("b"))):
        one_refused(pair, "LedgerRefused", "不能重复核定")
        with rounds.on(rounds.copies[i]):
            assert holding(A, "bcgd", "avail") == (X_M2, GRAIN_KG)
            assert postings(L.BCGD_ISSUE) == 1
            consistent()


def test_the_revolving_cap_holds(rounds: Rounds) -> None:
    """G1 (拆旧 10,000 m²) has 1,000 m² of 周转指标; two 5,000 m² issues at once: one is refused."""
    rounds.setup(lambda: ledger.issue_revolving(yn(), CODE, "G1", 1_000, "云自然资转〔2027〕0号"))

    def issue(tag: str) -> Callable[[int], Call]:
        return lambda i: ("yn_sup", "issue_revolving", (CODE, "G1", 5_000, f"云自然资转〔2027〕{i}{tag}号"), {})

    for i, pair in enumerate(rounds.run(issue("a"), issue("b"))):
        one_refused(pair, "LedgerRefused", "超过其拆旧面积")
        with rounds.on(rounds.copies[i]):
            assert holding(A, "zz", "avail", "G1")[0] == 6_000
            consistent()


def test_first_revolving_issues_of_a_project_area(rounds: Rounds) -> None:
    """The first two 周转指标下达 of G1 at once (4,000 m² each, within the cap): both post."""

    def issue(tag: str) -> Callable[[int], Call]:
        return lambda i: ("yn_sup", "issue_revolving", (CODE, "G1", 4_000, f"云自然资转〔2027〕{i}{tag}号"), {})

    for i, (a, b) in enumerate(rounds.run(issue("a"), issue("b"))):
        assert a["ok"] and b["ok"], (a, b)
        with rounds.on(rounds.copies[i]):
            assert holding(A, "zz", "avail", "G1")[0] == 8_000
            consistent()


def test_corrections_stay_within_the_issue(rounds: Rounds) -> None:
    """The 补充耕地指标 issue (10,000 m²) and 5,000 m² bought in: two 核减 of 6,000 m² at once: one is refused."""

    def prepare() -> None:
        issue_farmland()
        ledger.transfer(
            yn(), "bcgd", "调剂合同〔2027〕0号", area_m2=5_000, price_yuan_per_mu=1, buyer=A, counterparty="浙江省"
        )

    rounds.setup(prepare)

    def correct(tag: str) -> Callable[[int], Call]:
        kw = {"area_m2": 6_000, "reason": "图斑核查核减"}
        return lambda i: ("yn_sup", "correct", ("bcgd_issue", FARM_DOC, f"云自然资减〔2027〕{i}{tag}号"), kw)

    for i, pair in enumerate(rounds.run(correct("a"), correct("b"))):
        one_refused(pair, "LedgerRefused", "超过原核定")
        with rounds.on(rounds.copies[i]):
            assert holding(A, "bcgd", "avail") == (9_000, GRAIN_KG)
            consistent()
