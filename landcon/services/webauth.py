"""Web sign-in: sessions, CSRF tokens and login throttling.

- A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie; the database keeps
  only its SHA-256, the user, a CSRF token and the expiry (``LANDCON_SESSION_HOURS``, default 8).
- Every state-changing request must echo the session's CSRF token (form field ``csrf_token`` or
  header ``X-CSRF-Token``); ``check_csrf`` compares in constant time.
- Throttling: after ``MAX_FAILURES`` failed sign-ins for one user name, or from one address, within
  ``WINDOW`` the next attempts are refused without checking the password until the window passes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from landcon import config
from landcon.errors import PermissionDenied
from landcon.services import org, records
from landcon.services.records import Actor
from landcon.store.models import LoginAttempt, User, WebSession, utcnow

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


class LoginThrottled(PermissionDenied):
    """Too many failed sign-ins: wait before trying again."""


def session_hours() -> float:
    return config.session_hours()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    token: str  # goes into the cookie, never stored
    csrf_token: str
    expires_at: dt.datetime


def login(username: str, password: str, address: str) -> SignedIn:
    """Check the password (Argon2) unless throttled; open a session. Every attempt is recorded."""
    username = (username or "").strip()[:64]
    address = (address or "unknown")[:64]
    since = utcnow() - WINDOW
    with records.read() as session:
        failures = session.scalar(
            select(func.count()).where(
                LoginAttempt.ok.is_(False),
                LoginAttempt.at >= since,
                (LoginAttempt.username == username) | (LoginAttempt.address == address),
            )
        )
    if int(failures or 0) >= MAX_FAILURES:
        _record(username, address, ok=False)
        minutes = int(WINDOW.total_seconds() // 60)
        raise LoginThrottled(f"登录失败次数过多，请 {minutes} 分钟后再试")
    try:
        actor = org.authenticate(username, password)
    except PermissionDenied:
        _record(username, address, ok=False)
        raise
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=session_hours())
    with records.write(actor, "user.login") as session:
        session.add(LoginAttempt(username=username, address=address, ok=True))
        user_id = session.scalars(select(User.id).where(User.username == actor.username)).one()
        session.add(WebSession(token_hash=_digest(token), user_id=user_id, csrf_token=csrf, expires_at=expires))
    return SignedIn(actor, token, csrf, expires)


def _record(username: str, address: str, *, ok: bool) -> None:
    with records.write(records.system_actor(), "user.login") as session:
        session.add(LoginAttempt(username=username, address=address, ok=ok))


@dataclass(frozen=True)
class Current:
    actor: Actor
    csrf_token: str


def resolve(token: str | None) -> Current | None:
    """The signed-in user for a cookie token (``None``: no, expired, revoked or disabled).

    Looked up in the database on every request (one primary-key read and the user): nothing is cached,
    so logging out, a password change, disabling or new roles end a session at once, in every process.
    """
    if not token:
        return None
    with records.read() as session:
        row = session.get(WebSession, _digest(token))
        if row is None or row.revoked or row.expires_at < utcnow():
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        return Current(records.actor_from_user(user), row.csrf_token)


def check_csrf(current: Current, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(current.csrf_token, str(presented))


def logout(token: str | None) -> None:
    """Revoke the cookie's session (audited as its user); an unknown or ended session is a no-op."""
    if not token:
        return
    with records.read() as session:
        row = session.get(WebSession, _digest(token))
        user = session.get(User, row.user_id) if row is not None and not row.revoked else None
        who = records.actor_from_user(user) if user is not None else None
    if who is None:
        return
    with records.write(who, "user.logout") as session:
        row = session.get(WebSession, _digest(token))
        if row is not None:
            row.revoked = True


def revoke_all(who: Actor, username: str) -> int:
    """End every session of a user."""
    with records.write(who, "user.sessions.revoke") as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).first()
        return 0 if user_id is None else org.revoke_sessions(session, user_id)


__all__ = [
    "MAX_FAILURES",
    "WINDOW",
    "Current",
    "LoginThrottled",
    "SignedIn",
    "check_csrf",
    "login",
    "logout",
    "resolve",
]
