"""The records database as a whole: status, schema migrations, backup and restore.

``upgrade``/``downgrade`` run the Alembic scripts on a ``store.db.Database`` of their own (not
``records.database()``, which refuses a database at an older schema version) and close every open
engine afterwards, so the next use opens the database at its new version.

A backup is one folder::

    OUT/backup.json            what is in it: version, dialect, schema revision, files, record counts
    OUT/landcon.db             SQLite: a consistent copy (sqlite3 online backup API)
    OUT/landcon.dump           PostgreSQL: ``pg_dump --format=custom`` (one snapshot)
    OUT/files/…                the data directory: blobs/, datasets/ … (not the database file)

The database is copied first, then the files: blobs are immutable and written before their rows,
so every blob a copied row names is in the copied files. The folder is written under a temporary
name beside ``OUT`` and renamed at the end; a non-empty ``OUT`` is refused. Folders of the data
directory holding a ``backup.json`` (earlier backups) are neither copied nor replaced by a restore.

A restore checks ``backup.json`` and every file's SHA-256 before it changes anything. It then
builds the data directory's new content in a temporary folder and swaps it in (the previous content
is kept aside until the database is restored, and put back if that fails), restores the database
(SQLite: a copy renamed over the database file; PostgreSQL: ``pg_restore --single-transaction``)
and verifies the audit chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, make_url

from landcon import __version__, config
from landcon.errors import BackupError, DatabaseError
from landcon.services import records
from landcon.services.records import Actor
from landcon.store import audit
from landcon.store import db as store_db
from landcon.store.blobs import BlobStore
from landcon.store.models import Base, Blob
from landcon.store.pg_throwaway import PG_BIN

MANIFEST = "backup.json"
FORMAT = 1
SQLITE_FILE = "landcon.db"
PG_FILE = "landcon.dump"
FILES = "files"
_CHUNK = 1 << 20
#: temporary entries of the data directory (half-written blobs, datasets, restores): never copied
_TRANSIENT = (".incoming-", ".tmp-", ".restore-")
_SQLITE_SIDE = ("-wal", "-shm", "-journal")


# Status and migrations ---------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _url() -> str:
    return store_db.normalise_url(config.database_url())


def _sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (``None`` for other dialects or an in-memory database)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    if not u.database or u.database == ":memory:":
        return None
    return Path(u.database).resolve()


@contextmanager
def _open(url: str) -> Iterator[store_db.Database]:
    """A database of our own (never cached), disposed afterwards; connection problems explained."""
    db = store_db.Database(url)
    try:
        yield db
    except sa_exc.OperationalError as error:
        raise DatabaseError(f"无法连接记录数据库 {_safe_url(url)}：{error.orig}") from error
    finally:
        db.dispose()


def status() -> dict[str, Any]:
    """URL (password hidden), dialect, schema revisions, PostGIS version or SQLite file and journal mode."""
    url = _url()
    dialect = make_url(url).get_backend_name()
    head = store_db.head_revision()
    out: dict[str, Any] = {"url": _safe_url(url), "dialect": dialect, "head_revision": head}
    path = _sqlite_path(url)
    if dialect == "sqlite":
        out["path"] = str(path) if path else ":memory:"
        if path is not None and not path.exists():
            # Do not create the file just to look at it.
            out.update(exists=False, current_revision=None, up_to_date=False, journal_mode=None)
            return out
    with _open(url) as db:
        current = store_db.current_revision(db.engine)
        out.update(current_revision=current, up_to_date=current == head)
        if dialect == "sqlite":
            with db.engine.connect() as conn:
                out["exists"] = True
                out["journal_mode"] = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
        else:
            out["postgis_version"] = store_db.postgis_version(db.engine)
    return out


def _migrate(direction: str, revision: str) -> dict[str, Any]:
    url = _url()
    records.close_all()
    try:
        with _open(url) as db:
            before = store_db.current_revision(db.engine)
            try:
                if direction == "upgrade":
                    store_db.upgrade(db.engine, revision)
                else:
                    store_db.downgrade(db.engine, revision)
            except (CommandError, RevisionError) as error:
                verb = "升级" if direction == "upgrade" else "降级"
                raise DatabaseError(f"无法{verb}到结构版本 {revision}：{error}") from error
            after = store_db.current_revision(db.engine)
    finally:
        records.close_all()
    return {
        "url": _safe_url(url),
        "from_revision": before,
        "to_revision": after,
        "head_revision": store_db.head_revision(),
        "changed": before != after,
    }


def upgrade(revision: str = "head") -> dict[str, Any]:
    """Migrate the configured database up to ``revision`` (default the newest)."""
    return _migrate("upgrade", revision)


def downgrade(revision: str) -> dict[str, Any]:
    """Migrate the configured database down to ``revision`` (``base`` removes every table)."""
    return _migrate("downgrade", revision)


# Files -------------------------------------------------------------------------------------------


def _copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy a file (content and times) and return its SHA-256 and size, read once."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    shutil.copystat(src, dst)
    return digest.hexdigest(), size


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _is_backup(path: Path) -> bool:
    return path.is_dir() and (path / MANIFEST).is_file()


def _data_files(root: Path, skip: set[Path]) -> Iterator[Path]:
    """Regular files under ``root`` (sorted), leaving out ``skip``, transient entries and backups."""
    if not root.is_dir():
        return
    for current, dirs, files in os.walk(root):
        here = Path(current)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(_TRANSIENT) and here / d not in skip and not _is_backup(here / d)
        )
        for name in sorted(files):
            path = here / name
            if name.startswith(_TRANSIENT) or path in skip or not path.is_file():
                continue
            yield path


def _sqlite_side_files(path: Path | None) -> set[Path]:
    if path is None:
        return set()
    return {path, *(path.with_name(path.name + s) for s in _SQLITE_SIDE)}


def _backups_under(root: Path) -> set[Path]:
    """Earlier backup folders inside the data directory (kept as they are by a restore)."""
    found: set[Path] = set()
    if not root.is_dir():
        return found
    for current, dirs, _files in os.walk(root):
        here = Path(current)
        for d in list(dirs):
            if _is_backup(here / d):
                found.add(here / d)
                dirs.remove(d)
    return found


# Backup ------------------------------------------------------------------------------------------


def _table_counts(conn: Connection) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in Base.metadata.sorted_tables
        if t.name in present
    }


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def _backup_sqlite(src: Path, dst: Path) -> tuple[str | None, dict[str, int]]:
    """Online backup of the SQLite database into ``dst`` (one self-contained file, no WAL)."""
    if not src.is_file():
        raise BackupError("数据库文件不存在，无可备份", path=str(src))
    with closing(sqlite3.connect(src, timeout=30)) as source, closing(sqlite3.connect(dst)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    # Revision and counts are read from the copy: they describe exactly what was saved.
    engine = create_engine(f"sqlite:///{dst}")
    try:
        with engine.connect() as conn:
            return _revision(conn), _table_counts(conn)
    finally:
        engine.dispose()


def _pg_conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """libpq connection string (host may be a socket folder given as ``?host=``) and the password env."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, Any] = {k: v for k, v in url.query.items() if isinstance(v, str)}
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.username:
        params["user"] = url.username
    if url.database:
        params["dbname"] = url.database
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo(**params), env


