"""``landcon`` command line. Each command group lives in its own module."""

from __future__ import annotations

import typer

from landcon import __version__
from landcon.cli import data, plan, survey

app = typer.Typer(
    name="landcon",
    help="landcon — 全域土地综合整治平台（云南） / whole-region land consolidation platform",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.add_typer(survey.app, name="survey")
app.add_typer(plan.app, name="plan")


@app.command()
def version() -> None:
    """显示版本 / show the version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
