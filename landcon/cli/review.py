"""``landcon review …``: 联合审查 — a reviewer's inbox, giving opinions, the consolidated view."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.services import projects

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="含已提交的意见 / include given opinions")] = False,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """本部门待办的审查任务（按期限排序） / the reviewer's inbox."""
    rows = run_service(lambda: projects.inbox(acting(as_user), pending_only=not all_), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table("项目", "名称", "阶段", "部门", "期限", "意见")
    for r in rows:
        deadline = f"[red]{r['deadline']} 逾期[/]" if r["late"] else r["deadline"]
        table.add_row(
            r["project"], r["project_name"], r["stage_name"], r["department_name"], deadline, r["opinion"] or ""
        )
    console.print(table)


@app.command()
def give(
    code: Annotated[str, typer.Argument(help="项目编号 / project code")],
    opinion: Annotated[str, typer.Option("--opinion", help="同意 / 修改后同意 / 不同意")],
    conditions: Annotated[str, typer.Option("--conditions", help="修改条件（修改后同意时必填）")] = "",
    comments: Annotated[str, typer.Option("--comments", help="审查意见说明 / comments")] = "",
    attach: Annotated[list[Path] | None, typer.Option("--attach", help="附件（可重复） / attachments")] = None,
    expected_version: Annotated[
        int | None, typer.Option("--expected-version", help="读取时的记录版本号（乐观锁）")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """以本部门名义提交（或在办结前修改）审查意见 / give the department's opinion."""
    result = run_service(
        lambda: projects.give_opinion(
            acting(as_user),
            code,
            opinion,
            conditions=conditions,
            comments=comments,
            files=attach or (),
            expected_version=expected_version,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
    else:
        dept, opinion = result["department_name"], result["opinion"]
        console.print(f"{dept}对项目 {code} 的意见：{opinion}（记录版本 {result['version']}）")


@app.command()
def status(
    code: Annotated[str, typer.Argument(help="项目编号 / project code")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """本轮审查的汇总意见（牵头部门据此办结） / the consolidated opinion of the open review."""
    r = run_service(lambda: projects.review_status(acting(as_user), code), as_json=as_json)
    if as_json:
        print_json(r)
        return
    c = r["consolidated"]
    console.print(f"{code} {r['stage_name']}（期限 {r['deadline']}）汇总意见：{c['outcome']}")
    counts = "，".join(f"{k} {v}" for k, v in c["counts"].items())
    console.print(f"  {counts}；未提交：{'、'.join(c['pending']) or '无'}")
    for item in c["conditions"]:
        console.print(f"  {item['department']} 修改条件：{item['conditions']}", highlight=False)
