"""One progress protocol with cancellation: reports, checks, cancelled jobs, a cancelled reallocation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from realloc_fixtures import write_instance
from web_fixtures import sign_in

from landcon.engine.progress import NO_PROGRESS, Cancelled, Feedback, as_progress
from landcon.errors import InvalidRecord, LandconError, NotFound, PermissionDenied
from landcon.services import jobs, realloc, records
from landcon.web.app import create_app


def test_a_plain_callback_reports_and_never_cancels():
    seen: list[tuple[str, float]] = []
    progress = as_progress(lambda stage, fraction: seen.append((stage, fraction)))
    progress.report("读取", 0.5)
    progress.check()
    assert seen == [("读取", 0.5)] and progress.cancelled is False
    assert as_progress(None) is NO_PROGRESS and as_progress(progress) is progress


def test_a_cancelled_feedback_raises_at_its_next_report_or_check():
    stop = [False]
    progress = Feedback(is_cancelled=lambda: stop[0])
    progress.report("叠加", 0.1)
    stop[0] = True
    with pytest.raises(Cancelled) as raised:
        progress.check()
    assert isinstance(raised.value, LandconError) and str(raised.value) == "已取消"
    with pytest.raises(Cancelled):
        progress.report("叠加", 0.2)


def _cancel_at(stage: str) -> tuple[Feedback, list[str]]:
    seen: list[str] = []
    return Feedback(lambda s, _f: seen.append(s), lambda: stage in seen), seen


def test_the_realloc_solver_stops_between_its_phases_and_writes_nothing(tmp_path: Path):
    paths = write_instance(tmp_path / "in")
    progress, seen = _cancel_at("分配 / assignment")
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        realloc.run(paths["parcels"], paths["households"], paths["blocks"], out, progress=progress)
    assert seen == ["估价 / valuation", "分配 / assignment"]  # stopped before the assignment ran
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_running_survey_job_cancelled_ends_cancelled_and_writes_no_results(records_world, monkeypatch):
    who = records.actor("fm_author")
    job = jobs.submit(who, "survey", {"dataset": "grid"})
    survey, *rest = jobs.KINDS["survey"]

    def cancelled_while_running(params, out, progress):  # type: ignore[no-untyped-def]
        assert jobs.get(who, job["id"])["status"] == "running"
        assert jobs.cancel(who, job["id"])["status"] == "cancelling"  # a user cancels it meanwhile
        return survey(params, out, progress)  # the real survey, stopping at its next check

    monkeypatch.setitem(jobs.KINDS, "survey", (cancelled_while_running, *rest))
    assert jobs.run_one() is True
    shown = jobs.get(who, job["id"])
    assert (shown["status"], shown["status_name"], shown["stage"], shown["error"]) == (
        "cancelled", "已取消", "已取消", "已取消",
    )  # fmt: skip
    assert shown["result"] is None and shown["finished_at"] is not None
    folder = jobs.results_dir("survey", "grid")
    assert not folder.exists()
    assert not folder.parent.exists() or list(folder.parent.iterdir()) == []  # no staged copy left either


def test_a_queued_job_cancelled_never_runs(records_world):
    who = records.actor("fm_author")
    job = jobs.submit(who, "survey", {"dataset": "grid"})
    shown = jobs.cancel(who, job["id"])
    assert (shown["status"], shown["error"]) == ("cancelled", "已取消")
    assert jobs.run_one() is False
    with pytest.raises(InvalidRecord, match="已取消，不能取消"):
        jobs.cancel(who, job["id"])


def test_cancelling_needs_the_scope_of_reading_the_job(records_world):
    job = jobs.submit(records.actor("fm_author"), "survey", {"dataset": "grid"})
    with pytest.raises(NotFound):
        jobs.cancel(records.actor("wh_author"), job["id"])  # another county's user does not see it
    assert jobs.get(records.actor("fm_admin"), job["id"])["status"] == "queued"
    assert jobs.cancel(records.actor("fm_admin"), job["id"])["status"] == "cancelled"  # same county


def test_only_the_submitter_or_an_administrator_may_cancel(records_world):
    job = jobs.submit(records.actor("fm_author"), "survey", {"dataset": "grid"})
    leader = records.actor("fm_leader")  # same county: sees the job, did not submit it, not an administrator
    assert jobs.get(leader, job["id"])["status"] == "queued"
    assert jobs.may_cancel(leader, job) is False
    with pytest.raises(PermissionDenied, match="提交人"):
        jobs.cancel(leader, job["id"])
    assert jobs.get(leader, job["id"])["status"] == "queued"
    assert jobs.may_cancel(records.actor("fm_author"), job) is True


def test_the_job_page_offers_cancel_and_the_post_cancels(records_world):
    client = TestClient(create_app(worker=False))
    assert sign_in(client, "fm_author").status_code == 303
    job = jobs.submit(records.actor("fm_author"), "survey", {"dataset": "grid"})
    html = client.get(f"/jobs/{job['id']}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token and f'action="/jobs/{job["id"]}/cancel"' in html
    done = client.post(f"/jobs/{job['id']}/cancel", data={"csrf_token": token.group(1)}, follow_redirects=True)
    assert done.status_code == 200 and "任务已取消" in done.text and "取消任务</button>" not in done.text
    assert jobs.get(records.actor("fm_author"), job["id"])["status"] == "cancelled"
    other = TestClient(create_app(worker=False))
    assert sign_in(other, "fm_leader").status_code == 303
    job2 = jobs.submit(records.actor("fm_author"), "survey", {"dataset": "grid"})
    assert "取消任务</button>" not in other.get(f"/jobs/{job2['id']}").text  # not offered to a mere reader
