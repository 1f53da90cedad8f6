"""Demo records for the synthetic county: one account per role and review department, and a project
that has gone through 摸底调查 and 方案编制 and waits in 县级审查 with some opinions given, a
responsibility list (one task overdue) and a 会商 record; a second project, of the same plan or of
``accepted_plan``, that has passed 验收 (``services.demo_acceptance``), with its quota in the ledger
(周转指标 lent and returned, 节余指标, 补充耕地指标, a use, a transfer and an 入市 deal); a third in
实施 with sub-projects, progress, funds and site photos (``services.demo_supervision``). Given
``accepted_plan`` (a plan in another township), the second project is drawn from it and waits at
the acceptance stage until ``admin seed-acceptance`` accepts it on as-built data verified against
the later vintage. Idempotent: existing records are kept.

Every number in it comes from the same services a user calls (the plan version's indicators are
computed by ``plan check``); the accounts share one demo password, printed by the command.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from landcon.engine import workflow as wf
from landcon.engine.org import DEPARTMENTS
from landcon.errors import InvalidRecord
from landcon.services import clock, groups, ledger, meetings, org, projects, records, tasks
from landcon.services.datasets import store as dataset_store
from landcon.services.demo_acceptance import accept_demo
from landcon.services.demo_publicity import plan_cleared
from landcon.services.demo_supervision import approve, seed_implementation
from landcon.store.models import Project, User

DEMO_PASSWORD = "landcon-demo"


def _accounts(county: str, township: str | None) -> list[tuple[str, str, str | None, tuple[str, ...], str]]:
    """(user name, unit, department kind, roles, display name)."""
    prefecture, province = county[:4] + "00", county[:2] + "0000"
    chain = wf.YUNNAN
    rows: list[tuple[str, str, str | None, tuple[str, ...], str]] = [
        ("demo_admin", county, None, ("admin",), "县系统管理员"),
        ("demo_author", county, "zrzy", ("author",), "方案编制人员"),
        ("demo_supervisor", county, "zrzy", ("supervisor",), "县监管人员"),
        ("demo_leader", county, None, ("leader",), "县领导"),
        ("demo_city_supervisor", prefecture, "zrzy", ("supervisor",), "州市监管人员"),
        ("demo_province", province, "zrzy", ("leader", "supervisor"), "省厅监管"),
    ]
    if township:
        rows.append(("demo_township", township, "xzf", ("reporter",), "乡镇填报员"))
    for stage, prefix, unit in (
        ("county_review", "demo_county", county),
        ("prefecture_review", "demo_city", prefecture),
        ("province_approval", "demo_prov", province),
    ):
        for kind in chain.stage(stage).departments:
            level = {"demo_county": "县", "demo_city": "州市", "demo_prov": "省"}[prefix]
            rows.append((f"{prefix}_{kind}", unit, kind, ("reviewer",), f"{level}{DEPARTMENTS[kind].name}审查人员"))
    return rows


def seed_demo(
    who: records.Actor,
    dataset: str,
    plan_folder: str | Path,
    *,
    code: str | None = None,
    accepted_plan: str | Path | None = None,
) -> dict[str, Any]:
    """Create (or complete) the demo records for an imported dataset and an example plan folder;
    ``accepted_plan`` the plan folder of the project to be accepted later (module docstring)."""
    records.require_province(who, "unit.manage")
    if not dataset_store().exists(dataset):
        raise InvalidRecord(f"数据集 {dataset} 不存在（先运行 landcon data import）", feature=dataset)
    org.seed_yunnan(who)
    counties = org.import_units(who, dataset)["counties"]
    if len(counties) != 1:
        raise InvalidRecord(f"数据集 {dataset} 应属于一个县，实际为 {counties}", feature=dataset)
    county = counties[0]
    townships = [u["code"] for u in org.list_units(who, parent=county, level="township")]
    meta = yaml.safe_load((Path(plan_folder) / "plan.yaml").read_text("utf-8")) or {}
    planned = [str(t) for t in meta.get("townships") or [] if str(t) in townships]
    township = (planned or townships or [None])[0]  # the township the example plan is drawn in
    county_name = org.list_units(who, parent=county, level="county")[0]["name"]
    code = code or f"DEMO-{county}-001"

    with records.read() as session:
        existing = set(session.scalars(select(User.username)))
        has_project = session.scalars(select(Project.id).where(Project.code == code)).first() is not None
    accounts = []
    for name, unit, dept, roles, label in _accounts(county, township):
        if name not in existing:
            org.add_user(who, name, password=DEMO_PASSWORD, unit=unit, roles=roles, department=dept, display_name=label)
        accounts.append({"username": name, "unit": unit, "department": dept, "roles": list(roles)})

    if not has_project:
        author = records.actor("demo_author")
        name = f"{county_name}全域土地综合整治示范项目"
        projects.create_project(
            author, code, name, county=county, units=[township] if township else [], dataset=dataset
        )
        projects.advance(author, code, comment="摸底调查完成")
        projects.save_plan(author, code, plan_folder)
        plan_cleared(code)
        projects.advance(author, code, comment="提交县级联合审查")
        projects.give_opinion(records.actor("demo_county_cz"), code, wf.AGREE, comments="资金筹措方案可行")
        projects.give_opinion(
            records.actor("demo_county_nync"),
            code,
            wf.AGREE_WITH_CONDITIONS,
            conditions="补充高标准农田建设与灌溉水源论证",
        )
        sup = records.actor("demo_supervisor")
        today = clock.today()
        _leading_group(county, county_name)
        if township:
            tasks.add_task(
                sup,
                "完成村民意愿调查并公示",
                unit=township,
                department="xzf",
                project=code,
                deadline=today - dt.timedelta(days=5),
            )
        tasks.add_task(
            sup,
            "组织林草、水利部门现场踏勘",
            unit=county,
            department="zrzy",
            project=code,
            deadline=today + dt.timedelta(days=14),
        )
        meetings.record_meeting(
            records.actor("demo_author"),
            unit=county,
            title="实施方案部门会商",
            held_on=today - dt.timedelta(days=2),
            topics="永久基本农田调整方案；新增耕地来源；资金筹措",
            decisions="农业农村局牵头复核补划地块质量；自然资源局修改方案后提交县级审查",
            attendees=["demo_author", "demo_county_nync", "demo_county_cz"],
            project=code,
            follow_ups=[
                {
                    "title": "复核永农补划地块质量等别",
                    "unit": county,
                    "department": "nync",
                    "deadline": (today + dt.timedelta(days=10)).isoformat(),
                }
            ],
        )
    accepted = f"DEMO-{county}-002"
    with records.read() as session:
        has_accepted = session.scalars(select(Project.id).where(Project.code == accepted)).first() is not None
    if not has_accepted:
        accepted_folder = Path(accepted_plan) if accepted_plan is not None else Path(plan_folder)
        _completed_project(
            accepted,
            f"{county_name}全域土地综合整治试点（已验收）",
            county,
            _plan_township(accepted_folder, townships) or township,
            dataset,
            accepted_folder,
        )
    care = accept_demo(accepted)["aftercare"] if accepted_plan is None else None
    implementing = f"DEMO-{county}-003"
    with records.read() as session:
        has_implementing = session.scalars(select(Project.id).where(Project.code == implementing)).first() is not None
    if not has_implementing:
        seed_implementation(
            implementing, f"{county_name}全域土地综合整治项目（实施中）", county, township, dataset, plan_folder
        )
    return {
        "accepted_project": accepted,
        "implementation_project": implementing,
        "aftercare": care,
        "project": projects.show_project(records.actor("demo_author"), code),
        "accounts": accounts,
        "password": DEMO_PASSWORD,
        "created": not has_project,
    }


def _plan_township(plan_folder: Path, townships: list[str]) -> str | None:
    """The first township of a plan folder's plan.yaml that is a unit of the county."""
    meta = yaml.safe_load((plan_folder / "plan.yaml").read_text("utf-8")) or {}
    return next((str(t) for t in meta.get("townships") or [] if str(t) in townships), None)


