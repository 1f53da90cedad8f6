"""意愿调查 files: the roster and response imports (row-numbered errors naming sheet and column, all or
nothing, GBK CSV), the response template, the paper forms (docx), the summary table (xlsx) and the
homestead map (GeoJSON from coordinates)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from records_fixtures import VILLAGE_CODE
from willingness_fixtures import CODE, OTHER_VILLAGE, roster, survey_world, workbook

from landcon.errors import InvalidRecord
from landcon.services import records
from landcon.services import willingness as S
from landcon.services import willingness_households as H
from landcon.services import willingness_import as I
from landcon.services import willingness_views as V


def test_response_import_reports_every_bad_row_and_stores_nothing(records_world, tmp_path: Path) -> None:
    survey_world(tmp_path)
    header = ["承包方编码", "户主姓名", "是否同意本村参与全域土地综合整治", "家庭常年外出务工人数", "受访人"]
    bad = workbook(
        tmp_path / "bad.xlsx",
        header,
        [
            ["530124100201010001", "张国华", "同意", 1, ""],
            ["530124100201010002", "张建明", "好的", "", ""],
            ["530124100201010003", "无此户", "同意", "", ""],
            ["530124100201020003", "李文光", "不同意", "两个", ""],
        ],
    )
    with pytest.raises(InvalidRecord) as caught:
        I.import_responses(records.actor("fm_vil"), CODE, bad)
    message = caught.value.message
    assert message.startswith("3 处有误，未导入任何记录：")
    assert "工作表“意愿调查”第 3 行“是否同意本村参与全域土地综合整治”列：" in message
    assert "第 4 行“承包方编码”列：问卷中没有承包方 530124100201010003" in message
    assert "第 5 行“家庭常年外出务工人数”列：" in message and "应填数值" in message
    assert S.plan_summary(records.actor("fm_author"), CODE)["responded"] == 0  # nothing stored
    # A household of another village is refused by row as well.
    other = workbook(tmp_path / "other.xlsx", header, [["530124100202010001", "王永德", "同意", "", ""]])
    with pytest.raises(InvalidRecord, match=r"第 2 行“承包方编码”列：用户 fm_vil.*，无权对 第二村"):
        I.import_responses(records.actor("fm_vil"), CODE, other)
    good = workbook(
        tmp_path / "good.xlsx",
        header,
        [["530124100201010001", "张国华", "同意", 1, "张国华"], ["530124100201010002", "", "", "", ""],
         ["530124100201020003", "李文光", "不同意", "", ""]],
    )  # fmt: skip
    assert I.import_responses(records.actor("fm_vil"), CODE, good) == {"project": CODE, "imported": 2}
    rows = {h["code"]: h for h in S.list_households(records.actor("fm_author"), CODE, public=False)}
    assert rows["530124100201010001"]["answers"] == {"consent": "同意", "migrant_workers": 1}
    assert (rows["530124100201010001"]["source"], rows["530124100201010001"]["entered_by"]) == ("xlsx", "fm_vil")
    assert rows["530124100201010002"]["responded"] is False


def test_roster_import_errors_name_row_and_column_and_a_gbk_csv_is_read(records_world, tmp_path: Path) -> None:
    survey_world(tmp_path)
    town = records.actor("fm_town")
    bad = workbook(
        tmp_path / "roster.xlsx",
        list(I.ROSTER_COLUMNS),
        [
            ["530124100201010009", "赵六", "测试村", "", 3, "", "", ""],
            ["530124100201010009", "赵七", "不存在村", "", "三", "", "x", ""],
        ],
        title="农户名单",
    )
    with pytest.raises(InvalidRecord) as caught:
        I.import_roster(town, CODE, bad)
    message = caught.value.message
    assert "工作表“农户名单”第 3 行“承包方编码”列：530124100201010009 与第 2 行重复" in message
    assert "第 3 行“村”列：'不存在村' 不是项目所在县已登记的村" in message
    assert "第 3 行“人口”列：'三' 应为 1–99 的整数" in message
    assert "第 3 行“X”列" in message
    assert len(S.list_households(town, CODE)) == 4  # nothing added
    csv = tmp_path / "roster.csv"
    csv.write_bytes(
        "承包方编码,户主姓名,村,村民小组,人口\n530124100201010009,赵六,测试村,第3村民小组,3\n".encode("gbk")
    )
    assert I.import_roster(town, CODE, csv)["added"] == 1
    [new] = [h for h in S.list_households(town, CODE, public=False) if h["code"] == "530124100201010009"]
    assert (new["head"], new["village"], new["group"], new["people"]) == ("赵六", "测试村", "第3村民小组", 3)


def test_template_forms_summary_and_map(records_world, tmp_path: Path) -> None:
    survey_world(tmp_path)
    vil = records.actor("fm_vil")
    S.respond(vil, CODE, "530124100201010001", {"consent": "不同意"})
    template = I.write_response_template(vil, CODE, tmp_path / "t.xlsx")
    ws = load_workbook(template).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("承包方编码", "户主姓名", "村", "村民小组", "是否同意本村参与全域土地综合整治")
    # The village cadre's template lists the households of its own village, full codes and current answers.
    assert [r[:2] for r in rows[1:]] == [
        ("530124100201010001", "张国华"), ("530124100201010002", "张建明"), ("530124100201020003", "李文光")
    ]  # fmt: skip
    assert rows[1][4] == "不同意" and rows[2][4] is None
    book = load_workbook(template)
    book.worksheets[0]["E3"] = "同意"
    book.save(template)
    assert I.import_responses(vil, CODE, template)["imported"] == 2  # filled in and imported back as it is
    S.respond(vil, CODE, "530124100201010002", {"consent": "说不清"})
    docx = V.forms_docx(records.actor("fm_town"), CODE, tmp_path / "f.docx")
    doc = Document(str(docx))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "全域土地综合整治村民意愿调查（测试村第1村民小组）",
        "全域土地综合整治村民意愿调查（测试村第2村民小组）",
        "全域土地综合整治村民意愿调查（第二村第1村民小组）",
    ]
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells][:5] == ["序号", "承包方编码", "户主姓名", "人口", "Q1"]
    assert [c.text for c in first.rows[1].cells][1:5] == [
        "530124********0001",
        "张国华",
        "4",
        "□同意\n□不同意\n□说不清",
    ]
    assert len(first.rows) == 3
    xlsx = V.summary_xlsx(records.actor("fm_author"), CODE, tmp_path / "s.xlsx")
    wb = load_workbook(xlsx)
    summary = list(wb["意愿汇总"].iter_rows(values_only=True))
    assert summary[-1] == ("合计", None, 4, 2, 50, 0, 1, 0)
    assert list(wb["反对户"].iter_rows(values_only=True))[1] == (
        "530124********0001",
        "张国华",
        "测试村",
        "第1村民小组",
    )
    geo = V.homesteads_geojson(records.actor("fm_vil2"), CODE)
    assert geo["unplaced"] == 3
    [feature] = geo["features"]
    assert feature["properties"]["stance"] == "object" and feature["properties"]["head"] == "张*华"
    assert feature["geometry"]["type"] == "Point"
    assert VILLAGE_CODE != OTHER_VILLAGE


def test_a_homestead_named_by_bsm_is_its_0702_parcel(records_world, tmp_path: Path) -> None:

    survey_world(tmp_path)
    town = records.actor("fm_town")
    rows = [
        ["530124100201030001", "周光荣", "测试村", "第3村民小组", 2, "4", "", ""],  # DLTB BSM 4 is 0702
        ["530124100201030002", "周海发", "测试村", "第3村民小组", 2, "1", "", ""],  # BSM 1 is 耕地: not placed
    ]
    I.import_roster(town, CODE, roster(tmp_path / "r2.xlsx", rows))
    S.respond(records.actor("fm_vil"), CODE, "530124100201030001", {"consent": "说不清"})
    geo = V.homesteads_geojson(town, CODE)
    polygons = [f for f in geo["features"] if f["geometry"]["type"] == "Polygon"]
    assert [f["properties"]["stance"] for f in polygons] == ["other"]
    assert (geo["unplaced"], len(geo["features"])) == (4, 2)


def test_households_of_a_saved_realloc_version_fall_back_to_its_household_table(records_world, tmp_path: Path) -> None:
    from realloc_fixtures import HOUSEHOLDS, NAMES, write_instance

    from landcon.services import realloc

    survey_world(tmp_path)
    inst = write_instance(tmp_path / "inst")
    realloc.run(inst["parcels"], inst["households"], inst["blocks"], tmp_path / "rr", overrides={"time_limit": 10})
    realloc.save(records.actor("fm_author"), CODE, tmp_path / "rr")
    inst["households"].unlink()  # the input CSV is gone: codes and names come from households.xlsx
    result = H.households_from_realloc(records.actor("fm_town"), CODE)
    assert (result["realloc_version"], result["added"], result["households"]) == (1, 4, 8)
    rows = {h["code"]: h for h in S.list_households(records.actor("fm_author"), CODE, public=False)}
    assert [rows[c]["head"] for c in HOUSEHOLDS] == NAMES
    assert {rows[c]["village"] for c in HOUSEHOLDS} == {"测试村"}
    assert {rows[c]["group"] for c in HOUSEHOLDS} == {S.UNGROUPED}
    assert H.group_of_code("530124100201030001") == ("530124100201", "第3村民小组")
