"""Records: SQLAlchemy 2 models. The schema is created and changed only by Alembic migrations.

Editable records carry ``version`` (optimistic locking: an UPDATE whose version no longer matches
fails with ``StaleDataError``; services turn that into ``Conflict``). Times are naive UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Versioned:
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Unit(Base):
    """行政单位: 省 → 州/市 → 县 → 乡镇 → 村. ``path`` is ``/530000/530100/530124/`` (subtree = prefix)."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    path: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Department(Base):
    """A department of a unit (自然资源局, 财政局 …, 乡镇人民政府, 村民委员会); ``kind``: engine.org codes."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("unit_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    unit: Mapped[Unit] = relationship(lazy="joined")


class User(Versioned, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class LeadingGroup(Versioned, Base):
    """领导小组 of a unit (optionally for one project), with a leader and members."""

    __tablename__ = "leading_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    members: Mapped[list[LeadingGroupMember]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class LeadingGroupMember(Base):
    __tablename__ = "leading_group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("leading_groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    duty: Mapped[str] = mapped_column(String(120), nullable=False, default="成员")


class Blob(Base):
    """An attachment's content, stored once under its SHA-256 in the data directory."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Project(Versioned, Base):
    """整治项目 of a county; ``stage`` is a code of its chain (a snapshot kept in ``chain``)."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    county_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    dataset: Mapped[str | None] = mapped_column(String(100), nullable=True)
    stage: Mapped[str] = mapped_column(String(40), nullable=False)
    stage_name: Mapped[str] = mapped_column(String(40), nullable=False)  # the chain's name for ``stage``
    chain: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    pbf_adjusted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    county: Mapped[Unit] = relationship(lazy="joined")
    units: Mapped[list[ProjectUnit]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class ProjectUnit(Base):
    """Townships and villages a project covers."""

    __tablename__ = "project_units"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class StageEvent(Base):
    """One lifecycle transition: the project's timeline."""

    __tablename__ = "stage_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    from_stage: Mapped[str | None] = mapped_column(String(40), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(40), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # create / advance / reject
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")


class PlanVersion(Versioned, Base):
    """A version of the project's 实施方案: files (blobs) + computed indicators and findings."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")  # draft / submitted
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    pack: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    findings: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    errors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pbf_adjusted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The version of the project's dataset the plan was checked against (store.datasets keeps every
    # version). NULL: saved before versions existed, i.e. the version current then, which is version 1.
    dataset_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    files: Mapped[list[PlanFile]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    based_on: Mapped[PlanVersion | None] = relationship(remote_side=[id], lazy="select")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class PlanFile(Base):
    __tablename__ = "plan_files"
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(300), primary_key=True)  # relative path inside the plan folder
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)


class ReallocVersion(Base):
    """A stored 权属调整 result of a project: its parameters, solver figures, indicators and files."""

    __tablename__ = "realloc_versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    solver: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    violations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    adopted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)  # services/realloc_adoption
    adopted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    files: Mapped[list[ReallocFile]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class ReallocFile(Base):
    __tablename__ = "realloc_files"
    version_id: Mapped[int] = mapped_column(ForeignKey("realloc_versions.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)


class ReviewRound(Base):
    """A review stage entered by a project: one opinion task per required department."""

    __tablename__ = "review_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    stage: Mapped[str] = mapped_column(String(40), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)  # the unit running the stage
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"), nullable=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # passed / rejected
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    opinions: Mapped[list[ReviewOpinion]] = relationship(lazy="selectin", back_populates="round")


class ReviewOpinion(Versioned, Base):
    """One department's opinion (同意 / 修改后同意 / 不同意) in a review round."""

    __tablename__ = "review_opinions"
    __table_args__ = (UniqueConstraint("round_id", "department_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id"), nullable=False, index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), nullable=False, index=True)
    opinion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    comments: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reviewer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    given_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False)
    round: Mapped[ReviewRound] = relationship(back_populates="opinions")
    department: Mapped[Department] = relationship(lazy="joined")
    attachments: Mapped[list[OpinionAttachment]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class OpinionAttachment(Base):
    __tablename__ = "opinion_attachments"
    opinion_id: Mapped[int] = mapped_column(ForeignKey("review_opinions.id"), primary_key=True)
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)


