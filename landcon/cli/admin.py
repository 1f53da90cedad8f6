"""``landcon admin …``: administrative units (省 → 州/市 → 县 → 乡镇 → 村) and their departments."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import acting, as_user_option, console, print_json, run_service
from landcon.services import org

app = typer.Typer(help="行政单位与部门 / units and departments", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]
AsOpt = Annotated[str | None, as_user_option()]


@app.command("seed-yunnan")
def seed_yunnan(as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """载入云南省、16 个州（市）、129 个县（市、区）及各级部门 / load Yunnan's units (idempotent)."""
    result = run_service(lambda: org.seed_yunnan(acting(as_user)), as_json=as_json)
    if as_json:
        print_json(result)
        return
    levels = result["units_by_level"]
    console.print(
        f"已载入行政单位：新增 {result['units_added']} 个，更名 {result['units_renamed']} 个，"
        f"新增部门 {result['departments_added']} 个；现有 省 {levels.get('province', 0)}、"
        f"州/市 {levels.get('prefecture', 0)}、县 {levels.get('county', 0)}"
    )


@app.command("import-units")
def import_units(
    dataset: Annotated[str, typer.Argument(help="已导入的数据集（取 XZQ 乡镇、CJDCQ 村） / imported dataset")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """从数据集的 XZQ、CJDCQ 图层导入乡镇和村 / add townships and villages from a dataset."""
    result = run_service(lambda: org.import_units(acting(as_user), dataset), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(
            f"数据集 {dataset}：新增单位 {result['units_added']} 个，更名 {result['units_renamed']} 个，"
            f"新增部门 {result['departments_added']} 个"
        )


@app.command("units")
def units(
    parent: Annotated[str | None, typer.Option("--parent", help="上级单位代码 / parent code")] = None,
    level: Annotated[str | None, typer.Option("--level", help="province|prefecture|county|township|village")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出管辖范围内的行政单位 / list units in scope."""
    rows = run_service(lambda: org.list_units(acting(as_user), parent=parent, level=level), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table("代码", "名称", "层级")
    for r in rows:
        table.add_row(r["code"], r["name"], r["level"])
    console.print(table)
