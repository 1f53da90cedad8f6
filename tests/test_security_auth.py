"""Sessions and sign-in under attack (issue 16 §3), against the real app on SQLite and PostgreSQL.

Logout and account changes end sessions at once; nobody can lock another user out; failed sign-ins are
counted, not audited one row each; password policy; no CSRF token in the audit log; Secure cookies; CSP.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from records_fixtures import PASSWORD
from test_web_api import csrf_of, sign_in

from landcon.services import org, records
from landcon.web.app import COOKIE, create_app


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver") as c:
        yield c


def _me(client: TestClient) -> int:
    return client.get("/api/v1/me").status_code


def test_logout_revokes_the_cookie_at_once(client):
    assert sign_in(client, "fm_author").status_code == 303
    cookie = client.cookies.get(COOKIE)
    assert _me(client) == 200  # the session was looked up (and, before the fix, cached) here
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False).status_code == 303
    client.cookies.set(COOKIE, cookie)  # an attacker who kept the cookie replays it immediately
    assert _me(client) == 401


@pytest.mark.parametrize(
    "change",
    [
        lambda admin: org.set_password(admin, "fm_author", "another-passphrase"),
        lambda admin: org.set_active(admin, "fm_author", False),
        lambda admin: org.set_roles(admin, "fm_author", ["leader"]),
    ],
    ids=["passwd", "disable", "roles"],
)
def test_account_changes_end_the_users_sessions_at_once(client, change):
    sign_in(client, "fm_author")
    assert _me(client) == 200
    change(records.actor("fm_admin"))  # as `landcon user …` does, from another process or the admin page
    assert _me(client) == 401


def test_re_enabling_does_not_bring_old_sessions_back(client):
    sign_in(client, "fm_author")
    assert _me(client) == 200
    admin = records.actor("fm_admin")
    org.set_active(admin, "fm_author", False)
    assert _me(client) == 401
    org.set_active(admin, "fm_author", True)
    assert _me(client) == 401
    client.cookies.clear()
    assert sign_in(client, "fm_author").status_code == 303 and _me(client) == 200


def test_passwd_through_the_cli_ends_the_web_session(client):
    from typer.testing import CliRunner

    from landcon.cli.main import app as cli

    sign_in(client, "fm_author")
    assert _me(client) == 200
    result = CliRunner().invoke(cli, ["user", "passwd", "fm_author", "--password", "another-passphrase"])
    assert result.exit_code == 0, result.output
    assert _me(client) == 401
    client.cookies.clear()
    assert sign_in(client, "fm_author", PASSWORD).status_code == 401
    assert sign_in(client, "fm_author", "another-passphrase").status_code == 303
