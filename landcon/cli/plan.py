"""``landcon plan …``: 实施方案 template, example plan, rule check, reports and version diff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import JsonOpt, console, print_json, progress_bar, run_service
from landcon.services import plan as plans

app = typer.Typer(no_args_is_help=True)

DatasetOpt = Annotated[str, typer.Option("--dataset", help="方案所依据的已导入数据集 / base dataset")]
PackOpt = Annotated[
    str | None, typer.Option("--pack", help="规则包：national、yunnan 或 YAML 文件（默认取 plan.yaml 的 rule_pack）")
]
STATUS_COLOURS = {"pass": "green", "fail": "red", "unknown": "magenta"}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}


def _result_text(f: dict[str, Any]) -> str:
    """通过 / 不通过（错误）/ 无法检查（警告）: the status, and the severity of what did not pass."""
    status = str(f.get("status", ""))
    text = plans.STATUS_NAMES.get(status, status)
    if status != "pass" and f.get("severity") in SEVERITY_NAMES:
        text += f"（{SEVERITY_NAMES[f['severity']]}）"
    return f"[{STATUS_COLOURS.get(status, 'white')}]{text}[/]"


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    epsg: Annotated[int, typer.Option("--epsg", help="CGCS2000 坐标系 EPSG")] = 4543,
    as_json: JsonOpt = False,
) -> None:
    """写出带说明的空白方案模板（plan.gpkg + plan.yaml） / write an empty, documented plan."""
    path = run_service(lambda: plans.write_template(out, epsg=epsg), as_json=as_json)
    if as_json:
        print_json({"path": str(path)})
    else:
        console.print(f"已写出方案模板 {path}（plan.gpkg、plan.yaml；字段说明见 plan.yaml 开头与 docs/plan.md）")


@app.command()
def synth(
    dataset: Annotated[str, typer.Argument(help="已导入的数据集 / imported dataset")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    variant: Annotated[str, typer.Option("--variant", help="compliant | violating")] = "compliant",
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 0,
    township_rank: Annotated[
        int, typer.Option("--township-rank", help="在耕地面积第 N 大的乡镇编制（默认 1）/ township by 耕地 rank")
    ] = 1,
    as_json: JsonOpt = False,
) -> None:
    """为示例县生成一个示例方案（合规或故意违规） / generate an example plan."""
    result = run_service(
        lambda: plans.synthesise_plan(dataset, out, variant=variant, seed=seed, township_rank=township_rank),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
    else:
        counts = "，".join(f"{k} {v}" for k, v in result["counts"].items())
        console.print(f"已生成示例方案（{variant}）{result['path']}：{counts}")


@app.command("synth-asbuilt")
def synth_asbuilt(
    plan: Annotated[Path, typer.Argument(help="方案文件夹（plan.gpkg + plan.yaml）")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 0,
    short: Annotated[
        str | None, typer.Option("--short", help="未按方案完成的子项目编号（默认新增耕地最多的子项目）")
    ] = None,
    fail: Annotated[int, typer.Option("--fail", help="核实不通过的新增耕地图斑数")] = 1,
    vintage: Annotated[
        Path | None, typer.Option("--vintage", help="最新变更调查数据文件（含 DLTB 图层），据此选出核实不通过的图斑")
    ] = None,
    project: Annotated[str | None, typer.Option("--project", help="项目编号（默认方案文件夹名）")] = None,
    as_json: JsonOpt = False,
) -> None:
    """由方案生成示例竣工数据（asbuilt.gpkg + asbuilt.yaml） / generate example as-built data."""
    from landcon.services import acceptance

    result = run_service(
        lambda: acceptance.synthesise_asbuilt(
            plan, out, seed=seed, short=short, fail=fail, vintage_file=vintage, project=project
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
    else:
        console.print(
            f"已生成竣工数据 {result['path']}（项目 {result['project']}，{result['parcels']} 个竣工图斑；"
            f"未完成子项目 {result['short'] or '—'}；核实不通过 {'、'.join(result['fail']) or '—'}）"
        )


def _findings_table(findings: list[dict[str, Any]]) -> Table:
    table = Table(title="规则检查")
    for header in ("规则", "结果", "名称", "说明"):
        table.add_column(header, overflow="fold")
    for f in findings:
        table.add_row(f["rule"], _result_text(f), f["title"], f["message"])
    return table


@app.command()
def check(
    plan: Annotated[Path, typer.Argument(help="方案文件夹（plan.gpkg + plan.yaml）")],
    dataset: DatasetOpt,
    pack: PackOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """计算指标并按规则包检查方案；有“错误”级别问题时退出码为 1 / check a plan."""
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: plans.check_plan_against(plan, dataset, pack=pack, progress=progress), as_json=as_json
        )
    if as_json:
        print_json(result.data)
    else:
        from landcon.services import indicators as ind_reg

        ind = result.data["indicators"]
        rate = ind_reg.value(ind, "cultivated.new_rate")
        console.print(
            f"{result.data['name']}：整治区域 {ind_reg.number(ind, 'area.zzqy_m2') / 10000:,.4f} 公顷，"
            f"{ind_reg.short_label('cultivated.new_m2')} {ind_reg.number(ind, 'cultivated.new_m2') / 10000:,.4f} 公顷，"
            f"{ind_reg.label('cultivated.new_rate')} {'—' if rate is None else f'{rate * 100:.2f}%'}"
        )
        console.print(_findings_table(result.data["findings"]))
        counts = result.data["status_counts"]
        summary = f"通过 {counts['pass']} 项，不通过 {counts['fail']} 项，无法检查 {counts['unknown']} 项"
        if not result.passed:
            console.print(f"[red]存在错误级别问题[/]（{summary}）")
        elif counts["unknown"]:
            console.print(f"[magenta]无错误级别问题，但有 {counts['unknown']} 项无法检查[/]（{summary}）")
        else:
            console.print(f"[green]检查通过[/]（{summary}）")
    raise typer.Exit(0 if result.passed else 1)


@app.command()
def report(
    plan: Annotated[Path, typer.Argument(help="方案文件夹")],
    dataset: DatasetOpt,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹")],
    pack: PackOpt = None,
    maps: Annotated[bool, typer.Option("--maps/--no-maps", help="输出并插入专题图")] = True,
    as_json: JsonOpt = False,
) -> None:
    """输出附表（xlsx）、实施方案文本（docx）、专题图、入库成果（GeoPackage、FileGDB、Shapefile）和报备坐标文件 / write the plan reports."""
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: plans.write_report(plan, dataset, out, pack=pack, maps=maps, progress=progress), as_json=as_json
        )
    if as_json:
        print_json(result)
    else:
        console.print(f"已写入 {result['out_dir']}：{'、'.join(result['files'])}")


@app.command()
def diff(
    plan_a: Annotated[Path, typer.Argument(help="方案版本 A")],
    plan_b: Annotated[Path, typer.Argument(help="方案版本 B")],
    dataset: DatasetOpt,
    pack: PackOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """比较两个方案版本的指标与检查结果 / compare two plan versions."""
    result = run_service(lambda: plans.diff_plans(plan_a, plan_b, dataset, pack=pack), as_json=as_json)
    if as_json:
        print_json(result)
        return
    table = Table(title="指标变化")
    for header in ("指标", "A", "B", "变化"):
        table.add_column(header, overflow="fold")
    for row in result["indicators"]:
        table.add_row(row["indicator"], str(row["a"]), str(row["b"]), str(row.get("change", "")))
    console.print(table)
    rules = Table(title="检查结果变化")
    for header in ("规则", "名称", "A", "B"):
        rules.add_column(header)
    for row in result["findings"]:
        rules.add_row(row["rule"], row["title"], str(row["a"]), str(row["b"]))
    console.print(rules)
