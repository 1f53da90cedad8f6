"""Vector tiles (MVT) of a dataset's layers for the web map, built on demand and cached.

``tile(dataset, layer, z, x, y)`` returns the protobuf bytes of one XYZ tile (``b""`` when the
tile has no feature — the web answers 204). The tile holds one MVT layer named like the dataset
layer (``DLTB`` …) with the attributes the map needs (``TILE_FIELDS``); each feature's MVT id is
its row number in the layer.

How a tile is made:

1. **Disk cache** — ``<data dir>/tiles/<dataset>/<version>/<layer>/<z>/<x>/<y>.mvt``, where
   ``version`` is a hash of the manifest's ``imported_at`` and layer checksums: a re-imported
   dataset gets a new folder, so stale tiles are never served (the old folder is removed when
   the new version is first seen). Tiles are written atomically (temporary file +
   ``os.replace``); empty tiles are cached as empty files. The cache is bounded
   (``LANDCON_TILE_CACHE_MB``; oldest tiles deleted first, ``store.tilecache``); tiles outside
   the layer's extent (GeoParquet bbox) are answered empty without building or writing anything,
   and tiles above ``OVERZOOM_FROM`` are built but not cached.
2. **Layer index** — built once per (dataset, layer, version) and kept in memory in a small LRU
   (``INDEX_CACHE_SIZE`` = 4 entries): the layer is read from GeoParquet (geometry + the tile
   fields only), transformed once to EPSG:3857 (pyproj, vectorised with ``shapely.transform``),
   indexed by a ``shapely.STRtree``, and its attributes factorised (integer codes + distinct
   values) so a tile's attributes are gathered with numpy.
3. **Tile** — the tree gives the features whose envelope meets the tile grown by its buffer;
   ``engine.tiles.tile_polygons`` clips those crossing the border, simplifies, and snaps them to
   tile coordinates; ``reports.mvt.encode`` writes the protobuf.

Zoom range (``MIN_ZOOM``, ``OVERZOOM_FROM``): below a layer's minimum zoom its tiles are empty
at once, without reading anything. Measured on a synthetic 290 000-feature county (40 × 40 km):
the DLTB tile at the county's centre is 1.9 MB and takes 0.3–0.5 s at zoom 12, 0.6 MB / 50–95 ms
at zoom 13 and ≤ 0.4 MB / ≤ 0.1 s at zoom 14 — so DLTB starts at zoom 13 (a tile ≈ 4.4 km wide at
25°N). YJJBNTBHTB (thousands of farmland patches: one 0.75 MB, 0.34 s tile for a whole county at
zoom 8) starts at zoom 11 (0.3 MB, 45 ms); the zone layers with few large polygons (XZQ, CJDCQ,
STBHHX, CZKFBJ) at zoom 8. Tiles exist up to zoom 22, but a zoom-16 tile resolves 0.15 m
(611 m / 4096 at the equator, less at 25°N): ``layer_info`` tells the map to stop at 16 and
overzoom, which keeps the number of distinct tiles down.

Concurrency: FastAPI runs the sync tile endpoint in a thread pool. Shared state: the index LRU,
a cache of manifest facts and the tiles being built, behind one lock. An index is built by one
thread while others asking for the same layer wait for it (other layers are not blocked); a tile
asked for again while it is being built is built once (``render_once``). Tile building is
mostly numpy and GEOS but holds the GIL for part of the time, so at most ``RENDER_SLOTS`` (one
per core) tiles are built at once — with 20 building at once a 2-core machine built fewer tiles
per second than with one; cached tiles never wait. For more throughput run several server
processes (``uvicorn --workers N``): each builds its own indexes, and all share the disk cache,
whose writes are atomic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from landcon import config
from landcon.engine.layers import CJDCQ, CZKFBJ, DLTB, LAYER_TITLES, STANDARD_LAYERS, STBHHX, XZQ, YJJBNTBHTB
from landcon.engine.schema import SCHEMAS
from landcon.engine.tiles import EXTENT, PolygonSource, tile_bounds, tile_polygons, validate_tile
from landcon.errors import DatasetNotFound, InvalidRecord
from landcon.reports.mvt import Attributes, TileLayer, encode
from landcon.store import tilecache
from landcon.store.datasets import MANIFEST, DatasetStore
from landcon.store.layers import stored_columns, stored_geo_metadata

__all__ = [
    "BUFFER",
    "INDEX_CACHE_SIZE",
    "MAX_FIELDS",
    "MIN_ZOOM",
    "OVERZOOM_FROM",
    "RENDER_SLOTS",
    "TILE_FIELDS",
    "cache_path",
    "layer_info",
    "render_tile",
    "tile",
    "warm",
]

MIN_ZOOM: Mapping[str, int] = MappingProxyType({DLTB: 13, XZQ: 8, CJDCQ: 8, YJJBNTBHTB: 11, STBHHX: 8, CZKFBJ: 8})
"""Lowest zoom at which a layer's tiles have features (see the module docstring)."""

