"""Running independent per-county tasks on Dask distributed (survey batch, monitor batch).

A ``LocalCluster`` of worker processes by default (one per task, at most one per core, or
``workers``); ``scheduler`` ("tcp://host:8786") uses an existing cluster whose workers see the same
data directory. Tasks must take and return plain values (paths as strings, dicts)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import Any

from landcon.engine.progress import Progress

Task = tuple[str, Callable[..., Any], tuple[Any, ...]]
"""(unique key, function, arguments) of one task."""


def run_tasks(
    tasks: Sequence[Task], *, scheduler: str | None, workers: int | None, progress: Progress, stage: str
) -> list[Any]:
    """Run ``tasks`` on the cluster and return their results in the order given; ``progress`` reports
    ``stage`` as tasks finish. The first failing task's error is raised."""
    from dask.distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as cleanup:
        if scheduler is None:
            n = workers or max(1, min(len(tasks), os.cpu_count() or 1))
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
            cleanup.callback(cluster.close)
            client = Client(cluster)
        else:
            client = Client(scheduler)
        cleanup.callback(client.close)
        futures = [client.submit(fn, *args, key=key) for key, fn, args in tasks]
        position = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(as_completed(futures)):
            results[position[future.key]] = future.result()
            progress.report(stage, (done + 1) / len(futures))
        return results