class Meeting(Versioned, Base):
    """会商: date, attendees, topics, decisions; follow-up tasks reference it."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True, index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    topics: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decisions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    attendees: Mapped[list[MeetingAttendee]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    department: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Task(Versioned, Base):
    """责任清单 item: assigned to a unit (and department), with a deadline and status."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_unit_status_deadline", "unit_id", "status", "deadline"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True, index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open")  # open / done
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    done_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    unit: Mapped[Unit] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class AuditEntry(Base):
    """Append-only audit log; ``hash`` chains every entry to the previous one (engine.audit)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)  # ISO 8601 UTC, hashed as stored
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(String(80), nullable=False)
    changes: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHead(Base):
    """The newest audit entry (one row): catches deletion of the tail and serialises writers."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class WebSession(Base):
    """A signed-in browser session: the cookie holds a random token, the table its SHA-256 (the CSRF token
    is derived from the cookie token, never stored: services.webauth.csrf_for)."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class LoginFailure(Base):
    """Failed sign-ins counted per user name and client address (one row each, not one per attempt);
    the row of a pair is deleted when that pair signs in. Written without audit entries."""

    __tablename__ = "login_failures"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    first_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    last_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)


class Job(Base):
    """A background job (survey, plan check, reports): survives a server restart (re-queued or failed)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")  # queued/running/done/failed
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    stage: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class LedgerArea(Base):
    """增减挂钩 项目区 as the ledger knows it: a snapshot of the engine's areas from a submitted plan."""

    __tablename__ = "ledger_areas"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)  # the county
    code: Mapped[str] = mapped_column(String(40), nullable=False)  # XMQBH
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), nullable=False)
    demolished_dm2: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reclaimed_cultivated_dm2: Mapped[int] = mapped_column(BigInteger, nullable=False)
    new_construction_dm2: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class LedgerAccount(Base):
    """A quota account: holder unit × kind × bucket × 项目区 (engine.ledger). It holds no balance:
    balances are sums of its entries. Postings lock the rows they touch (PostgreSQL)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("unit_id", "kind", "bucket", "area_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    bucket: Mapped[str] = mapped_column(String(12), nullable=False)
    area_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")


class LedgerPosting(Base):
    """One source document posted once: (doc_type, doc_no) is unique, so a repeat is recognised."""

    __tablename__ = "ledger_postings"
    __table_args__ = (UniqueConstraint("doc_type", "doc_no"), Index("ix_ledger_postings_unit", "unit_id", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(16), nullable=False)
    doc_no: Mapped[str] = mapped_column(String(120), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)  # the holder posted for
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    area_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_postings.id"), nullable=True)
    posted_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    memo: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    entries: Mapped[list[LedgerEntry]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    #: What an issuing posting (拆旧复垦验收, 补充耕地指标核定) was computed from: "asbuilt" (the accepted
    #: as-built indicators) or "plan" (the approved plan: issued before as-built acceptance); "" otherwise.
    basis: Mapped[str] = mapped_column(String(8), nullable=False, default="", server_default="")


class LedgerEntry(Base):
    """One line of a posting: area and 水田 in 1/300 m² (engine.ledger.AREA_UNITS_PER_M2: 亩 and 0.01 m²
    are both whole numbers of it), 粮食产能 in kg — integers, exact sums."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_amounts", "account_id", "area", "paddy", "grain"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("ledger_postings.id"), nullable=False, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), nullable=False)
    area: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paddy: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    grain: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerTransfer(Base):
    """调剂 contract of a transfer posting: parties, area (1/300 m²), price per 亩, total and money received (fen)."""

    __tablename__ = "ledger_transfers"
    posting_id: Mapped[int] = mapped_column(ForeignKey("ledger_postings.id"), primary_key=True)
    seller_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    buyer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    counterparty: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # outside the province
    cross_province: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    area: Mapped[int] = mapped_column(BigInteger, nullable=False)
    price_fen_per_mu: Mapped[int] = mapped_column(BigInteger, nullable=False)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    received_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class MarketDeal(Base):
    """集体经营性建设用地入市: parcel, area, use, term, price, 调节金 and the income split (fen)."""

    __tablename__ = "market_deals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)  # the county
    village_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    contract_no: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    parcel_code: Mapped[str] = mapped_column(String(40), nullable=False)  # 宗地代码
    collective: Mapped[str] = mapped_column(String(200), nullable=False)
    mode: Mapped[str] = mapped_column(String(8), nullable=False)  # 出让 / 出租
    use: Mapped[str] = mapped_column(String(40), nullable=False)
    area_dm2: Mapped[int] = mapped_column(BigInteger, nullable=False)
    term_years: Mapped[int] = mapped_column(Integer, nullable=False)
    price_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    rate: Mapped[float] = mapped_column(Float, nullable=False)
    levy_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    collective_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    members_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    signed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SubProject(Base):
    """子项目 of a project under implementation: type, responsible department and unit, planned dates,
    budget by fund source (万元), planned 工程量 (``engine.supervision.QUANTITIES``) and its outline
    (GeoJSON geometry in the coordinates of ``epsg``)."""

    __tablename__ = "sub_projects"
    __table_args__ = (UniqueConstraint("project_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)  # ZXMBH
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    department: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)  # responsible unit
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    investment: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)  # 万元, plan.yaml
    budget: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # source → 万元
    quantities: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # key → planned amount
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # GeoJSON
    epsg: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class ProgressReport(Base):
    """进度填报 of a sub-project: period, percent complete, 工程量 done, funds disbursed by source."""

    __tablename__ = "progress_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_project_id: Mapped[int] = mapped_column(ForeignKey("sub_projects.id"), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(20), nullable=False)  # e.g. 2026-06 or 2026Q2
    reported_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    percent: Mapped[float] = mapped_column(Float, nullable=False)
    quantities: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # key → amount done
    disbursed: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # source → 万元 in the period
    issues: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reporter: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SitePhoto(Base):
    """现场照片 of a sub-project (optionally of one progress report): the JPEG and its thumbnail
    (content-addressed blobs), EXIF position (CGCS2000 lon/lat) and time, and the position check
    against the sub-project's outline (``engine.photos``)."""

    __tablename__ = "site_photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_project_id: Mapped[int] = mapped_column(ForeignKey("sub_projects.id"), nullable=False, index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_reports.id"), nullable=True)
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)
    thumb_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # engine.photos.STATUS_NAMES
    distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    buffer_m: Mapped[float] = mapped_column(Float, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Alert(Versioned, Base):
    """预警 of a project under implementation (``engine.alerts``): one row per condition ``key`` (kind +
    subject, unique within the project), kept up to date by each scan. ``state``: open, acknowledged,
    resolved; ``active``: the condition held at the last scan. ``task_id``: the 责任清单 task it was
    escalated to."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        Index("ix_alerts_state_unit", "state", "unit_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    sub_project_id: Mapped[int | None] = mapped_column(ForeignKey("sub_projects.id"), nullable=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)  # responsible unit
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    key: Mapped[str] = mapped_column(String(160), nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    unit: Mapped[Unit] = relationship(lazy="joined")
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012


class Acceptance(Base):
    """验收记录: a sub-project's (by the county department) or the whole project's (by the 州/市 or the
    province) acceptance: level, 验收意见, conditions (each opened as a task, ``task_ids``), date,
    members, the computation it was based on (acceptance.json of ``accept check``) and attachments."""

    __tablename__ = "acceptances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    sub_project_id: Mapped[int | None] = mapped_column(ForeignKey("sub_projects.id"), nullable=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)  # engine.acceptance_records.LEVELS
    #: 复核: a whole-project record made after the ``accepted`` milestone on a new computation.
    review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)  # the accepting unit
    opinion: Mapped[str] = mapped_column(String(16), nullable=False)  # 同意 / 整改后同意 / 不同意
    conditions: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    task_ids: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    accepted_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    members: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    computation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit] = relationship(lazy="joined")
    sub_project: Mapped[SubProject | None] = relationship(lazy="joined")
    attachments: Mapped[list[AcceptanceAttachment]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class AcceptanceAttachment(Base):
    """A file of an acceptance record (工程复核报告, 竣工图, 土壤检测报告 …), content-addressed."""

    __tablename__ = "acceptance_attachments"
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("acceptances.id"), primary_key=True)
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)


class CareAgreement(Base):
    """后期管护 agreement of an accepted project (``engine.aftercare``): a group of the plan's new-farmland
    parcels (their ``parcels`` keys and united ``geometry``, GeoJSON in the coordinates of ``epsg``),
    the caretaker (kind, name, contact; ``unit_id`` its village or township), duties, period and
    funds per year (万元) with their source."""

    __tablename__ = "care_agreements"
    __table_args__ = (UniqueConstraint("project_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)  # 协议编号
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)  # caretaker's unit
    caretaker_kind: Mapped[str] = mapped_column(String(8), nullable=False)
    caretaker: Mapped[str] = mapped_column(String(200), nullable=False)
    contact: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    duties: Mapped[str] = mapped_column(Text, nullable=False, default="")
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    funds_per_year: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)  # 万元
    funds_source: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    parcels: Mapped[list[Any]] = mapped_column(JSON, nullable=False)  # plan parcel keys LAYER:id
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # GeoJSON
    epsg: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class CareInspection(Base):
    """管护巡查 of an agreement: date, inspector, findings, result (正常 / 需整改) and the 责任清单 task
    a 需整改 result opened."""

    __tablename__ = "care_inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("care_agreements.id"), nullable=False, index=True)
    inspected_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    inspector: Mapped[str] = mapped_column(String(100), nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    result: Mapped[str] = mapped_column(String(8), nullable=False)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class CarePhoto(Base):
    """Photo of an inspection, stored like site photos (content-addressed blob and thumbnail), its EXIF
    position checked against the agreement's parcels (``engine.photos.position_check``)."""

    __tablename__ = "care_photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("care_inspections.id"), nullable=False, index=True)
    blob_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)
    thumb_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # engine.photos statuses
    distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    buffer_m: Mapped[float] = mapped_column(Float, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class VillageVote(Base):
    """村民会议 / 村民代表会议 表决 in a village the project covers (``engine.votes``): the meeting kind, date,
    motion and its kind, the eligible roster (count, optional names), attendance and votes, and the
    signed record (a blob). Its result (valid, passed, reason) is computed from the counts, never stored.
    ``parcels``: plan parcel keys ``LAYER:id`` or DLTB BSM the motion concerns (empty: the whole village)."""

    __tablename__ = "village_votes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)  # the village
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # engine.votes.MEETING_KINDS
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    motion: Mapped[str] = mapped_column(Text, nullable=False)
    motion_kind: Mapped[str] = mapped_column(String(20), nullable=False)  # engine.votes.MOTION_KINDS
    eligible: Mapped[int] = mapped_column(Integer, nullable=False)
    roster: Mapped[list[Any]] = mapped_column(JSON, nullable=False)  # names, optional
    present: Mapped[int] = mapped_column(Integer, nullable=False)
    votes_for: Mapped[int] = mapped_column(Integer, nullable=False)
    votes_against: Mapped[int] = mapped_column(Integer, nullable=False)
    votes_abstain: Mapped[int] = mapped_column(Integer, nullable=False)
    parcels: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    blob_sha: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    attachment_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit] = relationship(lazy="joined")


