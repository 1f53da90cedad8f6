"""Who owns a dataset and who may read, import, replace or survey it.

A dataset belongs to one unit (manifest ``owner``): the county its administrative codes name
(first 6 digits of DLTB/CJDCQ ``ZLDWDM`` and XZQ ``XZQDM``), or the 州/市 / province covering
several counties (only a prefecture or provincial user may import such data). Results derived from
it (survey folders, survey jobs, tiles) carry the same owner.

- read: the owner is inside the actor's subtree, or the owner is a county and the actor's unit is
  inside it (a township cadre sees its county's data, not a prefecture's data on other counties);
- import / replace / survey: the permission matrix allows the action and the owner is inside
  the actor's subtree. The command line's system administrator (path ``/``) covers everything.

A dataset outside the actor's reach is reported as missing, so its name and content leak nothing.
A manifest without ``owner`` (imported before owners existed) is reachable only from ``/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from landcon.engine import org
from landcon.errors import DatasetNotFound, PermissionDenied
from landcon.services.records import Actor, require

if TYPE_CHECKING:
    import pandas as pd

#: (layer, field) holding administrative codes whose first 6 digits name the county.
CODE_FIELDS: tuple[tuple[str, str], ...] = (("DLTB", "ZLDWDM"), ("CJDCQ", "ZLDWDM"), ("XZQ", "XZQDM"))
UNOWNED_PATH = "/"


def owner_of(frames: Mapping[str, pd.DataFrame], who: Actor, path: str) -> dict[str, Any]:
    """The owner unit of a dataset about to be imported by ``who``; refuses (``PermissionDenied``)
    data spanning several counties from a county-or-lower user and data outside ``who``'s subtree."""
    counties: set[str] = set()
    for layer, field in CODE_FIELDS:
        if layer in frames and field in frames[layer].columns:
            counties |= org.counties_of(frames[layer][field].dropna().unique())
    try:
        code = org.covering_unit(counties)
    except ValueError as exc:
        raise PermissionDenied(
            f"无法从 DLTB.ZLDWDM / XZQ.XZQDM 确定数据所属的县（{exc}），未导入", path=path, field="ZLDWDM"
        ) from exc
    if len(counties) > 1 and who.unit_level not in (org.PROVINCE, org.PREFECTURE):
        raise PermissionDenied(
            f"数据跨 {len(counties)} 个县（{'、'.join(sorted(counties))}，见 ZLDWDM/XZQDM）：只有州/市或省级用户"
            f"可以导入跨县数据，用户 {who.label()} 属于 {who.unit_name}",
            path=path,
            field="ZLDWDM",
        )
    owner_unit = org.unit_path(code)
    if not org.in_subtree(who.unit_path, owner_unit):
        raise PermissionDenied(
            f"数据属于 {code}（ZLDWDM/XZQDM），不在用户 {who.label()}（{who.unit_name}）的管辖范围内，未导入",
            path=path,
            field="ZLDWDM",
        )
    return {"code": code, "path": owner_unit, "counties": sorted(counties)}


def owner_path(manifest: Mapping[str, Any]) -> str:
    owner = manifest.get("owner")
    return str(owner["path"]) if isinstance(owner, Mapping) and owner.get("path") else UNOWNED_PATH


def may_read(who: Actor, manifest: Mapping[str, Any]) -> bool:
    """True when ``who`` may see the dataset (see module docstring)."""
    path = owner_path(manifest)
    if not org.may(who.roles, "dataset.read"):
        return False
    if org.in_subtree(who.unit_path, path):
        return True
    # Townships and villages see their county's data, never a prefecture's or province's (other counties').
    code = str((manifest.get("owner") or {}).get("code", ""))
    county_owned = path != UNOWNED_PATH and len(code) == 6 and org.level_of(code) == org.COUNTY
    return county_owned and org.in_subtree(path, who.unit_path)


def require_read(who: Actor, name: str, manifest: Mapping[str, Any]) -> None:
    if not may_read(who, manifest):
        raise DatasetNotFound(f"数据集 {name} 不存在或不在 {who.unit_name} 的管辖范围内")


def require_write(who: Actor, action: str, name: str, manifest: Mapping[str, Any]) -> None:
    """``action`` (dataset.replace / dataset.survey) on a stored dataset: allowed role and owner in scope."""
    require_read(who, name, manifest)
    require(who, action)
    if not org.in_subtree(who.unit_path, owner_path(manifest)):
        owner = manifest.get("owner") or {}
        raise PermissionDenied(
            f"数据集 {name} 属于 {owner.get('code', '未知单位')}，用户 {who.label()}（{who.unit_name}）"
            f"无权{org.ACTION_NAMES[action]}"
        )
