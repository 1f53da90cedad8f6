"""Quota from what was built: 补充耕地指标 issued from the passing acceptance's as-built indicators, refused
without one, recomputed by ``ledger check``; a 复核 acceptance brought in by 核减; 拆旧复垦验收 from the
as-built 拆旧 plots; issues made from the plan listed as such. SQLite and PostgreSQL (``records_world``).

Figures: the plan (ledger_fixtures) makes the orchard cell (2,0) new 耕地: 10,000 m², 10,575 kg. The
as-built state with A2 on the western half of that cell (acceptance_fixtures.rows(0.5)) is what the
acceptance engine computes; the test reads it back from the stored computation and asserts the ledger
equals it exactly and differs from the plan."""

from __future__ import annotations

import pytest
from acceptance_fixtures import passing_opinion
from ledger_fixtures import AREA, CODE, DEMOLISHED_M2, FARMLAND_M2, GRAIN_KG, accept_as_planned, project_to
from sqlalchemy import select, text

from landcon.engine import ledger as L
from landcon.engine.indicators import registry
from landcon.errors import InvalidRecord, PermissionDenied, TransitionRefused
from landcon.services import acceptance, ledger, projects, records
from landcon.services.ledger.rules import load_rules
from landcon.store.models import Acceptance, LedgerPosting, Project

COUNTY = "530124"
DOC = "云自然资核〔2027〕1号"
RECLAIM_DOC = "云自然资复〔2027〕1号"


def who(name: str) -> records.Actor:
    return records.actor(name)


def accepted_half(tmp_path) -> dict:
    """The project accepted on as-built data with A2 built on half its cell; its as-built indicators."""
    project_to(tmp_path, "acceptance")
    rec = accept_as_planned(CODE, tmp_path, a2_width=0.5)
    projects.advance(who("km_sup"), CODE)
    with records.read() as session:
        return dict(session.get(Acceptance, rec["id"]).computation["asbuilt_indicators"])


def lines(r: dict) -> list[tuple]:
    return [(ln["bucket"], ln["area_m2"], ln["paddy_m2"], ln["grain_kg"]) for ln in r["lines"]]


def test_farmland_quota_is_the_accepted_as_built_figure(records_world, tmp_path):
    built = accepted_half(tmp_path)
    area = registry.value(built, "cultivated.supplementary_m2")
    paddy = registry.value(built, "cultivated.supplementary_paddy_m2")
    grain = L.grain_capacity(registry.value(built, "cultivated.supplementary_by_grade_m2"), load_rules())
    assert (area, paddy, grain) == (5_250.0, 0.0, 5_588)  # less than the plan's 10,000 m² / 10,575 kg
    assert (area, grain) != (FARMLAND_M2, GRAIN_KG)
    r = ledger.issue_farmland(who("yn_sup"), CODE, DOC)
    assert lines(r) == [("source", -area, -paddy, -grain), ("avail", area, paddy, grain)]
    with records.read() as session:
        posting = session.scalars(select(LedgerPosting).where(LedgerPosting.doc_no == DOC)).one()
        assert (posting.basis, posting.memo) == (
            "asbuilt",
            "按验收记录 1（2027-11-15 整改后同意）的竣工成果核定；方案 15.00 亩（10,000.00 m²），粮食产能 10,575 公斤，"
            "竣工较方案核减 7.12 亩（4,750.00 m²），粮食产能 4,987 公斤",
        )
    assert (r["basis"], r["basis_name"]) == ("asbuilt", "按验收竣工成果核定")
    assert ledger.check(who("yn_sup"))["ok"] is True
    # Tampered (balanced) → the recomputation from the stored acceptance flags it.
    with records.database().engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET area = area * 2 WHERE posting_id = :p"), {"p": r["id"]})
    result = ledger.check(who("yn_sup"))
    assert [f["code"] for f in result["findings"]] == ["ISSUE_WITHOUT_SOURCE"]
    assert "验收成果为 7.88 亩（5,250.00 m²）" in result["findings"][0]["message"]


def test_refused_without_a_passing_acceptance(records_world, tmp_path):
    accepted_half(tmp_path)
    with records.write(who("yn_sup"), "ledger.issue") as session:  # a project accepted before records existed
        pid = session.scalars(select(Project.id).where(Project.code == CODE)).one()
        for row in session.scalars(select(Acceptance).where(Acceptance.project_id == pid)):
            session.delete(row)
    with pytest.raises(L.LedgerRefused, match="没有附验收核算结果且验收意见为“同意”或“整改后同意”的整体验收记录"):
        ledger.issue_farmland(who("yn_sup"), CODE, DOC)


