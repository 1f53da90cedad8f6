"""The web application through FastAPI's test client: sign-in, sessions, CSRF, roles, scopes, uploads, jobs.

Runs on SQLite and PostgreSQL (``records_world``: Yunnan seeded, the ``grid`` dataset, a user per role).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from plan_fixtures import GOOD, write_plan
from records_fixtures import PASSWORD
from sqlalchemy import update
from web_fixtures import WEB_PROJECT, csrf_of, project_in_plan_stage, sign_in, upload

from landcon.services import jobs, projects, records
from landcon.store.models import Job
from landcon.web.app import COOKIE, create_app

CODE = WEB_PROJECT


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def test_no_session_is_refused_everywhere(client):
    assert client.get("/api/v1/projects").status_code == 401
    assert client.get("/tiles/grid/DLTB/16/0/0.mvt").status_code == 401
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"].startswith("/login")
    assert client.post("/api/v1/projects/X/advance").status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie_and_logout_ends_the_session(client):
    bad = sign_in(client, "fm_author", "wrong-password")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    ok = sign_in(client, "fm_author")
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/api/v1/me").json()["roles"] == ["author"]
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_needs_its_own_token(client):
    client.get("/login")
    r = client.post("/login", data={"username": "fm_author", "password": PASSWORD, "csrf_token": "forged"})
    assert "登录表单已过期" in r.text and COOKIE not in client.cookies


def test_csrf_roles_and_scopes_on_the_api(client, tmp_path):
    project_in_plan_stage(tmp_path)
    sign_in(client, "fm_author")
    assert client.post(f"/api/v1/projects/{CODE}/advance").status_code == 403  # no CSRF token
    assert client.post(f"/api/v1/projects/{CODE}/advance", headers={"X-CSRF-Token": "forged"}).status_code == 403
    token = csrf_of(client)
    moved = client.post(f"/api/v1/projects/{CODE}/advance", headers={"X-CSRF-Token": token})
    assert moved.status_code == 200 and moved.json()["stage"] == "county_review"
    again = client.post(f"/api/v1/projects/{CODE}/advance", headers={"X-CSRF-Token": token})
    assert again.status_code == 403 and "无权办结审查" in again.json()["error"]

    client.cookies.clear()
    sign_in(client, "fm_leader")  # read-only
    token = csrf_of(client)
    assert client.get(f"/api/v1/projects/{CODE}").status_code == 200
    assert client.post(f"/api/v1/projects/{CODE}/advance", headers={"X-CSRF-Token": token}).status_code == 403

    client.cookies.clear()
    sign_in(client, "wh_author")  # another county
    assert client.get(f"/api/v1/projects/{CODE}").status_code == 404
    assert client.get("/api/v1/projects").json() == []

    client.cookies.clear()
    sign_in(client, "fm_cz")
    token = csrf_of(client)
    given = client.post(f"/api/v1/reviews/{CODE}", json={"opinion": "同意"}, headers={"X-CSRF-Token": token})
    assert given.status_code == 200 and given.json()["department_name"] == "富民县财政局"
    assert [r["project"] for r in client.get("/api/v1/reviews").json()] == []  # nothing pending any more


def zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_uploads_refuse_oversize_wrong_type_traversal_and_bombs(client, monkeypatch):
    sign_in(client, "fm_author")
    r = upload(client, "run.exe", b"MZ")
    assert r.status_code == 400 and "只接受 .zip" in r.json()["error"]
    r = upload(client, "evil.zip", zipped({"../../etc/cron.d/x.shp": b"x"}))
    assert r.status_code == 400 and "路径穿越" in r.json()["error"]
    r = upload(client, "odd.zip", zipped({"DLTB.shp": b"x", "payload.exe": b"MZ"}))
    assert r.status_code == 400 and "payload.exe" in r.json()["error"]
    r = upload(client, "bomb.zip", zipped({"DLTB.dbf": b"\0" * (20 << 20)}))
    assert r.status_code == 400 and "压缩炸弹" in r.json()["error"]
    monkeypatch.setenv("LANDCON_UPLOAD_MAX_MB", "0.01")
    r = upload(client, "big.gpkg", b"SQLite format 3\0" + b"\0" * 20_000)
    assert r.status_code == 413 and "上传上限" in r.json()["error"]
    assert not list((records_world_dir(client) / "uploads").glob("*/data/*"))  # nothing left behind


def records_world_dir(client: TestClient):
    from landcon import config

    return config.data_dir()


def test_upload_validate_and_import_a_dataset(client, tmp_path):
    from conftest import cell, dltb_row, grid_dltb

    sign_in(client, "fm_author")
    good = tmp_path / "good.gpkg"
    grid_dltb([dltb_row("1", "0103", cell(0, 0)), dltb_row("2", "0301", cell(1, 0))]).to_file(good, layer="DLTB")
    r = upload(client, "good.gpkg", good.read_bytes())
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["report"]["valid"] is True
    token = csrf_of(client)
    done = client.post(
        f"/api/v1/uploads/{report['upload']}/import", json={"name": "uploaded"}, headers={"X-CSRF-Token": token}
    )
    assert done.status_code == 200 and done.json()["manifest"]["counts"]["DLTB"] == 2
    assert "uploaded" in [d["name"] for d in client.get("/api/v1/datasets").json()]

    bad = tmp_path / "bad.gpkg"
    grid_dltb([dltb_row("1", "0103", cell(0, 0), DLBM="9999")]).to_file(bad, layer="DLTB")
    r = upload(client, "bad.gpkg", bad.read_bytes())
    assert r.json()["report"]["valid"] is False
    problems = client.get(f"/data/uploads/{r.json()['upload']}/problems.geojson").json()
    assert [f["properties"]["feature"] for f in problems["features"]] == ["1"]
    lon, lat = problems["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 101.9 < lon < 102.1 and 25.2 < lat < 25.4  # reprojected to WGS84 for the map
    token = csrf_of(client)
    refused = client.post(
        f"/api/v1/uploads/{r.json()['upload']}/import", json={"name": "bad"}, headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 400


def test_survey_job_runs_and_survives_a_restart(client):
    sign_in(client, "fm_author")
    token = csrf_of(client)
    job = client.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).json()
    assert job["status"] == "queued"
    assert jobs.run_one() is True
    done = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == "done" and "survey.json" in done["result"]["files"]
    assert client.get("/survey/grid/files/survey.xlsx").status_code == 200

    # A job left "running" by a stopped server is queued again, then failed after the last attempt.
    again = client.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).json()
    db = records.database()
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == again["id"]).values(status="running", attempts=1))
    assert jobs.recover() == {"requeued": 1, "failed": 0}
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == again["id"]).values(status="running", attempts=2))
    assert jobs.recover() == {"requeued": 0, "failed": 1}
    failed = client.get(f"/api/v1/jobs/{again['id']}").json()
    assert failed["status"] == "failed" and "服务器重启" in failed["error"]

    client.cookies.clear()
    sign_in(client, "wh_author")
    assert client.get(f"/api/v1/jobs/{job['id']}").status_code == 404


def test_overview_is_scoped(client, tmp_path):
    project_in_plan_stage(tmp_path)
    sign_in(client, "km_zrzy")
    data = client.get("/api/v1/overview").json()
    assert data["kpi"]["projects"] == 1 and data["counties"][0]["code"] == "530124"
    assert data["kpi"]["new_farmland_planned_m2"] == 10000.0
    client.cookies.clear()
    sign_in(client, "wh_author")
    assert client.get("/api/v1/overview").json()["kpi"]["projects"] == 0


def test_openapi_documents_the_api(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/projects/{code}/advance" in schema["paths"]
    docs = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


def test_pages_load_nothing_from_the_internet():
    """Government intranets are offline: templates, JS and CSS reference only landcon's own files."""
    from pathlib import Path

    import landcon.web

    web = Path(landcon.web.__file__).parent
    files = [*web.glob("templates/*.html"), *web.glob("static/*.js"), *web.glob("static/*.css")]
    assert files
    for f in files:
        text = f.read_text("utf-8")
        external = re.findall(
            r"(?:src|href)=[\"'](?:https?:)?//[^\"']+|url\((?:https?:)?//[^)]+\)|import[^;]*[\"']https?://", text
        )
        assert external == [], f"{f.name}: {external}"


