"""村民会议 / 村民代表会议 表决 of a project's villages (not the departments' 会商: ``services.meetings``).

A township or village user (``vote.record``) records a meeting of a village the project covers (a
covered village, or a village of a covered township): kind, date, motion and its kind, the eligible
roster (count, optional names), attendance, votes and the signed record as an attachment. The result
(valid, passed, reason) is computed by ``engine.votes`` on save and on every read, never stored or typed.
The county and everyone who may read the project read the meetings. Every write is audited.

``motion_result`` (the latest meeting on a motion kind) and ``plan_summary`` (all meetings) are what
the tenure adjustment gate and the plan document read; ``require_market_entry`` is the 入市 check (votes
and meetings' ``market`` consents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import org
from landcon.engine import votes as V
from landcon.engine.consent import MARKET as MARKET_CONSENT
from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import attachments, records
from landcon.services.clock import today
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.tasks import parse_date
from landcon.store.models import ConsentRecord, Project, ProjectUnit, Unit, VillageVote

RECORDING_LEVELS = (org.TOWNSHIP, org.VILLAGE)


def villages(session: Session, project: Project) -> list[Unit]:
    """The villages of a project: its covered villages and the villages of its covered townships, by code."""
    covered = list(
        session.scalars(
            select(Unit).join(ProjectUnit, ProjectUnit.unit_id == Unit.id).where(ProjectUnit.project_id == project.id)
        )
    )
    found = {u.code: u for u in covered if u.level == org.VILLAGE}
    townships = [u.path for u in covered if u.level == org.TOWNSHIP]
    if townships:
        q = select(Unit).where(Unit.level == org.VILLAGE)
        for row in session.scalars(q):
            if any(row.path.startswith(p) for p in townships):
                found.setdefault(row.code, row)
    return [found[c] for c in sorted(found)]


def village_of(session: Session, project: Project, village: str) -> Unit:
    """The project's village named by its 12-digit code or its name; refused when the project does not cover it."""
    text = (village or "").strip()
    own = villages(session, project)
    for unit in own:
        if text in (unit.code, unit.name):
            return unit
    known = "、".join(f"{u.name}（{u.code}）" for u in own) or "无"
    raise InvalidRecord(
        f"村 {text or '（空）'} 不是项目 {project.code} 涉及的村；可选：{known}", field="village", feature=text
    )


def require_recorder(who: Actor, unit: Unit) -> None:
    """``vote.record`` on ``unit``, and the actor belongs to a township or village: the county reads only."""
    records.require(who, "vote.record", unit)
    if who.unit_level not in RECORDING_LEVELS:
        raise PermissionDenied(
            f"用户 {who.label()} 属于 {who.unit_name}：村民会议表决和村民同意由乡镇或村记录，县级及以上只能查看"
        )


def result_of(v: VillageVote, motion_kind: str | None = None) -> V.VoteResult:
    """The meeting's computed result for its own motion, or under the rule of ``motion_kind``."""
    return V.vote_result(
        v.kind,
        motion_kind or v.motion_kind,
        eligible=v.eligible,
        present=v.present,
        in_favour=v.votes_for,
        against=v.votes_against,
        abstain=v.votes_abstain,
    )


def meeting_dict(v: VillageVote) -> dict[str, Any]:
    """A meeting with its computed result (the shape ``motion_result`` and ``plan_summary`` return)."""
    r = result_of(v)
    return {
        "id": v.id,
        "village_code": v.unit.code,
        "village_name": v.unit.name,
        "kind": v.kind,
        "held_on": v.held_on.isoformat(),
        "motion": v.motion,
        "motion_kind": v.motion_kind,
        "motion_kind_name": V.MOTION_KINDS[v.motion_kind],
        "eligible": v.eligible,
        "roster": list(v.roster),
        "present": v.present,
        "for": v.votes_for,
        "against": v.votes_against,
        "abstain": v.votes_abstain,
        "parcels": list(v.parcels),
        "valid": r.valid,
        "passed": r.passed,
        "reason": r.reason,
        "quorum_needed": r.quorum_needed,
        "votes_needed": r.votes_needed,
        "citation": r.citation,
        "attachment": v.attachment_name or None,
        "attachment_sha": v.blob_sha,
        "created_by": v.created_by,
    }


def not_after_today(day: dt.date, field: str, what: str, why: str) -> dt.date:
    """``day`` unless it is after today (``services.clock.today``): what has happened is never future-dated."""
    now = today()
    if day > now:
        raise InvalidRecord(f"{what} {day.isoformat()} 晚于今天（{now.isoformat()}）：{why}", field=field)
    return day


