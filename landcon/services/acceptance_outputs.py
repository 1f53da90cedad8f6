"""Acceptance outputs (docs/acceptance.md, "Outputs"): the ZZ_YS data set (zzys.json, zzys.xlsx).

``export_zzys`` takes the computation of the project's newest passing whole-project acceptance record
(``acceptance_records.latest_passing_computation``); with ``unaccepted`` and no such record, the latest
``accept check`` of the project's acceptance folder, marked 未通过验收. The user needs ``project.read``
over the project (as ``accept list``). The sub-project types come from the approved plan version the
computation names, the planned 工程量 from the sub-project records (``services.supervision``). Results
are written through a staged folder.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landcon import config
from landcon.engine.zzys import build_zzys
from landcon.errors import NotFound
from landcon.reports.zzys_xlsx import write_zzys_xlsx
from landcon.services import acceptance, acceptance_records, projects, supervision
from landcon.services.plan import read_plan
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.staging import staged_folder

ACCEPTED, UNACCEPTED = "已通过验收", "未通过验收"
ZZYS_FILES = ("zzys.json", "zzys.xlsx")


@dataclass(frozen=True)
class Source:
    """The computation exported and what it is: ``status`` 已通过验收 / 未通过验收, ``origin`` in words."""

    data: dict[str, Any]
    status: str
    origin: str
    record: dict[str, Any] | None


def computation(who: Actor, code: str, *, unaccepted: bool = False) -> Source:
    """The computation to export (module docstring); ``NotFound`` without one."""
    found = acceptance_records.latest_passing_computation(who, code)
    if found is not None:
        rec = found["record"]
        return Source(found["computation"], ACCEPTED, f"整体验收记录 {rec['id']}（{rec['opinion']}）所附核算结果", rec)
    if not unaccepted:
        raise NotFound(
            f"项目 {code} 没有通过的整体验收记录（accept record）；导出最近一次验收核算请加 --unaccepted", feature=code
        )
    file = acceptance.result_dir(code) / "acceptance.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(f"项目 {code} 没有验收核算结果（accept check）", path=str(file), feature=code) from exc
    if not isinstance(data, dict) or data.get("project") != code:
        raise NotFound(f"项目 {code} 没有验收核算结果（accept check）", path=str(file), feature=code)
    return Source(data, UNACCEPTED, "最近一次验收核算（accept check）", None)


def _epsg(data: dict[str, Any]) -> int:
    """The dataset's CRS (the as-built parcels' coordinates), as the computation's before version stores it."""
    manifest = DatasetStore(config.data_dir()).manifest(str(data["dataset"]), data.get("before_version"))
    return int(str(manifest["crs"]["DLTB"]).split(":")[-1])


def subprojects(who: Actor, code: str, plan_version: int) -> list[dict[str, Any]]:
    """The approved plan's sub-projects (code, name, type, investment) with the planned 工程量 of their
    records (empty where a sub-project is not registered)."""
    with tempfile.TemporaryDirectory(prefix="landcon-zzys-") as tmp:
        meta = read_plan(projects.export_plan(who, code, plan_version, Path(tmp) / "plan")).meta
    registered = {s["code"]: s for s in supervision.list_subprojects(who, code)}
    out = []
    for item in meta.get("sub_projects") or []:
        sub = str(item.get("code"))
        record = registered.get(sub) or {}
        out.append(
            {
                "code": sub,
                "name": str(item.get("name") or sub),
                "type": str(item.get("type") or "其他"),
                "investment": item.get("investment"),
                "quantities": dict(record.get("quantities") or {}),
            }
        )
    return out


def zzys_record(who: Actor, code: str, source: Source) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """zzys.json of ``source`` and the sub-projects it was built with."""
    data = source.data
    subs = subprojects(who, code, int(data["plan_version"]))
    record = build_zzys(data, subs, _epsg(data), get_profile().ledger_rules).to_dict()
    head = {
        "status": source.status,
        "computation": source.origin,
        "dataset": data.get("dataset"),
        "plan_version": data.get("plan_version"),
        "vintage_version": data.get("vintage_version"),
        "completion_date": data.get("completion_date"),
    }
    return {**record, **head}, subs


def _meta(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "项目": record["project"],
        "验收状态": record["status"],
        "核算来源": record["computation"],
        "数据集": record["dataset"],
        "方案版本": record["plan_version"],
        "核实所用变更调查版本": record["vintage_version"],
        "竣工日期": record["completion_date"],
    }


def export_zzys(who: Actor, code: str, out_dir: str | Path, *, unaccepted: bool = False) -> dict[str, Any]:
    """Write zzys.json and zzys.xlsx of project ``code`` to ``out_dir`` (staged); returns the folder,
    files and the record."""
    source = computation(who, code, unaccepted=unaccepted)
    record, _ = zzys_record(who, code, source)
    target = Path(out_dir)
    with staged_folder(target) as tmp:
        (tmp / "zzys.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        write_zzys_xlsx(record, tmp / "zzys.xlsx", _meta(record))
    return {"out_dir": str(target.resolve()), "files": list(ZZYS_FILES), "zzys": record}
