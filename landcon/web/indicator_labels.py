"""Plan indicator labels in the templates: Jinja globals over the indicator registry.

``register(env)`` adds ``indicator_label(key)`` (e.g. ``cultivated.new_rate`` → 新增耕地率) and
``indicator_short(key)`` (the compact label of figures and cards) to a Jinja environment.
"""

from __future__ import annotations

from typing import Any

from landcon.services import indicators


def register(env: Any) -> None:
    """Make the registry's labels available to every template rendered by ``env``."""
    env.globals["indicator_label"] = indicators.label
    env.globals["indicator_short"] = indicators.short_label
