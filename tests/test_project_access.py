"""Looking up a readable project and today's date each have one home (``services.project_access``,
``services.clock``); ``services.projects`` uses them but does not pass them on."""

from __future__ import annotations

from landcon.services import clock, project_access, projects


def test_projects_does_not_re_export_the_lookup_or_the_clock() -> None:
    assert not hasattr(projects, "get_project") and not hasattr(projects, "today")
    assert callable(project_access.get_project) and callable(clock.today)
