"""The home page (the province / county overview) and the reference outlines its map draws."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from landcon.services import org, overview, webauth
from landcon.web.common import User, page

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, cur: webauth.Current = User) -> Response:
    data = overview.overview(cur.actor)
    return page(request, "overview.html", cur, data=data)


@router.get("/reference/yunnan.geojson", include_in_schema=False)
def reference(cur: webauth.Current = User) -> Response:
    return Response(org.reference_outlines(), media_type="application/geo+json")
