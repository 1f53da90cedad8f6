"""Test modules share fixtures through conftest.py and the *_fixtures modules, never by importing one
another (a test module imported by another runs its module-level code twice and hides which file a
fixture belongs to)."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent
IMPORT = re.compile(r"^\s*(?:from\s+(?:tests\.)?test_\w+\s+import|import\s+(?:tests\.)?test_\w+)", re.MULTILINE)


def test_no_test_module_imports_another() -> None:
    offenders = [p.name for p in sorted(HERE.glob("*.py")) if IMPORT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