def _completed_project(
    code: str, name: str, county: str, township: str | None, dataset: str, plan_folder: str | Path
) -> None:
    """A project driven through every review to the acceptance stage, its 周转指标 lent for the 建新
    area and used during implementation (engine figures)."""
    author, actor = records.actor("demo_author"), records.actor
    projects.create_project(author, code, name, county=county, units=[township] if township else [], dataset=dataset)
    projects.advance(author, code, comment="摸底调查完成")
    projects.save_plan(author, code, plan_folder)
    plan_cleared(code)
    projects.advance(author, code, comment="提交县级联合审查")
    approve(code)
    today = clock.today()
    province, sup = actor("demo_province"), actor("demo_supervisor")
    for n, area in enumerate(ledger.project_areas(province, code), start=1):
        if area["new_construction_m2"] <= 0:
            continue
        doc = f"云自然资周〔{today.year - 2}〕{n}号"
        ledger.issue_revolving(
            province, code, area["code"], area["new_construction_m2"], doc, on=today - dt.timedelta(days=700)
        )
        ledger.use(
            sup, county, "zz", f"{county}建新批〔{today.year - 2}〕{n}号", area_m2=area["new_construction_m2"],
            area_code=area["code"], on=today - dt.timedelta(days=600),
        )  # fmt: skip
    projects.advance(sup, code, comment="工程完工，申请验收")


def _leading_group(county: str, county_name: str) -> None:
    """The county's 领导小组 (the plan document's 组织保障), unless it has one."""
    admin = records.actor("demo_admin")
    if groups.list_groups(admin, unit=county):
        return
    groups.create_group(
        admin,
        county,
        f"{county_name}全域土地综合整治工作领导小组",
        leader="demo_leader",
        members=[
            ("demo_author", "自然资源局：方案编制"),
            ("demo_supervisor", "自然资源局：实施监管"),
            ("demo_county_cz", "财政局：资金筹措与监管"),
            ("demo_county_nync", "农业农村局：高标准农田与耕地质量"),
        ],
    )
