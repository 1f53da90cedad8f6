"""Townships and villages take part in their projects: covered units computed at plan submission, and
what their users may read and do — on SQLite and PostgreSQL (``records_world``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from plan_fixtures import GOOD, base, box, write_plan
from publicity_fixtures import plan_cleared
from records_fixtures import PASSWORD, TOWNSHIP, VILLAGE_CODE
from sqlalchemy import select
from web_fixtures import csrf_of, sign_in

from landcon.errors import NotFound, PermissionDenied
from landcon.services import org, overview, plan_reports, projects, records, tasks
from landcon.services.datasets import import_dataset
from landcon.store.models import AuditEntry, Unit

CODE = "FM-COVER-01"
OTHER_TOWNSHIP = "530124101"  # same county, not covered by the grid plan


def who(name: str) -> records.Actor:
    return records.actor(name)


def _users() -> None:
    """A leader of the covered township, a reporter of the covered village, a reporter of a township of
    the same county the project does not cover."""
    admin = records.system_actor()
    with records.write(admin, "test.units") as session:
        org._add_units(session, [(OTHER_TOWNSHIP, "东村镇")])
    org.add_user(admin, "town_leader", password=PASSWORD, unit=TOWNSHIP, roles=("leader",))
    org.add_user(admin, "village_rep", password=PASSWORD, unit=VILLAGE_CODE, roles=("reporter",), department="cwh")
    org.add_user(admin, "east_rep", password=PASSWORD, unit=OTHER_TOWNSHIP, roles=("reporter",), department="xzf")


def submitted(tmp_path: Path, code: str = CODE, dataset: str = "grid", plan: Path | None = None) -> dict:
    """A project created without covered units, its plan saved and submitted (now in 县级审查)."""
    author = who("fm_author")
    projects.create_project(author, code, "款庄镇整治", county="530124", dataset=dataset)
    projects.advance(author, code)
    v = projects.save_plan(author, code, plan or write_plan(tmp_path / "plan", GOOD))
    assert v["errors"] == 0, v
    plan_cleared(code)
    return projects.advance(author, code)


def _codes(p: dict) -> list[tuple[str, str]]:
    return [(u["code"], u["level"]) for u in p["units"]]


# Covered units at submission ------------------------------------------------------------------------


def test_covered_units_from_the_dltb_when_the_dataset_has_no_xzq_or_cjdcq(records_world, tmp_path):
    p = submitted(tmp_path)
    assert p["stage"] == "county_review"
    assert _codes(p) == [(TOWNSHIP, "township"), (VILLAGE_CODE, "village")]
    with records.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "project_units")).all()
    assert sorted((r.action, r.object_id.split(":")[0]) for r in rows) == [("project.advance/create", "1")] * 2
    assert {r.actor for r in rows} == {"fm_author"}


def _admin_dataset(tmp_path: Path) -> None:
    """The base grid with XZQ and CJDCQ. Township 530124100: village …201 = row 0 of columns 0–1, …203 =
    row 1 of columns 0–1, …202 = row 0 of columns 2–3; township 530124101 = row 1 of columns 2–3
    (village 530124101301). 530124100202, 530124100203, 530124101 and 530124101301 are not in the units
    table yet."""
    dltb = base()
    dltb["ZLDWDM"] = [f"530124{v}0000000" for v in ("100201", "100201", "100202", "100202")] + [
        f"530124{v}0000000" for v in ("100203", "100203", "101301", "101301")
    ]
    path = tmp_path / "admin.gpkg"
    dltb.to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")

    def admin_layer(code_field: str, name_field: str, units: list[tuple[str, str, shapely.Geometry]]):
        return gpd.GeoDataFrame(
            {
                "BSM": [str(i + 1) for i in range(len(units))],
                "YSDM": ["1000600000"] * len(units),
                code_field: [u[0] for u in units],
                name_field: [u[1] for u in units],
                "DCMJ": [round(u[2].area, 2) for u in units],
                "JSMJ": [round(u[2].area, 2) for u in units],
            },
            geometry=[u[2] for u in units],
            crs="EPSG:4543",
        )

    town_a = shapely.union(box(0, 0, 2, 2), box(2, 0, 4, 1))
    admin_layer("XZQDM", "XZQMC", [(TOWNSHIP, "款庄镇", town_a), (OTHER_TOWNSHIP, "东村镇", box(2, 1, 4, 2))]).to_file(
        path, layer="XZQ", engine="pyogrio"
    )
    admin_layer(
        "ZLDWDM",
        "ZLDWMC",
        [
            ("5301241002010000000", "大营村委会", box(0, 0, 2, 1)),
            ("5301241002020000000", "新村村委会", box(2, 0, 4, 1)),
            ("5301241002030000000", "后山村委会", box(0, 1, 2, 2)),
            ("5301241013010000000", "东山村委会", box(2, 1, 4, 2)),
        ],
    ).to_file(path, layer="CJDCQ", engine="pyogrio")
    import_dataset(path, "admin")


def _plan_with_zones(folder: Path, zones: list[shapely.Geometry]) -> Path:
    """The GOOD plan in a 整治区域 of ``zones``."""
    write_plan(folder, GOOD)
    rows = [{"ZZQYBH": f"Q{i + 1}", "ZZQYMC": "测试区", "geometry": z} for i, z in enumerate(zones)]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4543")
    frame.to_file(folder / "plan.gpkg", layer="ZZQY", engine="pyogrio")
    return folder


def test_covered_units_from_xzq_and_cjdcq_exact_codes_and_new_units_named(records_world, tmp_path):
    _admin_dataset(tmp_path)
    # Zone 1 covers row 0 of columns 0–2 (villages …201 and …202) and meets …203 only along y = 1 (its
    # edge: not covered); zone 2 lies inside …301 of the other township.
    plan = _plan_with_zones(tmp_path / "plan", [box(0, 0, 3, 1), box(3.5, 1, 4, 2)])
    p = submitted(tmp_path, dataset="admin", plan=plan)
    assert _codes(p) == [
        (TOWNSHIP, "township"),
        (VILLAGE_CODE, "village"),
        ("530124100202", "village"),
        (OTHER_TOWNSHIP, "township"),
        ("530124101301", "village"),
    ]
    with records.read() as s:
        new = {u.code: (u.name, u.path) for u in s.scalars(select(Unit).where(Unit.code.in_(NEW)))}
    assert new == {
        OTHER_TOWNSHIP: ("东村镇", "/530000/530100/530124/530124101/"),
        "530124100202": ("新村村委会", "/530000/530100/530124/530124100/530124100202/"),
        "530124101301": ("东山村委会", "/530000/530100/530124/530124101/530124101301/"),
    }


def test_a_new_village_without_cjdcq_is_named_from_the_dltb(records_world, tmp_path):
    dltb = base()
    dltb["ZLDWDM"] = ["5301241002010000000"] * 4 + ["5301241002020000000"] * 4
    dltb["ZLDWMC"] = ["大营村委会"] * 4 + ["新村村委会"] * 4
    path = tmp_path / "two.gpkg"
    dltb.to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    import_dataset(path, "two")
    p = submitted(tmp_path, dataset="two")
    assert _codes(p) == [(TOWNSHIP, "township"), (VILLAGE_CODE, "village"), ("530124100202", "village")]
    assert [u["name"] for u in p["units"]] == ["款庄镇", "测试村", "新村村委会"]


NEW = (OTHER_TOWNSHIP, "530124100202", "530124100203", "530124101301")


# What users of covered units may do ---------------------------------------------------------------


@pytest.fixture
def project(records_world, tmp_path) -> dict:
    _users()
    p = submitted(tmp_path)
    projects.version_detail(who("fm_author"), CODE, 1)
    return p


def test_township_user_of_a_covered_township_reads_and_lists_the_project(project, tmp_path):
    town = who("fm_town")
    assert projects.show_project(town, CODE)["code"] == CODE
    assert [p["code"] for p in projects.list_projects(town)] == [CODE]
    assert [p["code"] for p in projects.list_projects(town, county="530124")] == [CODE]
    assert projects.version_detail(town, CODE, 1)["number"] == 1
    features = projects.plan_geojson(town, CODE, 1)["features"]
    assert sorted({f["properties"]["layer"] for f in features}) == ["CZGHTB", "YJJBNTTZTB", "ZZQY"]
    assert plan_reports.report_files(town, CODE, [1]) == plan_reports.report_files(who("fm_author"), CODE, [1])
    assert projects.review_status(town, CODE)["stage"] == "county_review"
    ov = overview.overview(town)
    assert [p["code"] for p in ov["projects"]] == [CODE]
    assert ov["kpi"]["projects"] == 1


def test_township_and_village_users_complete_only_what_their_roles_allow(project):
    task = tasks.add_task(who("fm_sup"), "核实农户意愿", unit=TOWNSHIP, deadline="2030-01-01", project=CODE)
    town = who("fm_town")
    assert [t["id"] for t in tasks.list_tasks(town, project=CODE)] == [task["id"]]
    with pytest.raises(PermissionDenied):
        tasks.complete_task(who("town_leader"), task["id"])
    assert tasks.complete_task(town, task["id"], note="已核实")["status"] == "done"
    village = who("village_rep")
    assert projects.show_project(village, CODE)["code"] == CODE
    assert [p["code"] for p in projects.list_projects(village)] == [CODE]
    assert tasks.list_tasks(village, project=CODE) == []  # the township's task is not the village's
    assert projects.show_project(who("town_leader"), CODE)["code"] == CODE


@pytest.mark.parametrize("name", ["fm_town", "town_leader", "village_rep"])
def test_covered_users_may_not_advance_upload_or_give_opinions(project, tmp_path, name):
    user = who(name)
    with pytest.raises(PermissionDenied):
        projects.advance(user, CODE)
    with pytest.raises(PermissionDenied):
        projects.reject(user, CODE, comment="不同意")
    with pytest.raises(PermissionDenied):
        projects.save_plan(user, CODE, write_plan(tmp_path / f"plan-{name}", GOOD))
    with pytest.raises(PermissionDenied):
        projects.give_opinion(user, CODE, "同意")
    with pytest.raises(PermissionDenied):
        projects.update_project(user, CODE, name="改名")
    with pytest.raises(PermissionDenied):
        tasks.add_task(user, "任务", unit=TOWNSHIP, deadline="2030-01-01", project=CODE)


def test_a_township_of_the_same_county_not_covered_sees_nothing(project):
    east = who("east_rep")
    for read in (
        lambda: projects.show_project(east, CODE),
        lambda: projects.version_detail(east, CODE, 1),
        lambda: projects.plan_geojson(east, CODE, 1),
        lambda: plan_reports.report_files(east, CODE, [1]),
        lambda: tasks.list_tasks(east, project=CODE),
    ):
        with pytest.raises(NotFound, match="不存在"):
            read()
    assert projects.list_projects(east) == []
    assert overview.overview(east)["projects"] == []
    assert overview.overview(east)["kpi"]["projects"] == 0


def test_county_users_still_see_every_project_of_the_county(project):
    assert [p["code"] for p in projects.list_projects(who("fm_author"))] == [CODE]
    assert [p["code"] for p in projects.list_projects(who("km_sup"))] == [CODE]
    assert projects.list_projects(who("wh_author")) == []


def test_cli_project_show_lists_the_covered_units_to_a_covered_village(project):
    from typer.testing import CliRunner

    from landcon.cli.main import app

    result = CliRunner().invoke(app, ["project", "show", CODE, "--as", "village_rep"])
    assert result.exit_code == 0, result.output
    assert "涉及乡镇：款庄镇（530124100）" in result.output
    assert "涉及行政村：测试村（530124100201）" in result.output
    refused = CliRunner().invoke(app, ["project", "show", CODE, "--as", "east_rep"])
    assert refused.exit_code == 2 and "不存在" in refused.output


# Web -------------------------------------------------------------------------------------------------


@pytest.fixture
def client(project):
    from landcon.web.app import create_app

    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_web_pages_and_overview_for_a_covered_township(client):
    task = tasks.add_task(who("fm_sup"), "核实农户意愿", unit=TOWNSHIP, deadline="2030-01-01", project=CODE)
    assert sign_in(client, "fm_town").status_code == 303
    page = client.get("/projects")
    assert page.status_code == 200 and CODE in page.text
    detail = client.get(f"/projects/{CODE}")
    assert detail.status_code == 200 and "款庄镇" in detail.text and "测试村" in detail.text
    for form in ("advance", "reject", "plan"):  # the page offers no action the user may not take
        assert f'action="/projects/{CODE}/{form}"' not in detail.text
    assert client.get(f"/projects/{CODE}/versions/1/plan.geojson").status_code == 200
    listing = client.get("/tasks")
    assert listing.status_code == 200 and "核实农户意愿" in listing.text and CODE in listing.text
    data = client.get("/api/v1/overview").json()
    assert [p["code"] for p in data["projects"]] == [CODE]
    assert data["kpi"]["projects"] == 1
    done = client.post(f"/tasks/{task['id']}/done", data={"note": "已公示", "csrf_token": csrf_of(client)})
    assert done.status_code in (200, 303)
    assert tasks.get_task(who("fm_sup"), task["id"])["status"] == "done"


def test_web_refuses_the_project_to_an_uncovered_township(client):
    assert sign_in(client, "east_rep").status_code == 303
    assert CODE not in client.get("/projects").text
    assert client.get(f"/projects/{CODE}").status_code == 404
    assert client.get(f"/projects/{CODE}/versions/1/plan.geojson").status_code == 404
    assert client.get("/api/v1/overview").json()["projects"] == []
