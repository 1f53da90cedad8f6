"""What date it is for deadlines, ledger postings and reports.

Deadlines are local dates: "today" is the calendar date in ``LANDCON_TIMEZONE`` (default Asia/Shanghai),
not the UTC date — between 00:00 and 08:00 Beijing time the two differ. Stored timestamps stay naive UTC
(``store.models.utcnow``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from landcon import config


def today() -> dt.date:
    """Today's date in ``LANDCON_TIMEZONE`` (default Asia/Shanghai)."""
    return dt.datetime.now(ZoneInfo(config.timezone())).date()
