"""Uploaded datasets: kept in a staging folder, checked, validated, then imported.

Accepted: a ``.gpkg`` or a ``.zip`` holding a ``.gdb`` folder, shapefiles or a GeoPackage. Refused
with a message naming the file and entry:
- larger than ``LANDCON_UPLOAD_MAX_MB`` (default 2048) while streaming in;
- zip archives failing ``store.zipsafe`` (the one check shared with the command line): paths
  outside the folder or symlinks, too many entries, a declared or actual uncompressed total above
  4 × the upload limit, an entry compressed beyond 200:1, a bad CRC or broken deflate stream;
- files of unexpected types inside the archive (only GIS parts and text sidecars are extracted).

An upload belongs to the user who sent it: ``owner.json`` in its staging folder (user name, unit
code and path) is written before the first byte. Reading its problem features or importing it is
allowed to that user and to an administrator whose subtree covers the uploader's unit; anyone else,
like a request for an expired upload, gets "上传 … 不存在或已过期" (the id's existence is not revealed).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, BinaryIO

import shapely

from landcon import config
from landcon.engine.org import ADMIN
from landcon.errors import InputReadError, NotFound
from landcon.services import datasets, records
from landcon.services.records import Actor, require
from landcon.store import zipsafe
from landcon.store.layers import read_vector_layer

UNZIP_FACTOR = 4
CHUNK = 1 << 20
GIS_PARTS = {
    ".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".parquet",
    ".gdbtable", ".gdbtablx", ".gdbindexes", ".atx", ".spx", ".freelist", ".horizon", ".txt", ".json",
}  # fmt: skip
_ID = re.compile(r"^[0-9a-f]{32}$")
OWNER = "owner.json"


class UploadRefused(InputReadError):
    """The upload is too large, of the wrong type, or a malicious archive."""


def max_bytes() -> int:
    return config.upload_max_bytes()


def _root() -> Path:
    return config.data_dir() / "uploads"


def _folder(who: Actor, upload_id: str) -> Path:
    """The staging folder of upload ``upload_id`` when ``who`` sent it or administers the sender's
    unit; missing, expired (``LANDCON_UPLOAD_EXPIRY_HOURS``) and someone else's uploads all raise the
    same ``NotFound``."""
    gone = NotFound(f"上传 {upload_id} 不存在或已过期")
    if not isinstance(upload_id, str) or not _ID.match(upload_id):
        raise gone
    folder = _root() / upload_id
    try:
        expired = folder.stat().st_mtime < time.time() - config.upload_expiry_seconds()
    except FileNotFoundError:
        raise gone from None
    if expired:
        shutil.rmtree(folder, ignore_errors=True)
        raise gone
    if not _may_use(who, _owner(folder)):
        raise gone
    return folder


def _owner(folder: Path) -> dict[str, str]:
    """Who sent the upload in ``folder`` (an upload without the record belongs to nobody: ``/``)."""
    try:
        data = json.loads((folder / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"username": "", "unit_path": "/"}
    return {"username": str(data.get("username", "")), "unit_path": str(data.get("unit_path") or "/")}


def _may_use(who: Actor, owner: dict[str, str]) -> bool:
    """The uploader, or an administrator whose subtree covers the uploader's unit."""
    if owner["username"] and who.username == owner["username"]:
        return True
    return ADMIN in who.roles and records.in_scope(who, owner["unit_path"])


def _extract(archive: Path, target: Path, limit: int, allowed: set[str] = GIS_PARTS) -> None:
    """Unpack through ``store.zipsafe`` (paths, count, declared total ≤ 4 × the upload limit, ratio of
    every member, bytes counted) after refusing members of unexpected types."""
    limits = zipsafe.Limits(max_total=UNZIP_FACTOR * limit)
    infos = zipsafe.check(archive, limits)
    for info in infos:
        path = zipsafe.member_path(info, archive.name)
        in_gdb = any(p.lower().endswith(".gdb") for p in path.parts[:-1])
        if not info.is_dir() and path.suffix.lower() not in allowed and not in_gdb:
            raise UploadRefused(
                f"压缩包中有不接受的文件 {info.filename!r}（只接受 .gdb、Shapefile、GeoPackage）", path=archive.name
            )
    zipsafe.extract(archive, infos, target, limits)


