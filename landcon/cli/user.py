"""``landcon user …``: users, their unit, department and roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.services import org

app = typer.Typer(no_args_is_help=True)
ROLE_HELP = (
    "角色（可重复）：admin 系统管理员、author 编制人员、reviewer 审查人员、"
    "supervisor 监管人员、reporter 乡镇/村填报员、leader 领导"
)


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    unit: Annotated[str, typer.Option("--unit", help="所属单位代码 / unit code")],
    role: Annotated[list[str], typer.Option("--role", help=ROLE_HELP)],
    password: Annotated[
        str, typer.Option("--password", prompt="密码", hide_input=True, confirmation_prompt=True, help="密码（≥8 位）")
    ],
    department: Annotated[
        str | None, typer.Option("--department", help="部门代码，如 zrzy 自然资源、cz 财政 / department kind")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="姓名 / display name")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """新建用户 / add a user."""
    result = run_service(
        lambda: org.add_user(
            acting(as_user),
            username,
            password=password,
            unit=unit,
            roles=role,
            department=department,
            display_name=name,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
    else:
        console.print(
            f"已新建用户 {result['username']}（{result['display_name']}）：{result['unit_name']} "
            f"{result['department_name'] or ''}，角色 {'、'.join(result['role_names'])}"
        )


@app.command("list")
def list_(
    unit: Annotated[str | None, typer.Option("--unit", help="单位代码（含下级） / unit code")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出管辖范围内的用户 / list users in scope."""
    rows = run_service(lambda: org.list_users(acting(as_user), unit=unit), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table("用户名", "姓名", "单位", "部门", "角色", "状态")
    for r in rows:
        table.add_row(
            r["username"],
            r["display_name"],
            r["unit_name"],
            r["department_name"] or "",
            "、".join(r["role_names"]),
            "启用" if r["active"] else "停用",
        )
    console.print(table)


@app.command()
def passwd(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    password: Annotated[
        str, typer.Option("--password", prompt="新密码", hide_input=True, confirmation_prompt=True, help="新密码")
    ],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """修改密码 / set a password."""
    run_service(lambda: org.set_password(acting(as_user), username, password), as_json=as_json)
    if as_json:
        print_json({"username": username, "changed": True})
    else:
        console.print(f"已修改用户 {username} 的密码")


@app.command()
def disable(
    username: Annotated[str, typer.Argument(help="用户名 / user name")], as_user: AsOpt = None, as_json: JsonOpt = False
) -> None:
    """停用用户（不能登录、不能操作；记录保留） / disable a user."""
    result = run_service(lambda: org.set_active(acting(as_user), username, False), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(f"已停用用户 {username}")


@app.command()
def enable(
    username: Annotated[str, typer.Argument(help="用户名 / user name")], as_user: AsOpt = None, as_json: JsonOpt = False
) -> None:
    """重新启用用户 / enable a user."""
    result = run_service(lambda: org.set_active(acting(as_user), username, True), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(f"已启用用户 {username}")


@app.command()
def roles(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[list[str], typer.Option("--role", help=ROLE_HELP)],
    expected_version: Annotated[
        int | None, typer.Option("--expected-version", help="读取时的记录版本号（乐观锁）")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """替换用户的角色 / replace a user's roles."""
    result = run_service(
        lambda: org.set_roles(acting(as_user), username, role, expected_version=expected_version), as_json=as_json
    )
    if as_json:
        print_json(result)
    else:
        console.print(f"用户 {username} 的角色：{'、'.join(result['role_names'])}（记录版本 {result['version']}）")
