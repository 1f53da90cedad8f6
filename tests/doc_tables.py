"""Tables read from the documentation, so that tests compare the code with what the docs say
instead of with a third, hand-kept copy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
TICK = "✓"


@dataclass(frozen=True)
class PermissionTable:
    """docs/records.md's permission matrix: role columns in order, and per action (row order) its
    Chinese name and the roles ticked."""

    roles: list[str]
    names: dict[str, str]
    allowed: dict[str, set[str]]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def permission_table(records_md: str | None = None) -> PermissionTable:
    """Parse the table under the ``| 动作 action |`` header (columns: action, name, one per role)."""
    text = records_md if records_md is not None else (DOCS / "records.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| 动作 action |"))
    columns = [re.search(r"`(\w+)`", c) for c in _cells(lines[header])[2:]]
    roles = [m.group(1) if m else "" for m in columns]
    names: dict[str, str] = {}
    allowed: dict[str, set[str]] = {}
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        action = cells[0].strip("`")
        names[action] = cells[1]
        allowed[action] = {role for role, cell in zip(roles, cells[2:], strict=True) if cell == TICK}
    return PermissionTable(roles, names, allowed)
