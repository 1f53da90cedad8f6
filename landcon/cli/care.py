"""``landcon care …``: 后期管护 — agreements over an accepted project's new farmland and their
inspections (docs/aftercare.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service

app = typer.Typer(no_args_is_help=True)
agreement_app = typer.Typer(no_args_is_help=True, help="管护协议 / care agreements")
app.add_typer(agreement_app, name="agreement")

Project = Annotated[str, typer.Argument(help="项目编号 / project code")]
Agreement = Annotated[str, typer.Argument(help="管护协议编号 / agreement code")]


@agreement_app.command("add")
def agreement_add(
    project: Project,
    code: Agreement,
    kind: Annotated[str, typer.Option("--kind", help="管护主体类型：村集体、合作社、农户、其他")],
    caretaker: Annotated[str, typer.Option("--caretaker", help="管护主体名称 / caretaker")],
    start: Annotated[str, typer.Option("--start", help="管护开始日期 YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--end", help="管护结束日期 YYYY-MM-DD")],
    parcel: Annotated[
        list[str] | None,
        typer.Option("--parcel", help="已验收新增耕地地块编号（JGTB:编号），可重复 / accepted as-built parcel id"),
    ] = None,
    sub_project: Annotated[
        list[str] | None, typer.Option("--sub-project", help="子项目编号 ZXMBH，可重复 / its new farmland")
    ] = None,
    polygon: Annotated[Path | None, typer.Option("--polygon", help="范围面文件 / polygon file")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="全部已验收新增耕地地块 / every accepted new-farmland parcel")
    ] = False,
    unit: Annotated[str | None, typer.Option("--unit", help="管护单位（乡镇或村）代码 / caretaker's unit")] = None,
    contact: Annotated[str, typer.Option("--contact", help="联系方式 / contact")] = "",
    duties: Annotated[str, typer.Option("--duties", help="管护责任 / duties")] = "",
    funds: Annotated[float, typer.Option("--funds", help="管护资金（万元/年） / funds per year")] = 0.0,
    funds_source: Annotated[str, typer.Option("--funds-source", help="资金来源 / source of funds")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记管护协议（项目通过验收后） / register a care agreement of an accepted project."""
    from landcon.services import aftercare

    a = run_service(
        lambda: aftercare.add_agreement(
            acting(as_user),
            project,
            code,
            caretaker_kind=kind,
            caretaker=caretaker,
            start=start,
            end=end,
            contact=contact,
            unit=unit,
            duties=duties,
            funds_per_year=funds,
            funds_source=funds_source,
            parcels=parcel or [],
            subprojects=sub_project or [],
            polygon=polygon,
            every=every,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(a)
    else:
        console.print(
            f"已登记管护协议 {a['code']}：{a['caretaker_kind']} {a['caretaker']}，{a['start']} 至 {a['end']}，"
            f"{len(a['parcels'])} 块新增耕地 {a['area_m2']:,.2f} 平方米",
            highlight=False,
        )


def _agreements_table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="管护协议")
    for header in (
        "编号",
        "管护主体",
        "管护单位",
        "期限",
        "地块",
        "面积（平方米）",
        "资金（万元/年）",
        "巡查",
        "最近巡查",
    ):
        table.add_column(header, overflow="fold")
    for a in rows:
        table.add_row(
            a["code"],
            f"{a['caretaker_kind']} {a['caretaker']}",
            f"{a['unit_name']}（{a['unit']}）" if a["unit"] else "—（县）",
            f"{a['start']} – {a['end']}",
            _parcels(a["parcels"]),
            f"{a['area_m2']:,.2f}",
            f"{a['funds_per_year']:g} {a['funds_source']}".strip(),
            str(a["inspections"]),
            a["last_inspection"] or "—",
        )
    return table


def _parcels(keys: list[str], shown: int = 6) -> str:
    """The first ``shown`` parcel keys and how many more (the JSON output lists them all)."""
    more = len(keys) - shown
    return "、".join(keys[:shown]) + (f" 等 {len(keys)} 块" if more > 0 else "")


@agreement_app.command("list")
def agreement_list(project: Project, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """查看项目的管护协议 / list the project's care agreements."""
    from landcon.services import aftercare

    rows = run_service(lambda: aftercare.list_agreements(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(rows)
    elif not rows:
        console.print(f"项目 {project} 没有管护协议")
    else:
        console.print(_agreements_table(rows))


@app.command()
def inspect(
    project: Project,
    agreement: Agreement,
    date: Annotated[str, typer.Option("--date", help="巡查日期 YYYY-MM-DD")],
    inspector: Annotated[str, typer.Option("--inspector", help="巡查人 / inspector")],
    result: Annotated[str, typer.Option("--result", help="巡查结果：正常 或 需整改")],
    findings: Annotated[str, typer.Option("--findings", help="发现的问题（需整改时必填） / findings")] = "",
    photo: Annotated[list[Path] | None, typer.Option("--photo", help="现场照片 JPEG，可重复 / photo")] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="整改期限 YYYY-MM-DD（默认按档案） / task deadline")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录管护巡查（需整改时转为管护单位的责任清单任务） / record an inspection."""
    from landcon.services import aftercare_inspections

    i = run_service(
        lambda: aftercare_inspections.add_inspection(
            acting(as_user),
            project,
            agreement,
            inspected_on=date,
            inspector=inspector,
            result=result,
            findings=findings,
            photos=photo or [],
            deadline=deadline,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(i)
        return
    console.print(
        f"已记录巡查 #{i['id']}（协议 {i['agreement']}，{i['inspected_on']}）：{i['result']}", highlight=False
    )
    for p in i["photos"]:
        flag = "[red]标记[/] " if p["flagged"] else ""
        distance = f"，距离 {p['distance_m']:,.1f} 米" if p["distance_m"] is not None else ""
        console.print(f"  照片 {p['filename']}：{flag}{p['status_name']}{distance}", highlight=False)
    if i["task_id"]:
        console.print(f"已转为整改任务 #{i['task_id']}", highlight=False)


@app.command()
def inspections(
    project: Project,
    agreement: Annotated[str | None, typer.Option("--agreement", help="只看该协议 / one agreement")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看管护巡查（新的在前） / list inspections."""
    from rich.table import Table

    from landcon.services import aftercare_inspections

    rows = run_service(
        lambda: aftercare_inspections.list_inspections(acting(as_user), project, agreement), as_json=as_json
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有管护巡查记录")
        return
    table = Table(title="管护巡查")
    for header in ("编号", "协议", "日期", "巡查人", "结果", "发现的问题", "照片（标记）", "任务"):
        table.add_column(header, overflow="fold")
    for i in rows:
        flagged = sum(1 for p in i["photos"] if p["flagged"])
        table.add_row(
            str(i["id"]),
            i["agreement"],
            i["inspected_on"],
            i["inspector"],
            i["result"],
            i["findings"] or "—",
            f"{len(i['photos'])}（{flagged}）",
            f"#{i['task_id']}" if i["task_id"] else "—",
        )
    console.print(table)
