"""``landcon realloc …``: 权属调整 — example instance, reallocation, check of any allocation, stored versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.services import realloc

app = typer.Typer(no_args_is_help=True)

ParcelsOpt = Annotated[Path, typer.Option("--parcels", help="调整前承包地块（农经权 DK 图层：DKBM、CBFBM、DLDJ）")]
HouseholdsOpt = Annotated[
    Path, typer.Option("--households", help="承包方户表 CSV（CBFBM、CBFMC、X、Y、PREFS、LOCKED）")
]
BlocksOpt = Annotated[Path, typer.Option("--blocks", help="整治后田块（图层 TK：TKBM、DLDJ；可含道路图层 DL）")]
ParamsOpt = Annotated[Path | None, typer.Option("--params", help="参数文件 YAML（见 docs/realloc.md）")]
ToleranceOpt = Annotated[float | None, typer.Option("--tolerance", help="价值容差，如 0.05 = ±5%")]
WidthOpt = Annotated[float | None, typer.Option("--min-width", help="最小地块宽度（米）")]


def _overrides(tolerance: float | None, min_width: float | None, **more: Any) -> dict[str, Any]:
    return {"tolerance": tolerance, "min_width": min_width, **more}


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2%}"


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def _violations(violations: list[dict[str, Any]]) -> None:
    table = Table(title=f"问题 {len(violations)} 项")
    table.add_column("类型")
    table.add_column("说明", overflow="fold")
    for v in violations:
        table.add_row(v["kind"], v["message"])
    console.print(table)


@app.command()
def synth(
    dataset: Annotated[str, typer.Argument(help="已导入的数据集 / imported dataset")],
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    village: Annotated[str | None, typer.Option("--village", help="村代码（12 位；默认耕地最多的村）")] = None,
    township: Annotated[str | None, typer.Option("--township", help="乡镇代码（9 位；整个乡镇）")] = None,
    households: Annotated[int | None, typer.Option("--households", help="户数（默认按耕地面积）")] = None,
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 0,
    block_length: Annotated[float, typer.Option("--block-length", help="新田块沿道路方向长度（米）")] = 1000.0,
    block_depth: Annotated[float, typer.Option("--block-depth", help="新田块纵深（米）")] = 200.0,
    as_json: JsonOpt = False,
) -> None:
    """在示例县上生成一个权属调整实例（承包地块、户表、整治后田块） / build an example instance."""
    result = run_service(
        lambda: realloc.synthesise(
            dataset,
            out,
            village=village,
            township=township,
            households=households,
            seed=seed,
            block_size=(block_length, block_depth),
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
        return
    console.print(
        f"已生成 {result['name']}（{result['scope']}）权属调整实例 {result['path']}：{result['households']} 户、"
        f"{result['parcels']} 块承包地、{result['blocks']} 个新田块、{result['roads']} 条道路"
    )


@app.command()
def run(
    parcels: ParcelsOpt,
    households: HouseholdsOpt,
    blocks: BlocksOpt,
    out: Annotated[Path, typer.Option("--out", help="输出文件夹 / output folder")],
    params: ParamsOpt = None,
    tolerance: ToleranceOpt = None,
    min_width: WidthOpt = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="求解时间上限（秒）")] = None,
    method: Annotated[
        str, typer.Option("--method", help="optimise（优化）| block_priority（块优先基准）")
    ] = "optimise",
    name: Annotated[str, typer.Option("--name", help="方案名称（公示表标题用，默认输出文件夹名）")] = "",
    as_json: JsonOpt = False,
) -> None:
    """优化分配新田块并切分地块，写出新承包地块图层、户表、公示表 / reallocate."""
    if method not in ("optimise", "block_priority"):
        console.print("[red]错误[/]：--method 应为 optimise 或 block_priority")
        raise typer.Exit(2)
    result = run_service(
        lambda: realloc.run(
            parcels, households, blocks, out, params_file=params, method=method, name=name,
            overrides=_overrides(tolerance, min_width, time_limit=time_limit),
        ),
        as_json=as_json,
    )  # fmt: skip
    if as_json:
        print_json(result)
    else:
        _print_result(result)
    if not result["check"]["ok"]:
        raise typer.Exit(1)


def _print_result(result: dict[str, Any]) -> None:
    ind, solver = result["indicators"], result["solver"]
    labels = result["labels"]
    table = Table(title=f"权属调整结果 {result['path']}")
    table.add_column("指标")
    table.add_column("调整前", justify="right")
    table.add_column("调整后", justify="right")
    table.add_row("户数", str(ind["households"]), str(ind["households"]))
    table.add_row("地块数", str(ind["parcels_before"]), str(ind["parcels_after"]))
    table.add_row("户均地块数", _num(ind["parcels_per_household_before"]), _num(ind["parcels_per_household_after"]))
    table.add_row("一户一块占比", _pct(ind["share_one_parcel_before"]), _pct(ind["share_one_parcel_after"]))
    table.add_row("Simmons 指数（均值）", _num(ind["simmons_mean_before"], 3), _num(ind["simmons_mean_after"], 3))
    table.add_row(
        "Januszewski 指数（均值）", _num(ind["januszewski_mean_before"], 3), _num(ind["januszewski_mean_after"], 3)
    )
    table.add_row("平均离家距离（米）", _num(ind["mean_distance_before"], 0), _num(ind["mean_distance_after"], 0))
    console.print(table)
    console.print(
        f"{labels.get('merge_degree', '田块归并度')} {_pct(ind['merge_degree'])}；"
        f"价值偏差 最大 {_pct(ind['max_abs_deviation'])}、平均 {_pct(ind['mean_abs_deviation'])}；"
        f"意愿满足 {_pct(ind['preference_fulfilment'])}；找补 付给农户 {_num(ind['settlement_paid'])} 元、"
        f"农户缴回 {_num(ind['settlement_received'])} 元；扣除率 {_pct(ind.get('deduction'))}"
    )
    console.print(
        f"求解：{solver['status']}，地块数 {solver['pieces']}（下界 {solver['piece_bound']}），"
        f"目标 {_num(solver['objective'])}、下界 {_num(solver['bound'])}、间隙 {_pct(solver['gap'])}，"
        f"{solver['seconds']:.1f} 秒"
    )
    for step in solver["method"]:
        console.print(f"  · {step}")
    if result["check"]["ok"]:
        console.print("[green]几何核查通过[/]：田块全覆盖、无重叠、价值在容差内、宽度达标、固定地块未动")
    else:
        _violations(result["check"]["violations"])


@app.command()
def check(
    parcels: ParcelsOpt,
    households: HouseholdsOpt,
    blocks: BlocksOpt,
    allocation: Annotated[Path, typer.Option("--allocation", help="待核查的调整后地块（含 CBFBM 的面图层）")],
    params: ParamsOpt = None,
    tolerance: ToleranceOpt = None,
    min_width: WidthOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按几何核查任意分配方案（面积取自图形）；有问题时退出码为 1 / verify an allocation."""
    result = run_service(
        lambda: realloc.check(
            parcels, households, blocks, allocation, params_file=params, overrides=_overrides(tolerance, min_width)
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
    elif result["ok"]:
        console.print(
            f"[green]核查通过[/]：{result['households']} 户、{result['pieces']} 块；田块全覆盖、无重叠、"
            "价值在容差内、宽度达标、固定地块未动"
        )
    else:
        _violations(result["violations"])
    if not result["ok"]:
        raise typer.Exit(1)


@app.command()
def save(
    project: Annotated[str, typer.Argument(help="项目编号")],
    folder: Annotated[Path, typer.Argument(help="realloc run 的输出文件夹")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """把权属调整结果（参数、指标、文件）保存为项目的一个版本 / store a result with the project."""
    result = run_service(lambda: realloc.save(acting(as_user), project, folder), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(f"已保存为项目 {project} 的权属调整版本 {result['number']}（{len(result['files'])} 个文件）")


@app.command("list")
def list_versions(
    project: Annotated[str, typer.Argument(help="项目编号")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """列出项目的权属调整版本 / list stored versions."""
    rows = run_service(lambda: realloc.versions(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"项目 {project} 的权属调整版本")
    for header in ("版本", "名称", "保存人", "时间", "户均地块 前→后", "间隙", "问题"):
        table.add_column(header)
    for r in rows:
        ind = r["indicators"]
        table.add_row(
            str(r["number"]), r["name"], r["created_by"], r["created_at"],
            f"{_num(ind.get('parcels_per_household_before'))} → {_num(ind.get('parcels_per_household_after'))}",
            _pct(r["solver"].get("gap")), str(r["violations"]),
        )  # fmt: skip
    console.print(table)


@app.command()
def notice(
    project: Annotated[str, typer.Argument(help="项目编号")],
    version: Annotated[int, typer.Option("--version", help="权属调整版本号")],
    out: Annotated[Path, typer.Option("--out", help="输出的公示表 .docx")],
    place: Annotated[
        str | None, typer.Option("--place", help="异议受理地点：版本尚无公示时使用（默认 村务公开栏）")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="异议受理截止日期：版本尚无公示时使用（默认 公示期满）")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """写出权属调整方案公示表（户表、四至、示意图、签字栏） / write the posting notice (docx)."""
    from landcon.services import realloc_notice

    result = run_service(
        lambda: realloc_notice.notice(acting(as_user), project, version, out, place=place, until=until),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
        return
    console.print(
        f"已写出公示表 {result['path']}：{result['households']} 户；调整前 {result['area_before']:,.2f} 平方米 = "
        f"调整后 {result['area_after']:,.2f} + 道路、沟渠等 {result['area_taken']:,.2f}"
    )


@app.command()
def confirm(
    project: Annotated[str, typer.Argument(help="项目编号")],
    version: Annotated[int, typer.Option("--version", help="权属调整版本号")],
    household: Annotated[str, typer.Option("--household", help="承包方编码 CBFBM")],
    signed_on: Annotated[str | None, typer.Option("--signed-on", help="签字日期 YYYY-MM-DD")] = None,
    absence: Annotated[str, typer.Option("--absence", help="未签字的原因说明（与 --signed-on 二选一）")] = "",
    attachment: Annotated[Path | None, typer.Option("--attachment", help="签字确认书扫描件")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录农户对权属调整方案的签字确认或未签字说明 / record a household's confirmation."""
    from landcon.services import realloc_adoption

    result = run_service(
        lambda: realloc_adoption.confirm(
            acting(as_user), project, version, household, signed_on=signed_on, absence=absence, attachment=attachment
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
        return
    what = f"{result['signed_on']} 签字确认" if result["signed_on"] else f"未签字，说明：{result['absence']}"
    console.print(f"已记录承包方 {household}：{what}")


@app.command()
def adopt(
    project: Annotated[str, typer.Argument(help="项目编号")],
    version: Annotated[int, typer.Option("--version", help="权属调整版本号")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """采用权属调整方案（公示结束且异议已答复、村民会议通过、签字确认齐全或已说明） / adopt a version."""
    from landcon.services import realloc_adoption

    result = run_service(lambda: realloc_adoption.adopt(acting(as_user), project, version), as_json=as_json)
    if as_json:
        print_json(result)
        return
    console.print(f"已采用项目 {project} 的权属调整方案第 {version} 版（{result['adopted_at']}）")
