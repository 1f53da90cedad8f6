"""The progress-report form on a phone-sized viewport in chromium: a township reporter fills it in,
attaches a site photo through the camera file input and submits; nothing runs wider than the screen.
Screenshots go to ``test-artifacts/browser/``."""

from __future__ import annotations

from pathlib import Path

from browser_fixtures import ARTIFACTS, browser, server, sign_in  # noqa: F401 - fixtures
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP
from supervision_fixtures import jpeg, lonlat

from landcon.services import records, supervision
from landcon.services import supervision_photos as SP

PHONE = {"width": 390, "height": 844}


def test_reporter_submits_the_form_on_a_phone(records_world, server, browser, tmp_path: Path) -> None:  # noqa: F811
    project_to(tmp_path, "implementation")
    supervision.create_from_plan(records.actor("fm_sup"), CODE)
    supervision.update_subproject(records.actor("fm_sup"), CODE, "Z1", unit=TOWNSHIP)
    photo = jpeg(tmp_path / "site.jpg", lonlat(50, 50))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, server, "fm_town")
    page.goto(f"{server}/supervision")
    page.click(f"a[href='/projects/{CODE}/supervision/Z1/report']")
    page.wait_for_selector("form.progress-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("#p-period", "2026-06")
    page.fill("#p-date", "2026-06-30")
    page.fill("#p-percent", "45")
    page.fill("#q_land_levelling", "0.5")
    page.fill("#f_0", "60")
    page.set_input_files("#p-photos", str(photo))
    page.screenshot(path=str(ARTIFACTS / "supervision-phone-form.png"), full_page=True)
    page.click("form.progress-form button[type=submit]")
    page.wait_for_url(f"{server}/supervision?saved=1")
    assert "已保存进度填报" in page.content()
    page.screenshot(path=str(ARTIFACTS / "supervision-phone-saved.png"))
    [report] = supervision.list_reports(records.actor("fm_sup"), CODE)
    assert (report["percent"], report["quantities"], report["disbursed"]) == (
        45.0,
        {"land_levelling": 0.5},
        {"中央财政": 60.0},
    )
    assert [p["status"] for p in SP.list_photos(records.actor("fm_sup"), CODE)] == ["on_site"]
    # The photo is a marker on the project map; its popup shows the thumbnail, time and position check.
    desk = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, server, "fm_sup")
    desk.goto(f"{server}/projects/{CODE}")
    marker = desk.wait_for_selector(".marker-photo", timeout=30_000)
    classes = set((marker.get_attribute("class") or "").split())
    assert "marker-photo" in classes and not classes & {"flagged", "unplaced"}  # on site
    marker.click()
    popup = desk.wait_for_selector(".maplibregl-popup-content")
    text = popup.inner_text()
    assert "Z1" in text and "2026-06-30 10:15:00" in text and "在子项目范围内" in text
    thumb = popup.query_selector("img")
    assert thumb is not None and thumb.get_attribute("src").endswith("?thumb=true")
    desk.screenshot(path=str(ARTIFACTS / "supervision-photo-on-map.png"))
