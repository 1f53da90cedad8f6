"""Read model and form input of a project's 村民会议表决 page (``/projects/{code}/votes``): the meetings
with their computed results, the consent records, and what the signed-in user may record."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from landcon.engine import consent as C
from landcon.engine import votes as V
from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import attachments, clock, consent, records, village_votes
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import ConsentRecord, Unit

_SEPARATORS = re.compile(r"[\s,，、；;]+")


def votes_page(who: Actor, code: str) -> dict[str, Any]:
    with records.read() as session:
        project = get_project(session, who, code)
        head = {"code": project.code, "name": project.name, "stage_name": project.stage_name}
        own = village_votes.villages(session, project)
        recordable = [{"code": u.code, "name": u.name} for u in own if _may_record(who, u)]
    meetings = village_votes.list_meetings(who, code)
    return {
        **head,
        "villages": [{"code": u.code, "name": u.name} for u in own],
        "recordable": recordable,
        "meetings": meetings,
        "consents": consent.list_consents(who, code),
        "meeting_kinds": list(V.MEETING_KINDS),
        "motion_kinds": dict(V.MOTION_KINDS),
        "consent_kinds": dict(C.CONSENT_KINDS),
        "today": clock.today().isoformat(),
    }


def _may_record(who: Actor, unit: Unit) -> bool:
    """The recording check itself (``village_votes.require_recorder``), run without acting."""
    try:
        village_votes.require_recorder(who, unit)
    except PermissionDenied:
        return False
    return True


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(text or "") if w]


def meeting_from_form(who: Actor, code: str, fields: dict[str, str], record: Path | None, name: str) -> dict[str, Any]:
    """A meeting from the page's form: counts as typed (checked by the service), roster one name per line,
    parcels separated by spaces, commas or 、."""
    return village_votes.add_meeting(
        who,
        code,
        village=fields.get("village", ""),
        kind=fields.get("kind", ""),
        held_on=fields.get("held_on", ""),
        motion=fields.get("motion", ""),
        motion_kind=fields.get("motion_kind", ""),
        eligible=fields.get("eligible", ""),
        present=fields.get("present", ""),
        votes_for=fields.get("votes_for", ""),
        against=fields.get("against", "") or "0",
        abstain=fields.get("abstain", "") or "0",
        roster=[line.strip() for line in (fields.get("roster") or "").splitlines() if line.strip()],
        parcels=_words(fields.get("parcels", "")),
        attachment=record,
        attachment_name=name or None,
    )


def consent_from_form(who: Actor, code: str, fields: dict[str, str], record: Path | None, name: str) -> dict[str, Any]:
    meeting = (fields.get("meeting") or "").strip()
    if meeting and not meeting.isdigit():
        raise InvalidRecord(f"村民会议表决编号应为数字，不是 {meeting!r}", field="meeting")
    return consent.add_consent(
        who,
        code,
        kind=fields.get("kind", ""),
        given_on=fields.get("given_on", ""),
        village=fields.get("village") or None,
        household_code=fields.get("household_code", ""),
        household_name=fields.get("household_name", ""),
        parcels=_words(fields.get("parcels", "")),
        meeting=int(meeting) if meeting else None,
        attachment=record,
        attachment_name=name or None,
    )


def meeting_record_file(who: Actor, code: str, meeting_id: int) -> tuple[Path, str]:
    """The signed record of a meeting: its stored file and name."""
    sha, name = village_votes.attachment_of(who, code, meeting_id)
    return _blob(sha, name)


def consent_record_file(who: Actor, code: str, consent_id: int) -> tuple[Path, str]:
    """The signed consent of a record: its stored file and name."""
    with records.read() as session:
        project = get_project(session, who, code)
        row = session.get(ConsentRecord, consent_id)
        if row is None or row.project_id != project.id or not row.blob_sha:
            raise NotFound(f"项目 {code} 没有编号为 {consent_id} 且带附件的同意记录", feature=consent_id)
        sha, name = row.blob_sha, row.attachment_name
    return _blob(sha, name)


def _blob(sha: str, name: str) -> tuple[Path, str]:
    path = attachments.blob_store().path(sha)
    if not path.is_file():
        raise NotFound(f"附件文件缺失：{name}", feature=sha[:12])
    return path, name
