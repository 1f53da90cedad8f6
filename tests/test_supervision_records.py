"""Sub-projects, progress reports and funds of a project under implementation (SQLite and PostgreSQL).

The project is ``ledger_fixtures.project_to(…, "implementation")``: its approved plan has sub-projects
Z1 (农用地整理, 600 万元, the levelled cell (0,0) and the orchard cell (2,0)) and Z2 (建设用地整理,
400 万元, no parcel), and 资金筹措 中央财政 700 + 县级财政 300 万元 (``plan_fixtures.META``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import CELL, X0, Y0, cell
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP, RecordsDB
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine import supervision as S
from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import records, supervision


def test_funds_summary_by_source_and_department() -> None:
    """Allocated = Σ budgets, disbursed = Σ reports; a source the budgets leave short does not reconcile."""
    summary = S.funds_summary(
        {"中央财政": 700.0, "县级财政": 300.0},
        [
            ("农业农村局", {"中央财政": 500.0, "县级财政": 100.0}),
            ("自然资源局", {"中央财政": 200.0, "县级财政": 150.0}),
        ],
        [("农业农村局", {"中央财政": 120.0}), ("农业农村局", {"中央财政": 80.0, "县级财政": 25.0})],
    )
    assert [(r.source, r.planned, r.allocated, r.disbursed, r.unallocated) for r in summary.rows] == [
        ("中央财政", 700.0, 700.0, 200.0, 0.0),
        ("县级财政", 300.0, 250.0, 25.0, 50.0),
    ]
    assert summary.rows[0].disbursement_rate == pytest.approx(200 / 700, abs=1e-6)
    assert (summary.planned, summary.allocated, summary.disbursed, summary.reconciles) == (1000.0, 950.0, 225.0, False)
    assert dict(summary.by_department) == {"农业农村局": (600.0, 225.0), "自然资源局": (350.0, 0.0)}


def test_unknown_quantity_source_and_percent_are_refused() -> None:
    with pytest.raises(InvalidRecord, match="工程量 'roads'") as error:
        S.check_quantities({"roads": 1})
    assert error.value.field == "quantities.roads"
    with pytest.raises(InvalidRecord, match="资金来源 '银行贷款'"):
        S.check_amounts({"银行贷款": 1}, "budget")
    with pytest.raises(InvalidRecord, match="0–100"):
        S.check_percent(120)
    with pytest.raises(InvalidRecord, match="不小于 0"):
        S.check_quantities({"wells": -1})
    assert S.check_quantities({"land_levelling": "12.5", "wells": 3}) == {"land_levelling": 12.5, "wells": 3.0}


@pytest.fixture
def implementing(records_world: RecordsDB, tmp_path: Path) -> RecordsDB:
    project_to(tmp_path, "implementation")
    return records_world


def test_subprojects_from_the_approved_plan(implementing: RecordsDB) -> None:
    author = records.actor("fm_author")
    rows = supervision.create_from_plan(author, CODE)
    assert [(r["code"], r["type"], r["investment"], r["has_geometry"], r["epsg"]) for r in rows] == [
        ("Z1", "农用地整理", 600.0, True, 4543),
        ("Z2", "建设用地整理", 400.0, False, None),
    ]
    with pytest.raises(InvalidRecord, match="子项目 Z1 已登记"):
        supervision.create_from_plan(author, CODE)
    with records.read() as session:
        from landcon.store.models import SubProject

        z1 = session.query(SubProject).filter_by(code="Z1").one()
        outline = shapely.geometry.shape(z1.geometry)
    assert outline.area == pytest.approx(20_000.0, abs=1e-6)  # cells (0,0) and (2,0)
    assert outline.equals(shapely.union_all([cell(0, 0), cell(2, 0)]))


def test_reports_and_funds_reconcile_with_the_plan(implementing: RecordsDB) -> None:
    author, sup = records.actor("fm_author"), records.actor("fm_sup")
    supervision.create_from_plan(author, CODE)
    supervision.update_subproject(
        author, CODE, "Z1", budget={"中央财政": 500, "县级财政": 100}, department="农业农村局", unit=TOWNSHIP
    )
    supervision.update_subproject(sup, CODE, "Z2", budget={"中央财政": 200, "县级财政": 200}, department="自然资源局")
    town = records.actor("fm_town")
    supervision.add_report(
        town,
        CODE,
        "Z1",
        period="2026-05",
        reported_on="2026-05-31",
        percent=30,
        quantities={"land_levelling": 0.6},
        disbursed={"中央财政": 150},
    )
    supervision.add_report(
        sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=55, disbursed={"县级财政": 40.5}
    )
    subs = {s["code"]: s for s in supervision.list_subprojects(author, CODE)}
    assert (subs["Z1"]["percent"], subs["Z1"]["last_report"], subs["Z2"]["percent"]) == (55.0, "2026-06-30", 0.0)
    assert [r["reporter"] for r in supervision.list_reports(author, CODE, "Z1")] == ["fm_town", "fm_sup"]

    f = supervision.funds(author, CODE)
    assert f["sources"] == [
        {
            "source": "中央财政",
            "planned": 700.0,
            "allocated": 700.0,
            "disbursed": 150.0,
            "unallocated": 0.0,
            "disbursement_rate": round(150 / 700, 6),
        },
        {
            "source": "县级财政",
            "planned": 300.0,
            "allocated": 300.0,
            "disbursed": 40.5,
            "unallocated": 0.0,
            "disbursement_rate": 0.135,
        },
    ]
    assert (f["planned"], f["allocated"], f["disbursed"], f["reconciles"]) == (1000.0, 1000.0, 190.5, True)
    assert f["departments"] == [
        {"department": "农业农村局", "allocated": 600.0, "disbursed": 190.5},
        {"department": "自然资源局", "allocated": 400.0, "disbursed": 0.0},
    ]


def test_who_may_report(implementing: RecordsDB) -> None:
    """The responsible township's reporter reports on its sub-project only; another county's
    supervisor sees no such sub-project; a leader may not report; a reporter may not register."""
    author = records.actor("fm_author")
    supervision.create_from_plan(author, CODE)
    supervision.update_subproject(author, CODE, "Z1", unit=TOWNSHIP)
    report = {"period": "2026-05", "reported_on": "2026-05-31", "percent": 10}
    town = records.actor("fm_town")
    assert supervision.add_report(town, CODE, "Z1", **report)["reporter"] == "fm_town"
    with pytest.raises(NotFound):
        supervision.add_report(town, CODE, "Z2", **report)  # Z2's responsible unit is the county
    with pytest.raises(NotFound):
        supervision.add_report(records.actor("wh_sup"), CODE, "Z1", **report)
    with pytest.raises(PermissionDenied, match="无权填报实施进度"):
        supervision.add_report(records.actor("fm_leader"), CODE, "Z1", **report)
    with pytest.raises(PermissionDenied, match="无权登记子项目"):
        supervision.update_subproject(town, CODE, "Z1", budget={"中央财政": 1})
    with pytest.raises(NotFound):
        supervision.update_subproject(records.actor("wh_sup"), CODE, "Z1", budget={"中央财政": 1})
    assert len(supervision.list_reports(author, CODE)) == 1


def test_cli_subproject_from_polygon_report_and_funds(implementing: RecordsDB, tmp_path: Path) -> None:
    outline = tmp_path / "z3.gpkg"
    square = shapely.box(X0, Y0 + CELL, X0 + 2 * CELL, Y0 + 2 * CELL)
    gpd.GeoDataFrame({"NAME": ["z3"]}, geometry=[square], crs="EPSG:4543").to_file(outline, engine="pyogrio")
    runner = CliRunner()
    base = ["supervise", "subproject", "create", CODE, "Z3", "--name", "生态修复", "--type", "生态保护修复"]
    result = runner.invoke(
        app, [*base, "--polygon", str(outline), "--budget", '{"中央财政": 50}', "--as", "fm_sup", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"epsg": 4543' in result.output
    bad = runner.invoke(
        app,
        [
            "supervise", "report", "add", CODE, "Z3", "--period", "2026-06", "--date", "2026-06-30",
            "--percent", "20", "--quantities", '{"roads": 1}', "--as", "fm_sup",
        ],
    )  # fmt: skip
    assert bad.exit_code != 0 and "工程量 'roads'" in bad.output
    ok = runner.invoke(
        app,
        [
            "supervise", "report", "add", CODE, "Z3", "--period", "2026-06", "--date", "2026-06-30",
            "--percent", "20", "--disbursed", '{"中央财政": 12.5}', "--as", "fm_sup",
        ],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    funds = runner.invoke(app, ["supervise", "funds", CODE, "--as", "fm_author", "--json"])
    assert funds.exit_code == 0, funds.output
    assert '"allocated": 50.0' in funds.output and '"disbursed": 12.5' in funds.output
    assert '"reconciles": false' in funds.output
