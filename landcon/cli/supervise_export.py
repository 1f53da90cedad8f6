"""``landcon supervise export``: a project's 实施监管表 (sub-project progress, reports, funds, site photos)."""

from __future__ import annotations

from typing import Annotated

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service


def export(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    out: Annotated[str, typer.Option("--out", help="输出 .xlsx 文件 / output file")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """写出实施监管表：子项目进度、进度填报、资金、现场照片（含缩略图） / write the supervision workbook."""
    from landcon.services import supervision_report

    info = run_service(lambda: supervision_report.export_xlsx(acting(as_user), project, out), as_json=as_json)
    if as_json:
        print_json(info)
        return
    console.print(
        f"已写出 {info['path']}：子项目 {info['sub_projects']} 个，进度填报 {info['reports']} 次，"
        f"现场照片 {info['photos']} 张（{info['flagged_photos']} 张需核实）"
    )
