"""The demo's 意愿调查 (``admin seed-participation``): after seed-demo and a saved 权属调整 version, the demo
project has the template questionnaire, the version's households, a village cadre of a covered village
who entered the answers, some households objecting; a second run changes nothing."""

from __future__ import annotations

import pytest
from cli_fixtures import demo_sources, ok, run  # noqa: F401 - fixture

from landcon.services import records
from landcon.services import willingness as S

DEMO = "DEMO-530124-001"


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_demo_survey_is_seeded_once(records_world, demo_sources, tmp_path) -> None:  # noqa: F811
    gpkg, plan = demo_sources
    assert run("data", "import", str(gpkg), "--name", "demo").exit_code == 0
    ok("admin", "seed-demo", "demo", "--plan", str(plan))
    ok("realloc", "synth", "demo", "--out", str(tmp_path / "ri"))
    inst = tmp_path / "ri"
    ok(
        "realloc", "run", "--parcels", str(inst / "parcels.gpkg"), "--households", str(inst / "households.csv"),
        "--blocks", str(inst / "blocks.gpkg"), "--out", str(tmp_path / "rr"), "--time-limit", "20",
    )  # fmt: skip
    ok("realloc", "save", DEMO, str(tmp_path / "rr"), user="demo_author")
    first = ok("admin", "seed-participation", DEMO)["willingness"]
    assert first["cadre"] == "demo_village" and first["village"] is not None
    assert 0 < first["objecting"] < first["responded"] < first["households"]
    cadre = records.actor("demo_village")
    assert cadre.unit_code == first["village"]
    rows = S.list_households(records.actor("demo_author"), DEMO, public=False)
    answered = [h for h in rows if h["responded"]]
    assert {h["entered_by"] for h in answered} == {"demo_village"}
    assert {h["source"] for h in answered} == {"web", "paper"}
    assert all(h["village_code"] == first["village"] for h in answered)
    again = ok("admin", "seed-participation", DEMO)["willingness"]
    assert again == first
    results = ok("willingness", "results", DEMO, user="demo_township")
    assert results["total"]["object"] == first["objecting"]
