"""``landcon audit …``: verify the hash-chained audit trail; export its head as an anchor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from landcon.cli._common import AsOpt, acting, console, print_json, run_service
from landcon.services import audit

app = typer.Typer(no_args_is_help=True)


@app.command()
def verify(
    as_user: AsOpt = None,
    anchor_file: Annotated[
        Path | None, typer.Option("--anchor", help="锚点文件（audit anchor 导出） / anchor file from audit anchor")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """逐条重算哈希链，发现被修改或删除的记录（退出码 1） / verify the chain; exit 1 when tampered with."""

    def go() -> dict:
        held = None
        if anchor_file is not None:
            try:
                text = anchor_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise audit.BadAnchor(f"无法读取锚点文件：{error.strerror or error}", path=str(anchor_file)) from None
            held = audit.load_anchor(text, str(anchor_file))
        return audit.verify(acting(as_user), held)

    result = run_service(go, as_json=as_json)
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


@app.command()
def anchor(
    as_user: AsOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="写入锚点文件 / write the anchor to FILE")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """导出日志末条的序号、哈希与时间，另处保存以便日后核验 / export the chain head to keep elsewhere."""
    result = run_service(lambda: audit.anchor(acting(as_user)), as_json=as_json)
    if out is not None:
        out.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
    if as_json:
        print_json(result)
    else:
        console.print(
            f"审计日志锚点：第 {result['seq']} 条，哈希 {result['hash']}，时间 {result['at']}", highlight=False
        )
        if out is not None:
            console.print(
                f"已写入 {out.name}；请另处保存，核验时用 landcon audit verify --anchor {out.name}", highlight=False
            )
