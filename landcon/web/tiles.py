"""Vector-tile endpoints of the web map (FastAPI router; the app adds authentication when it
includes the router, which leaves the signed-in user in ``request.state.current``). A dataset the
user may not read (``services.dataset_access``) answers 404 like a missing one.

- ``GET /tiles/{dataset}/{layer}/{z}/{x}/{y}.mvt`` — one Mapbox Vector Tile
  (``application/vnd.mapbox-vector-tile``); 204 when the tile has no feature.
- ``GET /tiles/{dataset}/layers.json`` — per layer: title, feature count, zoom range, lon/lat
  bounds and fields with Chinese titles (legends, popups, fitting the map).

Errors are ``{"error": message}``: 404 for an unknown dataset, 400 for anything else the
request got wrong (unknown layer, z/x/y outside the grid). Building a tile runs in FastAPI's thread
pool (its geometry work releases the GIL); cached tiles are answered directly.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from landcon.errors import DatasetNotFound, LandconError, NotFound
from landcon.services import datasets
from landcon.services import tiles as tile_service

__all__ = ["CACHE_CONTROL", "MEDIA_TYPE", "router"]

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "private, max-age=3600"

router = APIRouter()


def _error(exc: LandconError) -> JSONResponse:
    status = 404 if isinstance(exc, DatasetNotFound | NotFound) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


def _integer(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise LandconError(f"瓦片坐标 {name} 应为整数 / tile {name} must be an integer: {value!r}") from None


def _may_read(request: Request, dataset: str) -> None:
    """Refuse (``DatasetNotFound``) a dataset outside the signed-in user's reach."""
    datasets.manifest(dataset, request.state.current.actor)


@router.get("/tiles/{dataset}/layers.json")
def tile_layers(request: Request, dataset: str) -> Response:
    """Layers of ``dataset`` for the map page (see module docstring)."""
    try:
        _may_read(request, dataset)
        info = tile_service.layer_info(dataset)
    except LandconError as exc:
        return _error(exc)
    return JSONResponse(info, headers={"Cache-Control": "private, no-cache"})


@router.get("/tiles/{dataset}/{layer}/{z}/{x}/{y}.mvt")
async def vector_tile(request: Request, dataset: str, layer: str, z: str, x: str, y: str) -> Response:
    """Tile z/x/y of ``layer`` of ``dataset`` (204 when it is empty). A cached tile is answered on
    the event loop; one that must be built goes to the thread pool."""
    try:
        _may_read(request, dataset)
        zi, xi, yi = _integer("z", z), _integer("x", x), _integer("y", y)
        content = tile_service.cached_tile(dataset, layer, zi, xi, yi)
        if content is None:
            content = await run_in_threadpool(tile_service.tile, dataset, layer, zi, xi, yi)
    except LandconError as exc:
        return _error(exc)
    headers = {"Cache-Control": CACHE_CONTROL}
    if not content:
        return Response(status_code=204, headers=headers)
    return Response(content, media_type=MEDIA_TYPE, headers=headers)
