"""Shared CLI plumbing: JSON output, one-line errors with exit codes, progress bars."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from landcon.errors import LandconError

if TYPE_CHECKING:
    from rich.progress import TaskID

# Piped output (files, CI logs) is not cut at 80 columns: problem codes and feature ids stay whole.
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200)
err_console = Console(stderr=True)

T = TypeVar("T")


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (UTF-8, Chinese kept as is)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def run_service(call: Callable[[], T], *, as_json: bool) -> T:
    """Run a service call; a ``LandconError`` becomes one line on stderr (or JSON) and an exit code."""
    try:
        return call()
    except LandconError as error:
        if as_json:
            print_json({"error": {"type": type(error).__name__, "message": str(error)}})
        else:
            err_console.print(f"[bold red]错误[/]：{error}", highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from error


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, float], None]]:
    """A Rich progress bar on stderr fed by the services' ``(stage, fraction)`` callback."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    show = enabled and err_console.is_terminal
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, fraction: float) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=1.0)
        progress.update(tasks[stage], completed=max(0.0, min(1.0, fraction)))

    with progress:
        yield update


AS_USER_HELP = "以该用户身份操作（默认 LANDCON_USER；都未给出时为命令行系统管理员） / act as this user"


def as_user_option() -> Any:
    """The ``--as USER`` option every records command takes."""
    return typer.Option("--as", envvar="LANDCON_USER", help=AS_USER_HELP)


JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]
AsOpt = Annotated[str | None, as_user_option()]


def acting(username: str | None) -> Any:
    """The services' ``Actor`` for ``--as`` (errors are the caller's ``run_service`` business)."""
    from landcon.services.records import actor

    return actor(username)
