"""``landcon audit …``: verify the hash-chained audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from landcon.cli._common import AsOpt, acting, console, print_json, run_service
from landcon.services import audit

app = typer.Typer(help="审计日志 / audit trail", no_args_is_help=True)


@app.command()
def verify(
    as_user: AsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """逐条重算哈希链，发现被修改或删除的记录（退出码 1） / verify the chain; exit 1 when tampered with."""
    result = run_service(lambda: audit.verify(acting(as_user)), as_json=as_json)
    if as_json:
        print_json(result)
    elif result["ok"]:
        console.print(
            f"审计日志完整：{result['entries']} 条，末条哈希 {result['head_hash']}（用时 {result['seconds']} 秒）"
        )
    else:
        console.print(f"[bold red]审计日志被篡改[/]：{len(result['breaks'])} 处问题（共 {result['entries']} 条）")
        for b in result["breaks"][:50]:
            console.print(f"  第 {b['seq']} 条：{b['problem']}", highlight=False)
    if not result["ok"]:
        raise typer.Exit(1)
