"""Mapbox Vector Tile (MVT 2.1) encoding of tile-local geometries and their attributes.

Geometries come in tile coordinates — integers in ``0 … extent``, y pointing down — normally as
``engine.tiles.TilePolygons`` (rings open, deduplicated and oriented: exterior rings of positive
surveyor's-formula area, holes negative). The output is the protobuf of
``mapbox_vector_tile``'s ``vector_tile.proto`` (``mapbox_vector_tile.decode`` reads it).

A tile of a 三调 layer holds thousands of polygons; building one protobuf message per feature
and per attribute value in Python costs more than everything else together. So the protobuf is
written directly, with numpy: every feature's bytes are varints (field keys, lengths, packed
``tags``, packed ``geometry``), so a whole layer's features are one array of integers that is
varint-encoded in one go. Geometry commands (``MoveTo(1) dx dy  LineTo(k−1) dx dy …
ClosePath`` per ring, zig-zag deltas, the cursor carried across the rings of a feature and reset
to (0, 0) for each feature) are computed for all features at once. Attribute values are encoded
once per layer (``Attributes``: distinct values across all columns — a tile's ``values`` never
holds the same value twice — as ready ``Value`` messages in one byte pool); a tile gathers the
ones its features use. Points and lines, which the 三调 layers do not have, go through
``mapbox_vector_tile``'s per-vertex encoder. Missing values (None, NaN) are left out of a
feature's tags, as MVT has no null.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from mapbox_vector_tile.geom_encoder import GeometryEncoder

from landcon.engine.tiles import TilePolygons

__all__ = ["MEDIA_TYPE", "Attributes", "TileLayer", "encode", "polygon_commands"]

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"

# Geometry types (vector_tile.proto GeomType).
POINT, LINESTRING, POLYGON = 1, 2, 3

_MOVE_TO_1 = (1 << 3) | 1
_CLOSE_PATH = (1 << 3) | 7
_LINE_TO = 2
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_PUNTAL = (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT)


def _key(field: int, wire: int) -> int:
    return (field << 3) | wire


# Field keys of vector_tile.proto (wire type 0 varint, 1 64-bit, 2 length-delimited).
_TILE_LAYER = _key(3, 2)
_LAYER_NAME, _LAYER_FEATURE, _LAYER_KEY, _LAYER_VALUE = _key(1, 2), _key(2, 2), _key(3, 2), _key(4, 2)
_LAYER_EXTENT, _LAYER_VERSION = _key(5, 0), _key(15, 0)
_FEATURE_ID, _FEATURE_TAGS, _FEATURE_TYPE, _FEATURE_GEOMETRY = _key(1, 0), _key(2, 2), _key(3, 0), _key(4, 2)
_VALUE_STRING, _VALUE_DOUBLE, _VALUE_UINT, _VALUE_SINT, _VALUE_BOOL = (
    _key(1, 2),
    _key(3, 1),
    _key(5, 0),
    _key(6, 0),
    _key(7, 0),
)


# --------------------------------------------------------------------------- varints


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _varint_lengths(values: np.ndarray) -> np.ndarray:
    """Bytes of the varint of each (non-negative) value."""
    lengths = np.ones(len(values), dtype=np.int64)
    if len(values) == 0:
        return lengths
    largest = int(values.max())
    for k in range(1, 10):
        if largest < 1 << (7 * k):
            break
        lengths += values >= np.uint64(1 << (7 * k))
    return lengths


def _varints(values: np.ndarray) -> bytes:
    """The varints of ``values`` (non-negative integers), concatenated."""
    values = np.asarray(values).astype(np.uint64)
    if len(values) == 0:
        return b""
    lengths = _varint_lengths(values)
    starts = np.zeros(len(values), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    out = np.empty(int(lengths.sum()), dtype=np.uint8)
    for k in range(int(lengths.max())):
        more = lengths > k
        group = (values[more] >> np.uint64(7 * k)) & np.uint64(0x7F)
        continued = (lengths[more] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[more] + k] = (group | continued).astype(np.uint8)
    return out.tobytes()


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    before = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=before[1:])
    return np.repeat(starts - before, lengths) + np.arange(total, dtype=np.int64)


def _offsets(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


# --------------------------------------------------------------------------- attributes


def _plain(value: Any) -> Any:
    """A Python scalar MVT can store (str, bool, int, float)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str | bool | int | float):
        return value
    return str(value)


