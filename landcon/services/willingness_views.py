"""意愿调查 read models and files: the project page, the household form, the homestead map (GeoJSON in
WGS84), the paper forms (docx) and the summary table (xlsx). Scope as ``services.willingness``.

A homestead is placed from the household's 宅基地标识码 (BSM of a 0702 parcel in the project dataset's
DLTB: the parcel's polygon) or else from its X/Y (a point in the dataset's CRS); a household with
neither is not on the map (``unplaced``). Each feature carries the consent question's stance
(``agree`` / ``object`` / ``other`` answered otherwise / ``none`` not answered), code and name masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from landcon.engine import willingness as W
from landcon.engine.realloc.indices import mask_code, mask_name
from landcon.errors import NotFound, PermissionDenied
from landcon.services import records
from landcon.services import willingness as S
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import Questionnaire

HOMESTEAD_DLBM = "0702"  # 农村宅基地 (GB/T 21010-2017)
STANCES = {"agree": "同意", "object": "反对", "other": "其他回答", "none": "未回答"}


def page(who: Actor, code: str) -> dict[str, Any]:
    """The project's willingness page: results when a questionnaire exists, and what the actor may do."""
    with records.read() as session:
        project = get_project(session, who, code)
        has = session.scalars(select(Questionnaire.id).where(Questionnaire.project_id == project.id)).first()
        try:
            S.require_manage(session, who, project)
            may_manage = True
        except PermissionDenied:
            may_manage = False
        base = {"code": code, "name": project.name, "dataset": project.dataset, "may_manage": may_manage}
    if has is None:
        return base | {"results": None, "may_respond": False}
    households = S.list_households(who, code)
    return base | {
        "results": S.results(who, code),
        "may_respond": any(h["may_respond"] for h in households),
        "sources": W.SOURCES,
    }


def respond_list(who: Actor, code: str) -> dict[str, Any]:
    """The households the actor may answer for, grouped by village and group (the phone list)."""
    info = S.show(who, code)
    rows = [h for h in S.list_households(who, code) if h["may_respond"]]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in rows:
        groups.setdefault((h["village"], h["group"]), []).append(h)
    with records.read() as session:
        name = get_project(session, who, code).name
    return {
        "code": code,
        "name": name,
        "title": info["title"],
        "groups": [{"village": v, "group": g, "households": hs} for (v, g), hs in groups.items()],
        "done": sum(h["responded"] for h in rows),
        "total": len(rows),
    }


def form(who: Actor, code: str, key: int) -> dict[str, Any]:
    """One household's form: the questions and its current answers (code masked)."""
    with records.read() as session:
        project = get_project(session, who, code)
        q = S.questionnaire_of(session, project)
        h = S.find_household(session, q, key=key)
        S.require_respond(session, who, project, h)
        response = S.responses_of(session, q).get(h.id)
        return {
            "code": code,
            "name": project.name,
            "title": q.title,
            "questions": q.questions,
            "household": S.household_dict(h, response, public=True) | {"key": h.id},
            "respondent": response.respondent if response else "",
            "sources": W.SOURCES,
        }


def homesteads_geojson(who: Actor, code: str) -> dict[str, Any]:
    """The survey's homesteads in WGS84 coloured by the consent stance (module docstring)."""
    import geopandas as gpd
    import shapely

    from landcon import config
    from landcon.engine.layers import DLTB
    from landcon.store.datasets import DatasetStore

    with records.read() as session:
        project = get_project(session, who, code)
        q = S.questionnaire_of(session, project)
        members = S.households_of(session, q)
        answered = S.responses_of(session, q)
        consent = S.engine_questionnaire(q).consent
        dataset = project.dataset
    store = DatasetStore(config.data_dir())
    if not dataset or not store.exists(dataset):
        return {"type": "FeatureCollection", "features": [], "unplaced": len(members)}
    crs = store.manifest(dataset)["crs"].get(DLTB)
    wanted = {h.homestead_bsm for h in members if h.homestead_bsm}
    parcels: dict[str, Any] = {}
    if wanted:
        frame = store.read_layer(dataset, DLTB, columns=["BSM", "DLBM"])
        frame = frame[frame["BSM"].astype(str).isin(wanted) & frame["DLBM"].astype(str).str.startswith(HOMESTEAD_DLBM)]
        parcels = dict(zip(frame["BSM"].astype(str), frame.geometry, strict=True))
    rows, geoms = [], []
    for h in members:
        geom = parcels.get(h.homestead_bsm) if h.homestead_bsm else None
        if geom is None and h.x is not None and h.y is not None:
            geom = shapely.Point(h.x, h.y)
        if geom is None:
            continue
        response = answered.get(h.id)
        answer = response.answers.get(consent.key) if response and consent else None
        stance = "none" if response is None else (consent.stance(answer) if consent else None) or "other"
        rows.append(
            {
                "code": mask_code(h.code),
                "head": mask_name(h.head),
                "village": h.village_name,
                "group": h.group_name or S.UNGROUPED,
                "answer": answer if isinstance(answer, str) else None,
                "stance": stance,
                "stance_name": STANCES[stance],
            }
        )
        geoms.append(geom)
    if not rows:
        return {"type": "FeatureCollection", "features": [], "unplaced": len(members)}
    wgs = gpd.GeoSeries(geoms, crs=crs).to_crs(4326)
    features = [
        {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)}
        for props, g in zip(rows, wgs, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features, "unplaced": len(members) - len(rows)}


def forms_docx(who: Actor, code: str, out: str | Path, *, village: str | None = None) -> Path:
    """Paper forms for the households the actor may answer for (optionally one village code); a form
    goes round a village group, so 承包方编码 is masked on it."""
    from landcon.reports.willingness_docx import write_forms_docx

    info = S.show(who, code)
    rows = [
        h | {"code": mask_code(h["code"])} for h in S.list_households(who, code, village=village) if h["may_respond"]
    ]
    if not rows:
        raise NotFound(f"项目 {code} 没有 {who.unit_name} 可以调查的农户", feature=code)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in rows:
        groups.setdefault((h["village"], h["group"]), []).append(h)
    with records.read() as session:
        name = get_project(session, who, code).name
    return write_forms_docx(name, info, [(v, g, hs) for (v, g), hs in groups.items()], out)


def summary_xlsx(who: Actor, code: str, out: str | Path, *, public: bool = True) -> Path:
    """The willingness summary table for the plan (``reports.willingness_xlsx``)."""
    from landcon.reports.willingness_xlsx import write_summary_xlsx

    return write_summary_xlsx(S.results(who, code, public=public), out)
