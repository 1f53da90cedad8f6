"""权属调整 (tenure adjustment): value-equivalent reallocation of consolidated field blocks to households.

* ``params``   — the configurable values (quality coefficients, tolerance, deduction, width, price);
* ``assign``   — the assignment MIP (HiGHS) and its independent value checker;
* ``layout``   — strips cut along each block's road side, and the road side itself;
* ``geocheck`` — the checker of any allocation drawn as polygons (areas from the geometry);
* ``indices``  — fragmentation indices, settlement, masked names.
"""

from landcon.engine.realloc.assign import (
    FEASIBILITY_TOLERANCE,
    Assignment,
    Block,
    Household,
    assign,
    capacity_gap,
    check_assignment,
    entitlement,
    pieces_per_household,
)
from landcon.engine.realloc.params import DEFAULT_QUALITY_COEF, Params, Weights, params_from_dict

__all__ = [
    "DEFAULT_QUALITY_COEF",
    "FEASIBILITY_TOLERANCE",
    "Assignment",
    "Block",
    "Household",
    "Params",
    "Weights",
    "assign",
    "capacity_gap",
    "check_assignment",
    "entitlement",
    "params_from_dict",
    "pieces_per_household",
]
