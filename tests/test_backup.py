"""Backup and restore of the records database and the data directory, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from records_fixtures import RecordsDB
from sqlalchemy import select
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.errors import BackupError, PermissionDenied
from landcon.services import attachments, database, org, records
from landcon.store import audit
from landcon.store.models import Blob, User

PASSWORD = "correct-horse-42"


def _add_user(name: str) -> None:
    org.add_user(records.system_actor(), name, password=PASSWORD, unit="530124", roles=["author"])


def _attach(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    with records.write(records.system_actor(), "attachment.add") as session:
        return attachments.store_file(session, path).sha256


def _usernames() -> set[str]:
    with records.read() as session:
        return set(session.scalars(select(User.username)))


def _blob_rows() -> set[str]:
    with records.read() as session:
        return set(session.scalars(select(Blob.sha256)))


def _flip_byte(path: Path, at: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[min(at, len(data) - 1)] ^= 0xFF
    path.write_bytes(bytes(data))


def test_backup_change_restore(records_db: RecordsDB, tmp_path: Path) -> None:
    data = records_db.data_dir
    _add_user("alice")
    kept = _attach(tmp_path, "before.pdf", b"%PDF-1.4 kept\n")
    (data / "datasets" / "demo").mkdir(parents=True)
    (data / "datasets" / "demo" / "manifest.json").write_text('{"name": "demo"}', "utf-8")

    out = tmp_path / "backups" / "b1"
    result = database.backup(records.system_actor(), out)
    assert result["dialect"] == records_db.dialect
    assert result["records"]["users"] == 1 and result["records"]["blobs"] == 1
    assert result["records"]["units"] == 146
    manifest = json.loads((out / "backup.json").read_text("utf-8"))
    db_file = "landcon.db" if records_db.dialect == "sqlite" else "landcon.dump"
    paths = {f["path"] for f in manifest["files"]}
    assert db_file in paths
    assert f"files/blobs/{kept[:2]}/{kept}" in paths
    assert "files/datasets/demo/manifest.json" in paths
    assert not any(p.startswith("files/landcon.db") for p in paths)  # the database goes in as a copy only
    assert manifest["schema_revision"] and manifest["landcon_version"] and manifest["created_at"]
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in manifest["files"])
    assert not list(out.parent.glob(".b1.partial-*"))

    # changes after the backup: a user, an attachment, a dataset file, an edited file
    _add_user("bob")
    added = _attach(tmp_path, "after.pdf", b"%PDF-1.4 added later\n")
    (data / "datasets" / "late").mkdir()
    (data / "datasets" / "late" / "manifest.json").write_text("{}", "utf-8")
    (data / "datasets" / "demo" / "manifest.json").write_text('{"name": "changed"}', "utf-8")
    assert _usernames() == {"alice", "bob"}

    restored = database.restore(records.system_actor(), out)
    assert restored["ok"] is True
    assert restored["audit"]["ok"] is True and restored["audit"]["entries"] > 0
    assert restored["blobs"] == {"count": 1, "missing": []}

    assert _usernames() == {"alice"}
    assert _blob_rows() == {kept}
    store = attachments.blob_store()
    assert store.exists(kept) and store.check(kept)
    assert store.read_bytes(kept) == b"%PDF-1.4 kept\n"
    assert not store.exists(added)
    assert (data / "datasets" / "demo" / "manifest.json").read_text("utf-8") == '{"name": "demo"}'
    assert not (data / "datasets" / "late").exists()
    assert not list(data.glob(".restore-*"))
    if records_db.dialect == "sqlite":
        assert (data / "landcon.db").is_file()
    # the restored database is usable and audited as before
    _add_user("carol")
    assert _usernames() == {"alice", "carol"}
    with records.read() as session:
        assert audit.verify(session)["ok"] is True


def test_backup_inside_data_dir_leaves_other_backups_alone(records_db: RecordsDB, tmp_path: Path) -> None:
    data = records_db.data_dir
    _add_user("alice")
    first = data / "backups" / "first"
    database.backup(records.system_actor(), first)
    second = data / "backups" / "second"
    database.backup(records.system_actor(), second)
    paths = {f["path"] for f in json.loads((second / "backup.json").read_text("utf-8"))["files"]}
    assert not any(p.startswith("files/backups/") for p in paths)  # earlier backups are not copied

    _add_user("bob")
    database.restore(records.system_actor(), first)
    assert _usernames() == {"alice"}
    assert (second / "backup.json").is_file() and (first / "backup.json").is_file()


def test_restore_refuses_altered_database_file(records_db: RecordsDB, tmp_path: Path) -> None:
    _add_user("alice")
    out = tmp_path / "bk"
    database.backup(records.system_actor(), out)
    _add_user("bob")
    db_file = out / ("landcon.db" if records_db.dialect == "sqlite" else "landcon.dump")
    _flip_byte(db_file)
    with pytest.raises(BackupError, match=re.escape(db_file.name)) as caught:
        database.restore(records.system_actor(), out)
    assert str(db_file) in str(caught.value)
    assert _usernames() == {"alice", "bob"}  # untouched


def test_restore_refuses_altered_blob(records_db: RecordsDB, tmp_path: Path) -> None:
    sha = _attach(tmp_path, "a.pdf", b"%PDF-1.4 some content here\n")
    out = tmp_path / "bk"
    database.backup(records.system_actor(), out)
    _add_user("bob")
    blob = out / "files" / "blobs" / sha[:2] / sha
    _flip_byte(blob, at=5)
    with pytest.raises(BackupError, match=sha):
        database.restore(records.system_actor(), out)
    assert _usernames() == {"bob"}
    assert attachments.blob_store().check(sha)


def test_restore_refuses_unlisted_and_missing_files(records_db: RecordsDB, tmp_path: Path) -> None:
    out = tmp_path / "bk"
    database.backup(records.system_actor(), out)
    (out / "files").mkdir(exist_ok=True)
    (out / "files" / "intruder.txt").write_text("x", "utf-8")
    with pytest.raises(BackupError, match=re.escape("intruder.txt")):
        database.restore(records.system_actor(), out)
    (out / "files" / "intruder.txt").unlink()
    (out / "backup.json").write_text("{not json", "utf-8")
    with pytest.raises(BackupError, match=re.escape("backup.json")):
        database.restore(records.system_actor(), out)
    with pytest.raises(BackupError, match=re.escape("backup.json")):
        database.restore(records.system_actor(), tmp_path)


def test_restore_refuses_other_dialect(records_db: RecordsDB, tmp_path: Path) -> None:
    out = tmp_path / "bk"
    database.backup(records.system_actor(), out)
    manifest_path = out / "backup.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    other = "postgresql" if records_db.dialect == "sqlite" else "sqlite"
    manifest["dialect"] = other
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(BackupError, match=other):
        database.restore(records.system_actor(), out)


def test_backup_refuses_non_empty_target(records_db: RecordsDB, tmp_path: Path) -> None:
    target = tmp_path / "full"
    target.mkdir()
    (target / "something.txt").write_text("keep me", "utf-8")
    with pytest.raises(BackupError, match="full"):
        database.backup(records.system_actor(), target)
    assert sorted(p.name for p in target.iterdir()) == ["something.txt"]
    assert not list(tmp_path.glob(".full.partial-*"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert database.backup(records.system_actor(), empty)["path"] == str(empty)
    assert (empty / "backup.json").is_file()


def test_backup_and_restore_need_admin(records_db: RecordsDB, tmp_path: Path) -> None:
    _add_user("alice")
    alice = records.actor("alice")
    with pytest.raises(PermissionDenied):
        database.backup(alice, tmp_path / "bk")
    assert not (tmp_path / "bk").exists()
    database.backup(records.system_actor(), tmp_path / "bk")
    with pytest.raises(PermissionDenied):
        database.restore(alice, tmp_path / "bk")


# CLI -----------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_backup_restore(records_db: RecordsDB, tmp_path: Path) -> None:
    _add_user("alice")
    out = tmp_path / "cli-backup"
    result = runner.invoke(app, ["backup", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"]["users"] == 1

    result = runner.invoke(app, ["backup", str(out)])
    assert result.exit_code == BackupError.exit_code
    assert "备份目标已存在" in result.output

    _add_user("bob")
    result = runner.invoke(app, ["restore", str(out)])
    assert result.exit_code == 0, result.output
    assert "审计日志核验通过" in result.stdout
    assert _usernames() == {"alice"}

    result = runner.invoke(app, ["restore", str(out), "--as", "alice", "--json"])
    assert result.exit_code == PermissionDenied.exit_code
    assert json.loads(result.stdout)["error"]["type"] == "PermissionDenied"

    result = runner.invoke(app, ["restore", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["audit"]["ok"] is True
