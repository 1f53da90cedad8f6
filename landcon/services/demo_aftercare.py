"""The demo's aftercare (后期管护): a 管护协议 over the accepted demo project's new farmland, kept by the
demo township's village collective, and one inspection with a site photo taken on the parcels.

Recorded only through ``services.aftercare`` and ``services.aftercare_inspections`` (the checks a user
meets); the JPEG carries EXIF GPS made by ``synth.photos``. Idempotent: an existing agreement is kept.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import select

from landcon.services import aftercare, aftercare_inspections, clock, records
from landcon.services.demo_supervision import lonlat
from landcon.store.models import CareAgreement, Project
from landcon.synth.photos import site_photo

AGREEMENT = "GH-001"


def seed_aftercare(code: str, township: str | None, *, inspector: str | None = None) -> dict[str, Any] | None:
    """Agreement ``GH-001`` over every new-farmland parcel of accepted project ``code``, kept for
    ``township``, and one inspection (正常) with a photo inside the parcels recorded by the account
    ``inspector`` (default: the demo township's reporter, the county supervisor without a township);
    ``None`` when the agreement exists."""
    author = records.actor("demo_author")
    with records.read() as session:
        project = session.scalars(select(Project).where(Project.code == code)).one()
        exists = session.scalars(
            select(CareAgreement.id).where(CareAgreement.project_id == project.id, CareAgreement.code == AGREEMENT)
        ).first()
    if exists is not None:
        return None
    today = clock.today()
    agreement = aftercare.add_agreement(
        author,
        code,
        AGREEMENT,
        caretaker_kind="村集体",
        caretaker="示例村股份经济合作社",
        contact="村委会",
        unit=township,
        duties="田块、田间道路与灌排设施日常维护；防止撂荒和非农化",
        start=today - dt.timedelta(days=30),
        end=today.replace(year=today.year + 3),
        funds_per_year=2.0,
        funds_source="县级财政",
        every=True,
    )
    with records.read() as session:
        row = session.scalars(select(CareAgreement).where(CareAgreement.code == AGREEMENT)).one()
        outline, epsg = shapely.geometry.shape(row.geometry), row.epsg
    spot = shapely.point_on_surface(outline)
    lon, lat = lonlat(spot.x, spot.y, epsg)
    day = today - dt.timedelta(days=5)
    by = records.actor(inspector or ("demo_township" if township else "demo_supervisor"))
    with tempfile.TemporaryDirectory(prefix="landcon-demo-care-") as tmp:
        photo = Path(tmp) / "管护巡查.jpg"
        photo.write_bytes(site_photo(lon, lat, dt.datetime.combine(day, dt.time(9, 0)), colour=(80, 150, 70)))
        inspection = aftercare_inspections.add_inspection(
            by,
            code,
            AGREEMENT,
            inspected_on=day,
            inspector="乡镇自然资源所巡查员",
            result="正常",
            findings="田块耕种正常，沟渠畅通",
            photos=[photo],
        )
    return {"agreement": agreement["code"], "area_m2": agreement["area_m2"], "inspection": inspection}