OVERZOOM_FROM = 16
"""Highest zoom a map needs to request (``maxzoom`` of the map source); it overzooms beyond."""

DEFAULT_MIN_ZOOM = 8
"""Minimum zoom of a non-standard layer."""

TILE_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {DLTB: ("BSM", "DLBM", "DLMC", "ZLDWMC", "TBMJ", "TBDLMJ", "GDDB", "GDPDJB")}
)
"""Attributes put in the tiles of a layer (those the layer has); other layers: every attribute,
at most ``MAX_FIELDS``."""

MAX_FIELDS = 10
BUFFER = 64
"""Tile buffer in tile units (of 4096): features are clipped 64/4096 of a tile outside it."""

INDEX_CACHE_SIZE = 4
"""Layer indexes kept in memory (least recently used dropped first)."""

_MANIFEST_CACHE_SIZE = 64
_GEOMETRY_COLUMNS = frozenset({"geometry", "bbox"})


# --------------------------------------------------------------------------- dataset facts


@dataclass(frozen=True)
class _DatasetFacts:
    """What a tile request needs from a manifest; cached per manifest file state."""

    version: str
    layers: Mapping[str, Mapping[str, Any]]
    crs: Mapping[str, str]


def _version(manifest: Mapping[str, Any]) -> str:
    """16 hex digits identifying one import of a dataset (its time and its layer files)."""
    layers = manifest.get("layers", {})
    material = {
        "imported_at": manifest.get("imported_at"),
        "layers": {name: entry.get("sha256") for name, entry in sorted(layers.items())},
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _min_zoom(layer: str) -> int:
    return MIN_ZOOM.get(layer, DEFAULT_MIN_ZOOM)


def _field_titles() -> dict[str, str]:
    """Chinese title of every field name in the standard schemas (the first one wins)."""
    titles: dict[str, str] = {}
    for specs in SCHEMAS.values():
        for spec in specs:
            titles.setdefault(spec.name, spec.title)
    return titles


_TITLES = MappingProxyType(_field_titles())


def _field_title(layer: str, name: str) -> str:
    for spec in SCHEMAS.get(layer, ()):
        if spec.name == name:
            return spec.title
    return _TITLES.get(name, name)


def _int_fields(layer: str) -> frozenset[str]:
    return frozenset(spec.name for spec in SCHEMAS.get(layer, ()) if spec.kind == "int")


def _select_fields(layer: str, available: Iterable[str]) -> list[str]:
    """The attributes a layer's tiles carry, in a stable order."""
    names = [str(n) for n in available if str(n) not in _GEOMETRY_COLUMNS]
    wanted = TILE_FIELDS.get(layer)
    if wanted is not None:
        present = set(names)
        return [name for name in wanted if name in present]
    return names[:MAX_FIELDS]


# --------------------------------------------------------------------------- layer index


@dataclass(frozen=True)
class _LayerIndex:
    """One layer ready for tiling: mercator geometries, their tree and factorised attributes."""

    source: PolygonSource
    tree: shapely.STRtree
    attributes: Attributes
    build_seconds: float

    @property
    def features(self) -> int:
        return len(self.source)


def _to_mercator(geoms: np.ndarray, crs: Any) -> np.ndarray:
    transformer = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(3857), always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, project)


