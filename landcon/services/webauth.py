"""Web sign-in: sessions, CSRF tokens and login throttling.

- A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie; the database keeps
  only its SHA-256, the user and the expiry (``LANDCON_SESSION_HOURS``, default 8).
- Every state-changing request must echo the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``); ``check_csrf`` compares in constant time. The token is derived from the cookie token
  (``csrf_for``), never stored, so it never reaches the audit log.
- Throttling, never locking: failed sign-ins are counted per (user name, client address) in
  ``login_failures``; after a few failures the next attempt must wait 1, 2, 4 … seconds, capped per user
  name + address (60 s), per address (300 s) and per user name over all addresses (30 s). An attempt
  refused during a wait is not counted, so an attacker cannot keep the real user out for more than 30 s
  from another address, and failures write no audit entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from landcon import config
from landcon.errors import PermissionDenied
from landcon.services import org, records
from landcon.services.records import Actor
from landcon.store.models import LoginFailure, User, WebSession, utcnow

#: (failures allowed free, longest wait in seconds) per user name + address, per address, per user name
PAIR = (3, 60)
ADDRESS = (30, 300)
ACCOUNT = (10, 30)
FORGET = dt.timedelta(hours=1)  # a counter idle this long starts again


class LoginThrottled(PermissionDenied):
    """Too many failed sign-ins just now: wait a few seconds before trying again."""


def session_hours() -> float:
    return config.session_hours()


def cookie_secure() -> bool:
    return config.cookie_secure()


def csrf_for(token: str) -> str:
    """The session's CSRF token, derived from the cookie token (SHA-256 with its own prefix): it is never
    stored, so it never reaches the database or the audit log, and cannot be computed from ``token_hash``."""
    return hashlib.sha256(b"landcon-csrf\x00" + token.encode("utf-8")).hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def backoff(failures: int, free: int, cap: int) -> float:
    """Seconds to wait after the last failure: 0 while ``failures < free``, then 1, 2, 4 … up to ``cap``."""
    return 0.0 if failures < free else float(min(cap, 2 ** min(failures - free, 30)))


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    token: str  # goes into the cookie, never stored
    csrf_token: str
    expires_at: dt.datetime


def wait_seconds(username: str, address: str, now: dt.datetime | None = None) -> float:
    """How long sign-ins for ``username`` from ``address`` must still wait (0: go ahead).

    The longest of three backoffs, each from the last failure it counts: the user name from this address
    (``PAIR``), this address for any user name (``ADDRESS``, password spraying) and the user name from any
    address (``ACCOUNT``, capped at 30 s so that nobody can keep the real user out).
    """
    now = now or utcnow()
    since = now - FORGET
    with records.read() as session:
        rows = session.execute(
            select(LoginFailure.username, LoginFailure.address, LoginFailure.failures, LoginFailure.last_at).where(
                (LoginFailure.username == username) | (LoginFailure.address == address),
                LoginFailure.last_at >= since,
            )
        ).all()
    groups: list[tuple[list[tuple[int, dt.datetime]], tuple[int, int]]] = [
        ([(n, at) for u, a, n, at in rows if u == username and a == address], PAIR),
        ([(n, at) for _u, a, n, at in rows if a == address], ADDRESS),
        ([(n, at) for u, _a, n, at in rows if u == username], ACCOUNT),
    ]
    wait = 0.0
    for counted, (free, cap) in groups:
        if counted:
            last = max(at for _n, at in counted)
            until = last + dt.timedelta(seconds=backoff(sum(n for n, _at in counted), free, cap))
            wait = max(wait, (until - now).total_seconds())
    return wait


def login(username: str, password: str, address: str) -> SignedIn:
    """Check the password (Argon2) unless a backoff is running; open a session.

    A refused attempt during a backoff is not counted (it cannot prolong the wait); a wrong password
    adds one to the counter of (user name, address) — no audit entry; signing in clears that counter.
    """
    username = (username or "").strip()[:64]
    address = (address or "unknown")[:64]
    wait = wait_seconds(username, address)
    if wait > 0:
        raise LoginThrottled(f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试")
    try:
        actor = org.authenticate(username, password)
    except PermissionDenied:
        _count_failure(username, address)
        raise
    token = secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=session_hours())
    with records.read() as session:  # the counter is not audited (see _count_failure)
        session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.address == address))
        session.commit()
    with records.write(actor, "user.login") as session:
        user_id = session.scalars(select(User.id).where(User.username == actor.username)).one()
        session.add(WebSession(token_hash=_digest(token), user_id=user_id, expires_at=expires))
    return SignedIn(actor, token, csrf_for(token), expires)


def _count_failure(username: str, address: str) -> None:
    """One more failure for (user name, address): a counter row, not an audit entry."""
    now = utcnow()
    key = (LoginFailure.username == username) & (LoginFailure.address == address)
    for _ in range(2):  # a concurrent first failure may insert the row between our update and insert
        with records.read() as session:
            try:
                idle = LoginFailure.last_at < now - FORGET  # an old counter starts again
                session.execute(update(LoginFailure).where(key, idle).values(failures=0, first_at=now))
                done = session.execute(
                    update(LoginFailure).where(key).values(failures=LoginFailure.failures + 1, last_at=now)
                )
                if done.rowcount == 0:  # type: ignore[attr-defined]
                    session.execute(
                        insert(LoginFailure).values(
                            username=username, address=address, failures=1, first_at=now, last_at=now
                        )
                    )
                session.commit()
                return
            except IntegrityError:
                session.rollback()


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
        return Current(records.actor_from_user(user), csrf_for(token))


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
    "ACCOUNT",
    "ADDRESS",
    "PAIR",
    "Current",
    "LoginThrottled",
    "SignedIn",
    "check_csrf",
    "login",
    "logout",
    "resolve",
]
