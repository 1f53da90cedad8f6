"""docs/ledger.md keeps up with the code: every kind, account type, document type, check and rule value
is documented, and its example rule file loads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from landcon.engine import ledger

DOC = (Path(__file__).resolve().parents[1] / "docs" / "ledger.md").read_text(encoding="utf-8")


def test_codes_and_names_are_documented() -> None:
    for table in (ledger.KINDS, ledger.BUCKETS, ledger.DOC_TYPES, ledger.CHECKS):
        for code, name in table.items():
            assert f"`{code}`" in DOC, code
            assert name in DOC, name
    from landcon.services.ledger import BATCH_COLUMNS

    assert [c for c in BATCH_COLUMNS if f"`{c}`" not in DOC] == []
    fields = set(ledger.LedgerRules.__dataclass_fields__)
    assert [f for f in fields if f"`{f}`" not in DOC] == []


def test_example_rule_file_loads() -> None:
    block = re.search(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)
    assert block is not None
    rules = ledger.rules_from_dict(yaml.safe_load(block.group(1)))
    assert (rules.market_rate, rules.collective_share, rules.grain_kg_per_mu[2]) == (0.3, 0.4, 1050.0)
