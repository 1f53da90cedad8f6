"""The records database as the services see it: opening it, who is acting, what they may do.

Every use case takes an ``Actor``. ``require`` checks the action against the role matrix
(``engine.org.PERMISSIONS``) and the unit scope (the target unit must be the actor's unit or below
it); a refusal raises ``PermissionDenied`` naming the user, the action and the unit. Records outside
the actor's scope are reported as not found, so their existence is not revealed either.

``write`` opens a transaction whose flushes are audited under the actor's name; an optimistic-lock
conflict becomes ``Conflict`` and a constraint violation ``InvalidRecord`` — nothing is saved.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from landcon import config
from landcon.engine.org import ACTION_NAMES, ADMIN, LEVELS, PROVINCE, ROLES, TOWNSHIP, may
from landcon.errors import Conflict, DatabaseError, InvalidRecord, NotFound, PermissionDenied

if TYPE_CHECKING:  # SQLAlchemy is imported by the functions that open the database (fast CLI start)
    from sqlalchemy.orm import QueryableAttribute, Session
    from sqlalchemy.sql.elements import ColumnElement

    from landcon.store import db as store_db
    from landcon.store.models import Project, Unit, User

_DATABASES: dict[str, store_db.Database] = {}


def database(url: str | None = None) -> store_db.Database:
    """The records database (``LANDCON_DATABASE_URL`` or the SQLite file in the data directory).

    A new, empty database is migrated to the current schema at once; one at an older schema
    version is refused with the command that upgrades it.
    """
    from sqlalchemy import exc as sa_exc

    from landcon.store import db as store_db

    url = store_db.normalise_url(url or config.database_url())
    if url in _DATABASES:
        return _DATABASES[url]
    db = store_db.Database(url)
    try:
        current = store_db.current_revision(db.engine)
    except sa_exc.OperationalError as error:
        db.dispose()
        raise DatabaseError(f"无法连接记录数据库 {_safe(url)}：{error.orig}") from error
    if current is None:
        store_db.upgrade(db.engine)
    elif current != store_db.head_revision():
        db.dispose()
        raise DatabaseError(
            f"记录数据库 {_safe(url)} 的结构版本为 {current}，本程序需要 {store_db.head_revision()}："
            "请先运行 landcon db upgrade"
        )
    _DATABASES[url] = db
    return db


def close_all() -> None:
    """Dispose every open engine (tests, backup/restore)."""
    for db in _DATABASES.values():
        db.dispose()
    _DATABASES.clear()


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user with its unit (code, level, subtree path), department and roles."""

    username: str
    display_name: str
    unit_id: int | None
    unit_code: str
    unit_name: str
    unit_level: str
    unit_path: str
    department_id: int | None
    department_kind: str | None
    roles: frozenset[str]

    def label(self) -> str:
        return f"{self.display_name}（{self.username}）"


def system_actor() -> Actor:
    """The command line run by whoever can open the database file: a 系统管理员 over every unit."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry
        who = "unknown"
    return Actor(
        username=f"system:{who}",
        display_name="系统管理员（命令行）",
        unit_id=None,
        unit_code="",
        unit_name="全部",
        unit_level=PROVINCE,
        unit_path="/",
        department_id=None,
        department_kind=None,
        roles=frozenset({ADMIN}),
    )


def actor_from_user(user: User) -> Actor:
    return Actor(
        username=user.username,
        display_name=user.display_name,
        unit_id=user.unit_id,
        unit_code=user.unit.code,
        unit_name=user.unit.name,
        unit_level=user.unit.level,
        unit_path=user.unit.path,
        department_id=user.department_id,
        department_kind=user.department.kind if user.department else None,
        roles=frozenset(r.role for r in user.roles),
    )


def actor(username: str | None, *, db: store_db.Database | None = None) -> Actor:
    """The actor for a user name; ``None`` is the command-line system administrator."""
    if username is None:
        return system_actor()
    from sqlalchemy import select

    from landcon.store.models import User

    db = db or database()
    with db.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"用户 {username} 不存在")
        if not user.active:
            raise PermissionDenied(f"用户 {username} 已停用")
        return actor_from_user(user)


def in_scope(who: Actor, unit_path: str) -> bool:
    return unit_path.startswith(who.unit_path)


def require(who: Actor, action: str, unit: Unit | None = None) -> None:
    """Refuse unless one of the actor's roles allows ``action`` and ``unit`` is inside its subtree."""
    if not may(who.roles, action):
        roles = "、".join(ROLES[r] for r in sorted(who.roles)) or "无角色"
        raise PermissionDenied(f"用户 {who.label()}（{roles}）无权{ACTION_NAMES[action]}")
    if unit is not None and not in_scope(who, unit.path):
        raise PermissionDenied(
            f"用户 {who.label()} 属于 {who.unit_name}，无权对 {unit.name}（{unit.code}）{ACTION_NAMES[action]}"
        )


