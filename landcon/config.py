"""Configuration, in one place. Every setting can be given as an environment variable.

| variable | default | meaning |
|---|---|---|
| ``LANDCON_DATA_DIR`` | ``./landcon-data`` | where datasets (GeoParquet + manifest) are stored |
| ``LANDCON_AREA_DENSIFY_M`` | ``1000`` | longest edge (m) before the ellipsoid-area inverse projection |
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data directory (``LANDCON_DATA_DIR``, default ``./landcon-data``)."""
    return Path(os.environ.get("LANDCON_DATA_DIR", "landcon-data")).resolve()


def area_densify_m() -> float:
    """Maximum edge length (m) before inverse projection; 0 disables densification."""
    return float(os.environ.get("LANDCON_AREA_DENSIFY_M", "1000"))
