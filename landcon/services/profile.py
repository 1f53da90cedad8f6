"""The effective province profile (``engine.profile.Profile``), loaded once and shared.

``get_profile()`` loads it through ``store.profile`` on first use and again only when a setting it
reads changes (``LANDCON_PROFILE``, ``LANDCON_LEDGER_RULES``, or the files they name). Tests that
change settings may call ``reset()``. Entry points read it through the functions below.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from typing import Any

from landcon.engine.profile import BUILT_IN, Profile
from landcon.engine.publicity import settings_to_dict
from landcon.engine.workflow import ACCEPTED, ACHIEVED, APPROVED, MILESTONES
from landcon.store import profile as store

_lock = threading.Lock()
_cached: tuple[tuple[tuple[str, int, int], ...], Profile] | None = None


def get_profile() -> Profile:
    """The effective profile (cached; reloaded when the profile or ledger-rules setting or file changes)."""
    global _cached
    stamps = store.file_stamps()
    with _lock:
        if _cached is None or _cached[0] != stamps:
            _cached = (stamps, store.load_profile())
        return _cached[1]


def reset() -> None:
    """Forget the loaded profile (the next ``get_profile()`` reads the settings again)."""
    global _cached
    with _lock:
        _cached = None


def province_code() -> str:
    """The profile's province code (GB/T 2260), e.g. ``530000``: the default unit of province-wide views."""
    return get_profile().province_code


def show() -> dict[str, Any]:
    """The effective profile as plain data, each setting with the source it came from (``profile show``)."""
    p = get_profile()

    def item(key: str, value: Any) -> dict[str, Any]:
        return {"key": key, "value": value, "source": p.source(key)}

    m = p.milestones
    ledger = p.ledger_rules
    ledger_items = [item(f"ledger_rules.{f.name}", _plain(getattr(ledger, f.name))) for f in fields(ledger)]
    realloc = p.realloc.to_dict()
    units = p.units
    return {
        "name": p.name,
        "settings": [
            item("name", p.name),
            item("province_code", p.province_code),
            item("province_name", p.province_name),
            item(
                "reference_units", {"prefectures": len(p.prefectures), "counties": len(p.counties), "units": len(units)}
            ),
            item("rule_pack", p.rule_pack),
            item("chain", p.chain.name),
            item(f"chain.milestones.{APPROVED}", m.approved),
            item(f"chain.milestones.{ACCEPTED}", m.accepted),
            item(f"chain.milestones.{ACHIEVED}", list(m.achieved)),
            item("tiankan_table", _plain(p.tiankan_table)),
            *ledger_items,
            *(item(f"realloc.{k}", _plain(v)) for k, v in realloc.items()),
            *(item(f"supervision.{f.name}", _plain(getattr(p.supervision, f.name))) for f in fields(p.supervision)),
            *(item(f"acceptance.{f.name}", getattr(p.acceptance, f.name)) for f in fields(p.acceptance)),
            *(item(f"publicity.{k}", _plain(v)) for k, v in settings_to_dict(p.publicity).items()),
        ],
        "milestones": {k: MILESTONES[k] for k in MILESTONES},
        "stages": [{"code": s.code, "name": s.name} for s in p.chain.stages],
        "rules": {rule: _plain(values) for rule, values in p.rules.items()},
        "built_in": BUILT_IN,
    }


def _plain(value: Any) -> Any:
    """Mappings and tuples as JSON-ready dicts and lists."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


__all__ = ["get_profile", "province_code", "reset", "show"]
