"""The typed indicator families serialise to exactly the JSON stored in plan versions, and the
indicators can be recomputed from a before and an after state without a plan.yaml.

``data/plan_indicators_golden.json`` holds the indicators of the synthetic county 530124 (1 500
图斑, seed 3) under the compliant and the violating synthetic plans (seed 5), with and without the
zone layers, as the single-function ``analyse_plan`` computed them before the families were split."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest

from landcon.engine.indicators import (
    after_state_of,
    analyse_plan,
    before_state,
    indicators_from_states,
    plan_parcels,
)
from landcon.engine.layers import DLTB
from landcon.engine.plan import YJJBNTTZTB, ZZQY, Plan, normalise
from landcon.engine.tiankan import DEFAULT_TABLE
from landcon.synth.county import generate_county
from landcon.synth.plan import generate_plan

EPSG = 4543
ZONES = ("YJJBNTBHTB", "STBHHX", "CZKFBJ")
GOLDEN = Path(__file__).parent / "data" / "plan_indicators_golden.json"


@pytest.fixture(scope="module")
def county() -> dict[str, gpd.GeoDataFrame]:
    return generate_county("530124", features=1500, seed=3, epsg=EPSG)


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def _plan(county: dict[str, gpd.GeoDataFrame], variant: str) -> Plan:
    layers, meta = generate_plan(county, dataset="demo", variant=variant, seed=5)
    return Plan({k: normalise(k, v) for k, v in layers.items()}, meta)


def _zones(county: dict[str, gpd.GeoDataFrame], with_zones: bool) -> dict[str, Any]:
    return {z: (np.asarray(county[z].geometry.array, dtype=object) if with_zones else None) for z in ZONES}


@pytest.mark.parametrize("variant", ["compliant", "violating"])
@pytest.mark.parametrize("with_zones", [True, False])
def test_to_dict_is_the_stored_json_shape(county, golden, variant: str, with_zones: bool) -> None:
    analysis = analyse_plan(county[DLTB], _zones(county, with_zones), _plan(county, variant), EPSG)
    assert analysis.result is not None
    stored = json.loads(json.dumps(analysis.result.to_dict(), ensure_ascii=False))
    want = golden[f"{variant}{'' if with_zones else '_no_zones'}"]
    assert stored == want
    # Same keys in the same order, so the stored text of a plan version does not change either.
    assert json.dumps(stored, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
    assert analysis.indicators == want


def test_indicators_from_states_without_a_plan_yaml(county, golden) -> None:
    """Acceptance recomputes the land indicators from the parcels alone: no plan.yaml, no meta."""
    plan = _plan(county, "compliant")
    before = before_state(county[DLTB], list(plan.layers[ZZQY].geometry.array), EPSG)
    after = after_state_of(before, plan_parcels(plan), DEFAULT_TABLE)
    result = indicators_from_states(
        before,
        after,
        permanent_farmland=_zones(county, True)["YJJBNTBHTB"],
        adjustment=plan.layer(YJJBNTTZTB),
    ).to_dict()
    want = golden["compliant"]
    for family in ("area", "landuse", "cultivated", "construction", "fields", "ecology", "linkage", "homesteads"):
        assert result[family] == want[family], family
    assert result["permanent_farmland"] == want["permanent_farmland"]
    # What only plan.yaml states is empty, not invented.
    assert result["investment"]["total_wan"] == 0
    assert result["investment"]["funding_given"] is False
    assert result["years"] is None
    assert result["households_benefited"] is None


def test_result_families_are_frozen(county) -> None:
    analysis = analyse_plan(county[DLTB], _zones(county, False), _plan(county, "compliant"), EPSG)
    assert analysis.result is not None
    with pytest.raises(AttributeError):
        analysis.result.cultivated.new_rate = 1.0  # type: ignore[misc]


def regenerate() -> None:
    """Rewrite the golden file from the current code: run after adding an indicator, then check that
    ``git diff tests/data/plan_indicators_golden.json`` adds the new keys and changes nothing else."""
    county = generate_county("530124", features=1500, seed=3, epsg=EPSG)
    out: dict[str, Any] = {}
    for variant in ("compliant", "violating"):
        for with_zones in (True, False):
            analysis = analyse_plan(county[DLTB], _zones(county, with_zones), _plan(county, variant), EPSG)
            assert analysis.result is not None
            out[f"{variant}{'' if with_zones else '_no_zones'}"] = analysis.result.to_dict()
    GOLDEN.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    regenerate()
