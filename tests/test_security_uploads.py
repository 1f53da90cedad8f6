"""Uploads cannot exhaust the server (issue 16 §2): authentication and permission before the body,
the size limit while streaming, a request-size cap, zip bombs and broken zips, expiry, tile cache.

Large bodies go through the real ASGI application with a ``receive`` that hands out 1 MiB chunks
and records how much of the body the server took and how much it had written to disk meanwhile.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from upload_fixtures import MiB, left_behind, raw_post
from web_fixtures import csrf_of, project_in_plan_stage, sign_in

from landcon import config
from landcon.web.app import create_app


@pytest.fixture
def client(records_world, tmp_path, monkeypatch):
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # where Starlette would spool form files
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_unauthenticated_upload_is_refused_before_the_body_is_read(client):
    r = raw_post(client, "/api/v1/uploads", body_mib=48)
    assert r["status"] == 401
    assert r["consumed"] == 0 and r["disk"] == 0
    assert left_behind() == []


def test_upload_limit_is_enforced_while_streaming_and_the_partial_file_removed(client, monkeypatch):
    monkeypatch.setenv("LANDCON_UPLOAD_MAX_MB", "5")
    sign_in(client, "fm_author")
    token = csrf_of(client)
    r = raw_post(client, "/api/v1/uploads", body_mib=48, csrf=token)
    assert r["status"] == 413
    assert r["consumed"] <= 7 * MiB  # stopped at the limit (+ the chunk that crossed it), not 48 MiB
    assert r["disk"] <= 5 * MiB + 1024  # the data up to the limit and the uploader record (owner.json)
    assert left_behind() == []


def test_forged_upload_without_csrf_writes_nothing(client):
    sign_in(client, "fm_author")
    r = raw_post(client, "/api/v1/uploads", body_mib=8, csrf="wrong")
    assert r["status"] == 403
    assert r["disk"] == 0 and left_behind() == []


def test_reporter_cannot_upload_and_the_body_is_not_read(client):
    sign_in(client, "fm_town")
    token = csrf_of(client)
    r = raw_post(client, "/api/v1/uploads", body_mib=32, csrf=token)
    assert r["status"] == 403 and r["consumed"] == 0


def test_plan_upload_by_another_county_is_403_before_the_body(client, tmp_path):
    project_in_plan_stage(tmp_path)
    sign_in(client, "wh_author")
    token = csrf_of(client)
    r = raw_post(client, "/projects/FM-WEB-01/plan", body_mib=48, fields={"csrf_token": token})
    assert r["status"] in (403, 404) and r["consumed"] == 0 and r["disk"] == 0


def test_plan_upload_is_streamed_with_the_limit(client, tmp_path, monkeypatch):
    project_in_plan_stage(tmp_path)
    monkeypatch.setenv("LANDCON_UPLOAD_MAX_MB", "5")
    sign_in(client, "fm_author")
    token = csrf_of(client)
    r = raw_post(client, "/projects/FM-WEB-01/plan", body_mib=48, fields={"csrf_token": token})
    assert r["status"] == 413 and r["consumed"] <= 7 * MiB and r["disk"] <= 5 * MiB
    assert left_behind() == []


def test_request_size_cap_refuses_a_declared_large_body_unread(client, monkeypatch):
    monkeypatch.setenv("LANDCON_UPLOAD_MAX_MB", "5")
    r = raw_post(client, "/api/v1/uploads", body_mib=48, declare_length=True)
    assert r["status"] == 413 and r["consumed"] == 0
    r = raw_post(client, "/login", body_mib=32)  # an ordinary form: LANDCON_REQUEST_MAX_MB (16)
    assert r["status"] == 413 and r["consumed"] <= 17 * MiB and r["disk"] <= 16 * MiB
    assert left_behind() == []


def test_plan_and_dataset_uploads_still_work_through_the_pages(client, tmp_path):
    import io
    import zipfile

    from plan_fixtures import GOOD, write_plan

    from landcon.services import projects, records

    project_in_plan_stage(tmp_path)
    folder = write_plan(tmp_path / "v2", GOOD[:1])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in folder.rglob("*"):
            if f.is_file():
                zf.write(f, f"plan/{f.relative_to(folder)}")
    sign_in(client, "fm_author")
    token = csrf_of(client)
    r = client.post(
        "/projects/FM-WEB-01/plan",
        data={"csrf_token": token},
        files={"file": ("plan.zip", buf.getvalue())},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    versions = projects.show_project(records.actor("fm_author"), "FM-WEB-01")["plan_versions"]
    assert len(versions) == 1  # the draft was replaced by the uploaded plan
    r = client.post("/projects/FM-WEB-01/plan", data={"csrf_token": token, "example": "true"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = client.post(
        "/projects/FM-WEB-01/plan", data={"csrf_token": "forged"}, files={"file": ("plan.zip", buf.getvalue())}
    )
    assert r.status_code == 403
    assert left_behind() == []


# Zip bombs and broken zips: one check (store.zipsafe) for the web and the command line -------------


def bomb_zip(entries: int, size: int = MiB, name: str = "DLTB{}.dbf") -> bytes:
    """A zip of ``entries`` members of ``size`` zero bytes, deflated once and repeated (built by hand:
    compressing 8 GiB would take minutes)."""
    import struct
    import zlib

    zeros = b"\0" * size
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packer.compress(zeros) + packer.flush()
    crc = zlib.crc32(zeros)
    body, central = bytearray(), bytearray()
    for i in range(entries):
        fname = name.format(i).encode()
        offset = len(body)
        body += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(fname), 0)
        body += fname + data
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(fname),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += fname
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, entries, entries, len(central), len(body), 0)
    return bytes(body + central + end)


def corrupt_zip(method: int) -> bytes:
    """A one-member zip whose data no longer matches its CRC (stored) or is no deflate stream (deflated)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("DLTB.parquet", bytes(range(256)) * 64)
    raw = bytearray(buf.getvalue())
    start = 30 + len("DLTB.parquet")  # the member's data follows its local header
    for i in range(start + 10, start + 40):
        raw[i] ^= 0x5A
    return bytes(raw)