def _value_message(value: Any) -> bytes:
    """A ``tile.Value`` message framed as a layer's ``values`` field."""
    if type(value) is str:
        text = value.encode("utf-8")
        if len(text) < 126:  # the common case, one byte per length
            return bytes((_LAYER_VALUE, len(text) + 2, _VALUE_STRING, len(text))) + text
    value = _plain(value)
    if isinstance(value, bool):
        body = bytes([_VALUE_BOOL, int(value)])
    elif isinstance(value, int) and 0 <= value < 1 << 64:
        body = bytes([_VALUE_UINT]) + _varint(value)
    elif isinstance(value, int) and -(1 << 63) <= value < 0:
        body = bytes([_VALUE_SINT]) + _varint((value << 1) ^ (value >> 63))
    elif isinstance(value, float):
        body = bytes([_VALUE_DOUBLE]) + struct.pack("<d", value)
    else:
        text = str(value).encode("utf-8")
        body = bytes([_VALUE_STRING]) + _varint(len(text)) + text
    return bytes([_LAYER_VALUE]) + _varint(len(body)) + body


@dataclass(frozen=True)
class Attributes:
    """Attribute columns of a layer encoded once for many tiles.

    ``codes[i, j]`` is the index of feature i's value of column ``keys[j]`` among the layer's
    distinct values (-1: no value); value v's framed ``Value`` message is
    ``pool[offsets[v]:offsets[v + 1]]``. Equal values of different columns share an index.
    """

    keys: tuple[str, ...]
    codes: np.ndarray
    pool: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_columns(cls, columns: Mapping[str, Sequence[Any] | np.ndarray | pd.Series]) -> Attributes:
        """Factorise plain columns (one value per feature; None, NaN and pd.NA are missing).

        Float columns are encoded with numpy (a ``double_value`` message is always 11 bytes);
        other values one by one."""
        keys = tuple(columns)
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"attribute columns differ in length: {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
        codes = np.full((n, len(keys)), -1, dtype=np.int64)
        messages: dict[bytes, int] = {}
        floats: list[tuple[int, np.ndarray, np.ndarray]] = []
        for j, name in enumerate(keys):
            column = columns[name]
            local, uniques = pd.factorize(pd.Series(column, dtype=object) if isinstance(column, list) else column)
            local = np.asarray(local, dtype=np.int64)
            valid = local >= 0
            values = np.asarray(uniques)
            if values.dtype.kind == "f":
                floats.append((j, local, values.astype("<f8")))
                continue
            mapping = np.empty(len(uniques), dtype=np.int64)
            for u, value in enumerate(uniques.tolist()):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    mapping[u] = -1
                    continue
                mapping[u] = messages.setdefault(_value_message(value), len(messages))
            codes[valid, j] = mapping[local[valid]]
        framed = list(messages)
        pieces = [np.frombuffer(b"".join(framed), dtype=np.uint8)]
        sizes = [np.array([len(m) for m in framed], dtype=np.int64)]
        if floats:
            distinct, inverse = np.unique(np.concatenate([v for _, _, v in floats]), return_inverse=True)
            base, start = len(framed), 0
            for j, local, values in floats:
                ids = base + inverse[start : start + len(values)]
                start += len(values)
                valid = local >= 0
                codes[valid, j] = ids[local[valid]]
            block = np.empty((len(distinct), 11), dtype=np.uint8)
            block[:, 0], block[:, 1], block[:, 2] = _LAYER_VALUE, 9, _VALUE_DOUBLE
            block[:, 3:] = distinct.astype("<f8").view(np.uint8).reshape(-1, 8)
            pieces.append(block.reshape(-1))
            sizes.append(np.full(len(distinct), 11, dtype=np.int64))
        return cls(keys, codes, np.concatenate(pieces), _offsets(np.concatenate(sizes)))

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, rows: np.ndarray) -> Attributes:
        """The attributes of features ``rows`` (sharing the value pool)."""
        return Attributes(self.keys, self.codes[np.asarray(rows, dtype=np.int64)], self.pool, self.offsets)


# --------------------------------------------------------------------------- geometry


