"""A village cadre enters a household's willingness on a phone-sized viewport (390×844) in chromium and
sees the results update; nothing runs wider than the screen. Screenshots go to ``test-artifacts/browser/``."""

from __future__ import annotations

from pathlib import Path

from browser_fixtures import ARTIFACTS, browser, server, sign_in  # noqa: F401 - fixtures
from willingness_fixtures import CODE, survey_world

from landcon.services import records
from landcon.services import willingness as S

PHONE = {"width": 390, "height": 844}


def test_village_cadre_enters_responses_on_a_phone(records_world, server, browser, tmp_path: Path) -> None:  # noqa: F811
    survey_world(tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, server, "fm_vil")
    page.goto(f"{server}/projects/{CODE}/willingness")
    assert page.inner_text("#total-responded").startswith("0")
    page.click("#respond-link")
    page.wait_for_selector(".household-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("text=张建明")
    page.wait_for_selector("form.willingness-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.check("#q-consent input[value='不同意']")
    page.check("#q-compensation input[value='土地置换']")
    page.fill("#q-migrant_workers input", "1")
    page.fill("#w-respondent", "张建明")
    page.screenshot(path=str(ARTIFACTS / "willingness-phone-form.png"), full_page=True)
    page.click("form.willingness-form button[type=submit]")
    page.wait_for_selector("#saved")
    assert page.inner_text("#total-responded").startswith("1")
    assert page.inner_text("#total-object").startswith("1")
    assert "张建明" in page.inner_text("#willingness-objecting")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "willingness-phone-results.png"), full_page=True)
    [done] = [h for h in S.list_households(records.actor("fm_author"), CODE, public=False) if h["responded"]]
    assert (done["code"], done["entered_by"], done["source"]) == ("530124100201010002", "fm_vil", "web")
    assert done["answers"] == {"consent": "不同意", "compensation": ["土地置换"], "migrant_workers": 1}
