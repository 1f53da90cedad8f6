"""The 权属调整方案公示表 docx of a stored version, read back (python-docx): masked codes and names, parcels
before and after, 四至, sketches, signature column, and the area balance against the indicators."""

from __future__ import annotations

import json

import docx
import pytest
from realloc_page_fixtures import CODE, stored_version
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.services import realloc, records


def _cells(table: docx.table.Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_notice_rows_and_balance(records_world, tmp_path):
    stored_version(tmp_path)
    out = tmp_path / "公示表.docx"
    result = CliRunner().invoke(
        app,
        ["realloc", "notice", CODE, "--version", "1", "--out", str(out), "--until", "2027-01-15",
         "--as", "fm_town", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    [version] = realloc.versions(records.actor("fm_author"), CODE)
    ind = version["indicators"]
    assert summary["households"] == 4
    assert summary["area_before"] == round(ind["total_area_before"], 2) == 40000.0
    assert summary["area_after"] == round(ind["total_area_after"], 2) == 40000.0
    document = docx.Document(str(out))
    main, balance = document.tables
    rows = _cells(main)
    assert rows[0][-1] == "农户签字" and len(rows) == 5
    assert rows[1][:9] == [
        "1",
        "530124********0001",
        "张*",
        "5301241002010000001\n5301241002010000005",
        "5,100.00\n5,100.00",
        "5,000.00\n5,000.00",
        "5301241002010000009",
        "10,000.00",
        "东至李*四、南至道路、西至田块外、北至田块外",
    ]
    assert rows[1][10:] == ["无", ""]
    assert len(document.inline_shapes) == 4  # one sketch per new parcel
    assert _cells(balance) == [
        ["调整前承包地块实测面积合计", "40,000.00 平方米"],
        ["调整后承包地块面积合计（含原地保留地块）", "40,000.00 平方米"],
        ["道路、沟渠等占用及其他（前两项之差）", "0.00 平方米"],
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "请于2027-01-15前" in text and "村民会议表决结果" in text
    assert "张三" not in text + json.dumps(rows, ensure_ascii=False)  # names are masked


def test_notice_takes_place_deadline_and_contact_from_the_versions_publicity(records_world, tmp_path):
    import datetime as dt

    from records_fixtures import VILLAGE_CODE

    from landcon.services import publicity, realloc_notice
    from landcon.services.clock import today

    stored_version(tmp_path)
    start, end = today() - dt.timedelta(days=3), today() + dt.timedelta(days=4)
    town = records.actor("fm_town")
    publicity.publish(
        town, CODE, kind="realloc", ref="1", place="村务公开栏", place_unit=VILLAGE_CODE, start=start, end=end,
        contact="测试村村民委员会办公室（电话 0871-1234567）",
    )  # fmt: skip
    publicity.publish(  # a later 公示 of another subject is not the version's
        town, CODE, kind="other", place="乡镇公示栏", start=start, end=end + dt.timedelta(days=5), contact="乡镇",
    )  # fmt: skip
    out = tmp_path / "公示表.docx"
    done = realloc_notice.notice(town, CODE, 1, out, place="乡镇大院", until="2030-01-01")  # typed: not used
    assert done["publicity"] == 1
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert (
        f"异议受理：本方案于测试村村务公开栏公示，公示期 {start.isoformat()} 至 {end.isoformat()}。"
        f"对本方案有异议的，请于 {end.isoformat()} 前（含当日）以书面或口头方式"
        "向测试村村民委员会办公室（电话 0871-1234567）提出，登记后予以答复。"
    ) in text.splitlines()
    assert "乡镇大院" not in text and "2030-01-01" not in text and "乡镇公示栏" not in text


@pytest.mark.parametrize("user, status", [("fm_town", 200), ("wh_author", 404)])
def test_notice_download(records_world, tmp_path, user, status):
    from fastapi.testclient import TestClient
    from web_fixtures import sign_in

    from landcon.web.app import create_app

    stored_version(tmp_path)
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, user)
        got = client.get(f"/projects/{CODE}/realloc/1/notice.docx")
        assert got.status_code == status
        if status == 200:
            assert got.content[:2] == b"PK" and "attachment" in got.headers["content-disposition"]
