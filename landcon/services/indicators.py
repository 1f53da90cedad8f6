"""Plan indicator labels and values for the entry points (CLI, web), from the engine's registry
(``engine.indicators.registry``: key, unit, label, formula, citation of every indicator)."""

from __future__ import annotations

from landcon.engine.indicators.registry import INDICATORS, Indicator, get, label, number, short_label, value

__all__ = ["INDICATORS", "Indicator", "get", "label", "number", "short_label", "value"]
