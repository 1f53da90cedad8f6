"""A cleared plan 公示 for tests that submit a plan in the Yunnan chain (its 方案编制 stage is left only
when the plan's 公示 is cleared): the latest plan version published by the county author over the
profile's minimum period, ended yesterday, without objection — through ``services.publicity``."""

from __future__ import annotations

import datetime as dt

from landcon.services import projects, publicity, records
from landcon.services.clock import today
from landcon.services.profile import get_profile


def plan_cleared(code: str, author: str = "fm_author") -> None:
    who = records.actor(author)
    number = max(int(v["number"]) for v in projects.show_project(who, code)["plan_versions"])
    end = today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=get_profile().publicity.min_days_for("plan") - 1)
    publicity.publish(who, code, kind="plan", ref=number, place="县级政府网站", start=start, end=end)
