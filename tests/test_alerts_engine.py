"""The alert checks of ``engine.alerts`` on hand-made inputs: exact keys, severities, messages, figures."""

from __future__ import annotations

import datetime as dt

from landcon.engine import alerts as A

D = dt.date


def _sub(**kw: object) -> A.SubProjectState:
    base: dict[str, object] = {
        "code": "Z1",
        "unit": "530124100",
        "start": D(2026, 1, 1),
        "end": D(2026, 12, 31),
        "budget": {"中央财政": 500.0, "县级财政": 100.0},
        "planned": {"land_levelling": 20.0},
        "percent": 40.0,
        "done": {"land_levelling": 8.0},
        "disbursed": {"中央财政": 300.0},
    }
    base.update(kw)
    return A.SubProjectState(**base)  # type: ignore[arg-type]


def test_behind_schedule_message_and_figures() -> None:
    """Elapsed 227/364 days = 62.4 %; latest 40 %; 22.4 points > 10."""
    (c,) = A.behind_schedule([_sub()], D(2026, 8, 16), 10.0)
    assert (c.kind, c.key, c.severity, c.unit, c.sub_project) == (
        "behind_schedule",
        "behind:Z1",
        "warning",
        "530124100",
        "Z1",
    )
    assert c.message == "Z1 计划进度 62.4%，实际 40.0%，落后 22.4 个百分点"
    assert dict(c.figures) == {"planned_percent": 62.4, "actual_percent": 40.0, "gap": 22.4, "tolerance": 10.0}
    assert A.behind_schedule([_sub(percent=52.4)], D(2026, 8, 16), 10.0) == []  # exactly 10 points: not behind
    assert A.behind_schedule([_sub(start=None)], D(2026, 8, 16), 10.0) == []  # no planned dates
    assert A.behind_schedule([_sub()], D(2025, 12, 1), 10.0) == []  # not started
    (late,) = A.behind_schedule([_sub(percent=None)], D(2027, 1, 5), 10.0)
    assert (late.severity, late.message) == ("serious", "Z1 计划进度 100.0%，实际 0.0%，落后 100.0 个百分点")


def test_below_plan_at_the_latest_milestone() -> None:
    """Half-way (182/364): expected investment 600 × 50 % = 300, disbursed 200 (66.7 % < 80 %);
    土地平整 expected 10 ha, done 8 (80 %: not below)."""
    sub = _sub(disbursed={"中央财政": 150.0, "县级财政": 50.0})
    (c,) = A.below_plan([sub], D(2026, 7, 2), (0.5, 1.0), 0.8)
    assert (c.key, c.severity) == ("below_plan:Z1:investment", "warning")
    assert c.message == (
        "Z1 计划工期已过 50%：资金拨付 200.00 万元，为应完成 300.00 万元（计划 600.00 万元 × 50%）的 66.7%，低于 80%"
    )
    assert dict(c.figures) == {
        "item": "investment",
        "milestone": 0.5,
        "done": 200.0,
        "planned": 600.0,
        "expected": 300.0,
        "share_percent": 66.7,
        "ratio": 0.8,
    }
    assert A.below_plan([sub], D(2026, 7, 1), (0.5, 1.0), 0.8) == []  # 181/364: milestone not reached
    at_end = A.below_plan([sub], D(2027, 1, 1), (0.5, 1.0), 0.8)
    assert [(x.key, x.severity, x.figures["share_percent"]) for x in at_end] == [
        ("below_plan:Z1:investment", "serious", 33.3),
        ("below_plan:Z1:land_levelling", "serious", 40.0),
    ]
    assert at_end[1].message == (
        "Z1 计划工期已过 100%：土地平整 8.00 公顷，为应完成 20.00 公顷（计划 20.00 公顷 × 100%）的 40.0%，低于 80%"
    )


def test_overspent_per_source_and_total() -> None:
    sub = _sub(disbursed={"中央财政": 650.0, "专项债": 20.0})
    found = A.overspent([sub])
    assert [(c.key, c.severity) for c in found] == [
        ("overspent:Z1:中央财政", "serious"),
        ("overspent:Z1:专项债", "serious"),
        ("overspent:Z1:total", "serious"),
    ]
    assert [c.message for c in found] == [
        "Z1 中央财政已拨付 650.00 万元，超过安排 500.00 万元 150.00 万元",
        "Z1 专项债已拨付 20.00 万元，超过安排 0.00 万元 20.00 万元",
        "Z1 合计已拨付 670.00 万元，超过安排 600.00 万元 70.00 万元",
    ]
    assert dict(found[2].figures) == {"source": "total", "disbursed": 670.0, "allocated": 600.0, "excess": 70.0}
    assert A.overspent([_sub(disbursed={"中央财政": 500.0})]) == []


