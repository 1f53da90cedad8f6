"""Every route that takes files declares which limit applies to its body (``bodylimit.takes_files``),
and the cap the middleware applies is that documented limit: the attachment limit for photos,
signed records and tables, the upload limit for datasets, plans and as-built data."""

from __future__ import annotations

import inspect
import re
import tempfile
from pathlib import Path

import pytest
from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from ledger_fixtures import CODE, project_to
from records_fixtures import TOWNSHIP
from supervision_fixtures import jpeg, lonlat
from upload_fixtures import MiB, left_behind, raw_post
from web_fixtures import csrf_of, sign_in

from landcon.services import records, supervision
from landcon.services import supervision_photos as SP
from landcon.web import bodylimit
from landcon.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "landcon" / "web" / "templates"
#: Routes whose files are data (datasets, plans, as-built data); every other file route takes attachments.
UPLOAD_ROUTES = {"/api/v1/uploads", "/data/upload", "/projects/{code}/plan", "/projects/{code}/acceptance/check"}
SETTING = {"upload": "LANDCON_UPLOAD_MAX_MB", "attachment": "LANDCON_ATTACHMENT_MAX_MB"}


def _takes_files(route) -> bool:
    """A ``File`` parameter, or a body read as a stream by ``stream_form`` / ``receive_upload``."""
    if any(isinstance(p.field_info, params.File) for p in _body_params(route.dependant)):
        return True
    source = inspect.getsource(route.endpoint)
    return "stream_form(" in source or "receive_upload(" in source


def _body_params(dependant: Dependant) -> list:
    return [*dependant.body_params, *(p for d in dependant.dependencies for p in _body_params(d))]


def _scope(path: str, method: str = "POST") -> dict[str, object]:
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    return {"type": "http", "method": method, "path": concrete, "root_path": "", "headers": []}


def test_every_file_route_is_capped_at_the_documented_limit_of_its_kind(monkeypatch):
    monkeypatch.setenv("LANDCON_ATTACHMENT_MAX_MB", "3")
    monkeypatch.setenv("LANDCON_UPLOAD_MAX_MB", "7")
    monkeypatch.setenv("LANDCON_REQUEST_MAX_MB", "1")
    app = create_app(worker=False)
    routes = [r for r in bodylimit.all_routes(app.routes) if getattr(r, "dependant", None) is not None]
    taking = {r.path: r for r in routes if _takes_files(r)}
    assert len(taking) == 12  # data/plan/as-built uploads and every attachment or photo form
    documented = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    for path, route in taking.items():
        expected = "upload" if path in UPLOAD_ROUTES else "attachment"
        assert bodylimit.kind_of(route.endpoint) == expected, path
        assert bodylimit.route_kind(app, _scope(path)) == expected, path
        limit = {"upload": 7, "attachment": 3}[expected] * MiB
        assert bodylimit.cap_for(expected) == limit + bodylimit.SLACK, path
        assert f"| `{path}` | `{SETTING[expected]}` |" in documented, path
    declared = {r.path for r in routes if bodylimit.kind_of(r.endpoint) is not None}
    assert declared == set(taking)  # no route declares files it does not take
    assert bodylimit.route_kind(app, _scope("/login")) is None
    assert bodylimit.route_kind(app, _scope("/projects/{code}/supervision/{sub}/report", "GET")) is None
    assert bodylimit.cap_for(None) == 1 * MiB


def test_every_multipart_form_of_the_pages_posts_to_a_declared_file_route():
    app = create_app(worker=False)
    declared = [r for r, _kind in bodylimit.file_routes(app)]
    actions = []
    for template in sorted(TEMPLATES.glob("*.html")):
        for form in re.findall(r"<form[^>]*>", template.read_text(encoding="utf-8")):
            if 'enctype="multipart/form-data"' in form:
                actions.append((template.name, re.search(r'action="([^"]+)"', form).group(1)))  # type: ignore[union-attr]
    assert len(actions) == 11  # every file route but the API's upload has a page form
    for name, action in actions:
        pattern = re.compile(re.sub(r"\\\{\\\{.*?\\\}\\\}", ".+", re.escape(action)))
        matching = [r for r in declared if pattern.fullmatch(re.sub(r"\{[^}]+\}", "1", r.path))]
        assert matching, f"{name}: {action}"


@pytest.fixture
def reporting(records_world, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # where Starlette spools form files
    project_to(tmp_path, "implementation")
    supervision.create_from_plan(records.actor("fm_sup"), CODE)
    supervision.update_subproject(records.actor("fm_sup"), CODE, "Z1", unit=TOWNSHIP, quantities={"wells": 4})
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


REPORT = f"/projects/{CODE}/supervision/Z1/report"
FIELDS = {"period": "2026-06", "reported_on": "2026-06-30", "percent": "35"}


def test_a_20_mb_photo_is_within_the_cap_of_the_progress_report(reporting, tmp_path):
    sign_in(reporting, "fm_town")
    token = csrf_of(reporting)
    photo = jpeg(tmp_path / "site.jpg", lonlat(50, 50)).read_bytes()  # + 20 MiB after the image's end
    r = raw_post(
        reporting, REPORT, body_mib=20, csrf=token, fields=FIELDS, file_field="photos", filename="现场.jpg",
        content=photo, declare_length=True,
    )  # fmt: skip
    assert r["status"] == 303 and r["consumed"] == r["total"] > 20 * MiB
    [report] = supervision.list_reports(records.actor("fm_sup"), CODE)
    [stored] = SP.list_photos(records.actor("fm_sup"), CODE)
    assert (stored["report_id"], stored["filename"], stored["status"]) == (report["id"], "现场.jpg", "on_site")
    path = SP.photo_file(records.actor("fm_sup"), CODE, stored["id"])
    assert path.stat().st_size == len(photo) + 20 * MiB
    assert left_behind() == []


def test_a_body_over_the_attachment_limit_is_413_and_the_partial_file_removed(reporting, tmp_path):
    sign_in(reporting, "fm_town")
    token = csrf_of(reporting)
    photo = jpeg(tmp_path / "site.jpg", None).read_bytes()
    r = raw_post(reporting, REPORT, body_mib=60, csrf=token, fields=FIELDS, file_field="photos", content=photo)
    assert r["status"] == 413 and 51 * MiB < r["consumed"] <= 52 * MiB  # stopped at 50 MB + 1 MiB, not 60
    assert r["disk"] <= 51 * MiB
    assert left_behind() == []
    assert supervision.list_reports(records.actor("fm_sup"), CODE) == []
    declared = raw_post(reporting, REPORT, body_mib=60, csrf=token, fields=FIELDS, declare_length=True)
    assert declared["status"] == 413 and declared["consumed"] == 0


def test_an_anonymous_attachment_post_is_answered_before_its_body_is_read(reporting, tmp_path):
    photo = jpeg(tmp_path / "site.jpg", None).read_bytes()
    r = raw_post(reporting, REPORT, body_mib=20, fields=FIELDS, file_field="photos", content=photo)
    assert r["status"] == 303 and r["headers"]["location"] == f"/login?next={REPORT}"
    assert r["consumed"] == 0 and r["disk"] == 0
    reporting.cookies.set("landcon_session", "forged")
    r = raw_post(reporting, f"/projects/{CODE}/votes/meeting", body_mib=20, fields=FIELDS)
    assert r["status"] == 303 and r["consumed"] == 0 and r["disk"] == 0
    assert left_behind() == []
