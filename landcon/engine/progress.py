"""Progress reporting and cancellation for long computations (survey, plan check, reallocation, jobs).

A long computation receives one ``Progress``: it reports ``(stage, fraction done 0–1)`` and, between its
phases, calls ``check()``, which raises ``Cancelled`` once someone asked to stop. A report is a check
too, so a computation that reports stops at its next report. ``NO_PROGRESS`` ignores reports and never
cancels; ``as_progress`` turns a plain ``(stage, fraction)`` callback (the CLI's progress bar) into a
``Progress`` that never cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from landcon.errors import LandconError

ProgressCallback = Callable[[str, float], None]
"""A plain progress callback: (stage description, fraction done 0–1)."""

CANCELLED_MESSAGE = "已取消"


class Cancelled(LandconError):
    """The computation was asked to stop (a job cancelled by a user) and stopped at a check."""

    def __init__(self, message: str = CANCELLED_MESSAGE) -> None:
        super().__init__(message)


@runtime_checkable
class Progress(Protocol):
    def report(self, stage: str, fraction: float) -> None:
        """Record that ``stage`` is ``fraction`` (0–1) done; raises ``Cancelled`` when cancelled."""

    @property
    def cancelled(self) -> bool:
        """Whether someone asked the computation to stop."""

    def check(self) -> None:
        """Raise ``Cancelled`` when ``cancelled``; called between phases."""


class Feedback:
    """A ``Progress`` built from a report callback and a cancellation test (both optional)."""

    def __init__(
        self, on_report: ProgressCallback | None = None, is_cancelled: Callable[[], bool] | None = None
    ) -> None:
        self._on_report = on_report
        self._is_cancelled = is_cancelled

    def report(self, stage: str, fraction: float) -> None:
        if self._on_report is not None:
            self._on_report(stage, fraction)
        self.check()

    @property
    def cancelled(self) -> bool:
        return self._is_cancelled is not None and self._is_cancelled()

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()

    def __call__(self, stage: str, fraction: float) -> None:
        """Reports, so a ``Feedback`` also serves where a plain callback is expected."""
        self.report(stage, fraction)


NO_PROGRESS: Progress = Feedback()


def as_progress(progress: Progress | ProgressCallback | None) -> Progress:
    """``progress`` as a ``Progress``: a plain callback is wrapped (it never cancels); None is ``NO_PROGRESS``."""
    if progress is None:
        return NO_PROGRESS
    if isinstance(progress, Progress):
        return progress
    return Feedback(progress)
