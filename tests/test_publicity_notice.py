"""The printable 公示 notice (``reports.publicity_docx`` via ``services.publicity_notice``): the docx is
opened and its dates, place, issuing unit and the plan's figures compared with the stored indicators."""

from __future__ import annotations

import datetime as dt

import openpyxl
from docx import Document
from docx.oxml.ns import qn
from plan_fixtures import GOOD, write_plan
from records_fixtures import TOWNSHIP, VILLAGE_CODE

from landcon.engine.indicators import registry
from landcon.reports.plan_docx import area_text, percent_text
from landcon.services import projects, publicity, publicity_notice, records

CODE = "FM-NOTICE-01"


def _text(doc) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_a_plan_notice_shows_the_period_and_the_plan_figures(records_world, tmp_path):
    author, town = records.actor("fm_author"), records.actor("fm_town")
    projects.create_project(author, CODE, "款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP], dataset="grid")
    projects.advance(author, CODE)
    v = projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    publicity.publish(
        town,
        CODE,
        kind="plan",
        ref=1,
        place="村务公开栏",
        place_unit=VILLAGE_CODE,
        start=dt.date(2026, 12, 1),
        end=dt.date(2026, 12, 10),
        contact="款庄镇自然资源所 0871-8811000",
    )
    out = publicity_notice.notice_docx(town, CODE, 1, tmp_path / "out" / "notice.docx")
    doc = Document(str(out))
    text = _text(doc)
    assert "关于实施方案（版本 1）公示" in text
    assert "自 2026年12月1日 起至 2026年12月10日 止，共 10 天。" in text
    assert "测试村村务公开栏。" in text
    assert "请于 2026年12月10日 前以书面或口头方式向款庄镇（联系方式：款庄镇自然资源所 0871-8811000）提出" in text
    assert [p.text for p in doc.paragraphs[-3:]] == ["款庄镇", "（盖  章）", "2026年12月1日"]

    ind = projects.version_detail(author, CODE, v["number"])["indicators"]
    rows = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows[1:]}
    new_m2 = registry.value(ind, "cultivated.new_m2")
    assert new_m2 > 0
    assert rows["新增耕地面积"] == area_text(new_m2)
    assert rows[registry.label("area.zzqy_m2")] == area_text(registry.value(ind, "area.zzqy_m2"))
    assert rows[registry.label("cultivated.new_rate")] == percent_text(registry.value(ind, "cultivated.new_rate"))
    # Chinese runs carry the East Asian font; the page is A4.
    run = doc.paragraphs[1].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert [p.name for p in out.parent.iterdir()] == ["notice.docx"]


def test_another_subject_shows_its_text_and_attached_table(records_world, tmp_path):
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP], dataset="grid")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["承包方", "原面积（亩）", "调整后面积（亩）"])
    sheet.append(["张*", 3.2, 3.1])
    sheet.append(["李*", 1.5, 1.6])
    book.save(tmp_path / "表.xlsx")
    publicity.publish(
        author,
        CODE,
        kind="other",
        ref="土地流转意向",
        place="乡镇政府网站",
        start="2026-12-01",
        end="2026-12-07",
        notice="拟将三组 120 亩耕地流转给合作社经营。",
        table=tmp_path / "表.xlsx",
    )
    doc = Document(str(publicity_notice.notice_docx(author, CODE, 1, tmp_path / "n.docx")))
    text = _text(doc)
    assert "拟将三组 120 亩耕地流转给合作社经营。" in text and "附表：表.xlsx" in text
    assert [[c.text for c in r.cells] for r in doc.tables[0].rows] == [
        ["承包方", "原面积（亩）", "调整后面积（亩）"],
        ["张*", "3.2", "3.1"],
        ["李*", "1.5", "1.6"],
    ]
    assert "（富民县第 1 号公示）" in text
