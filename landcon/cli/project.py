"""``landcon project …``: 整治项目, its plan versions and lifecycle transitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, progress_bar, run_service
from landcon.services import projects

app = typer.Typer(no_args_is_help=True)
CodeArg = Annotated[str, typer.Argument(help="项目编号 / project code")]
VersionOpt = Annotated[
    int | None, typer.Option("--expected-version", help="读取时的记录版本号（乐观锁） / version read")
]
STATUS = {"done": "[green]✓[/]", "current": "[bold yellow]▶[/]", "pending": "·", "skipped": "—", "conditional": "?"}


def print_project(p: dict[str, Any]) -> None:
    console.print(f"[bold]{p['code']}[/] {p['name']}（{p['county_name']}，数据集 {p['dataset'] or '未关联'}）")
    console.print(
        "阶段："
        + " → ".join(f"{STATUS[s['status']]}{s['name']}" for s in p["stages"])
        + f"   （审批链 {p['chain']}，记录版本 {p['version']}）"
    )
    if p["units"]:
        from landcon.services import indicators

        levels = (("township", "area.townships"), ("village", "area.villages"))
        for level, label in ((lv, indicators.label(key)) for lv, key in levels):
            named = [f"{u['name']}（{u['code']}）" for u in p["units"] if u["level"] == level]
            if named:
                console.print(f"{label}：" + "、".join(named))
    for v in p["plan_versions"]:
        state = "已提交（冻结）" if v["frozen"] else "草稿"
        console.print(f"方案版本 {v['number']}：{state}，错误 {v['errors']}，警告 {v['warnings']}，{v['name']}")
    for r in p["reviews"]:
        c = r["consolidated"]
        state = {"passed": "通过", "rejected": "退回", None: "进行中"}[r["outcome"]]
        console.print(f"{r['stage_name']}（期限 {r['deadline']}）：{state}；汇总意见 {c['outcome']}")
        for o in r["opinions"]:
            late = "（逾期）" if o["late"] else ""
            extra = f"：{o['conditions']}" if o["conditions"] else ""
            console.print(f"  {o['department_name']}：{o['opinion'] or '未提交'}{late}{extra}", highlight=False)
    overdue = [t for t in p["tasks"] if t["overdue"]]
    if p["tasks"]:
        console.print(f"责任清单：{len(p['tasks'])} 项，其中逾期 {len(overdue)} 项")
    console.print("时间线：")
    for e in p["timeline"]:
        console.print(f"  {e['at']} {e['actor']} {e['action']} {e['from'] or ''}→{e['to']} {e['comment']}")


@app.command()
def create(
    code: CodeArg,
    name: Annotated[str, typer.Option("--name", help="项目名称 / name")],
    county: Annotated[str, typer.Option("--county", help="县级行政区划代码 / county code")],
    unit: Annotated[list[str] | None, typer.Option("--unit", help="涉及的乡镇或村代码（可重复）")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="基础数据集 / base dataset")] = None,
    chain: Annotated[
        str | None, typer.Option("--chain", help="审批链：yunnan、national 或 YAML 文件（默认随省份档案）")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """新建整治项目（从“摸底调查”阶段开始） / create a project."""
    p = run_service(
        lambda: projects.create_project(
            acting(as_user), code, name, county=county, units=unit or (), dataset=dataset, chain=chain
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(p)
    else:
        print_project(p)


@app.command("list")
def list_(
    county: Annotated[str | None, typer.Option("--county", help="县、州市代码（含下级） / unit code")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="阶段代码，如 county_review / stage code")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出项目及其当前阶段、审查期限和逾期任务 / list projects."""
    rows = run_service(lambda: projects.list_projects(acting(as_user), county=county, stage=stage), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table("编号", "名称", "县", "阶段", "审查期限", "逾期任务")
    for r in rows:
        overdue = f"[red]{r['overdue_tasks']}[/]" if r["overdue_tasks"] else "0"
        table.add_row(r["code"], r["name"], r["county_name"], r["stage_name"], r["review_deadline"] or "", overdue)
    console.print(table)


@app.command()
def show(code: CodeArg, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """项目详情：阶段、时间线、方案版本、审查意见、任务 / show a project."""
    p = run_service(lambda: projects.show_project(acting(as_user), code), as_json=as_json)
    if as_json:
        print_json(p)
    else:
        print_project(p)


@app.command()
def edit(
    code: CodeArg,
    name: Annotated[str | None, typer.Option("--name", help="新名称 / new name")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="基础数据集 / base dataset")] = None,
    expected_version: VersionOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """修改项目名称或基础数据集 / change the project's name or dataset."""
    p = run_service(
        lambda: projects.update_project(
            acting(as_user), code, name=name, dataset=dataset, expected_version=expected_version
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(p)
    else:
        console.print(f"项目 {code} 已修改（记录版本 {p['version']}）：{p['name']}，数据集 {p['dataset'] or '未关联'}")


@app.command()
def advance(
    code: CodeArg,
    comment: Annotated[str, typer.Option("--comment", help="说明 / comment")] = "",
    expected_version: VersionOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """推进到下一阶段（审查阶段即办结审查）；不满足条件时列出原因（退出码 1） / move to the next stage."""
    p = run_service(
        lambda: projects.advance(acting(as_user), code, comment=comment, expected_version=expected_version),
        as_json=as_json,
    )
    if as_json:
        print_json(p)
    else:
        console.print(f"项目 {code} 已进入“{p['stage_name']}”阶段")


@app.command()
def reject(
    code: CodeArg,
    reason: Annotated[str, typer.Option("--reason", help="退回理由 / reason")],
    expected_version: VersionOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """审查不通过，退回“方案编制” / reject the review: back to plan drafting."""
    p = run_service(
        lambda: projects.reject(acting(as_user), code, comment=reason, expected_version=expected_version),
        as_json=as_json,
    )
    if as_json:
        print_json(p)
    else:
        console.print(f"项目 {code} 已退回“{p['stage_name']}”阶段：{reason}")


@app.command()
def plan(
    code: CodeArg,
    folder: Annotated[Path, typer.Argument(help="方案文件夹（plan.gpkg + plan.yaml） / plan folder")],
    pack: Annotated[str | None, typer.Option("--pack", help="规则包 / rule pack")] = None,
    expected_version: VersionOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """保存方案为项目的草稿版本，并计算指标、检查规则 / store a plan version with its indicators and findings."""
    with progress_bar(not as_json):
        v = run_service(
            lambda: projects.save_plan(acting(as_user), code, folder, pack=pack, expected_version=expected_version),
            as_json=as_json,
        )
    if as_json:
        print_json(v)
    else:
        verdict = "可以提交" if v["errors"] == 0 else "有错误项，不能提交"
        console.print(
            f"项目 {code} 方案版本 {v['number']}（草稿）：错误 {v['errors']}，警告 {v['warnings']} —— {verdict}"
        )


@app.command()
def draft(code: CodeArg, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """以最新（已冻结）版本为基础新建草稿 / start a new draft from the frozen version."""
    v = run_service(lambda: projects.new_draft(acting(as_user), code), as_json=as_json)
    if as_json:
        print_json(v)
    else:
        console.print(f"项目 {code} 新建方案草稿版本 {v['number']}（基于上一版本）")


@app.command()
def export(
    code: CodeArg,
    version: Annotated[int, typer.Argument(help="方案版本号 / version number")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导出某一方案版本的文件 / write a version's plan folder."""
    path = run_service(lambda: projects.export_plan(acting(as_user), code, version, out), as_json=as_json)
    if as_json:
        print_json({"path": str(path)})
    else:
        console.print(f"已导出 {code} 方案版本 {version} 到 {path}")


@app.command()
def diff(
    code: CodeArg,
    a: Annotated[int, typer.Argument(help="版本 A")],
    b: Annotated[int, typer.Argument(help="版本 B")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """比较两个方案版本的指标和规则结果 / compare two versions."""
    result = run_service(lambda: projects.diff_versions(acting(as_user), code, a, b), as_json=as_json)
    if as_json:
        print_json(result)
        return
    table = Table("指标", f"版本 {a}", f"版本 {b}", "变化")
    for c in result["indicators"]:
        table.add_row(c["indicator"], str(c["a"]), str(c["b"]), str(c.get("change", "")))
    console.print(table)
    for f in result["findings"]:
        console.print(f"规则 {f['rule']} {f['title']}：{f['a']} → {f['b']}")


@app.command("export-baobei")
def export_baobei(
    code: CodeArg,
    stage: Annotated[str, typer.Option("--stage", help="报备阶段：立项、实施或验收 / stage")],
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹（默认在数据目录 results/baobei 下）")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导出报备包：坐标文件、补充耕地监测图斑、子项目、附件清单和文件清单 / write the 报备 package."""
    from landcon.services import baobei

    with progress_bar(not as_json) as bar:
        m = run_service(
            lambda: baobei.export_baobei(acting(as_user), code, stage, out=out, progress=bar), as_json=as_json
        )
    if as_json:
        print_json(m)
        return
    console.print(f"已导出 {code} {stage}阶段报备包（新增耕地依据：{m['basis']}）到 {m['out_dir']}")
    for f in m["files"]:
        count = f"，{f['count']} 个要素" if f["count"] is not None else ""
        console.print(f"  {f['path']}{count}", highlight=False)
    if m["missing_attachments"]:
        console.print("缺少附件：" + "、".join(m["missing_attachments"]), highlight=False)


@app.command()
def report(
    code: CodeArg,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """当前方案版本的附表、实施方案文本（含项目调查、参与、权属和保障资料）与入库成果 / the project's plan report."""
    from landcon.services import plan_reports

    with progress_bar(not as_json) as bar:
        r = run_service(lambda: plan_reports.project_report(acting(as_user), code, out, progress=bar), as_json=as_json)
    if as_json:
        print_json(r)
        return
    console.print(f"已生成 {code} 方案版本 {r['version']} 的成果到 {r['out_dir']}")
    for name in r["files"]:
        console.print(f"  {name}", highlight=False)
