"""Read the standard layers from any supported source, and write layers out in any format.

Sources (``read_layers``): a FileGDB folder (``.gdb``), a zipped FileGDB (``.gdb.zip``), a
GeoPackage, a single Shapefile, a folder of Shapefiles named by layer (``DLTB.shp`` …), a folder
of GeoParquet files named by layer (``DLTB.parquet`` …), a single GeoParquet file, or a ``.zip``
of any of these. Layers are found by their standard names, also as counties name them with the
county code or year (``DLTB5301242023.shp``, ``530124XZQ.shp``, ``DLTB_2023``; see
``engine.layers.recognise_layer_name``); two candidates for one standard layer are refused, naming
both; other layers are ignored.

Guarantees:

- the frame's CRS is the source's CRS exactly (``None`` when a Shapefile has no ``.prj``); data
  is never reprojected;
- single-part MultiPolygons (FileGDB, GeoPackage) become Polygons; true multi-parts stay;
- 0 where the standard lets a number be empty is read as empty (``engine.empty_values``);
- Shapefile text is decoded with, in this order: the ``encoding`` argument, the ``.cpg``, or the
  encoding detected from the DBF bytes (``detect_dbf_encoding``); bytes that do not decode, and
  decoded text that looks like mojibake (U+FFFD, C1 controls, runs of Latin-1 letters with no
  Chinese, e.g. ``Ë®Ìï`` for 水田), raise ``EncodingError`` naming file, layer, field and feature;
- zip archives are checked before use by ``store.zipsafe`` (paths inside, no symlinks, member
  count, declared total ≤ ``MAX_ZIP_BYTES``, compression ratio of every member; bytes counted
  while extracting; a bad CRC or broken deflate stream is an ``InputReadError``).
  FileGDB / GeoPackage members are read in place through GDAL ``/vsizip/``; archives holding
  Shapefiles or GeoParquet are extracted to a temporary folder that is always removed.

Writers (``write_layers``) create the output atomically (a temporary sibling, then a rename) and
never overwrite an existing output unless ``overwrite=True``.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import struct
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from landcon.engine.empty_values import blank_zeros
from landcon.engine.layers import canonical_layer_name, discover, normalise_columns, recognise_layer_name
from landcon.engine.text import looks_garbled
from landcon.errors import EncodingError, InputReadError, LandconError
from landcon.store import zipsafe
from landcon.store._atomic import remove, swap_in

__all__ = [
    "MAX_ZIP_BYTES",
    "SourceLayer",
    "detect_dbf_encoding",
    "list_source_layers",
    "read_any_layer",
    "read_layers",
    "write_layers",
]

MAX_ZIP_BYTES = 20 * 1024**3
"""Largest total uncompressed size of a zip archive accepted as input (20 GiB)."""

WriteFormat = Literal["gpkg", "gdb", "shp", "parquet"]

_PARQUET_SUFFIXES = (".parquet", ".geoparquet")
_GDB_GEOMETRY_FIELDS = frozenset({"SHAPE_LENGTH", "SHAPE_AREA"})
_DBF_CHUNK_ROWS = 65_536


@dataclass
class SourceLayer:
    """One standard layer as read from a source."""

    name: str
    """Standard name, e.g. ``DLTB``, ``YJJBNTBHTB``."""
    source_name: str
    """Layer or file name as found in the source, e.g. ``YJJBNTTB``, ``dltb.shp``."""
    path: str
    """The file the layer came from (the .gpkg / .gdb / .shp / .parquet; inside a zip:
    ``archive.zip/member``)."""
    frame: gpd.GeoDataFrame
    """Columns normalised (``engine.layers.normalise_columns``); ``.crs`` None if the source has none."""
    encoding: str | None
    """Text encoding used (Shapefiles: ``UTF-8``, ``GBK``, ``GB18030`` …), else None."""


# --------------------------------------------------------------------------------------------
# Finding the layers of a source


@dataclass
class _Candidate:
    """A layer of the source that may be a standard layer."""

    stem: str  # the name matched against the standard names
    source_name: str
    kind: Literal["ogr", "shp", "parquet"]
    location: str  # what is opened: a GDAL dataset path, a .shp path or a .parquet path
    layer: str | None  # layer inside a multi-layer dataset
    display: str  # the path shown to users
    is_gdb: bool = False


def _ogr_candidates(dataset: str, display: str, *, is_gdb: bool) -> list[_Candidate]:
    try:
        listed = pyogrio.list_layers(dataset)
    except Exception as exc:
        raise InputReadError(f"无法打开数据源 / cannot open the data source: {_short(exc)}", path=display) from exc
    return [_Candidate(str(name), str(name), "ogr", dataset, str(name), display, is_gdb=is_gdb) for name, _ in listed]


def _file_candidate(path: Path, display: str) -> _Candidate | None:
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return _Candidate(path.stem, path.name, "shp", str(path), None, display)
    if suffix in _PARQUET_SUFFIXES:
        return _Candidate(path.stem, path.name, "parquet", str(path), None, display)
    return None


def _directory_candidates(folder: Path, display: str) -> list[_Candidate]:
    """A folder of Shapefiles / GeoParquet files (and .gdb / .gpkg inside it), top level only."""
    found: list[_Candidate] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        shown = f"{display}/{entry.name}"
        if entry.is_dir() and entry.suffix.lower() == ".gdb":
            found += _ogr_candidates(str(entry), shown, is_gdb=True)
        elif entry.is_file() and entry.suffix.lower() == ".gpkg":
            found += _ogr_candidates(str(entry), shown, is_gdb=False)
        elif entry.is_file():
            candidate = _file_candidate(entry, shown)
            if candidate is not None:
                found.append(candidate)
    return found


def _zip_limits() -> zipsafe.Limits:
    return zipsafe.Limits(max_total=MAX_ZIP_BYTES)


def _zip_candidates(archive: Path, display: str, stack: contextlib.ExitStack) -> list[_Candidate]:
    """FileGDB and GeoPackage members are read in place (GDAL ``/vsizip/``); Shapefiles (which
    need their sidecars and DBF bytes) and GeoParquet files are extracted to a temporary folder."""
    members = zipsafe.check(archive, _zip_limits(), display)
    gdb_roots: list[str] = []
    flat_gdb = False  # the FileGDB's files at the archive's root (zipped from inside the .gdb)
    gpkgs: list[str] = []
    files: list[str] = []
    extract: list[zipfile.ZipInfo] = []
    for member in members:
        name = member.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        gdb_index = next((i for i, part in enumerate(parts) if part.lower().endswith(".gdb")), None)
        if gdb_index is not None:
            root = "/".join(parts[: gdb_index + 1])
            if root not in gdb_roots:
                gdb_roots.append(root)
        elif len(parts) == 1 and name.lower().endswith(".gdbtable"):
            flat_gdb = True
        elif name.lower().endswith(".gpkg"):
            gpkgs.append(name)
        else:
            extract.append(member)
            if name.lower().endswith((".shp", *_PARQUET_SUFFIXES)):
                files.append(name)
    vsi = f"/vsizip/{archive.resolve().as_posix()}"
    found: list[_Candidate] = []
    if flat_gdb and not gdb_roots:
        found += _ogr_candidates(vsi, display, is_gdb=True)
    for root in gdb_roots:
        found += _ogr_candidates(f"{vsi}/{root}", f"{display}/{root}", is_gdb=True)
    for name in gpkgs:
        found += _ogr_candidates(f"{vsi}/{name}", f"{display}/{name}", is_gdb=False)
    if files:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="landcon-zip-")))
        zipsafe.extract(archive, extract, tmp, _zip_limits(), display)
        for name in sorted(files):
            candidate = _file_candidate(tmp / name, f"{display}/{name}")
            if candidate is not None:
                found.append(candidate)
    return found


def _candidates(path: Path, stack: contextlib.ExitStack) -> list[_Candidate]:
    display = str(path)
    if not path.exists():
        raise InputReadError("路径不存在 / path does not exist", path=display)
    suffix = path.suffix.lower()
    if path.is_dir():
        if suffix == ".gdb":
            return _ogr_candidates(str(path), display, is_gdb=True)
        return _directory_candidates(path, display)
    if suffix == ".zip":
        return _zip_candidates(path, display, stack)
    if suffix == ".gpkg":
        return _ogr_candidates(str(path), display, is_gdb=False)
    candidate = _file_candidate(path, display)
    if candidate is not None:
        return [candidate]
    # Any other file GDAL can open (GeoJSON, FlatGeobuf …): layers named as GDAL names them.
    return _ogr_candidates(str(path), display, is_gdb=False)


def _shown(candidate: _Candidate) -> str:
    """A candidate as users see it: the file, and the layer inside a FileGDB / GeoPackage."""
    return f"{candidate.display}（图层 {candidate.source_name}）" if candidate.layer is not None else candidate.display


NAMING_HINT = (
    "请将图层或文件命名为 DLTB、XZQ、CJDCQ、YJJBNTBHTB（或 YJJBNTTB、YJJBNT）、STBHHX、CZKFBJ，"
    "可带县级代码或年份，如 DLTB5301242023.shp、530124XZQ.shp、DLTB_2023 / name the layers or files "
    "by their standard names, optionally with the county code or year (DLTB5301242023.shp, 530124XZQ.shp)"
)


def _select(candidates: list[_Candidate], display: str) -> dict[str, _Candidate]:
    """Standard name → candidate, by ``engine.layers.discover``; two candidates for one standard
    layer are refused, naming both."""
    by_stem: dict[str, _Candidate] = {}
    for candidate in candidates:
        other = by_stem.get(candidate.stem)
        if other is not None and recognise_layer_name(candidate.stem) is not None:
            raise InputReadError(
                f"图层 {candidate.stem} 出现多次（{_shown(other)}，{_shown(candidate)}），无法确定使用哪一个 / "
                f"layer {candidate.stem} found more than once; keep only one",
                path=display,
            )
        by_stem.setdefault(candidate.stem, candidate)
    discovery = discover(by_stem)
    for standard, stems in discovery.ambiguous.items():
        shown = "，".join(_shown(by_stem[stem]) for stem in stems)
        raise InputReadError(
            f"有 {len(stems)} 个图层都可作为 {standard}：{shown}；无法确定使用哪一个，请只保留一个 / "
            f"{len(stems)} layers could be {standard} ({', '.join(stems)}); keep only one",
            path=display,
            layer=standard,
        )
    return {standard: by_stem[stem] for standard, stem in discovery.found.items()}


def list_source_layers(path: str | Path) -> list[str]:
    """Raw names of every layer found at ``path`` (standard or not): layer names inside a
    FileGDB / GeoPackage, file names (``dltb.shp``, ``DLTB.parquet``) for file layers."""
    with contextlib.ExitStack() as stack:
        return [c.source_name for c in _candidates(Path(path), stack)]


def read_layers(
    path: str | Path,
    *,
    encoding: str | None = None,
    layers: Iterable[str] | None = None,
) -> dict[str, SourceLayer]:
    """Read every standard layer at ``path`` (see the module docstring for the sources).

    ``encoding`` forces the Shapefile text encoding (overrides the .cpg and detection).
    ``layers`` restricts the result to these standard names (aliases accepted); a requested
    layer that is missing raises ``InputReadError``.
    """
    source = Path(path)
    display = str(path)
    wanted: list[str] | None = None
    if layers is not None:
        wanted = []
        for name in layers:
            standard = canonical_layer_name(name)
            if standard is None:
                raise InputReadError(f"不是标准图层名 / not a standard layer name: {name}", path=display)
            wanted.append(standard)
    forced = _python_codec(encoding, display) if encoding else None
    with contextlib.ExitStack() as stack:
        candidates = _candidates(source, stack)
        selected = _select(candidates, display)
        if not selected:
            found = "、".join(c.source_name for c in candidates[:20]) or "无 / none"
            more = f" 等 {len(candidates)} 个" if len(candidates) > 20 else ""
            raise InputReadError(
                f"未找到标准图层；找到的图层或文件：{found}{more}。{NAMING_HINT}; no standard layer found",
                path=display,
            )
        if wanted is not None:
            missing = [name for name in wanted if name not in selected]
            if missing:
                raise InputReadError(
                    f"缺少图层 {'、'.join(missing)} / layer(s) not found: {', '.join(missing)}", path=display
                )
            selected = {name: selected[name] for name in wanted}
        return {name: _read_candidate(name, candidate, forced) for name, candidate in selected.items()}


def read_any_layer(path: str | Path, *, encoding: str | None = None) -> SourceLayer:
    """Read the one layer of a user-supplied file (a consolidation area, a list of polygons).

    Any source ``read_layers`` accepts; the file must hold exactly one layer (a GeoPackage or
    FileGDB with several layers is refused with their names), whatever the layer is called.
    """
    display = str(path)
    forced = _python_codec(encoding, display) if encoding else None
    with contextlib.ExitStack() as stack:
        candidates = _candidates(Path(path), stack)
        if len(candidates) != 1:
            found = "、".join(c.source_name for c in candidates[:20]) or "无 / none"
            raise InputReadError(
                f"应只含一个图层，实际：{found} / expected exactly one layer, found: {len(candidates)}",
                path=display,
            )
        candidate = candidates[0]
        return _read_candidate(candidate.source_name, candidate, forced)


def read_all_layers(path: str | Path, *, encoding: str | None = None) -> dict[str, SourceLayer]:
    """Every layer of a user-supplied source, keyed by its upper-case name (layer name, or file stem).

    For inputs that carry their own layers (a block layout with its roads, contract parcels); the
    caller picks by name and names what is missing."""
    display = str(path)
    forced = _python_codec(encoding, display) if encoding else None
    with contextlib.ExitStack() as stack:
        candidates = _candidates(Path(path), stack)
        if not candidates:
            raise InputReadError("没有图层 / no layer found", path=display)
        return {c.stem.upper(): _read_candidate(c.source_name, c, forced) for c in candidates}


# --------------------------------------------------------------------------------------------
# Reading one layer


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _read_candidate(name: str, candidate: _Candidate, forced: str | None) -> SourceLayer:
    used: str | None = None
    try:
        if candidate.kind == "parquet":
            frame = gpd.read_parquet(candidate.location)
        elif candidate.kind == "shp":
            used = _gdal_codec(_shapefile_encoding(candidate, forced))
            frame = pyogrio.read_dataframe(candidate.location, encoding=used, use_arrow=True)
        else:
            frame = pyogrio.read_dataframe(candidate.location, layer=candidate.layer, use_arrow=True)
    except LandconError as exc:
        if exc.path is None:  # e.g. a broken DBF header: name the file and layer
            raise type(exc)(exc.message, path=candidate.display, layer=name, field=exc.field) from exc
        raise
    except (UnicodeDecodeError, UnicodeError) as exc:
        raise EncodingError(
            f"文本无法按 {used} 解码，请用 --encoding 指定编码 / text does not decode as {used}: {_short(exc)}",
            path=candidate.display,
            layer=name,
        ) from exc
    except Exception as exc:
        raise InputReadError(
            f"无法读取图层 {candidate.source_name} / cannot read layer: {_short(exc)}",
            path=candidate.display,
            layer=name,
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise InputReadError(
            f"图层 {candidate.source_name} 没有几何字段 / layer has no geometry", path=candidate.display, layer=name
        )
    if candidate.is_gdb:
        frame = frame.drop(columns=[c for c in frame.columns if str(c).upper() in _GDB_GEOMETRY_FIELDS])
    frame = blank_zeros(name, normalise_columns(frame))
    frame = _single_part_polygons(frame)
    if candidate.kind == "shp":
        # Shapefiles are the one source whose text landcon decodes itself; text of the other
        # formats is UTF-8 by specification, and the validator checks every schema text field.
        _check_mojibake(frame, candidate.display, name)
    return SourceLayer(name, candidate.source_name, candidate.display, frame, used)


def _single_part_polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Single-part MultiPolygons → Polygons (vectorised); true multi-parts are kept."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    if len(geoms) == 0:
        return frame
    single = (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOLYGON) & (
        shapely.get_num_geometries(geoms) == 1
    )
    if not single.any():
        return frame
    out = geoms.copy()
    out[single] = shapely.get_geometry(geoms[single], 0)
    frame = frame.copy()
    frame["geometry"] = gpd.GeoSeries(out, index=frame.index, crs=frame.crs)
    return frame


def _check_mojibake(frame: gpd.GeoDataFrame, path: str, layer: str) -> None:
    for column in frame.columns:
        if column == "geometry":
            continue
        series = frame[column]
        if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
            continue
        values = pd.unique(series.dropna().to_numpy(dtype=object))
        texts = [v for v in values if isinstance(v, str) and not v.isascii()]
        if not texts:
            continue
        bad = {v for v in texts if looks_garbled(v)}
        if not bad:
            continue
        positions = np.flatnonzero(series.isin(bad).to_numpy(dtype=bool))
        row = int(positions[0])
        sample = series.iat[row]
        raise EncodingError(
            f"文本疑似乱码（{sample!r}），编码可能不对，请用 --encoding 指定（如 GBK 或 UTF-8）；"
            f"共 {len(positions)} 个要素受影响 / text looks mis-decoded ({sample!r}); "
            "pass the right --encoding (e.g. GBK or UTF-8)",
            path=path,
            layer=layer,
            field=str(column),
            feature=row,
        )


# --------------------------------------------------------------------------------------------
# Shapefile encodings


def _python_codec(name: str, display: str | None = None) -> str:
    """A Python codec name for an encoding given by a user or a .cpg (``936`` → ``gbk``)."""
    text = name.strip().upper()
    code_pages = {"65001": "utf-8", "936": "gbk", "20936": "gb2312", "54936": "gb18030", "950": "big5"}
    if text.startswith("ANSI "):
        text = text[5:].strip()
    if text.isdigit():
        text = code_pages.get(text, f"cp{text}")
    try:
        return codecs.lookup(text).name
    except LookupError as exc:
        raise EncodingError(f"未知的文本编码 {name!r} / unknown text encoding {name!r}", path=display) from exc


def _gdal_codec(codec: str | None) -> str | None:
    """The name GDAL (iconv) understands for a Python codec name."""
    if codec is None:
        return None
    return {"utf-8": "UTF-8", "iso8859-1": "ISO-8859-1", "gbk": "GBK", "gb18030": "GB18030"}.get(codec, codec.upper())


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    matches = [p for p in shp.parent.glob(f"{_glob_escape(shp.stem)}.*") if p.suffix.lower() == suffix]
    return matches[0] if matches else None


def _glob_escape(text: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def _shapefile_encoding(candidate: _Candidate, forced: str | None) -> str:
    """Python codec name for a Shapefile: forced > .cpg > detected; checked against the bytes."""
    shp = Path(candidate.location)
    dbf = _sidecar(shp, ".dbf")
    if dbf is None:
        raise InputReadError("缺少 .dbf 文件 / the .dbf file is missing", path=candidate.display)
    codec: str | None = forced
    if codec is None:
        cpg = _sidecar(shp, ".cpg")
        cpg_text = cpg.read_text(encoding="ascii", errors="replace").strip() if cpg is not None else ""
        if cpg_text:
            with contextlib.suppress(EncodingError):  # a .cpg GDAL would not understand is ignored
                codec = _python_codec(cpg_text, candidate.display)
    if codec is None:
        with open(dbf, "rb") as stream:
            detected, decodes = _detect(stream)
        codec = _python_codec(detected)
        if decodes:
            return codec
    with open(dbf, "rb") as stream:
        problem = _first_undecodable(stream, codec)
    if problem is not None:
        field, row, raw = problem
        raise EncodingError(
            f"文本字节无法按 {codec} 解码（{raw[:24]!r}），请用 --encoding 指定正确编码 / "
            f"bytes do not decode as {codec}; pass the right --encoding",
            path=candidate.display,
            layer=recognise_layer_name(candidate.stem),
            field=field.upper(),
            feature=row,
        )
    return codec


@dataclass(frozen=True)
class _DbfField:
    name: str
    offset: int  # within the record, after the deletion flag byte
    length: int


def _dbf_header(stream: BinaryIO) -> tuple[int, int, int, list[_DbfField]]:
    """(records, header length, record length, character fields) of a dBASE file."""
    head = stream.read(32)
    if len(head) < 32:
        raise InputReadError("DBF 文件头不完整 / truncated DBF header")
    records, header_length, record_length = struct.unpack("<IHH", head[4:12])
    descriptors = stream.read(max(0, header_length - 32))
    fields: list[_DbfField] = []
    offset = 1
    for start in range(0, len(descriptors) - 31, 32):
        block = descriptors[start : start + 32]
        if block[0] == 0x0D:
            break
        name = block[:11].split(b"\x00", 1)[0].decode("ascii", errors="replace")
        kind = chr(block[11])
        length = block[16]
        if kind == "C":
            length += block[17] * 256  # some writers use the decimal count as a high byte
            fields.append(_DbfField(name, offset, length))
        offset += length
    return records, header_length, record_length, fields


def _iter_records(stream: BinaryIO) -> Iterator[tuple[int, np.ndarray, list[_DbfField]]]:
    """(first row, records as a (rows, record length) uint8 array, text fields), chunk by chunk."""
    records, header_length, record_length, fields = _dbf_header(stream)
    if not fields or records == 0 or record_length == 0:
        return
    stream.seek(header_length)
    row = 0
    while row < records:
        count = min(_DBF_CHUNK_ROWS, records - row)
        data = stream.read(count * record_length)
        count = len(data) // record_length
        if count == 0:
            return
        block = np.frombuffer(data[: count * record_length], dtype=np.uint8).reshape(count, record_length)
        yield row, block, fields
        row += count


def _value_decodes(raw: bytes, codec: str, width: int) -> bool:
    """Whether one field value decodes; a multi-byte character cut by a full field is tolerated."""
    value = raw.rstrip(b" \x00")
    try:
        value.decode(codec)
        return True
    except UnicodeDecodeError as exc:
        return len(raw) == width and exc.end == len(value) and exc.start >= len(value) - 3


def _non_ascii_values(stream: BinaryIO) -> Iterator[tuple[int, _DbfField, np.ndarray, np.ndarray]]:
    """(first row of the chunk, text field, row numbers in the chunk, their bytes) for every text
    field of every chunk that holds non-ASCII bytes."""
    for first, block, fields in _iter_records(stream):
        for field in fields:
            column = block[:, field.offset : field.offset + field.length]
            rows = np.flatnonzero((column >= 0x80).any(axis=1))
            if rows.size:
                yield first, field, rows, column[rows]


def _first_undecodable(stream: BinaryIO, codec: str) -> tuple[str, int, bytes] | None:
    """(field, row, bytes) of the first text value that does not decode with ``codec``."""
    for first, field, rows, values in _non_ascii_values(stream):
        try:
            values.tobytes().decode(codec)
            continue
        except UnicodeDecodeError:
            pass
        for r, value in zip(rows, values, strict=True):
            raw = value.tobytes()
            if not _value_decodes(raw, codec, field.length):
                return field.name, first + int(r), raw.rstrip(b" \x00")
    return None


def _cjk_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are Chinese (or CJK punctuation)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    high = codes[codes >= 0x80]
    if high.size == 0:
        return 0.0
    cjk = (
        ((high >= 0x3000) & (high <= 0x303F))
        | ((high >= 0x3400) & (high <= 0x9FFF))
        | ((high >= 0xF900) & (high <= 0xFAFF))
        | ((high >= 0xFF00) & (high <= 0xFFEF))
        | ((high >= 0x20000) & (high <= 0x2FFFF))
    )
    return float(cjk.sum()) / float(high.size)


def detect_dbf_encoding(dbf_path: str | Path | BinaryIO) -> str:
    """``"UTF-8"`` or ``"GBK"`` (``"GB18030"`` if only that decodes) from a DBF file's text bytes.

    The header is parsed for the character (``C``) fields; the record block is read in chunks as
    a numpy byte array and, per field, the bytes of the records holding any non-ASCII byte are
    decoded at once. Pure ASCII → UTF-8. Bytes that decode strictly as UTF-8 → UTF-8, unless
    there are very few non-ASCII bytes, they also decode as GBK and the GBK reading is more
    Chinese (short GBK text can be valid UTF-8 by chance). Else GBK, else GB18030, else the
    encoding with fewer undecodable bytes.
    """
    if isinstance(dbf_path, (str, Path)):
        with open(dbf_path, "rb") as stream:
            return _detect(stream)[0]
    return _detect(dbf_path)[0]


def _detect(stream: BinaryIO) -> tuple[str, bool]:
    """(encoding, whether every text value decodes with it) — see ``detect_dbf_encoding``."""
    ok = {"utf-8": True, "gbk": True, "gb18030": True}
    errors = {"utf-8": 0, "gbk": 0}
    texts: dict[str, list[str]] = {"utf-8": [], "gbk": []}
    high_bytes = 0
    sample_chars = 4096
    for _, field, _, values in _non_ascii_values(stream):
        high_bytes += int((values >= 0x80).sum())
        data = values.tobytes()
        for codec in ok:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                if ok[codec]:
                    # A multi-byte character cut at a full field's end is not a real failure.
                    ok[codec] = all(_value_decodes(v.tobytes(), codec, field.length) for v in values)
                if codec in errors:
                    text = data.decode(codec, errors="replace")
                    errors[codec] += text.count("\ufffd")
                else:
                    continue
            if codec in texts and sum(map(len, texts[codec])) < sample_chars:
                texts[codec].append(text[:sample_chars])
    if high_bytes == 0:
        return "UTF-8", True
    if ok["utf-8"]:
        if high_bytes >= 24 or not ok["gbk"]:
            return "UTF-8", True
        gbk_share = _cjk_share("".join(texts["gbk"]))
        return ("GBK", True) if gbk_share > _cjk_share("".join(texts["utf-8"])) else ("UTF-8", True)
    if ok["gbk"]:
        return "GBK", True
    if ok["gb18030"]:
        return "GB18030", True
    return ("UTF-8", False) if errors["utf-8"] <= errors["gbk"] else ("GBK", False)


# --------------------------------------------------------------------------------------------
# Writers


def _gdb_xy_options(crs: object | None) -> dict[str, str]:
    """Fine coordinate precision for FileGDB: 1 µm in metres, ~1e-10° in degrees, on a grid whose
    origin is a whole number, so coordinates already on a coarser decimal grid are stored exactly."""
    geographic = False
    if crs is not None:
        with contextlib.suppress(Exception):
            geographic = bool(pyproj.CRS.from_user_input(crs).is_geographic)
    if geographic:
        return {"XYSCALE": "10000000000", "XYTOLERANCE": "0.000000001", "XORIGIN": "-400", "YORIGIN": "-400"}
    return {"XYSCALE": "1000000", "XYTOLERANCE": "0.00001", "XORIGIN": "-100000000", "YORIGIN": "-100000000"}


def _check_layer_name(name: str) -> None:
    if not name or not name.strip() or any(ch in name for ch in '/\\:*?"<>|\x00') or name.startswith("."):
        raise LandconError(f"图层名不合法 / invalid layer name: {name!r}")


def _promote_polygons(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str | None]:
    """Polygons → MultiPolygons (FileGDB). Returns the frame and the geometry type to declare."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON, -1])
    if not polygonal.all():
        return frame, None
    single = types == shapely.GeometryType.POLYGON
    if single.any():
        out = geoms.copy()
        out[single] = shapely.multipolygons(geoms[single].reshape(-1, 1))
        frame = frame.copy()
        frame[frame.geometry.name] = gpd.GeoSeries(out, index=frame.index, crs=frame.crs)
    return frame, "MultiPolygon"