def _count(value: object, field: str, what: str) -> int:
    if isinstance(value, bool):
        raise V.VoteCountError(f"{what}应为非负整数，不是 {value!r}", field=field)
    try:
        number = int(str(value).strip())
    except ValueError as error:
        raise V.VoteCountError(f"{what}应为非负整数，不是 {value!r}", field=field) from error
    if number < 0 or str(number) != str(value).strip().lstrip("+"):
        raise V.VoteCountError(f"{what}应为非负整数，不是 {value!r}", field=field)
    return number


def parcel_keys(values: Sequence[str]) -> list[str]:
    """Parcel references as given (``LAYER:id`` or a DLTB BSM / 地块编码), stripped, without blanks or repeats."""
    keys = [str(v).strip() for v in values if str(v).strip()]
    for key in keys:
        if len(key) > 80:
            raise InvalidRecord(f"地块编号 {key[:20]}… 过长（不超过 80 字）", field="parcels", feature=key[:20])
    return list(dict.fromkeys(keys))


def add_meeting(
    who: Actor,
    project_code: str,
    *,
    village: str,
    kind: str,
    held_on: dt.date | str,
    motion: str,
    motion_kind: str,
    eligible: object,
    present: object,
    votes_for: object,
    against: object,
    abstain: object,
    roster: Sequence[str] = (),
    parcels: Sequence[str] = (),
    attachment: str | Path | None = None,
    attachment_name: str | None = None,
) -> dict[str, Any]:
    """Record one 村民会议 / 村民代表会议 表决 and return it with its computed result. Counts are checked
    (for + against + abstain ≤ present ≤ eligible; a roster of names, when given, has ``eligible`` names)."""
    motion = (motion or "").strip()
    if not motion:
        raise InvalidRecord("表决事项不能为空", field="motion")
    counts = {
        "eligible": _count(eligible, "eligible", "应到人数"),
        "present": _count(present, "present", "到会人数"),
        "for": _count(votes_for, "for", "赞成票数"),
        "against": _count(against, "against", "反对票数"),
        "abstain": _count(abstain, "abstain", "弃权票数"),
    }
    kind, motion_kind = (kind or "").strip(), (motion_kind or "").strip()
    V.check_counts(
        kind, motion_kind, counts["eligible"], counts["present"], (counts["for"], counts["against"], counts["abstain"])
    )
    names = [str(n).strip() for n in roster if str(n).strip()]
    if names and len(names) != counts["eligible"]:
        raise V.VoteCountError(f"名册有 {len(names)} 人，与应到人数 {counts['eligible']} 不符", field="roster")
    day = not_after_today(parse_date(held_on, "held_on", "会议日期"), "held_on", "会议日期", "尚未召开的会议不能记录")
    keys = parcel_keys(parcels)
    with records.write(who, "vote.record") as session:
        project = get_project(session, who, project_code)
        unit = village_of(session, project, village)
        require_recorder(who, unit)
        blob = attachments.store_file(session, attachment) if attachment is not None else None
        row = VillageVote(
            project_id=project.id,
            unit=unit,
            kind=kind,
            held_on=day,
            motion=motion,
            motion_kind=motion_kind,
            eligible=counts["eligible"],
            roster=names,
            present=counts["present"],
            votes_for=counts["for"],
            votes_against=counts["against"],
            votes_abstain=counts["abstain"],
            parcels=keys,
            blob_sha=blob.sha256 if blob else None,
            attachment_name=(attachment_name or (Path(attachment).name if attachment else ""))[:255],
            created_by=who.username,
        )
        session.add(row)
        session.flush()
        return meeting_dict(row)


def _meetings(session: Session, project: Project) -> list[VillageVote]:
    q = select(VillageVote).where(VillageVote.project_id == project.id)
    return list(session.scalars(q.order_by(VillageVote.held_on, VillageVote.id)))


