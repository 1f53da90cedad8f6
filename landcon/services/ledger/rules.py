"""Ledger rules and the project stages quota follows from; names entry points read without the engine."""

from __future__ import annotations

import yaml

from landcon import config
from landcon.engine import ledger as L
from landcon.errors import InvalidRecord

#: Names for entry points (which may not import the engine): kinds, buckets, document types.
KINDS, BUCKETS, DOC_TYPES, FARMLAND_CLASSES = L.KINDS, L.BUCKETS, L.DOC_TYPES, L.FARMLAND_CLASSES
M2_PER_MU = L.M2_PER_MU  # 亩 typed by users are converted with this one factor
LedgerRefused, InsufficientBalance = L.LedgerRefused, L.InsufficientBalance

APPROVED_STAGE = "implementation"  # a project at or past this stage has an approved plan
ACCEPTANCE_STAGE = "acceptance"  # a project past this stage has been accepted (验收)


def load_rules() -> L.LedgerRules:
    """The ledger rules: built-in values, overridden by ``LANDCON_LEDGER_RULES`` (YAML)."""
    path = config.ledger_rules_file()
    if path is None:
        return L.LedgerRules()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return L.rules_from_dict(data)
    except (OSError, yaml.YAMLError, ValueError, TypeError) as error:
        raise InvalidRecord(f"台账规则文件无法使用：{error}", path=str(path)) from error
