"""The supervision layer of the project map: sub-project outlines and site photo points as GeoJSON.

Outlines are stored in the plan's projected CGCS2000 zone (``SubProject.epsg``) and drawn in WGS84
like the plan layers (``projects.plan_geojson``); a photo's EXIF position is CGCS2000 longitude and
latitude (``engine.photos.GEOGRAPHIC_EPSG``), drawn as is (CGCS2000 and WGS84 differ by centimetres).
A photo without a position is drawn at a point inside its sub-project's outline with ``located``
false, so that it still shows on the map, marked as unplaced. Readable by whoever may read the
project (``project_access.get_project``: out of scope is "not found").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.geometry
from pyproj import Transformer
from sqlalchemy import select

from landcon.engine import photos as P
from landcon.services import records
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.supervision import reports_of
from landcon.store.models import SitePhoto, SubProject

WGS84 = 4326


def _lonlat(geometry: dict[str, Any], epsg: int) -> Any:
    to_wgs = Transformer.from_crs(epsg, WGS84, always_xy=True)
    return shapely.transform(
        shapely.geometry.shape(geometry), lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))
    )


def supervision_geojson(who: Actor, project_code: str) -> dict[str, Any]:
    """Features with ``kind`` ``sub_project`` (code, name, type, percent) and ``photo`` (id, sub-project,
    taken_at, status, status_name, flagged, located, distance_m, filename); sub-projects without an
    outline and unplaceable photos (no position, no outline) are left out."""
    features: list[dict[str, Any]] = []
    with records.read() as session:
        project = get_project(session, who, project_code)
        subs = session.scalars(
            select(SubProject).where(SubProject.project_id == project.id).order_by(SubProject.code)
        ).all()
        inside: dict[int, Any] = {}
        names: dict[int, tuple[str, str]] = {}
        for s in subs:
            names[s.id] = (s.code, s.name)
            if s.geometry is None or s.epsg is None:
                continue
            outline = _lonlat(s.geometry, int(s.epsg))
            inside[s.id] = shapely.point_on_surface(outline)
            reports = reports_of(session, s)
            last = max(reports, key=lambda r: (r.reported_on, r.id)) if reports else None
            props: dict[str, Any] = {"kind": "sub_project", "code": s.code, "name": s.name, "type": s.kind}
            props["percent"] = last.percent if last else 0.0
            features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(outline)})
        photos = session.scalars(
            select(SitePhoto).where(SitePhoto.sub_project_id.in_(list(names))).order_by(SitePhoto.id)
        ).all()
        for p in photos:
            located = p.lon is not None and p.lat is not None
            if p.lon is not None and p.lat is not None:
                point = shapely.Point(float(p.lon), float(p.lat))
            elif p.sub_project_id in inside:
                point = inside[p.sub_project_id]
            else:
                continue
            code, name = names[p.sub_project_id]
            photo: dict[str, Any] = {
                "kind": "photo",
                "id": p.id,
                "sub_project": code,
                "sub_project_name": name,
                "filename": p.filename,
                "taken_at": p.taken_at.isoformat() if p.taken_at else None,
                "status": p.status,
                "status_name": P.STATUS_NAMES[p.status],
                "flagged": p.status != P.ON_SITE,
                "located": located,
                "distance_m": p.distance_m,
            }
            features.append({"type": "Feature", "properties": photo, "geometry": shapely.geometry.mapping(point)})
    return {"type": "FeatureCollection", "features": features}