def _source(folder: Path) -> Path:
    """The readable thing inside an extracted upload: a .gdb, a .gpkg, or the folder of shapefiles."""
    data = folder / "data"
    gdbs = [p for p in data.rglob("*.gdb") if p.is_dir()]
    if gdbs:
        return gdbs[0]
    gpkgs = list(data.rglob("*.gpkg"))
    if gpkgs:
        return gpkgs[0]
    shps = list(data.rglob("*.shp"))
    if shps:
        return shps[0].parent
    raise UploadRefused("上传中没有找到 .gdb、.gpkg 或 .shp", path=folder.name)


def authorise(who: Actor) -> None:
    """Whether ``who`` may upload datasets at all: checked before a byte of the body is read."""
    require(who, "project.edit")


def authorise_plan(who: Actor, code: str) -> None:
    """Whether ``who`` may upload a plan to project ``code``: checked before the body is read."""
    from landcon.services import project_access

    with records.read() as session:
        project = project_access.get_project(session, who, code)
        require(who, "plan.upload", project.county)


class Incoming:
    """One upload being streamed into its staging folder, refused at the size limit.

    ``write`` counts bytes as they arrive and raises ``UploadRefused`` (HTTP 413) past
    ``LANDCON_UPLOAD_MAX_MB``; ``discard`` removes the folder and what was written so far.
    """

    def __init__(
        self, filename: str, suffixes: tuple[str, ...] = ("zip", "gpkg"), *, owner: Actor | None = None
    ) -> None:
        expire()
        self.name = Path(filename or "").name
        self.suffix = self.name.lower().rsplit(".", 1)[-1] if "." in self.name else ""
        if self.suffix not in suffixes:
            raise UploadRefused(
                "只接受 .zip（.gdb、Shapefile 或 GeoPackage 打包）或 .gpkg 文件"
                if "gpkg" in suffixes
                else "方案须为 .zip 压缩包（plan.gpkg + plan.yaml）",
                path=self.name or "（无文件名）",
            )
        self.limit = max_bytes()
        self.id = secrets.token_hex(16)
        self.folder = _root() / self.id
        (self.folder / "data").mkdir(parents=True)
        if owner is not None:  # a dataset upload, kept for a later import by its sender
            record = {"username": owner.username, "unit_code": owner.unit_code, "unit_path": owner.unit_path}
            (self.folder / OWNER).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        self.raw = self.folder / ("upload.zip" if self.suffix == "zip" else "data/upload.gpkg")
        self.size = 0
        self._out: BinaryIO | None = open(self.raw, "wb")  # closed by close() / discard()

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge(f"文件超过上传上限 {self.limit / 2**20:g} MB（LANDCON_UPLOAD_MAX_MB）", path=self.name)
        assert self._out is not None
        self._out.write(data)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class TooLarge(UploadRefused):
    """The upload passed the size limit while streaming in (HTTP 413)."""


def finish(incoming: Incoming) -> dict[str, Any]:
    """Unpack the streamed upload safely and validate it (the folder is removed on any failure)."""
    try:
        incoming.close()
        folder = incoming.folder
        if incoming.suffix == "zip":
            _extract(incoming.raw, folder / "data", incoming.limit)
            incoming.raw.unlink()
        source = _source(folder)
        report = datasets.validate(source)
    except BaseException:
        incoming.discard()
        raise
    (folder / "name.txt").write_text(incoming.name, encoding="utf-8")
    return {"upload": incoming.id, "filename": incoming.name, "source": source.name, "report": report.as_dict()}


def receive(who: Actor, filename: str, stream: BinaryIO) -> dict[str, Any]:
    """Store an upload (streamed, size-limited), unpack it safely and validate it."""
    authorise(who)
    incoming = Incoming(filename, owner=who)
    try:
        while chunk := stream.read(CHUNK):
            incoming.write(chunk)
    except BaseException:
        incoming.discard()
        raise
    return finish(incoming)


