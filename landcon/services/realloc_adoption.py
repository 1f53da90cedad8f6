"""Households' confirmations of a 权属调整 version and its adoption (docs/realloc_village.md).

A household's 签字确认 (date, optionally the signed sheet) or an explained absence (text) is one row per
household and version (``ReallocConfirmation``); recording again replaces it. A version is adopted
(``adopted_at``/``adopted_by``) only when

(a) its 公示 is over and every objection is answered (``publicity_blockers``);
(b) the village meeting of every village whose households it concerns passed the tenure scheme
    (``services.village_votes.motion_result(…, "tenure_scheme", village)``; the village is the first 12
    digits of the 承包方编码: 发包方编码 = village code + group);
(c) every household confirmed or its absence is explained. A household without either whose 村民同意
    record of kind ``reallocation`` (``services.consent``: a household's record, 承包方编码 = the
    household, given on or after the version was saved) exists counts as confirmed by that record. A
    meeting's ``reallocation`` consent does not stand in for (b): the tenure scheme's own 表决 (2/3 rule,
    农村土地承包法 第28条) is what (b) reads.

A refusal lists every reason. ``adopted_summary`` is what the plan document's 权属调整 chapter reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon import config
from landcon.engine.consent import REALLOCATION
from landcon.engine.org import may
from landcon.engine.publicity import REALLOC
from landcon.errors import InvalidRecord, TransitionRefused
from landcon.services import attachments, publicity, records, village_votes
from landcon.services.clock import today
from landcon.services.project_access import get_project
from landcon.services.realloc_views import find_version, household_codes, version_data
from landcon.services.records import Actor
from landcon.store.models import ConsentRecord, Project, ReallocConfirmation, ReallocVersion, utcnow

TENURE_MOTION = "tenure_scheme"
VILLAGE_DIGITS = 12
SHOWN = 10
"""Households named in a refusal (then the count)."""
CONSENTED = "已同意"
"""Status of a household confirmed by its ``reallocation`` consent record."""


class AdoptionRefused(TransitionRefused):
    """A version cannot be adopted yet: every reason is listed."""


def _date(value: dt.date | str, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidRecord(f"日期格式应为 YYYY-MM-DD，不是 {value!r}", field=field) from None


def _confirmation_dict(c: ReallocConfirmation) -> dict[str, Any]:
    return {
        "household": c.household,
        "signed_on": None if c.signed_on is None else c.signed_on.isoformat(),
        "absence": c.absence,
        "attachment": c.filename or None,
        "recorded_by": c.recorded_by,
    }


def _rows(session: Session, version: ReallocVersion) -> dict[str, ReallocConfirmation]:
    q = select(ReallocConfirmation).where(ReallocConfirmation.version_id == version.id)
    return {c.household: c for c in session.scalars(q)}


def saved_on(version: ReallocVersion) -> dt.date:
    """The local date (``LANDCON_TIMEZONE``, as ``services.clock.today``) the version was saved on
    (``created_at`` is naive UTC)."""
    return version.created_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(config.timezone())).date()


def consents(session: Session, project: Project, version: ReallocVersion) -> dict[str, ConsentRecord]:
    """Households' consent records of kind ``reallocation`` (not a meeting's) given on or after the
    version was saved, by 承包方编码 (the latest of a household's)."""
    q = select(ConsentRecord).where(
        ConsentRecord.project_id == project.id,
        ConsentRecord.kind == REALLOCATION,
        ConsentRecord.vote_id.is_(None),
        ConsentRecord.given_on >= saved_on(version),
    )
    rows = session.scalars(q.order_by(ConsentRecord.given_on, ConsentRecord.id))
    return {c.household_code: c for c in rows if c.household_code}


def confirm(
    who: Actor,
    code: str,
    number: int,
    household: str,
    *,
    signed_on: dt.date | str | None = None,
    absence: str = "",
    attachment: str | Path | None = None,
    attachment_name: str | None = None,
) -> dict[str, Any]:
    """Record household ``household``'s 签字确认 on ``signed_on`` (with the signed sheet ``attachment``),
    or the explanation ``absence`` of why it did not sign; exactly one of the two."""
    absence = absence.strip()
    if (signed_on is None or str(signed_on).strip() == "") == (not absence):
        raise InvalidRecord("签字日期与未签字说明须填且只填一项", field="signed_on")
    when = None
    if not absence and signed_on is not None:
        when = _date(signed_on, "signed_on")
        if when > today():
            raise InvalidRecord(f"签字日期 {when.isoformat()} 晚于今天", field="signed_on")
    with records.write(who, "realloc.confirm") as session:
        _, version = find_version(session, who, code, number)
        records.require(who, "realloc.confirm")
        if version.adopted_at is not None:
            raise InvalidRecord(f"第 {number} 版已采用，不能再修改签字确认", feature=str(number))
        codes = household_codes(version_data(version))
        if household not in codes:
            raise InvalidRecord(
                f"承包方 {household} 不在第 {number} 版权属调整方案中", field="household", feature=household
            )
        row = _rows(session, version).get(household)
        if row is None:
            row = ReallocConfirmation(version_id=version.id, household=household, recorded_by=who.username)
            session.add(row)
        row.signed_on, row.absence, row.recorded_by, row.recorded_at = when, absence, who.username, utcnow()
        row.blob_sha, row.filename = None, ""
        if attachment is not None:
            blob = attachments.store_file(session, attachment)
            row.blob_sha, row.filename = blob.sha256, attachment_name or Path(attachment).name
        session.flush()
        return _confirmation_dict(row)


def confirmations(who: Actor, code: str, number: int) -> dict[str, Any]:
    """Every household of the version with its confirmation (``status``: 已签字 / 已说明 / 已同意 — a
    ``reallocation`` consent record stands in, ``consent``: its id and date — / 未确认)."""
    with records.read() as session:
        project, version = find_version(session, who, code, number)
        rows = _rows(session, version)
        agreed = consents(session, project, version)
        codes = household_codes(version_data(version))
        out = []
        for h in codes:
            c = rows.get(h)
            item: dict[str, Any] = (
                _confirmation_dict(c) if c is not None else {"household": h, "signed_on": None, "absence": ""}
            )
            record = agreed.get(h) if c is None else None
            item["consent"] = None if record is None else {"id": record.id, "given_on": record.given_on.isoformat()}
            item["status"] = (
                "已签字"
                if item["signed_on"]
                else "已说明"
                if item["absence"]
                else CONSENTED
                if record is not None
                else "未确认"
            )
            out.append(item)
    return {
        "households": out,
        "signed": sum(1 for r in out if r["status"] == "已签字"),
        "explained": sum(1 for r in out if r["status"] == "已说明"),
        "consented": sum(1 for r in out if r["status"] == CONSENTED),
        "missing": sum(1 for r in out if r["status"] == "未确认"),
    }


def publicity_blockers(session: Session, project: Project, number: int) -> list[str]:
    """(a) What keeps the version's 公示 from being over with every objection answered
    (``services.publicity.blockers`` of subject ``realloc`` / the version number)."""
    return [str(r) for r in publicity.blockers(session, project, REALLOC, str(number))]


def _villages(codes: Sequence[str]) -> list[str]:
    return sorted({c[:VILLAGE_DIGITS] for c in codes if len(c) >= VILLAGE_DIGITS})


def meeting_blockers(session: Session, project: Project, codes: Sequence[str]) -> list[str]:
    """(b) Villages without a passed vote on the tenure scheme."""
    out = []
    for village in _villages(codes):
        result = village_votes.motion_result(session, project, TENURE_MOTION, village)
        if result is None:
            out.append(f"村 {village} 没有权属调整方案的村民会议表决记录")
        elif not result["passed"]:
            out.append(f"{result['village_name']}（{village}）{result['held_on']} 的表决未通过：{result['reason']}")
    return out


def confirmation_blockers(
    codes: Sequence[str], rows: dict[str, ReallocConfirmation], agreed: dict[str, ConsentRecord] | None = None
) -> list[str]:
    """(c) Households neither confirmed nor explained, nor with a ``reallocation`` consent record."""
    missing = [h for h in codes if h not in rows and h not in (agreed or {})]
    if not missing:
        return []
    shown = "、".join(missing[:SHOWN]) + ("等" if len(missing) > SHOWN else "")
    return [f"{len(missing)} 户既未签字确认也未说明原因：{shown}"]


def blockers(session: Session, project: Project, version: ReallocVersion) -> list[str]:
    codes = household_codes(version_data(version))
    return (
        publicity_blockers(session, project, version.number)
        + meeting_blockers(session, project, codes)
        + confirmation_blockers(codes, _rows(session, version), consents(session, project, version))
    )


def adoption_state(who: Actor, code: str, number: int) -> dict[str, Any]:
    """Whether the version is adopted, what still blocks it, and whether the actor may record confirmations
    and adopt (``may``: roles only; the services check the units when acting) — for the version page."""
    rights = {"confirm": may(who.roles, "realloc.confirm"), "adopt": may(who.roles, "realloc.adopt")}
    with records.read() as session:
        project, version = find_version(session, who, code, number)
        if version.adopted_at is not None:
            return {"adopted": True, "blockers": [], "adopted_by": version.adopted_by, "may": rights}
        return {"adopted": False, "blockers": blockers(session, project, version), "adopted_by": None, "may": rights}


def adopt(who: Actor, code: str, number: int) -> dict[str, Any]:
    """Adopt version ``number`` (``realloc.adopt``, the project's county); AdoptionRefused lists every reason."""
    with records.write(who, "realloc.adopt") as session:
        project, version = find_version(session, who, code, number)
        records.require(who, "realloc.adopt", project.county)
        if version.adopted_at is not None:  # adopting it again only reports the adoption
            adopted_at = version.adopted_at.isoformat(timespec="seconds")
            return {"project": code, "number": number, "adopted_at": adopted_at, "created": False}
        other = session.scalars(
            select(ReallocVersion.number).where(
                ReallocVersion.project_id == project.id, ReallocVersion.adopted_at.is_not(None)
            )
        ).first()
        reasons = [] if other is None else [f"第 {other} 版已采用：一个项目只采用一个权属调整方案"]
        reasons += blockers(session, project, version)
        if reasons:
            raise AdoptionRefused(f"第 {number} 版不能采用：" + "；".join(reasons))
        version.adopted_at, version.adopted_by = utcnow(), who.username
        session.flush()
        adopted_at = version.adopted_at.isoformat(timespec="seconds")
        return {"project": code, "number": number, "adopted_at": adopted_at, "created": True}


def adopted_summary(who: Actor, code: str) -> dict[str, Any] | None:
    """The project's adopted version for the plan document, or None: version, name, adopted_on, households,
    parcels_before, pieces_after, area_m2 (after), mean pieces before/after, settlement paid/received (元),
    confirmed and explained household counts, and ``consented``: households confirmed by a consent record."""
    with records.read() as session:
        project = get_project(session, who, code)
        version = session.scalars(
            select(ReallocVersion).where(
                ReallocVersion.project_id == project.id, ReallocVersion.adopted_at.is_not(None)
            )
        ).first()
        if version is None or version.adopted_at is None:
            return None
        rows = _rows(session, version)
        codes = set(household_codes(version_data(version)))
        agreed = [h for h in consents(session, project, version) if h in codes and h not in rows]
        ind = dict(version.indicators or {})
        return {
            "version": version.number,
            "name": version.name,
            "adopted_on": version.adopted_at.date().isoformat(),
            "households": ind.get("households"),
            "parcels_before": ind.get("parcels_before"),
            "pieces_after": ind.get("parcels_after"),
            "area_m2": ind.get("total_area_after"),
            "mean_pieces_before": ind.get("parcels_per_household_before"),
            "mean_pieces_after": ind.get("parcels_per_household_after"),
            "settlement_paid_yuan": ind.get("settlement_paid"),
            "settlement_received_yuan": ind.get("settlement_received"),
            "confirmed": sum(1 for r in rows.values() if r.signed_on is not None),
            "explained": sum(1 for r in rows.values() if r.signed_on is None and r.absence),
            "consented": len(agreed),
        }
