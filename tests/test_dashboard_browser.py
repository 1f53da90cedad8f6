"""The supervision dashboard in chromium: a provincial supervisor opens /dashboard; every ECharts chart
draws on a canvas, the county map draws, the alert raised by an overspent sub-project is in the alerts
panel, and the page logs no error. Screenshot to ``test-artifacts/browser/dashboard.png``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from browser_fixtures import ARTIFACTS, browser, server, sign_in  # noqa: F401 - fixtures
from ledger_fixtures import CODE, project_to
from PIL import Image

from landcon.services import records, supervision


def _drawn(page, selector: str) -> bool:
    """The canvas under ``selector`` shows more than a flat background."""
    png = page.locator(f"{selector} canvas").first.screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return len(np.unique(pixels[:: max(1, len(pixels) // 20000)], axis=0)) > 8


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_province_sees_the_charts_and_the_county_map(records_world, server, browser, tmp_path: Path) -> None:  # noqa: F811
    project_to(tmp_path, "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    supervision.update_subproject(sup, CODE, "Z1", budget={"中央财政": 500, "县级财政": 100})
    supervision.add_report(
        sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=40, disbursed={"中央财政": 620}
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, server, "yn_sup")
    page.click("nav a[href='/dashboard']")
    page.wait_for_url(f"{server}/dashboard")
    charts = page.locator("[data-chart]")
    names = charts.evaluate_all("els => els.map(e => e.dataset.chart)")
    assert names == ["stages", "progress", "funds", "farmland", "alerts"]
    for name in names:
        page.wait_for_selector(f"[data-chart={name}] canvas", timeout=20_000)
    page.wait_for_selector("#dash-map canvas.maplibregl-canvas", timeout=20_000)
    page.wait_for_function("!document.querySelector('#dash-map .map-note')", timeout=20_000)
    page.wait_for_timeout(1500)  # the outlines render
    assert _drawn(page, "#dash-map") and _drawn(page, "[data-chart=funds]")
    funds = page.inner_text("table[data-table=funds] tfoot").split()
    assert funds == ["合计", "1,000.00", "600.00", "620.00", "400.00"]
    # Z1 paid 620 万元 of 中央财政 against 500 allocated (and 600 in all): two 超额拨付 alerts, raised by the report
    panel = page.inner_text("#alerts-panel")
    assert "Z1 中央财政已拨付 620.00 万元，超过安排 500.00 万元 120.00 万元" in panel
    assert "Z1 合计已拨付 620.00 万元，超过安排 600.00 万元 20.00 万元" in panel
    assert page.inner_text("table[data-table=alert_kinds] tbody").split() == ["超额拨付", "2"]
    assert page.inner_text("#alert-count") == "2条"
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    link = page.locator("table[data-table=alerts] tbody a").first
    target = link.get_attribute("href")
    assert target is not None and target.startswith("/alerts#alert-")
    link.click()
    page.wait_for_url(f"{server}{target}")
    assert "超额拨付" in page.inner_text(target.removeprefix("/alerts"))  # the alert's row on the alerts page
    assert errors == []
