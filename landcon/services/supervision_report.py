"""The project's 实施监管表 (xlsx): its sub-projects with progress, the progress reports, the funds by
source (once the plan is approved) and the site photos — sub-project, time, position, the position
check and its flag, with the thumbnail — as the supervision page shows them
(``supervision_views.project_supervision``), rendered by ``reports.supervision_xlsx``.

Readable by whoever may read the project (out of scope is "not found"); nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landcon.errors import InvalidRecord
from landcon.services import attachments, clock, supervision_views
from landcon.services.records import Actor


def _amounts(values: dict[str, Any]) -> str:
    return "，".join(f"{k} {v:g}" for k, v in values.items())


def _degrees(value: float | None) -> float | None:
    """A photo's longitude or latitude to 7 decimals (≈ 1 cm), as the workbook shows it."""
    return None if value is None else round(value, 7)


def _thumbnail(sha: str | None) -> str | None:
    if not sha:
        return None
    found = attachments.blob_store().path(sha)
    return str(found) if found.is_file() else None


def sheets(s: dict[str, Any]) -> list[dict[str, Any]]:
    """The workbook's sheets from a project's supervision read model: title, columns (label, kind), rows."""
    subs = {
        "title": "子项目进度",
        "columns": [
            ("编号", "text"), ("名称", "text"), ("类型", "text"), ("责任部门", "text"), ("责任单位", "text"),
            ("计划开始", "text"), ("计划结束", "text"), ("投资（万元）", "num"), ("资金安排（万元）", "text"),
            ("完成（%）", "num"), ("最近填报", "text"),
        ],
        "rows": [
            [
                sp["code"], sp["name"], sp["type"], sp["department"], sp["unit_name"], sp["start"], sp["end"],
                sp["investment"], _amounts(sp["budget"]), sp["percent"], sp["last_report"],
            ]
            for sp in s["subprojects"]
        ],
    }  # fmt: skip
    reports = {
        "title": "进度填报",
        "columns": [
            ("编号", "text"), ("子项目", "text"), ("期次", "text"), ("日期", "text"), ("完成（%）", "num"),
            ("拨付（万元）", "text"), ("问题", "text"), ("填报人", "text"),
        ],
        "rows": [
            [f"#{r['id']}", r["sub_project"], r["period"], r["reported_on"], r["percent"], _amounts(r["disbursed"]),
             r["issues"], r["reporter"]]
            for r in sorted(s["reports"], key=lambda r: (r["reported_on"], r["id"]))
        ],
    }  # fmt: skip
    photos = {
        "title": "现场照片",
        "columns": [
            ("编号", "text"), ("子项目", "text"), ("文件名", "text"), ("拍摄时间", "text"), ("经度", "deg"),
            ("纬度", "deg"), ("位置核查", "text"), ("距子项目范围（米）", "num"), ("需核实", "text"),
            ("进度填报", "text"), ("缩略图", "image"),
        ],
        "rows": [
            [
                f"#{p['id']}", p["sub_project"], p["filename"], (p["taken_at"] or "").replace("T", " "),
                _degrees(p["lon"]), _degrees(p["lat"]), p["status_name"], p["distance_m"],
                "是" if p["flagged"] else "否",
                f"#{p['report_id']}" if p["report_id"] else None, _thumbnail(p["thumbnail_sha256"]),
            ]
            for p in s["photos"]
        ],
    }  # fmt: skip
    out = [subs, reports, photos]
    if s["funds"]:
        f = s["funds"]
        out.insert(
            1,
            {
                "title": "资金",
                "columns": [
                    ("来源", "text"), ("方案筹措（万元）", "num"), ("子项目安排（万元）", "num"),
                    ("未安排（万元）", "num"), ("已拨付（万元）", "num"), ("拨付率", "rate"),
                ],
                "rows": [
                    [r["source"], r["planned"], r["allocated"], r["unallocated"], r["disbursed"],
                     r["disbursement_rate"]]
                    for r in f["sources"]
                ] + [["合计", f["planned"], f["allocated"], None, f["disbursed"], None]],
            },
        )  # fmt: skip
    return out


def export_xlsx(who: Actor, project_code: str, out: str | Path) -> dict[str, Any]:
    """Write the project's 实施监管表 to ``out`` (.xlsx, atomically); returns its path, sheets and counts."""
    from landcon.reports.supervision_xlsx import write_supervision_xlsx

    target = Path(out)
    if target.suffix.lower() != ".xlsx" or target.is_dir():
        raise InvalidRecord("实施监管表输出应为 .xlsx 文件", path=str(out))
    if not target.parent.is_dir():
        raise InvalidRecord(f"输出目录 {target.parent} 不存在", path=str(out))
    s = supervision_views.project_supervision(who, project_code)
    heading = f"{s['name']}（{s['code']}）· {s['stage_name']} · 截至 {clock.today().isoformat()}"
    written = write_supervision_xlsx(heading, sheets(s), target)
    return {
        "path": str(target),
        "project": project_code,
        "sheets": written,
        "sub_projects": len(s["subprojects"]),
        "reports": len(s["reports"]),
        "photos": len(s["photos"]),
        "flagged_photos": sum(1 for p in s["photos"] if p["flagged"]),
    }
