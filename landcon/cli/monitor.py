"""``landcon monitor …``: implementation supervision against a later survey vintage (变化监测)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, progress_bar, run_service

app = typer.Typer(no_args_is_help=True)


@app.command()
def run(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    vintage: Annotated[
        int | None, typer.Option("--vintage", help="变更调查数据版本（默认当前版本） / dataset version of the vintage")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹 / output folder")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """将获批方案与变更调查比对，输出 monitor.json、monitor.xlsx、changes.gpkg / detect changes."""
    from landcon.services import monitor
    from landcon.services.datasets import to_mu

    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: monitor.detect(acting(as_user), project, vintage=vintage, out=out, progress=progress),
            as_json=as_json,
        )
    if as_json:
        print_json(result.as_dict())
        return
    data = result.data
    versions = f"数据版本 {data['before_version']} → {data['after_version']}"
    table = Table(title=f"{project} 变化监测（方案版本 {data['plan_version']}，{versions}）")
    for header in ("类别", "面积（平方米）", "面积（亩）", "图斑数"):
        table.add_column(header, justify="left" if header == "类别" else "right")
    unchecked = {
        "red_line": not data["red_line_checked"],
        "permanent_farmland_lost": not data["permanent_farmland_checked"],
    }
    for code, c in data["classes"].items():
        if unchecked.get(code):
            table.add_row(c["label"], "—", "—", "—")
        else:
            table.add_row(c["label"], f"{c['area_m2']:,.2f}", f"{to_mu(c['area_m2']):,.2f}", str(c["count"]))
    console.print(table)
    console.print(f"结果已写入 {result.out_dir}：{'、'.join(result.files)}")


@app.command()
def batch(
    projects: Annotated[list[str], typer.Argument(help="项目编号（可多个） / project codes")],
    vintage: Annotated[int | None, typer.Option("--vintage", help="变更调查数据版本（默认当前版本）")] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask 调度器地址，如 tcp://host:8786 / Dask scheduler")
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="本地工作进程数 / local workers")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹 / output folder")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """多个项目并行变化监测（Dask 分布式），输出 monitor-batch.json 及各项目结果 / many projects in parallel."""
    from landcon.services import monitor

    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: monitor.detect_batch(
                acting(as_user),
                projects,
                vintage=vintage,
                scheduler=scheduler,
                workers=workers,
                out=out,
                progress=progress,
            ),
            as_json=as_json,
        )
    if as_json:
        print_json(result.as_dict())
        return
    table = Table(title="批量变化监测（面积：平方米）")
    for header in ("项目", "数据版本", "已实现", "尚未实现", "变为他类", "规划外建设"):
        table.add_column(header, justify="left" if header == "项目" else "right")
    for row in result.data["projects"]:
        table.add_row(
            row["project"],
            f"{row['before_version']} → {row['after_version']}",
            *(f"{row[k]:,.2f}" for k in ("achieved", "not_yet", "lost", "unplanned_construction")),
        )
    console.print(table)
    console.print(f"结果已写入 {result.out_dir}：{'、'.join(result.files)}")
