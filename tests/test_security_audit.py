"""Issue 16 §5: the keyed audit chain and its anchor (on both engines), and the crash-safe swap."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.engine import audit as chain
from landcon.services import audit, org, records
from landcon.store import _atomic, audit_key
from landcon.store.datasets import DatasetStore, file_checksum
from landcon.store.staging import staged_folder

runner = CliRunner()


def _unguard(conn) -> None:  # type: ignore[no-untyped-def]
    """What an attacker with the database owner's rights does first: drop the append-only guard."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
    else:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))


def _rewrite_plain(*, edit_seq: int | None = None, drop_marker: bool = False, upto: int | None = None) -> None:
    """Edit an entry (and/or drop the key marker, or everything after ``upto``) and recompute every hash
    as plain SHA-256 — all an attacker without the key can do — then fix up the head record."""
    with records.database().engine.begin() as conn:
        _unguard(conn)
        if edit_seq is not None:
            conn.execute(text("UPDATE audit_log SET actor = 'someone_else' WHERE seq = :s"), {"s": edit_seq})
        if drop_marker:
            conn.execute(text(f"DELETE FROM audit_log WHERE action = '{chain.KEY_MARKER}'"))
        if upto is not None:
            conn.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": upto})
        rows = conn.execute(
            text("SELECT seq, at, actor, action, object_type, object_id, changes FROM audit_log ORDER BY seq")
        ).all()
        conn.execute(text("DELETE FROM audit_log"))
        prev = chain.GENESIS
        for new_seq, (_seq, at, actor, action, otype, oid, changes) in enumerate(rows, start=1):
            h = chain.stored_entry_hash(prev, new_seq, at, actor, action, otype, oid, changes)
            conn.execute(
                text(
                    "INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, changes, prev_hash, hash)"
                    " VALUES (:seq, :at, :actor, :action, :ot, :oid, :ch, :prev, :h)"
                ),
                {"seq": new_seq, "at": at, "actor": actor, "action": action, "ot": otype, "oid": oid}
                | {"ch": changes, "prev": prev, "h": h},
            )
            prev = h
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": len(rows), "h": prev})


def _verify(anchor: dict | None = None) -> dict:
    return audit.verify(records.system_actor(), anchor)


def _add_unit(code: str) -> None:
    """An ordinary audited write (a user named after ``code``)."""
    org.add_user(records.system_actor(), f"u{code}", password="Kz-7rq!wv93-Lm", unit="530124", roles=["leader"])


def test_edited_entry_with_recomputed_plain_hashes_fails_verify(records_db):
    first = _verify()
    assert first["ok"] and first["keyed_from"] == 1 and first["entries"] > 10
    _rewrite_plain(edit_seq=5)
    result = _verify()
    assert not result["ok"]
    # from the marker on every hash is an HMAC: the plain hashes no longer match
    assert [b["seq"] for b in result["breaks"]][:1] == [1]


def test_dropping_the_marker_and_rewriting_the_chain_is_reported(records_db):
    _rewrite_plain(edit_seq=5, drop_marker=True)
    result = _verify()
    assert not result["ok"]
    assert any("没有密钥标记" in b["problem"] for b in result["breaks"])


def test_anchor_catches_truncation_and_is_checked_by_verify(records_db, tmp_path):
    _add_unit("530124199")
    held = audit.anchor(records.system_actor())
    assert held["seq"] == _verify()["head_seq"] and len(held["hash"]) == 64 and held["at"].endswith("Z")
    assert _verify(held)["ok"]
    _add_unit("530124198")  # later writes keep the anchored head in the chain
    assert _verify(held)["ok"]
    # Remove the newest entries (including the anchored one) and fix the head: the chain alone looks whole …
    with records.database().engine.begin() as conn:
        _unguard(conn)
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": held["seq"]})
        last = conn.execute(text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).one()
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": last[0], "h": last[1]})
    assert _verify()["ok"]
    # … but not against the anchor kept elsewhere.
    result = _verify(held)
    assert not result["ok"] and result["breaks"][-1]["seq"] == held["seq"]
    assert "不在日志中" in result["breaks"][-1]["problem"]


def test_cli_anchor_file_and_verify_exit_codes(records_db, tmp_path):
    out = tmp_path / "anchor.json"
    made = runner.invoke(app, ["audit", "anchor", "--out", str(out), "--json"])
    assert made.exit_code == 0, made.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == json.loads(made.stdout) and set(saved) == {"seq", "hash", "at"}
    good = runner.invoke(app, ["audit", "verify", "--anchor", str(out), "--json"])
    assert good.exit_code == 0 and json.loads(good.stdout)["ok"]
    out.write_text(json.dumps(saved | {"hash": "0" * 64}), encoding="utf-8")
    bad = runner.invoke(app, ["audit", "verify", "--anchor", str(out)])
    assert bad.exit_code == 1 and "与锚点不符" in bad.output
    out.write_text("not json", encoding="utf-8")
    broken = runner.invoke(app, ["audit", "verify", "--anchor", str(out)])
    assert broken.exit_code == 2 and "Traceback" not in broken.output and "锚点" in broken.output


def test_database_from_before_the_key_is_keyed_from_a_marker(records_db):
    """An old database: plain hashes, no marker, no key file. Verified by plain hashes; the next write
    creates the key (0600) and the marker, after which the old entries are covered too."""
    _rewrite_plain(drop_marker=True)
    audit_key.key_file().unlink()
    old = _verify()
    assert old["ok"] and old["keyed_from"] is None and not audit_key.key_file().exists()  # readers create no key
    _add_unit("530124197")
    assert stat.S_IMODE(audit_key.key_file().stat().st_mode) == 0o600
    new = _verify()
    assert new["ok"] and new["keyed_from"] == old["head_seq"] + 1
    assert new["entries"] == old["entries"] + 3  # the marker, the new user and its role
    _rewrite_plain(edit_seq=3)  # an entry from before the key, re-hashed: the keyed entries after it fail
    assert not _verify()["ok"]