def _pg_tool(name: str) -> str:
    path = PG_BIN / name
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"找不到 PostgreSQL 工具 {name}（应在 {PG_BIN}；请安装 postgresql-client-15）")


def _run_tool(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what}失败（{Path(cmd[0]).name} 退出码 {result.returncode}）：" + " / ".join(detail))


def _backup_postgresql(db: store_db.Database, dst: Path) -> tuple[str | None, dict[str, int]]:
    """``pg_dump`` of one snapshot; revision and counts are read in that same snapshot."""
    conninfo, env = _pg_conninfo(make_url(db.url))
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
            revision, counts = _revision(conn), _table_counts(conn)
            cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}"]
            _run_tool([*cmd, f"--file={dst}", f"--dbname={conninfo}"], env, "导出 PostgreSQL 数据库")
    return revision, counts


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise BackupError("备份目标已存在且不是空文件夹：请指定新的文件夹", path=str(out_dir))


def backup(who: Actor, out_dir: str | Path) -> dict[str, Any]:
    """Back up the records database and the data directory into the new folder ``out_dir``."""
    records.require_province(who, "backup")
    out_dir = Path(out_dir).resolve()
    _check_target(out_dir)
    url = _url()
    dialect = make_url(url).get_backend_name()
    data = config.data_dir().resolve()
    tmp = out_dir.parent / f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        entries: list[dict[str, Any]] = []
        with _open(url) as db:
            if dialect == "sqlite":
                src = _sqlite_path(url)
                if src is None:
                    raise BackupError("内存中的 SQLite 数据库无法备份")
                db_file = SQLITE_FILE
                revision, counts = _backup_sqlite(src, tmp / db_file)
            elif dialect == "postgresql":
                db_file = PG_FILE
                revision, counts = _backup_postgresql(db, tmp / db_file)
            else:
                raise BackupError(f"不支持备份 {dialect} 数据库")
        sha, size = _hash_file(tmp / db_file)
        entries.append({"path": db_file, "sha256": sha, "size": size})
        # Rebuildable caches (vector tiles) and unfinished uploads are not part of a backup.
        skip = _sqlite_side_files(_sqlite_path(url)) | {out_dir, tmp, data / "tiles", data / "uploads"}
        for path in _data_files(data, skip):
            rel = path.relative_to(data).as_posix()
            sha, size = _copy_hashed(path, tmp / FILES / rel)
            entries.append({"path": f"{FILES}/{rel}", "sha256": sha, "size": size})
        manifest = {
            "format": FORMAT,
            "landcon_version": __version__,
            "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dialect": dialect,
            "database_url": _safe_url(url),
            "data_dir": str(data),
            "schema_revision": revision,
            "database_file": db_file,
            "records": counts,
            "files": entries,
        }
        with open(tmp / MANIFEST, "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        _check_target(out_dir)  # somebody may have written there meanwhile
        if out_dir.exists():
            out_dir.rmdir()
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {
        "path": str(out_dir),
        "dialect": dialect,
        "schema_revision": revision,
        "files": len(entries),
        "bytes": sum(e["size"] for e in entries),
        "records": counts,
    }


# Restore -----------------------------------------------------------------------------------------


def _read_manifest(in_dir: Path) -> dict[str, Any]:
    path = in_dir / MANIFEST
    if not in_dir.is_dir():
        raise BackupError("备份文件夹不存在", path=str(in_dir))
    if not path.is_file():
        raise BackupError(f"不是 landcon 备份：缺少 {MANIFEST}", path=str(in_dir))
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"备份说明文件无法读取：{error}", path=str(path)) from error
    required = ("format", "dialect", "database_file", "files")
    missing = [k for k in required if not isinstance(manifest, dict) or k not in manifest]
    if missing:
        raise BackupError(f"备份说明文件缺少 {'、'.join(missing)}", path=str(path))
    if manifest["format"] != FORMAT:
        raise BackupError(f"备份格式版本 {manifest['format']} 不受支持（本程序为 {FORMAT}）", path=str(path))
    if manifest["database_file"] not in (SQLITE_FILE, PG_FILE):
        raise BackupError(f"备份说明文件中的数据库文件名 {manifest['database_file']!r} 无效", path=str(path))
    return manifest


