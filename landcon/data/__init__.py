"""Files shipped inside the package (reference tables, profile defaults) and the one reader of each.

``reference/`` holds public reference lists (see its README); ``profiles/`` the default profile of
each province (docs/profile.md). Everything here is read through these functions, so the store (the
profile) and the synthetic generator use the same table.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from landcon.engine.org import COUNTY
from landcon.engine.profile import AdminUnit, admin_units_from_rows

DEFAULT_PROFILE = "profiles/yunnan.yaml"
"""The packaged profile used when ``LANDCON_PROFILE`` names none."""

YUNNAN_UNITS = "reference/yunnan_admin_units.csv"
"""Yunnan's province, 16 州/市 and 129 县 (GB/T 2260; see reference/README.md)."""


def text(name: str) -> str:
    """A packaged file's text (``name`` relative to ``landcon/data``, e.g. ``profiles/yunnan.yaml``)."""
    return resources.files("landcon").joinpath("data", name).read_text("utf-8")


def binary(name: str) -> bytes:
    """A packaged file's bytes (e.g. ``reference/yunnan_admin_units.geojson``, the overview map's outlines)."""
    return resources.files("landcon").joinpath("data", name).read_bytes()


def location(name: str) -> str:
    """How a packaged file is named to users (the source of a profile value)."""
    return f"landcon/data/{name}"


def exists(name: str) -> bool:
    return resources.files("landcon").joinpath("data", name).is_file()


@cache
def admin_units(name: str = YUNNAN_UNITS) -> tuple[AdminUnit, ...]:
    """A packaged reference list of administrative units (``code,level,name,prefecture`` CSV)."""
    return admin_units_from_rows(csv.DictReader(text(name).splitlines()))


@cache
def counties(name: str = YUNNAN_UNITS) -> Mapping[str, AdminUnit]:
    """The county-level units of a packaged reference list, by code (the synthetic generator's counties)."""
    return MappingProxyType({u.code: u for u in admin_units(name) if u.level == COUNTY})
