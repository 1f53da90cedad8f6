"""Ledger rules ; names entry points read without the engine."""

from __future__ import annotations

from landcon.engine import ledger as L
from landcon.services.profile import get_profile

#: Names for entry points (which may not import the engine): kinds, buckets, document types.
KINDS, BUCKETS, DOC_TYPES, FARMLAND_CLASSES = L.KINDS, L.BUCKETS, L.DOC_TYPES, L.FARMLAND_CLASSES
TRADABLE_KINDS = {k: KINDS[k] for k in L.TRADABLE}  # kinds a 调剂 may carry (周转指标 never)
M2_PER_MU = L.M2_PER_MU  # 亩 typed by users are converted with this one factor
LedgerRefused, InsufficientBalance = L.LedgerRefused, L.InsufficientBalance


def load_rules() -> L.LedgerRules:
    """The ledger rules: the profile's values, overridden by ``LANDCON_LEDGER_RULES`` (docs/profile.md)."""
    return get_profile().ledger_rules
