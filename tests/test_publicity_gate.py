"""The stage gate on an unresolved 公示: the Yunnan chain leaves 方案编制 only when the plan's latest 公示 is
cleared (period over, every objection answered); the national chain and a chain file without the gate do
not ask; a chain file may name it (``publicity: [plan]``)."""

from __future__ import annotations

import datetime as dt

import pytest
from plan_fixtures import GOOD, write_plan
from records_fixtures import TOWNSHIP

from landcon.engine import workflow as wf
from landcon.errors import TransitionRefused
from landcon.services import projects, publicity, records
from landcon.services.clock import today

CODE = "FM-GATE-01"


def facts(**publicity_reasons: list[str]) -> wf.Facts:
    return wf.Facts(roles=frozenset({"author"}), actor_level="county", plan_errors=0, publicity=publicity_reasons)


def test_the_chain_names_the_gate_and_check_transition_reports_it():
    assert wf.YUNNAN.stage("plan").publicity == ("plan",)
    assert all(not s.publicity for s in wf.NATIONAL.stages)
    assert wf.check_transition(wf.YUNNAN, "plan", wf.ADVANCE, facts(plan=[])) == []
    assert wf.check_transition(
        wf.YUNNAN, "plan", wf.ADVANCE, facts(plan=["实施方案（版本 1）公示期未结束（至 2026-12-07）"])
    ) == ["公示未通过：实施方案（版本 1）公示期未结束（至 2026-12-07）"]
    assert wf.check_transition(wf.YUNNAN, "plan", wf.ADVANCE, facts()) == ["公示未通过：尚无实施方案公示"]
    assert wf.check_transition(wf.NATIONAL, "plan", wf.ADVANCE, facts()) == []
    stored = wf.Chain.from_dict(wf.YUNNAN.to_dict())
    assert stored.stage("plan").publicity == ("plan",)
    data = wf.YUNNAN.to_dict()
    data["stages"][1]["publicity"] = ["deal"]
    with pytest.raises(ValueError, match="阶段 plan：未知公示事项类型 deal"):
        wf.Chain.from_dict(data)


def test_objections_block_leaving_the_plan_stage(records_world, tmp_path):
    author, town = records.actor("fm_author"), records.actor("fm_town")
    projects.create_project(author, CODE, "款庄镇整治", county="530124", units=[TOWNSHIP], dataset="grid")
    projects.advance(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    with pytest.raises(TransitionRefused, match="公示未通过：尚无实施方案公示"):
        projects.advance(author, CODE)

    # Period not over: today is its last day.
    t = today()
    publicity.publish(town, CODE, kind="plan", ref=1, place="村务公开栏", start=t - dt.timedelta(days=6), end=t)
    with pytest.raises(TransitionRefused, match=f"公示未通过：实施方案（版本 1）公示期未结束（至 {t.isoformat()}）"):
        projects.advance(author, CODE)

    # Published again over an earlier period: over, but an objection is not answered.
    end = t - dt.timedelta(days=1)
    publicity.publish(town, CODE, kind="plan", ref=1, place="村务公开栏", start=end - dt.timedelta(days=6), end=end)
    o = publicity.add_objection(town, CODE, 2, name="张三", content="排水沟穿过我家承包地", received_on=end)
    with pytest.raises(TransitionRefused, match="公示未通过：实施方案（版本 1）公示有 1 条异议尚未答复"):
        projects.advance(author, CODE)
    assert projects.show_project(author, CODE)["stage"] == "plan"

    publicity.answer(town, CODE, 2, o["id"], text="排水沟沿田块边界布设，不占用承包地", outcome="dismissed")
    assert projects.advance(author, CODE)["stage"] == "county_review"