def post_zip(client: TestClient, name: str, payload: bytes):
    token = csrf_of(client)
    return client.post("/api/v1/uploads", files={"file": (name, payload)}, headers={"X-CSRF-Token": token})


def test_zip_bomb_of_8192_one_mib_entries_is_refused_before_extracting(client):
    payload = bomb_zip(8192)  # 8 GiB declared in ~9 MB: exactly 4 × the default 2048 MB limit
    assert len(payload) < 12 * MiB
    sign_in(client, "fm_author")
    r = post_zip(client, "bomb.zip", payload)
    assert r.status_code == 400 and "压缩炸弹" in r.json()["error"]
    assert left_behind() == []


def test_zip_bomb_within_the_old_total_is_refused_by_the_ratio_of_every_entry(client, monkeypatch):
    monkeypatch.setenv("LANDCON_UPLOAD_MAX_MB", "64")  # 200 × 1 MiB declared < 4 × 64 MiB
    sign_in(client, "fm_author")
    r = post_zip(client, "bomb.zip", bomb_zip(200))
    assert r.status_code == 400 and "压缩比异常" in r.json()["error"]
    assert left_behind() == []


def test_declared_total_and_entry_count_are_checked(tmp_path):
    from landcon.store import zipsafe

    archive = tmp_path / "many.zip"
    archive.write_bytes(bomb_zip(50, size=100))
    with pytest.raises(zipsafe.UnsafeArchive, match="条目过多"):
        zipsafe.check(archive, zipsafe.Limits(max_total=MiB, max_entries=49))
    with pytest.raises(zipsafe.UnsafeArchive, match="总大小 0 MB 超过上限"):
        zipsafe.check(archive, zipsafe.Limits(max_total=4999))
    assert len(zipsafe.check(archive, zipsafe.Limits(max_total=5000))) == 50


@pytest.mark.parametrize("method", [0, 8], ids=["bad-crc", "broken-deflate"])
def test_broken_zip_is_a_clear_error_on_the_web(client, method):
    import zipfile

    sign_in(client, "fm_author")
    r = post_zip(client, "broken.zip", corrupt_zip(zipfile.ZIP_STORED if method == 0 else zipfile.ZIP_DEFLATED))
    assert r.status_code == 400 and "压缩包已损坏" in r.json()["error"], r.text
    assert left_behind() == []


