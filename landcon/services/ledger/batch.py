"""Many documents in one transaction: a list of requests or a batch file (CSV)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import ledger as L
from landcon.errors import InvalidRecord, LandconError
from landcon.services import records
from landcon.services.ledger._accounts import _account_ids, _lock, _read_balances, _unit_id, _unit_names
from landcon.services.ledger._posting import Prepared, _duplicate, _new_posting, _same_terms
from landcon.services.ledger.parsing import parse_date
from landcon.services.ledger.rules import M2_PER_MU
from landcon.services.ledger.transfer import _prepare_transfer
from landcon.services.ledger.use import _prepare_freeze, _prepare_use
from landcon.services.records import Actor
from landcon.store.layers import read_csv_table
from landcon.store.models import (
    LedgerPosting,
)

_PREPARERS: dict[str, Callable[..., Prepared]] = {
    "use": _prepare_use,
    "transfer": _prepare_transfer,
    "freeze": _prepare_freeze,
    "unfreeze": lambda session, who, *args, **kw: _prepare_freeze(session, who, *args, unfreeze=True, **kw),
}


BATCH_TYPES = tuple(_PREPARERS)


def post_many(who: Actor, items: Sequence[dict[str, Any]], *, source: str = "") -> dict[str, Any]:
    """Post many documents (使用、调剂、冻结、解冻) in one transaction: all or nothing.

    Each item is ``{"type": …, **the arguments of use/transfer/freeze}``. Every item is checked as if
    posted alone, in order, on the balances the earlier items leave; a refusal names the item (its
    position and document) and nothing is written. Documents already posted with the same content are
    skipped (an import can be run again); with other content the batch is refused. Uses inside a
    项目区 are posted one by one (``use``)."""
    start = time.perf_counter()
    prepared: list[Prepared] = []
    with records.read() as session:
        for n, item in enumerate(items, start=1):
            args = dict(item)
            kind = str(args.pop("type", ""))
            try:
                if kind not in _PREPARERS:
                    raise InvalidRecord(f"记账类型 {kind!r} 不能批量登记（可用：{'、'.join(BATCH_TYPES)}）")
                p = _PREPARERS[kind](session, who, **args)
                if kind == "use" and p.doc.area_code:
                    raise InvalidRecord("项目区内的建新使用请逐条登记（landcon ledger post use --project-area）")
            except TypeError as error:
                raise InvalidRecord(f"第 {n} 条：参数有误（{error}）", path=source or None, feature=n) from error
            except LandconError as error:
                raise type(error)(f"第 {n} 条：{error.message}", path=source or None, feature=n) from error
            prepared.append(p)
    ids = _account_ids(who, [ln.account for p in prepared for ln in p.doc.expected or ()])
    posted = duplicates = entries = 0
    with records.write(who, "ledger.post_many") as session:
        _lock(session, list(ids.values()))
        balances = _read_balances(session, list(ids), ids=ids)
        names = _unit_names(session, {k.unit for k in ids})
        stored = _stored_ids(session, [(p.doc.doc_type, p.doc.doc_no) for p in prepared])
        seen: set[tuple[str, str]] = set()
        pending: list[tuple[LedgerPosting, Prepared]] = []
        for n, p in enumerate(prepared, start=1):
            key = (p.doc.doc_type, p.doc.doc_no)
            try:
                if key in seen:
                    raise L.LedgerRefused(f"{L.DOC_TYPES[key[0]]} {key[1]} 在本批中出现两次")
                seen.add(key)
                if key in stored:
                    old = session.get(LedgerPosting, stored[key])
                    assert old is not None
                    _duplicate(session, old, p.doc)
                    if p.terms is not None:
                        _same_terms(session, old.id, p)
                    duplicates += 1
                    continue
                lines = p.build(session, lambda keys: {k: balances.get(k, L.ZERO) for k in keys})
                balances.update(L.apply(lines, balances, names))
            except L.LedgerRefused as error:
                raise type(error)(
                    f"第 {n} 条（{L.DOC_TYPES[key[0]]} {key[1]}）：{error.message}", path=source or None
                ) from error
            posting = _new_posting(who, p.doc, _unit_id(session, p.doc.holder), lines, ids)
            session.add(posting)
            pending.append((posting, p))
            posted += 1
            entries += len(lines)
        session.flush()
        for posting, p in pending:
            if p.extra is not None:
                p.extra(session, posting)
    seconds = time.perf_counter() - start
    return {
        "documents": len(items),
        "posted": posted,
        "duplicates": duplicates,
        "entries": entries,
        "seconds": round(seconds, 3),
        "entries_per_second": round(entries / seconds, 1) if seconds > 0 else None,
    }


#: Columns of a batch file (CSV, UTF-8 or GBK) and what they become.
BATCH_COLUMNS: dict[str, str] = {
    "type": "记账类型：use 使用 / transfer 调剂 / freeze 冻结 / unfreeze 解冻",
    "doc": "来源文件编号（文号或合同号）",
    "unit": "单位代码（use、freeze、unfreeze）",
    "kind": "指标种类 jsjg / bcgd（zz 只能逐条在项目区内使用）",
    "area_mu": "面积（亩；或用 area_m2 列给平方米）",
    "area_m2": "面积（平方米）",
    "paddy_mu": "其中水田（亩；bcgd 使用须给此列或 dlbm）",
    "grain_kg": "粮食产能（公斤；bcgd 使用须给此列或 grade）",
    "capacity_kg": "同 grain_kg",
    "grade": "被占耕地质量等别 1–15（bcgd 使用，按每亩产能计算粮食产能）",
    "dlbm": "被占耕地地类 0101 水田 / 0102 水浇地 / 0103 旱地（bcgd 使用，定其中水田面积）",
    "from": "调出单位代码（transfer）",
    "to": "调入单位代码（transfer）",
    "counterparty": "省外对方（跨省 transfer）",
    "price": "单价 元/亩（transfer）",
    "received": "已收款 元（transfer，可空）",
    "reason": "原因（freeze、unfreeze）",
    "on": "日期 YYYY-MM-DD（可空，默认今天）",
    "memo": "备注（use，可空）",
}


def post_file(who: Actor, path: str | Path) -> dict[str, Any]:
    """Post every row of a batch file in one transaction (``post_many``); columns: ``BATCH_COLUMNS``."""
    source = str(path)
    frame = read_csv_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    unknown = [c for c in frame.columns if c not in BATCH_COLUMNS]
    if unknown:
        raise InvalidRecord(f"未知的列：{'、'.join(unknown)}（可用：{'、'.join(BATCH_COLUMNS)}）", path=source)
    for needed in ("type", "doc", "kind"):
        if needed not in frame.columns:
            raise InvalidRecord("缺少必需的列", path=source, field=needed)
    items = []
    for n, row in enumerate(frame.to_dict("records"), start=1):
        cell = {k: str(v).strip() for k, v in row.items() if str(v).strip()}
        try:
            items.append(_batch_item(cell))
        except ValueError as error:
            raise InvalidRecord(f"第 {n} 行：{error}", path=source, feature=n) from error
        except LandconError as error:
            raise InvalidRecord(f"第 {n} 行：{error.message}", path=source, field=error.field, feature=n) from error
    return post_many(who, items, source=source)


def _batch_item(cell: dict[str, str]) -> dict[str, Any]:
    def number(column: str, limit: float) -> float | None:
        return L.amount(cell[column], column, limit=limit) if column in cell else None

    if ("area_mu" in cell) == ("area_m2" in cell):
        raise ValueError("area_mu 与 area_m2 须给且只给一个")
    if "grain_kg" in cell and "capacity_kg" in cell:
        raise ValueError("grain_kg 与 capacity_kg 是同一列，只给一个")
    when = parse_date(cell.get("on"), "on")
    item: dict[str, Any] = {
        "type": cell.get("type", ""),
        "kind": cell.get("kind", ""),
        "area_m2": number("area_m2", L.MAX_AREA_M2),
        "area_mu": number("area_mu", L.MAX_AREA_M2 / M2_PER_MU),
        "paddy_mu": number("paddy_mu", L.MAX_AREA_M2 / M2_PER_MU),
        "grain_kg": number("capacity_kg" if "capacity_kg" in cell else "grain_kg", L.MAX_GRAIN_KG),
        "on": when,
    }
    if item["type"] == "transfer":
        price = number("price", L.MAX_YUAN)
        if price is None:
            raise ValueError("缺少 price")
        item.update(
            contract_no=cell.get("doc", ""), seller=cell.get("from"), buyer=cell.get("to"),
            counterparty=cell.get("counterparty", ""), price_yuan_per_mu=price,
            received_yuan=number("received", L.MAX_YUAN) or 0.0,
        )  # fmt: skip
    else:
        item.update(unit=cell.get("unit", ""), doc_no=cell.get("doc", ""))
        if item["type"] in ("freeze", "unfreeze"):
            item["reason"] = cell.get("reason", "")
        else:
            if "memo" in cell:
                item["memo"] = cell["memo"]
            for column in ("grade", "dlbm"):
                if column in cell:
                    item[column] = cell[column]
    return item


def _stored_ids(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of the documents among ``keys`` that are already posted."""
    out: dict[tuple[str, str], int] = {}
    numbers = sorted({k[1] for k in keys})
    for i in range(0, len(numbers), 500):
        rows = session.execute(
            select(LedgerPosting.id, LedgerPosting.doc_type, LedgerPosting.doc_no).where(
                LedgerPosting.doc_no.in_(numbers[i : i + 500])
            )
        )
        out.update({(t, d): int(pid) for pid, t, d in rows})
    return {k: out[k] for k in keys if k in out}
