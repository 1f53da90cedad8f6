"""Organisation use cases: administrative units, departments, users and leading groups.

Units: ``seed_yunnan`` loads the province, its 16 prefectures and 129 counties from the packaged
reference list (GB/T 2260); ``import_units`` adds townships (XZQ) and villages (CJDCQ) from an
imported dataset. Every unit gets its departments (``engine.org.DEPARTMENT_KINDS``). Passwords are
hashed with Argon2id, RFC 9106 low-memory profile (``ARGON2``: t=3, m=64 MiB, p=4, 32-byte hash,
16-byte salt); a password must pass ``engine.passwords.problem`` (length, common passwords).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from landcon import config
from landcon import data as packaged
from landcon.engine import org, passwords
from landcon.engine.layers import CJDCQ, XZQ
from landcon.errors import DatasetNotFound, InvalidRecord, NotFound, PermissionDenied
from landcon.services import records
from landcon.services.profile import get_profile
from landcon.services.records import Actor
from landcon.store.datasets import DatasetStore
from landcon.store.models import Department, LeadingGroup, LeadingGroupMember, Unit, User, UserRole, WebSession

ARGON2 = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4, "hash_len": 32, "salt_len": 16}
_HASHER = PasswordHasher(**ARGON2)  # type: ignore[arg-type]


def reference_units() -> list[dict[str, str]]:
    """The profile's province, prefectures and counties (docs/profile.md: ``reference_units``)."""
    return [{"code": u.code, "level": u.level, "name": u.name} for u in get_profile().units]


def _ensure_departments(session: Session, unit: Unit) -> int:
    have = set(session.scalars(select(Department.kind).where(Department.unit_id == unit.id)))
    added = 0
    for kind in org.DEPARTMENT_KINDS:
        if unit.level in kind.levels and kind.code not in have:
            session.add(
                Department(unit_id=unit.id, kind=kind.code, name=org.department_name(kind.code, unit.name, unit.level))
            )
            added += 1
    return added


