"""``landcon alert …``: 预警 of projects under implementation — scan, list, acknowledge, resolve,
escalate (docs/alerts.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service

app = typer.Typer(no_args_is_help=True)

AlertId = Annotated[int, typer.Argument(help="预警编号 / alert id")]


def _summary(a: dict[str, Any]) -> str:
    return f"预警 #{a['id']}（{a['project']}，{a['kind_label']}，{a['state_label']}）：{a['message']}"


@app.command()
def scan(
    project: Annotated[str | None, typer.Option("--project", help="只扫描该项目 / one project")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """重新检查管辖范围内实施中项目的预警（每天运行一次） / rescan the alerts."""
    from landcon.services import alerts

    counts = run_service(lambda: alerts.scan(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(counts)
        return
    console.print(
        f"扫描 {counts['projects']} 个项目：新增 {counts['opened']} 条，重新打开 {counts['reopened']} 条，"
        f"自动解除 {counts['resolved']} 条；未解除的预警共 {counts['open']} 条",
        highlight=False,
    )


@app.command("list")
def list_cmd(
    project: Annotated[str | None, typer.Option("--project", help="只看该项目 / project code")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="open（待处理）、acknowledged（已确认）或 resolved（已解除）")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只看该责任单位及其下级 / unit subtree")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看预警（待处理、严重的在前） / list alerts."""
    from rich.table import Table

    from landcon.services import alerts

    rows = run_service(
        lambda: alerts.list_alerts(acting(as_user), project_code=project, state=state, unit=unit), as_json=as_json
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有符合条件的预警")
        return
    table = Table(title="预警")
    for header in ("编号", "项目", "种类", "程度", "说明", "责任单位", "状态", "任务"):
        table.add_column(header, overflow="fold")
    for a in rows:
        table.add_row(
            str(a["id"]),
            a["project"],
            a["kind_label"],
            f"[red]{a['severity_label']}[/]" if a["severity"] == "serious" else a["severity_label"],
            a["message"],
            f"{a['unit_name']}（{a['unit']}）",
            a["state_label"],
            f"#{a['task_id']}" if a["task_id"] else "—",
        )
    console.print(table)
    console.print(f"共 {len(rows)} 条")


@app.command()
def ack(
    alert_id: AlertId,
    note: Annotated[str, typer.Option("--note", help="说明 / note")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """确认预警（责任单位已知悉） / acknowledge an alert."""
    from landcon.services import alerts

    a = run_service(lambda: alerts.acknowledge(acting(as_user), alert_id, note), as_json=as_json)
    if as_json:
        print_json(a)
    else:
        console.print(f"已确认{_summary(a)}", highlight=False)


@app.command()
def resolve(
    alert_id: AlertId,
    note: Annotated[str, typer.Option("--note", help="处理说明（必填） / how it was resolved")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """解除预警（须填写说明） / resolve an alert."""
    from landcon.services import alerts

    a = run_service(lambda: alerts.resolve(acting(as_user), alert_id, note), as_json=as_json)
    if as_json:
        print_json(a)
    else:
        console.print(f"已解除{_summary(a)}", highlight=False)


@app.command()
def escalate(
    alert_id: AlertId,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="任务截止日期 YYYY-MM-DD（默认按档案） / task deadline")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """将预警转为责任单位的责任清单任务 / escalate an alert to a task of its responsible unit."""
    from landcon.services import alerts

    a = run_service(lambda: alerts.escalate(acting(as_user), alert_id, deadline), as_json=as_json)
    if as_json:
        print_json(a)
    else:
        console.print(
            f"{_summary(a)}\n已转为任务 #{a['task_id']}（{a['unit_name']}，截止 {a['task_deadline']}）", highlight=False
        )
