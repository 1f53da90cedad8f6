"""实施方案 chapters 村民意愿与公众参与, 权属调整方案, 保障措施 and the 附表与附图 annex.

They read the project's records in ``PlanContext``: the willingness survey and the village votes
(公众意愿), the adopted reallocation (权属调整), the 领导小组, the 会商 meetings and the
responsibility list (保障措施). A chapter without its records says which are missing and how to
record them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from landcon.reports.plan_docx_builder import Builder, area_text, count_text, percent_text
from landcon.reports.plan_docx_chapters_works import figure
from landcon.reports.plan_docx_context import PlanContext
from landcon.reports.plan_table_model import COUNT, Table, TableColumn
from landcon.reports.plan_xlsx import DASH, findings_table

MEETING_KINDS: Mapping[str, str] = {"assembly": "村民会议", "representatives": "村民代表会议"}


def _share(part: Any, whole: Any) -> str:
    return DASH if not whole else percent_text(float(part) / float(whole))


def willingness_table(survey: Mapping[str, Any], ctx: PlanContext) -> Table:
    t = Table(
        None,
        [
            TableColumn("村"),
            TableColumn("户数", COUNT),
            TableColumn("已答复", COUNT),
            TableColumn("同意", COUNT),
            TableColumn("反对", COUNT),
        ],
    )
    for v in survey.get("villages") or []:
        name = v.get("name") or ctx.place(v.get("code"))
        t.add(str(name), int(v["households"]), int(v["responded"]), int(v["agree"]), int(v["object"]))
    return t


def votes_table(votes: Sequence[Mapping[str, Any]], ctx: PlanContext) -> Table:
    t = Table(
        None,
        [
            TableColumn("村"),
            TableColumn("会议"),
            TableColumn("日期"),
            TableColumn("表决事项"),
            TableColumn("应到", COUNT),
            TableColumn("实到", COUNT),
            TableColumn("赞成", COUNT),
            TableColumn("反对", COUNT),
            TableColumn("弃权", COUNT),
            TableColumn("结果"),
        ],
    )
    for m in votes:
        name = m.get("village_name") or ctx.place(m.get("village_code"))
        result = "通过" if m.get("passed") else "未通过"
        t.add(
            str(name),
            MEETING_KINDS.get(str(m.get("kind")), str(m.get("kind") or DASH)),
            str(m.get("held_on") or DASH),
            str(m.get("motion") or DASH),
            int(m.get("eligible") or 0),
            int(m.get("present") or 0),
            int(m.get("for") or 0),
            int(m.get("against") or 0),
            int(m.get("abstain") or 0),
            result,
        )
    return t


def participation(b: Builder, ctx: PlanContext) -> None:
    """村民意愿与公众参与: the willingness survey's answers and the village meetings' votes."""
    b.chapter_heading("村民意愿与公众参与")
    b.section_heading("意愿调查")
    survey = ctx.willingness
    if not survey:
        b.para("尚未开展意愿调查，村民意愿无法统计（landcon willingness 建立问卷、登记农户并录入答复）。")
    else:
        title = str(survey.get("title") or "")
        b.para(
            f"开展“{title}”{'' if title.endswith('调查') else '意愿调查'}，"
            f"涉及农户 {count_text(survey.get('households'))} 户，"
            f"已答复 {count_text(survey.get('responded'))} 户，答复率 {percent_text(survey.get('response_rate'))}；"
            f"持反对意见的农户 {count_text(survey.get('objecting_households'))} 户。"
        )
        for q in survey.get("questions") or []:
            answered = f"“{q.get('text', '')}”：答复 {count_text(q.get('answered'))} 户"
            if q.get("agree_share") is None:  # a choice, number or text question: no 同意/反对
                b.para(f"{answered}。")
                continue
            b.para(
                f"{answered}，同意 {count_text(q.get('agree'))} 户，"
                f"反对 {count_text(q.get('object'))} 户，同意比例 {percent_text(q.get('agree_share'))}。"
            )
        if survey.get("villages"):
            b.table(willingness_table(survey, ctx), "意愿调查结果（按村）")
    b.section_heading("村民会议决议")
    if not ctx.votes:
        b.para("尚无村民会议或村民代表会议表决记录（landcon vote meeting add 登记会议、到会人数与表决结果）。")
        return
    for m in ctx.votes:
        name = m.get("village_name") or ctx.place(m.get("village_code"))
        kind = MEETING_KINDS.get(str(m.get("kind")), str(m.get("kind") or ""))
        verdict = "表决通过" if m.get("passed") else "未通过"
        reason = f"（{m['reason']}）" if m.get("reason") else ""
        b.para(
            f"{name}于 {m.get('held_on', DASH)} 召开{kind}，就“{m.get('motion', '')}”进行表决："
            f"应到 {count_text(m.get('eligible'))} 人，实到 {count_text(m.get('present'))} 人"
            f"（到会率 {_share(m.get('present') or 0, m.get('eligible'))}），赞成 {count_text(m.get('for'))} 人，"
            f"反对 {count_text(m.get('against'))} 人，弃权 {count_text(m.get('abstain'))} 人，{verdict}{reason}。"
        )
    b.table(votes_table(ctx.votes, ctx), "村民会议表决情况表")


def tenure(b: Builder, ctx: PlanContext) -> None:
    """权属调整方案 from the adopted reallocation version."""
    b.chapter_heading("权属调整方案")
    b.section_heading("调整原则与程序")
    b.para(
        "按《土地整治权属调整规范》（TD/T 1046-2016）开展权属调查与调整：依法依规，尊重意愿、自愿协商，"
        "保持权属总体稳定，按面积与质量等别相当的原则分配，调整方案经村民会议表决并公示后报批，实施后办理不动产登记。"
    )
    b.section_heading("调整结果")
    r = ctx.realloc
    if not r:
        b.para(
            "尚无经采纳的权属调整方案，调整结果无法列出"
            "（landcon realloc 计算方案版本，经公示、签字确认后以 landcon realloc adopt 采纳）。"
        )
        return
    b.para(
        f"采纳的权属调整方案为第 {count_text(r.get('version'))} 版“{r.get('name', '')}”"
        f"（{r.get('adopted_on', DASH)} 采纳），"
        f"涉及农户 {count_text(r.get('households'))} 户、面积 {area_text(r.get('area_m2'))}；"
        f"调整前地块 {count_text(r.get('parcels_before'))} 块，调整后 {count_text(r.get('pieces_after'))} 块，"
        f"户均地块由 {_decimal(r.get('mean_pieces_before'))} 块减少为 {_decimal(r.get('mean_pieces_after'))} 块。"
    )
    b.para(
        f"面积与质量差额以货币找补：应付找补 {_decimal(r.get('settlement_paid_yuan'))} 元，"
        f"应收找补 {_decimal(r.get('settlement_received_yuan'))} 元；"
        f"已签字确认 {count_text(r.get('confirmed'))} 户，已作说明 {count_text(r.get('explained'))} 户。"
    )


def _decimal(value: Any) -> str:
    return DASH if value is None else f"{float(value):.2f}"


def responsibility_table(tasks: Sequence[Mapping[str, Any]]) -> Table:
    t = Table(
        None,
        [
            TableColumn("序号", COUNT, width=6),
            TableColumn("任务", width=30),
            TableColumn("责任单位"),
            TableColumn("责任部门"),
            TableColumn("完成时限"),
            TableColumn("状态"),
        ],
    )
    for i, task in enumerate(tasks, start=1):
        t.add(
            i,
            str(task.get("title", "")),
            str(task.get("unit_name") or task.get("unit") or DASH),
            str(task.get("department_name") or DASH),
            str(task.get("deadline") or DASH),
            str(task.get("status_name") or task.get("status") or DASH),
        )
    return t


def safeguards(b: Builder, ctx: PlanContext) -> None:
    """保障措施: 领导小组, 会商 meetings (members and units), responsibility list."""
    b.chapter_heading("保障措施")
    b.section_heading("组织保障")
    if ctx.groups:
        for g in ctx.groups:
            members = "、".join(
                f"{m.get('display_name') or m.get('username')}（{m.get('duty')}）"
                if m.get("duty")
                else str(m.get("display_name") or m.get("username"))
                for m in g.get("members") or []
            )
            leader = g.get("leader_name") or g.get("leader")
            b.para(
                f"{g.get('unit_name', '')}成立“{g.get('name', '')}”"
                + (f"，由{leader}任组长" if leader else "")
                + (f"，成员：{members}" if members else "")
                + "。"
            )
    else:
        b.para("尚未成立领导小组（landcon group create 建立县、乡镇全域土地综合整治领导小组）。")
    if ctx.meetings:
        units = sorted(
            {str(a.get("department")) for m in ctx.meetings for a in m.get("attendees") or [] if a.get("department")}
        )
        b.para(f"项目已召开会商 {len(ctx.meetings)} 次" + (f"，参加单位：{'、'.join(units)}" if units else "") + "。")
        for m in ctx.meetings:
            people = "、".join(str(a.get("name")) for a in m.get("attendees") or [])
            decisions = str(m.get("decisions") or "").strip().rstrip("。")
            b.para(
                f"{m.get('held_on', '')} {m.get('title', '')}（{m.get('unit_name', '')}）"
                + (f"，参会人员：{people}" if people else "")
                + (f"；议定：{decisions}" if decisions else "")
                + "。"
            )
    else:
        b.para("尚无项目会商记录（landcon meeting add 登记会商及参会单位）。")
    b.section_heading("责任分工")
    if ctx.tasks:
        b.para(f"项目责任清单共 {len(ctx.tasks)} 项，按单位、部门和完成时限分解如下表。")
        b.table(responsibility_table(ctx.tasks), "责任清单")
    else:
        b.para("尚无项目责任清单（landcon task add 按单位、部门和时限分解任务）。")
    b.section_heading("资金保障、监督管理与后期管护")
    b.placeholder("资金监管、实施监督与后期管护措施")


def attachments(ctx: PlanContext) -> list[str]:
    """The 附件 the project's records stand for: each village meeting's 决议 (date, motion, counts,
    result, signed record) and the adopted reallocation's household confirmations."""
    out: list[str] = []
    for m in ctx.votes:
        name = m.get("village_name") or ctx.place(m.get("village_code"))
        kind = MEETING_KINDS.get(str(m.get("kind")), str(m.get("kind") or ""))
        record = f"，会议记录“{m['attachment']}”" if m.get("attachment") else "，会议记录未上传"
        out.append(
            f"{name}{kind}决议（{m.get('held_on', DASH)}）：表决事项“{m.get('motion', '')}”，"
            f"应到 {count_text(m.get('eligible'))} 人，实到 {count_text(m.get('present'))} 人，"
            f"赞成 {count_text(m.get('for'))} 人，{'表决通过' if m.get('passed') else '未通过'}{record}。"
        )
    r = ctx.realloc
    if r:
        out.append(
            f"权属调整方案第 {count_text(r.get('version'))} 版“{r.get('name', '')}”及农户签字确认书"
            f"（{r.get('adopted_on', DASH)} 采纳）：涉及农户 {count_text(r.get('households'))} 户，"
            f"已签字确认 {count_text(r.get('confirmed'))} 户，未签字已作说明 {count_text(r.get('explained'))} 户。"
        )
    return out


def annex(
    b: Builder, findings: Sequence[Mapping[str, Any]], maps: Mapping[str, Path], used: set[str], ctx: PlanContext
) -> None:
    """附表与附图: the rule findings, the maps not yet shown, and the 附件 of the project's records."""
    b.chapter_heading("附表与附图")
    b.table(findings_table(findings), "规则检查结果")
    for key in maps:
        if key not in used:
            figure(b, maps, key, used)
    for n, line in enumerate(attachments(ctx), start=1):
        b.para(f"附件{n} {line}")
    missing = [what for what, held in (("村民会议决议", ctx.votes), ("权属调整协议", ctx.realloc)) if not held]
    if missing:
        b.placeholder("、".join(missing) + "等附件材料")