def test_intrusion_classes_of_the_latest_detection() -> None:
    monitor = {
        "before_version": 1,
        "after_version": 2,
        "classes": {
            "achieved": {"area_m2": 9000.0, "count": 3},
            "unplanned_construction": {"area_m2": 1500.0, "count": 2},
            "red_line": {"area_m2": 0.0, "count": 0},
            "permanent_farmland_lost": {"area_m2": 666.67, "count": 1},
        },
    }
    found = A.intrusion("FM-1", "530124", monitor)
    assert [(c.key, c.severity, c.unit, c.sub_project) for c in found] == [
        ("intrusion:FM-1:unplanned_construction", "warning", "530124", None),
        ("intrusion:FM-1:permanent_farmland_lost", "serious", "530124", None),
    ]
    assert [c.message for c in found] == [
        "FM-1 变化监测（数据版本 1→2）：规划外新增建设用地 1,500.00 平方米（2.25 亩），2 处",
        "FM-1 变化监测（数据版本 1→2）：永久基本农田不再是耕地 666.67 平方米（1.00 亩），1 处",
    ]
    assert dict(found[0].figures) == {
        "class": "unplanned_construction",
        "area_m2": 1500.0,
        "count": 2,
        "before_version": 1,
        "after_version": 2,
    }
    assert A.intrusion("FM-1", "530124", None) == []


def test_photos_off_site_or_without_position() -> None:
    photos = [
        A.PhotoState(7, "Z1", "530124100", "a.jpg", "outside", 550.0, 50.0),
        A.PhotoState(8, "Z1", "530124100", "b.jpg", "no_position", None, 50.0),
        A.PhotoState(9, "Z1", "530124100", "c.jpg", "on_site", 0.0, 50.0),
        A.PhotoState(10, "Z2", "530124", "d.jpg", "no_outline", None, 50.0),
    ]
    found = A.photo_off_site(photos)
    assert [(c.key, c.severity, c.message) for c in found] == [
        ("photo:7", "warning", "Z1 照片 a.jpg（#7）距子项目范围 550.0 米，超过 50 米"),
        ("photo:8", "warning", "Z1 照片 b.jpg（#8）无位置信息"),
    ]
    assert dict(found[0].figures) == {"photo": 7, "status": "outside", "distance_m": 550.0, "buffer_m": 50.0}


def test_revolving_due_within_days_or_overdue() -> None:
    owed = [
        A.RevolvingState(11, "530124", "G1", 300_000, D(2027, 3, 1)),  # 1.5 亩
        A.RevolvingState(12, "530124", "G2", 200_000, D(2027, 9, 1)),  # far off
        A.RevolvingState(13, "530124", "G3", 0, D(2026, 1, 1)),  # returned
        A.RevolvingState(14, "530124", "G4", 200_000, D(2026, 12, 1)),
    ]
    found = A.revolving_due(owed, D(2027, 1, 1), 90)
    assert [(c.key, c.severity, c.message) for c in found] == [
        ("revolving:11", "warning", "项目区 G1 周转指标 1.50 亩 应于 2027-03-01 前归还，剩余 59 天"),
        ("revolving:14", "serious", "项目区 G4 周转指标 1.00 亩 应于 2026-12-01 前归还，已逾期 31 天"),
    ]
    assert dict(found[1].figures) == {
        "posting": 14,
        "area_code": "G4",
        "outstanding_mu": 1.0,
        "due_date": "2026-12-01",
        "days_left": -31,
    }


def test_elapsed_share_and_milestones() -> None:
    assert A.elapsed_share(D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 1)) == 1.0
    assert A.elapsed_share(D(2026, 1, 1), D(2026, 1, 11), D(2026, 1, 6)) == 0.5
    assert A.milestone_reached(D(2026, 1, 1), D(2026, 1, 11), D(2026, 1, 5), (0.5, 1.0)) is None
    assert A.milestone_reached(D(2026, 1, 1), D(2026, 1, 11), D(2026, 1, 6), (0.5, 1.0)) == 0.5