def list_meetings(who: Actor, project_code: str, *, motion_kind: str | None = None) -> list[dict[str, Any]]:
    """The project's meetings by date, each with its computed result."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        rows = _meetings(session, project)
        return [meeting_dict(v) for v in rows if motion_kind is None or v.motion_kind == motion_kind]


def get_meeting(session: Session, project: Project, meeting_id: int) -> VillageVote:
    row = session.get(VillageVote, meeting_id)
    if row is None or row.project_id != project.id:
        raise NotFound(f"项目 {project.code} 没有编号为 {meeting_id} 的村民会议表决", feature=meeting_id)
    return row


def motion_result(
    session: Session, project: Project, motion_kind: str, village: str | None = None
) -> dict[str, Any] | None:
    """The latest meeting (by date, then record) of ``project`` on ``motion_kind`` — of ``village``
    (12-digit code or name) when given — with its computed result; ``None`` when there is none.
    The caller has already read ``project`` for its actor (``get_project``)."""
    if motion_kind not in V.MOTION_KINDS:
        raise InvalidRecord(f"表决事项类型应为 {'、'.join(V.MOTION_KINDS)}，不是 {motion_kind!r}", field="motion_kind")
    rows = [v for v in _meetings(session, project) if v.motion_kind == motion_kind]
    if village:
        rows = [v for v in rows if village in (v.unit.code, v.unit.name)]
    return meeting_dict(rows[-1]) if rows else None


def plan_summary(who: Actor, code: str) -> list[dict[str, Any]]:
    """Every meeting of the project with its computed result, by date (for the 实施方案's 公众意愿 chapter)."""
    return list_meetings(who, code)


def attachment_of(who: Actor, project_code: str, meeting_id: int) -> tuple[str, str]:
    """(blob sha, file name) of a meeting's signed record."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        row = get_meeting(session, project, meeting_id)
        if not row.blob_sha:
            raise NotFound(f"村民会议表决 {meeting_id} 没有会议记录附件", feature=meeting_id)
        return row.blob_sha, row.attachment_name


def _covers(parcels: Sequence[str], parcel_code: str) -> bool:
    """A decision over ``parcels`` covers ``parcel_code`` when it names it or names none (the whole village)."""
    return not parcels or parcel_code in parcels


def _market_consents(session: Session, village: Unit) -> list[ConsentRecord]:
    q = select(ConsentRecord).where(ConsentRecord.unit_id == village.id, ConsentRecord.kind == MARKET_CONSENT)
    return list(session.scalars(q.order_by(ConsentRecord.given_on, ConsentRecord.id)))


def require_market_entry(session: Session, village: Unit | None, parcel_code: str) -> None:
    """入市 of parcel ``parcel_code`` of ``village`` needs the village's collective decision (土地管理法
    第63条: 2/3 of the 村民会议 members or of the 村民代表), from the records of any project:

    - its latest 集体经营性建设用地入市 表决 passed and covers the parcel, or
    - a meeting's consent of kind ``market`` (``services.consent``) covers the parcel and its meeting
      passes under the 入市 rule (``engine.votes``, whatever the meeting's own motion kind).

    A decision covers the parcel when its parcels name it or it names none (the whole village); a
    meeting's consent without parcels takes its meeting's. A household's consent of kind ``market`` is
    not the collective's decision: it is named in the refusal but does not allow 入市. Without a village
    the decision cannot be checked and 入市 is refused."""
    citation = V.VOTE_MAJORITY[V.MARKET_ENTRY]["citation"]
    if village is None:
        raise InvalidRecord(
            f"入市须写明宗地所在村（村代码）：没有所在村无法检查村民会议或村民代表会议的入市决议（{citation}），不能登记",
            field="village",
            feature=parcel_code,
        )
    entry = list(
        session.scalars(
            select(VillageVote)
            .where(VillageVote.unit_id == village.id, VillageVote.motion_kind == V.MARKET_ENTRY)
            .order_by(VillageVote.held_on, VillageVote.id)
        )
    )
    latest = entry[-1] if entry else None
    if latest is not None and result_of(latest).passed and _covers(latest.parcels, parcel_code):
        return
    consents = _market_consents(session, village)
    for c in consents:
        if c.vote is None:
            continue
        meeting = c.vote
        as_entry = result_of(meeting, V.MARKET_ENTRY)
        if as_entry.passed and _covers(list(c.parcels) or list(meeting.parcels), parcel_code):
            return
    households = sum(1 for c in consents if c.vote is None)
    aside = f"；该村有 {households} 条农户入市同意记录，农户同意不能代替村集体的决议" if households else ""
    if latest is None:
        raise InvalidRecord(
            f"{village.name}（{village.code}）没有集体经营性建设用地入市的村民会议表决记录或会议同意记录；入市须经"
            f"村民会议三分之二以上成员或者三分之二以上村民代表同意（{citation}）{aside}",
            field="village",
            feature=parcel_code,
        )
    result = result_of(latest)
    if not result.passed:
        raise InvalidRecord(
            f"{village.name} {latest.held_on.isoformat()} 的入市表决未通过（{result.reason}），"
            f"不能登记入市（{citation}）{aside}",
            field="village",
            feature=parcel_code,
        )
    raise InvalidRecord(
        f"{village.name} {latest.held_on.isoformat()} 通过的入市表决不包括宗地 {parcel_code}"
        f"（表决所涉：{'、'.join(str(p) for p in latest.parcels)}）{aside}",
        field="parcel_code",
        feature=parcel_code,
    )
