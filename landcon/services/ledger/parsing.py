"""What a user typed for a posting: dates and indicator kinds (numbers: ``services.ledger_amounts``)."""

from __future__ import annotations

import datetime as dt

from landcon.engine import ledger as L
from landcon.errors import InvalidRecord


def parse_date(text: str | None, label: str) -> dt.date | None:
    """A date typed by a user (YYYY-MM-DD); empty means none (today, where the use case defaults)."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRecord(f"{label}应为日期 YYYY-MM-DD（填写的是“{text.strip()}”）", field=label) from None


def _kind(kind: str) -> None:
    if kind not in L.KINDS:
        raise InvalidRecord(
            f"未知指标种类 {kind}（可选：{'、'.join(f'{k} {v}' for k, v in L.KINDS.items())}）", field="kind"
        )
