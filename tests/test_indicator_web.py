"""The web's indicator figures take their labels from the registry (web/indicator_labels.py)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

import landcon.web
from landcon.web.indicator_labels import register

TEMPLATES = Path(landcon.web.__file__).parent / "templates"
GOLDEN = Path(__file__).parent / "data" / "plan_indicators_golden.json"


def _render(indicators: dict[str, object]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    register(env)
    template = env.from_string('{% import "_macros.html" as lc %}{{ lc.indicators(ind) }}')
    return template.render(ind=indicators)


def test_plan_figures_are_labelled_from_the_registry() -> None:
    ind = json.loads(GOLDEN.read_text(encoding="utf-8"))["compliant"]
    html = _render(ind)
    for text in ("整治区域面积", "整治前耕地", "整治后耕地", "新增耕地率 ", "永农调出", "永农调入", "永农净增"):
        assert text in html, text
    assert "建设用地变化" in html and "总投资" in html
    # 76 819.78 m² of new farmland is 115.23 亩.
    assert "115.23" in html


def test_without_permanent_farmland_layer() -> None:
    ind = json.loads(GOLDEN.read_text(encoding="utf-8"))["compliant_no_zones"]
    html = _render(ind)
    assert "数据集中无永农图层" in html and "永农调出" not in html
