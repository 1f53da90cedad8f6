"""``landcon task …``: 责任清单 — assign, list, count overdue per unit, complete and reopen tasks."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.services import tasks

app = typer.Typer(no_args_is_help=True)

ExpectedVersion = Annotated[
    int | None,
    typer.Option("--expected-version", help="读取时的版本号；已被他人修改则拒绝保存 / optimistic lock"),
]


def _deadline(t: dict[str, Any]) -> str:
    if t["overdue"]:
        return f"[red]{t['deadline']}（逾期 {t['days_overdue']} 天）[/]"
    return str(t["deadline"])


def tasks_table(rows: list[dict[str, Any]], title: str = "责任清单") -> Table:
    table = Table(title=title)
    for header in ("编号", "任务", "责任单位", "责任部门", "项目", "截止日期", "状态", "版本"):
        table.add_column(header, overflow="fold")
    for t in rows:
        table.add_row(
            str(t["id"]),
            t["title"],
            f"{t['unit_name']}（{t['unit']}）",
            t["department_name"] or "—",
            t["project"] or "—",
            _deadline(t),
            "[green]已办结[/]" if t["status"] == tasks.DONE else "未办结",
            str(t["version"]),
        )
    return table


def _summary(t: dict[str, Any]) -> str:
    dept = f"，{t['department_name']}" if t["department_name"] else ""
    return f"任务 #{t['id']}“{t['title']}”（{t['unit_name']}{dept}，截止 {t['deadline']}，版本 {t['version']}）"


@app.command()
def add(
    title: Annotated[str, typer.Argument(help="任务内容 / task title")],
    unit: Annotated[str, typer.Option("--unit", help="责任单位行政区划代码 / unit code")],
    deadline: Annotated[str, typer.Option("--deadline", help="截止日期 YYYY-MM-DD / deadline")],
    department: Annotated[
        str | None, typer.Option("--department", help="责任部门代码，如 zrzy、cz、xzf / department kind")
    ] = None,
    project: Annotated[str | None, typer.Option("--project", help="所属项目编号 / project code")] = None,
    note: Annotated[str, typer.Option("--note", help="说明 / note")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """下达任务 / assign a task to a unit."""
    t = run_service(
        lambda: tasks.add_task(
            acting(as_user), title, unit=unit, deadline=deadline, department=department, project=project, note=note
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(t)
    else:
        console.print(f"已下达{_summary(t)}")


@app.command("list")
def list_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="只看该单位及其下级 / unit subtree")] = None,
    project: Annotated[str | None, typer.Option("--project", help="只看该项目 / project code")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open（未办结）或 done（已办结）")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只看逾期任务 / overdue only")] = False,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看责任清单（截止日期早的在前） / list tasks."""
    rows = run_service(
        lambda: tasks.list_tasks(acting(as_user), unit=unit, project=project, status=status, overdue_only=overdue),
        as_json=as_json,
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有符合条件的任务")
        return
    console.print(tasks_table(rows))
    late = sum(1 for t in rows if t["overdue"])
    console.print(f"共 {len(rows)} 项，其中逾期 {late} 项")


@app.command()
def overdue(
    level: Annotated[
        str | None,
        typer.Option("--level", help="汇总到该层级：province、prefecture、county、township、village / roll up"),
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按单位统计逾期未办结任务（多的在前） / overdue tasks per unit."""
    rows = run_service(lambda: tasks.overdue_by_unit(acting(as_user), level=level), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有逾期任务")
        return
    table = Table(title="逾期任务（按单位）")
    for header in ("单位", "代码", "逾期任务", "最早截止", "最长逾期（天）"):
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(r["unit_name"], r["unit"], str(r["overdue"]), r["oldest_deadline"], str(r["max_days_overdue"]))
    console.print(table)
    console.print(f"共 {sum(r['overdue'] for r in rows)} 项逾期")


@app.command()
def done(
    task_id: Annotated[int, typer.Argument(help="任务编号 / task id")],
    note: Annotated[str, typer.Option("--note", help="办结说明 / completion note")] = "",
    expected_version: ExpectedVersion = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """办结任务 / complete a task."""
    t = run_service(
        lambda: tasks.complete_task(acting(as_user), task_id, note=note, expected_version=expected_version),
        as_json=as_json,
    )
    if as_json:
        print_json(t)
    else:
        console.print(f"已办结{_summary(t)}")


@app.command()
def reopen(
    task_id: Annotated[int, typer.Argument(help="任务编号 / task id")],
    reason: Annotated[str, typer.Option("--reason", help="重新打开的理由 / reason")],
    expected_version: ExpectedVersion = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """重新打开已办结的任务 / reopen a completed task."""
    t = run_service(
        lambda: tasks.reopen_task(acting(as_user), task_id, reason=reason, expected_version=expected_version),
        as_json=as_json,
    )
    if as_json:
        print_json(t)
    else:
        console.print(f"已重新打开{_summary(t)}")
