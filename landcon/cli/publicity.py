"""``landcon publicity …``: 公示 of a project's subjects, objections and answers, and the printable
notice (docs/publicity.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service

app = typer.Typer(no_args_is_help=True)

Project = Annotated[str, typer.Argument(help="项目编号 / project code")]
Number = Annotated[int, typer.Argument(help="公示编号（项目内 1, 2, …） / publicity number")]
OnOpt = Annotated[str | None, typer.Option("--on", help="按该日期判断状态 YYYY-MM-DD（默认今天） / as of")]


@app.command()
def publish(
    project: Project,
    kind: Annotated[str, typer.Option("--kind", help="事项类型：plan, willingness, realloc, market, other")],
    place: Annotated[str, typer.Option("--place", help="公示地点，如 村务公开栏、乡镇政府网站 / place")],
    start: Annotated[str, typer.Option("--start", help="公示开始日期 YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--end", help="公示结束日期 YYYY-MM-DD（含当天）")],
    ref: Annotated[str, typer.Option("--ref", help="事项编号：实施方案、权属调整方案的版本号 / subject ref")] = "",
    place_unit: Annotated[
        str | None, typer.Option("--place-unit", help="公示地点所在乡镇或村的代码 / unit of the place")
    ] = None,
    title: Annotated[str, typer.Option("--title", help="标题（默认按事项生成） / title")] = "",
    notice: Annotated[str, typer.Option("--notice", help="公示内容 / notice text")] = "",
    contact: Annotated[str, typer.Option("--contact", help="异议受理联系方式 / contact for objections")] = "",
    replaces: Annotated[
        int | None, typer.Option("--replaces", help="异议成立后重新公示：被替代的公示编号 / re-publication of")
    ] = None,
    table: Annotated[Path | None, typer.Option("--table", help="附表文件（xlsx 等） / attached table")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """发布公示 / publish a 公示 of a project's subject."""
    from landcon.services import publicity

    p = run_service(
        lambda: publicity.publish(
            acting(as_user),
            project,
            kind=kind,
            ref=ref,
            place=place,
            place_unit=place_unit,
            start=start,
            end=end,
            title=title,
            notice=notice,
            contact=contact,
            replaces=replaces,
            table=table,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(p)
    else:
        console.print(
            f"已发布第 {p['number']} 号公示：{p['subject']}，{p['place']}，"
            f"{p['start']} 至 {p['end']}（{p['days']} 天）",
            highlight=False,
        )


def _table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="公示")
    for header in ("编号", "事项", "地点", "公示期", "发布单位", "异议", "状态"):
        table.add_column(header, overflow="fold")
    for p in rows:
        answered = len(p["objections"]) - p["unanswered"]
        table.add_row(
            str(p["number"]),
            p["subject"],
            f"{p['place_unit_name'] or ''}{p['place']}",
            f"{p['start']} – {p['end']}",
            p["unit_name"],
            f"{len(p['objections'])}（已答复 {answered}）",
            p["status_name"],
        )
    return table


@app.command("list")
def list_cmd(project: Project, on: OnOpt = None, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """查看项目的公示及其状态 / list the project's 公示."""
    from landcon.services import publicity

    rows = run_service(lambda: publicity.list_publicities(acting(as_user), project, on=on), as_json=as_json)
    if as_json:
        print_json(rows)
    elif not rows:
        console.print(f"项目 {project} 没有公示")
    else:
        console.print(_table(rows))


@app.command()
def show(project: Project, number: Number, on: OnOpt = None, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """查看一次公示、异议与答复，及该事项是否已通过 / one 公示 with its objections and clearance."""
    from landcon.services import publicity

    p = run_service(lambda: publicity.show(acting(as_user), project, number, on=on), as_json=as_json)
    if as_json:
        print_json(p)
        return
    console.print(_table([p]))
    for o in p["objections"]:
        who = f"{o['name']}（{o['household']}）" if o["household"] else o["name"]
        console.print(f"异议 {o['id']}：{who} {o['received_on']} {o['content']}", highlight=False)
        if o["outcome"]:
            console.print(f"  答复（{o['outcome_name']}，{o['answered_on']}）：{o['answer']}", highlight=False)
        else:
            console.print("  尚未答复", highlight=False)
    verdict = "；".join(p["blockers"]) if p["blockers"] else "该事项公示已通过"
    console.print(verdict, highlight=False)


@app.command("object")
def object_cmd(
    project: Project,
    number: Number,
    name: Annotated[str, typer.Option("--name", help="异议人姓名 / who objects")],
    content: Annotated[str, typer.Option("--content", help="异议内容 / what")],
    received: Annotated[str, typer.Option("--received", help="收到日期 YYYY-MM-DD（须在公示期内）")],
    household: Annotated[str, typer.Option("--household", help="承包方编码 / household code")] = "",
    contact: Annotated[str, typer.Option("--contact", help="联系方式 / contact")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记公示异议 / record an objection received within the period."""
    from landcon.services import publicity

    o = run_service(
        lambda: publicity.add_objection(
            acting(as_user),
            project,
            number,
            name=name,
            content=content,
            received_on=received,
            household=household,
            contact=contact,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(o)
    else:
        console.print(f"已登记异议 {o['id']}：{o['name']}，{o['received_on']}", highlight=False)


@app.command()
def answer(
    project: Project,
    number: Number,
    objection: Annotated[int, typer.Argument(help="异议编号 / objection id")],
    outcome: Annotated[str, typer.Option("--outcome", help="upheld（异议成立）或 dismissed（异议不成立）")],
    text: Annotated[str, typer.Option("--text", help="答复内容；异议不成立时写明理由 / answer")],
    on: Annotated[str | None, typer.Option("--on", help="答复日期 YYYY-MM-DD（默认今天）")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """答复公示异议（发布单位） / answer an objection (the issuing unit)."""
    from landcon.services import publicity

    o = run_service(
        lambda: publicity.answer(acting(as_user), project, number, objection, text=text, outcome=outcome, on=on),
        as_json=as_json,
    )
    if as_json:
        print_json(o)
    else:
        console.print(f"已答复异议 {o['id']}：{o['outcome_name']}（{o['answered_on']}）", highlight=False)


@app.command()
def notice(
    project: Project,
    number: Number,
    out: Annotated[Path, typer.Option("--out", help="输出 .docx 文件 / output file")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """输出可张贴的公示文本（docx） / write the printable notice."""
    from landcon.services import publicity_notice

    path = run_service(lambda: publicity_notice.notice_docx(acting(as_user), project, number, out), as_json=as_json)
    if as_json:
        print_json({"path": str(path)})
    else:
        console.print(f"已输出公示文本 {path}", highlight=False)