def test_a_review_acceptance_is_brought_in_by_correction(records_world, tmp_path):
    project_to(tmp_path, "aftercare")  # accepted as planned
    yn = who("yn_sup")
    r = ledger.issue_farmland(yn, CODE, DOC)
    assert lines(r)[1] == ("avail", FARMLAND_M2, 0.0, GRAIN_KG)
    with pytest.raises(L.LedgerRefused, match="与验收记录 1（2027-11-15 整改后同意）的竣工成果一致，无需核减"):
        ledger.correct_farmland(yn, CODE, "云自然资减〔2028〕1号")
    # A 复核 finds A2 built on half its cell: a later passing acceptance with that computation.
    from landcon.services import acceptance_records

    run = acceptance.compute(who("fm_sup"), CODE, _half_folder(tmp_path))
    with pytest.raises(TransitionRefused, match="通过验收后的复核请记为复核"):
        acceptance_records.record(
            who("km_sup"), CODE, level="project", accepted_on="2028-03-01", members=["复核组"],
            computation=run.out_dir / "acceptance.json", **passing_opinion(run.data, "2028-06-30"),
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="州/市或以上"):
        acceptance_records.record(
            who("fm_sup"), CODE, level="project", accepted_on="2028-03-01", members=["复核组"],
            computation=run.out_dir / "acceptance.json", review=True, **passing_opinion(run.data, "2028-06-30"),
        )  # fmt: skip
    review = acceptance_records.record(
        who("km_sup"), CODE, level="project", accepted_on="2028-03-01", members=["复核组"],
        computation=run.out_dir / "acceptance.json", review=True, **passing_opinion(run.data, "2028-06-30"),
    )  # fmt: skip
    assert (review["level_name"], review["review"], review["opinion"]) == ("整体验收（复核）", True, "整改后同意")
    with pytest.raises(InvalidRecord, match="复核须依据新的竣工核实核算结果"):
        acceptance_records.record(
            who("km_sup"), CODE, level="project", accepted_on="2028-03-02", members=["复核组"],
            computation=run.out_dir / "acceptance.json", review=True, opinion="不同意",
        )  # fmt: skip
    result = ledger.check(yn)
    assert [f["code"] for f in result["findings"]] == ["ISSUE_WITHOUT_SOURCE"]
    assert "验收成果为 7.88 亩（5,250.00 m²）" in result["findings"][0]["message"]
    fix = ledger.correct_farmland(yn, CODE, "云自然资减〔2028〕1号")
    assert lines(fix) == [("avail", -4_750.0, 0.0, -4_987), ("source", 4_750.0, 0.0, 4_987)]
    with records.read() as session:
        memo = session.scalars(select(LedgerPosting.memo).where(LedgerPosting.id == fix["id"])).one()
    assert (
        memo == "按验收记录 2（2028-03-01 整改后同意）复核核减（竣工成果 7.88 亩（5,250.00 m²），粮食产能 5,588 公斤）"
    )
    assert ledger.check(yn)["ok"] is True


def _half_folder(tmp_path):
    from acceptance_fixtures import meta, rows, write_asbuilt

    return write_asbuilt(tmp_path / "asbuilt-review", rows(0.5), meta(project=CODE))


def test_reclaim_takes_the_as_built_demolition_and_plan_issues_are_listed(records_world, tmp_path):
    accepted_half(tmp_path)
    yn = who("yn_sup")
    r = ledger.reclaim(yn, CODE, AREA, RECLAIM_DOC, reserve_m2=0)
    assert r["lines"][0]["area_m2"] == -DEMOLISHED_M2  # the as-built 拆旧 plot A3 is the planned cell
    with records.read() as session:
        posting = session.scalars(select(LedgerPosting).where(LedgerPosting.doc_no == RECLAIM_DOC)).one()
        assert posting.basis == "asbuilt" and "拆旧面积按验收记录" in posting.memo
    issued = ledger.issue_farmland(yn, CODE, DOC)
    assert ledger.check(yn)["ok"] is True
    # An issue made from the plan before as-built acceptance (what migration 0012 marks "plan"): checked
    # against the plan, not flagged for differing from the as-built figure, listed as such.
    with records.database().engine.begin() as conn:
        conn.execute(text("UPDATE ledger_postings SET basis = 'plan' WHERE id = :p"), {"p": issued["id"]})
        conn.execute(
            text("UPDATE ledger_entries SET area = area * 40 / 21, grain = grain * 10575 / 5588 WHERE posting_id = :p"),
            {"p": issued["id"]},
        )
    shown = {(h["doc_no"], h["basis"], h["basis_name"]) for h in ledger.history(yn, COUNTY)}
    assert shown == {(RECLAIM_DOC, "asbuilt", "按验收竣工成果核定"), (DOC, "plan", "验收前按方案核定")}
    result = ledger.check(yn)
    assert result["ok"] is True and result["issued_on_plan"] == 1
    assert [(f["code"], f["severity"]) for f in result["findings"]] == [("ISSUED_ON_PLAN", "info")]
    assert (
        result["findings"][0]["message"]
        == f"补充耕地指标核定 {DOC} 验收前按方案核定：15.00 亩（10,000.00 m²），粮食产能 10,575 公斤"
    )


