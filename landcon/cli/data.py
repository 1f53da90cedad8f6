"""``landcon data …``: synthetic county, validation, import and description of 三调 datasets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landcon.cli._common import JsonOpt, console, print_json, progress_bar, run_service
from landcon.services import datasets

app = typer.Typer(no_args_is_help=True)

EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="强制 Shapefile 文本编码，如 GBK、UTF-8 / force the shapefile text encoding"),
]
SHOWN_PROBLEMS = 200


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="输出路径 / output path")],
    county: Annotated[str, typer.Option("--county", help="县级行政区划代码 / county code")] = "530124",
    features: Annotated[int, typer.Option("--features", help="地类图斑数量 / number of DLTB features")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="gpkg | gdb | shp | parquet")] = "gpkg",
    epsg: Annotated[int, typer.Option("--epsg", help="CGCS2000 坐标系 EPSG / CRS")] = 4543,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="覆盖已有输出 / replace output")] = False,
    as_json: JsonOpt = False,
) -> None:
    """生成模拟的云南山区县（三调结构） / generate a synthetic Yunnan mountain county."""
    if fmt not in ("gpkg", "gdb", "shp", "parquet"):
        raise typer.BadParameter("--format 必须是 gpkg、gdb、shp 或 parquet", param_hint="--format")
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: datasets.synthesise(
                out,
                county=county,
                features=features,
                seed=seed,
                fmt=fmt,  # type: ignore[arg-type]
                epsg=epsg,
                overwrite=overwrite,
                progress=progress,
            ),
            as_json=as_json,
        )
    if as_json:
        print_json(result)
        return
    counts = "，".join(f"{k} {v}" for k, v in result["counts"].items())
    console.print(f"已生成 {result['path']}（{fmt}，EPSG:{epsg}）：{counts}")


@app.command()
def validate(
    path: Annotated[str, typer.Argument(help=".gdb / .gpkg / shapefile 或 GeoParquet 文件夹 / .zip")],
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """校验数据；无错误退出码 0，有错误 1，无法读取 2 / exit 0 valid, 1 errors, 2 unreadable."""
    with progress_bar(not as_json) as progress:
        report = run_service(lambda: datasets.validate(path, encoding=encoding, progress=progress), as_json=as_json)
    if as_json:
        data = report.as_dict()
        print_json({"valid": data["valid"], "problems": data["problems"], "layers": data["layers"]})
    else:
        _print_report(report)
    raise typer.Exit(0 if report.valid else 1)


def _print_report(report: datasets.ValidationReport) -> None:
    layers = Table(title=f"图层 / layers — {report.path}", show_lines=False)
    for column in ("图层", "来源图层/文件", "文件", "要素数", "EPSG", "编码"):
        layers.add_column(column)
    for name, facts in report.layers.items():
        layers.add_row(
            name,
            str(facts["source_layer"]),
            str(facts["file"]),
            str(facts["features"]),
            str(facts["epsg"] or "—"),
            str(facts["encoding"] or ""),
        )
    console.print(layers)
    if report.problems:
        table = Table(title=f"问题 / problems（错误在前，最多 {SHOWN_PROBLEMS} 条；全部见 --json）")
        for column in ("级别", "图层", "要素", "字段", "代码"):
            table.add_column(column, no_wrap=True)
        table.add_column("说明", overflow="fold")
        errors_first = sorted(report.problems, key=lambda p: p.severity != "error")
        for p in errors_first[:SHOWN_PROBLEMS]:
            level = "[red]错误[/]" if p.severity == "error" else "[yellow]警告[/]"
            table.add_row(level, p.layer, str(p.feature or ""), p.field or "", p.code, p.message)
        console.print(table)
        counts = Counter((p.severity, p.code) for p in report.problems)
        console.print(
            "按代码统计 / by code：" + "；".join(f"{code} {n}" for (_, code), n in sorted(counts.items())),
            highlight=False,
        )
    errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
    verdict = "[green]通过[/]" if report.valid else "[red]未通过[/]"
    console.print(f"校验{verdict}：错误 {errors} 个，警告 {warnings} 个 / errors {errors}, warnings {warnings}")


@app.command("import")
def import_(
    path: Annotated[str, typer.Argument(help="要导入的数据 / data to import")],
    name: Annotated[str, typer.Option("--name", help="数据集名称 / dataset name")],
    encoding: EncodingOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="替换同名数据集 / replace a dataset")] = False,
    as_json: JsonOpt = False,
) -> None:
    """校验并导入为数据集；有错误则拒绝（退出码 1，不写入任何内容） / validate and import."""
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: datasets.import_dataset(path, name, encoding=encoding, replace=replace, progress=progress),
            as_json=as_json,
        )
    if as_json:
        print_json(result.as_dict())
        return
    counts = "，".join(f"{k} {v}" for k, v in result.manifest.get("counts", {}).items())
    console.print(f"[green]已导入[/] 数据集 {result.name} → {result.path}（{counts}）")
    for standard, source in result.manifest.get("source", {}).get("layers", {}).items():
        console.print(f"  {standard} ← {source.get('file')}（{source.get('source_layer')}）", highlight=False)
    for p in result.warnings[:SHOWN_PROBLEMS]:
        console.print(
            f"[yellow]警告[/] {p.layer} {p.feature or ''} {p.field or ''} {p.code}：{p.message}",
            highlight=False,
        )


@app.command()
def info(
    name_or_path: Annotated[str, typer.Argument(help="数据集名称或路径 / dataset name or path")],
    encoding: EncodingOpt = None,
    version: Annotated[
        int | None, typer.Option("--version", help="已保留的历史版本号（默认当前版本） / a kept version")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """每个图层的要素数、坐标系与椭球面积；DLTB 按地类汇总；已导入数据集的各版本 / per-layer summary."""
    result = run_service(lambda: datasets.info(name_or_path, encoding=encoding, version=version), as_json=as_json)
    if as_json:
        out = {"layers": {n: i.as_dict() for n, i in result.layers.items()}, "source_layers": result.source_layers}
        if result.versions is not None:
            out |= {"version": result.version, "versions": result.versions}
        print_json(out)
        return
    table = Table(title=f"数据集 / dataset — {result.source}")
    for column in ("图层", "要素数", "EPSG", "椭球面积 m²", "公顷"):
        table.add_column(column, justify="right")
    for name, layer in result.layers.items():
        area = layer.ellipsoid_area_m2
        table.add_row(
            name,
            f"{layer.features:,}",
            str(layer.epsg or "—"),
            f"{area:,.2f}" if area is not None else "—",
            f"{datasets.to_hectare(area):,.4f}" if area is not None else "—",
        )
    console.print(table)
    for standard, source in (result.source_layers or {}).items():
        console.print(f"{standard} ← {source.get('file')}（{source.get('source_layer')}）", highlight=False)
    dltb = result.layers.get("DLTB")
    if dltb and dltb.area_method_difference:
        d = dltb.area_method_difference
        console.print(
            f"DLTB 图斑椭球面积（国土调查办发〔2008〕32号，按节点）与精化面积（≈ 测地线面积）之差：最大 "
            f"{d.max_abs_m2:+.4f} m²（图斑 {d.max_abs_feature}），最大相对 {d.max_rel:.2e}（图斑 {d.max_rel_feature}）",
            highlight=False,
        )
    if dltb and dltb.tbdlmj_by_dlbm_m2:
        by_class = Table(title="DLTB 图斑地类面积（TBDLMJ）按地类 / by land-use class")
        for column in ("DLBM", "m²", "亩"):
            by_class.add_column(column, justify="right")
        for code, m2 in dltb.tbdlmj_by_dlbm_m2.items():
            by_class.add_row(code, f"{m2:,.2f}", f"{datasets.to_mu(m2):,.2f}")
        console.print(by_class)
    if result.versions:
        history = Table(title=f"版本 / versions（显示的是版本 {result.version}）")
        for column in ("版本", "导入时间", "导入人", "要素数", ""):
            history.add_column(column, justify="right")
        for v in result.versions:
            mark = "当前" if v["current"] else ""
            history.add_row(
                str(v["version"]),
                str(v["imported_at"] or "—"),
                str(v["imported_by"] or "—"),
                f"{v['features']:,}",
                mark,
            )
        console.print(history)


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """列出已导入的数据集 / list stored datasets."""
    rows = run_service(datasets.list_datasets, as_json=as_json)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['name']}  {row['imported_at']}  {row['counts']}")


@app.command("synth-vintage")
def synth_vintage(
    dataset: Annotated[str, typer.Argument(help="已导入的数据集名称 / imported dataset name")],
    plan: Annotated[Path, typer.Option("--plan", help="实施方案文件夹 / plan folder (plan.gpkg + plan.yaml)")],
    out: Annotated[Path, typer.Option("--out", help="输出路径 / output path")],
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed")] = 0,
    achieved: Annotated[
        float, typer.Option("--achieved", help="已实施的新增耕地图斑比例 / share of new-farmland parcels carried out")
    ] = 0.6,
    fmt: Annotated[str, typer.Option("--format", help="gpkg | gdb | shp | parquet")] = "gpkg",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="覆盖已有输出 / replace output")] = False,
    built: Annotated[
        Path | None, typer.Option("--built", help="另一方案文件夹：除一个图斑外全部按方案建成 / a plan built in full")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """生成模拟的年度变更调查数据（部分方案已实施、一处规划外建设） / generate a later survey vintage."""
    if fmt not in ("gpkg", "gdb", "shp", "parquet"):
        raise typer.BadParameter("--format 必须是 gpkg、gdb、shp 或 parquet", param_hint="--format")
    with progress_bar(not as_json) as progress:
        result = run_service(
            lambda: datasets.synthesise_vintage(
                dataset,
                plan,
                out,
                seed=seed,
                achieved_share=achieved,
                fmt=fmt,  # type: ignore[arg-type]
                overwrite=overwrite,
                progress=progress,
                built=built,
            ),
            as_json=as_json,
        )
    if as_json:
        print_json(result)
        return
    console.print(
        f"已生成 {result['path']}：新增耕地已实施 {len(result['achieved'])} 处、改作他用 {len(result['lost'])} 处、"
        f"未实施 {len(result['not_yet'])} 处；规划外建设占用图斑 {result['intrusion']}"
    )
    if "built" in result:
        console.print(
            f"第二个方案 {built} 已按方案建成 {result['built']['parcels'] - 1} 处，"
            f"改作他用 CZGHTB {'、'.join(result['built']['lost'])}"
        )
    console.print(f"导入：landcon data import {result['path']} --name {dataset} --replace")
