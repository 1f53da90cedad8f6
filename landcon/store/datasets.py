"""The dataset store: one folder per dataset under ``ROOT/datasets/NAME``.

A dataset is one GeoParquet file per layer (``DLTB.parquet`` …, zstd, covering bbox) plus
``manifest.json`` (UTF-8). The caller supplies the manifest's content (source, checksum, CRS,
counts, import time, validation summary); ``create`` adds ``format_version`` and
``layers: {NAME: {"file", "features", "sha256"}}``.

Writes are atomic: everything is written in ``ROOT/datasets/.tmp-…`` and renamed into place;
on any error the temporary folder is removed and nothing is left behind.

Versions: the manifest's ``version`` is 1 on the first import and +1 per replacement (a manifest
without one is version 1). ``replace=True`` first keeps the current dataset as an immutable version
``ROOT/datasets/.versions/NAME/<n>/`` (its files hard-linked, else copied, into a hidden folder that is
renamed into place, so the archive is complete or absent), then swaps the new one in
(``_atomic.swap_in``, journaled: a replacement killed between the renames is rolled back when the store
is next opened; the archive written before the swap stays valid either way). ``.versions`` starts with
a dot, so ``names()`` never lists it. Readers take ``version=None`` (current) or a version number.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landcon.errors import DatasetExists, DatasetNotFound, InputReadError, LandconError
from landcon.store._atomic import recover, remove, swap_in, sync_dir

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["FORMAT_VERSION", "NAME_PATTERN", "DatasetStore", "file_checksum", "write_parquet"]

FORMAT_VERSION = 1
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]{1,64}$")
MANIFEST = "manifest.json"
VERSIONS = ".versions"
_CHUNK = 1024 * 1024


def file_checksum(path: str | Path) -> str:
    """SHA-256 (hex) of a file; for a folder, of every file in it (recursively) in sorted order
    of relative path, each contributing its relative path and its bytes. Streams 1 MiB chunks."""
    path = Path(path)
    if not path.exists():
        raise InputReadError("路径不存在 / path does not exist", path=str(path))
    digest = hashlib.sha256()
    if path.is_file():
        _feed(digest, path)
        return digest.hexdigest()
    files = sorted((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.relative_to(path).as_posix())
    for file in files:
        relative = file.relative_to(path).as_posix().encode("utf-8")
        digest.update(len(relative).to_bytes(8, "little") + relative)
        digest.update(file.stat().st_size.to_bytes(8, "little"))
        _feed(digest, file)
    return digest.hexdigest()


def _feed(digest: Any, file: Path) -> None:
    with open(file, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)


def write_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write one layer as GeoParquet (zstd, covering bbox)."""
    frame.to_parquet(path, compression="zstd", write_covering_bbox=True)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise LandconError(
            f"数据集名称不合法：{name!r}（1–64 个字母、数字、汉字、_ 或 -） / "
            "invalid dataset name (1–64 letters, digits, Chinese characters, _ or -)"
        )


def _check_layer(layer: str) -> None:
    if not isinstance(layer, str) or not NAME_PATTERN.match(layer):
        raise LandconError(f"图层名不合法 / invalid layer name: {layer!r}", layer=str(layer))


def _version_of(manifest: Mapping[str, Any]) -> int:
    """A manifest's version number; manifests from before versions existed are version 1."""
    version = manifest.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) and version >= 1 else 1


