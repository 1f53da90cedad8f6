"""``landcon vote …``: 村民会议 / 村民代表会议 表决 and 村民同意 records of a project's villages (docs/votes.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service

app = typer.Typer(no_args_is_help=True)
meeting_app = typer.Typer(no_args_is_help=True, help="村民会议表决 / village meeting votes")
consent_app = typer.Typer(no_args_is_help=True, help="村民同意 / consent records")
app.add_typer(meeting_app, name="meeting")
app.add_typer(consent_app, name="consent")

Project = Annotated[str, typer.Argument(help="项目编号 / project code")]
Parcels = Annotated[
    list[str] | None,
    typer.Option("--parcel", help="所涉地块：方案地块“图层:编号”或图斑 BSM / 地块编码，可重复 / parcel"),
]
Record = Annotated[Path | None, typer.Option("--record", help="签字的会议记录或同意书（PDF/图片等） / signed record")]
Version = Annotated[int | None, typer.Option("--version", help="方案版本号（默认最新） / plan version")]


@meeting_app.command("add")
def meeting_add(
    project: Project,
    village: Annotated[str, typer.Option("--village", help="村（12 位代码或村名） / village")],
    kind: Annotated[str, typer.Option("--kind", help="会议类型：村民会议 或 村民代表会议")],
    date: Annotated[str, typer.Option("--date", help="会议日期 YYYY-MM-DD")],
    motion: Annotated[str, typer.Option("--motion", help="表决事项 / motion")],
    motion_kind: Annotated[
        str, typer.Option("--motion-kind", help="事项类型：tenure_scheme、market_entry、demolition、plan、other")
    ],
    eligible: Annotated[int, typer.Option("--eligible", help="应到人数（成员或代表） / eligible members")],
    present: Annotated[int, typer.Option("--present", help="到会人数 / present")],
    votes_for: Annotated[int, typer.Option("--for", help="赞成 / in favour")],
    against: Annotated[int, typer.Option("--against", help="反对 / against")] = 0,
    abstain: Annotated[int, typer.Option("--abstain", help="弃权 / abstain")] = 0,
    roster: Annotated[list[str] | None, typer.Option("--roster", help="名册中的姓名，可重复 / roster name")] = None,
    parcel: Parcels = None,
    record: Record = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录村民会议表决；结果（有效、通过）由人数计算 / record a vote; its result is computed."""
    from landcon.services import village_votes

    m = run_service(
        lambda: village_votes.add_meeting(
            acting(as_user),
            project,
            village=village,
            kind=kind,
            held_on=date,
            motion=motion,
            motion_kind=motion_kind,
            eligible=eligible,
            present=present,
            votes_for=votes_for,
            against=against,
            abstain=abstain,
            roster=roster or [],
            parcels=parcel or [],
            attachment=record,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(m)
    else:
        console.print(
            f"已记录 {m['village_name']} {m['held_on']} {m['kind']} #{m['id']}：{m['reason']}", highlight=False
        )


def _meetings_table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="村民会议表决")
    for header in ("编号", "村", "日期", "会议", "事项", "应到", "到会", "赞成", "反对", "弃权", "结果"):
        table.add_column(header, overflow="fold")
    for m in rows:
        outcome = "通过" if m["passed"] else ("未通过" if m["valid"] else "会议无效")
        table.add_row(
            str(m["id"]),
            m["village_name"],
            m["held_on"],
            m["kind"],
            f"{m['motion']}（{m['motion_kind_name']}）",
            *(str(m[k]) for k in ("eligible", "present", "for", "against", "abstain")),
            outcome,
        )
    return table


@meeting_app.command("list")
def meeting_list(
    project: Project,
    motion_kind: Annotated[str | None, typer.Option("--motion-kind", help="只看该类事项 / one motion kind")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看项目的村民会议表决及其计算结果 / list the project's votes with their results."""
    from landcon.services import village_votes

    rows = run_service(
        lambda: village_votes.list_meetings(acting(as_user), project, motion_kind=motion_kind), as_json=as_json
    )
    if as_json:
        print_json(rows)
    elif not rows:
        console.print(f"项目 {project} 没有村民会议表决记录")
    else:
        console.print(_meetings_table(rows))
        for m in rows:
            console.print(f"#{m['id']} {m['reason']}", highlight=False)


@consent_app.command("add")
def consent_add(
    project: Project,
    kind: Annotated[str, typer.Option("--kind", help="同意类型：demolition、reallocation、market")],
    date: Annotated[str, typer.Option("--date", help="同意日期 YYYY-MM-DD")],
    village: Annotated[str | None, typer.Option("--village", help="农户所在村（12 位代码或村名）")] = None,
    household_code: Annotated[str, typer.Option("--household-code", help="承包方编码 / household code")] = "",
    household_name: Annotated[str, typer.Option("--household-name", help="户主姓名 / household head")] = "",
    parcel: Parcels = None,
    meeting: Annotated[int | None, typer.Option("--meeting", help="会议同意：村民会议表决编号 / vote id")] = None,
    record: Record = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记农户或村民会议的同意 / record a household's or a meeting's consent."""
    from landcon.services import consent

    c = run_service(
        lambda: consent.add_consent(
            acting(as_user),
            project,
            kind=kind,
            given_on=date,
            village=village,
            household_code=household_code,
            household_name=household_name,
            parcels=parcel or [],
            meeting=meeting,
            attachment=record,
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(c)
    else:
        console.print(f"已登记同意 #{c['id']}（{c['kind_name']}）：{_scope(c)}", highlight=False)


def _scope(c: dict[str, Any]) -> str:
    who = f"村民会议表决 #{c['meeting']}" if c["meeting"] else f"{c['household_name']} {c['household_code']}".strip()
    where = "全村" if c["whole_village"] else "、".join(c["parcels"][:6]) + (" 等" if len(c["parcels"]) > 6 else "")
    note = "" if c["counts"] else "（该表决未通过，不计为同意）"
    return f"{c['village_name'] or ''} {who}：{where}{note}"


@consent_app.command("list")
def consent_list(
    project: Project,
    kind: Annotated[str | None, typer.Option("--kind", help="只看该类同意 / one kind")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """查看项目的同意记录 / list consent records."""
    from landcon.services import consent

    rows = run_service(lambda: consent.list_consents(acting(as_user), project, kind=kind), as_json=as_json)
    if as_json:
        print_json(rows)
    elif not rows:
        console.print(f"项目 {project} 没有同意记录")
    else:
        for c in rows:
            console.print(f"#{c['id']} {c['given_on']} {c['kind_name']} [{c['source']}] {_scope(c)}", highlight=False)


@consent_app.command("import")
def consent_import(project: Project, version: Version = None, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """把方案中 CMTY=是 的地块登记为农户同意（已导入的不重复） / import the plan's CMTY as consent records."""
    from landcon.services import consent

    made = run_service(lambda: consent.import_cmty(acting(as_user), project, version), as_json=as_json)
    if as_json:
        print_json(made)
    else:
        console.print(f"从 CMTY 导入 {len(made)} 条同意记录", highlight=False)


@consent_app.command("check")
def consent_check(project: Project, version: Version = None, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """按现有同意记录重新检查拆除宅基地规则 / re-check DEMOLITION_NEEDS_CONSENT against today's records."""
    from landcon.services import consent

    result = run_service(lambda: consent.coverage(acting(as_user), project, version), as_json=as_json)
    if as_json:
        print_json(result)
        return
    f = result["finding"]
    names = {"pass": "通过", "fail": "不通过", "unknown": "无法检查"}
    console.print(f"方案第 {result['version']} 版 {f['title']}：{names.get(f['status'], f['status'])}", highlight=False)
    console.print(f["message"], highlight=False)
    if result["stored"] is not None and result["stored"]["status"] != f["status"]:
        console.print(f"（保存方案时为：{names.get(result['stored']['status'])}）", highlight=False)