class ConsentRecord(Base):
    """村民同意: a household's (承包方编码 / name, ``vote_id`` None) or a meeting's (``vote_id``: it counts
    while that meeting's computed result is passed), of a kind (demolition / reallocation / market),
    over ``parcels`` (plan parcel keys ``LAYER:id`` or DLTB BSM / 地块编码; empty with a meeting: its
    whole village), with date and signed attachment; ``source`` ``record`` or ``CMTY`` (imported)."""

    __tablename__ = "consent_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)  # the village
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # engine.rules.consent.CONSENT_KINDS
    household_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")  # 承包方编码
    household_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("village_votes.id"), nullable=True)
    parcels: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    given_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False, default="record")
    blob_sha: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    attachment_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    vote: Mapped[VillageVote | None] = relationship(lazy="joined")


class Questionnaire(Versioned, Base):
    """意愿调查 questionnaire of a project (one per project): title and questions as
    ``engine.willingness.Questionnaire.to_dict()``."""

    __tablename__ = "questionnaires"
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    questions: Mapped[list[Any]] = mapped_column(JSON, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SurveyHousehold(Base):
    """A household (承包方) asked by a questionnaire: 承包方编码, 户主, village (12-digit code and name),
    村民小组, 人口, and its homestead as a DLTB 0702 BSM or coordinates (X/Y in the dataset's CRS);
    ``source`` says where the row came from (``realloc:<version>`` or ``roster``)."""

    __tablename__ = "survey_households"
    __table_args__ = (UniqueConstraint("questionnaire_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)  # 承包方编码 CBFBM
    head: Mapped[str] = mapped_column(String(100), nullable=False, default="")  # 户主姓名 CBFMC
    village_code: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    village_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    group_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")  # 村民小组
    people: Mapped[int | None] = mapped_column(Integer, nullable=True)
    homestead_bsm: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    x: Mapped[float | None] = mapped_column(Float, nullable=True)
    y: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)


class SurveyResponse(Versioned, Base):
    """A household's answers (key → value, ``engine.willingness.check_answers``), who entered them,
    from which source (web / xlsx / paper) and when; a later entry replaces them (audited)."""

    __tablename__ = "survey_responses"
    __mapper_args__ = {"version_id_col": Versioned.version}  # noqa: RUF012
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("survey_households.id"), nullable=False, unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    respondent: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(8), nullable=False)
    entered_by: Mapped[str] = mapped_column(String(64), nullable=False)
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class ReallocConfirmation(Base):
    """A household's 签字确认 of a 权属调整 version (``signed_on``, optionally the signed sheet as a blob),
    or the explained absence of one (``absence``): one row per household and version."""

    __tablename__ = "realloc_confirmations"
    __table_args__ = (UniqueConstraint("version_id", "household"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("realloc_versions.id"), nullable=False, index=True)
    household: Mapped[str] = mapped_column(String(32), nullable=False)  # CBFBM
    signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    absence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    blob_sha: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Publicity(Base):
    """公示 of a project's subject (``engine.publicity``: kind and reference, e.g. the plan version number),
    issued by ``unit_id`` (the publisher's unit) at a place (村务公开栏 …, of ``place_unit_id``) for
    ``start_date … end_date`` (both included); ``replaces_id``: the 公示 whose upheld objection this one
    answers by publishing the changed subject. ``table_sha``: an attached table (xlsx/docx/pdf), if any."""

    __tablename__ = "publicities"
    __table_args__ = (UniqueConstraint("project_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1, 2, … within the project
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_ref: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    notice: Mapped[str] = mapped_column(Text, nullable=False, default="")
    place: Mapped[str] = mapped_column(String(100), nullable=False)
    place_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("publicities.id"), nullable=True)
    table_sha: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), nullable=True)
    table_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    published_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    unit: Mapped[Unit] = relationship(lazy="joined", foreign_keys=[unit_id])
    place_unit: Mapped[Unit | None] = relationship(lazy="joined", foreign_keys=[place_unit_id])
    objections: Mapped[list[PublicityObjection]] = relationship(
        lazy="selectin", order_by="PublicityObjection.id", cascade="all, delete-orphan"
    )


class PublicityObjection(Base):
    """An objection to a 公示: who (name, optional 承包方编码 / household, contact), what, received on
    (within the period), and the issuing unit's answer (text, by, on) with its outcome (upheld / dismissed)."""

    __tablename__ = "publicity_objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicities.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    household: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    contact: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
