"""A township user publishes a 公示 from the web form in chromium and records the answer to an objection
(received on the village notice board and recorded by a village cadre). Screenshots go to
``test-artifacts/browser/``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from browser_fixtures import ARTIFACTS, browser, server, sign_in  # noqa: F401 - fixtures
from plan_fixtures import GOOD, write_plan
from records_fixtures import PASSWORD, TOWNSHIP

from landcon.services import org, projects, publicity, records
from landcon.services.clock import today

CODE = "FM-GSB-01"


def test_township_publishes_and_answers_in_the_browser(records_world, server, browser, tmp_path: Path) -> None:  # noqa: F811
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP], dataset="grid")
    projects.advance(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "fm_town")
    page.goto(f"{server}/projects/{CODE}")
    page.click(f"a[href='/projects/{CODE}/publicity']")
    page.wait_for_selector("form.publish-form")
    t = today()
    page.select_option("#p-kind", "plan")
    page.fill("#p-ref", "1")
    page.fill("#p-place", "村务公开栏")
    page.select_option("#p-place-unit", TOWNSHIP)
    page.fill("#p-start", t.isoformat())
    page.fill("#p-end", (t + dt.timedelta(days=6)).isoformat())
    page.fill("#p-contact", "款庄镇自然资源所 0871-8811000")
    page.screenshot(path=str(ARTIFACTS / "publicity-form.png"), full_page=True)
    page.click("form.publish-form button[type=submit]")
    page.wait_for_url(f"{server}/projects/{CODE}/publicity?saved=published-1")
    assert "公示已发布" in page.content()
    [p] = publicity.list_publicities(author, CODE)
    assert (p["subject"], p["place_unit_name"], p["days"], p["unit"]) == (
        "实施方案（版本 1）公示",
        "款庄镇",
        7,
        TOWNSHIP,
    )

    # A village cadre records the objection received on the notice board.
    org.add_user(records.system_actor(), "cun_cadre", password=PASSWORD, unit="530124100201", roles=("reporter",))
    publicity.add_objection(records.actor("cun_cadre"), CODE, 1, name="张三", content="排水沟占地", received_on=t)
    page.reload()
    page.wait_for_selector("form.answer-form")
    assert "有异议待答复" in page.content()
    page.select_option("form.answer-form select[name=outcome]", "dismissed")
    page.fill("form.answer-form textarea[name=text]", "排水沟沿田块边界布设，不占用承包地")
    page.click("form.answer-form button[type=submit]")
    page.wait_for_url(f"{server}/projects/{CODE}/publicity?saved=answer-1")
    assert "排水沟沿田块边界布设，不占用承包地" in page.content()
    page.screenshot(path=str(ARTIFACTS / "publicity-answered.png"), full_page=True)
    [o] = publicity.list_publicities(author, CODE)[0]["objections"]
    assert (o["outcome"], o["answered_by"], o["answered_on"]) == ("dismissed", "fm_town", t.isoformat())