def _attributes(layer: str, frame: pd.DataFrame, fields: list[str]) -> Attributes:
    """The tile attributes of every feature, encoded once. Integer fields of the standard that
    arrive as floats (a nullable integer read through a FileGDB / Shapefile) are written as
    integers."""
    ints = _int_fields(layer)
    columns: dict[str, pd.Series] = {}
    for name in fields:
        series = frame[name]
        if name in ints and pd.api.types.is_float_dtype(series):
            values = series.dropna()
            if bool((values == np.floor(values)).all()):
                series = series.astype("Int64")
        columns[name] = series
    return Attributes.from_columns(columns)


def _build_index(store: DatasetStore, dataset: str, layer: str) -> _LayerIndex:
    started = time.perf_counter()
    fields = _select_fields(layer, stored_columns(store.layer_path(dataset, layer)))
    frame = store.read_layer(dataset, layer, columns=fields)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    if frame.crs is not None:
        geoms = _to_mercator(geoms, frame.crs)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.all():  # the tree needs geometries; missing ones simply never match
        geoms = np.where(present, geoms, shapely.Polygon())
    attributes = _attributes(layer, frame, fields)
    del frame
    return _LayerIndex(
        PolygonSource.from_geometries(geoms), shapely.STRtree(geoms), attributes, time.perf_counter() - started
    )


_Key = tuple[str, str, str, str]  # data dir, dataset, layer, version


class _State:
    """The per-process caches (index LRU, manifest facts) behind one lock."""

    def __init__(self, capacity: int = INDEX_CACHE_SIZE) -> None:
        self.capacity = capacity
        self.lock = threading.Lock()
        self.indexes: OrderedDict[_Key, _LayerIndex] = OrderedDict()
        self.building: dict[_Key, threading.Lock] = {}
        self.facts: OrderedDict[tuple[str, str], tuple[tuple[int, int, int], _DatasetFacts]] = OrderedDict()
        self.rendering: dict[Path, Future[bytes]] = {}

    def render_once(self, path: Path, render: Callable[[], bytes]) -> bytes:
        """Build the tile cached at ``path`` once however many ask for it at the same time (map
        clients panning together request the same tiles): later callers wait for the first."""
        with self.lock:
            pending = self.rendering.get(path)
            mine = pending is None
            if pending is None:
                pending = self.rendering[path] = Future()
        if not mine:
            return pending.result()
        try:
            content = render()
        except BaseException as exc:
            pending.set_exception(exc)
            raise
        else:
            pending.set_result(content)
            return content
        finally:
            with self.lock:
                self.rendering.pop(path, None)

    def index(self, key: _Key, build: Callable[[], _LayerIndex]) -> _LayerIndex:
        """The index for ``key``, built at most once at a time (callers for the same key wait)."""
        with self.lock:
            hit = self.indexes.get(key)
            if hit is not None:
                self.indexes.move_to_end(key)
                return hit
            gate = self.building.setdefault(key, threading.Lock())
        with gate:
            with self.lock:
                hit = self.indexes.get(key)
                if hit is not None:
                    self.indexes.move_to_end(key)
                    return hit
            try:
                built = build()
            except BaseException:
                with self.lock:
                    self.building.pop(key, None)
                raise
            with self.lock:  # published and gate removed at once: nobody builds it twice
                for other in [k for k in self.indexes if k[:3] == key[:3] and k != key]:
                    del self.indexes[other]  # an older import of the same layer
                self.indexes[key] = built
                while len(self.indexes) > self.capacity:
                    self.indexes.popitem(last=False)
                self.building.pop(key, None)
            return built

    def dataset_facts(self, root: Path, store: DatasetStore, dataset: str) -> _DatasetFacts:
        """Manifest facts, re-read only when ``manifest.json`` changed (a re-import)."""
        if not store.exists(dataset):
            raise DatasetNotFound(f"数据集 {dataset} 不存在 / dataset {dataset} does not exist")
        path = store.folder / dataset / MANIFEST
        try:
            st = path.stat()
        except FileNotFoundError as exc:
            raise DatasetNotFound(f"数据集 {dataset} 不存在 / dataset {dataset} does not exist") from exc
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        key = (str(root), dataset)
        with self.lock:
            cached = self.facts.get(key)
            if cached is not None and cached[0] == signature:
                self.facts.move_to_end(key)
                return cached[1]
        manifest = store.manifest(dataset)
        facts = _DatasetFacts(
            _version(manifest),
            MappingProxyType(dict(manifest.get("layers", {}))),
            MappingProxyType({str(k): str(v) for k, v in manifest.get("crs", {}).items()}),
        )
        with self.lock:
            previous = self.facts.get(key)
            self.facts[key] = (signature, facts)
            self.facts.move_to_end(key)
            while len(self.facts) > _MANIFEST_CACHE_SIZE:
                self.facts.popitem(last=False)
        if previous is None or previous[1].version != facts.version:
            _remove_old_versions(root, dataset, facts.version)
        return facts


