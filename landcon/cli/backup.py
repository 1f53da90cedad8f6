"""``landcon backup DIR`` / ``landcon restore DIR``: the records database and the data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, err_console, print_json, run_service


def backup_cmd(
    out_dir: Annotated[Path, typer.Argument(help="备份到的新文件夹（须不存在或为空） / new backup folder")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """备份记录数据库与数据目录（附件、数据集）到一个新文件夹 / back up records and data."""
    from landcon.services import database

    result = run_service(lambda: database.backup(acting(as_user), out_dir), as_json=as_json)
    if as_json:
        print_json(result)
        return
    counts = "，".join(f"{table} {n}" for table, n in result["records"].items() if n)
    console.print(
        f"已备份到 {result['path']}：{result['dialect']} 数据库（结构版本 {result['schema_revision']}），"
        f"{result['files']} 个文件共 {result['bytes']} 字节",
        highlight=False,
    )
    if counts:
        console.print(f"记录数：{counts}", highlight=False)


def restore_cmd(
    in_dir: Annotated[Path, typer.Argument(help="landcon backup 写出的备份文件夹 / backup folder")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """从备份恢复记录数据库与数据目录（先校验全部文件；当前内容被替换） / restore a backup."""
    from landcon.services import database

    result = run_service(lambda: database.restore(acting(as_user), in_dir), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        chain, blobs = result["audit"], result["blobs"]
        console.print(
            f"已从 {result['path']} 恢复（备份于 {result['created_at']}，{result['dialect']}，"
            f"结构版本 {result['schema_revision']}，{result['files']} 个文件）",
            highlight=False,
        )
        if chain["ok"]:
            console.print(f"审计日志核验通过：{chain['entries']} 条", highlight=False)
        else:
            for b in chain["breaks"]:
                err_console.print(f"[red]审计日志第 {b['seq']} 条：{b['problem']}[/]", highlight=False)
        if blobs["missing"]:
            err_console.print(
                f"[red]{len(blobs['missing'])} 个附件文件缺失：{'、'.join(blobs['missing'][:5])}[/]", highlight=False
            )
    if not result["ok"]:
        raise typer.Exit(1)