def test_reclaim_of_a_smaller_as_built_demolition(records_world, tmp_path):
    from acceptance_fixtures import meta, rows, write_asbuilt
    from plan_fixtures import box

    from landcon.services import acceptance_records

    project_to(tmp_path, "acceptance")
    parcels = rows()
    parcels[2]["geometry"] = box(3, 0, 3.5, 1)  # A3: only the western half of the planned 拆旧 cell
    run = acceptance.compute(who("fm_sup"), CODE, write_asbuilt(tmp_path / "asbuilt-a3", parcels, meta(project=CODE)))
    acceptance_records.record(
        who("km_sup"),
        CODE,
        level="project",
        accepted_on="2027-11-15",
        members=["验收组长"],
        computation=run.out_dir / "acceptance.json",
        **passing_opinion(run.data),
    )
    projects.advance(who("km_sup"), CODE)
    yn = who("yn_sup")
    r = ledger.reclaim(yn, CODE, AREA, RECLAIM_DOC, reserve_m2=0)
    assert [(ln["bucket"], ln["area_m2"]) for ln in r["lines"]] == [("source", -5_000.0), ("avail", 5_000.0)]
    assert ledger.check(yn)["ok"] is True
    with records.database().engine.begin() as conn:  # tampered back to the plan's 拆旧 area
        conn.execute(text("UPDATE ledger_entries SET area = area * 2 WHERE posting_id = :p"), {"p": r["id"]})
    findings = ledger.check(yn)["findings"]
    assert [f["code"] for f in findings] == ["ISSUE_WITHOUT_SOURCE"]
    assert "验收成果为 7.50 亩（5,000.00 m²）" in findings[0]["message"]


def test_farmland_quota_leaves_out_what_the_vintage_does_not_verify(records_world, tmp_path):
    from acceptance_fixtures import meta, vintage, wide_rows, write_asbuilt

    from landcon.services import acceptance_records
    from landcon.services.datasets import import_dataset

    project_to(tmp_path, "acceptance")
    # A2 as 0103 over (2,0) and (2,1); the later vintage shows (2,0) as 耕地 and (2,1) still 0404.
    path = tmp_path / "vintage.gpkg"
    vintage(orchard="0103", homestead="0103").to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    folder = write_asbuilt(tmp_path / "asbuilt-wide", wide_rows("0103"), meta(project=CODE))
    run = acceptance.compute(who("fm_sup"), CODE, folder)
    verified = run.data["verified_indicators"]
    assert registry.value(run.data["asbuilt_indicators"], "cultivated.supplementary_m2") == 19_500.0
    assert registry.value(verified, "cultivated.supplementary_m2") == 10_000.0 == FARMLAND_M2
    assert run.data["totals"]["verified_new_m2"] == registry.value(verified, "cultivated.new_m2") == 20_000.0
    acceptance_records.record(
        who("km_sup"),
        CODE,
        level="project",
        accepted_on="2027-11-15",
        members=["验收组长"],
        computation=run.out_dir / "acceptance.json",
        **passing_opinion(run.data),
    )
    projects.advance(who("km_sup"), CODE)
    r = ledger.issue_farmland(who("yn_sup"), CODE, DOC)
    # Verified: A1's 500 m² (grade 8) + A2's (2,0) 9,500 m² (grade 9) = the plan's 10,000 m², 10,575 kg.
    assert lines(r) == [("source", -10_000.0, 0.0, -GRAIN_KG), ("avail", 10_000.0, 0.0, GRAIN_KG)]
    with records.read() as session:
        memo = session.scalars(select(LedgerPosting.memo).where(LedgerPosting.doc_no == DOC)).one()
    assert memo == (
        "按验收记录 1（2027-11-15 整改后同意）的竣工成果核定，其中变更调查核实非耕地核减 14.25 亩（9,500.00 m²），"
        "粮食产能 9,975 公斤；与方案一致"
    )
    assert ledger.check(who("yn_sup"))["ok"] is True
