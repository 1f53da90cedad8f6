"""``landcon meeting …``: 会商 — record a meeting with its follow-up tasks, list and show meetings."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.services import meetings

app = typer.Typer(no_args_is_help=True)

parse_attendee, parse_follow_up = meetings.parse_attendee, meetings.parse_follow_up
FOLLOW_UP_FORMAT = meetings.FOLLOW_UP_FORMAT


@app.command()
def add(
    unit: Annotated[str, typer.Option("--unit", help="会商单位行政区划代码 / unit code")],
    title: Annotated[str, typer.Option("--title", help="会商名称 / title")],
    date: Annotated[str, typer.Option("--date", help="会商日期 YYYY-MM-DD / date held")],
    project: Annotated[str | None, typer.Option("--project", help="所议项目编号 / project code")] = None,
    topics: Annotated[str, typer.Option("--topics", help="议题 / topics")] = "",
    decisions: Annotated[str, typer.Option("--decisions", help="会商决定 / decisions")] = "",
    attendee: Annotated[
        list[str] | None,
        typer.Option("--attendee", help="参会人“姓名/部门”或用户名，可重复 / attendee (repeatable)"),
    ] = None,
    follow_up: Annotated[
        list[str] | None,
        typer.Option("--follow-up", help=f"后续任务“{FOLLOW_UP_FORMAT}”，可重复 / follow-up task (repeatable)"),
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录会商及其后续任务（一项出错则全部不保存） / record a meeting and its follow-up tasks."""

    def call() -> dict[str, Any]:
        items = [parse_follow_up(f, i) for i, f in enumerate(follow_up or [], start=1)]
        return meetings.record_meeting(
            acting(as_user),
            unit=unit,
            title=title,
            held_on=date,
            topics=topics,
            decisions=decisions,
            attendees=[parse_attendee(a) for a in attendee or []],
            project=project,
            follow_ups=items,
        )

    m = run_service(call, as_json=as_json)
    if as_json:
        print_json(m)
    else:
        console.print(
            f"已记录会商 #{m['id']}“{m['title']}”（{m['unit_name']}，{m['held_on']}），"
            f"参会 {len(m['attendees'])} 人，后续任务 {m['follow_ups']} 项"
        )


@app.command("list")
def list_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="只看该单位及其下级 / unit subtree")] = None,
    project: Annotated[str | None, typer.Option("--project", help="只看该项目 / project code")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看会商（新的在前） / list meetings."""
    rows = run_service(lambda: meetings.list_meetings(acting(as_user), unit=unit, project=project), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有会商记录")
        return
    table = Table(title="会商")
    for header in ("编号", "日期", "会商", "单位", "项目", "参会", "后续任务", "未办结", "逾期"):
        table.add_column(header, overflow="fold")
    for m in rows:
        table.add_row(
            str(m["id"]),
            m["held_on"],
            m["title"],
            m["unit_name"],
            m["project"] or "—",
            str(m["attendees"]),
            str(m["follow_ups"]),
            str(m["open"]),
            f"[red]{m['overdue']}[/]" if m["overdue"] else "0",
        )
    console.print(table)


@app.command()
def show(
    meeting_id: Annotated[int, typer.Argument(help="会商编号 / meeting id")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """会商详情：参会人、议题、决定、后续任务及办理情况 / show a meeting."""
    m = run_service(lambda: meetings.show_meeting(acting(as_user), meeting_id), as_json=as_json)
    if as_json:
        print_json(m)
        return
    console.print(f"[bold]会商 #{m['id']} {m['title']}[/]")
    console.print(f"单位：{m['unit_name']}（{m['unit']}）  日期：{m['held_on']}  项目：{m['project'] or '—'}")
    people = "、".join(f"{a['name']}（{a['department']}）" if a["department"] else a["name"] for a in m["attendees"])
    console.print(f"参会人：{people or '—'}")
    console.print(f"议题：{m['topics'] or '—'}")
    console.print(f"决定：{m['decisions'] or '—'}")
    if not m["tasks"]:
        console.print("后续任务：无")
        return
    table = Table(title="后续任务")
    for header in ("编号", "任务", "责任单位", "截止日期", "状态"):
        table.add_column(header, overflow="fold")
    for t in m["tasks"]:
        deadline = f"[red]{t['deadline']}（逾期 {t['days_overdue']} 天）[/]" if t["overdue"] else t["deadline"]
        status = "[green]已办结[/]" if t["status"] == "done" else "未办结"
        table.add_row(str(t["id"]), t["title"], t["unit_name"], deadline, status)
    console.print(table)
