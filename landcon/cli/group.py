"""``landcon group …``: 领导小组 — create a unit's leading group and list the groups in scope."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.errors import InvalidRecord
from landcon.services import groups

app = typer.Typer(no_args_is_help=True)


def parse_member(text: str) -> tuple[str, str]:
    """``用户名:职务`` (half- or full-width colon); without a duty the member is 成员."""
    username, _, duty = text.replace("：", ":").partition(":")
    if not username.strip():
        raise InvalidRecord(f"成员 {text!r} 格式不对，应为 用户名:职务", field="member", feature=text)
    return username.strip(), duty.strip() or "成员"


@app.command()
def add(
    unit: Annotated[str, typer.Option("--unit", help="所属单位行政区划代码 / unit code")],
    name: Annotated[str, typer.Option("--name", help="领导小组名称 / group name")],
    leader: Annotated[str | None, typer.Option("--leader", help="组长用户名 / leader's user name")] = None,
    member: Annotated[
        list[str] | None, typer.Option("--member", help="成员“用户名:职务”，可重复 / member (repeatable)")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """组建领导小组 / create a leading group."""
    g = run_service(
        lambda: groups.create_group(
            acting(as_user), unit, name, leader=leader, members=[parse_member(m) for m in member or []]
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(g)
    else:
        leader_text = f"，组长 {g['leader_name']}" if g["leader"] else ""
        console.print(
            f"已组建领导小组 #{g['id']}“{g['name']}”（{g['unit_name']}{leader_text}，成员 {len(g['members'])} 人）"
        )


@app.command("list")
def list_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="只看该单位及其下级 / unit subtree")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看领导小组 / list leading groups."""
    rows = run_service(lambda: groups.list_groups(acting(as_user), unit=unit), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有领导小组")
        return
    table = Table(title="领导小组")
    for header in ("编号", "单位", "名称", "组长", "成员"):
        table.add_column(header, overflow="fold")
    for g in rows:
        members = "、".join(f"{m['display_name']}（{m['duty']}）" for m in g["members"])
        leader = f"{g['leader_name']}（{g['leader']}）" if g["leader"] else "—"
        table.add_row(str(g["id"]), g["unit_name"], g["name"], leader, members or "—")
    console.print(table)