def _write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], target: Path, encoding: str) -> None:
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, str(target), layer=name, driver="GPKG", use_arrow=True)


def _write_gdb(layers: Mapping[str, gpd.GeoDataFrame], target: Path, encoding: str) -> None:
    for name, frame in layers.items():
        promoted, geometry_type = _promote_polygons(frame)
        options = {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"} | _gdb_xy_options(frame.crs)
        kwargs = {"geometry_type": geometry_type} if geometry_type else {"promote_to_multi": True}
        pyogrio.write_dataframe(
            promoted, str(target), layer=name, driver="OpenFileGDB", layer_options=options, **kwargs
        )


def _write_shp(layers: Mapping[str, gpd.GeoDataFrame], target: Path, encoding: str) -> None:
    target.mkdir()
    codec = _gdal_codec(_python_codec(encoding))
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, str(target / f"{name}.shp"), driver="ESRI Shapefile", encoding=codec)
        cpg = target / f"{name}.cpg"
        if not cpg.exists():
            cpg.write_text(str(codec), encoding="ascii")


def _write_parquet(layers: Mapping[str, gpd.GeoDataFrame], target: Path, encoding: str) -> None:
    target.mkdir()
    for name, frame in layers.items():
        frame.to_parquet(target / f"{name}.parquet", compression="zstd", write_covering_bbox=True)


