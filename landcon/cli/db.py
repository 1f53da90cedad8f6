"""``landcon db …``: the records database's schema version, migrations and status."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from landcon.cli._common import JsonOpt, console, print_json, run_service
from landcon.services import database

app = typer.Typer(no_args_is_help=True)


def _revision(rev: str | None) -> str:
    return rev or "（空库）"


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """显示数据库地址、类型、结构版本、PostGIS 版本或 SQLite 文件与日志模式 / show database status."""
    result = run_service(database.status, as_json=as_json)
    if as_json:
        print_json(result)
        return
    lines = [
        f"数据库：{result['url']}（{result['dialect']}）",
        f"结构版本：{_revision(result['current_revision'])}，最新 {result['head_revision']}"
        + (
            "，已是最新"
            if result["up_to_date"]
            else "（空库：首次使用时自动建立）"
            if result["current_revision"] is None
            else "，[yellow]需要升级：landcon db upgrade[/]"
        ),
    ]
    if result["dialect"] == "sqlite":
        if result.get("exists") is False:
            lines.append(f"文件：{result['path']}（尚不存在；首次使用或 landcon db upgrade 时创建）")
        else:
            lines.append(f"文件：{result['path']}，日志模式 {result['journal_mode']}")
    else:
        lines.append(f"PostGIS：{result.get('postgis_version') or '未安装'}")
    for line in lines:
        console.print(line, highlight=False)


def _report(result: dict[str, Any], verb: str) -> None:
    if result["changed"]:
        console.print(
            f"已{verb}：结构版本 {_revision(result['from_revision'])} → {_revision(result['to_revision'])}"
            f"（{result['url']}）",
            highlight=False,
        )
    else:
        now = _revision(result["to_revision"])
        console.print(f"结构版本已是 {now}，无需{verb}（{result['url']}）", highlight=False)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Option("--revision", help="目标结构版本（默认最新） / target revision")] = "head",
    as_json: JsonOpt = False,
) -> None:
    """将记录数据库升级到指定（默认最新）结构版本 / migrate the records database up."""
    result = run_service(lambda: database.upgrade(revision), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        _report(result, "升级")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="目标结构版本；base 删除全部表 / target revision (base drops all)")],
    as_json: JsonOpt = False,
) -> None:
    """将记录数据库降级到指定结构版本（会删除较新版本的表与数据，请先备份） / migrate down."""
    result = run_service(lambda: database.downgrade(revision), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        _report(result, "降级")
