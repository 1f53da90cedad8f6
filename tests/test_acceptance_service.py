"""``services.acceptance`` on the records world (SQLite and PostgreSQL): project FM-2027-01 with the
ledger plan (``ledger_fixtures``) in 实施, the ``grid`` dataset replaced by the later vintage
(``acceptance_fixtures.vintage``), the hand-made as-built folder of ``acceptance_fixtures``; and the
synthetic as-built data (``synth.asbuilt``, ``plan synth-asbuilt``)."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml
from acceptance_fixtures import meta, plan, rows, vintage, write_asbuilt
from ledger_fixtures import CODE, linkage_plan, project_to
from plan_fixtures import base, box
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine.acceptance import NOT_VERIFIED, SHORT, compute_acceptance
from landcon.engine.acceptance_rules import AcceptanceRules
from landcon.engine.asbuilt_schema import AsBuilt, check_asbuilt
from landcon.engine.ledger import LedgerRules
from landcon.errors import CRSError, NotFound
from landcon.services import acceptance, records
from landcon.services.acceptance import AsBuiltInvalid
from landcon.services.datasets import import_dataset
from landcon.store.layers import read_vector_layer
from landcon.synth.asbuilt import generate_asbuilt

TOTALS = {
    "planned_new_m2": 20000.0,
    "built_new_m2": 15250.0,
    "verified_new_m2": 5250.0,
    "not_verified_m2": 10000.0,
    "cut_m2": 14750.0,
}


@pytest.fixture(scope="module")
def world(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    path = tmp_path_factory.mktemp("vintage") / "v2.gpkg"
    vintage().to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    return records_world_once


def test_compute_writes_json_and_xlsx_with_the_same_totals(world, tmp_path) -> None:
    run = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / "asbuilt"))
    assert run.out_dir == acceptance.result_dir(CODE)
    data = json.loads((run.out_dir / "acceptance.json").read_text(encoding="utf-8"))
    assert data == run.data
    assert (data["plan_version"], data["before_version"], data["vintage_version"]) == (1, 1, 2)
    assert data["totals"] == TOTALS
    assert [(c["parcel"], c["reason"], c["cut_m2"]) for c in data["cuts"]] == [
        ("A2", SHORT, 4750.0),
        ("A3", NOT_VERIFIED, 10000.0),
    ]
    assert data["completion_date"] == "2027-10-31" and data["quantities"] == {"land_levelling": 2.5, "wells": 2}
    book = openpyxl.load_workbook(run.out_dir / "acceptance.xlsx", read_only=True)
    cuts = list(book["核减清单"].iter_rows(values_only=True))
    assert cuts[-1][0] == "合计" and cuts[-1][-1] == 14750.0
    assert sum(r[-1] for r in cuts[1:-1]) == 14750.0
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["核定新增耕地（平方米）"] == 5250.0 and summary["核减合计（平方米）"] == 14750.0
    compared = {r[5]: (r[2], r[3]) for r in list(book["方案与竣工对比"].iter_rows(values_only=True))[1:]}
    assert compared["cultivated.new_m2"] == (20000.0, 15250.0)
    assert compared["acceptance.investment_wan/Z2"] == (400.0, "—")
    findings = list(book["竣工规则检查"].iter_rows(values_only=True))[1:]
    assert [r[0] for r in findings] == [f["rule"] for f in data["asbuilt_findings"]]
    assert {r[0]: r[2] for r in findings}["NEW_FARMLAND_MIN_5PCT"] == "通过"


@pytest.mark.parametrize("fmt", ["shp", "gdb"])
def test_shapefile_and_filegdb_submissions_read_the_same(world, tmp_path, fmt) -> None:
    run = acceptance.compute(records.actor("fm_sup"), CODE, write_asbuilt(tmp_path / fmt, fmt=fmt), out=tmp_path / "o")
    assert run.data["totals"] == TOTALS


def test_the_cli_prints_the_table_and_writes_the_folder(world, tmp_path) -> None:
    folder = write_asbuilt(tmp_path / "asbuilt")
    result = CliRunner().invoke(
        app, ["accept", "check", CODE, str(folder), "--out", str(tmp_path / "r"), "--as", "fm_sup"]
    )
    assert result.exit_code == 0, result.output
    assert "核减 2 处共 14,750.00 平方米" in result.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["acceptance.json", "acceptance.xlsx"]


def test_refusals_name_the_file_layer_field_and_feature(world, tmp_path) -> None:
    fm = records.actor("fm_sup")
    with pytest.raises(NotFound):
        acceptance.compute(records.actor("wh_sup"), CODE, write_asbuilt(tmp_path / "a"), out=tmp_path / "x")
    with pytest.raises(AsBuiltInvalid, match="与项目 FM-2027-01 不符") as info:
        acceptance.compute(fm, CODE, write_asbuilt(tmp_path / "b", data=meta(project="FM-9")), out=tmp_path / "x")
    assert info.value.field == "project"
    bad = rows()
    bad[1] = bad[1] | {"ZXMBH": "Z7"}
    with pytest.raises(AsBuiltInvalid, match="Z7") as info:
        acceptance.compute(fm, CODE, write_asbuilt(tmp_path / "c", bad), out=tmp_path / "x")
    assert (info.value.layer, info.value.field, info.value.feature) == ("JGTB", "ZXMBH", "A2")
    assert info.value.path is not None and info.value.path.endswith("asbuilt.gpkg")
    with pytest.raises(CRSError, match="EPSG:4544"):
        acceptance.compute(fm, CODE, write_asbuilt(tmp_path / "d", crs="EPSG:4544"), out=tmp_path / "x")
    (tmp_path / "e").mkdir()
    with pytest.raises(AsBuiltInvalid, match=r"缺少 asbuilt\.gpkg"):
        acceptance.compute(fm, CODE, tmp_path / "e", out=tmp_path / "x")
    folder = write_asbuilt(tmp_path / "f")
    (folder / "asbuilt.yaml").write_text(yaml.safe_dump({"project": CODE}), encoding="utf-8")
    with pytest.raises(AsBuiltInvalid, match="completion_date") as info:
        acceptance.compute(fm, CODE, folder, out=tmp_path / "x")
    assert info.value.path == str(folder / "asbuilt.yaml")
    assert not (tmp_path / "x").exists()


def test_synthetic_as_built_data_has_a_short_subproject_and_a_failing_parcel() -> None:
    frame, data, drawn = generate_asbuilt(plan(), vintage=vintage(), fail=1, project="FM-2027-01")
    assert drawn == {"short": "Z1", "fail": ["ZJGGTB 1"], "left_out": []}
    built = AsBuilt(frame, data)
    assert check_asbuilt(built, ["Z1", "Z2"]) == []
    result = compute_acceptance(
        base(),
        {"YJJBNTBHTB": [box(0, 0, 2, 1)]},
        plan(),
        built,
        4543,
        vintage=vintage(),
        vintage_note="v2",
        rules=AcceptanceRules(),
        ledger_rules=LedgerRules(),
    )
    # Z1 built on the western 90 % where its grade is no better than the plan's mean rounded up:
    # (0,0) 500 → 450; (2,0), graded better, is built in full (building less must not lower the
    # quality); the 拆旧 plot fails.
    assert [(c.plan_parcel, c.reason, c.cut_m2) for c in result.cuts] == [
        ("CZGHTB 1", SHORT, 50.0),
        ("ZJGGTB 1", NOT_VERIFIED, 10000.0),
    ]
    invest = next(r for r in result.rules if r.id == "INVESTMENT_MIN_RATIO")
    assert invest.status == "pass" and 0.92 <= invest.value <= 0.94  # Z1 at 90 %, Z2 at 95–100 %


def test_plan_synth_asbuilt_writes_a_folder_acceptance_reads(world, tmp_path) -> None:
    source = linkage_plan(tmp_path / "plan")
    vintage_file = tmp_path / "v.gpkg"
    vintage().to_file(vintage_file, layer="DLTB", engine="pyogrio")
    args = ["plan", "synth-asbuilt", str(source), "--out", str(tmp_path / "asb"), "--project", CODE]
    result = CliRunner().invoke(app, [*args, "--vintage", str(vintage_file), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fail"] == ["ZJGGTB 1"]
    assert len(read_vector_layer(tmp_path / "asb" / "asbuilt.gpkg", "JGTB")) == 4
    run = acceptance.compute(records.actor("fm_sup"), CODE, tmp_path / "asb", out=tmp_path / "r")
    assert run.data["totals"]["not_verified_m2"] == 10000.0
