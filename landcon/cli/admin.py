"""``landcon admin …``: administrative units (省 → 州/市 → 县 → 乡镇 → 村) and their departments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.services import demo, demo_participation, org

app = typer.Typer(no_args_is_help=True)


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


@app.command("seed-demo")
def seed_demo(
    dataset: Annotated[str, typer.Argument(help="已导入的示例县数据集 / imported demo dataset")],
    plan: Annotated[Path, typer.Option("--plan", help="示例方案文件夹（landcon plan synth 生成） / plan folder")],
    accepted_plan: Annotated[
        Path | None,
        typer.Option(
            "--accepted-plan",
            help="待验收示例项目的方案文件夹（另一乡镇）；给出时该项目留在验收阶段，由 admin seed-acceptance 验收",
        ),
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """示例记录：各角色演示账号、一个处于县级审查的示例项目、责任清单与会商 / demo accounts and project."""
    result = run_service(
        lambda: demo.seed_demo(acting(as_user), dataset, plan, accepted_plan=accepted_plan), as_json=as_json
    )
    if as_json:
        print_json(result)
        return
    p = result["project"]
    state = "已创建" if result["created"] else "已存在"
    console.print(f"示例项目{state}：{p['code']} {p['name']}，当前阶段“{p['stage_name']}”")
    table = Table("演示账号", "单位", "部门", "角色")
    for a in result["accounts"]:
        table.add_row(a["username"], a["unit"], a["department"] or "", "、".join(a["roles"]))
    console.print(table)
    console.print(f"演示账号的密码均为 {result['password']}（仅供演示，正式使用前请删除或修改）")


@app.command("seed-participation")
def seed_participation(
    project: Annotated[str, typer.Argument(help="示例项目编号（已保存权属调整版本） / demo project code")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """示例公众参与记录：意愿调查、村民会议表决、公示与异议、权属调整确认 / demo participation records."""
    result = run_service(lambda: demo_participation.seed_participation(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(result)
        return
    for part, value in result.items():
        console.print(f"{part}: {value}")


@app.command("seed-acceptance")
def seed_acceptance(
    project: Annotated[str, typer.Argument(help="处于验收阶段的示例项目编号 / demo project code")],
    asbuilt: Annotated[Path, typer.Option("--asbuilt", help="竣工数据文件夹（plan synth-asbuilt 生成）")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """示例验收：按竣工数据核算并记录整体验收，核定补充耕地指标，登记管护协议 / accept the demo project."""
    from landcon.cli.accept import show_computation
    from landcon.services import demo_acceptance

    result = run_service(lambda: demo_acceptance.seed_acceptance(acting(as_user), project, asbuilt), as_json=as_json)
    if as_json:
        data = result.pop("computation", None) or {}
        print_json({**result, "totals": data.get("totals"), "cuts": data.get("cuts"), "rules": data.get("rules")})
        return
    if result.get("computation"):
        show_computation(project, result["computation"])
    if not result["accepted"]:
        console.print(f"示例项目 {project} 已通过验收，未重复验收")
        return
    quota = result["quota"]
    console.print(f"已记录整体验收 #{result['record']}；补充耕地指标 {quota['doc']}：{quota['memo']}")