def polygon_commands(polygons: TilePolygons) -> tuple[np.ndarray, np.ndarray]:
    """MVT geometry commands of every feature of a tile's polygons at once.

    Per ring: ``MoveTo(1) dx dy  LineTo(k−1) dx dy …  ClosePath`` (the rings of ``TilePolygons``
    are open, deduplicated and oriented already); deltas are zig-zag encoded
    (``(d << 1) ^ (d >> 63)``) and taken from the previous vertex of the same feature — from
    (0, 0) for its first vertex. Returns the flat commands and the offsets (one per feature + 1)
    of each feature's commands among them.
    """
    points = np.asarray(polygons.coords, dtype=np.int64)
    ring_offsets = np.asarray(polygons.ring_offsets, dtype=np.int64)
    feature_offsets = np.asarray(polygons.feature_offsets, dtype=np.int64)
    n_rings = len(ring_offsets) - 1
    n_features = len(feature_offsets) - 1
    counts = np.diff(ring_offsets)
    point_ring = np.repeat(np.arange(n_rings), counts)
    ring_feature = np.repeat(np.arange(n_features), np.diff(feature_offsets))
    previous = np.zeros_like(points)
    previous[1:] = points[:-1]
    previous[ring_offsets[:-1][feature_offsets[:-1][np.diff(feature_offsets) > 0]]] = 0
    delta = points - previous
    zigzag = (delta << 1) ^ (delta >> 63)
    ring_length = 2 * counts + 3
    ring_start = _offsets(ring_length)[:-1]
    out = np.empty(int(ring_length.sum()), dtype=np.int64)
    out[ring_start] = _MOVE_TO_1
    out[ring_start + 3] = ((counts - 1) << 3) | _LINE_TO
    out[ring_start + 2 * counts + 2] = _CLOSE_PATH
    rank = np.arange(len(points)) - ring_offsets[:-1][point_ring]
    position = ring_start[point_ring] + 1 + 2 * rank + (rank > 0)
    out[position] = zigzag[:, 0]
    out[position + 1] = zigzag[:, 1]
    per_feature = np.bincount(ring_feature, weights=ring_length, minlength=n_features).astype(np.int64)
    return out, _offsets(per_feature)


