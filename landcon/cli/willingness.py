"""``landcon willingness …``: 意愿调查 — a project's questionnaire, its households, responses (one at a
time, or from xlsx), paper forms and results (docs/participation.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service

app = typer.Typer(no_args_is_help=True)

Project = Annotated[str, typer.Argument(help="项目编号 / project code")]
Out = Annotated[Path, typer.Option("--out", "-o", help="输出文件 / output file")]


def _done(result: Any, as_json: bool, text: str) -> None:
    if as_json:
        print_json(result)
    else:
        console.print(text, highlight=False)


@app.command("template")
def template_cmd(as_json: JsonOpt = False) -> None:
    """打印标准问卷模板（YAML） / print the standard questionnaire."""
    import yaml

    from landcon.services import willingness

    t = run_service(willingness.template, as_json=as_json)
    if as_json:
        print_json(t)
    else:
        typer.echo(yaml.safe_dump(t, allow_unicode=True, sort_keys=False))


@app.command("create")
def create_cmd(
    project: Project,
    questionnaire: Annotated[
        Path | None, typer.Option("--questionnaire", help="问卷 YAML/JSON（默认标准模板） / questionnaire file")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """为项目建立意愿调查问卷 / give the project its questionnaire."""
    from landcon.services import willingness

    def run() -> dict[str, Any]:
        given = willingness.read_questionnaire_file(questionnaire) if questionnaire else None
        return willingness.create(acting(as_user), project, given)

    q = run_service(run, as_json=as_json)
    _done(q, as_json, f"已建立问卷“{q['title']}”：{len(q['questions'])} 个问题")


@app.command("households")
def households_cmd(project: Project, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """从最新权属调整方案取承包方名单 / households from the latest 权属调整 version."""
    from landcon.services import willingness_households

    r = run_service(lambda: willingness_households.households_from_realloc(acting(as_user), project), as_json=as_json)
    _done(
        r,
        as_json,
        f"权属调整第 {r['realloc_version']} 版：新增 {r['added']} 户，更新 {r['updated']} 户，共 {r['households']} 户",
    )


@app.command("roster")
def roster_cmd(
    project: Project,
    file: Annotated[Path, typer.Argument(help="农户名单 xlsx/csv / household roster")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导入农户名单（有一行出错则全部不导入） / import a household roster, all or nothing."""
    from landcon.services import willingness_import

    r = run_service(lambda: willingness_import.import_roster(acting(as_user), project, file), as_json=as_json)
    _done(r, as_json, f"新增 {r['added']} 户，更新 {r['updated']} 户，共 {r['households']} 户")


@app.command("roster-template")
def roster_template_cmd(
    out: Out,
    project: Annotated[
        str | None, typer.Option("--project", help="写出该项目现有农户以便修改后导入 / the project's households")
    ] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """写出农户名单模板 / write the roster template."""
    from landcon.services import willingness_import

    path = run_service(lambda: willingness_import.write_roster_template(out, acting(as_user), project), as_json=as_json)
    _done({"path": str(path)}, as_json, f"已写出 {path}")


@app.command("respond")
def respond_cmd(
    project: Project,
    household: Annotated[str, typer.Argument(help="承包方编码 / household code")],
    answer: Annotated[list[str], typer.Option("--answer", "-a", help="key=回答，可重复；多选用分号分隔 / key=value")],
    source: Annotated[str, typer.Option("--source", help="web / xlsx / paper")] = "paper",
    respondent: Annotated[str, typer.Option("--respondent", help="受访人 / respondent")] = "",
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """录入一户的回答 / enter one household's answers."""
    from landcon.errors import InvalidRecord
    from landcon.services import willingness

    def run() -> dict[str, Any]:
        answers: dict[str, object] = {}
        for item in answer:
            key, sep, value = item.partition("=")
            if not sep:
                raise InvalidRecord(f"--answer 应写作 key=回答，现为 {item!r}", field="answer")
            answers[key.strip()] = value
        return willingness.respond(acting(as_user), project, household, answers, source=source, respondent=respondent)

    r = run_service(run, as_json=as_json)
    _done(r, as_json, f"已录入 {r['head']}（{r['code']}）的回答：{r['answers']}")


@app.command("import")
def import_cmd(
    project: Project,
    file: Annotated[Path, typer.Argument(help="录入表 xlsx/csv / response workbook")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导入农户回答（有一行出错则全部不导入） / import responses, all or nothing."""
    from landcon.services import willingness_import

    r = run_service(lambda: willingness_import.import_responses(acting(as_user), project, file), as_json=as_json)
    _done(r, as_json, f"已导入 {r['imported']} 户的回答")


@app.command("response-template")
def response_template_cmd(project: Project, out: Out, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """写出回答录入表（列出可录入的农户） / write the response workbook."""
    from landcon.services import willingness_import

    path = run_service(
        lambda: willingness_import.write_response_template(acting(as_user), project, out), as_json=as_json
    )
    _done({"path": str(path)}, as_json, f"已写出 {path}")


@app.command("forms")
def forms_cmd(
    project: Project,
    out: Out,
    village: Annotated[str | None, typer.Option("--village", help="只打印该村（12 位代码）")] = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """打印纸质调查表（docx，每个村民小组一页） / paper forms."""
    from landcon.services import willingness_views

    path = run_service(
        lambda: willingness_views.forms_docx(acting(as_user), project, out, village=village), as_json=as_json
    )
    _done({"path": str(path)}, as_json, f"已写出 {path}")


@app.command("results")
def results_cmd(
    project: Project,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="同时写出意愿汇总表 / summary workbook")] = None,
    full: Annotated[bool, typer.Option("--full", help="显示完整承包方编码（需管理权限） / unmasked codes")] = False,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """意愿调查结果：按村、村民小组，分题，反对户 / results."""
    from landcon.services import willingness, willingness_views

    def run() -> dict[str, Any]:
        who = acting(as_user)
        out = willingness.results(who, project, public=not full)
        if xlsx is not None:
            out["xlsx"] = str(willingness_views.summary_xlsx(who, project, xlsx, public=not full))
        return out

    r = run_service(run, as_json=as_json)
    if as_json:
        print_json(r)
        return
    from rich.table import Table

    t = r["total"]
    console.print(
        f"{r['title']}：{t['households']} 户，已回答 {t['responded']} 户（{(t['response_rate'] or 0) * 100:.1f}%），"
        f"同意 {t['agree']} 户，反对 {t['object']} 户",
        highlight=False,
    )
    table = Table("村", "村民小组", "户数", "已回答", "同意", "反对")
    for v in r["villages"]:
        for g in v["groups"]:
            table.add_row(v["name"], g["group"], *(str(g[k]) for k in ("households", "responded", "agree", "object")))
    console.print(table)
    qs = Table("问题", "回答户", "同意率")
    for q in t["questions"]:
        share = "—" if q["agree_share"] is None else f"{q['agree_share'] * 100:.1f}%"
        qs.add_row(q["text"], str(q["answered"]), share)
    console.print(qs)
    for h in r["objecting"]:
        console.print(f"反对：{h['head']}（{h['code']}）{h['village']}{h['group']}", highlight=False)
    if "xlsx" in r:
        console.print(f"已写出 {r['xlsx']}", highlight=False)
