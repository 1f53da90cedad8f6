"""``landcon accept …``: acceptance (验收) of a project on its as-built (竣工) data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service

app = typer.Typer(no_args_is_help=True)


def _number(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


@app.command()
def check(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    asbuilt: Annotated[Path, typer.Argument(help="竣工数据文件夹（asbuilt.gpkg + asbuilt.yaml）")],
    vintage: Annotated[int | None, typer.Option("--vintage", help="核实所用变更调查数据版本（默认当前版本）")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹 / output folder")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按竣工数据重算方案指标、检查验收规则并列出核减，输出 acceptance.json、acceptance.xlsx / acceptance."""
    from landcon.services import acceptance

    result = run_service(
        lambda: acceptance.compute(acting(as_user), project, asbuilt, vintage=vintage, out=out), as_json=as_json
    )
    if as_json:
        print_json(result.as_dict())
    else:
        show_computation(project, result.data)
        console.print(f"结果已写入 {result.out_dir}：{'、'.join(result.files)}")


def show_computation(project: str, data: dict[str, Any]) -> None:
    """The plan vs as-built table, the rule results, the 核减 list and totals of an acceptance.json."""
    table = Table(title=f"{project} 方案与竣工对比（方案版本 {data['plan_version']}）")
    for header in ("指标", "单位", "方案", "竣工", "差值"):
        table.add_column(header, justify="left" if header in ("指标", "单位") else "right", overflow="fold")
    for row in data["comparison"]:
        table.add_row(row["label"], row["unit"], *(_number(row[k]) for k in ("plan", "built", "difference")))
    console.print(table)
    rules = Table(title="验收规则")
    for header in ("规则", "结果", "说明"):
        rules.add_column(header, overflow="fold")
    for r in data["rules"]:
        rules.add_row(r["title"], r["status_name"], r["message"])
    console.print(rules)
    if data["cuts"]:
        cuts = Table(title="核减清单")
        for header in ("地块", "方案地块", "子项目", "原因", "方案", "竣工", "核减（平方米）"):
            cuts.add_column(header, justify="right" if header in ("方案", "竣工", "核减（平方米）") else "left")
        for c in data["cuts"]:
            cuts.add_row(
                f"{c['layer']} {c['parcel']}", c["plan_parcel"] or "—", c["subproject"] or "—", c["reason"],
                *(_number(c[k]) for k in ("planned_m2", "built_m2", "cut_m2")),
            )  # fmt: skip
        console.print(cuts)
    totals = data["totals"]
    cut, verified = totals["cut_m2"], totals["verified_new_m2"]
    console.print(f"核减 {len(data['cuts'])} 处共 {cut:,.2f} 平方米；核定新增耕地 {verified:,.2f} 平方米")


@app.command()
def record(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    level: Annotated[str, typer.Option("--level", help="project（整体验收）| sub_project（子项目验收）")],
    opinion: Annotated[str, typer.Option("--opinion", help="验收意见：同意、整改后同意、不同意")],
    date: Annotated[str, typer.Option("--date", help="验收日期 YYYY-MM-DD")],
    member: Annotated[list[str], typer.Option("--member", help="验收组成员（可多次）")],
    sub_project: Annotated[str | None, typer.Option("--sub-project", help="子项目编号（子项目验收）")] = None,
    condition: Annotated[list[str] | None, typer.Option("--condition", help="整改条件（可多次，各成一项任务）")] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="整改期限 YYYY-MM-DD")] = None,
    computation: Annotated[
        Path | None, typer.Option("--computation", help="验收核算结果 acceptance.json（整体验收必填）")
    ] = None,
    file: Annotated[list[Path] | None, typer.Option("--file", help="附件：工程复核报告、竣工图等（可多次）")] = None,
    review: Annotated[
        bool, typer.Option("--review", help="复核：通过验收后依据新的竣工核实核算结果再次整体验收")
    ] = False,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录子项目或整体验收意见（--review 为验收后的复核）；整改条件转为责任清单任务 / record an acceptance."""
    from landcon.services import acceptance_records

    result = run_service(
        lambda: acceptance_records.record(
            acting(as_user),
            project,
            level=level,
            opinion=opinion,
            accepted_on=date,
            members=member,
            sub_project=sub_project,
            conditions=condition or [],
            deadline=deadline,
            computation=computation,
            files=file or [],
            review=review,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
        return
    tasks = f"，整改任务 {'、'.join(map(str, result['tasks']))}" if result["tasks"] else ""
    console.print(f"已记录{result['level_name']}（{result['opinion']}）#{result['id']}{tasks}")


@app.command("list")
def list_(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出项目的验收记录 / list a project's acceptance records."""
    from landcon.services import acceptance_records

    rows = run_service(lambda: acceptance_records.list_records(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{project} 验收记录")
    for header in ("编号", "层级", "子项目", "意见", "日期", "单位", "整改任务"):
        table.add_column(header)
    for r in rows:
        tasks = "、".join(map(str, r["tasks"])) or "—"
        table.add_row(
            str(r["id"]), r["level_name"], r["sub_project"] or "—", r["opinion"], r["accepted_on"], r["unit"], tasks
        )
    console.print(table)


@app.command()
def export(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    unaccepted: Annotated[
        bool, typer.Option("--unaccepted", help="没有通过的整体验收记录时导出最近一次验收核算（标注未通过验收）")
    ] = False,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导出验收成果：ZZ_YS 验收数据集 zzys.json、zzys.xlsx 与竣工验收报告.docx / export the acceptance outputs."""
    from landcon.services import acceptance_outputs

    result = run_service(
        lambda: acceptance_outputs.export_zzys(acting(as_user), project, out, unaccepted=unaccepted),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
        return
    status = result["zzys"]["status"]
    console.print(f"{project}（{status}）验收成果已写入 {result['out_dir']}：{'、'.join(result['files'])}")