def test_env_key_wins_and_a_changed_key_is_named(records_db, monkeypatch):
    assert _verify()["ok"]
    monkeypatch.setenv("LANDCON_AUDIT_KEY", "another key of sufficient length")
    result = _verify()
    assert not result["ok"]
    assert any("密钥指纹不符" in b["problem"] for b in result["breaks"])


def test_missing_key_file_is_reported_not_ignored(records_db):
    os.remove(audit_key.key_file())
    result = _verify()
    assert not result["ok"] and result["breaks"][0] == {"seq": 1, "problem": "缺少审计密钥：本条起的记录无法核验"}


def test_unusable_key_settings_are_one_line_errors(records_db, monkeypatch):
    audit_key.key_file().write_text("not hex at all, but long enough to pass the length check\n", encoding="ascii")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 2 and "不是十六进制文本" in bad.output and "Traceback" not in bad.output
    monkeypatch.setenv("LANDCON_AUDIT_KEY", "short")
    short = runner.invoke(app, ["audit", "verify"])
    assert short.exit_code == 2 and "LANDCON_AUDIT_KEY 过短" in short.output


# --- crash-safe swap (issue 16 §5) ------------------------------------------------------------------------

_CHILD = """
import sys
from pathlib import Path
import geopandas as gpd
from shapely.geometry import box
from landcon.store.datasets import DatasetStore

root, version = Path(sys.argv[1]), sys.argv[2]
frame = gpd.GeoDataFrame({"BSM": [version]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4543")
DatasetStore(root).create("demo", {"DLTB": frame}, {"source": version}, replace=True)
"""


def _write_version(root: Path, version: str, crash: str | None = None) -> int:
    """Store dataset ``demo`` at ``version`` in a child process that is killed at ``crash`` (swap stage)."""
    env = {k: v for k, v in os.environ.items() if k != "LANDCON_TEST_SWAP_CRASH"}
    if crash:
        env["LANDCON_TEST_SWAP_CRASH"] = crash
    return subprocess.run([sys.executable, "-c", _CHILD, str(root), version], env=env, timeout=120).returncode


def _whole(root: Path) -> str:
    """The stored version of ``demo``, after checking the manifest's checksums against the files."""
    store = DatasetStore(root)
    manifest = store.manifest("demo")
    for layer, entry in manifest["layers"].items():
        assert file_checksum(store.layer_path("demo", layer)) == entry["sha256"]
    assert list(store.read_layer("demo", "DLTB")["BSM"]) == [manifest["source"]]
    return str(manifest["source"])


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "datasets").iterdir() if p.name not in ("demo", ".versions"))


@pytest.mark.parametrize(("crash", "expected"), [("1", "v1"), ("2", "v2")])
def test_a_replacement_killed_between_or_after_its_renames_leaves_a_whole_dataset(tmp_path, crash, expected):
    assert _write_version(tmp_path, "v1") == 0
    assert _write_version(tmp_path, "v2", crash=crash) == 70  # killed inside swap_in
    names = _leftovers(tmp_path)
    assert any(n.startswith(".swap-") for n in names)
    if crash == "1":
        assert not (tmp_path / "datasets" / "demo").exists()  # what was lost before: only .old-/.tmp- remain
    # Opening the store settles the interrupted swap: rolled back before the second rename, completed after.
    assert _whole(tmp_path) == expected
    assert _leftovers(tmp_path) == []
    assert _write_version(tmp_path, "v3") == 0 and _whole(tmp_path) == "v3"


def test_the_next_swap_in_the_folder_settles_an_interrupted_one(tmp_path):
    """Result folders (survey, plan exports) are published with the same swap; the next publish in the
    folder recovers an interrupted one."""
    out = tmp_path / "results" / "a"
    out.mkdir(parents=True)
    (out / "x.txt").write_text("old", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from landcon.store.staging import staged_folder\n"
        "with staged_folder(Path(sys.argv[1])) as tmp: (tmp / 'x.txt').write_text('new', encoding='utf-8')\n"
    )
    env = os.environ | {"LANDCON_TEST_SWAP_CRASH": "1"}
    assert subprocess.run([sys.executable, "-c", code, str(out)], env=env, timeout=60).returncode == 70
    assert not out.exists()
    other = tmp_path / "results" / "b"
    with staged_folder(other) as tmp:
        (tmp / "y.txt").write_text("b", encoding="utf-8")
    assert (out / "x.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in out.parent.iterdir()) == ["a", "b"]


def test_a_running_swap_is_not_touched_by_recovery(tmp_path):
    """A journal whose writer still holds its lock belongs to a swap in progress: recovery skips it."""
    folder = tmp_path / "d"
    folder.mkdir()
    target, tmp, aside = folder / "t", folder / ".t.tmp", folder / ".t.old"
    target.write_text("old", encoding="utf-8")
    tmp.write_text("new", encoding="utf-8")
    with _atomic._journal(tmp, target, aside):
        os.rename(target, aside)  # the swap is between its renames
        assert _atomic.recover(folder) == []
        assert aside.exists() and not target.exists()
        os.rename(tmp, target)
    assert sorted(p.name for p in folder.iterdir()) == [".t.old", "t"]