def _geometry_commands(geoms: TilePolygons | np.ndarray, extent: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Commands of every feature (flat + offsets) and each feature's MVT geometry type."""
    if isinstance(geoms, TilePolygons):
        commands, offsets = polygon_commands(geoms)
        return commands, offsets, np.full(len(geoms), POLYGON, dtype=np.int64)
    # Plain shapely geometries in tile coordinates: mapbox_vector_tile's own encoder.
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    flat: list[int] = []
    ends = [0]
    for geom in oriented:
        if geom is not None and not geom.is_empty:
            flat.extend(GeometryEncoder(True, extent).encode(geom))
        ends.append(len(flat))
    type_ids = shapely.get_type_id(oriented)
    types = np.where(np.isin(type_ids, _POLYGONAL), POLYGON, np.where(np.isin(type_ids, _PUNTAL), POINT, LINESTRING))
    return np.asarray(flat, dtype=np.int64), np.asarray(ends, dtype=np.int64), types


# --------------------------------------------------------------------------- tile


@dataclass(frozen=True)
class TileLayer:
    """One layer of a tile: geometries in tile coordinates (``TilePolygons``, or shapely
    geometries), attributes (``Attributes`` of exactly these features, or plain columns) and
    optional non-negative integer feature ids."""

    name: str
    geometries: TilePolygons | np.ndarray | Sequence[shapely.Geometry]
    attributes: Attributes | Mapping[str, Sequence[Any]] | None = None
    ids: np.ndarray | Sequence[int] | None = None


def _layer_bytes(layer: TileLayer, extent: int) -> bytes | None:
    geoms = (
        layer.geometries
        if isinstance(layer.geometries, TilePolygons)
        else np.asarray(layer.geometries, dtype=object).reshape(-1)
    )
    commands, geometry_offsets, types = _geometry_commands(geoms, extent)
    drawn = np.diff(geometry_offsets) > 0  # a feature without geometry is left out
    if not drawn.any():
        return None
    attributes = layer.attributes
    if attributes is None:
        attributes = Attributes.from_columns({})
    elif not isinstance(attributes, Attributes):
        attributes = Attributes.from_columns(attributes)
    n = len(types)
    if not attributes.keys:
        codes = np.full((n, 0), -1, dtype=np.int64)
    elif len(attributes.codes) != n:
        raise ValueError(f"layer {layer.name}: {len(attributes.codes)} attribute rows for {n} features")
    else:
        codes = attributes.codes
    ids = None if layer.ids is None else np.asarray(layer.ids, dtype=np.int64)
    if ids is not None and (len(ids) != n or (ids < 0).any()):
        raise ValueError(f"layer {layer.name}: feature ids must be {n} non-negative integers")
    if not drawn.all():
        keep = np.flatnonzero(drawn)
        points = _ranges(geometry_offsets[:-1][keep], geometry_offsets[1:][keep])
        commands = commands[points]
        geometry_offsets = _offsets(np.diff(geometry_offsets)[keep])
        types, codes = types[keep], codes[keep]
        ids = None if ids is None else ids[keep]
        n = len(keep)

    # Keys and values actually used by these features, renumbered from 0.
    valid = codes >= 0
    used_columns = np.flatnonzero(valid.any(axis=0))
    codes, valid = codes[:, used_columns], valid[:, used_columns]
    used_values = np.unique(codes[valid])
    tag_values = np.searchsorted(used_values, np.where(valid, codes, used_values[0] if len(used_values) else 0))
    pairs = np.empty((n, 2 * len(used_columns)), dtype=np.int64)
    pairs[:, 0::2] = np.arange(len(used_columns))
    pairs[:, 1::2] = tag_values
    present = np.repeat(valid, 2, axis=1)
    tags = pairs[present]
    tag_offsets = _offsets(present.sum(axis=1))

    # Every feature is a run of varints: key, length, id, tags, type, geometry.
    tag_count = np.diff(tag_offsets)
    geometry_count = np.diff(geometry_offsets)
    tag_bytes = _offsets(_varint_lengths(tags.astype(np.uint64)))
    tag_bytes = tag_bytes[tag_offsets[1:]] - tag_bytes[tag_offsets[:-1]]
    geometry_bytes = _offsets(_varint_lengths(commands.astype(np.uint64)))
    geometry_bytes = geometry_bytes[geometry_offsets[1:]] - geometry_bytes[geometry_offsets[:-1]]
    head = 4 if ids is not None else 2
    message = (
        (1 + _varint_lengths(ids.astype(np.uint64)) if ids is not None else 0)
        + 1
        + _varint_lengths(tag_bytes.astype(np.uint64))
        + tag_bytes
        + 2
        + 1
        + _varint_lengths(geometry_bytes.astype(np.uint64))
        + geometry_bytes
    )
    sizes = head + 2 + tag_count + 2 + 2 + geometry_count
    start = _offsets(sizes)[:-1]
    stream = np.empty(int(sizes.sum()), dtype=np.int64)
    stream[start] = _LAYER_FEATURE
    stream[start + 1] = message
    if ids is not None:
        stream[start + 2] = _FEATURE_ID
        stream[start + 3] = ids
    stream[start + head] = _FEATURE_TAGS
    stream[start + head + 1] = tag_bytes
    stream[_ranges(start + head + 2, start + head + 2 + tag_count)] = tags
    after_tags = start + head + 2 + tag_count
    stream[after_tags] = _FEATURE_TYPE
    stream[after_tags + 1] = types
    stream[after_tags + 2] = _FEATURE_GEOMETRY
    stream[after_tags + 3] = geometry_bytes
    stream[_ranges(after_tags + 4, after_tags + 4 + geometry_count)] = commands

    name = layer.name.encode("utf-8")
    keys = b"".join(
        bytes([_LAYER_KEY]) + _varint(len(k)) + k for k in (attributes.keys[j].encode("utf-8") for j in used_columns)
    )
    values = attributes.pool[_ranges(attributes.offsets[used_values], attributes.offsets[used_values + 1])].tobytes()
    return b"".join(
        [
            bytes([_LAYER_NAME]),
            _varint(len(name)),
            name,
            _varints(stream),
            keys,
            values,
            bytes([_LAYER_EXTENT]),
            _varint(extent),
            bytes([_LAYER_VERSION, 2]),
        ]
    )


def encode(layers: Sequence[TileLayer], *, extent: int = 4096) -> bytes:
    """Encode ``layers`` as one MVT tile (protobuf bytes). Layers without features are left out;
    a tile without any feature is ``b""`` (serve it as an empty response)."""
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"layer names must be unique and not empty: {names}")
    out = []
    for layer in layers:
        if len(layer.geometries) == 0:
            continue
        content = _layer_bytes(layer, extent)
        if content is not None:
            out.append(bytes([_TILE_LAYER]) + _varint(len(content)) + content)
    return b"".join(out)
