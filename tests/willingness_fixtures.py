"""The willingness-survey test world: project ``CODE`` on the records grid, village cadres of two
villages, the template questionnaire and a four-household roster; and an xlsx writer for imports."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from records_fixtures import PASSWORD, TOWNSHIP, VILLAGE_CODE

from landcon.services import org, projects, records
from landcon.services import willingness as S
from landcon.services import willingness_import as I

CODE = "FM-YY-01"
OTHER_VILLAGE = "530124100202"


def roster(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "农户名单"
    ws.append(list(I.ROSTER_COLUMNS))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


ROSTER = [
    ["530124100201010001", "张国华", "测试村", "第1村民小组", 4, "", 0.5, 0.5],
    ["530124100201010002", "张建明", VILLAGE_CODE, "第1村民小组", 3, "", "", ""],
    ["530124100201020003", "李文光", "测试村", "第2村民小组", 5, "", "", ""],
    ["530124100202010001", "王永德", OTHER_VILLAGE, "第1村民小组", 2, "", "", ""],
]


def survey_world(tmp_path: Path) -> None:
    """Project ``CODE`` covering the township, a second village, village cadres of both villages, the
    template questionnaire and the four households of ``ROSTER``."""
    admin = records.system_actor()
    with records.write(admin, "test.units") as session:
        org._add_units(session, [(OTHER_VILLAGE, "第二村")])
    org.add_user(admin, "fm_vil", password=PASSWORD, unit=VILLAGE_CODE, roles=("reporter",), department="cwh")
    org.add_user(admin, "fm_vil2", password=PASSWORD, unit=OTHER_VILLAGE, roles=("reporter",), department="cwh")
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇全域整治", county="530124", units=[TOWNSHIP], dataset="grid")
    S.create(author, CODE)
    assert I.import_roster(records.actor("fm_town"), CODE, roster(tmp_path / "roster.xlsx", ROSTER))["added"] == 4


def workbook(path: Path, header: list[str], rows: list[list[object]], title: str = "意愿调查") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path
