"""Site photos of sub-projects: stored content-addressed with a thumbnail, their EXIF position checked.

Who may add a photo is who may report on the sub-project (``supervision.report`` on its responsible
unit, ``services.supervision.reportable_sub``); the size and type limits are the attachments' own
(``services.attachments``: ``.jpg``/``.jpeg`` starting with the JPEG signature, at most
``LANDCON_ATTACHMENT_MAX_MB``). A photo farther than the profile's ``supervision.photo_buffer_m``
(Yunnan 50 m) from the sub-project's outline, or without a position, is flagged
(``engine.photos.position_check``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon import config
from landcon.engine import photos as P
from landcon.errors import InvalidRecord, NotFound
from landcon.services import attachments, records
from landcon.services.profile import get_profile
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.supervision import checked_report, refresh_alerts, report_dict, reportable_sub
from landcon.store.models import Blob, ProgressReport, SitePhoto, SubProject


def photo_dict(photo: SitePhoto, sub_code: str) -> dict[str, Any]:
    return {
        "id": photo.id,
        "sub_project": sub_code,
        "report_id": photo.report_id,
        "filename": photo.filename,
        "sha256": photo.blob_sha,
        "thumbnail_sha256": photo.thumb_sha,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "lon": photo.lon,
        "lat": photo.lat,
        "status": photo.status,
        "status_name": P.STATUS_NAMES[photo.status],
        "flagged": photo.status != P.ON_SITE,
        "distance_m": photo.distance_m,
        "buffer_m": photo.buffer_m,
        "uploaded_by": photo.uploaded_by,
    }


@dataclass(frozen=True)
class Prepared:
    """A photo read and checked before any transaction: its file, EXIF facts and thumbnail."""

    path: Path
    meta: P.PhotoMeta
    thumbnail: bytes


def prepare(path: str | Path) -> Prepared:
    """Type, size and EXIF of one photo, checked before any transaction (site and aftercare photos)."""
    path = Path(path)
    if not path.is_file():
        raise attachments.AttachmentRefused("文件不存在", path=str(path))
    if path.suffix.lower() not in (".jpg", ".jpeg"):
        raise attachments.AttachmentRefused("现场照片应为 JPEG（.jpg/.jpeg）", path=str(path))
    if path.stat().st_size > config.attachment_max_bytes():
        raise attachments.AttachmentRefused("照片超过附件大小上限（LANDCON_ATTACHMENT_MAX_MB）", path=str(path))
    data = path.read_bytes()
    return Prepared(path, P.read_photo(data, str(path)), P.thumbnail(data))


def stored_fields(
    session: Session,
    who: Actor,
    photo: Prepared,
    outline: Mapping[str, Any] | None,
    epsg: int | None,
    filename: str | None,
) -> dict[str, Any]:
    """Store the photo and its thumbnail (content-addressed blobs) and check its position against
    ``outline`` (GeoJSON in ``epsg``) with the profile's buffer: the columns a site photo and an
    aftercare photo share."""
    buffer_m = get_profile().supervision.photo_buffer_m
    check = P.position_check(photo.meta.lon, photo.meta.lat, outline, epsg, buffer_m)
    blob = attachments.store_file(session, photo.path)
    thumb_sha, thumb_size = attachments.blob_store().put_bytes(photo.thumbnail)
    if session.get(Blob, thumb_sha) is None:
        session.add(Blob(sha256=thumb_sha, size=thumb_size, media_type="image/jpeg"))
    return {
        "blob_sha": blob.sha256,
        "thumb_sha": thumb_sha,
        "filename": (filename or photo.path.name)[:255],
        "taken_at": photo.meta.taken_at,
        "lon": photo.meta.lon,
        "lat": photo.meta.lat,
        "status": check.status,
        "distance_m": check.distance_m,
        "buffer_m": buffer_m,
        "uploaded_by": who.username,
    }


def _save(
    session: Session, who: Actor, sub: SubProject, photo: Prepared, report_id: int | None, filename: str | None
) -> SitePhoto:
    fields = stored_fields(session, who, photo, sub.geometry, sub.epsg, filename)
    row = SitePhoto(sub_project_id=sub.id, report_id=report_id, **fields)
    session.add(row)
    session.flush()
    return row


def add_photo(
    who: Actor, project_code: str, sub_code: str, path: str | Path, *, report_id: int | None = None
) -> dict[str, Any]:
    """Store one JPEG of a sub-project (and optionally of one of its progress reports) and check
    where it was taken."""
    records.require(who, "supervision.report")
    prepared = prepare(path)
    with records.write(who, "supervision.report") as session:
        _, sub = reportable_sub(session, who, project_code, sub_code)
        if report_id is not None:
            report = session.get(ProgressReport, report_id)
            if report is None or report.sub_project_id != sub.id:
                raise NotFound(f"子项目 {sub_code} 没有进度填报 #{report_id}", field="report", feature=report_id)
        saved = photo_dict(_save(session, who, sub, prepared, report_id, None), sub.code)
    refresh_alerts(who, project_code)
    return saved


def add_report_with_photos(
    who: Actor,
    project_code: str,
    sub_code: str,
    photos: Sequence[tuple[Path, str]],
    **report: Any,
) -> dict[str, Any]:
    """One progress report and its photos ((stored file, name the user gave) pairs), all or nothing
    (the web form). ``report`` takes the arguments of ``supervision.add_report``."""
    records.require(who, "supervision.report")
    values = checked_report(
        report["period"],
        report["reported_on"],
        report["percent"],
        report.get("quantities"),
        report.get("disbursed"),
        report.get("issues", ""),
    )
    prepared = [(prepare(path), name) for path, name in photos]
    with records.write(who, "supervision.report") as session:
        _, sub = reportable_sub(session, who, project_code, sub_code)
        row = ProgressReport(sub_project_id=sub.id, reporter=who.username, **values)
        session.add(row)
        session.flush()
        saved = [photo_dict(_save(session, who, sub, p, row.id, name), sub.code) for p, name in prepared]
        result = {**report_dict(row, sub.code), "photos": saved}
    refresh_alerts(who, project_code)
    return result


def list_photos(who: Actor, project_code: str, sub_code: str | None = None) -> list[dict[str, Any]]:
    """The project's site photos (of one sub-project), oldest first, flagged ones marked."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        q = (
            select(SitePhoto, SubProject.code)
            .join(SubProject, SitePhoto.sub_project_id == SubProject.id)
            .where(SubProject.project_id == project.id)
            .order_by(SitePhoto.id)
        )
        if sub_code is not None:
            q = q.where(SubProject.code == sub_code)
        return [photo_dict(p, code) for p, code in session.execute(q)]


def photo_file(who: Actor, project_code: str, photo_id: int, *, thumbnail: bool = False) -> Path:
    """Where the stored photo (or its thumbnail) is, if the actor may read the project."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        row = session.execute(
            select(SitePhoto)
            .join(SubProject, SitePhoto.sub_project_id == SubProject.id)
            .where(SitePhoto.id == photo_id, SubProject.project_id == project.id)
        ).first()
        if row is None:
            raise NotFound(f"项目 {project_code} 没有照片 #{photo_id}", feature=photo_id)
        sha = row[0].thumb_sha if thumbnail else row[0].blob_sha
    found = attachments.blob_store().path(sha)
    if not found.is_file():
        raise InvalidRecord(f"照片 #{photo_id} 的文件缺失", feature=photo_id)
    return found
