"""docs/realloc.md names every indicator, parameter and violation kind the code has."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from landcon.engine.realloc.geocheck import KINDS
from landcon.engine.realloc.indices import INDICATOR_LABELS
from landcon.engine.realloc.params import Params, Weights

DOC = (Path(__file__).resolve().parents[1] / "docs" / "realloc.md").read_text(encoding="utf-8")


def test_every_indicator_key_is_documented():
    assert [k for k in INDICATOR_LABELS if f"`{k}`" not in DOC] == []


def test_every_parameter_and_weight_is_documented():
    assert [f.name for f in dataclasses.fields(Params) if f"`{f.name}`" not in DOC] == []
    assert [f.name for f in dataclasses.fields(Weights) if f"{f.name}:" not in DOC] == []


def test_every_violation_kind_is_documented():
    assert [k for k in KINDS if f"`{k}`" not in DOC] == []
