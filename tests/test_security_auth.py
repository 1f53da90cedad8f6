"""Sessions and sign-in under attack (issue 16 §3), against the real app on SQLite and PostgreSQL.

Logout and account changes end sessions at once; nobody can lock another user out; failed sign-ins are
counted, not audited one row each; password policy; no CSRF token in the audit log; Secure cookies; CSP.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from records_fixtures import PASSWORD
from sqlalchemy import func, select, update
from web_fixtures import csrf_of, sign_in

from landcon.errors import InvalidRecord, PermissionDenied
from landcon.services import org, records, webauth
from landcon.store.models import AuditEntry, LoginFailure, User
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


def _audit_rows() -> int:
    with records.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _age_failures(seconds: float) -> None:
    """Move every failure counter ``seconds`` into the past (the wait it asks for has then passed)."""
    with records.read() as s:
        rows = s.execute(select(LoginFailure.username, LoginFailure.address, LoginFailure.last_at)).all()
        for user, address, at in rows:  # computed here: SQLite has no datetime arithmetic in SQL
            key = (LoginFailure.username == user) & (LoginFailure.address == address)
            s.execute(update(LoginFailure).where(key).values(last_at=at - dt.timedelta(seconds=seconds)))
        s.commit()


def _failures() -> list[tuple[str, str, int]]:
    with records.read() as s:
        rows = s.execute(select(LoginFailure.username, LoginFailure.address, LoginFailure.failures)).all()
        return sorted((u, a, n) for u, a, n in rows)


def test_backoff_doubles_up_to_its_cap():
    free, cap = webauth.PAIR
    assert [webauth.backoff(n, free, cap) for n in range(free + 8)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_sign_in_waits_after_three_failures_then_the_right_password_works(client):
    for _ in range(3):
        r = sign_in(client, "fm_author", "wrong-password")
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    _age_failures(-5)  # the last failure 5 s in the future: the 1 s wait holds however slow this machine is
    throttled = sign_in(client, "fm_author")  # the right password is not checked during the wait
    assert throttled.status_code == 401 and "登录失败次数过多，请 6 秒后再试" in throttled.text
    assert _failures() == [("fm_author", "testclient", 3)]
    _age_failures(7)
    assert sign_in(client, "fm_author").status_code == 303 and _me(client) == 200


def test_200_bad_posts_are_counted_not_audited_and_do_not_lock_the_user_out(client):
    before = _audit_rows()
    answers = [sign_in(client, "no_such_user", "wrong-password")]  # an unknown name is counted the same way
    answers += [sign_in(client, "fm_zrzy", "wrong-password") for _ in range(200)]
    assert {r.status_code for r in answers} == {401}
    assert _audit_rows() == before  # before: one audit row per post
    rows = _failures()
    assert [(u, a) for u, a, _n in rows] == [("fm_zrzy", "testclient"), ("no_such_user", "testclient")]
    counted = dict((u, n) for u, _a, n in rows)
    assert counted["no_such_user"] == 1
    # 3 free failures, then waits of 1, 2, 4, 8 s: a post refused during a wait is not counted, so the
    # 200 posts (a few seconds) count 3 + the waits that had passed, far from 200
    assert 3 <= counted["fm_zrzy"] <= 7
    # the real user, from another address, right away (the account's own backoff is at most 30 s)
    assert webauth.wait_seconds("fm_zrzy", "10.0.0.9") == 0
    assert webauth.login("fm_zrzy", PASSWORD, "10.0.0.9").actor.username == "fm_zrzy"
    # and from the attacker's address once the pair's wait (≤ 60 s) has passed — never a 15-minute lock
    _age_failures(61)
    assert sign_in(client, "fm_zrzy").status_code == 303 and _me(client) == 200
    assert ("fm_zrzy", "testclient") not in {(u, a) for u, a, _n in _failures()}  # signing in clears it


def test_a_distributed_attack_delays_the_real_user_by_at_most_30_seconds(client):
    for i in range(40):  # 40 addresses, one wrong password each
        with pytest.raises(PermissionDenied):
            webauth.login("fm_cz", "wrong-password", f"10.1.0.{i}")
    counted = sum(n for u, _a, n in _failures() if u == "fm_cz")
    assert 10 <= counted <= 11  # after 10 the account waits 1 s, 2 s …: the other tries were refused uncounted
    for i in range(40, 70):  # a patient attacker waits out each backoff (aged here instead of slept)
        _age_failures(31)
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            webauth.login("fm_cz", "wrong-password", f"10.1.0.{i}")
    wait = webauth.wait_seconds("fm_cz", "192.168.1.5")
    assert 29 < wait <= 30  # ACCOUNT cap: 40 failures over 10 free would be 2**30 s uncapped
    with pytest.raises(webauth.LoginThrottled, match="秒后再试"):
        webauth.login("fm_cz", PASSWORD, "192.168.1.5")
    assert sum(n for u, _a, n in _failures() if u == "fm_cz") == counted + 30  # the refused try was not counted
    _age_failures(31)
    assert webauth.login("fm_cz", PASSWORD, "192.168.1.5").actor.username == "fm_cz"


def test_one_address_spraying_many_accounts_is_slowed(client):
    for i in range(webauth.ADDRESS[0]):
        with pytest.raises(PermissionDenied):
            webauth.login(f"nobody{i}", "wrong-password", "10.2.0.1")
    assert webauth.wait_seconds("fm_sl", "10.2.0.1") > 0  # a fresh user name from the same address waits
    assert webauth.wait_seconds("fm_sl", "10.2.0.2") == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short7!", "密码至少 8 位"),
        ("password123", "密码过于常见"),
        ("Woaini1314", "密码过于常见"),
        ("fm_author", "与用户名相同"),
    ],
)
def test_password_policy(records_world, password, message):
    with pytest.raises(InvalidRecord, match=message):
        org.set_password(records.actor("fm_admin"), "fm_author", password)
    org.set_password(records.actor("fm_admin"), "fm_author", "landcon-demo")  # the demo password passes


def test_minimum_length_comes_from_config(records_world, monkeypatch):
    monkeypatch.setenv("LANDCON_PASSWORD_MIN_LENGTH", "14")
    with pytest.raises(InvalidRecord, match="密码至少 14 位"):
        org.add_user(records.actor("fm_admin"), "x14", password="landcon-demo", unit="530124", roles=["leader"])


def test_argon2_parameters_are_the_documented_ones(records_world):
    with records.read() as s:
        stored = s.scalars(select(User.password_hash).where(User.username == "fm_author")).one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_csrf_tokens_never_reach_the_audit_log(client):
    sign_in(client, "fm_author")
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    with records.read() as s:
        logged = [str(c) for c in s.scalars(select(AuditEntry.changes))]
    assert any("web_sessions" in str(c) or "expires_at" in c for c in logged)  # the sign-in was audited
    assert not any(token in c for c in logged)
    assert not any("csrf" in c for c in logged[-5:])


def test_secure_cookie_when_configured_or_over_https(client, monkeypatch):
    assert "secure" not in sign_in(client, "fm_author").headers["set-cookie"].lower()
    monkeypatch.setenv("LANDCON_COOKIE_SECURE", "1")  # behind a proxy that ends TLS, the app sees http
    client.cookies.clear()
    assert "; secure" in client.get("/login").headers["set-cookie"].lower()
    with TestClient(create_app(worker=False), base_url="https://testserver") as tls:
        assert "; secure" in sign_in(tls, "fm_author").headers["set-cookie"].lower()
    monkeypatch.delenv("LANDCON_COOKIE_SECURE")
    with TestClient(create_app(worker=False), base_url="https://testserver") as tls:
        assert "; secure" in sign_in(tls, "fm_author").headers["set-cookie"].lower()


def test_content_security_policy_with_a_nonce_per_response(client):
    sign_in(client, "fm_author")
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "worker-src 'self' blob:" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page.text  # the page's inline module script carries it
    assert nonce not in client.get("/").headers["content-security-policy"]  # a new one each response
    docs = client.get("/api/docs")
    assert docs.text.count("<script nonce=") == 1
    assert "hx-on" not in client.get("/survey/grid").text  # no inline handlers
