"""Command-line helpers shared by the test modules that drive ``landcon`` end to end: ``run`` and ``ok``
(``--json``, exit code 0) through Typer's runner, and ``demo_sources``, a small synthetic county with an
example plan made once per module."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from landcon.cli.main import app

runner = CliRunner()


def run(*args: str, user: str | None = None):
    argv = list(args) + (["--as", user] if user else [])
    return runner.invoke(app, argv)


def ok(*args: str, user: str | None = None):
    result = run(*args, "--json", user=user)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_sources(tmp_path_factory) -> tuple[Path, Path]:
    """A small synthetic county (GeoPackage) and an example plan drawn on it, made once."""
    from landcon.services import datasets, plan

    root = tmp_path_factory.mktemp("demo-sources")
    gpkg = root / "demo.gpkg"
    datasets.synthesise(gpkg, features=1500, seed=1)
    saved = os.environ.get("LANDCON_DATA_DIR")
    os.environ["LANDCON_DATA_DIR"] = str(root / "data")
    try:
        datasets.import_dataset(gpkg, "demo")
        plan.synthesise_plan("demo", root / "plan")
    finally:
        if saved is None:
            os.environ.pop("LANDCON_DATA_DIR")
        else:
            os.environ["LANDCON_DATA_DIR"] = saved
    return gpkg, root / "plan"
