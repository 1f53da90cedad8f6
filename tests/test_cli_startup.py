"""The command line starts without the heavy libraries: ``landcon --help`` and ``landcon data list``
import none of pandas, geopandas, SQLAlchemy, pydantic …, and a command loads only its own group's module.

Each check runs the command in a fresh interpreter and compares the set of loaded modules (no
wall-clock assertion; the timing is ``bench/cli_startup.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from landcon.cli.main import GROUPS, command_tree
from landcon.services import datasets

HEAVY = frozenset(
    {
        "alembic",
        "docx",
        "geopandas",
        "highspy",
        "matplotlib",
        "numpy",
        "openpyxl",
        "pandas",
        "pydantic",
        "pyarrow",
        "pyogrio",
        "pyproj",
        "scipy",
        "shapely",
        "sqlalchemy",
    }
)

PROBE = """
import json, sys
sys.argv = ["landcon", *sys.argv[1:]]
from landcon.cli.main import app
try:
    app()
except SystemExit as exit:
    code = exit.code
print("LOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_cli(*args: str, data_dir: Path) -> tuple[int, set[str], str]:
    """Exit code, loaded modules and output of ``landcon ARGS`` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LANDCON_DATA_DIR": str(data_dir)},
        check=True,
    )
    output, _, loaded = proc.stdout.rpartition("LOADED ")
    facts = json.loads(loaded)
    return facts["code"], set(facts["modules"]), output


def heavy(modules: set[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & HEAVY)


def cli_modules(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith("landcon.cli.") and m != "landcon.cli.main")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one imported demo dataset."""
    folder = tmp_path_factory.mktemp("startup")
    source = folder / "demo.gpkg"
    env = os.environ.get("LANDCON_DATA_DIR")
    os.environ["LANDCON_DATA_DIR"] = str(folder / "data")
    try:
        datasets.synthesise(source, features=200, seed=3)
        datasets.import_dataset(source, "startup-demo")
    finally:
        if env is None:
            del os.environ["LANDCON_DATA_DIR"]
        else:
            os.environ["LANDCON_DATA_DIR"] = env
    return folder / "data"


def test_help_imports_no_heavy_library_and_no_command_group(data_dir: Path) -> None:
    code, modules, output = run_cli("--help", data_dir=data_dir)
    assert code == 0
    assert all(name in output for name in GROUPS)
    assert heavy(modules) == []
    assert cli_modules(modules) == [
        "landcon.cli._common",
        "landcon.cli._lazy",
        "landcon.cli.backup",
        "landcon.cli.serve",
    ]


def test_data_list_imports_no_heavy_library_and_only_its_group(data_dir: Path) -> None:
    code, modules, output = run_cli("data", "list", data_dir=data_dir)
    assert code == 0
    assert output.startswith("startup-demo  ")
    assert heavy(modules) == []
    assert cli_modules(modules) == [
        "landcon.cli._common",
        "landcon.cli._lazy",
        "landcon.cli.backup",
        "landcon.cli.data",
        "landcon.cli.serve",
    ]


def test_each_group_is_listed_with_its_registered_help() -> None:
    root = command_tree()
    for name, spec in GROUPS.items():
        group = root.commands[name]
        assert (group.name, group.help) == (name, spec.help)
        assert group.commands, name  # type: ignore[attr-defined]
