"""The files a plan-report job wrote for a project's versions (附表, 文本, 入库成果): listing and one file.

Both check first that the user may read the project; the folder is the job's (``jobs.plan_report_dir``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from landcon.errors import NotFound
from landcon.services import jobs, projects, records
from landcon.services.records import Actor


def _readable(who: Actor, code: str) -> None:
    with records.read() as session:
        projects.get_project(session, who, code)


def report_files(who: Actor, code: str, versions: Iterable[int]) -> dict[int, list[str]]:
    """File names (sorted) each version's plan report has so far; ``[]`` before the first report."""
    _readable(who, code)
    found: dict[int, list[str]] = {}
    for number in versions:
        folder = jobs.plan_report_dir(code, number)
        found[number] = sorted(f.name for f in folder.iterdir() if f.is_file()) if folder.is_dir() else []
    return found


def report_file(who: Actor, code: str, number: int, filename: str) -> Path:
    """One file of a version's plan report, by its bare name (a path in ``filename`` is ignored)."""
    _readable(who, code)
    path = jobs.plan_report_dir(code, number) / Path(filename).name
    if not path.is_file():
        raise NotFound(f"文件 {filename} 不存在：请先生成方案成果")
    return path
