"""``landcon ledger …``: quota ledgers (增减挂钩节余/周转指标, 补充耕地指标) and 入市 records."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from landcon.cli._common import AsOpt, JsonOpt, acting, console, print_json, run_service
from landcon.errors import InvalidRecord
from landcon.services import ledger, ledger_report

app = typer.Typer(no_args_is_help=True)
market_app = typer.Typer(
    help="集体经营性建设用地入市 / collective construction land market deals", no_args_is_help=True
)
app.add_typer(market_app, name="market")


class PostType(StrEnum):
    use = "use"
    zz_issue = "zz-issue"
    reclaim = "reclaim"
    farmland = "farmland"
    freeze = "freeze"
    unfreeze = "unfreeze"
    correct = "correct"


KindOpt = Annotated[
    str | None, typer.Option("--kind", help="指标种类：jsjg 节余指标 / zz 周转指标 / bcgd 补充耕地指标")
]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="单位代码（县 6 位或省级代码；默认本人单位）")]
DocOpt = Annotated[str, typer.Option("--doc", help="来源文件编号（文号、验收文件号、合同号）")]
AreaMuOpt = Annotated[float | None, typer.Option("--area-mu", help="面积（亩）")]
AreaM2Opt = Annotated[float | None, typer.Option("--area-m2", help="面积（平方米）")]
PaddyMuOpt = Annotated[
    float | None, typer.Option("--paddy-mu", help="其中水田（亩）；bcgd 使用须给出（可为 0），或给 --dlbm")
]
GrainOpt = Annotated[
    float | None,
    typer.Option("--capacity-kg", "--grain-kg", help="粮食产能（公斤）；bcgd 使用须给出，或给 --grade"),
]
GradeOpt = Annotated[
    str | None, typer.Option("--grade", help="被占耕地质量等别 1–15：按规则中的每亩产能计算粮食产能（bcgd 使用）")
]
DlbmOpt = Annotated[
    str | None, typer.Option("--dlbm", help="被占耕地地类 0101 水田 / 0102 水浇地 / 0103 旱地：定其中水田（bcgd 使用）")
]
OnOpt = Annotated[str | None, typer.Option("--on", help="记账日期 YYYY-MM-DD（默认今天）")]


def _area(area_mu: float | None, area_m2: float | None) -> dict[str, float | None]:
    """The area as stated (亩 or m², exactly one); the service converts it once."""
    if area_mu is not None and area_m2 is not None:
        raise InvalidRecord("--area-mu 与 --area-m2 只能给一个")
    if area_mu is None and area_m2 is None:
        raise InvalidRecord("须给出面积：--area-mu 或 --area-m2")
    return {"area_mu": area_mu, "area_m2": area_m2}


def _market_m2(area_mu: float | None, area_m2: float | None) -> float:
    """The area in m² for services that take m² (周转指标下达, 入市 parcels); 亩 checked before converting."""
    _area(area_mu, area_m2)
    return float(area_m2) if area_m2 is not None else ledger.m2_from_mu(area_mu, "--area-mu")


def _need(value: Any, option: str) -> Any:
    if value is None or value == "":
        raise InvalidRecord(f"此类记账须给出 {option}")
    return value


def _print_posting(result: dict[str, Any]) -> None:
    head = "已记账" if not result["duplicate"] else "该文件已记账（未重复记账）"
    console.print(
        f"{head}：记账号 {result['id']}，{result['doc_type_name']} {result['doc_no']}，{result['posted_on']}"
        + (f"，归还期限 {result['due_date']}" if result.get("due_date") else "")
    )
    table = Table()
    for header in ("账户", "面积（亩）", "面积（m²）", "水田（亩）", "产能（公斤）"):
        table.add_column(header, justify="right" if header != "账户" else "left")
    for ln in result["lines"]:
        table.add_row(
            ln["account"],
            f"{ln['area_mu']:,.2f}",
            f"{ln['area_m2']:,.2f}",
            f"{ln['paddy_mu']:,.2f}",
            f"{ln['grain_kg']:,}",
        )
    console.print(table)
    if "transfer" in result:
        t = result["transfer"]
        console.print(
            f"合同总价 {t['total_yuan']:,.2f} 元（单价 {t['price_yuan_per_mu']:,.2f} 元/亩），"
            f"已收款 {t['received_yuan']:,.2f} 元"
        )


@app.command()
def balance(
    unit: UnitOpt = None,
    kind: KindOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """指标余额（由记账分录汇总） / balances derived from the entries."""
    result = run_service(lambda: ledger.balance(acting(as_user), unit, kind=kind), as_json=as_json)
    if as_json:
        print_json(result)
        return
    table = Table(title=f"{result['unit_name']}（{result['unit']}）指标余额")
    for header in ("指标种类", "账户", "面积（亩）", "面积（m²）", "其中水田（亩）", "粮食产能（公斤）"):
        table.add_column(header, justify="left" if header in ("指标种类", "账户") else "right")
    for s in result["summary"]:
        table.add_row(
            s["kind_name"], s["bucket_name"], f"{s['area_mu']:,.2f}", f"{s['area_m2']:,.2f}", f"{s['paddy_mu']:,.2f}",
            f"{s['grain_kg']:,}",
        )  # fmt: skip
    console.print(table)
    if result["counties"]:
        counties = Table(title="各县可用指标")
        for header in ("县", "指标种类", "可用（亩）", "其中水田（亩）", "粮食产能（公斤）"):
            counties.add_column(header)
        for c in result["counties"]:
            counties.add_row(
                f"{c['unit_name']}（{c['unit']}）", c["kind_name"], f"{c['area_mu']:,.2f}", f"{c['paddy_mu']:,.2f}",
                f"{c['grain_kg']:,}",
            )  # fmt: skip
        console.print(counties)


@app.command()
def post(
    doc_type: Annotated[
        PostType,
        typer.Argument(
            help="记账类型：use 使用 / zz-issue 周转指标下达 / reclaim 拆旧复垦验收 / "
            "farmland 补充耕地指标核定 / freeze 冻结 / unfreeze 解冻 / correct 核减"
        ),
    ],
    doc: DocOpt,
    unit: UnitOpt = None,
    kind: KindOpt = None,
    area_mu: AreaMuOpt = None,
    area_m2: AreaM2Opt = None,
    paddy_mu: PaddyMuOpt = None,
    grain_kg: GrainOpt = None,
    grade: GradeOpt = None,
    dlbm: DlbmOpt = None,
    project: Annotated[str | None, typer.Option("--project", help="项目编号（zz-issue、reclaim、farmland）")] = None,
    project_area: Annotated[str | None, typer.Option("--project-area", help="增减挂钩项目区编号 XMQBH")] = None,
    reserved: Annotated[bool, typer.Option("--reserved", help="使用本村建房预留指标")] = False,
    reserve_mu: Annotated[
        float | None, typer.Option("--reserve-mu", help="reclaim：本村农民建房预留（亩，可为 0，须申报）")
    ] = None,
    of: Annotated[
        str | None, typer.Option("--of", help="correct：被核减的记账，如 farmland:云自然资核〔2027〕1号")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="冻结、解冻或核减的原因")] = "",
    memo: Annotated[str, typer.Option("--memo", help="备注")] = "",
    on: OnOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记账：一个来源文件记一次（重复提交同一文件不会重复记账） / post one source document."""

    def call() -> dict[str, Any]:
        who = acting(as_user)
        when = ledger.parse_date(on, "--on")
        if doc_type is PostType.use:
            return ledger.use(
                who, _need(unit or who.unit_code, "--unit"), _need(kind, "--kind"), doc,
                **_area(area_mu, area_m2), paddy_mu=paddy_mu, grain_kg=grain_kg, grade=grade, dlbm=dlbm,
                area_code=project_area or "", reserved=reserved, on=when, memo=memo,
            )  # fmt: skip
        if grade is not None or dlbm is not None:
            raise InvalidRecord("--grade 与 --dlbm 只用于 use（补充耕地指标使用）")
        if doc_type is PostType.zz_issue:
            return ledger.issue_revolving(
                who,
                _need(project, "--project"),
                _need(project_area, "--project-area"),
                _market_m2(area_mu, area_m2),
                doc,
                on=when,
            )
        if doc_type is PostType.reclaim:
            return ledger.reclaim(
                who, _need(project, "--project"), _need(project_area, "--project-area"), doc,
                reserve_m2=ledger.m2_from_mu(_need(reserve_mu, "--reserve-mu"), "--reserve-mu"), on=when,
            )  # fmt: skip
        if doc_type is PostType.farmland:
            return ledger.issue_farmland(who, _need(project, "--project"), doc, on=when)
        if doc_type in (PostType.freeze, PostType.unfreeze):
            return ledger.freeze(
                who, _need(unit, "--unit"), _need(kind, "--kind"), doc, **_area(area_mu, area_m2),
                paddy_mu=paddy_mu, grain_kg=grain_kg, area_code=project_area or "",
                unfreeze=doc_type is PostType.unfreeze, reason=reason, on=when,
            )  # fmt: skip
        target = _need(of, "--of")
        if ":" not in target:
            raise InvalidRecord("--of 应为 类型:文件编号，如 farmland:云自然资核〔2027〕1号", field="--of")
        original_type, original_doc = target.split(":", 1)
        types = {"farmland": "bcgd_issue", "zz-issue": "zz_issue", "reclaim": "reclaim"}
        if original_type not in types:
            raise InvalidRecord("--of 的类型应为 farmland、zz-issue 或 reclaim", field="--of")
        return ledger.correct(
            who, types[original_type], original_doc, doc, **_area(area_mu, area_m2), paddy_mu=paddy_mu,
            grain_kg=grain_kg, reason=reason, on=when,
        )  # fmt: skip

    result = run_service(call, as_json=as_json)
    if as_json:
        print_json(result)
    else:
        _print_posting(result)


