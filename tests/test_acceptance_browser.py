"""The acceptance page in chromium: a county user opens the page of an accepted project and sees plan
vs as-built, the 核减 row with its exact area and the as-built parcels drawn on the map; a 州/市
supervisor records the whole-project acceptance with the form. Screenshots go to
``test-artifacts/browser/``."""

from __future__ import annotations

from pathlib import Path

from acceptance_fixtures import meta, write_asbuilt
from browser_fixtures import ARTIFACTS, browser, server, sign_in  # noqa: F401 - fixtures
from ledger_fixtures import CODE, project_to

from landcon.services import acceptance, acceptance_records, records

WIDE = {"width": 1280, "height": 1000}


def test_county_user_sees_plan_vs_asbuilt_and_the_map(records_world, server, browser, tmp_path: Path) -> None:  # noqa: F811
    project_to(tmp_path, "aftercare", a2_width=0.5)  # accepted on the hand-made as-built parcels
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=WIDE)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, server, "fm_author")
    page.goto(f"{server}/projects/{CODE}")
    page.click(f"a[href='/projects/{CODE}/acceptance']")
    page.wait_for_selector("#acceptance-comparison")
    row = page.locator("#acceptance-comparison tr[data-key='cultivated.new_m2'] td")
    assert row.all_inner_texts()[2:] == ["20000.0", "15250.0", "-4750.0"]
    cuts = page.locator("#acceptance-cuts tbody tr td").all_inner_texts()
    assert cuts == ["JGTB A2", "CZGHTB 2", "Z1", "竣工少于方案", "9500.0", "4750.0", "4750.0"]
    page.wait_for_selector("#acceptance-map[data-drawn='4']", state="attached", timeout=30_000)
    assert errors == []
    assert page.locator("#acceptance-map canvas").count() == 1
    page.screenshot(path=str(ARTIFACTS / "acceptance-page.png"), full_page=True)
    assert page.locator("#record-form").count() == 0


def test_prefecture_supervisor_records_the_acceptance(records_world, server, browser, tmp_path: Path) -> None:  # noqa: F811
    project_to(tmp_path, "acceptance")
    acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "asb", data=meta(project=CODE)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=WIDE)
    sign_in(page, server, "km_sup")
    page.goto(f"{server}/projects/{CODE}/acceptance")
    page.wait_for_selector("#record-form")
    page.select_option("#record-form select[name=level]", "project")
    # No later vintage: verification cannot be checked, so 同意 is refused; 整改后同意 with a condition.
    page.select_option("#record-form select[name=opinion]", "整改后同意")
    page.fill("#record-form input[name=accepted_on]", "2027-11-20")
    page.fill("#record-form textarea[name=members]", "验收组长\n验收组成员")
    page.fill("#record-form textarea[name=conditions]", "补做变更调查核实")
    page.fill("#record-form input[name=deadline]", "2028-03-01")
    page.screenshot(path=str(ARTIFACTS / "acceptance-record-form.png"), full_page=True)
    page.click("#record-form button[type=submit]")
    page.wait_for_url(f"{server}/projects/{CODE}/acceptance?saved=1")
    assert "已记录验收" in page.content()
    cells = page.locator("#acceptance-records tbody tr td").all_inner_texts()
    assert cells[:4] == ["整体验收", "整改后同意", "2027-11-20", "验收组长、验收组成员"]
    page.screenshot(path=str(ARTIFACTS / "acceptance-recorded.png"), full_page=True)
    [kept] = acceptance_records.list_records(records.actor("km_sup"), CODE)
    assert (kept["level"], kept["opinion"], kept["passing"], kept["totals"]["cut_m2"]) == (
        "project",
        "整改后同意",
        True,
        4750.0,
    )
