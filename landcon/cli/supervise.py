"""``landcon supervise …``: 实施监管 — sub-projects, progress reports and the funds summary."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.cli.supervise_export import export
from landcon.errors import InvalidRecord

app = typer.Typer(no_args_is_help=True)
subproject_app = typer.Typer(no_args_is_help=True, help="子项目 / sub-projects")
report_app = typer.Typer(no_args_is_help=True, help="进度填报 / progress reports")
app.add_typer(subproject_app, name="subproject")
photo_app = typer.Typer(no_args_is_help=True, help="现场照片 / site photos")
app.add_typer(report_app, name="report")
app.add_typer(photo_app, name="photo")
app.command("export")(export)

Project = Annotated[str, typer.Argument(help="项目编号 / project code")]
SubCode = Annotated[str, typer.Argument(help="子项目编号 ZXMBH / sub-project code")]
MAPPING_HELP = "JSON 对象，如 '{\"中央财政\": 300}' / a JSON object"
QUANTITY_HELP = "JSON 对象，键见 docs/supervision.md，如 '{\"land_levelling\": 12.5}' / a JSON object"


def _mapping(text: str | None, option: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRecord(f"{option} 不是有效的 JSON：{error.msg}", field=option) from error
    if not isinstance(value, dict):
        raise InvalidRecord(f"{option} 应为 JSON 对象（键: 值）", field=option)
    return value


def _amounts(values: dict[str, Any]) -> str:
    return "，".join(f"{k} {v:g}" for k, v in values.items()) or "—"


def _subs_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="子项目")
    for header in (
        "编号",
        "名称",
        "类型",
        "责任部门",
        "责任单位",
        "计划工期",
        "投资（万元）",
        "资金安排（万元）",
        "完成%",
    ):
        table.add_column(header, overflow="fold")
    for s in rows:
        table.add_row(
            s["code"],
            s["name"],
            s["type"],
            s["department"] or "—",
            f"{s['unit_name']}（{s['unit']}）" if s["unit"] else "—",
            f"{s['start'] or '?'} – {s['end'] or '?'}",
            f"{s['investment']:g}",
            _amounts(s["budget"]),
            f"{s['percent']:g}",
        )
    return table


@subproject_app.command("from-plan")
def from_plan(project: Project, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """按获批方案的子项目（plan.yaml 与 ZXMBH 图斑）登记子项目 / register the approved plan's sub-projects."""
    from landcon.services import supervision

    rows = run_service(lambda: supervision.create_from_plan(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(rows)
    else:
        console.print(f"已登记 {len(rows)} 个子项目：{'、'.join(r['code'] for r in rows) or '—'}")


@subproject_app.command("create")
def create(
    project: Project,
    code: SubCode,
    name: Annotated[str, typer.Option("--name", help="子项目名称 / name")],
    kind: Annotated[str, typer.Option("--type", help="子项目类型，如 农用地整理 / type")],
    polygon: Annotated[str | None, typer.Option("--polygon", help="范围面文件（单图层） / outline file")] = None,
    department: Annotated[str, typer.Option("--department", help="责任部门 / department")] = "",
    unit: Annotated[str | None, typer.Option("--unit", help="责任单位行政区划代码 / unit code")] = None,
    start: Annotated[str | None, typer.Option("--start", help="计划开工 YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--end", help="计划完工 YYYY-MM-DD")] = None,
    investment: Annotated[float, typer.Option("--investment", help="投资（万元）")] = 0.0,
    budget: Annotated[str | None, typer.Option("--budget", help=f"资金安排（万元）按来源，{MAPPING_HELP}")] = None,
    quantities: Annotated[str | None, typer.Option("--quantities", help=f"计划工程量，{QUANTITY_HELP}")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记一个子项目 / register one sub-project."""
    from landcon.services import supervision

    s = run_service(
        lambda: supervision.create_subproject(
            acting(as_user),
            project,
            code,
            name=name,
            kind=kind,
            department=department,
            unit=unit,
            start=start,
            end=end,
            investment=investment,
            budget=_mapping(budget, "--budget"),
            quantities=_mapping(quantities, "--quantities"),
            polygon=polygon,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(s)
    else:
        console.print(f"已登记子项目 {s['code']}“{s['name']}”")


@subproject_app.command("edit")
def edit(
    project: Project,
    code: SubCode,
    budget: Annotated[str | None, typer.Option("--budget", help=f"资金安排（万元）按来源，{MAPPING_HELP}")] = None,
    quantities: Annotated[str | None, typer.Option("--quantities", help=f"计划工程量，{QUANTITY_HELP}")] = None,
    department: Annotated[str | None, typer.Option("--department", help="责任部门 / department")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="责任单位行政区划代码 / unit code")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """修改子项目的资金安排、计划工程量、责任部门或责任单位 / edit a sub-project."""
    from landcon.services import supervision

    s = run_service(
        lambda: supervision.update_subproject(
            acting(as_user),
            project,
            code,
            budget=_mapping(budget, "--budget"),
            quantities=_mapping(quantities, "--quantities"),
            department=department,
            unit=unit,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(s)
    else:
        console.print(f"已修改子项目 {s['code']}：资金安排 {_amounts(s['budget'])}")


@subproject_app.command("list")
def list_subprojects(project: Project, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """子项目及其最新完成比例 / sub-projects with their latest percent complete."""
    from landcon.services import supervision

    rows = run_service(lambda: supervision.list_subprojects(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(rows)
    else:
        console.print(_subs_table(rows))


@report_app.command("add")
def add_report(
    project: Project,
    code: SubCode,
    period: Annotated[str, typer.Option("--period", help="填报期次，如 2026-06 / period")],
    date: Annotated[str, typer.Option("--date", help="填报日期 YYYY-MM-DD")],
    percent: Annotated[float, typer.Option("--percent", help="累计完成百分比 0–100")],
    quantities: Annotated[str | None, typer.Option("--quantities", help=f"本期完成工程量，{QUANTITY_HELP}")] = None,
    disbursed: Annotated[str | None, typer.Option("--disbursed", help=f"本期拨付资金（万元），{MAPPING_HELP}")] = None,
    issues: Annotated[str, typer.Option("--issues", help="存在问题 / issues")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """填报一期实施进度 / add a progress report."""
    from landcon.services import supervision

    r = run_service(
        lambda: supervision.add_report(
            acting(as_user),
            project,
            code,
            period=period,
            reported_on=date,
            percent=percent,
            quantities=_mapping(quantities, "--quantities"),
            disbursed=_mapping(disbursed, "--disbursed"),
            issues=issues,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(r)
    else:
        console.print(f"已填报子项目 {r['sub_project']} {r['period']} 进度 {r['percent']:g}%（#{r['id']}）")


@report_app.command("list")
def list_reports(
    project: Project,
    code: Annotated[str | None, typer.Option("--sub", help="只看该子项目 / one sub-project")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """进度填报记录 / progress reports."""
    from landcon.services import supervision

    rows = run_service(lambda: supervision.list_reports(acting(as_user), project, code), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title="进度填报")
    for header in ("#", "子项目", "期次", "日期", "完成%", "工程量", "拨付（万元）", "填报人", "问题"):
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["sub_project"],
            r["period"],
            r["reported_on"],
            f"{r['percent']:g}",
            _amounts(r["quantities"]),
            _amounts(r["disbursed"]),
            r["reporter"],
            r["issues"] or "—",
        )
    console.print(table)


@app.command()
def funds(project: Project, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """资金：方案筹措、子项目安排与已拨付，按来源和部门 / funds planned, allocated and disbursed."""
    from landcon.services import supervision

    f = run_service(lambda: supervision.funds(acting(as_user), project), as_json=as_json)
    if as_json:
        print_json(f)
        return
    table = Table(title=f"项目 {f['project']} 资金（万元，方案版本 {f['plan_version']}）")
    for header in ("来源", "方案筹措", "子项目安排", "未安排", "已拨付", "拨付率"):
        table.add_column(header)
    for r in f["sources"]:
        rate = "—" if r["disbursement_rate"] is None else f"{r['disbursement_rate']:.1%}"
        table.add_row(
            r["source"],
            f"{r['planned']:g}",
            f"{r['allocated']:g}",
            f"{r['unallocated']:g}",
            f"{r['disbursed']:g}",
            rate,
        )
    table.add_row("合计", f"{f['planned']:g}", f"{f['allocated']:g}", "", f"{f['disbursed']:g}", "")
    console.print(table)
    dept = Table(title="按部门")
    for header in ("部门", "安排", "已拨付"):
        dept.add_column(header)
    for d in f["departments"]:
        dept.add_row(d["department"], f"{d['allocated']:g}", f"{d['disbursed']:g}")
    console.print(dept)
    if not f["reconciles"]:
        console.print("[yellow]子项目资金安排与方案资金筹措不一致（见“未安排”列）[/]")


@report_app.command("import")
def import_reports(
    project: Project,
    path: Annotated[str, typer.Argument(help="进度填报表 .xlsx 或 .csv（UTF-8/GBK） / xlsx or csv file")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """从模板表格导入进度填报；任一行有误则整批不导入 / import progress reports, all or nothing."""
    from landcon.services import supervision_import

    rows = run_service(lambda: supervision_import.import_reports(acting(as_user), project, path), as_json=as_json)
    if as_json:
        print_json(rows)
    else:
        console.print(f"已导入 {len(rows)} 条进度填报")


@app.command()
def template(
    out: Annotated[str, typer.Option("--out", help="输出 .xlsx 文件 / output file")],
    as_json: JsonOpt = False,
) -> None:
    """写出进度填报导入模板 / write the progress-report import template."""
    from landcon.services import supervision_import

    path = run_service(lambda: supervision_import.write_template(out), as_json=as_json)
    if as_json:
        print_json({"template": str(path), "columns": list(supervision_import.REPORT_COLUMNS)})
    else:
        console.print(f"已写出模板 {path}")


def _photo_line(p: dict[str, Any]) -> str:
    where = f"{p['lon']:.6f}, {p['lat']:.6f}" if p["lon"] is not None else "—"
    distance = f"，距范围 {p['distance_m']:g} 米" if p["distance_m"] else ""
    mark = "[yellow]⚠ [/]" if p["flagged"] else ""
    return f"{mark}#{p['id']} {p['sub_project']} {p['filename']}（{where}{distance}）：{p['status_name']}"


@photo_app.command("add")
def add_photo(
    project: Project,
    code: SubCode,
    files: Annotated[list[str], typer.Argument(help="JPEG 照片 / JPEG files")],
    report: Annotated[int | None, typer.Option("--report", help="所属进度填报编号 / report id")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """上传现场照片并核对拍摄位置 / add site photos and check where they were taken."""
    from landcon.services import supervision_photos

    rows = [
        run_service(
            lambda f=f: supervision_photos.add_photo(acting(as_user), project, code, f, report_id=report),
            as_json=as_json,
        )
        for f in files
    ]
    if as_json:
        print_json(rows)
    else:
        for p in rows:
            console.print(_photo_line(p))


@photo_app.command("list")
def list_photos(
    project: Project,
    code: Annotated[str | None, typer.Option("--sub", help="只看该子项目 / one sub-project")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """现场照片及位置核对结果 / site photos with their position check."""
    from landcon.services import supervision_photos

    rows = run_service(lambda: supervision_photos.list_photos(acting(as_user), project, code), as_json=as_json)
    if as_json:
        print_json(rows)
    else:
        for p in rows:
            console.print(_photo_line(p))
        console.print(f"共 {len(rows)} 张，其中 {sum(p['flagged'] for p in rows)} 张需核实")


@app.command()
def dashboard(
    unit: Annotated[str | None, typer.Option("--unit", help="行政区划代码（默认本单位）/ unit code")] = None,
    xlsx: Annotated[str | None, typer.Option("--xlsx", help="写出驾驶舱表格 xlsx / write the tables to FILE")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """监管驾驶舱：项目阶段、进度、资金、新增耕地、预警 / the supervision dashboard of a 州市 or the province."""
    from landcon.services import dashboard as D

    who = acting(as_user)
    if xlsx:
        written = run_service(lambda: D.export_xlsx(who, xlsx, unit=unit), as_json=as_json)
        data = written.pop("dashboard") | {"xlsx": written}
    else:
        data = run_service(lambda: D.dashboard(who, unit=unit), as_json=as_json)
    if as_json:
        print_json(data)
        return
    for t in D.tables(data):
        table = Table(title=t["title"])
        for c in t["columns"]:
            table.add_column(c["label"], overflow="fold", justify="left" if c["kind"] == "text" else "right")
        kinds = [c["kind"] for c in t["columns"]]
        rows = [[r[c["key"]] for c in t["columns"]] for r in t["rows"]]
        if t["totals"] and rows:
            rows.append(["合计", *(t["totals"].get(c["key"], "") for c in t["columns"][1:])])
        for row in rows:
            table.add_row(*(_cell(v, kind) for v, kind in zip(row, kinds, strict=True)))
        console.print(table)
    if xlsx:
        console.print(f"已写出 {data['xlsx']['path']}")


def _cell(value: object, kind: str) -> str:
    """One dashboard cell as text: a rate (a fraction, 拨付率) as a percentage like ``supervise funds``."""
    if value is None:
        return "—"
    if kind == "rate" and isinstance(value, int | float):
        return f"{value:.1%}"
    return f"{value:g}" if isinstance(value, float) else str(value)
