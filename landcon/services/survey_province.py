"""摸底调查 of a province: many county datasets surveyed in parallel on Dask distributed, and the
province summary (``province.json``, ``province.xlsx``). Every county is checked (``dataset.survey``)
and audited (``survey.audit_run``) in the process that starts the batch, not on the workers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from landcon import config
from landcon.engine.progress import Progress, ProgressCallback, as_progress
from landcon.errors import DatasetNotFound, LandconError
from landcon.reports.survey_xlsx import write_province_xlsx
from landcon.services import dataset_access, records
from landcon.services.cluster import run_tasks
from landcon.services.datasets import store as dataset_store
from landcon.services.records import Actor
from landcon.services.survey import SurveyRun, audit_run, run_as
from landcon.store.staging import staged_folder


def _county_task(dataset: str, data_dir: str, out: str, unit: str, maps: bool) -> dict[str, Any]:
    """One county on a Dask worker: the full survey written under ``out``; returns its county row
    (checked and audited by ``survey_batch`` in the process that started the batch)."""
    run = run_as(None, dataset, unit=unit, out=out, maps=maps, data_dir=data_dir)
    county = next(u for u in run.data["units"] if u["level"] == "county")
    return {"dataset": dataset, **county}


def survey_batch(
    datasets: Sequence[str],
    *,
    scheduler: str | None = None,
    out: str | Path | None = None,
    unit: str = "village",
    maps: bool = False,
    workers: int | None = None,
    progress: Progress | ProgressCallback | None = None,
    who: Actor | None = None,
) -> SurveyRun:
    """Survey many county datasets in parallel on Dask distributed and write a province summary,
    as ``who`` (``None``: the command line's system administrator; every county is checked first and
    audited as a ``survey.run`` before the summary is published).

    A ``LocalCluster`` of worker processes by default; ``scheduler`` ("tcp://host:8786") uses
    an existing cluster whose workers see the same data directory. Each county's results go to
    ``out/DATASET/``; ``province.json`` and ``province.xlsx`` hold one row per county.
    """
    progress = as_progress(progress)
    if not datasets:
        raise LandconError("未指定数据集 / no dataset given")
    who = who or records.system_actor()
    store = dataset_store()
    manifests: list[tuple[str, dict[str, Any]]] = []
    for name in datasets:
        if not store.exists(name):
            raise DatasetNotFound(f"数据集不存在 / no such dataset: {name}")
        manifests.append((name, store.manifest(name)))
        dataset_access.require_write(who, "dataset.survey", name, manifests[-1][1])
    target = (Path(out) if out is not None else Path.cwd() / "survey-province").resolve()
    data_dir = str(config.data_dir().resolve())
    with staged_folder(target) as tmp:
        tasks = [(f"survey-{name}", _county_task, (name, data_dir, str(tmp / name), unit, maps)) for name in datasets]
        ordered = run_tasks(
            tasks, scheduler=scheduler, workers=workers, progress=progress, stage="全省汇总 / province batch"
        )
        province = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "datasets": list(datasets),
            "counties": ordered,
        }
        (tmp / "province.json").write_text(json.dumps(province, ensure_ascii=False, indent=1), encoding="utf-8")
        write_province_xlsx(ordered, tmp / "province.xlsx")
        audit_run(who, manifests, unit=unit, out=target)
    return SurveyRun(target, province, ["province.json", "province.xlsx", *datasets])