def require_province(who: Actor, action: str) -> None:
    """Actions over every county's records (audit, backup, seeding the province) need a provincial user."""
    require(who, action)
    if who.unit_level != PROVINCE:
        raise PermissionDenied(
            f"用户 {who.label()} 属于 {who.unit_name}：{ACTION_NAMES[action]}涉及全省的记录，只有省级用户可以操作"
        )


def visible(who: Actor, unit: Unit, what: str) -> None:
    """Records outside the actor's subtree are reported as missing."""
    if not in_scope(who, unit.path):
        raise NotFound(f"{what} 不存在或不在 {who.unit_name} 的管辖范围内")


def participant_paths(who: Actor) -> list[str]:
    """The paths of the actor's unit and its ancestors at township and village level: a project covering
    one of them has the actor as a participant (empty for users above the townships, or without the
    ``project.take_part`` role)."""
    if not may(who.roles, "project.take_part"):
        return []
    parts = who.unit_path.strip("/").split("/")
    first = LEVELS.index(TOWNSHIP)
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(first, len(parts))]


def covers(session: Session, who: Actor, project: Project) -> bool:
    """Whether the actor may see ``project``: its county is in the actor's subtree (jurisdiction), or the
    project covers the actor's township or village or a unit above it up to the township (participation:
    ``ProjectUnit`` rows, computed from the plan at submission)."""
    if in_scope(who, project.county.path):
        return True
    paths = participant_paths(who)
    if not paths:
        return False
    from sqlalchemy import select

    from landcon.store.models import ProjectUnit, Unit

    q = (
        select(ProjectUnit.unit_id)
        .join(Unit, ProjectUnit.unit_id == Unit.id)
        .where(ProjectUnit.project_id == project.id, Unit.path.in_(paths))
    )
    return session.scalars(q.limit(1)).first() is not None


def projects_clause(
    who: Actor, project_id: QueryableAttribute[int], county_path: QueryableAttribute[str]
) -> ColumnElement[bool]:
    """``covers`` as a SQL condition over a project's id and its county's path, for listings."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import aliased

    from landcon.store.models import ProjectUnit, Unit

    jurisdiction = county_path.startswith(who.unit_path)
    paths: Sequence[str] = participant_paths(who)
    if not paths:
        return jurisdiction
    covered = aliased(Unit)
    taking_part = (
        select(ProjectUnit.project_id)
        .join(covered, ProjectUnit.unit_id == covered.id)
        .where(covered.path.in_(paths))
        .correlate(None)
    )
    return or_(jurisdiction, project_id.in_(taking_part))


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@contextmanager
def write(who: Actor, action: str, db: store_db.Database | None = None) -> Iterator[Session]:
    """A transaction audited as ``who`` doing ``action``; conflicts and constraint errors are explained."""
    from sqlalchemy import exc as sa_exc
    from sqlalchemy.orm.exc import StaleDataError

    db = db or database()
    try:
        with db.transaction(actor=who.username, action=action) as session:
            yield session
    except StaleDataError as error:
        raise Conflict(
            "记录已被他人修改（保存时版本号不符）：本次修改未保存，请重新读取后再修改",
        ) from error
    except sa_exc.IntegrityError as error:
        raise InvalidRecord(f"记录不符合数据库约束，未保存：{error.orig}") from error
    except (sa_exc.DataError, OverflowError) as error:
        raise InvalidRecord(f"{UNSTORABLE}，未保存") from error


#: A value the database cannot hold: a number past its integer range (SQLite 2⁶³, PostgreSQL 2³¹) or
#: text with a NUL character (PostgreSQL) — the user's input, never a bug.
UNSTORABLE = "输入值无效：数字超出数据库允许的范围，或文字中含有空字符（NUL）"


@contextmanager
def read(db: store_db.Database | None = None) -> Iterator[Session]:
    from sqlalchemy import exc as sa_exc

    db = db or database()
    try:
        with db.sessions() as session:
            yield session
    except (sa_exc.DataError, OverflowError) as error:
        raise InvalidRecord(UNSTORABLE) from error


def expect_version(record: Any, expected: int | None, what: str) -> None:
    """Optimistic locking for a user who read ``record`` at version ``expected``."""
    if expected is not None and record.version != expected:
        raise Conflict(
            f"{what} 已被他人修改（读取时版本 {expected}，现为版本 {record.version}）：本次修改未保存，请重新读取"
        )
