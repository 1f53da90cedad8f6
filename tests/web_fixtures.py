"""Web-application helpers for tests through FastAPI's test client: signing in, the CSRF token the
pages carry, uploads, and a project in the 方案编制 stage (``WEB_PROJECT``)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from plan_fixtures import GOOD, write_plan
from publicity_fixtures import plan_cleared
from records_fixtures import PASSWORD

from landcon.services import projects, records
from landcon.web.app import LOGIN_CSRF

WEB_PROJECT = "FM-WEB-01"


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    client.get("/login")
    token = client.cookies.get(LOGIN_CSRF)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token as the pages give it to the browser."""
    html = client.get("/projects").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert match, "the page carries the CSRF token"
    return match.group(1)


def project_in_plan_stage(tmp_path) -> None:
    author = records.actor("fm_author")
    projects.create_project(author, WEB_PROJECT, "款庄镇整治", county="530124", dataset="grid")
    projects.advance(author, WEB_PROJECT)
    projects.save_plan(author, WEB_PROJECT, write_plan(tmp_path / "plan", GOOD))
    plan_cleared(WEB_PROJECT)


def upload(client: TestClient, name: str, payload: bytes):
    token = csrf_of(client)
    return client.post("/api/v1/uploads", files={"file": (name, payload)}, headers={"X-CSRF-Token": token})


# Hostile values for every route: no answer may be a 5xx (test_security_errors, test_dashboard_web).
HUGE = "99999999999999999999"  # past SQLite's 64-bit INTEGER (and PostgreSQL's 32-bit integer)
HOSTILE_TEXT = [
    "",
    " ",
    "grid",
    "530124",
    "530102",
    "FM-X",
    HUGE,
    "-1",
    "0",
    "1e309",
    "NaN",
    "..",
    "../../../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%00",
    "a\x00b",
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "<script>alert(1)</script>",
    "{{7*7}}",
    "CON",
    "😀" * 50,
    "測試\u202e",
    "x" * 5000,
]
HOSTILE_NUMBERS = [HUGE, "-" + HUGE, "0", "-1", "1", "2147483648", "9223372036854775808", "1.5", "1e309", "abc", ""]
