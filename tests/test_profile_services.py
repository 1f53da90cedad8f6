"""Services ask the profile and the chain's milestones: a province whose chain approves plans at 省级审批
and counts 验收 as accepted issues quota earlier, and its overview counts 新增耕地 as achieved earlier.
(Figures of the plan: ``ledger_fixtures``; on SQLite and PostgreSQL.)"""

from __future__ import annotations

import yaml
from ledger_fixtures import AREA, CODE, FARMLAND_M2, accept_as_planned, project_to

from landcon.engine import workflow as wf
from landcon.services import acceptance_records, ledger, overview, profile, projects, records, tasks


def _early_profile(tmp_path, monkeypatch) -> None:
    chain = {
        **wf.YUNNAN.to_dict(),
        "name": "yunnan-early",
        "milestones": {"approved": "province_approval", "accepted": "implementation", "achieved": ["acceptance"]},
    }
    (tmp_path / "chain.yaml").write_text(yaml.safe_dump(chain, allow_unicode=True), encoding="utf-8")
    (tmp_path / "early.yaml").write_text("chain: chain.yaml\n", encoding="utf-8")
    monkeypatch.setenv("LANDCON_PROFILE", str(tmp_path / "early.yaml"))


def test_quota_follows_the_milestones_of_the_projects_chain(records_world, tmp_path, monkeypatch):
    _early_profile(tmp_path, monkeypatch)
    yn = records.actor("yn_sup")
    project_to(tmp_path, "province_approval")  # created with the profile's chain
    assert profile.get_profile().chain.name == "yunnan-early"
    issued = ledger.issue_revolving(yn, CODE, AREA, 4000, "云周〔2027〕1号")  # Yunnan: refused here
    assert (issued["doc_no"], issued["duplicate"]) == ("云周〔2027〕1号", False)
    project_to(tmp_path, "implementation")
    # accepted at the early chain's acceptance stage (实施), whose advance needs the project's tasks
    # closed: the county carries out the 整改 conditions first
    for task_id in accept_as_planned(CODE, tmp_path)["tasks"]:
        tasks.complete_task(records.actor("fm_sup"), task_id, note="已整改")
    projects.advance(records.actor("fm_sup"), CODE)
    issued = ledger.issue_farmland(yn, CODE, "云自然资核〔2027〕1号")  # Yunnan: only past 验收
    assert [(ln["bucket"], ln["area_m2"]) for ln in issued["lines"]] == [
        ("source", -FARMLAND_M2),
        ("avail", FARMLAND_M2),
    ]
    o = overview.overview(yn)
    (accepted,) = acceptance_records.list_records(yn, CODE)  # recorded at the early chain's acceptance stage
    assert o["kpi"]["new_farmland_achieved_m2"] == accepted["totals"]["verified_new_m2"] > 0
    assert o["accepted_without_figure"] == []
    assert o["scope"]["province"] == "530000"
