"""Organisation: administrative levels, departments, roles and the permission matrix.

Administrative codes (GB/T 2260 + 统计用区划代码): 省 ``530000``, 州/市 ``530100``, 县 ``530124``
(6 digits), 乡镇 ``530124100`` (9 digits), 村 ``530124100201`` (12 digits). A unit's parent follows
from its code, so the hierarchy is checked, never typed in.

A user acts only inside its unit's subtree (its own unit and every unit below it): a county-A
user can neither read nor change county-B's records; a prefecture user sees its counties. A project
also has participants: the users of the townships and villages it covers (and of units below them)
read it (``project.take_part``) and act on their own unit's records, such as their tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PROVINCE, PREFECTURE, COUNTY, TOWNSHIP, VILLAGE = "province", "prefecture", "county", "township", "village"
LEVELS: tuple[str, ...] = (PROVINCE, PREFECTURE, COUNTY, TOWNSHIP, VILLAGE)
LEVEL_NAMES = {PROVINCE: "省", PREFECTURE: "州/市", COUNTY: "县/市/区", TOWNSHIP: "乡镇", VILLAGE: "村"}


def level_of(code: str) -> str:
    """Level of an administrative code: 6 digits ending 0000 → 省, 00 → 州/市, else 县; 9 → 乡镇; 12 → 村."""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ValueError(f"行政区划代码 {code!r} 应为 6、9 或 12 位数字")
    if len(code) == 12:
        return VILLAGE
    if len(code) == 9:
        return TOWNSHIP
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return PREFECTURE
    return COUNTY


def parent_code(code: str) -> str | None:
    """Code of the unit directly above (``None`` for a province)."""
    level = level_of(code)
    if level == VILLAGE:
        return code[:9]
    if level == TOWNSHIP:
        return code[:6]
    if level == COUNTY:
        return code[:4] + "00"
    if level == PREFECTURE:
        return code[:2] + "0000"
    return None


def unit_path(code: str) -> str:
    """Materialised path ``/530000/530100/530124/`` used for subtree queries (prefix match)."""
    chain = [code]
    while (up := parent_code(chain[-1])) is not None:
        chain.append(up)
    return "/" + "/".join(reversed(chain)) + "/"


def in_subtree(actor_path: str, target_path: str) -> bool:
    """True when the target unit is the actor's unit or below it."""
    return target_path.startswith(actor_path)


def counties_of(codes: Iterable[object]) -> frozenset[str]:
    """County codes (first 6 digits) of administrative codes such as ZLDWDM (12/19 digits) or XZQDM
    (9/12 digits); values that are not digit strings of at least 6 digits are skipped."""
    return frozenset(s[:6] for s in (str(c).strip() for c in codes if c is not None) if len(s) >= 6 and s[:6].isdigit())


def covering_unit(counties: Iterable[str]) -> str:
    """Smallest unit covering every county: the county itself, else their 州/市 (``5301`` + ``00``),
    else their province (``53`` + ``0000``). ``ValueError`` for none or several provinces."""
    found = sorted(set(counties))
    if not found:
        raise ValueError("没有行政区划代码")
    if len(found) == 1:
        return found[0]
    if len({c[:4] for c in found}) == 1:
        return found[0][:4] + "00"
    if len({c[:2] for c in found}) == 1:
        return found[0][:2] + "0000"
    raise ValueError(f"数据跨多个省：{'、'.join(found)}")


@dataclass(frozen=True)
class DepartmentKind:
    code: str
    name: str  # generic name; the unit's name is prefixed when a department is created
    levels: tuple[str, ...]