def test_every_page_renders_for_a_signed_in_user(client, tmp_path):
    """Each page of the workspace answers 200 (and redirects to sign-in without a session)."""
    project_in_plan_stage(tmp_path)
    from landcon.services import meetings

    m = meetings.record_meeting(
        records.actor("fm_author"),
        unit="530124",
        title="部门会商",
        held_on="2026-11-20",
        follow_ups=[{"title": "复核补划地块", "unit": "530124", "deadline": "2026-12-20"}],
    )
    pages = ["/", "/data", "/data/grid", "/survey/grid", "/projects", f"/projects/{CODE}", f"/reviews/{CODE}"]
    pages += ["/reviews", "/tasks", "/meetings", f"/meetings/{m['id']}", "/admin"]
    for path in pages:
        assert client.get(path, follow_redirects=False).status_code == 303, path
    sign_in(client, "fm_admin")
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
    assert "复核补划地块" in client.get(f"/meetings/{m['id']}").text


def test_forms_create_projects_meetings_and_users(client):
    sign_in(client, "fm_author")
    token = csrf_of(client)
    r = client.post(
        "/projects",
        data={"csrf_token": token, "code": "FM-NEW-1", "name": "新项目", "county": "530124", "dataset": "grid"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and projects.show_project(records.actor("fm_author"), "FM-NEW-1")["dataset"] == "grid"
    r = client.post(
        "/meetings",
        data={
            "csrf_token": token,
            "title": "会商",
            "held_on": "2026-11-28",
            "unit": "530124",
            "attendees": "张三/自然资源局\nfm_cz",
            "follow_ups": "完成公示@530124@2026-12-31",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/meetings/")
    bad = client.post(
        "/meetings",
        data={
            "csrf_token": token,
            "title": "x",
            "held_on": "2026-11-28",
            "unit": "530124",
            "follow_ups": "缺少日期@530124",
        },
    )
    assert bad.status_code == 400 and "格式不对" in bad.text
    denied = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "x2", "unit": "530124", "roles": "leader", "password": "secret123"},
    )
    assert denied.status_code == 403  # only administrators add users
    client.cookies.clear()
    sign_in(client, "fm_admin")
    token = csrf_of(client)
    r = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "x2", "unit": "530124", "roles": ["leader"], "password": "secret123"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "x2" in client.get("/admin").text
    r = client.post("/admin/users/x2/active", data={"csrf_token": token, "active": "false"}, follow_redirects=False)
    assert r.status_code == 303 and sign_in(client, "x2").status_code == 401


def test_plan_reports_and_version_diff_in_the_browser_routes(client, tmp_path):
    project_in_plan_stage(tmp_path)
    author = records.actor("fm_author")
    projects.advance(author, CODE)
    projects.reject(records.actor("fm_zrzy"), CODE, comment="补充说明")
    projects.new_draft(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "v2", GOOD[:1]))
    sign_in(client, "fm_author")
    token = csrf_of(client)
    r = client.post(f"/projects/{CODE}/versions/1/report", data={"csrf_token": token})
    assert r.status_code == 200 and "job-panel" in r.text
    assert jobs.run_one() is True
    page = client.get(f"/projects/{CODE}").text
    assert f"/projects/{CODE}/versions/1/files/" in page
    names = re.findall(rf"/projects/{CODE}/versions/1/files/([^\"]+)\"", page)
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".docx") for n in names)
    xlsx = next(n for n in names if n.endswith(".xlsx"))
    assert client.get(f"/projects/{CODE}/versions/1/files/{xlsx}").content[:2] == b"PK"
    assert client.get(f"/projects/{CODE}/versions/2/files/{xlsx}").status_code == 404  # not generated yet
    diff = client.get(f"/projects/{CODE}/diff", params={"a": 1, "b": 2})
    assert diff.status_code == 200 and "cultivated.new_m2" in diff.text
    client.cookies.clear()
    sign_in(client, "wh_author")
    assert client.get(f"/projects/{CODE}/versions/1/files/{xlsx}").status_code == 404
