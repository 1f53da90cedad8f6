"""``landcon profile …``: the province profile in effect (docs/profile.md)."""

from __future__ import annotations

from typing import Any

import typer

from landcon.cli._common import JsonOpt, console, print_json, run_service

app = typer.Typer(
    help="省份档案：省级代码、参考单位、规则包、审批链、台账规则 / province profile", no_args_is_help=True
)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_text(v) for v in value) or "（无）"
    return "（无）" if value is None else str(value)


@app.command()
def show(as_json: JsonOpt = False) -> None:
    """显示生效的档案及每项的来源 / show the effective profile and where each value came from."""
    from rich.table import Table

    from landcon.services import profile

    data = run_service(profile.show, as_json=as_json)
    if as_json:
        print_json(data)
        return
    table = Table(title=f"档案 {data['name']}", show_lines=False)
    for column in ("设置项", "值", "来源"):
        table.add_column(column, overflow="fold")
    for item in data["settings"]:
        table.add_row(item["key"], _text(item["value"]), item["source"])
    console.print(table)
    stages = " → ".join(f"{s['name']}（{s['code']}）" for s in data["stages"])
    console.print(f"审批链阶段：{stages}", highlight=False, soft_wrap=True)
    console.print(f"规则包 {len(data['rules'])} 条规则（完整数值见 --json）", highlight=False)