_STATE = _State()

RENDER_SLOTS = max(1, min(os.cpu_count() or 1, 4))
"""Tiles built at the same time (one per core). More threads only fight over the GIL: with 20
requests building at once, a 2-core machine built fewer tiles per second than one thread alone;
the others wait here, in turn, and cached tiles never wait."""
_RENDER_SLOTS = threading.BoundedSemaphore(RENDER_SLOTS)


# --------------------------------------------------------------------------- disk cache


def _tiles_root(root: Path, dataset: str) -> Path:
    return root / "tiles" / dataset


def cache_path(dataset: str, layer: str, z: int, x: int, y: int) -> Path:
    """Where tile z/x/y of ``layer`` of ``dataset`` (its current import) is cached on disk."""
    root = config.data_dir()
    store = DatasetStore(root)
    facts = _STATE.dataset_facts(root, store, dataset)
    return _tile_file(root, dataset, facts.version, layer, z, x, y)


def _tile_file(root: Path, dataset: str, version: str, layer: str, z: int, x: int, y: int) -> Path:
    return _tiles_root(root, dataset) / version / layer / str(z) / str(x) / f"{y}.mvt"


def _remove_old_versions(root: Path, dataset: str, version: str) -> None:
    """Remove cached tiles of earlier imports: renamed aside at once, deleted in the background."""
    folder = _tiles_root(root, dataset)
    if not folder.is_dir():
        return
    doomed: list[Path] = []
    for entry in folder.iterdir():
        if entry.name == version or not entry.is_dir():
            continue
        if entry.name.startswith(".del-"):
            doomed.append(entry)
            continue
        aside = folder / f".del-{entry.name}-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(OSError):
            os.rename(entry, aside)
            doomed.append(aside)
    if doomed:

        def remove() -> None:
            for path in doomed:
                shutil.rmtree(path, ignore_errors=True)

        threading.Thread(target=remove, name="landcon-tiles-cleanup", daemon=True).start()


