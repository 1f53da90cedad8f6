"""指标台账 pages through FastAPI's test client (SQLite and PostgreSQL) and in a real browser (SQLite).

By hand (``ledger_fixtures``): the accepted project FM-2027-01 gives 富民县 (530124) 15 亩 of 补充耕地指标
(10,000 m²). Using 3 亩 leaves 12.00 亩; selling 6 亩 (4,000 m²) to 五华区 (530102) leaves 9.00 and 6.00 亩.
"""

from __future__ import annotations

import io
import re

import pytest
from browser_fixtures import ARTIFACTS, browser, server  # noqa: F401 - fixtures for the browser test
from browser_fixtures import sign_in as browser_sign_in
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from market_fixtures import village_decides
from openpyxl import load_workbook
from sqlalchemy import func, select
from web_fixtures import sign_in

from landcon.services import ledger, records
from landcon.store.models import LedgerPosting
from landcon.web.app import create_app
from landcon.web.routes import ledger as ledger_routes

COUNTY, OTHER, PROVINCE = "530124", "530102", "530000"
ISSUE_DOC = "云自然资核〔2027〕1号"


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def issued(records_world, tmp_path) -> None:
    """15 亩 of 补充耕地指标 in 530124 from the accepted project."""
    project_to(tmp_path, "aftercare")
    ledger.issue_farmland(records.actor("yn_sup"), CODE, ISSUE_DOC)
    village_decides(CODE)  # the 入市 form's deal needs 测试村's decision


def avail_mu(unit: str, kind: str = "bcgd") -> float:
    rows = ledger.balance(records.actor("yn_sup"), unit)["summary"]
    return next((r["area_mu"] for r in rows if r["kind"] == kind and r["bucket"] == "avail"), 0.0)


def postings() -> int:
    with records.read() as s:
        return int(s.scalar(select(func.count()).select_from(LedgerPosting)) or 0)


def csrf_of(client: TestClient, url: str = "/ledger") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match, "the page carries the CSRF token"
    return match.group(1)


def kpi(html: str, kind: str) -> str:
    match = re.search(rf'id="avail-{kind}">([^<]+)<', html)
    assert match, f"KPI for {kind}"
    return match.group(1)


def county_cell(html: str, county: str, kind: str) -> str:
    match = re.search(rf'data-county="{county}" data-kind="{kind}">([^<]+)<', html)
    assert match, f"cell {county}/{kind}"
    return match.group(1)


def use(client: TestClient, token: str | None, area_mu: str, doc_no: str, unit: str = COUNTY, **extra):
    data = {"kind": "bcgd", "area_mu": area_mu, "doc_no": doc_no, "dlbm": "0103", "grade": "8", **extra}
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/ledger/{unit}/use", data=data, follow_redirects=False)


def test_a_county_user_sees_its_county_and_not_the_other(client, issued):
    sign_in(client, "fm_sup")
    home = client.get("/ledger")
    assert home.status_code == 200
    assert "富民县 · 指标台账" in home.text and kpi(home.text, "bcgd") == "15.00"
    assert ISSUE_DOC in home.text and "10,000.00" in home.text  # the posting and the m² of the summary
    assert 'href="/ledger"' in home.text and 'aria-current="page"' in home.text  # nav entry, active
    assert client.get(f"/ledger/{COUNTY}").status_code == 200
    other = client.get(f"/ledger/{OTHER}")
    assert other.status_code == 404 and "不存在或不在 富民县 的管辖范围内" in other.text
    assert client.get(f"/api/v1/ledger/{OTHER}").status_code == 404
    api = client.get(f"/api/v1/ledger/{COUNTY}").json()
    assert api["balance"]["unit"] == COUNTY and api["revolving"] == [] and api["transfers"] == []
    assert [h["doc_no"] for h in client.get(f"/api/v1/ledger/{COUNTY}/history").json()] == [ISSUE_DOC]
    # Another county's supervisor cannot post here either (the county is out of its scope).
    client.cookies.clear()
    sign_in(client, "wh_sup")
    refused = use(client, csrf_of(client), "1", "五华用〔2027〕1号")
    assert refused.status_code == 404 and postings() == 1


