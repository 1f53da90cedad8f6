"""Acceptance outputs (``services.acceptance_outputs``, ``accept export``) on the records world: project
FM-2027-01 with the ledger plan (``ledger_fixtures``), its sub-projects registered with planned 工程量,
the ``grid`` dataset replaced by the later vintage (``acceptance_fixtures.vintage``), accepted on the
hand-made as-built folder of ``acceptance_fixtures`` (A2 built on half its cell, A3 failing verification:
核定新增耕地 5,250 m², docs in ``test_acceptance_engine``)."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pytest
from acceptance_fixtures import rows, vintage, write_asbuilt
from ledger_fixtures import CODE, project_to
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine.area import ellipsoid_area
from landcon.engine.ledger import grain_capacity
from landcon.engine.zzys import GROUPS, ha
from landcon.errors import NotFound
from landcon.services import acceptance, acceptance_outputs, acceptance_records, projects, records, supervision
from landcon.services.datasets import import_dataset
from landcon.services.profile import get_profile

PLANNED_WORKS = {"Z1": {"land_levelling": 2.0, "wells": 3}, "Z2": {"land_levelling": 1.0}}


@pytest.fixture(scope="module")
def world(records_world_once, tmp_path_factory):
    project_to(tmp_path_factory.mktemp("plan"), "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    for code, works in PLANNED_WORKS.items():
        supervision.update_subproject(sup, CODE, code, quantities=works)
    path = tmp_path_factory.mktemp("vintage") / "v2.gpkg"
    vintage().to_file(path, layer="DLTB", engine="pyogrio")
    import_dataset(path, "grid", replace=True)
    projects.advance(sup, CODE)
    run = acceptance.compute(sup, CODE, write_asbuilt(tmp_path_factory.mktemp("asbuilt") / "a"))
    return records_world_once, run


def _accept(run) -> None:
    if not acceptance_records.latest_passing_computation(records.actor("fm_sup"), CODE):
        acceptance_records.record(
            records.actor("km_sup"),
            CODE,
            level="project",
            opinion="同意",
            accepted_on="2027-11-15",
            members=["验收组长"],
            computation=run.out_dir / "acceptance.json",
        )


def _fields(record):
    return {f["key"]: f for fields in record["groups"].values() for f in fields}


def test_without_a_passing_record_only_the_marked_latest_computation_is_exported(world, tmp_path) -> None:
    _, run = world
    if acceptance_records.latest_passing_computation(records.actor("fm_sup"), CODE):
        pytest.skip("accepted already (test order)")
    with pytest.raises(NotFound, match="--unaccepted"):
        acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    out = acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "y", unaccepted=True)
    assert out["zzys"]["status"] == "未通过验收" and out["zzys"]["passed"] is False
    assert _fields(out["zzys"])["new.total"]["value"] == ha(run.data["totals"]["verified_new_m2"])


def test_xlsx_sheets_equal_the_json_equal_the_computation(world, tmp_path) -> None:
    _, run = world
    _accept(run)
    data = run.data
    out = acceptance_outputs.export_zzys(records.actor("fm_sup"), CODE, tmp_path / "out")
    record = json.loads((tmp_path / "out" / "zzys.json").read_text(encoding="utf-8"))
    assert record == out["zzys"] and record["status"] == "已通过验收"
    fields = _fields(record)
    values = {k: f["value"] for k, f in fields.items()}
    plans = {k: f["plan"] for k, f in fields.items()}
    # 新增耕地: 核定 5,250 m² (A1 500 + A2 4,750, both 旱地), 核减前 15,250; all paid by 中央财政.
    assert values["new.total"] == 0.525 == ha(data["totals"]["verified_new_m2"])
    assert values["new.before_cut"] == 1.525 == ha(data["totals"]["built_new_m2"])
    assert plans["new.total"] == 2.0 == ha(data["totals"]["planned_new_m2"])
    assert (values["new.dry"], values["new.paddy"], values["new.irrigated"]) == (0.525, 0.0, 0.0)
    assert values["new.by_fund/中央财政"] == 0.525
    assert values["new.by_kind/未注明来源"] == 0.525
    assert values["new.supplementary"] == ha(data["verified_indicators"]["cultivated"]["supplementary_m2"]) == 0.525
    # 规模: 整治规模 30,000 m² (plan 35,000); by sub-project type the parcels' ellipsoidal area.
    assert (values["scale.total"], plans["scale.total"]) == (3.0, 3.5)
    geoms = [r["geometry"] for r in rows()]
    z1 = float(ellipsoid_area(np.asarray(geoms[:2], dtype=object), 4543).sum())
    z2 = float(ellipsoid_area(np.asarray(geoms[2:], dtype=object), 4543).sum())
    assert values["scale.by_type/农用地整理"] == ha(round(z1, 2))
    assert values["scale.by_type/建设用地整理"] == ha(round(z2, 2))
    # 成效 and 提质改造 from the computation's figures.
    grain = grain_capacity(data["verified_indicators"]["cultivated"]["new_by_grade_m2"], get_profile().ledger_rules)
    assert values["effect.grain_kg"] == grain > 0
    assert plans["effect.grain_kg"] == data["figures"]["grain_kg"]["plan"]
    assert values["upgrade.grade_after"] == data["figures"]["grade_after"]["built"]
    assert values["effect.merge_degree"] == data["asbuilt_indicators"]["fields"]["merge_degree"]
    # 工程量: final (asbuilt.yaml) vs planned (Σ sub-project records); 投资: 决算 800 of 1,000 万元.
    assert (values["works/land_levelling"], plans["works/land_levelling"]) == (2.5, 3.0)
    assert (values["works/wells"], plans["works/wells"]) == (2, 3.0)
    assert (values["investment.total"], plans["investment.total"]) == (800.0, 1000.0)
    assert values["investment.completion"] == 0.8
    assert (values["investment.by_subproject/Z2"], plans["investment.by_subproject/Z2"]) == (None, 400.0)

    book = openpyxl.load_workbook(tmp_path / "out" / "zzys.xlsx", read_only=True)
    assert book.sheetnames == [*GROUPS, "说明"]
    for group in GROUPS:
        sheet = list(book[group].iter_rows(values_only=True))
        assert sheet[0] == ("ZZ_YS 字段", "名称", "单位", "方案", "实际（核定）", "键")
        expected = [(f["key"], f["plan"], f["value"]) for f in record["groups"][group]]
        dash = lambda v: None if v == "—" else v  # noqa: E731
        assert [(r[5], dash(r[3]), dash(r[4])) for r in sheet[1:]] == expected
    notes = list(book["说明"].iter_rows(values_only=True))
    documented = {r[1]: (r[4], r[5]) for r in notes if r and r[0] in GROUPS}
    assert documented["new.total"] == ("公顷", "verified_indicators.cultivated.new_m2 ÷ 10000")
    assert set(documented) == set(fields)


def test_cli_export_and_scope(world, tmp_path) -> None:
    _, run = world
    _accept(run)
    result = CliRunner().invoke(
        app, ["accept", "export", CODE, "--out", str(tmp_path / "cli"), "--as", "fm_sup", "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["files"][:2] == ["zzys.json", "zzys.xlsx"]
    assert (tmp_path / "cli" / "zzys.xlsx").is_file()
    other = CliRunner().invoke(app, ["accept", "export", CODE, "--out", str(tmp_path / "wh"), "--as", "wh_sup"])
    assert other.exit_code != 0 and not (tmp_path / "wh").exists()