def _verify_files(in_dir: Path, manifest: dict[str, Any]) -> None:
    """Every listed file present with its size and SHA-256; nothing unlisted under files/."""
    listed: set[str] = set()
    for entry in manifest["files"]:
        rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts or "\\" in rel:
            raise BackupError(f"备份说明文件中的路径 {rel!r} 无效", path=str(in_dir / MANIFEST))
        listed.add(rel)
        path = in_dir / rel
        if not path.is_file():
            raise BackupError("备份中缺少该文件", path=str(path))
        sha, size = _hash_file(path)
        if size != entry.get("size") or sha != entry.get("sha256"):
            raise BackupError(
                f"校验失败（大小 {size}，备份记录 {entry.get('size')}；SHA-256 不符）：备份已损坏或被修改",
                path=str(path),
            )
    if manifest["database_file"] not in listed:
        raise BackupError(f"备份说明文件未列出数据库文件 {manifest['database_file']}", path=str(in_dir / MANIFEST))
    for path in _data_files(in_dir / FILES, set()):
        rel = path.relative_to(in_dir).as_posix()
        if rel not in listed:
            raise BackupError("备份中有未列入 backup.json 的文件", path=str(path))


def _known_revision(revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return ScriptDirectory(str(store_db.MIGRATIONS)).get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def _swap_tree(live: Path, new: Path, aside: Path, keep: set[Path], moves: list[tuple[Path, Path]]) -> None:
    """Give ``live`` the entries of ``new``; its own entries go to ``aside`` (same relative paths).
    ``keep`` paths are left alone and their parent folders merged; every rename is logged in ``moves``."""
    names: set[str] = set()
    for folder in (live, new):
        if folder.is_dir():
            names.update(os.listdir(folder))
    for name in sorted(names):
        cur, rep, old = live / name, new / name, aside / name
        if cur in keep:
            continue
        if any(cur in k.parents for k in keep):
            _swap_tree(cur, rep, old, keep, moves)
            continue
        if cur.exists() or cur.is_symlink():
            old.parent.mkdir(parents=True, exist_ok=True)
            os.rename(cur, old)
            moves.append((cur, old))
        if rep.exists():
            live.mkdir(parents=True, exist_ok=True)
            os.rename(rep, cur)
            moves.append((rep, cur))


def _undo(moves: list[tuple[Path, Path]]) -> None:
    for src, dst in reversed(moves):
        os.rename(dst, src)


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".restore-{uuid.uuid4().hex[:8]}-{target.name}")
    try:
        shutil.copyfile(backup_file, staged)
        with open(staged, "rb+") as f:
            os.fsync(f.fileno())
        records.close_all()
        if target.exists():
            # Fold the write-ahead log into the old file, so no stale -wal is applied to the new one.
            with closing(sqlite3.connect(target, timeout=30)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for side in _SQLITE_SIDE:
            target.with_name(target.name + side).unlink(missing_ok=True)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def _restore_postgresql(backup_file: Path, url: str) -> None:
    records.close_all()
    conninfo, env = _pg_conninfo(make_url(url))
    cmd = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run_tool([*cmd, f"--dbname={conninfo}", str(backup_file)], env, "恢复 PostgreSQL 数据库")


def _check_after(url: str, data: Path) -> dict[str, Any]:
    """Audit chain and attachments of the restored database."""
    with _open(url) as db, db.sessions() as session:
        chain = audit.verify(session)
        shas = list(session.scalars(select(Blob.sha256)))
    store = BlobStore(data / "blobs")
    missing = [sha for sha in shas if not store.exists(sha)]
    return {"audit": chain, "blobs": {"count": len(shas), "missing": missing}}


def restore(who: Actor, in_dir: str | Path) -> dict[str, Any]:
    """Replace the records database and the data directory by the backup in ``in_dir``."""
    records.require_province(who, "backup")
    in_dir = Path(in_dir).resolve()
    manifest = _read_manifest(in_dir)
    _verify_files(in_dir, manifest)
    url = _url()
    dialect = make_url(url).get_backend_name()
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"备份来自 {manifest['dialect']} 数据库，当前配置的是 {dialect} 数据库：不能跨数据库类型恢复",
            path=str(in_dir),
        )
    revision = manifest.get("schema_revision")
    if not _known_revision(revision):
        raise BackupError(f"备份的结构版本 {revision} 不为本程序所知（备份来自更新的 landcon？）", path=str(in_dir))
    data = config.data_dir().resolve()
    data.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    new, aside = data / f".restore-new-{tag}", data / f".restore-old-{tag}"
    target = _sqlite_path(url)
    keep = {new, aside, in_dir, *_sqlite_side_files(target), *_backups_under(data)}
    moves: list[tuple[Path, Path]] = []
    undone = True  # the data directory holds either its old or its new content, nothing half-way
    try:
        new.mkdir()
        source = in_dir / FILES
        for path in _data_files(source, set()):
            dst = new / path.relative_to(source)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst)
        records.close_all()
        try:
            _swap_tree(data, new, aside, keep, moves)
            backup_file = in_dir / manifest["database_file"]
            if dialect == "sqlite":
                if target is None:
                    raise BackupError("不能恢复到内存中的 SQLite 数据库")
                _restore_sqlite(backup_file, target)
            else:
                _restore_postgresql(backup_file, url)
        except BaseException:
            undone = False
            _undo(moves)
            undone = True
            raise
    finally:
        shutil.rmtree(new, ignore_errors=True)
        if undone:  # else the previous content stays in `aside` for the administrator
            shutil.rmtree(aside, ignore_errors=True)
        records.close_all()
    checks = _check_after(url, data)
    return {
        "path": str(in_dir),
        "dialect": dialect,
        "schema_revision": revision,
        "created_at": manifest.get("created_at"),
        "files": len(manifest["files"]),
        "records": manifest.get("records", {}),
        **checks,
        "ok": bool(checks["audit"]["ok"]) and not checks["blobs"]["missing"],
    }
