"""``landcon survey …``: the baseline survey (摸底调查) of a dataset, and a province batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, progress_bar, run_service
from landcon.services import survey, survey_province
from landcon.services.datasets import to_hectare, to_mu

app = typer.Typer(no_args_is_help=True)

LEVEL_NAMES = {"county": "县", "township": "乡镇", "village": "村", "area": "整治区域"}


def _ha_mu(m2: float | None) -> str:
    if m2 is None:
        return "—"
    return f"{to_hectare(m2):,.4f} 公顷 / {to_mu(m2):,.2f} 亩"


def _summary_table(units: list[dict[str, Any]]) -> Table:
    table = Table(title="摸底调查汇总（面积：公顷）")
    for header in ("级别", "代码", "名称", "总面积", "耕地", "永农内耕地", "连片数", "≥100亩", "即可恢复", "撂荒"):
        table.add_column(header, justify="right" if header not in ("级别", "代码", "名称") else "left")

    def ha(v: float | None) -> str:
        return "—" if v is None else f"{to_hectare(v):,.4f}"

    for u in units:
        if u["level"] == "village" and len(units) > 60:
            continue  # long lists: the xlsx has every village
        table.add_row(
            LEVEL_NAMES[u["level"]],
            u["code"],
            u["name"],
            ha(u["unit_area_m2"]),
            ha(u["cultivated_net_m2"]),
            ha(u["cultivated_in_permanent_farmland_net_m2"]),
            str(u["cultivated_patches"]),
            str(u["patches_ge_100mu_net"]),
            ha(u["restorable_immediate_m2"]),
            ha(u["abandoned_cultivated_net_m2"]),
        )
    return table


@app.command()
def run(
    dataset: Annotated[str, typer.Argument(help="已导入的数据集名称 / imported dataset name")],
    unit: Annotated[str, typer.Option("--unit", help="最细统计单元 village | township | county")] = "village",
    area: Annotated[
        Path | None, typer.Option("--area", help="整治区域面文件（任意矢量格式） / consolidation-area polygons")
    ] = None,
    bridge_width: Annotated[
        float | None,
        typer.Option(
            "--bridge-width", help="跨越窄于 W 米的道路/沟渠/田坎计算连片 / bridge linear land narrower than W m"
        ),
    ] = None,
    idle_homesteads: Annotated[
        Path | None,
        typer.Option("--idle-homesteads", help="闲置宅基地清单（含 BSM 列的 csv/xlsx/txt） / idle homestead BSM list"),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹 / output folder")] = None,
    maps: Annotated[bool, typer.Option("--maps/--no-maps", help="输出专题图 PNG / render maps")] = True,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """对数据集开展摸底调查，输出 survey.json、survey.xlsx、潜力图层和专题图 / survey a dataset."""
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: survey.run_survey(
                dataset,
                who=acting(as_user),
                unit=unit,
                area=area,
                bridge_width_m=bridge_width,
                idle_homesteads=idle_homesteads,
                out=out,
                maps=maps,
                progress=progress,
            ),
            as_json=as_json,
        )
    if as_json:
        print_json(result.as_dict())
        return
    console.print(_summary_table(result.data["units"]))
    county = next((u for u in result.data["units"] if u["level"] == "county"), None)
    if county is not None:
        console.print(
            f"耕地 {_ha_mu(county['cultivated_net_m2'])}；连片 {county['cultivated_patches']} 处，"
            f"百亩方 {county['patches_ge_100mu_net']} 处，千亩方 {county['patches_ge_1000mu_net']} 处"
        )
    missing = [k for k, v in result.data["overlays"].items() if not v]
    if missing:
        console.print(f"[yellow]缺少图层 {'、'.join(missing)}：相关叠加统计为“—”（不可用）[/]")
    console.print(f"结果已写入 {result.out_dir}：{'、'.join(result.files)}")


@app.command()
def batch(
    datasets: Annotated[list[str], typer.Argument(help="多个县的数据集名称 / county dataset names")],
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask 调度器地址，如 tcp://host:8786 / Dask scheduler")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件夹 / output folder")] = None,
    unit: Annotated[str, typer.Option("--unit", help="最细统计单元 village | township | county")] = "village",
    workers: Annotated[int | None, typer.Option("--workers", help="本地工作进程数 / local workers")] = None,
    maps: Annotated[bool, typer.Option("--maps/--no-maps", help="每县输出专题图 / maps per county")] = False,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """多县并行摸底调查（Dask 分布式），输出全省汇总 / survey many counties in parallel."""
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: survey_province.survey_batch(
                datasets,
                scheduler=scheduler,
                out=out,
                unit=unit,
                maps=maps,
                workers=workers,
                progress=progress,
                who=acting(as_user),
            ),
            as_json=as_json,
        )
    if as_json:
        print_json(result.as_dict())
        return
    console.print(_summary_table(result.data["counties"]))
    console.print(f"全省汇总已写入 {result.out_dir}：province.json、province.xlsx 及各县结果")