def expire(now: float | None = None) -> int:
    """Delete uploads and staging folders older than ``LANDCON_UPLOAD_EXPIRY_HOURS``; how many went."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - config.upload_expiry_seconds()
    gone = 0
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                gone += 1
        except FileNotFoundError:
            continue
    return gone


def problem_features(who: Actor, upload_id: str, *, limit: int = 500) -> dict[str, Any]:
    """GeoJSON (WGS84) of the features named by the validation problems, for the map."""
    require(who, "project.edit")
    folder = _folder(who, upload_id)
    source = _source(folder)
    report = datasets.validate(source).as_dict()
    wanted: dict[str, set[str]] = {}
    for p in report["problems"][:limit]:
        if p["feature"] is not None:
            wanted.setdefault(p["layer"], set()).add(str(p["feature"]))
    features: list[dict[str, Any]] = []
    # the source layer or file each standard layer was read from (DLTB ← DLTB5301242023.shp)
    taken = {n: str(f["source_layer"]) for n, f in report["layers"].items()}
    for layer, ids in wanted.items():
        name = taken.get(layer, layer)
        frame = _read_layer(source, name if source.suffix else Path(name).stem)
        if frame is None or frame.crs is None:
            continue
        frame = frame.to_crs(4326)
        bsm = frame["BSM"].astype(str) if "BSM" in frame.columns else None
        for i, geom in enumerate(frame.geometry):
            key = str(bsm.iloc[i]) if bsm is not None and bsm.iloc[i] not in ("", "None", "nan") else str(i + 1)
            if key in ids and geom is not None:
                features.append(
                    {
                        "type": "Feature",
                        "properties": {"layer": layer, "feature": key},
                        "geometry": shapely.geometry.mapping(geom),
                    }
                )
    return {"type": "FeatureCollection", "features": features}


def _read_layer(source: Path, layer: str) -> Any:
    try:
        if source.is_dir() and not source.suffix:
            shp = next((p for p in source.glob("*.shp") if p.stem.upper() == layer.upper()), None)
            return read_vector_layer(shp) if shp else None
        return read_vector_layer(source, layer)
    except Exception:
        return None


def import_upload(who: Actor, upload_id: str, name: str, *, replace: bool = False) -> dict[str, Any]:
    """Import a validated upload as dataset ``name`` (refused when it has errors); the upload is then removed.
    Only its sender or an administrator over the sender's unit may (``_folder``)."""
    require(who, "project.edit")
    folder = _folder(who, upload_id)
    result = datasets.import_dataset(_source(folder), name, replace=replace, who=who)
    shutil.rmtree(folder, ignore_errors=True)
    return result.as_dict()


def extract_plan(archive: Path, folder: Path) -> Path:
    """Unpack a zipped plan folder (``plan.gpkg``/``plan.gdb`` + ``plan.yaml``) safely into ``folder``."""
    staging = folder.parent / (folder.name + ".unpack")
    staging.mkdir(parents=True)
    _extract(archive, staging, max_bytes(), GIS_PARTS | {".yaml", ".yml"})
    metas = sorted(staging.rglob("plan.yaml"), key=lambda p: len(p.parts))
    if not metas:
        raise UploadRefused("压缩包中没有 plan.yaml（方案文件夹须含 plan.gpkg 和 plan.yaml）", path=archive.name)
    metas[0].parent.rename(folder)
    return folder


def extract_asbuilt(archive: Path, folder: Path) -> Path:
    """Unpack a zipped as-built folder (asbuilt.gpkg / asbuilt.gdb / JGTB.shp + asbuilt.yaml, docs/acceptance.md)
    safely into ``folder``."""
    staging = folder.parent / (folder.name + ".unpack")
    staging.mkdir(parents=True)
    try:
        _extract(archive, staging, max_bytes(), GIS_PARTS | {".yaml", ".yml"})
        metas = sorted(staging.rglob("asbuilt.yaml"), key=lambda p: len(p.parts))
        if not metas:
            raise UploadRefused(
                "压缩包中没有 asbuilt.yaml（竣工数据文件夹须含 asbuilt.gpkg 和 asbuilt.yaml）", path=archive.name
            )
        metas[0].parent.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