def test_the_province_page_lists_every_county(client, issued):
    ledger.transfer(
        records.actor("fm_sup"), "bcgd", "调剂〔2027〕1号", area_m2=4000, price_yuan_per_mu=30_000,
        seller=COUNTY, buyer=OTHER, received_yuan=100_000,
    )  # fmt: skip
    sign_in(client, "yn_sup")
    page = client.get("/ledger")
    assert page.status_code == 200 and "云南省 · 指标台账" in page.text
    assert county_cell(page.text, COUNTY, "bcgd") == "9.00"
    assert county_cell(page.text, OTHER, "bcgd") == "6.00"
    assert county_cell(page.text, COUNTY, "jsjg") == "0.00"
    assert kpi(page.text, "bcgd") == "15.00"  # the province's total
    assert f'href="/ledger/{OTHER}"' in page.text
    # The contract: 6 亩 × 30,000 元 = 180,000 元, 100,000 received, 80,000 outstanding.
    for text in ("调剂〔2027〕1号", "180,000.00", "100,000.00", "80,000.00"):
        assert text in page.text
    county = client.get(f"/ledger/{OTHER}")
    assert county.status_code == 200 and kpi(county.text, "bcgd") == "6.00"
    assert "云南省 指标台账" in county.text  # the way back to the province


def test_a_use_posted_through_the_form(client, issued):
    sign_in(client, "fm_sup")
    token = csrf_of(client)
    posted = use(client, token, "3", "富政土〔2027〕3号", memo="县医院迁建")
    assert posted.status_code == 303 and posted.headers["location"].startswith(f"/ledger/{COUNTY}?done=use&no=")
    shown = client.get(posted.headers["location"])
    assert "已登记使用（记账号" in shown.text and kpi(shown.text, "bcgd") == "12.00"
    assert avail_mu(COUNTY) == 12.0 and postings() == 2
    assert "县医院迁建" in shown.text
    # The same document again is no new posting.
    again = use(client, token, "3", "富政土〔2027〕3号", memo="县医院迁建")
    assert "&dup=1" in again.headers["location"] and postings() == 2 and avail_mu(COUNTY) == 12.0

    # More than the balance: refused with the service's message, the form keeps what was typed.
    before = postings()
    refused = use(client, token, "20", "富政土〔2027〕4号")
    assert refused.status_code == 400
    assert "余额不足" in refused.text and 'value="富政土〔2027〕4号"' in refused.text and 'value="20"' in refused.text
    assert avail_mu(COUNTY) == 12.0 and postings() == before
    bad = use(client, token, "三亩", "富政土〔2027〕5号")
    assert bad.status_code == 400 and "使用面积（亩）应为数字" in bad.text and postings() == before
    for typed, why in (
        ("nan", "应为有限的数"),
        ("inf", "应为有限的数"),
        ("1e309", "应为有限的数"),
        ("1e15", "超出合理范围"),
    ):
        bad = use(client, token, typed, "富政土〔2027〕5号")
        assert bad.status_code == 400 and why in bad.text and postings() == before, typed
    bad = use(client, token, "1", "富政土〔2027〕5号", grade="", grain_kg="1e309")
    assert bad.status_code == 400 and "粮食产能（公斤）应为有限的数" in bad.text
    # A 补充耕地指标 use states 水田 and 产能 or the occupied land's class and grade: never a silent 0.
    bad = use(client, token, "1", "富政土〔2027〕5号", dlbm="", grade="")
    assert bad.status_code == 400 and "须写明粮食产能（公斤），或被占耕地的质量等别" in bad.text
    three = use(client, token, "1", "富政土〔2027〕5号", dlbm="", paddy_mu="0", grade="", grain_kg="500")
    assert three.status_code == 303 and avail_mu(COUNTY) == 11.0
    before = postings()

    # Without the CSRF token, or with a forged one: refused, nothing written.
    assert use(client, None, "1", "富政土〔2027〕6号").status_code == 403
    assert use(client, "forged", "1", "富政土〔2027〕6号").status_code == 403
    assert avail_mu(COUNTY) == 11.0 and postings() == before


