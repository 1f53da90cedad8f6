"""The records documentation keeps up with the code.

docs/records.md must name every action of the permission matrix (with the right roles ticked),
every role, department kind, Yunnan stage and precondition; its example chain file must load;
docs/cli.md must have a synopsis line, with all its options, for every records command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from doc_tables import permission_table
from typer.core import TyperGroup

from landcon.cli.main import command_tree
from landcon.engine import org, workflow
from landcon.services.projects import load_chain

DOCS = Path(__file__).resolve().parents[1] / "docs"
RECORDS_GROUPS = ("db", "admin", "user", "project", "review", "meeting", "task", "group", "audit", "realloc", "ledger")
TOP_LEVEL = ("backup", "restore")


@pytest.fixture(scope="module")
def records_md() -> str:
    return (DOCS / "records.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cli_md() -> str:
    return (DOCS / "cli.md").read_text(encoding="utf-8")


def _missing(text: str, codes: Iterable[str]) -> list[str]:
    """Codes that do not appear in backticks."""
    return [c for c in codes if f"`{c}`" not in text]


def test_actions_roles_departments_stages_and_preconditions_are_documented(records_md: str) -> None:
    assert _missing(records_md, org.PERMISSIONS) == []
    assert _missing(records_md, org.ROLES) == []
    assert _missing(records_md, [d.code for d in org.DEPARTMENT_KINDS]) == []
    assert _missing(records_md, [s.code for s in workflow.YUNNAN.stages]) == []
    assert _missing(records_md, workflow.PRECONDITIONS) == []
    for name in [*org.ROLES.values(), *org.ACTION_NAMES.values(), *(s.name for s in workflow.YUNNAN.stages)]:
        assert name in records_md, name


def test_permission_matrix_matches_the_code(records_md: str) -> None:
    table = permission_table(records_md)
    assert table.roles == list(org.ROLES), "matrix columns must be the roles, in engine.org.ROLES order"
    assert list(table.allowed) == list(org.PERMISSIONS), "one row per action, in engine.org.PERMISSIONS order"
    for action, roles in table.allowed.items():
        assert table.names[action] == org.ACTION_NAMES[action], action
        assert roles == set(org.PERMISSIONS[action]), action


def _records_commands() -> dict[str, list[str]]:
    """``landcon <group> <cmd>`` (and ``landcon backup``/``restore``) → its long option names."""
    root = command_tree()
    assert isinstance(root, TyperGroup)
    commands: dict[str, Any] = {}
    for group in RECORDS_GROUPS:
        sub = root.commands[group]
        assert isinstance(sub, TyperGroup) and sub.commands, group
        commands |= {f"landcon {group} {name}": cmd for name, cmd in sub.commands.items()}
    commands |= {f"landcon {name}": root.commands[name] for name in TOP_LEVEL}
    return {
        name: [o for p in cmd.params for o in p.opts if o.startswith("--") and o != "--help"]
        for name, cmd in commands.items()
    }


def test_every_records_command_is_in_cli_md(cli_md: str) -> None:
    commands = _records_commands()
    missing = [c for c in commands if not re.search(re.escape(c) + r"(?![\w-])", cli_md)]
    assert missing == []
    for name, options in commands.items():
        synopsis = [line for line in cli_md.splitlines() if re.match(re.escape(name) + r"(?![\w-])", line)]
        assert synopsis, f"no synopsis line starting with {name!r}"
        absent = [o for o in options if not any(re.search(re.escape(o) + r"(?![\w-])", s) for s in synopsis)]
        assert absent == [], f"{name}: options missing from its synopsis line"


def _chain_yaml(records_md: str) -> str:
    start = records_md.index("### 审批链文件")
    block = re.search(r"^```yaml\n(.*?)^```", records_md[start:], flags=re.MULTILINE | re.DOTALL)
    assert block is not None, "no ```yaml block under the chain-file section"
    return block.group(1)


def test_example_chain_file_loads(records_md: str, tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(_chain_yaml(records_md), encoding="utf-8")
    chain = load_chain(str(path))
    workflow.validate_chain(chain)
    assert chain.name not in workflow.CHAINS
    assert chain.first.code == workflow.YUNNAN.first.code
    assert any(s.kind == workflow.REVIEW for s in chain.stages)