@app.command()
def transfer(
    kind: Annotated[str, typer.Option("--kind", help="jsjg 节余指标 / bcgd 补充耕地指标（周转指标不得调剂）")],
    contract: Annotated[str, typer.Option("--contract", help="调剂合同编号")],
    price: Annotated[float, typer.Option("--price", help="单价（元/亩）")],
    seller: Annotated[str | None, typer.Option("--from", help="调出单位代码（省外调入时省略）")] = None,
    buyer: Annotated[str | None, typer.Option("--to", help="调入单位代码（调往省外时省略）")] = None,
    counterparty: Annotated[str, typer.Option("--counterparty", help="省外对方，如 浙江省绍兴市")] = "",
    area_mu: AreaMuOpt = None,
    area_m2: AreaM2Opt = None,
    paddy_mu: PaddyMuOpt = None,
    grain_kg: GrainOpt = None,
    received: Annotated[float, typer.Option("--received", help="已收款（元）")] = 0.0,
    on: OnOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """指标调剂（省内或跨省）：面积、单价、总价、收款 / transfer quota."""
    result = run_service(
        lambda: ledger.transfer(
            acting(as_user), kind, contract, **_area(area_mu, area_m2), price_yuan_per_mu=price, seller=seller,
            buyer=buyer, counterparty=counterparty, received_yuan=received, paddy_mu=paddy_mu,
            grain_kg=grain_kg, on=ledger.parse_date(on, "--on"),
        ),
        as_json=as_json,
    )  # fmt: skip
    if as_json:
        print_json(result)
    else:
        _print_posting(result)


@app.command("correct")
def correct_farmland(
    project: Annotated[str, typer.Argument(help="项目编号 / project code")],
    doc: DocOpt,
    reason: Annotated[str, typer.Option("--reason", help="补充说明（核减原因自动写明所依据的验收记录）")] = "",
    on: OnOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """复核核减：已核定的补充耕地指标减至最近通过验收记录的竣工成果 / cut the quota to the latest acceptance."""
    result = run_service(
        lambda: ledger.correct_farmland(acting(as_user), project, doc, reason=reason, on=ledger.parse_date(on, "--on")),
        as_json=as_json,
    )
    if as_json:
        print_json(result)
    else:
        _print_posting(result)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="批量记账 CSV（UTF-8 或 GBK；列见 docs/ledger.md）")],
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """批量登记使用、调剂、冻结、解冻：一个事务，全部成功或全部不记 / post a batch file atomically."""
    result = run_service(lambda: ledger.post_file(acting(as_user), file), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(
            f"已记账 {result['posted']:,} 笔（{result['entries']:,} 条分录），"
            f"此前已记账而跳过 {result['duplicates']:,} 笔，"
            f"用时 {result['seconds']} 秒"
        )


@app.command()
def history(
    unit: UnitOpt = None,
    kind: KindOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="最多显示条数")] = 50,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记账明细（最新在前） / postings, newest first."""
    rows = run_service(lambda: ledger.history(acting(as_user), unit, kind=kind, limit=limit), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title="记账明细")
    for header in ("记账号", "日期", "类型", "来源文件", "分录", "经办人"):
        table.add_column(header, overflow="fold")
    for r in rows:
        lines = "\n".join(f"{ln['account']} {ln['area_mu']:+,.2f} 亩" for ln in r["lines"])
        table.add_row(str(r["id"]), r["posted_on"], r["doc_type_name"], r["doc_no"], lines, r["created_by"])
    console.print(table)


@app.command()
def revolving(unit: UnitOpt = None, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """周转指标归还情况与期限（逾期标出） / revolving quota due dates."""
    rows = run_service(lambda: ledger.revolving(acting(as_user), unit), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title="周转指标")
    for header in ("县", "项目区", "记账号", "下达（亩）", "已归还（亩）", "未归还（亩）", "归还期限", "状态"):
        table.add_column(header)
    for r in rows:
        state = f"[red]{r['state']}[/]" if r["overdue"] else r["state"]
        table.add_row(
            r["unit_name"], r["area_code"], str(r["posting"]), f"{r['issued_mu']:,.2f}", f"{r['returned_mu']:,.2f}",
            f"{r['outstanding_mu']:,.2f}", r["due_date"] or "—", state,
        )  # fmt: skip
    console.print(table)


@app.command()
def check(as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """由分录重算全部余额并核查全部规则；有错误时退出码 1 / recompute and verify the whole ledger."""
    result = run_service(lambda: ledger.check(acting(as_user)), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(
            f"核查 {result['postings']:,} 笔记账、{result['entries']:,} 条分录、{result['accounts']:,} 个账户，"
            f"用时 {result['seconds']} 秒：错误 {result['errors']} 项，提示 {result['warnings']} 项"
        )
        for f in result["findings"]:
            colour = "red" if f["severity"] == "error" else "yellow"
            console.print(f"[{colour}]{f['code']}[/] {f['message']}", highlight=False)
    if not result["ok"]:
        raise typer.Exit(1)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="输出的台账 xlsx 文件")],
    unit: UnitOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导出台账 xlsx（余额、明细、调剂、周转指标期限、入市） / export the ledger workbook."""
    result = run_service(lambda: ledger_report.export(acting(as_user), unit, out), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(f"已写出 {result['path']}（{result['unit_name']}，{result['postings']} 笔记账）")


@market_app.command("add")
def market_add(
    contract: Annotated[str, typer.Option("--contract", help="出让/出租合同编号")],
    parcel: Annotated[str, typer.Option("--parcel", help="宗地代码")],
    collective: Annotated[str, typer.Option("--collective", help="集体经济组织名称")],
    land_use: Annotated[str, typer.Option("--use", help="用途，如 工业、商业")],
    term: Annotated[int, typer.Option("--term", help="年限（年）")],
    price: Annotated[float, typer.Option("--price", help="成交价款（元）")],
    unit: UnitOpt = None,
    mode: Annotated[str, typer.Option("--mode", help="出让 或 出租")] = "出让",
    area_mu: AreaMuOpt = None,
    area_m2: AreaM2Opt = None,
    cost: Annotated[float, typer.Option("--cost", help="土地取得和开发成本（元）")] = 0.0,
    rate: Annotated[float | None, typer.Option("--rate", help="调节金比例，如 0.3（规则范围内）")] = None,
    village: Annotated[str | None, typer.Option("--village", help="宗地所在村代码（必填）")] = None,
    on: OnOpt = None,
    as_user: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记一宗入市交易，计算调节金与收益分配 / record a market deal."""

    def call() -> dict[str, Any]:
        who = acting(as_user)
        return ledger.market_add(
            who, _need(unit or who.unit_code, "--unit"), contract, parcel_code=parcel, collective=collective,
            mode=mode, land_use=land_use, area_m2=_market_m2(area_mu, area_m2), term_years=term, price_yuan=price,
            cost_yuan=cost, rate=rate, village=village, signed_on=ledger.parse_date(on, "--on"),
        )  # fmt: skip

    d = run_service(call, as_json=as_json)
    if as_json:
        print_json(d)
    else:
        console.print(
            f"已登记入市合同 {d['contract_no']}：{d['area_mu']:,.2f} 亩，成交 {d['price_yuan']:,.2f} 元，"
            f"调节金 {d['levy_yuan']:,.2f} 元（{d['rate']:.0%}），集体留存 {d['collective_yuan']:,.2f} 元，"
            f"成员分配 {d['members_yuan']:,.2f} 元"
        )


@market_app.command("list")
def market_list(unit: UnitOpt = None, as_user: AsOpt = None, as_json: JsonOpt = False) -> None:
    """列出入市交易 / list market deals."""
    rows = run_service(lambda: ledger.market_list(acting(as_user), unit), as_json=as_json)
    if as_json:
        print_json(rows)
        return
    table = Table(title="集体经营性建设用地入市")
    for header in (
        "合同号",
        "宗地",
        "集体经济组织",
        "方式",
        "用途",
        "面积（亩）",
        "年限",
        "成交价款（元）",
        "调节金（元）",
    ):
        table.add_column(header)
    for d in rows:
        table.add_row(
            d["contract_no"], d["parcel_code"], d["collective"], d["mode"], d["use"], f"{d['area_mu']:,.2f}",
            str(d["term_years"]), f"{d['price_yuan']:,.2f}", f"{d['levy_yuan']:,.2f}",
        )  # fmt: skip
    console.print(table)