@pytest.mark.parametrize("method", [0, 8], ids=["bad-crc", "broken-deflate"])
def test_broken_zip_is_a_clear_error_on_the_command_line(tmp_path, method):
    import zipfile

    from landcon.errors import InputReadError
    from landcon.store.layers import read_layers

    archive = tmp_path / "broken.zip"
    archive.write_bytes(corrupt_zip(zipfile.ZIP_STORED if method == 0 else zipfile.ZIP_DEFLATED))
    with pytest.raises(InputReadError, match="压缩包已损坏") as info:
        read_layers(archive)
    assert "broken.zip" in str(info.value)


def test_cli_reader_refuses_the_zip_bomb(tmp_path):
    from landcon.errors import InputReadError
    from landcon.store.layers import read_layers

    archive = tmp_path / "bomb.zip"
    archive.write_bytes(bomb_zip(300, name="DLTB{}.parquet"))
    with pytest.raises(InputReadError, match="压缩炸弹"):
        read_layers(archive)


# Expiry of uploads and staging folders; the tile cache's bound ---------------------------------------


def test_uploads_and_staging_folders_expire(client, monkeypatch):
    import os
    import time

    from landcon.services import uploads

    root = config.data_dir() / "uploads"
    old, fresh, staging = root / ("a" * 32), root / ("b" * 32), root / ("c" * 32 + ".unpack")
    for folder in (old, fresh, staging):
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "x.gpkg").write_bytes(b"x" * 100)
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(staging, (day_ago, day_ago))
    sign_in(client, "fm_author")
    token = csrf_of(client)
    client.post("/api/v1/uploads", files={"file": ("x.exe", b"MZ")}, headers={"X-CSRF-Token": token})
    assert sorted(p.name for p in root.iterdir()) == [fresh.name]  # swept at the (refused) upload
    r = client.post(f"/api/v1/uploads/{old.name}/import", json={"name": "x"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 404 and "已过期" in r.json()["error"]
    monkeypatch.setenv("LANDCON_UPLOAD_EXPIRY_HOURS", "0")
    assert uploads.expire(time.time() + 1) == 1
    assert not any(root.iterdir())


def test_expired_uploads_are_removed_when_the_server_starts(records_world):
    import os
    import time

    old = config.data_dir() / "uploads" / ("d" * 32)
    old.mkdir(parents=True)
    os.utime(old, (time.time() - 48 * 3600,) * 2)
    with TestClient(create_app(worker=False)):
        assert not old.exists()


@pytest.fixture
def tiled(tmp_path, monkeypatch):
    from conftest import write_grid

    from landcon.services.datasets import import_dataset

    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    import_dataset(write_grid(tmp_path / "grid.gpkg"), "grid")
    return tmp_path / "data" / "tiles"


def _entries(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*")) if folder.exists() else 0


def test_random_far_tiles_create_no_files(tiled):
    import random

    from landcon.services import tiles

    rng = random.Random(16)
    for _ in range(1500):
        assert tiles.tile("grid", "DLTB", 22, rng.randrange(1 << 22), rng.randrange(1 << 22)) == b""
    assert _entries(tiled) == 0


def test_deep_tiles_inside_the_data_are_built_but_not_cached(tiled):
    from landcon.engine import tiles as tm
    from landcon.services import tiles

    x, y = tm.tile_for_lonlat(102.0015, 25.3058, 16)
    assert tiles.tile("grid", "DLTB", 16, x, y) != b""  # cached: the map's deepest zoom
    cached = _entries(tiled)
    for dx in range(4):
        for dy in range(4):
            tiles.tile("grid", "DLTB", 18, 4 * x + dx, 4 * y + dy)
    assert _entries(tiled) == cached


def test_tile_cache_stays_within_its_bound(tiled, monkeypatch):
    from landcon.engine import tiles as tm
    from landcon.services import tiles
    from landcon.store import tilecache

    monkeypatch.setenv("LANDCON_TILE_CACHE_MB", str(5 * 4096 / 2**20))  # five 4 KiB blocks
    written = 0
    for layer, z0 in (("DLTB", 13), ("YJJBNTBHTB", 11)):
        for z in range(z0, 17):
            x, y = tm.tile_for_lonlat(102.0015, 25.3058, z)
            for dx in (-1, 0, 1):
                tiles.tile("grid", layer, z, x + dx, y)
                written += 1
                assert tilecache.size_on_disk(tiled) <= 5 * 4096
    assert written > 5 and 0 < tilecache.size_on_disk(tiled)
