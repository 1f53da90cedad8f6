"""Site photos on the project map (``services.supervision_map``, its GeoJSON route, the map script)
and in the project's 实施监管表 (``services.supervision_report``), on the 100 m grid: Z1 covers the
cells (0,0) and (2,0), Z2 has no outline. Photos: on site in cell (2,0), 500 m north of cell (0,0),
without a position, and one of Z2 (no outline to check against)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import RecordsDB
from supervision_fixtures import jpeg, lonlat
from typer.testing import CliRunner
from web_fixtures import sign_in

from landcon.cli.main import app
from landcon.errors import InvalidRecord, NotFound
from landcon.services import records, supervision, supervision_map, supervision_report
from landcon.services import supervision_photos as SP
from landcon.web.app import create_app


@pytest.fixture
def photos(records_world: RecordsDB, tmp_path: Path) -> list[dict[str, Any]]:
    project_to(tmp_path, "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    report = supervision.add_report(sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=40)
    return [
        SP.add_photo(sup, CODE, "Z1", jpeg(tmp_path / "inside.jpg", lonlat(250, 50)), report_id=report["id"]),
        SP.add_photo(sup, CODE, "Z1", jpeg(tmp_path / "outside.jpg", lonlat(50, 600))),
        SP.add_photo(sup, CODE, "Z1", jpeg(tmp_path / "bare.jpg", None)),
        SP.add_photo(sup, CODE, "Z2", jpeg(tmp_path / "z2.jpg", lonlat(50, 50))),
    ]


def test_the_map_layer_has_the_outlines_and_every_photo(photos: list[dict[str, Any]]) -> None:
    data = supervision_map.supervision_geojson(records.actor("fm_author"), CODE)
    [outline] = [f for f in data["features"] if f["properties"]["kind"] == "sub_project"]  # Z2 has none
    assert {k: outline["properties"][k] for k in ("code", "percent")} == {"code": "Z1", "percent": 40.0}
    z1 = shapely.geometry.shape(outline["geometry"])
    assert z1.contains(shapely.Point(lonlat(50, 50))) and z1.contains(shapely.Point(lonlat(250, 50)))
    assert not z1.contains(shapely.Point(lonlat(150, 50)))  # cell (1,0) is not Z1's
    drawn = [f for f in data["features"] if f["properties"]["kind"] == "photo"]
    got = [
        (f["properties"]["id"], f["properties"]["sub_project"], f["properties"]["status"], f["properties"]["flagged"],
         f["properties"]["located"])
        for f in drawn
    ]  # fmt: skip
    inside, outside, bare, z2 = photos
    assert got == [
        (inside["id"], "Z1", "on_site", False, True),
        (outside["id"], "Z1", "outside", True, True),
        (bare["id"], "Z1", "no_position", True, False),
        (z2["id"], "Z2", "no_outline", True, True),
    ]
    assert drawn[0]["geometry"]["coordinates"] == (inside["lon"], inside["lat"])
    assert drawn[0]["properties"]["taken_at"] == "2026-06-30T10:15:00"
    assert drawn[1]["properties"]["distance_m"] == outside["distance_m"]
    # without a position: drawn at a point inside its sub-project, marked as not located
    assert z1.contains(shapely.Point(drawn[2]["geometry"]["coordinates"]))
    with pytest.raises(NotFound):
        supervision_map.supervision_geojson(records.actor("wh_sup"), CODE)  # another county


def test_the_geojson_and_workbook_routes_and_the_map_script(photos: list[dict[str, Any]]) -> None:
    with TestClient(create_app(worker=False), base_url="http://testserver") as client:
        sign_in(client, "fm_sup")
        r = client.get(f"/projects/{CODE}/supervision.geojson")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        expected = supervision_map.supervision_geojson(records.actor("fm_sup"), CODE)
        assert r.json() == json.loads(json.dumps(expected))
        page = client.get(f"/projects/{CODE}")
        assert 'import { addSupervision } from "/static/supervision_map.js"' in page.text
        script = client.get("/static/supervision_map.js")
        assert script.status_code == 200 and "marker-photo" in script.text
        book = client.get(f"/projects/{CODE}/supervision.xlsx")
        assert book.status_code == 200 and book.content[:2] == b"PK"
        assert f"/projects/{CODE}/supervision.xlsx" in client.get(f"/projects/{CODE}/supervision").text
    with TestClient(create_app(worker=False), base_url="http://testserver") as other:
        sign_in(other, "wh_sup")
        assert other.get(f"/projects/{CODE}/supervision.geojson").status_code == 404
        assert other.get(f"/projects/{CODE}/supervision.xlsx").status_code == 404


def test_the_supervision_workbook_lists_the_photos_with_thumbnails(
    photos: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "实施监管.xlsx"
    info = supervision_report.export_xlsx(records.actor("fm_author"), CODE, out)
    assert info["sheets"] == ["子项目进度", "资金", "进度填报", "现场照片"]
    assert (info["sub_projects"], info["reports"], info["photos"], info["flagged_photos"]) == (2, 1, 4, 3)
    book = openpyxl.load_workbook(out)
    sheet = book["现场照片"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0] == (
        "编号", "子项目", "文件名", "拍摄时间", "经度", "纬度", "位置核查", "距子项目范围（米）", "需核实", "进度填报",
        "缩略图",
    )  # fmt: skip
    inside, outside, bare, z2 = photos
    assert [r[:10] for r in rows[1:]] == [
        (f"#{inside['id']}", "Z1", "inside.jpg", "2026-06-30 10:15:00",
         round(inside["lon"], 7), round(inside["lat"], 7), "在子项目范围内", 0, "否", f"#{inside['report_id']}"),
        (f"#{outside['id']}", "Z1", "outside.jpg", "2026-06-30 10:15:00",
         round(outside["lon"], 7), round(outside["lat"], 7), "超出子项目范围", outside["distance_m"], "是", "—"),
        (f"#{bare['id']}", "Z1", "bare.jpg", "2026-06-30 10:15:00", "—", "—", "照片无位置信息", "—", "是", "—"),
        (f"#{z2['id']}", "Z2", "z2.jpg", "2026-06-30 10:15:00",
         round(z2["lon"], 7), round(z2["lat"], 7), "子项目无范围，无法核对位置", "—", "是", "—"),
    ]  # fmt: skip
    assert len(sheet._images) == 4  # one thumbnail a photo
    assert [c.value for c in book["子项目进度"]["A"]][3:] == ["Z1", "Z2"]
    with pytest.raises(NotFound):
        supervision_report.export_xlsx(records.actor("wh_sup"), CODE, tmp_path / "x.xlsx")
    with pytest.raises(InvalidRecord, match=r"\.xlsx"):
        supervision_report.export_xlsx(records.actor("fm_author"), CODE, tmp_path / "x.docx")
    assert not (tmp_path / "x.xlsx").exists()


def test_the_cli_writes_the_workbook(photos: list[dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    result = CliRunner().invoke(app, ["supervise", "export", CODE, "--out", str(out), "--as", "fm_sup"])
    assert result.exit_code == 0, result.output
    assert f"已写出 {out}" in result.output and "现场照片 4 张（3 张需核实）" in result.output.replace("\n", "")
