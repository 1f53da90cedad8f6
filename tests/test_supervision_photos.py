"""Site photos: EXIF position and time (fixtures written with Pillow), the position check on the
100 m grid, storage with a thumbnail, and who may add them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from ledger_fixtures import CODE, project_to
from PIL import Image
from records_fixtures import RecordsDB
from supervision_fixtures import OUTLINE, jpeg, lonlat

from landcon.engine import photos as P
from landcon.errors import InvalidRecord, NotFound
from landcon.services import attachments, records, supervision
from landcon.services import supervision_photos as SP


@pytest.mark.parametrize(
    ("x", "y", "status", "distance"),
    [
        (50, 50, P.ON_SITE, 0.0),  # the cell's centre
        (150, 50, P.ON_SITE, 50.0),  # 50 m east of the cell: on the buffer's edge
        (160, 50, P.OUTSIDE, 60.0),
        (50, -100, P.OUTSIDE, 100.0),  # 100 m south
        (130, 140, P.OUTSIDE, 50.0),  # 30 m east and 40 m north of the corner: 50 m, but buffer 49 m
    ],
)
def test_position_check_on_the_grid(x: float, y: float, status: str, distance: float) -> None:
    buffer_m = 49.0 if (x, y) == (130, 140) else 50.0
    check = P.position_check(*lonlat(x, y), OUTLINE, 4543, buffer_m)
    assert (check.status, check.distance_m) == (status, distance)


def test_photo_without_position_or_outline_is_flagged() -> None:
    assert P.position_check(None, None, OUTLINE, 4543, 50) == P.PositionCheck(P.NO_POSITION, None)
    check = P.position_check(*lonlat(50, 50), None, None, 50)
    assert (check.status, check.flagged) == (P.NO_OUTLINE, True)


def test_exif_position_and_time_are_read(tmp_path: Path) -> None:
    lon, lat = lonlat(50, 50)
    meta = P.read_photo(jpeg(tmp_path / "in.jpg", (lon, lat)).read_bytes())
    assert meta.lon == pytest.approx(lon, abs=1e-7) and meta.lat == pytest.approx(lat, abs=1e-7)
    assert (meta.taken_at, meta.width, meta.height) == (dt.datetime(2026, 6, 30, 10, 15), 640, 480)
    bare = P.read_photo(jpeg(tmp_path / "bare.jpg", None).read_bytes())
    assert (bare.lon, bare.lat) == (None, None)
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with pytest.raises(InvalidRecord, match="照片应为 JPEG（现为 PNG）"):
        P.read_photo(png.getvalue())


def test_photos_are_stored_with_thumbnails_and_checked(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)  # Z1: cells (0,0) and (2,0); Z2: no outline
    report = supervision.add_report(sup, CODE, "Z1", period="2026-06", reported_on="2026-06-30", percent=40)
    inside = SP.add_photo(sup, CODE, "Z1", jpeg(tmp_path / "inside.jpg", lonlat(250, 50)), report_id=report["id"])
    outside = SP.add_photo(sup, CODE, "Z1", jpeg(tmp_path / "outside.jpg", lonlat(50, 600)))
    bare = SP.add_photo(sup, CODE, "Z1", jpeg(tmp_path / "bare.jpg", None))
    no_outline = SP.add_photo(sup, CODE, "Z2", jpeg(tmp_path / "z2.jpg", lonlat(50, 50)))
    got = [(p["status"], p["flagged"]) for p in (inside, outside, bare, no_outline)]
    assert got == [(P.ON_SITE, False), (P.OUTSIDE, True), (P.NO_POSITION, True), (P.NO_OUTLINE, True)]
    # EXIF keeps seconds of arc to 1/10,000 here (≈ 3 mm on the ground)
    assert (inside["distance_m"], bare["distance_m"], no_outline["distance_m"]) == (0.0, None, None)
    assert outside["distance_m"] == pytest.approx(500.0, abs=0.005)
    assert (inside["report_id"], inside["taken_at"], inside["buffer_m"]) == (report["id"], "2026-06-30T10:15:00", 50.0)
    assert inside["sha256"] == attachments.blob_store().put_bytes((tmp_path / "inside.jpg").read_bytes())[0]
    with Image.open(SP.photo_file(sup, CODE, inside["id"], thumbnail=True)) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (320, 240))
    assert [p["id"] for p in SP.list_photos(records.actor("fm_author"), CODE, "Z1")] == [
        inside["id"],
        outside["id"],
        bare["id"],
    ]


def test_who_may_add_photos(records_world: RecordsDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project_to(tmp_path, "implementation")
    supervision.create_from_plan(records.actor("fm_sup"), CODE)
    photo = jpeg(tmp_path / "p.jpg", lonlat(50, 600))
    with pytest.raises(NotFound):
        SP.add_photo(records.actor("wh_sup"), CODE, "Z1", photo)
    with pytest.raises(NotFound):
        SP.list_photos(records.actor("wh_sup"), CODE)
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"not a jpeg")
    with pytest.raises(InvalidRecord, match="照片无法读取"):
        SP.add_photo(records.actor("fm_sup"), CODE, "Z1", fake)
    wide = tmp_path / "wide.yaml"
    wide.write_text("supervision: {photo_buffer_m: 600}\n", encoding="utf-8")
    monkeypatch.setenv("LANDCON_PROFILE", str(wide))
    assert SP.add_photo(records.actor("fm_sup"), CODE, "Z1", photo)["status"] == P.ON_SITE
    assert SP.list_photos(records.actor("fm_sup"), CODE)[0]["buffer_m"] == 600.0