def _read_manifest(folder: Path) -> dict[str, Any]:
    with open(folder / MANIFEST, encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    data["version"] = _version_of(data)
    return data


def _write_manifest(path: Path, content: Mapping[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(dict(content), stream, ensure_ascii=False, indent=2, default=str)
        stream.write("\n")
        stream.flush()
        os.fsync(stream.fileno())


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (the stored files are never modified in place), or a copy where links fail."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


STALE_AFTER_S = 24 * 3600.0
"""Hidden temporary folders older than this belong to an interrupted process."""


class DatasetStore:
    """Datasets under ``root / "datasets"``. Nothing is created on disk until ``create``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folder = self.root / "datasets"
        recover(self.folder)  # settle a replacement whose process was killed between its renames

    def _path(self, name: str) -> Path:
        _check_name(name)
        return self.folder / name

    def _existing(self, name: str) -> Path:
        path = self._path(name)
        if not (path / MANIFEST).is_file():
            raise DatasetNotFound(f"数据集 {name} 不存在 / dataset {name} does not exist", path=str(path))
        return path

    def names(self) -> list[str]:
        """Names of the stored datasets, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(
            p.name
            for p in self.folder.iterdir()
            if not p.name.startswith(".") and NAME_PATTERN.match(p.name) and (p / MANIFEST).is_file()
        )

    def exists(self, name: str) -> bool:
        """Whether dataset ``name`` is stored (False for names that are not valid names)."""
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            return False
        return (self.folder / name / MANIFEST).is_file()

    def manifest(self, name: str, version: int | None = None) -> dict[str, Any]:
        """The manifest of dataset ``name`` (``version``: a kept version, ``None`` the current one);
        ``version`` is filled in (1) for manifests written before versions existed."""
        return _read_manifest(self._version_folder(name, version))

    def version(self, name: str) -> int:
        """The current version number of dataset ``name``."""
        return _version_of(self.manifest(name))

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of dataset ``name``, oldest first: number, import time and actor, feature
        counts, whether it is the current one."""
        current = self.manifest(name)
        found = {int(p.name): p for p in self._archive(name).glob("[0-9]*") if p.name.isdigit()}
        manifests = {n: _read_manifest(p) for n, p in found.items() if (p / MANIFEST).is_file()}
        manifests[_version_of(current)] = current
        return [
            {
                "version": n,
                "imported_at": m.get("imported_at"),
                "imported_by": m.get("imported_by"),
                "counts": m.get("counts", {}),
                "features": sum(int(c) for c in m.get("counts", {}).values()),
                "current": m is current,
            }
            for n, m in sorted(manifests.items())
        ]

    def _archive(self, name: str) -> Path:
        """Where the earlier versions of ``name`` are kept (``.versions/NAME``)."""
        return self.folder / VERSIONS / name

    def _version_folder(self, name: str, version: int | None) -> Path:
        current = self._existing(name)
        if version is None:
            return current
        if isinstance(version, int) and not isinstance(version, bool) and version >= 1:
            kept = self._archive(name) / str(version)
            if (kept / MANIFEST).is_file():
                return kept
            if _version_of(_read_manifest(current)) == version:
                return current
        raise DatasetNotFound(
            f"数据集 {name} 没有版本 {version} / dataset {name} has no version {version}", path=str(current)
        )

    def layer_path(self, name: str, layer: str, version: int | None = None) -> Path:
        """The GeoParquet file of ``layer`` in dataset ``name`` (``version``: see ``manifest``)."""
        path = self._version_folder(name, version)
        layers = _read_manifest(path).get("layers", {})
        if layer not in layers:
            raise DatasetNotFound(
                f"数据集 {name} 中没有图层 {layer} / dataset {name} has no layer {layer}",
                path=str(path),
                layer=layer,
            )
        return path / layers[layer]["file"]

    def read_layer(
        self, name: str, layer: str, columns: list[str] | None = None, *, version: int | None = None
    ) -> gpd.GeoDataFrame:
        """Read one layer; ``columns`` restricts the attributes (the geometry is always read);
        ``version`` reads a kept version (``None``: the current one)."""
        path = self.layer_path(name, layer, version)
        if columns is not None:
            columns = list(dict.fromkeys([*columns, "geometry"]))
        import geopandas as gpd

        frame = gpd.read_parquet(path, columns=columns)
        if version is not None and path.parent == self.folder / name and not self._still(name, version):
            # Replaced while being read: the version was kept before the swap, read it from there.
            return self.read_layer(name, layer, columns, version=version)
        return frame

    def _still(self, name: str, version: int) -> bool:
        try:
            return _version_of(_read_manifest(self.folder / name)) == version
        except OSError:
            return False

    def create(
        self,
        name: str,
        layers: Mapping[str, gpd.GeoDataFrame],
        manifest: Mapping[str, Any],
        *,
        replace: bool = False,
    ) -> Path:
        """Store ``layers`` as dataset ``name`` atomically and return its folder."""
        with self.stage(name, layers, replace=replace) as staged:
            return staged.commit(manifest)

    def stage(self, name: str, layers: Mapping[str, gpd.GeoDataFrame], *, replace: bool = False) -> StagedDataset:
        """Start writing ``layers`` in the background into a hidden folder; nothing is visible
        until ``commit``. Use as a context manager: leaving it without a commit (for example
        because validation failed meanwhile) removes everything written."""
        target = self._path(name)
        for layer in layers:
            _check_layer(layer)
        if self.exists(name) and not replace:
            raise DatasetExists(f"数据集 {name} 已存在（用 --replace 替换） / dataset {name} exists", path=str(target))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._remove_stale()
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=self.folder))
        return StagedDataset(self, name, target, tmp, dict(layers), replace)

    def _remove_stale(self, older_than_s: float = STALE_AFTER_S) -> None:
        """Remove hidden staging / swap folders left by an interrupted process (a killed import
        never makes a dataset visible, but its temporary folder stays until this cleans it)."""
        now = time.time()
        for entry in self.folder.iterdir():
            if entry.name.startswith((".tmp-", ".old-", ".del-")) and now - entry.stat().st_mtime > older_than_s:
                remove(entry)

    def _swap_in(self, tmp: Path, target: Path, name: str, replace: bool) -> None:
        if target.exists():
            if not replace:
                raise DatasetExists(f"数据集 {name} 已存在 / dataset {name} exists", path=str(target))
            self._keep(name, target)
            swap_in(tmp, target, self.folder / f".old-{name}-{uuid.uuid4().hex[:12]}")
            return
        try:
            os.rename(tmp, target)
        except OSError as exc:  # a dataset of that name appeared meanwhile
            raise DatasetExists(f"数据集 {name} 已存在 / dataset {name} exists", path=str(target)) from exc

    def _next_version(self, name: str) -> int:
        """1 + the highest version stored (current or kept); 1 for a new dataset."""
        numbers = [int(p.name) for p in self._archive(name).glob("[0-9]*") if p.name.isdigit()]
        if self.exists(name):
            numbers.append(self.version(name))
        return max(numbers, default=0) + 1

    def _keep(self, name: str, current: Path) -> None:
        """Keep the current dataset as ``.versions/NAME/<n>`` before it is replaced: its files
        hard-linked (copied where links are not possible) into a hidden folder renamed into place,
        so a kept version is complete or absent. Already kept (a replacement interrupted after this
        step): nothing to do."""
        manifest = _read_manifest(current)
        number = _version_of(manifest)
        archive = self._archive(name)
        kept = archive / str(number)
        if (kept / MANIFEST).is_file():
            return
        archive.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for entry in archive.glob(".tmp-*"):
            if now - entry.stat().st_mtime > STALE_AFTER_S:
                remove(entry)
        if kept.exists():
            remove(kept)  # a folder without manifest: never completed
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{number}-", dir=archive))
        try:
            for file in current.iterdir():
                if file.is_file() and file.name != MANIFEST:
                    _link_or_copy(file, tmp / file.name)
            _write_manifest(tmp / MANIFEST, manifest)
            os.rename(tmp, kept)
            sync_dir(archive)  # the kept version is on disk before the swap starts
        except BaseException:
            remove(tmp)
            raise

    def delete(self, name: str) -> None:
        """Remove dataset ``name`` and its kept versions (renamed aside first, so it disappears at once)."""
        path = self._existing(name)
        aside = self.folder / f".del-{name}-{uuid.uuid4().hex[:12]}"
        archive = self._archive(name)
        if archive.exists():
            kept_aside = self.folder / f".del-{name}-versions-{uuid.uuid4().hex[:12]}"
            os.rename(archive, kept_aside)
            remove(kept_aside)
        os.rename(path, aside)
        shutil.rmtree(aside, ignore_errors=True)
        with contextlib.suppress(OSError):
            if aside.exists():
                shutil.rmtree(aside)


class StagedDataset:
    """Layers of a dataset being written in a worker thread into a hidden temporary folder."""

    def __init__(
        self,
        store: DatasetStore,
        name: str,
        target: Path,
        tmp: Path,
        layers: dict[str, gpd.GeoDataFrame],
        replace: bool,
    ) -> None:
        self.store, self.name, self.target, self.tmp, self.replace = store, name, target, tmp, replace
        self.committed = False
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._written: Future[dict[str, dict[str, Any]]] = self._pool.submit(self._write, layers)

    def _write(self, layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, dict[str, Any]]:
        entries: dict[str, dict[str, Any]] = {}
        for layer, frame in layers.items():
            file = f"{layer}.parquet"
            write_parquet(frame, self.tmp / file)
            entries[layer] = {"file": file, "features": len(frame), "sha256": file_checksum(self.tmp / file)}
        return entries

    def commit(self, manifest: Mapping[str, Any]) -> Path:
        """Wait for the layers, write the manifest and rename the folder into place."""
        entries = self._written.result()
        version = self.store._next_version(self.name)
        content = dict(manifest) | {"format_version": FORMAT_VERSION, "version": version, "layers": entries}
        _write_manifest(self.tmp / MANIFEST, content)
        self.store._swap_in(self.tmp, self.target, self.name, self.replace)
        self.committed = True
        return self.target

    def discard(self) -> None:
        """Wait for the writer to stop and remove everything written."""
        with contextlib.suppress(BaseException):
            self._written.result()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> StagedDataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        if not self.committed:
            self.discard()
