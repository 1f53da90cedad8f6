"""Background jobs (survey, plan report) kept in the database, run by a worker thread.

A job is queued by ``submit`` (audited), claimed by the worker (``queued`` → ``running``), reports
its progress, and ends ``done`` (with a result) or ``failed`` (with the error message). Progress and
status updates are bookkeeping, written outside the audit trail.

``cancel`` (audited) stops a job: a queued one is ``cancelled`` at once; a running one is marked
``cancelling`` and its handler stops at its next progress report or check (``engine.progress``), its
staged results removed; it then ends ``cancelled`` with the message 已取消.

A server that stops mid-job leaves it ``running``; at start ``recover`` puts it back in the queue
(``attempts`` < ``MAX_ATTEMPTS``) or marks it failed with the reason — never silently lost.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landcon import config
from landcon.engine.org import ADMIN
from landcon.engine.progress import CANCELLED_MESSAGE, Cancelled, Feedback, Progress
from landcon.errors import InvalidRecord, LandconError, NotFound, PermissionDenied, public_message
from landcon.services import datasets, records
from landcon.services.records import Actor
from landcon.store.models import Job, Unit, utcnow

log = logging.getLogger("landcon.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
CANCELLING, CANCELLED = "cancelling", "cancelled"
MAX_ATTEMPTS = 2
STATUS_NAMES = {
    QUEUED: "排队中",
    RUNNING: "运行中",
    DONE: "已完成",
    FAILED: "失败",
    CANCELLING: "正在取消",
    CANCELLED: "已取消",
}
#: How often a running job's progress is written and its cancellation looked up (seconds).
POLL_S = 0.3

Handler = Callable[[dict[str, Any], Path, Progress], dict[str, Any]]


def results_dir(kind: str, key: str, data_dir: str | Path | None = None) -> Path:
    """DATA_DIR/results/KIND/KEY: the one place a job's results live (the survey's also for the CLI)."""
    return (Path(data_dir) if data_dir is not None else config.data_dir()) / "results" / kind / key


def plan_report_dir(project: str, version: int) -> Path:
    """Where the plan-report job of a project version writes 附表, 文本 and 入库成果."""
    return results_dir("plan_report", result_key("plan_report", {"project": project, "version": version}))


def result_key(kind: str, params: dict[str, Any]) -> str:
    """Results folder of a job: per dataset for the survey, per project version for plan reports."""
    if kind == "plan_report":
        return f"{params['project']}-v{int(params['version'])}"
    if kind == "monitor":  # the project's standard folder, as ``landcon monitor run`` writes it
        return str(params.get("project") or "unknown")
    return str(params.get("dataset") or "unknown")


def _survey(params: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    from landcon.services.survey import run_survey

    run = run_survey(str(params["dataset"]), out=out, progress=progress, who=records.actor(str(params["user"])))
    return {"out": str(run.result_dir), "dataset": params["dataset"], "files": run.files}


def _plan_report(params: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    from landcon.services import plan_reports, projects
    from landcon.services.plan import write_report

    who = records.actor(str(params["user"]))
    context = plan_reports.plan_context(who, str(params["project"]))
    with _tempdir() as tmp:
        folder = projects.export_plan(who, str(params["project"]), int(params["version"]), tmp / "plan")
        pinned = projects.plan_dataset_version(who, str(params["project"]), int(params["version"]))
        write_report(folder, str(params["dataset"]), out, progress=progress, dataset_version=pinned, context=context)
    return {"out": str(out), "files": sorted(p.name for p in out.iterdir())}


def _monitor(params: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    from landcon.services.monitor import detect

    run = detect(records.actor(str(params["user"])), str(params["project"]), out=out, progress=progress)
    return {"out": str(run.out_dir), "files": run.files}


def _acceptance_check(params: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    from landcon.services import acceptance

    progress.report("验收核算", 0.0)
    run = acceptance.compute(records.actor(str(params["user"])), str(params["project"]), str(params["asbuilt"]))
    return {"out": str(run.out_dir), "files": run.files, "passed": run.data["passed"], "totals": run.data["totals"]}


def _tempdir() -> Any:
    import tempfile

    class _Dir:
        def __enter__(self) -> Path:
            self.tmp = tempfile.TemporaryDirectory(prefix="landcon-job-")
            return Path(self.tmp.name)

        def __exit__(self, *exc: object) -> None:
            self.tmp.cleanup()

    return _Dir()


#: kind → (handler, action required to submit it, name)
KINDS: dict[str, tuple[Handler, str, str]] = {
    "survey": (_survey, "dataset.survey", "摸底调查"),
    "plan_report": (_plan_report, "plan.upload", "方案成果（附表、文本、图件）"),
    "monitor": (_monitor, "supervision.manage", "变化监测比对"),
    "acceptance_check": (_acceptance_check, "supervision.manage", "验收核算（竣工数据）"),
}


def _dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "kind_name": KINDS[job.kind][2] if job.kind in KINDS else job.kind,
        "params": job.params,
        "status": job.status,
        "status_name": STATUS_NAMES.get(job.status, job.status),
        "progress": round(job.progress, 3),
        "stage": job.stage,
        # the result folder is a server path: users get the file names and the download routes only
        "result": {k: v for k, v in job.result.items() if k != "out"} if isinstance(job.result, dict) else job.result,
        "error": public_message(job.error) if job.error else job.error,
        "attempts": job.attempts,
        "created_by": job.created_by,
        "created_at": job.created_at.isoformat(timespec="seconds"),
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
    }


def submit(who: Actor, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Queue a job; the actor needs the kind's permission in its own unit."""
    if kind not in KINDS:
        raise InvalidRecord(f"未知任务类型 {kind}", field="kind")
    records.require(who, KINDS[kind][1])
    if kind == "survey":  # a survey's results belong to its dataset's owner
        datasets.require_survey(who, str(params.get("dataset", "")))
    with records.write(who, f"job.{kind}") as session:
        job = Job(kind=kind, params={**params, "user": who.username}, created_by=who.username, unit_id=who.unit_id)
        session.add(job)
        session.flush()
        return _dict(job)