def test_forms_follow_the_roles(client, issued):
    sign_in(client, "fm_author")
    page = client.get("/ledger").text
    assert 'id="form-market"' in page and 'id="form-use"' not in page and 'id="form-transfer"' not in page
    refused = use(client, csrf_of(client), "1", "富政土〔2027〕7号")
    assert refused.status_code == 403 and "无权登记指标使用" in refused.text and postings() == 1
    deal = client.post(
        f"/ledger/{COUNTY}/market",
        data={
            "csrf_token": csrf_of(client),
            "contract_no": "富入市〔2027〕1号",
            "parcel_code": "530124100201JC00001",
            "village": "530124100201",
            "collective": "测试村股份经济合作社",
            "mode": "出让",
            "land_use": "工业用地",
            "area_m2": "2000",
            "term_years": "50",
            "price": "1,000,000",
            "cost": "200000",
        },
        follow_redirects=False,
    )
    assert deal.status_code == 303 and "done=market" in deal.headers["location"]
    shown = client.get(deal.headers["location"]).text
    assert "已登记入市" in shown and "富入市〔2027〕1号" in shown and "1,000,000.00" in shown

    client.cookies.clear()
    sign_in(client, "fm_leader")  # read-only
    page = client.get("/ledger").text
    assert "富民县 · 指标台账" in page and "form-use" not in page and "form-market" not in page


def test_the_transfer_form_shows_the_services_own_message(client, records_world):
    """The form reads its fields and lets the ledger service judge the parties: a 跨省 contract (调入 from
    outside the province, or no 调入方 at all) without its 省外对方 is refused in the service's words."""
    sign_in(client, "fm_sup")
    token = csrf_of(client)
    base = {"csrf_token": token, "kind": "bcgd", "area_mu": "1", "price": "30000", "contract_no": "调剂〔2027〕9号"}
    bought = client.post(f"/ledger/{COUNTY}/transfer", data={**base, "direction": "in"})
    neither = client.post(f"/ledger/{COUNTY}/transfer", data=base)
    for refused in (bought, neither):
        assert refused.status_code == 400
        assert "跨省调剂须写明省外对方（如 浙江省绍兴市）" in refused.text
        assert 'value="调剂〔2027〕9号"' in refused.text
    assert postings() == 0


def test_transfers_through_the_form(client, issued):
    sign_in(client, "fm_sup")
    token = csrf_of(client)
    base = {"csrf_token": token, "kind": "bcgd", "area_mu": "3", "price": "30000", "received": "10000"}
    sold = client.post(
        f"/ledger/{COUNTY}/transfer", data={**base, "buyer": OTHER, "contract_no": "调剂〔2027〕2号"},
        follow_redirects=False,
    )  # fmt: skip
    assert sold.status_code == 303, sold.text
    out = client.post(
        f"/ledger/{COUNTY}/transfer",
        data={**base, "counterparty": "浙江省绍兴市", "contract_no": "跨省调剂〔2027〕1号", "area_mu": "1.5"},
        follow_redirects=False,
    )
    assert out.status_code == 303, out.text
    assert avail_mu(COUNTY) == 10.5 and avail_mu(OTHER) == 3.0  # 15 − 3 − 1.5
    page = client.get(f"/ledger/{COUNTY}").text
    assert "跨省调剂〔2027〕1号" in page and "浙江省绍兴市" in page
    assert "90,000.00" in page and "45,000.00" in page  # 3 亩 and 1.5 亩 × 30,000 元
    too_much = client.post(
        f"/ledger/{COUNTY}/transfer", data={**base, "buyer": OTHER, "contract_no": "调剂〔2027〕3号", "area_mu": "50"}
    )
    assert too_much.status_code == 400 and "余额不足" in too_much.text and 'value="调剂〔2027〕3号"' in too_much.text
    both = client.post(
        f"/ledger/{COUNTY}/transfer",
        data={**base, "buyer": OTHER, "counterparty": "浙江省", "contract_no": "调剂〔2027〕4号"},
    )
    assert both.status_code == 400 and "调入方只填一项" in both.text
    over = client.post(
        f"/ledger/{COUNTY}/transfer", data={**base, "buyer": OTHER, "contract_no": "调剂〔2027〕5号", "received": "1e9"}
    )
    assert over.status_code == 400 and "超过合同总价" in over.text
    assert avail_mu(COUNTY) == 10.5
    # The 粮食产能 goes with the area when stated: 1 亩 and 700 kg of the 10,575 kg.
    with_grain = client.post(
        f"/ledger/{COUNTY}/transfer",
        data={**base, "buyer": OTHER, "contract_no": "调剂〔2027〕6号", "area_mu": "1", "grain_kg": "700"},
        follow_redirects=False,
    )
    assert with_grain.status_code == 303, with_grain.text
    assert ledger.history(records.actor("yn_sup"), OTHER)[0]["lines"][1]["grain_kg"] == 700
    bad = client.post(
        f"/ledger/{COUNTY}/transfer", data={**base, "buyer": OTHER, "contract_no": "调剂〔2027〕7号", "grain_kg": "inf"}
    )
    assert bad.status_code == 400 and "粮食产能（公斤）应为有限的数" in bad.text