def _read_cached(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _write_cached(root: Path, path: Path, content: bytes) -> None:
    """Write atomically, within the cache's size bound (``store.tilecache``); best effort."""
    tilecache.write(root / "tiles", path, content, config.tile_cache_max_bytes())


_EXTENTS: dict[tuple[str, str, str, str], tuple[float, float, float, float] | None] = {}
_EXTENTS_LOCK = threading.Lock()


def _mercator_extent(root: Path, store: DatasetStore, dataset: str, layer: str, facts: _DatasetFacts) -> Any:
    """The layer's bounds in EPSG:3857 from its GeoParquet metadata (``None``: unknown), per version."""
    key = (str(root), dataset, layer, facts.version)
    with _EXTENTS_LOCK:
        if key in _EXTENTS:
            return _EXTENTS[key]
    lonlat = _lonlat_bounds(store.layer_path(dataset, layer), facts.crs.get(layer))
    extent = None
    if lonlat is not None:
        to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
        lat = max(-85.05112878, min(85.05112878, lonlat[1])), max(-85.05112878, min(85.05112878, lonlat[3]))
        x0, y0 = to_merc.transform(lonlat[0], lat[0])
        x1, y1 = to_merc.transform(lonlat[2], lat[1])
        extent = (float(x0), float(y0), float(x1), float(y1))
    with _EXTENTS_LOCK:
        if len(_EXTENTS) > 256:
            _EXTENTS.clear()
        _EXTENTS[key] = extent
    return extent


def _outside(extent: Any, z: int, x: int, y: int) -> bool:
    """Whether tile z/x/y, grown by its buffer, misses the layer's extent (then it is empty)."""
    if extent is None:
        return False
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    pad = BUFFER * (maxx - minx) / EXTENT
    return bool(maxx + pad < extent[0] or minx - pad > extent[2] or maxy + pad < extent[1] or miny - pad > extent[3])


# --------------------------------------------------------------------------- public API


def _check_layer(dataset: str, layer: str, facts: _DatasetFacts) -> None:
    if layer not in facts.layers:
        available = "、".join(facts.layers) or "无"
        raise InvalidRecord(
            f"数据集 {dataset} 中没有图层 {layer}（有：{available}） / dataset {dataset} has no layer {layer}",
            layer=str(layer),
        )


def _check_tile(z: int, x: int, y: int) -> None:
    try:
        validate_tile(z, x, y)
    except ValueError as exc:
        raise InvalidRecord(f"瓦片坐标无效 / invalid tile {z}/{x}/{y}: {exc}") from exc


def _layer_index(root: Path, store: DatasetStore, dataset: str, layer: str, facts: _DatasetFacts) -> _LayerIndex:
    return _STATE.index((str(root), dataset, layer, facts.version), lambda: _build_index(store, dataset, layer))


def render_tile(index: _LayerIndex, layer: str, z: int, x: int, y: int) -> bytes:
    """Encode tile z/x/y of an index (no cache); ``b""`` when no feature reaches the tile."""
    bounds = tile_bounds(z, x, y)
    minx, miny, maxx, maxy = bounds
    pad = BUFFER * (maxx - minx) / EXTENT
    candidates = index.tree.query(shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad))
    if len(candidates) == 0:
        return b""
    polygons = tile_polygons(index.source, candidates, bounds, extent=EXTENT, buffer=BUFFER)
    if len(polygons) == 0:
        return b""
    rows = polygons.rows
    return encode([TileLayer(layer, polygons, index.attributes.take(rows), ids=rows)], extent=EXTENT)


def tile(dataset: str, layer: str, z: int, x: int, y: int) -> bytes:
    """MVT bytes of tile z/x/y of ``layer`` of ``dataset``; ``b""`` for a tile without features
    (also every tile below the layer's ``MIN_ZOOM``).

    Raises ``DatasetNotFound`` (no such dataset), ``InvalidRecord`` (no such layer, or z/x/y
    outside 0 ≤ z ≤ 22, 0 ≤ x, y < 2^z)."""
    _check_tile(z, x, y)
    root = config.data_dir()
    store = DatasetStore(root)
    facts = _STATE.dataset_facts(root, store, dataset)
    _check_layer(dataset, layer, facts)
    if z < _min_zoom(layer):
        return b""
    path = _tile_file(root, dataset, facts.version, layer, z, x, y)
    cached = _read_cached(path)
    if cached is not None:
        return cached
    if _outside(_mercator_extent(root, store, dataset, layer, facts), z, x, y):
        return b""  # nothing to draw and nothing written: random far-away requests cost no disk

    def build() -> bytes:
        index = _layer_index(root, store, dataset, layer, facts)
        with _RENDER_SLOTS:
            content = render_tile(index, layer, z, x, y)
        if z <= OVERZOOM_FROM:  # the map overzooms beyond: deeper tiles are built, not cached
            _write_cached(root, path, content)
        return content

    return _STATE.render_once(path, build)