def _visible(session: Session, who: Actor, job_id: int, *, lock: bool = False) -> Job:
    """The job, if the actor submitted it or it belongs to a unit in the actor's scope; ``lock``: its row
    is locked until the transaction ends (PostgreSQL; SQLite write transactions hold the database)."""
    job = session.get(Job, job_id, with_for_update=lock)
    if job is None:
        raise NotFound(f"任务 {job_id} 不存在", feature=job_id)
    unit = session.get(Unit, job.unit_id) if job.unit_id is not None else None
    if job.created_by != who.username and (unit is None or not records.in_scope(who, unit.path)):
        raise NotFound(f"任务 {job_id} 不存在或不在 {who.unit_name} 的管辖范围内", feature=job_id)
    return job


def get(who: Actor, job_id: int) -> dict[str, Any]:
    with records.read() as session:
        return _dict(_visible(session, who, job_id))


def may_cancel(who: Actor, job: Mapping[str, Any]) -> bool:
    """Whether ``who`` may cancel a job it can read (``get``): the user who submitted it, or an
    administrator whose scope covers it, and only while it is queued or running."""
    return job.get("status") in (QUEUED, RUNNING) and (job.get("created_by") == who.username or ADMIN in who.roles)


def cancel(who: Actor, job_id: int) -> dict[str, Any]:
    """Cancel a job (``may_cancel``): a queued job ends ``cancelled`` now, a running one is marked
    ``cancelling`` and stops at its next check. A finished job is refused."""
    with records.write(who, "job.cancel") as session:
        job = _visible(session, who, job_id, lock=True)  # the worker may be claiming or finishing it
        if job.created_by != who.username and ADMIN not in who.roles:
            raise PermissionDenied(f"任务 {job_id} 只能由提交人（{job.created_by}）或管理员取消", feature=job_id)
        if job.status == QUEUED:
            job.status, job.stage, job.error = CANCELLED, CANCELLED_MESSAGE, CANCELLED_MESSAGE
            job.finished_at = utcnow()
        elif job.status == RUNNING:
            job.status, job.stage = CANCELLING, "正在取消"
        elif job.status != CANCELLING:
            raise InvalidRecord(f"任务 {job_id} {STATUS_NAMES.get(job.status, job.status)}，不能取消", feature=job_id)
        session.flush()
        return _dict(job)


