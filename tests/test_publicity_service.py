"""公示 records through the services (``services.publicity``) on SQLite and PostgreSQL: who may publish,
object and answer; the profile's minimum period; objections only within the period; the subject's
clearance and the objections per household that other parts read."""

from __future__ import annotations

import datetime as dt

import pytest
from plan_fixtures import GOOD, write_plan
from records_fixtures import PASSWORD, TOWNSHIP, VILLAGE_CODE

from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import org, projects, publicity, records
from landcon.services.project_access import get_project

CODE = "FM-GS-01"
D = dt.date
START, END = D(2026, 12, 1), D(2026, 12, 7)


def who(name: str) -> records.Actor:
    return records.actor(name)


def plan_project(tmp_path) -> None:
    """A project of the county covering the township, in 方案编制 with plan version 1."""
    author = who("fm_author")
    projects.create_project(
        author, CODE, "富民县款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP], dataset="grid"
    )
    projects.advance(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))


def blockers(kind: str = "plan", ref: str | None = None, on: dt.date = D(2026, 12, 8)) -> list[str]:
    with records.read() as session:
        return publicity.blockers(session, get_project(session, who("fm_author"), CODE), kind, ref, on=on)


def test_publish_object_answer_and_clear(records_world, tmp_path):
    plan_project(tmp_path)
    town = who("fm_town")
    assert blockers() == ["尚无实施方案公示"]
    with pytest.raises(InvalidRecord, match="共 6 天，实施方案的公示期不得少于 7 天"):
        publicity.publish(town, CODE, kind="plan", ref=1, place="村务公开栏", start=START, end=D(2026, 12, 6))
    with pytest.raises(NotFound, match="没有实施方案版本 '2'"):
        publicity.publish(town, CODE, kind="plan", ref=2, place="村务公开栏", start=START, end=END)
    p = publicity.publish(
        town,
        CODE,
        kind="plan",
        ref=1,
        place="村务公开栏",
        place_unit=VILLAGE_CODE,
        start=START,
        end=END,
        contact="款庄镇自然资源所 0871-8811000",
    )
    assert (p["number"], p["unit"], p["place_unit_name"], p["days"]) == (1, TOWNSHIP, "测试村", 7)
    assert p["title"] == "关于实施方案（版本 1）公示"

    # Objections are received within the period only; the end date is still within it.
    with pytest.raises(InvalidRecord, match="异议收到日期 2026-12-08 不在公示期 2026-12-01 至 2026-12-07 内"):
        publicity.add_objection(town, CODE, 1, name="张三", content="田块位置不合理", received_on="2026-12-08")
    o = publicity.add_objection(
        town, CODE, 1, name="张三", household="530124100201010001", content="新田块离家太远", received_on=END
    )
    assert blockers() == ["实施方案（版本 1）公示有 1 条异议尚未答复"]
    assert blockers(on=END) == [
        "实施方案（版本 1）公示期未结束（至 2026-12-07）",
        "实施方案（版本 1）公示有 1 条异议尚未答复",
    ]

    # Only the issuing unit answers: the county's author may not answer the township's notice.
    with pytest.raises(PermissionDenied, match="由 款庄镇 发布，只能由该单位答复异议"):
        publicity.answer(who("fm_author"), CODE, 1, o["id"], text="不成立", outcome="dismissed", on=END)
    with pytest.raises(InvalidRecord, match="答复结论应为"):
        publicity.answer(town, CODE, 1, o["id"], text="不成立", outcome="no")
    a = publicity.answer(town, CODE, 1, o["id"], text="新田块按就近原则已调至村东", outcome="dismissed", on=END)
    assert (a["outcome_name"], a["answered_on"], a["answered_by"]) == ("异议不成立", "2026-12-07", "fm_town")
    with pytest.raises(InvalidRecord, match="已于 2026-12-07 答复"):
        publicity.answer(town, CODE, 1, o["id"], text="再答", outcome="upheld")
    assert blockers() == [] and blockers(ref="1") == []

    rows = publicity.objections_for_project(who("fm_author"), CODE, "plan", "1")
    assert [(r["household"], r["content"], r["outcome"]) for r in rows] == [
        ("530124100201010001", "新田块离家太远", "dismissed")
    ]
    listed = publicity.list_publicities(who("fm_author"), CODE, on=D(2026, 12, 8))
    assert [(x["number"], x["status_name"]) for x in listed] == [(1, "已通过")]


def test_an_upheld_objection_is_answered_by_a_re_publication(records_world, tmp_path):
    plan_project(tmp_path)
    author = who("fm_author")  # a county user publishes on the township's site
    publicity.publish(author, CODE, kind="other", ref="土地流转意向", place="乡镇政府网站", start=START, end=END)
    o = publicity.add_objection(who("fm_town"), CODE, 1, name="李四", content="流转价格偏低", received_on=START)
    with pytest.raises(InvalidRecord, match="没有成立的异议，无需重新公示"):
        publicity.publish(author, CODE, kind="other", place="乡镇政府网站", start=START, end=END, replaces=1)
    publicity.answer(author, CODE, 1, o["id"], text="价格按评估价上调", outcome="upheld", on=D(2026, 12, 2))
    assert blockers("other", on=D(2026, 12, 9)) == ["其他事项（土地流转意向）公示有 1 条异议成立：须修改后重新公示"]
    with pytest.raises(InvalidRecord, match="重新公示须为同一类事项"):
        publicity.publish(author, CODE, kind="plan", ref=1, place="乡镇政府网站", start=START, end=END, replaces=1)
    again = publicity.publish(
        author,
        CODE,
        kind="other",
        ref="土地流转意向（修改）",
        place="乡镇政府网站",
        start=D(2026, 12, 10),
        end=D(2026, 12, 16),
        replaces=1,
    )
    assert again["replaces"] == 1
    assert blockers("other", "土地流转意向", on=D(2026, 12, 16)) == [
        "其他事项（土地流转意向（修改））公示期未结束（至 2026-12-16）"
    ]
    assert blockers("other", "土地流转意向", on=D(2026, 12, 17)) == []
    shown = publicity.show(author, CODE, 1, on=D(2026, 12, 17))
    assert (shown["status_name"], shown["replaced_by"], shown["blockers"]) == ("已结束", [2], [])


def test_scope_of_publishing_and_objecting(records_world, tmp_path):
    plan_project(tmp_path)
    org.add_user(records.system_actor(), "cun_cadre", password=PASSWORD, unit=VILLAGE_CODE, roles=("reporter",))
    village = who("cun_cadre")
    with pytest.raises(PermissionDenied, match="只有项目所在县或所涉乡镇的用户可以发布公示"):
        publicity.publish(village, CODE, kind="plan", ref=1, place="村务公开栏", start=START, end=END)
    with pytest.raises(NotFound):  # another county does not see the project
        publicity.publish(who("wh_author"), CODE, kind="plan", ref=1, place="村务公开栏", start=START, end=END)
    with pytest.raises(PermissionDenied, match="无权发布公示"):
        publicity.publish(who("fm_leader"), CODE, kind="plan", ref=1, place="村务公开栏", start=START, end=END)
    publicity.publish(who("fm_town"), CODE, kind="plan", ref=1, place="村务公开栏", start=START, end=END)
    # A village cadre records an objection received on the village notice board.
    o = publicity.add_objection(village, CODE, 1, name="王五", content="沟渠占地过多", received_on=D(2026, 12, 4))
    assert o["recorded_by"] == "cun_cadre"
    with pytest.raises(PermissionDenied, match="只能由该单位答复异议"):
        publicity.answer(village, CODE, 1, o["id"], text="不成立", outcome="dismissed")
