"""A plan arriving from the web: an uploaded zip (plan.gpkg or plan.gdb + plan.yaml) or the example
plan synthesised from the project's dataset, unpacked in a temporary folder and saved as a draft."""

from __future__ import annotations

import tempfile
from pathlib import Path

from landcon.services import plan, projects, uploads
from landcon.services.records import Actor


def save_uploaded_plan(who: Actor, code: str, incoming: uploads.Incoming | None, *, example: bool) -> None:
    """Save the example plan (``example``) or the streamed zip as project ``code``'s draft version."""
    with tempfile.TemporaryDirectory(prefix="landcon-plan-") as tmp:
        folder = Path(tmp) / "plan"
        if example:
            p = projects.show_project(who, code)
            plan.synthesise_plan(str(p["dataset"]), folder)
        elif incoming is not None:
            incoming.close()
            uploads.extract_plan(incoming.raw, folder)
        else:
            raise uploads.UploadRefused("请选择方案压缩包（plan.gpkg + plan.yaml）或使用示例方案")
        projects.save_plan(who, code, folder)