def latest(who: Actor, kind: str, key: str, value: str) -> dict[str, Any] | None:
    """The newest job of ``kind`` whose params[key] == value that the actor may see; for a survey
    only when the actor may read the dataset (``DatasetNotFound`` otherwise)."""
    if kind == "survey" and key == "dataset":
        datasets.manifest(value, who)
    with records.read() as session:
        recent = session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(200))
        ids = [j.id for j in recent if str(j.params.get(key)) == value]
    for job_id in ids:
        try:
            return get(who, job_id)
        except NotFound:
            continue
    return None


def recover() -> dict[str, int]:
    """Jobs left running by a stopped server: re-queued, or failed after ``MAX_ATTEMPTS``; a job being
    cancelled ends cancelled."""
    db = records.database()
    with db.engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.status == CANCELLING)
            .values(status=CANCELLED, stage=CANCELLED_MESSAGE, error=CANCELLED_MESSAGE, finished_at=utcnow())
        )
        retried = conn.execute(
            update(Job)
            .where(Job.status == RUNNING, Job.attempts < MAX_ATTEMPTS)
            .values(status=QUEUED, stage="重新排队")
        ).rowcount
        failed = conn.execute(
            update(Job)
            .where(Job.status == RUNNING)
            .values(
                status=FAILED,
                error=f"服务器重启时任务中断，已尝试 {MAX_ATTEMPTS} 次",
                finished_at=utcnow(),
            )
        ).rowcount
    return {"requeued": int(retried or 0), "failed": int(failed or 0)}


def _claim() -> Job | None:
    db = records.database()
    with db.engine.begin() as conn:
        q = select(Job.id).where(Job.status == QUEUED).order_by(Job.id).limit(1)
        if db.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        job_id = conn.execute(q).scalar()
        if job_id is None:
            return None
        conn.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=RUNNING, attempts=Job.attempts + 1, started_at=utcnow(), progress=0.0)
        )
    with db.sessions() as session:
        return session.get(Job, job_id)


def _set(job_id: int, **values: Any) -> None:
    with records.database().engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(**values))


def run_one() -> bool:
    """Claim and run the oldest queued job; False when the queue is empty."""
    job = _claim()
    if job is None:
        return False
    handler = KINDS[job.kind][0] if job.kind in KINDS else None
    try:
        if handler is None:
            raise InvalidRecord(f"未知任务类型 {job.kind}")
        out = results_dir(job.kind, result_key(job.kind, job.params))
        result = handler(dict(job.params), out, _JobFeedback(job.id))
        _set(job.id, status=DONE, progress=1.0, result=result, finished_at=utcnow(), stage="完成")
    except Cancelled:
        _set(job.id, status=CANCELLED, stage=CANCELLED_MESSAGE, error=CANCELLED_MESSAGE, finished_at=utcnow())
    except LandconError as error:
        _set(job.id, status=FAILED, error=public_message(str(error)), finished_at=utcnow())
    except Exception:  # a bug: the trace goes to the server log, the user gets an incident number
        incident = secrets.token_hex(4)
        log.exception("job %s (%s) failed: incident %s", job.id, job.kind, incident)
        message = f"内部错误（事件编号 {incident}）：详情已记入服务器日志"
        _set(job.id, status=FAILED, error=message, finished_at=utcnow())
    return True


class _JobFeedback(Feedback):
    """A running job's ``Progress``: reports are written at most every ``POLL_S`` seconds (and at 100 %);
    a check looks the job's status up at most as often, and ``cancelling`` stops it."""

    def __init__(self, job_id: int) -> None:
        super().__init__(self._write, self._stopped)
        self.job_id = job_id
        self._written = self._looked = -POLL_S
        self._cancelled = False

    def _write(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self._written >= POLL_S or fraction >= 1.0:
            self._written = now
            _set(self.job_id, stage=stage[:100], progress=max(0.0, min(1.0, float(fraction))))

    def _stopped(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._looked >= POLL_S:
            self._looked = now
            with records.database().engine.connect() as conn:
                status = conn.execute(select(Job.status).where(Job.id == self.job_id)).scalar()
            self._cancelled = status == CANCELLING
        return self._cancelled


class Worker:
    """A daemon thread running queued jobs one at a time (the machine has two cores)."""

    def __init__(self, poll_s: float = 0.5) -> None:
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        recover()
        self._thread = threading.Thread(target=self._loop, name="landcon-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = run_one()
            except Exception:  # the loop itself must survive (database briefly unavailable …)
                busy = False
            if not busy:
                self._stop.wait(self.poll_s)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
