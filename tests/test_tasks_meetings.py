"""责任清单, 会商 and 领导小组: services and CLI on SQLite and PostgreSQL (``records_db``).

The world: 富民县 530124 with 款庄镇 530124100 (village 530124100201) and 东村镇 530124101, and
宜良县 530125 with 匡远街道 530125100. Users: ``a124`` author (富民县自然资源局), ``s124`` supervisor,
``l124`` leader, ``v124`` reviewer, ``a125`` author of 宜良县, ``r100`` reporter of 款庄镇.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from landcon.cli import group as group_cli
from landcon.cli import meeting as meeting_cli
from landcon.cli import task as task_cli
from landcon.errors import Conflict, InvalidRecord, NotFound, PermissionDenied
from landcon.services import clock, groups, meetings, org, projects, records, tasks
from landcon.store.models import AuditEntry, Meeting, Task

runner = CliRunner()
PROJECT = "FM-2025-01"


def days(n: int) -> dt.date:
    return clock.today() + dt.timedelta(days=n)


def who(username: str) -> records.Actor:
    return records.actor(username)


SYS = records.system_actor


@pytest.fixture
def world(records_db, monkeypatch):
    monkeypatch.delenv("LANDCON_USER", raising=False)
    with records.write(SYS(), "test") as s:
        org._add_units(
            s,
            [
                ("530124100", "款庄镇"),
                ("530124100201", "大营村"),
                ("530124101", "东村镇"),
                ("530125100", "匡远街道"),
            ],
        )
    users = [
        ("a124", "530124", ["author"], "zrzy"),
        ("s124", "530124", ["supervisor"], "zrzy"),
        ("l124", "530124", ["leader"], None),
        ("v124", "530124", ["reviewer"], "cz"),
        ("a125", "530125", ["author"], "zrzy"),
        ("r100", "530124100", ["reporter"], "xzf"),
    ]
    for username, unit, roles, dept in users:
        org.add_user(SYS(), username, password="password-1", unit=unit, roles=roles, department=dept)
    projects.create_project(SYS(), PROJECT, "富民县款庄镇全域土地综合整治", county="530124", units=["530124100"])
    return records_db


def count(model: Any) -> int:
    with records.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# Tasks ---------------------------------------------------------------------------------------


def test_add_list_complete(world):
    t = tasks.add_task(
        who("a124"),
        "完成款庄镇权属调查",
        unit="530124100",
        deadline=days(5).isoformat(),
        department="xzf",
        project=PROJECT,
        note="先调查再公示",
    )
    assert (t["unit"], t["department_name"], t["project"], t["status"], t["version"]) == (
        "530124100",
        "款庄镇人民政府",
        PROJECT,
        "open",
        1,
    )
    assert t["created_by"] == "a124" and t["overdue"] is False and t["days_overdue"] == 0

    rows = tasks.list_tasks(who("a124"))
    assert [r["id"] for r in rows] == [t["id"]]
    assert tasks.list_tasks(who("a124"), unit="530124100", project=PROJECT, status="open") == rows
    assert tasks.list_tasks(who("a124"), unit="530124101") == []
    assert tasks.list_tasks(who("r100")) == rows  # the township's own reporter sees it

    done = tasks.complete_task(who("r100"), t["id"], note="已公示", expected_version=1)
    assert (done["status"], done["done_by"], done["version"]) == ("done", "r100", 2)
    assert done["note"] == "先调查再公示\n办结说明：已公示"
    assert tasks.list_tasks(who("a124"), status="open") == []
    assert [r["id"] for r in tasks.list_tasks(who("a124"), status="done")] == [t["id"]]

    with pytest.raises(InvalidRecord, match=r"已于 .* 由 r100 办结"):
        tasks.complete_task(who("s124"), t["id"])
    with pytest.raises(InvalidRecord) as bad_status:
        tasks.list_tasks(who("a124"), status="closed")
    assert bad_status.value.field == "status"

    reopened = tasks.reopen_task(who("a124"), t["id"], reason="公示材料不全", expected_version=2)
    assert (reopened["status"], reopened["done_by"], reopened["version"]) == ("open", None, 3)
    assert reopened["note"].endswith("重新打开：公示材料不全")
    with pytest.raises(PermissionDenied):
        tasks.reopen_task(who("r100"), t["id"], reason="x")  # a reporter cannot send tasks back


def test_add_task_refuses_bad_input(world):
    a = who("a124")
    for bad in ("2025-13-01", "30/06/2025", "明天", "20250630"):
        with pytest.raises(InvalidRecord) as error:
            tasks.add_task(a, "任务", unit="530124", deadline=bad)
        assert error.value.field == "deadline" and "截止日期" in str(error.value)
    assert tasks.add_task(a, "任务", unit="530124", deadline=days(1))["deadline"] == days(1).isoformat()
    with pytest.raises(InvalidRecord, match="标题不能为空"):
        tasks.add_task(a, "  ", unit="530124", deadline=days(1))
    with pytest.raises(NotFound) as unknown_unit:
        tasks.add_task(a, "任务", unit="530124999", deadline=days(1))
    assert unknown_unit.value.field == "unit"
    with pytest.raises(NotFound, match="没有部门 zrzy") as dept:
        tasks.add_task(a, "任务", unit="530124100", deadline=days(1), department="zrzy")  # a township has xzf
    assert dept.value.field == "department"
    with pytest.raises(InvalidRecord, match="不在项目 FM-2025-01") as outside:
        tasks.add_task(SYS(), "任务", unit="530125", deadline=days(1), project=PROJECT)
    assert outside.value.field == "unit"
    with pytest.raises(NotFound):
        tasks.add_task(a, "任务", unit="530124", deadline=days(1), project="NO-SUCH")
    with pytest.raises(NotFound, match="会商 999"):
        tasks.add_task(a, "任务", unit="530124", deadline=days(1), meeting_id=999)
    assert len(tasks.list_tasks(SYS())) == 1


def _overdue_world() -> dict[str, int]:
    """Overdue: 款庄镇 2, 大营村 1, 东村镇 1, 富民县 1, 宜良县 3; plus tasks that are not overdue."""
    a, b = who("a124"), who("a125")
    ids = {}
    for title, unit, due, actor in [
        ("镇1", "530124100", days(-3), a),
        ("镇2", "530124100", days(-1), a),
        ("镇-今天到期", "530124100", days(0), a),
        ("镇-已办结", "530124100", days(-10), a),
        ("村1", "530124100201", days(-2), a),
        ("东村1", "530124101", days(-7), a),
        ("县1", "530124", days(-4), a),
        ("县-未到期", "530124", days(30), a),
        ("宜良1", "530125", days(-1), b),
        ("宜良2", "530125", days(-2), b),
        ("宜良3", "530125", days(-20), b),
    ]:
        ids[title] = tasks.add_task(actor, title, unit=unit, deadline=due)["id"]
    tasks.complete_task(who("r100"), ids["镇-已办结"])
    return ids


def test_overdue_listed_per_unit(world):
    _overdue_world()
    per_unit = [(r["unit"], r["overdue"]) for r in tasks.overdue_by_unit(SYS())]
    assert per_unit == [("530125", 3), ("530124100", 2), ("530124", 1), ("530124100201", 1), ("530124101", 1)]
    first = tasks.overdue_by_unit(SYS())[0]
    assert (first["unit_name"], first["oldest_deadline"], first["max_days_overdue"]) == (
        "宜良县",
        days(-20).isoformat(),
        20,
    )

    per_county = [(r["unit"], r["overdue"]) for r in tasks.overdue_by_unit(SYS(), level="county")]
    assert per_county == [("530124", 5), ("530125", 3)]
    assert [(r["unit"], r["overdue"]) for r in tasks.overdue_by_unit(SYS(), level="prefecture")] == [("530100", 8)]
    # Per township: the village counts for 款庄镇; tasks of the counties themselves stay with the county.
    per_township = [(r["unit"], r["overdue"]) for r in tasks.overdue_by_unit(SYS(), level="乡镇")]
    assert per_township == [("530124100", 3), ("530125", 3), ("530124", 1), ("530124101", 1)]

    # Scoped: 富民县's author sees only 富民县; 款庄镇's reporter only 款庄镇 and its village.
    assert [(r["unit"], r["overdue"]) for r in tasks.overdue_by_unit(who("a124"), level="county")] == [("530124", 5)]
    assert [(r["unit"], r["overdue"]) for r in tasks.overdue_by_unit(who("r100"))] == [
        ("530124100", 2),
        ("530124100201", 1),
    ]
    with pytest.raises(InvalidRecord) as bad:
        tasks.overdue_by_unit(SYS(), level="district")
    assert bad.value.field == "level"

    overdue = tasks.list_tasks(who("a124"), overdue_only=True)
    assert [r["title"] for r in overdue] == ["东村1", "县1", "镇1", "村1", "镇2"]  # earliest deadline first
    assert [r["days_overdue"] for r in overdue] == [7, 4, 3, 2, 1]
    assert all(r["overdue"] and r["status"] == "open" for r in overdue)
    assert len(tasks.list_tasks(who("a124"))) == 8


def test_scope_between_counties(world):
    ids = _overdue_world()
    a124 = who("a124")
    with pytest.raises(PermissionDenied, match="宜良县"):
        tasks.add_task(a124, "越界", unit="530125", deadline=days(3))
    assert not any(r["unit"].startswith("530125") for r in tasks.list_tasks(a124))
    with pytest.raises(NotFound):
        tasks.list_tasks(a124, unit="530125")
    with pytest.raises(NotFound, match=f"任务 {ids['宜良1']}"):
        tasks.complete_task(a124, ids["宜良1"])
    with pytest.raises(NotFound):
        tasks.get_task(a124, ids["宜良1"])
    assert tasks.get_task(who("a125"), ids["宜良1"])["status"] == "open"
    # and the other way round
    with pytest.raises(NotFound):
        tasks.complete_task(who("a125"), ids["县1"])
    assert [r["unit"] for r in tasks.list_tasks(who("a125"))] == ["530125"] * 3


def test_role_refusals(world):
    with pytest.raises(PermissionDenied, match="领导"):
        tasks.add_task(who("l124"), "领导下达", unit="530124", deadline=days(3))
    with pytest.raises(PermissionDenied, match="乡镇/村填报员"):
        tasks.add_task(who("r100"), "填报员下达", unit="530124100", deadline=days(3))
    township = tasks.add_task(who("s124"), "镇任务", unit="530124100", deadline=days(3))
    county = tasks.add_task(who("s124"), "县任务", unit="530124", deadline=days(3))
    assert [r["id"] for r in tasks.list_tasks(who("l124"))] == [township["id"], county["id"]]  # leaders may read
    with pytest.raises(PermissionDenied, match="办结任务"):
        tasks.complete_task(who("l124"), township["id"])
    with pytest.raises(PermissionDenied, match="审查人员"):
        tasks.complete_task(who("v124"), township["id"])
    with pytest.raises(NotFound):
        tasks.complete_task(who("r100"), county["id"])  # above the reporter's township
    assert tasks.complete_task(who("r100"), township["id"])["status"] == "done"
    assert tasks.get_task(SYS(), county["id"])["status"] == "open"


def test_optimistic_lock_conflict(world):
    t = tasks.add_task(who("a124"), "编制实施方案", unit="530124", deadline=days(10))
    first, second = who("a124"), who("s124")
    v1 = tasks.list_tasks(first)[0]["version"]
    v2 = tasks.list_tasks(second)[0]["version"]
    assert v1 == v2 == 1
    tasks.complete_task(first, t["id"], note="第一人办结", expected_version=v1)
    before = count(AuditEntry)
    with pytest.raises(Conflict, match="读取时版本 1，现为版本 2"):
        tasks.complete_task(second, t["id"], note="第二人办结", expected_version=v2)
    assert count(AuditEntry) == before
    kept = tasks.get_task(SYS(), t["id"])
    assert (kept["done_by"], kept["version"]) == ("a124", 2)
    assert "第一人办结" in kept["note"] and "第二人办结" not in kept["note"]


# Meetings ------------------------------------------------------------------------------------


def _follow_ups() -> list[dict[str, Any]]:
    return [
        {"title": "款庄镇完成土地权属调查", "unit": "530124100", "deadline": days(14).isoformat(), "department": "xzf"},
        {"title": "县财政局落实配套资金", "unit": "530124", "deadline": days(-1), "department": "cz"},
    ]


def test_meeting_with_follow_ups(world):
    m = meetings.record_meeting(
        who("a124"),
        unit="530124",
        title="全域整治项目推进会商",
        held_on=days(-2).isoformat(),
        topics="权属调查；资金",
        decisions="两周内完成权属调查",
        attendees=[("张三", "富民县自然资源局"), "s124"],
        project=PROJECT,
        follow_ups=_follow_ups(),
    )
    assert (m["unit"], m["project"], m["held_on"], m["follow_ups"], m["open"], m["overdue"]) == (
        "530124",
        PROJECT,
        days(-2).isoformat(),
        2,
        2,
        1,
    )
    assert m["attendees"] == [
        {"name": "张三", "department": "富民县自然资源局", "username": None},
        {"name": "s124", "department": "富民县自然资源局", "username": "s124"},
    ]
    linked = [t for t in tasks.list_tasks(who("a124")) if t["meeting_id"] == m["id"]]
    assert sorted((t["unit"], t["department"], t["project"]) for t in linked) == [
        ("530124", "cz", PROJECT),
        ("530124100", "xzf", PROJECT),
    ]
    assert count(Task) == 2 and count(Meeting) == 1

    tasks.complete_task(who("r100"), next(t["id"] for t in linked if t["unit"] == "530124100"))
    shown = meetings.show_meeting(who("l124"), m["id"])
    assert (shown["follow_ups"], shown["open"]) == (2, 1)
    assert {t["title"]: t["status"] for t in shown["tasks"]} == {
        "款庄镇完成土地权属调查": "done",
        "县财政局落实配套资金": "open",
    }
    # the township reporter sees only its own follow-up, and not the county's meeting
    assert [t["meeting_id"] for t in tasks.list_tasks(who("r100"))] == [m["id"]]
    with pytest.raises(NotFound):
        meetings.show_meeting(who("r100"), m["id"])

    listed = meetings.list_meetings(who("a124"))
    assert [(r["id"], r["attendees"], r["follow_ups"], r["open"], r["overdue"]) for r in listed] == [
        (m["id"], 2, 2, 1, 1)
    ]
    assert meetings.list_meetings(who("a124"), project=PROJECT) == listed
    assert meetings.list_meetings(who("a124"), unit="530124101") == []
    assert meetings.list_meetings(who("a125")) == []
    with pytest.raises(NotFound):
        meetings.show_meeting(who("a125"), m["id"])


def test_failing_follow_up_saves_nothing(world):
    before = (count(Meeting), count(Task), count(AuditEntry))
    bad = [*_follow_ups(), {"title": "不存在的单位", "unit": "530124999", "deadline": days(3)}]
    with pytest.raises(NotFound, match="第 3 项后续任务（不存在的单位）：行政单位 530124999 不存在") as error:
        meetings.record_meeting(
            who("a124"), unit="530124", title="会商", held_on=days(0), attendees=[("张三", "")], follow_ups=bad
        )
    assert error.value.field == "follow_ups.unit"
    assert (count(Meeting), count(Task), count(AuditEntry)) == before

    for follow_ups, exc, pattern in [
        ([{"title": "日期错", "unit": "530124", "deadline": "2025-02-30"}], InvalidRecord, "第 1 项.*截止日期"),
        ([{"title": "越界", "unit": "530125", "deadline": days(3)}], PermissionDenied, "第 1 项.*宜良县"),
        ([{"title": "缺单位", "deadline": days(3)}], InvalidRecord, "缺少 unit"),
    ]:
        with pytest.raises(exc, match=pattern):
            meetings.record_meeting(who("a124"), unit="530124", title="会商", held_on=days(0), follow_ups=follow_ups)
    with pytest.raises(NotFound, match="用户 nobody 不存在"):
        meetings.record_meeting(who("a124"), unit="530124", title="会商", held_on=days(0), attendees=["nobody"])
    with pytest.raises(InvalidRecord) as bad_date:
        meetings.record_meeting(who("a124"), unit="530124", title="会商", held_on="昨天")
    assert bad_date.value.field == "held_on"
    assert (count(Meeting), count(Task), count(AuditEntry)) == before


def test_meeting_permissions(world):
    # a reviewer may record a meeting, but not one that assigns follow-up tasks
    with pytest.raises(PermissionDenied, match="下达任务"):
        meetings.record_meeting(who("v124"), unit="530124", title="会商", held_on=days(0), follow_ups=_follow_ups())
    assert meetings.record_meeting(who("v124"), unit="530124", title="会商", held_on=days(0))["follow_ups"] == 0
    with pytest.raises(PermissionDenied, match="记录会商"):
        meetings.record_meeting(who("l124"), unit="530124", title="会商", held_on=days(0))
    with pytest.raises(PermissionDenied, match="宜良县"):
        meetings.record_meeting(who("a124"), unit="530125", title="会商", held_on=days(0))
    with pytest.raises(InvalidRecord, match="无上下级关系"):
        meetings.record_meeting(SYS(), unit="530125", title="会商", held_on=days(0), project=PROJECT)
    # a prefecture meeting may discuss a county project
    m = meetings.record_meeting(SYS(), unit="530100", title="州级会商", held_on=days(0), project=PROJECT)
    assert m["unit"] == "530100"
    assert count(Meeting) == 2


# Leading groups ------------------------------------------------------------------------------


def test_groups(world):
    g = groups.create_group(
        SYS(), "530124", "富民县全域土地综合整治领导小组", leader="l124", members=[("a124", "副组长"), ("s124", "")]
    )
    assert (g["unit"], g["leader"], g["version"]) == ("530124", "l124", 1)
    assert g["members"] == [
        {"username": "a124", "display_name": "a124", "duty": "副组长"},
        {"username": "s124", "display_name": "s124", "duty": "成员"},
    ]
    assert [x["id"] for x in groups.list_groups(who("l124"))] == [g["id"]]
    assert groups.list_groups(who("a125")) == []
    assert groups.list_groups(SYS(), unit="530125") == []
    with pytest.raises(PermissionDenied):
        groups.create_group(who("a124"), "530124", "小组")
    with pytest.raises(InvalidRecord, match="成员 a124 重复"):
        groups.create_group(SYS(), "530124", "小组", members=[("a124", "组员"), ("a124", "副组长")])
    with pytest.raises(NotFound, match="用户 nobody"):
        groups.create_group(SYS(), "530124", "小组", leader="nobody")
    assert len(groups.list_groups(SYS())) == 1


# CLI -----------------------------------------------------------------------------------------


def run(app: Any, *args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def parsed(result: Any) -> Any:
    return json.loads(result.stdout)


def test_cli_tasks(world):
    result = run(
        task_cli.app,
        "add",
        "完成权属调查",
        "--unit",
        "530124100",
        "--deadline",
        days(-2).isoformat(),
        "--department",
        "xzf",
        "--project",
        PROJECT,
        "--as",
        "a124",
        "--json",
    )
    assert result.exit_code == 0, result.output
    t = parsed(result)
    assert (t["unit"], t["department"], t["overdue"], t["days_overdue"]) == ("530124100", "xzf", True, 2)

    result = run(task_cli.app, "add", "越界", "--unit", "530125", "--deadline", days(3).isoformat(), "--as", "a124")
    assert result.exit_code == 3 and "无权" in result.output
    result = run(task_cli.app, "add", "日期错", "--unit", "530124", "--deadline", "2025-02-30", "--json")
    assert result.exit_code == 2
    assert parsed(result)["error"]["type"] == "InvalidRecord" and "截止日期" in parsed(result)["error"]["message"]

    result = run(task_cli.app, "list", "--overdue", "--as", "l124", "--json")
    assert result.exit_code == 0 and [r["id"] for r in parsed(result)] == [t["id"]]
    result = run(task_cli.app, "list", "--as", "a125", "--json")
    assert result.exit_code == 0 and parsed(result) == []
    result = run(task_cli.app, "list", "--status", "closed")
    assert result.exit_code == 2
    result = run(task_cli.app, "list", "--as", "a124")
    assert result.exit_code == 0 and "完成权属调查" in result.stdout and "逾期 2 天" in result.stdout

    result = run(task_cli.app, "overdue", "--level", "county", "--json")
    assert result.exit_code == 0 and [(r["unit"], r["overdue"]) for r in parsed(result)] == [("530124", 1)]
    result = run(task_cli.app, "overdue", "--as", "a124")
    assert result.exit_code == 0 and "款庄镇" in result.stdout
    result = run(task_cli.app, "overdue", "--level", "district")
    assert result.exit_code == 2

    result = run(task_cli.app, "done", t["id"], "--as", "l124")
    assert result.exit_code == 3
    result = run(task_cli.app, "done", t["id"], "--note", "完成", "--expected-version", "1", "--as", "r100", "--json")
    assert result.exit_code == 0 and parsed(result)["status"] == "done"
    result = run(task_cli.app, "done", t["id"], "--expected-version", "1", "--as", "s124", "--json")
    assert result.exit_code == 4 and parsed(result)["error"]["type"] == "Conflict"
    result = run(task_cli.app, "done", t["id"], "--as", "s124")
    assert result.exit_code == 2 and "已于" in result.output
    result = run(task_cli.app, "done", 999, "--as", "s124")
    assert result.exit_code == 2 and "任务 999 不存在" in result.output
    result = run(task_cli.app, "done", t["id"], "--as", "nobody")
    assert result.exit_code == 2 and "用户 nobody 不存在" in result.output
    result = run(task_cli.app, "reopen", t["id"], "--reason", "退回补充", "--as", "a124", "--json")
    assert result.exit_code == 0 and parsed(result)["status"] == "open"


def test_cli_meetings(world):
    before = (count(Meeting), count(Task), count(AuditEntry))
    args = ["add", "--unit", "530124", "--title", "推进会商", "--date", days(0).isoformat(), "--project", PROJECT]
    args += ["--attendee", "张三/富民县自然资源局", "--attendee", "s124", "--topics", "资金", "--decisions", "落实"]
    good = f"权属调查@530124100@{days(14).isoformat()}@xzf"
    result = run(meeting_cli.app, *args, "--follow-up", good, "--follow-up", "格式不对@530124", "--json")
    assert result.exit_code == 2 and "格式不对" in parsed(result)["error"]["message"]
    result = run(meeting_cli.app, *args, "--follow-up", good, "--follow-up", f"错@530124999@{days(3)}", "--as", "a124")
    assert result.exit_code == 2 and "第 2 项后续任务" in result.output
    assert (count(Meeting), count(Task), count(AuditEntry)) == before

    result = run(meeting_cli.app, *args, "--follow-up", good, "--follow-up", f"资金@530124@{days(7)}", "--json")
    assert result.exit_code == 0, result.output
    m = parsed(result)
    assert m["follow_ups"] == 2 and [a["name"] for a in m["attendees"]] == ["张三", "s124"]
    assert {t["meeting_id"] for t in m["tasks"]} == {m["id"]}

    result = run(meeting_cli.app, "list", "--as", "a124", "--json")
    assert result.exit_code == 0 and [(r["id"], r["follow_ups"]) for r in parsed(result)] == [(m["id"], 2)]
    result = run(meeting_cli.app, "list", "--as", "a124")
    assert result.exit_code == 0 and "推进会商" in result.stdout
    result = run(meeting_cli.app, "show", m["id"], "--as", "a124")
    assert result.exit_code == 0 and "权属调查" in result.stdout and "张三（富民县自然资源局）" in result.stdout
    result = run(meeting_cli.app, "show", m["id"], "--as", "a125", "--json")
    assert result.exit_code == 2 and parsed(result)["error"]["type"] == "NotFound"
    result = run(meeting_cli.app, "add", "--unit", "530124", "--title", "会商", "--date", "x", "--as", "l124")
    assert result.exit_code == 3


def test_cli_groups(world):
    result = run(
        group_cli.app,
        "add",
        "--unit",
        "530124",
        "--name",
        "领导小组",
        "--leader",
        "l124",
        "--member",
        "a124:副组长",
        "--member",
        "s124：联络员",
        "--member",
        "r100",
        "--json",
    )
    assert result.exit_code == 0, result.output
    g = parsed(result)
    assert [(x["username"], x["duty"]) for x in g["members"]] == [
        ("a124", "副组长"),
        ("r100", "成员"),
        ("s124", "联络员"),
    ]
    result = run(group_cli.app, "add", "--unit", "530124", "--name", "小组", "--as", "a124")
    assert result.exit_code == 3
    result = run(group_cli.app, "add", "--unit", "530124", "--name", "小组", "--member", ":组员", "--json")
    assert result.exit_code == 2 and parsed(result)["error"]["type"] == "InvalidRecord"
    result = run(group_cli.app, "list", "--unit", "530124", "--as", "l124", "--json")
    assert result.exit_code == 0 and [x["id"] for x in parsed(result)] == [g["id"]]
    result = run(group_cli.app, "list", "--as", "a124")
    assert result.exit_code == 0 and "领导小组" in result.stdout and "l124" in result.stdout
    result = run(group_cli.app, "list", "--as", "a125")
    assert result.exit_code == 0 and "没有领导小组" in result.stdout