NATURAL_RESOURCES = "zrzy"
#: Departments per level. The natural-resources department leads (牵头) consolidation at every level.
DEPARTMENT_KINDS: tuple[DepartmentKind, ...] = (
    DepartmentKind(NATURAL_RESOURCES, "自然资源", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("cz", "财政", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("fg", "发展改革", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("nync", "农业农村", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("lc", "林草", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("sl", "水利", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("sthj", "生态环境", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("zjj", "住房城乡建设", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("jt", "交通运输", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("wl", "文化和旅游", (PROVINCE, PREFECTURE, COUNTY)),
    DepartmentKind("xzf", "乡镇人民政府", (TOWNSHIP,)),
    DepartmentKind("cwh", "村民委员会", (VILLAGE,)),
)
DEPARTMENTS = {d.code: d for d in DEPARTMENT_KINDS}
_SUFFIX = {PROVINCE: "厅", PREFECTURE: "局", COUNTY: "局"}


def department_name(kind: str, unit_name: str, level: str) -> str:
    """Display name, e.g. 富民县 + 自然资源 → 富民县自然资源局; 云南省 + 自然资源 → 云南省自然资源厅."""
    d = DEPARTMENTS[kind]
    if level == TOWNSHIP:
        return f"{unit_name}人民政府"
    if level == VILLAGE:
        return f"{unit_name}村民委员会"
    return f"{unit_name}{d.name}{_SUFFIX[level]}"


# Roles -----------------------------------------------------------------------------------------

ADMIN, AUTHOR, REVIEWER = "admin", "author", "reviewer"
SUPERVISOR, REPORTER, LEADER = "supervisor", "reporter", "leader"
ROLES: dict[str, str] = {
    ADMIN: "系统管理员",
    AUTHOR: "编制人员",
    REVIEWER: "审查人员",
    SUPERVISOR: "监管人员",
    REPORTER: "乡镇/村填报员",
    LEADER: "领导",
}

#: action → roles allowed to perform it (always also limited to the actor's unit subtree).
PERMISSIONS: dict[str, frozenset[str]] = {
    "unit.manage": frozenset({ADMIN}),
    "user.manage": frozenset({ADMIN}),
    "user.read": frozenset({ADMIN, LEADER}),
    "group.manage": frozenset({ADMIN}),
    "project.read": frozenset(ROLES),
    # A user of a township or village the project covers (or of a unit below it) reads the project; what
    # else it may do is its roles' other actions on records of its own unit (its tasks): never the
    # county's actions (advance, plan upload, opinions), which need the project's county in scope.
    "project.take_part": frozenset(ROLES),
    "project.create": frozenset({ADMIN, AUTHOR}),
    "project.edit": frozenset({ADMIN, AUTHOR}),
    "project.advance": frozenset({AUTHOR, REVIEWER, SUPERVISOR}),  # refined per stage (workflow.Stage.roles)
    "plan.upload": frozenset({AUTHOR}),
    "plan.submit": frozenset({AUTHOR}),
    "realloc.save": frozenset({AUTHOR}),
    "ledger.read": frozenset(ROLES),
    "ledger.issue": frozenset({SUPERVISOR}),  # provincial: 核定、下达、核减、冻结
    "ledger.post": frozenset({SUPERVISOR}),
    "ledger.transfer": frozenset({SUPERVISOR}),
    "ledger.market": frozenset({AUTHOR, SUPERVISOR}),
    "review.give": frozenset({REVIEWER}),
    "review.close": frozenset({REVIEWER}),
    "meeting.record": frozenset({ADMIN, AUTHOR, REVIEWER, SUPERVISOR}),
    "task.read": frozenset(ROLES),
    "task.add": frozenset({ADMIN, AUTHOR, SUPERVISOR}),
    "task.done": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
    "attachment.add": frozenset({ADMIN, AUTHOR, REVIEWER, SUPERVISOR, REPORTER}),
    "audit.verify": frozenset({ADMIN, SUPERVISOR}),
    "backup": frozenset({ADMIN}),
    "dataset.read": frozenset(ROLES),
    "dataset.import": frozenset({ADMIN, AUTHOR}),
    "dataset.replace": frozenset({ADMIN, AUTHOR}),
    "dataset.survey": frozenset({ADMIN, AUTHOR}),
    "supervision.manage": frozenset({ADMIN, AUTHOR, SUPERVISOR}),
    "supervision.report": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
    "project.baobei": frozenset({AUTHOR, SUPERVISOR}),
    "alert.read": frozenset(ROLES),
    "alert.scan": frozenset({ADMIN, SUPERVISOR}),
    "alert.acknowledge": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
    "alert.resolve": frozenset({SUPERVISOR}),
    "alert.escalate": frozenset({SUPERVISOR}),
    "acceptance.record": frozenset({SUPERVISOR}),
    "care.manage": frozenset({AUTHOR, SUPERVISOR}),
    "care.inspect": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
    # 村民会议表决 and 村民同意 are recorded by the township or village (services.village_votes refuses a
    # county or higher unit); the county reads them through the project.
    "vote.record": frozenset({AUTHOR, REPORTER}),
    # 意愿调查: the county's authors and supervisors, or a township's reporters of a covered township
    # (services.willingness checks the level); responses by the users of the household's village or above.
    "willingness.manage": frozenset({ADMIN, AUTHOR, SUPERVISOR, REPORTER}),
    "willingness.respond": frozenset({ADMIN, AUTHOR, SUPERVISOR, REPORTER}),
    # 权属调整: a household's 签字确认 is recorded where it is signed (township, village) or by the county's
    # author; the county's author adopts a version (services.realloc_adoption checks the gate).
    "realloc.confirm": frozenset({AUTHOR, REPORTER}),
    "realloc.adopt": frozenset({AUTHOR}),
    # 公示: published by the county or a covered township, objections recorded by county/township/village
    # users, answered by the issuing unit (services.publicity checks the units).
    "publicity.publish": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
    "publicity.object": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
    "publicity.answer": frozenset({AUTHOR, SUPERVISOR, REPORTER}),
}
ACTION_NAMES: dict[str, str] = {
    "unit.manage": "管理行政单位",
    "user.manage": "管理用户",
    "user.read": "查看用户",
    "group.manage": "管理领导小组",
    "project.read": "查看项目",
    "project.take_part": "参与所在乡镇/村的项目",
    "project.create": "新建项目",
    "project.edit": "修改项目",
    "project.advance": "推进项目阶段",
    "plan.upload": "上传实施方案",
    "plan.submit": "提交实施方案",
    "realloc.save": "保存权属调整方案",
    "ledger.read": "查看指标台账",
    "ledger.issue": "核定、下达、核减或冻结指标",
    "ledger.post": "登记指标使用",
    "ledger.transfer": "登记指标调剂",
    "ledger.market": "登记集体经营性建设用地入市",
    "review.give": "填写审查意见",
    "review.close": "办结审查",
    "meeting.record": "记录会商",
    "task.read": "查看责任清单",
    "task.add": "下达任务",
    "task.done": "办结任务",
    "attachment.add": "上传附件",
    "audit.verify": "核验审计日志",
    "backup": "备份与恢复",
    "dataset.read": "查看数据集及其成果",
    "dataset.import": "导入数据集",
    "dataset.replace": "替换数据集",
    "dataset.survey": "运行摸底调查",
    "supervision.manage": "登记子项目",
    "supervision.report": "填报实施进度",
    "project.baobei": "导出报备包",
    "alert.read": "查看预警",
    "alert.scan": "扫描预警",
    "alert.acknowledge": "确认预警",
    "alert.resolve": "解除预警",
    "alert.escalate": "将预警转为任务",
    "acceptance.record": "记录验收",
    "care.manage": "登记管护协议",
    "care.inspect": "记录管护巡查",
    "vote.record": "记录村民会议表决和村民同意",
    "willingness.manage": "管理意愿调查问卷和农户名单",
    "willingness.respond": "录入农户意愿",
    "realloc.confirm": "记录农户对权属调整方案的签字确认",
    "realloc.adopt": "采用权属调整方案",
    "publicity.publish": "发布公示",
    "publicity.object": "登记公示异议",
    "publicity.answer": "答复公示异议",
}


def may(roles: frozenset[str] | set[str], action: str) -> bool:
    """True when one of ``roles`` is allowed ``action`` (scope is checked separately)."""
    return bool(PERMISSIONS[action] & set(roles))