def cached_tile(dataset: str, layer: str, z: int, x: int, y: int) -> bytes | None:
    """The tile if it needs no building (cached on disk, or below the layer's minimum zoom), else
    ``None``: cheap enough to answer on the server's event loop without a worker thread."""
    _check_tile(z, x, y)
    root = config.data_dir()
    store = DatasetStore(root)
    facts = _STATE.dataset_facts(root, store, dataset)
    _check_layer(dataset, layer, facts)
    if z < _min_zoom(layer):
        return b""
    return _read_cached(_tile_file(root, dataset, facts.version, layer, z, x, y))


def warm(dataset: str, layer: str | None = None) -> dict[str, dict[str, Any]]:
    """Build (or find) the in-memory index of ``layer`` — of every layer when None — so the first
    tiles are fast. Returns per layer its feature count and index build time (0 when cached)."""
    root = config.data_dir()
    store = DatasetStore(root)
    facts = _STATE.dataset_facts(root, store, dataset)
    names = [layer] if layer is not None else _ordered(facts.layers)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        _check_layer(dataset, name, facts)
        started = time.perf_counter()
        index = _layer_index(root, store, dataset, name, facts)
        out[name] = {
            "features": index.features,
            "build_seconds": round(index.build_seconds, 3),
            "seconds": round(time.perf_counter() - started, 3),
        }
    return out


def _ordered(layers: Iterable[str]) -> list[str]:
    names = list(layers)
    return [n for n in STANDARD_LAYERS if n in names] + sorted(n for n in names if n not in STANDARD_LAYERS)


def _lonlat_bounds(path: Path, crs: str | None) -> list[float] | None:
    """The layer's bounds in degrees (west, south, east, north) from its GeoParquet metadata."""
    meta: dict[str, Any] = stored_geo_metadata(path)
    column = meta.get("columns", {}).get(meta.get("primary_column", "geometry"), {})
    bbox = column.get("bbox")
    source = crs or column.get("crs")
    if not bbox or source is None or len(bbox) != 4:
        return None
    transformer = Transformer.from_crs(CRS.from_user_input(source), CRS.from_epsg(4326), always_xy=True)
    west, south, east, north = transformer.transform_bounds(
        float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]), densify_pts=21
    )
    return [round(float(v), 7) for v in (west, south, east, north)]


def layer_info(dataset: str) -> dict[str, Any]:
    """What the map page needs to show ``dataset``: per layer (standard order) its title, feature
    count, zoom range (``min_zoom``; ``max_zoom`` = the source's maxzoom, overzoomed beyond),
    bounds in lon/lat (to fit the map) and tile fields with their Chinese titles (legends,
    popups); plus the bounds of the whole dataset and its ``version``, which changes with every
    import (add ``?v=<version>`` to tile URLs so browsers never reuse tiles of an older import).
    Reads only metadata."""
    root = config.data_dir()
    store = DatasetStore(root)
    facts = _STATE.dataset_facts(root, store, dataset)
    layers: dict[str, Any] = {}
    union: list[float] | None = None
    for name in _ordered(facts.layers):
        path = store.layer_path(dataset, name)
        fields = _select_fields(name, stored_columns(path))
        bounds = _lonlat_bounds(path, facts.crs.get(name))
        if bounds is not None:
            union = (
                bounds
                if union is None
                else [
                    min(union[0], bounds[0]),
                    min(union[1], bounds[1]),
                    max(union[2], bounds[2]),
                    max(union[3], bounds[3]),
                ]
            )
        layers[name] = {
            "title": LAYER_TITLES.get(name, name),
            "features": int(facts.layers[name].get("features", 0)),
            "min_zoom": _min_zoom(name),
            "max_zoom": OVERZOOM_FROM,
            "bounds": bounds,
            "fields": [{"name": f, "title": _field_title(name, f)} for f in fields],
        }
    return {"dataset": dataset, "version": facts.version, "bounds": union, "layers": layers}