def test_history_pages_with_before(client, issued, monkeypatch):
    monkeypatch.setattr(ledger_routes, "LEDGER_HISTORY_PAGE", 2)
    sup = records.actor("fm_sup")
    for i in range(1, 4):
        ledger.use(sup, COUNTY, "bcgd", f"富政土〔2027〕{i}号", area_m2=100, paddy_m2=0, grain_kg=0)
    sign_in(client, "fm_sup")
    first = client.get("/ledger").text  # 4 postings: the newest two, then a link to the older ones
    assert "富政土〔2027〕3号" in first and "富政土〔2027〕2号" in first and "富政土〔2027〕1号" not in first
    older = re.search(r'href="(/ledger/530124\?before=\d+)#history" rel="next"', first)
    assert older, "a link to older postings"
    second = client.get(older.group(1)).text
    assert "富政土〔2027〕1号" in second and ISSUE_DOC in second and "富政土〔2027〕3号" not in second
    assert 'rel="next"' not in second and "← 最新记账" in second
    only = client.get("/ledger?doc_type=bcgd_issue").text
    assert ISSUE_DOC in only and "富政土〔2027〕3号" not in only


def test_the_xlsx_download(client, issued):
    sign_in(client, "fm_sup")
    r = client.get(f"/ledger/{COUNTY}/report.xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=utf-8''" in r.headers["content-disposition"]
    assert "%E6%8C%87%E6%A0%87%E5%8F%B0%E8%B4%A6" in r.headers["content-disposition"]  # 指标台账
    book = load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) >= 1
    assert client.get(f"/ledger/{OTHER}/report.xlsx").status_code == 404


@pytest.mark.parametrize("records_world", ["sqlite"], indirect=True)
def test_a_use_in_the_browser(records_world, issued, server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, server, "fm_sup")
    page.click("nav a[href='/ledger']")
    page.wait_for_url(f"{server}/ledger")
    assert page.inner_text("#avail-bcgd").startswith("15.00")
    page.select_option("#use-kind", "bcgd")
    page.fill("#use-area", "3")
    page.select_option("#use-dlbm", "0103")
    page.fill("#use-grade", "8")
    page.fill("#use-doc", "富政土〔2027〕3号")
    page.fill("#use-memo", "县医院迁建")
    page.click("#form-use button[type=submit]")
    page.wait_for_selector("#ledger-notice")
    assert "已登记使用" in page.inner_text("#ledger-notice")
    assert page.inner_text("#avail-bcgd").startswith("12.00")
    assert "富政土〔2027〕3号" in page.inner_text("#history")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ledger-county-after-use.png"), full_page=True)
    # Too much: the message shows on the page, the balance stays.
    page.select_option("#use-kind", "bcgd")
    page.fill("#use-area", "20")
    page.select_option("#use-dlbm", "0103")
    page.fill("#use-grade", "8")
    page.fill("#use-doc", "富政土〔2027〕4号")
    page.click("#form-use button[type=submit]")
    page.wait_for_selector("#form-use .alert.error")
    assert "余额不足（面积、粮食产能）：富民县 补充耕地指标（可用） 现有 12.00 亩" in page.inner_text(
        "#form-use .alert.error"
    )
    assert page.input_value("#use-doc") == "富政土〔2027〕4号"
    assert page.inner_text("#avail-bcgd").startswith("12.00")
    page.screenshot(path=str(ARTIFACTS / "ledger-county-refused.png"), full_page=True)
    # The province sees the county's new balance and opens the county from its row.
    page.context.clear_cookies()
    browser_sign_in(page, server, "yn_sup")
    page.goto(f"{server}/ledger")
    assert page.inner_text(f"td[data-county='{COUNTY}'][data-kind='bcgd']") == "12.00"
    page.screenshot(path=str(ARTIFACTS / "ledger-province.png"), full_page=True)
    page.click(f"#counties a[href='/ledger/{COUNTY}']")
    page.wait_for_url(f"{server}/ledger/{COUNTY}")
    assert page.inner_text("#avail-bcgd").startswith("12.00")
    assert errors == [], errors