def _add_units(session: Session, rows: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Insert (code, name) rows top-down; existing codes get their name updated. Returns counts."""
    existing = {u.code: u for u in session.scalars(select(Unit))}
    added = renamed = departments = 0
    for code, name in sorted(rows, key=lambda r: (len(org.unit_path(r[0])), r[0])):
        try:
            level = org.level_of(code)
        except ValueError as error:
            raise InvalidRecord(str(error), field="code", feature=code) from error
        unit = existing.get(code)
        if unit is None:
            up = org.parent_code(code)
            parent = existing.get(up) if up else None
            if up and parent is None:
                raise InvalidRecord(f"上级单位 {up} 不存在，请先导入上级单位", field="code", feature=code)
            unit = Unit(
                code=code, name=name, level=level, parent_id=parent.id if parent else None, path=org.unit_path(code)
            )
            session.add(unit)
            session.flush()
            existing[code] = unit
            added += 1
        elif unit.name != name and name:
            unit.name = name
            renamed += 1
        departments += _ensure_departments(session, unit)
    return {"units_added": added, "units_renamed": renamed, "departments_added": departments}


def seed_yunnan(who: Actor) -> dict[str, Any]:
    """Load 云南省, 16 州/市 and 129 县/市/区 with their departments (idempotent)."""
    records.require_province(who, "unit.manage")
    rows = [(r["code"], r["name"]) for r in reference_units()]
    with records.write(who, "admin.seed-yunnan") as session:
        counts = _add_units(session, rows)
        totals = dict(session.execute(select(Unit.level, func.count()).group_by(Unit.level)).all())
    return {**counts, "units_by_level": totals}


def import_units(who: Actor, dataset: str) -> dict[str, Any]:
    """Townships (XZQ: XZQDM, XZQMC) and villages (CJDCQ: ZLDWDM[:12], ZLDWMC) from an imported dataset."""
    store = DatasetStore(config.data_dir())
    if not store.exists(dataset):
        raise DatasetNotFound(f"数据集 {dataset} 不存在")
    layers = store.manifest(dataset).get("layers", {})
    rows: dict[str, str] = {}
    if XZQ in layers:
        frame = store.read_layer(dataset, XZQ, columns=["XZQDM", "XZQMC"])
        for code, name in zip(frame["XZQDM"], frame["XZQMC"], strict=True):
            rows[str(code)[:9]] = str(name)
    if CJDCQ in layers:
        frame = store.read_layer(dataset, CJDCQ, columns=["ZLDWDM", "ZLDWMC"])
        for code, name in zip(frame["ZLDWDM"], frame["ZLDWMC"], strict=True):
            rows[str(code)[:12]] = str(name)
    if not rows:
        raise InvalidRecord(f"数据集 {dataset} 没有 XZQ 或 CJDCQ 图层，无法导入乡镇和村", layer=XZQ)
    counties = {c[:6] for c in rows}
    with records.write(who, "admin.import-units") as session:
        for code in sorted(counties):
            county = session.scalars(select(Unit).where(Unit.code == code)).first()
            if county is None:
                raise NotFound(f"县级单位 {code} 不存在：请先运行 landcon admin seed-yunnan", feature=code)
            records.require(who, "unit.manage", county)
        counts = _add_units(session, rows.items())
    return {"dataset": dataset, "counties": sorted(counties), **counts}


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"行政单位 {code} 不存在", field="unit", feature=code)
    return unit


def department_of(session: Session, unit: Unit, kind: str) -> Department:
    dept = session.scalars(select(Department).where(Department.unit_id == unit.id, Department.kind == kind)).first()
    if dept is None:
        known = "、".join(f"{d.code}（{d.name}）" for d in org.DEPARTMENT_KINDS if unit.level in d.levels)
        raise NotFound(f"{unit.name} 没有部门 {kind}；可选：{known or '无'}", field="department", feature=kind)
    return dept


def list_units(who: Actor, *, parent: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
    with records.read() as session:
        q = select(Unit).where(Unit.path.startswith(who.unit_path)).order_by(Unit.code)
        if parent:
            q = q.where(Unit.path.startswith(unit_by_code(session, parent).path))
        if level:
            q = q.where(Unit.level == level)
        return [{"code": u.code, "name": u.name, "level": u.level} for u in session.scalars(q)]


def hash_password(password: str, username: str = "") -> str:
    """Argon2id hash of an acceptable password (``engine.passwords.problem``, ``LANDCON_PASSWORD_MIN_LENGTH``)."""
    why = passwords.problem(password, username=username, min_length=config.password_min_length())
    if why:
        raise InvalidRecord(why, field="password", feature=username or None)
    return _HASHER.hash(password)


def _user_dict(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "unit": user.unit.code,
        "unit_name": user.unit.name,
        "department": user.department.kind if user.department else None,
        "department_name": user.department.name if user.department else None,
        "roles": sorted(r.role for r in user.roles),
        "role_names": [org.ROLES[r.role] for r in sorted(user.roles, key=lambda r: r.role)],
        "active": user.active,
        "version": user.version,
    }


def _check_roles(roles: Sequence[str]) -> None:
    unknown = [r for r in roles if r not in org.ROLES]
    if unknown or not roles:
        choices = "、".join(f"{k}（{v}）" for k, v in org.ROLES.items())
        raise InvalidRecord(f"未知角色 {'、'.join(unknown) or '（未指定）'}；可选：{choices}", field="roles")


def add_user(
    who: Actor,
    username: str,
    *,
    password: str,
    unit: str,
    roles: Sequence[str],
    department: str | None = None,
    display_name: str | None = None,
) -> dict[str, Any]:
    """Create a user of ``unit`` (code) and ``department`` (kind code) holding ``roles``."""
    _check_roles(roles)
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise InvalidRecord("用户名须为 1–64 位字母、数字、-、_ 或 .", field="username", feature=username)
    pw_hash = hash_password(password, username)
    with records.write(who, "user.add") as session:
        u = unit_by_code(session, unit)
        records.require(who, "user.manage", u)
        if session.scalars(select(User.id).where(User.username == username)).first() is not None:
            raise InvalidRecord(f"用户名 {username} 已存在", field="username", feature=username)
        dept = department_of(session, u, department) if department else None
        user = User(
            username=username,
            display_name=display_name or username,
            unit_id=u.id,
            department_id=dept.id if dept else None,
            password_hash=pw_hash,
            roles=[UserRole(role=r) for r in sorted(set(roles))],
        )
        session.add(user)
        session.flush()
        session.refresh(user)
        return _user_dict(user)


def list_users(who: Actor, *, unit: str | None = None) -> list[dict[str, Any]]:
    records.require(who, "user.read")
    with records.read() as session:
        q = select(User).join(Unit, User.unit_id == Unit.id).where(Unit.path.startswith(who.unit_path))
        if unit:
            q = q.where(Unit.path.startswith(unit_by_code(session, unit).path))
        return [_user_dict(u) for u in session.scalars(q.order_by(Unit.code, User.username))]


def authenticate(username: str, password: str) -> Actor:
    """The actor for a correct user name and password; the same error for any failure."""
    bad = PermissionDenied("用户名或密码错误")
    with records.write(records.system_actor(), "user.login") as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            _HASHER.hash(password)  # same cost whether or not the user exists
            raise bad
        try:
            _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError) as error:
            raise bad from error
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _HASHER.hash(password)
        return records.actor_from_user(user)


def set_password(who: Actor, username: str, password: str) -> None:
    """Set a password; every open web session of the user ends."""
    pw_hash = hash_password(password, username)
    with records.write(who, "user.password") as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"用户 {username} 不存在", feature=username)
        if user.username != who.username:
            records.require(who, "user.manage", user.unit)
        user.password_hash = pw_hash
        revoke_sessions(session, user.id)


def revoke_sessions(session: Session, user_id: int) -> int:
    """Revoke every open web session of a user (password change, disabling, enabling, new roles)."""
    rows = session.scalars(select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked.is_(False)))
    n = 0
    for row in rows:
        row.revoked = True
        n += 1
    return n


def _managed_user(session: Session, who: Actor, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not records.in_scope(who, user.unit.path):
        raise NotFound(f"用户 {username} 不存在或不在 {who.unit_name} 的管辖范围内", feature=username)
    records.require(who, "user.manage", user.unit)
    return user


def set_active(who: Actor, username: str, active: bool, *, expected_version: int | None = None) -> dict[str, Any]:
    """Disable (or re-enable) a user: a disabled user can neither sign in nor act. Either way the user's
    web sessions end, so re-enabling never revives a session opened before the disabling."""
    with records.write(who, "user.enable" if active else "user.disable") as session:
        user = _managed_user(session, who, username)
        records.expect_version(user, expected_version, f"用户 {username}")
        if user.username == who.username and not active:
            raise InvalidRecord("不能停用自己的账号", feature=username)
        user.active = active
        revoke_sessions(session, user.id)  # re-enabling never brings an old session back
        session.flush()
        return _user_dict(user)


def set_roles(
    who: Actor, username: str, roles: Sequence[str], *, expected_version: int | None = None
) -> dict[str, Any]:
    """Replace a user's roles; the user's web sessions end (sign in again to act with the new roles)."""
    _check_roles(roles)
    with records.write(who, "user.roles") as session:
        user = _managed_user(session, who, username)
        records.expect_version(user, expected_version, f"用户 {username}")
        user.roles = [UserRole(role=r) for r in sorted(set(roles))]
        revoke_sessions(session, user.id)  # a session never keeps roles the user no longer holds
        flag_modified(user, "display_name")  # roles live in their own rows: bump the user's version with them
        session.flush()
        session.refresh(user)
        return _user_dict(user)


def create_group(
    who: Actor, unit: str, name: str, *, leader: str | None = None, members: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """领导小组 of ``unit`` with a leader (user name) and members ``(user name, duty)``."""
    with records.write(who, "group.create") as session:
        u = unit_by_code(session, unit)
        records.require(who, "group.manage", u)
        group = LeadingGroup(unit_id=u.id, name=name)
        if leader:
            group.leader_id = _member_id(session, u, leader)
        group.members = [LeadingGroupMember(user_id=_member_id(session, u, m), duty=duty) for m, duty in members]
        session.add(group)
        session.flush()
        return {"id": group.id, "unit": u.code, "name": name, "leader": leader, "members": [m for m, _ in members]}


def _member_id(session: Session, unit: Unit, username: str) -> int:
    """A leading group's leader and members come from its unit or the units below it."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"用户 {username} 不存在", feature=username)
    if not user.unit.path.startswith(unit.path):
        raise InvalidRecord(f"用户 {username} 属于 {user.unit.name}，不能加入 {unit.name} 的领导小组", feature=username)
    return int(user.id)


def reference_outlines() -> bytes:
    """Yunnan's province, prefecture and county outlines (WGS84 GeoJSON, ~100 m; see its README)."""
    return packaged.binary("reference/yunnan_admin_units.geojson")


#: (kind code, name) of department kinds and (code, name) of roles, for forms.
DEPARTMENT_CHOICES: list[tuple[str, str]] = [(d.code, d.name) for d in org.DEPARTMENT_KINDS]
ROLE_CHOICES: list[tuple[str, str]] = list(org.ROLES.items())
