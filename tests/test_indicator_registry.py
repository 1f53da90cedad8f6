"""The indicator registry is the one home of every plan indicator's label: every registered key
exists in the stored JSON, no label is typed anywhere else in the package, and docs/indicators.md
lists every indicator with its key, label, unit, formula and citation."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from landcon.engine.indicators.registry import INDICATORS, UNIT_NAMES, label, number, short_label, value

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "landcon"
GOLDEN = Path(__file__).parent / "data" / "plan_indicators_golden.json"
DOC = ROOT / "docs" / "indicators.md"
CJK = "\u3400-\u9fff（）"
"""A label inside a longer Chinese term (新增耕地率 in 新增耕地率不少于…) is another term, not the label."""
OTHER_REGISTRIES = ("engine/realloc/", "reports/realloc_xlsx.py", "cli/realloc.py")
"""Tenure adjustment has its own village indicators (``engine.realloc.indices.INDICATOR_LABELS``),
one of which shares a name (田块归并度) with the plan's."""


def _texts(path: Path) -> list[tuple[int, str]]:
    """The user-facing text of a source file: string literals of a module (not its docstrings), the
    text of a template (not its comments)."""
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        without = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), source, flags=re.S)
        return [(k + 1, line) for k, line in enumerate(without.splitlines())]
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    # A bare string after an assignment documents it (``X = …`` then ``"""…"""``).
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                for stmt in body:
                    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                        docstrings.add(id(stmt.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_every_key_is_in_the_stored_json() -> None:
    stored = json.loads(GOLDEN.read_text(encoding="utf-8"))["compliant"]
    for indicator in INDICATORS:
        head, _, rest = indicator.key.partition(".")
        assert head in stored, indicator.key
        if rest:
            assert rest in stored[head], indicator.key
        assert indicator.unit in UNIT_NAMES, indicator.key
        assert indicator.label and indicator.formula and indicator.citation, indicator.key
    assert len({i.key for i in INDICATORS}) == len(INDICATORS)
    assert len({i.label for i in INDICATORS}) == len(INDICATORS)


def test_labels_and_values_by_key() -> None:
    stored = json.loads(GOLDEN.read_text(encoding="utf-8"))["compliant"]
    assert label("cultivated.new_rate") == "新增耕地率"
    assert short_label("cultivated.new_m2") == "新增耕地"
    assert short_label("cultivated.new_rate") == "新增耕地率"
    assert value(stored, "cultivated.new_m2") == 76819.78
    assert value({"cultivated.new_m2": 1.0}, "cultivated.new_m2") == 1.0
    assert value(stored, "permanent_farmland.out.count") == stored["permanent_farmland"]["out"]["count"]
    assert value({}, "cultivated.new_m2") is None
    assert number({"cultivated": {"new_rate": None}}, "cultivated.new_rate") == 0.0
    with pytest.raises(KeyError, match=r"unregistered indicator: cultivated\.nope"):
        label("cultivated.nope")


def test_no_label_is_typed_outside_the_registry() -> None:
    files = [
        p
        for p in sorted(PACKAGE.rglob("*"))
        if p.suffix in (".py", ".html")
        and p.name != "registry.py"
        and "vendor" not in p.parts
        and not any(part in p.as_posix() for part in OTHER_REGISTRIES)
    ]
    found = []
    for indicator in INDICATORS:
        pattern = re.compile(f"(?<![{CJK}]){re.escape(indicator.label)}(?![{CJK}])")
        for path in files:
            for line, text in _texts(path):
                if pattern.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {indicator.label}")
    assert found == []


def _doc_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_indicator_is_documented() -> None:
    rows = _doc_rows()
    missing = [i.key for i in INDICATORS if i.key not in rows]
    assert missing == []
    for indicator in INDICATORS:
        doc_label, unit, formula, citation = rows[indicator.key][:4]
        assert doc_label == indicator.label, indicator.key
        assert unit == UNIT_NAMES[indicator.unit], indicator.key
        assert formula == indicator.formula, indicator.key
        assert citation == indicator.citation, indicator.key
    assert set(rows) == {i.key for i in INDICATORS}, sorted(set(rows) - {i.key for i in INDICATORS})