_WRITERS: dict[str, Callable[[Mapping[str, gpd.GeoDataFrame], Path, str], None]] = {
    "gpkg": _write_gpkg,
    "gdb": _write_gdb,
    "shp": _write_shp,
    "parquet": _write_parquet,
}


def write_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | Path,
    fmt: WriteFormat,
    *,
    encoding: str = "UTF-8",
    overwrite: bool = False,
) -> Path:
    """Write ``layers`` (name → frame) to ``path`` and return the path written.

    - ``gpkg``: one GeoPackage, one table per layer (``.gpkg`` added if missing);
    - ``gdb``: one FileGDB (``.gdb`` added if missing), every polygon layer as MultiPolygon,
      Int64 kept (ArcGIS Pro 3.2+), coordinates on a 1 µm grid (1e-10° for geographic CRSs);
    - ``shp``: a folder with ``NAME.shp`` per layer and a ``.cpg`` naming ``encoding``;
    - ``parquet``: a folder with ``NAME.parquet`` (GeoParquet, zstd, covering bbox) per layer.

    The output is built in a temporary sibling and renamed into place; an existing output is an
    error unless ``overwrite=True`` (then it is swapped out and removed).
    """
    if fmt not in _WRITERS:
        raise LandconError(f"不支持的输出格式 / unsupported output format: {fmt}")
    if not layers:
        raise LandconError("没有要写出的图层 / no layers to write")
    for name in layers:
        _check_layer_name(name)
    target = Path(path)
    if fmt in ("gpkg", "gdb") and target.suffix.lower() != f".{fmt}":
        target = target.with_name(f"{target.name}.{fmt}")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise LandconError("输出已存在，请先删除或使用覆盖选项 / output exists; remove it first", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    suffix = target.suffix if fmt in ("gpkg", "gdb") else ""
    tmp = target.with_name(f".{target.name}.tmp-{token}{suffix}")
    try:
        _WRITERS[fmt](layers, tmp, encoding)
        _move_into_place(tmp, target, overwrite, token)
    except BaseException:
        remove(tmp)
        raise
    return target


def _move_into_place(tmp: Path, target: Path, overwrite: bool, token: str) -> None:
    if not (target.exists() or target.is_symlink()):
        if tmp.is_dir():
            try:
                os.rename(tmp, target)  # fails if a non-empty folder appeared meanwhile
                return
            except OSError as exc:
                if not overwrite:
                    raise LandconError("输出已存在 / output exists", path=str(target)) from exc
        else:
            try:
                os.link(tmp, target)  # atomic and never clobbers
                tmp.unlink()
                return
            except FileExistsError as exc:
                if not overwrite:
                    raise LandconError("输出已存在 / output exists", path=str(target)) from exc
            except OSError:
                os.replace(tmp, target)
                return
    swap_in(tmp, target, target.with_name(f".{target.name}.old-{token}"))


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """A CSV table as text (UTF-8, UTF-8 with BOM, or GBK/GB18030 as exported by Excel on Chinese Windows)."""
    source = Path(path)
    if not source.is_file():
        raise InputReadError("文件不存在", path=str(source))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(source, dtype=str, encoding=encoding, keep_default_na=False)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputReadError(f"无法读取 CSV: {str(exc).splitlines()[0]}", path=str(source)) from exc
    raise InputReadError("文本既不是 UTF-8 也不是 GBK 编码", path=str(source))


# Reading files landcon wrote itself: plan folders, uploads' previews and stored GeoParquet layers -------


def vector_layer_names(path: str | Path) -> list[str]:
    """The layer names of a vector file (GeoPackage, FileGDB, Shapefile) as stored; no features read."""
    return [str(name) for name, _ in pyogrio.list_layers(str(path))]


def read_vector_layer(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a vector file as written (no renaming, encoding detection or checks: ``read_layers``
    does those for source data); the first layer when ``layer`` is None."""
    if layer is None:
        return pyogrio.read_dataframe(str(path))
    return pyogrio.read_dataframe(str(path), layer=layer)


def stored_columns(path: str | Path) -> list[str]:
    """The column names of a stored GeoParquet layer (its schema; no rows read)."""
    import pyarrow.parquet as pq  # imported when first used: the CLI starts without pyarrow

    return [str(name) for name in pq.read_schema(path).names]


def read_stored_columns(path: str | Path, columns: Iterable[str]) -> dict[str, list[object]]:
    """Plain (non-geometry) columns of a stored GeoParquet layer, as lists."""
    import pyarrow.parquet as pq

    return dict(pq.read_table(path, columns=list(columns)).to_pydict())


def stored_geo_metadata(path: str | Path) -> dict[str, object]:
    """The GeoParquet ``geo`` metadata of a stored layer (per geometry column its crs and bbox); {} if none."""
    import json

    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    return dict(json.loads((schema.metadata or {}).get(b"geo", b"{}")))
