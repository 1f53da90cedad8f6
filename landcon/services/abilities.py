"""What a user may do on a page: the flags the web shows or hides actions by.

Each flag asks the permission check the action itself runs (``records.require`` with the same action
and unit, ``projects.require_transition`` and ``projects.require_opinion`` for the stage and review
actions) without acting, so a page offers what the service would accept for the user's roles, scope and
department. Preconditions on the data (a plan without errors, every department's opinion) stay with the
action, which explains them when it refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from landcon.engine import workflow as wf
from landcon.engine.org import COUNTY, PROVINCE
from landcon.errors import LandconError
from landcon.services import project_access, projects, records
from landcon.services.org import unit_by_code
from landcon.services.records import Actor


def _passes(check: Callable[[], object]) -> bool:
    """Whether a permission check passes (a refusal of any kind means the action is not offered)."""
    try:
        check()
    except LandconError:
        return False
    return True


def project_actions(who: Actor, code: str) -> dict[str, bool]:
    """On a project's page: ``advance`` / ``reject`` the stage (the transition's role checks),
    ``upload_plan`` (``plan.upload`` at the project's county), ``opinion`` (the review round is open and
    the user's department gives an opinion in it)."""
    with records.read() as session:
        project = project_access.get_project(session, who, code)
        return {
            "advance": _passes(lambda: projects.require_transition(who, project, wf.ADVANCE)),
            "reject": _passes(lambda: projects.require_transition(who, project, wf.REJECT)),
            "upload_plan": _passes(lambda: records.require(who, "plan.upload", project.county)),
            "opinion": _passes(lambda: projects.require_opinion(session, who, project)),
        }


def project_list_actions(who: Actor) -> dict[str, bool]:
    """On the project list: ``create`` a project (``project.create``; the county is checked on saving)."""
    return {"create": _passes(lambda: records.require(who, "project.create"))}


def meeting_actions(who: Actor) -> dict[str, bool]:
    """On the meetings page: ``record`` a meeting (``meeting.record``; the unit is checked on saving)."""
    return {"record": _passes(lambda: records.require(who, "meeting.record"))}


def ledger_actions(who: Actor, code: str) -> dict[str, bool]:
    """On a unit's 指标台账 page: the forms the ledger's postings accept there. 使用 and 入市 belong to a
    county (``ledger.post``, ``ledger.market``); 调剂 to a county or the province (``ledger.transfer``);
    each also needs the unit inside the user's scope, as the posting checks."""
    with records.read() as session:
        unit = unit_by_code(session, code)

        def may(action: str) -> bool:
            return _passes(lambda: records.require(who, action, unit))

        return {
            "use": unit.level == COUNTY and may("ledger.post"),
            "transfer": unit.level in (COUNTY, PROVINCE) and may("ledger.transfer"),
            "market": unit.level == COUNTY and may("ledger.market"),
        }
