"""The web application in a real browser: Debian's chromium (``/usr/bin/chromium``) driven by Playwright.

A planner signs in, uploads a dataset with a defect and sees it on the map, uploads the good one and
imports it, runs the survey, opens the map, stores the example plan, sees the findings and submits;
a reviewer gives an opinion; the province sees the project on the overview. Screenshots of every
step are kept in ``test-artifacts/browser/`` (``LANDCON_TEST_ARTIFACTS`` to put them elsewhere).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from browser_fixtures import ARTIFACTS, browser, server, sign_in  # noqa: F401 - fixtures
from PIL import Image
from publicity_fixtures import plan_cleared

from landcon.services import datasets, projects, records

CODE = "FM-BROWSER-01"


@pytest.fixture(scope="module")
def county_files(tmp_path_factory) -> tuple[Path, Path]:
    """A small synthetic county (GeoPackage) and a copy with one defect (an unknown DLBM)."""
    root = tmp_path_factory.mktemp("browser-county")
    good = root / "county.gpkg"
    datasets.synthesise(good, features=1500, seed=3)
    bad = root / "county-defect.gpkg"
    shutil.copyfile(good, bad)
    frame = pyogrio.read_dataframe(bad, layer="DLTB")
    frame.loc[frame.index[10], "DLBM"] = "9999"
    pyogrio.write_dataframe(frame, bad, layer="DLTB")
    return good, bad


class Steps:
    def __init__(self, page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.n = 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def shot(self, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def map_drawn(page, selector: str) -> bool:
    """The map canvas shows more than a flat background (distinct colours, not one blank fill)."""
    page.wait_for_selector(f"{selector} canvas", timeout=20_000)
    page.wait_for_timeout(2500)  # tiles load and render
    png = page.locator(f"{selector} canvas").first.screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    colours = np.unique(pixels[:: max(1, len(pixels) // 20000)], axis=0)
    return len(colours) > 8


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_planner_reviewer_and_province_in_the_browser(records_world, server, browser, county_files):  # noqa: F811
    good, bad = county_files
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.on("dialog", lambda d: d.accept())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    steps = Steps(page, ARTIFACTS)

    # Planner: sign in, upload a dataset with a defect, see it in the table and on the map.
    sign_in(page, server, "fm_author")
    steps.shot("overview-planner")
    page.goto(f"{server}/data")
    page.set_input_files("#file", str(bad))
    page.click("form[action='/data/upload'] button[type=submit]")
    page.wait_for_selector("#problems")
    assert "9999" in page.inner_text("#problems")
    page.locator("#problems tbody tr").first.click()
    assert map_drawn(page, "#problem-map")
    steps.shot("upload-defect")

    # The good one imports; its map draws the DLTB tiles.
    page.goto(f"{server}/data")
    page.set_input_files("#file", str(good))
    page.click("form[action='/data/upload'] button[type=submit]")
    page.wait_for_selector("form[action='/data/import']")
    page.fill("#name", "county")
    page.click("form[action='/data/import'] button[type=submit]")
    page.wait_for_url(f"{server}/data/county")
    assert map_drawn(page, "#dataset-map")
    steps.shot("dataset-map")

    # Survey as a background job with progress, then its tables and maps.
    page.goto(f"{server}/survey/county")
    page.click("button[hx-post='/survey/county/run']")
    page.wait_for_selector("a[href$='survey.xlsx']", timeout=180_000)  # the page reloads with the results
    steps.shot("survey")

    # The project (created by the county) gets the example plan; findings show; the planner submits.
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "富民县全域土地综合整治（浏览器测试）", county="530124", dataset="county")
    projects.advance(author, CODE)
    page.goto(f"{server}/projects/{CODE}")
    page.click(f"form[action='/projects/{CODE}/plan'] input[name=example] ~ button")
    page.wait_for_selector("text=NEW_FARMLAND_MIN_5PCT", timeout=120_000)
    assert map_drawn(page, "#project-map")
    located = page.locator(".finding.locatable")
    if located.count():
        located.first.click()  # zooms the map to the finding's features
        page.wait_for_timeout(1000)
    steps.shot("plan-findings")
    plan_cleared(CODE)
    page.click(f"form[action='/projects/{CODE}/advance'] button[type=submit]")
    page.wait_for_selector("text=县级审查")
    assert projects.show_project(author, CODE)["stage"] == "county_review"
    steps.shot("submitted")

    # A reviewer of the county's 财政局 gives an opinion.
    page.context.clear_cookies()
    sign_in(page, server, "fm_cz")
    page.goto(f"{server}/reviews")
    assert CODE in page.content()
    page.goto(f"{server}/reviews/{CODE}")
    page.check("input[name=opinion][value='同意']")
    page.fill("#comments", "资金来源清楚")
    page.click(f"form[action='/reviews/{CODE}/opinion'] button[type=submit]")
    page.wait_for_url(f"{server}/reviews/{CODE}")
    opinions = projects.review_status(author, CODE)["opinions"]
    assert {o["department"]: o["opinion"] for o in opinions}["cz"] == "同意"
    steps.shot("review-opinion")

    # The province sees the project on its overview map.
    page.context.clear_cookies()
    sign_in(page, server, "yn_zrzy")
    assert CODE in page.content()
    assert map_drawn(page, "#overview-map")
    steps.shot("overview-province")
    assert errors == [], errors  # no script error on any page
