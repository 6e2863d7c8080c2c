"""Every table, as SQLModel classes. No logic here: services own behaviour.

The tool stores the case reference only, never a child's name or other personal details: the
case management system (Liquidlogic, Mosaic) holds the record.

Timestamps are timezone-aware and in UTC (SQLModel stores them as ``timestamptz`` on PostgreSQL
and returns them in UTC on SQLite).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Field, SQLModel, select

from audit_app.core.lifecycle import AUDIT_STATUSES, DRAFT
from audit_app.core.limits import (
    GRADE_MAX_LENGTH,
    ID_MAX_LENGTH,
    KIND_MAX_LENGTH,
    KIND_NAME_MAX_LENGTH,
    LEARNING_THEME_MAX_LENGTH,
    MEASURE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from audit_app.core.organisations import ORGANISATION_KINDS
from audit_app.core.partnership import (
    ACTION_STATUSES,
    DOMAINS,
    GRANT_PURPOSES,
    MULTI_AGENCY_STATUSES,
    OPEN,
)
from audit_app.core.roles import ROLES
from audit_app.core.subjects import DEFAULT_SUBJECT, SUBJECT_MAX_LENGTH, SUBJECTS

# Named constraints, so that Alembic's batch mode can alter them on SQLite.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FORMAT_1_KINDS = ("monthly", "deep_dive")
"""The two kinds a format 1 questionnaire may name; format 2 names any kind the council declared
(``audit_kind``)."""


def table_of(model: type[SQLModel]) -> Table:
    """The table of a model class, typed as SQLAlchemy Core's (for the reports' statements)."""
    return cast(Table, sa_inspect(model).local_table)


def utcnow() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Organisation(SQLModel, table=True):
    """The council (the home organisation, exactly one) or a partner agency: it owns its people,
    its services and its audits (docs/organisations.md)."""

    __table_args__ = (
        CheckConstraint(_in("kind", ORGANISATION_KINDS), name="kind"),
        # At most one home organisation; the migration seeds it and nothing removes it.
        Index(
            "uq_organisation_one_home",
            "is_home",
            unique=True,
            sqlite_where=text("is_home"),
            postgresql_where=text("is_home"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=16)
    is_home: bool = Field(default=False)
    # Two-factor authentication for every person of the organisation, whatever their role.
    mfa_required: bool = Field(default=True)
    # Where a partner's own identity provider will plug in (not used yet).
    oidc_issuer: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


# A row made without an organisation belongs to the home organisation (``users create``, the
# case imports' new services, the demo); the value is looked up by the INSERT itself.
HOME_ORGANISATION = (
    select(Organisation.id).where(Organisation.is_home == True).scalar_subquery()  # noqa: E712
)


def organisation_column() -> Column[int]:
    """``organisation_id``: not null, indexed, the home organisation unless given."""
    return Column(
        Integer,
        ForeignKey("organisation.id"),
        nullable=False,
        index=True,
        default=HOME_ORGANISATION,
    )


class Service(SQLModel, table=True):
    """A service area, e.g. Child Protection or Children in Care."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    organisation_id: int | None = Field(default=None, sa_column=organisation_column())


class Team(SQLModel, table=True):
    """A team within a service; cases are allocated to teams."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    service_id: int = Field(foreign_key="service.id", index=True)


class User(SQLModel, table=True):
    """A person who signs in: an auditor, a group manager, an admin or a viewer."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    active: bool = Field(default=True)
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime | None = Field(default=None)
    # Set when an admin chose the password (Admin > Users, `users create`, `users set-password`):
    # its owner must change it at their next sign-in before doing anything else.
    password_change_required: bool = Field(default=False)
    # Multi-factor authentication: a TOTP secret, confirmed when enrolment finished.
    totp_secret: str | None = Field(default=None, max_length=64)
    mfa_enabled: bool = Field(default=False)
    # The 30-second time step of the last code used: a code is accepted once only.
    totp_last_step: int | None = Field(default=None)
    # Single sign-on: the identity provider's stable identifier of this person (the ID token's
    # OIDC_SUBJECT_CLAIM, ``sub`` or Entra ID's ``oid``); accounts are matched by it alone.
    oidc_subject: str | None = Field(default=None, max_length=255, unique=True)
    # The last time this person signed in, by password or single sign-on.
    last_sign_in_at: datetime | None = Field(default=None)
    organisation_id: int | None = Field(default=None, sa_column=organisation_column())


class UserSession(SQLModel, table=True):
    """A signed-in session, kept on the server so that signing out really ends it."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = Field(default=None)
    ended_reason: str | None = Field(default=None, max_length=32)
    remote_addr: str | None = Field(default=None, max_length=64)
    # A TOTP secret shown during enrolment in this browser, until a code confirms it (or the
    # session ends): kept here, never in the cookie.
    pending_totp_secret: str | None = Field(default=None, max_length=64)


class RecoveryCode(SQLModel, table=True):
    """A one-time code that signs in when the authenticator app is lost (stored hashed)."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    code_hash: str = Field(max_length=255)
    used_at: datetime | None = Field(default=None)


class ManagedService(SQLModel, table=True):
    """A service that a group manager manages."""

    __tablename__ = "managed_service"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)


class Case(SQLModel, table=True):
    """What an audit is of, by its reference only: a case known to the case management system,
    or another subject (a worker's supervision file, a carer household, a meeting), which sits
    in a team as a case does. A reference is unique within its subject."""

    __tablename__ = "case_file"  # "case" is a reserved word in SQL
    __table_args__ = (
        UniqueConstraint("case_ref", "subject", name="uq_case_file_case_ref_subject"),
        CheckConstraint(_in("subject", SUBJECTS), name="subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_ref: str = Field(max_length=32)
    subject: str = Field(
        default=DEFAULT_SUBJECT,
        max_length=SUBJECT_MAX_LENGTH,
        sa_column_kwargs={"server_default": DEFAULT_SUBJECT},
    )
    team_id: int = Field(foreign_key="team.id", index=True)
    worker: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # A training case written for a calibration exercise, not a real case: audited only in
    # exercises, so never in the service's figures.
    training: bool = Field(default=False)


class AuditKind(SQLModel, table=True):
    """A kind of audit the council declared (monthly, deep dive, supervision...): questionnaires
    name one, and reports filter by it. Kinds are added and renamed, never removed, so that every
    loaded questionnaire's kind stays declared."""

    __tablename__ = "audit_kind"

    name: str = Field(max_length=KIND_MAX_LENGTH, primary_key=True)
    display_name: str = Field(max_length=KIND_NAME_MAX_LENGTH, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class QuestionnaireVersion(SQLModel, table=True):
    """One loaded version of a questionnaire.

    A version is a draft until it is published (``published_at``): only admins see a draft, no
    audit can use it, and a changed file under its id and version replaces it. Once published
    it never changes.
    """

    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: str = Field(max_length=ID_MAX_LENGTH, index=True)
    version: int
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    # One of the kinds declared in ``audit_kind`` when the version was loaded.
    kind: str = Field(max_length=KIND_MAX_LENGTH)
    content: str = Field(sa_column=Column(Text, nullable=False))
    content_sha256: str = Field(max_length=64)
    loaded_at: datetime = Field(default_factory=utcnow)
    loaded_by: str = Field(default="", max_length=80)
    retired_at: datetime | None = Field(default=None)
    published_at: datetime | None = Field(default=None)
    published_by: str = Field(default="", max_length=80)

    @property
    def is_draft(self) -> bool:
        """Whether this version is a draft: admins only, never used by an audit."""
        return self.published_at is None


class Audit(SQLModel, table=True):
    """One audit of one case against one questionnaire version, by one auditor."""

    __table_args__ = (
        CheckConstraint(_in("status", AUDIT_STATUSES), name="status"),
        Index("ix_audit_status_submitted_at", "status", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id", index=True)
    auditor_id: int = Field(foreign_key="app_user.id", index=True)
    status: str = Field(default=DRAFT, max_length=16)
    # Optimistic locking: every change bumps it; a save from a stale page is refused.
    version: int = Field(default=1)
    overall_grade_judged: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    overall_analysis: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = Field(default=None)
    closed_at: datetime | None = Field(default=None)
    # Moderation: whether it is due, why ("worst band", "sample", "requested"), and the random
    # number drawn at submission that decided the sample (kept so the choice can be checked).
    moderation_due: bool = Field(default=False)
    moderation_reason: str | None = Field(default=None, max_length=32)
    moderation_draw: float | None = Field(default=None)
    # The practitioner's voice: when the findings were discussed with the allocated worker.
    discussed_with_worker_on: date | None = Field(default=None)
    worker_reflection: str | None = Field(default=None, sa_column=Column(Text))
    # The calibration exercise this audit was made for, if any: submitted, it takes the status
    # "exercise", which no figure of the service counts.
    exercise_id: int | None = Field(default=None, foreign_key="calibration_exercise.id", index=True)
    # The audit this one is the double-blind second audit of, if any: submitted, it too takes
    # the status "exercise", which no figure of the service counts.
    second_of_id: int | None = Field(default=None, foreign_key="audit.id", index=True)
    # The auditor's organisation when the audit was started: an agency's return on a council
    # case is the agency's record.
    organisation_id: int | None = Field(default=None, sa_column=organisation_column())
    # The multi-agency audit this audit is an agency's return to, if any: sealed to its auditor
    # while the returns are open and, submitted, given the status "exercise", which no figure
    # of the service counts.
    multi_agency_audit_id: int | None = Field(
        default=None, foreign_key="multi_agency_audit.id", index=True
    )


class Answer(SQLModel, table=True):
    """The answer to one question of an audit, as the raw stored value; in a repeating group,
    one per repeat (numbered from 1), and the group's count of repeats under its id."""

    __table_args__ = (
        UniqueConstraint("audit_id", "question_id", "repeat", name="uq_answer_question_repeat"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    question_id: str = Field(max_length=ID_MAX_LENGTH)
    # 0 outside repeating groups (and for a group's count), else the repeat's number from 1.
    repeat: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    value: str = Field(sa_column=Column(Text, nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(default_factory=utcnow)


class ThemeJudgement(SQLModel, table=True):
    """The auditor's professional judgement of one theme."""

    __tablename__ = "theme_judgement"
    __table_args__ = (UniqueConstraint("audit_id", "theme_id", name="uq_theme_judgement"),)

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    theme_id: str = Field(max_length=ID_MAX_LENGTH)
    grade: str = Field(max_length=GRADE_MAX_LENGTH)
    analysis: str | None = Field(default=None, sa_column=Column(Text))
    # The theme's evidence fields (format 2's ``evidence``), each blank when not asked or not
    # written; a row may hold them without a grade yet.
    strengths: str | None = Field(default=None, sa_column=Column(Text))
    areas_for_development: str | None = Field(default=None, sa_column=Column(Text))
    recommendations: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(default_factory=utcnow)


class AuditResult(SQLModel, table=True):
    """The overall scoring result, stored at submission so reports never rescore."""

    __tablename__ = "audit_result"

    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    percent: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 6)))
    percent_rounded: Decimal | None = Field(default=None, sa_column=Column(Numeric(4, 1)))
    grade_computed: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_judged: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_moderated: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    scored_at: datetime = Field(default_factory=utcnow)


class ThemeResult(SQLModel, table=True):
    """One theme's scoring result, stored at submission."""

    __tablename__ = "theme_result"
    __table_args__ = (
        UniqueConstraint("audit_id", "theme_id", name="uq_theme_result"),
        # Covering the reports' statements, which then never read the table itself.
        Index(
            "ix_theme_result_report",
            "audit_id",
            "theme_id",
            "grade_computed",
            "grade_judged",
            "grade_moderated",
            "percent",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id")
    theme_id: str = Field(max_length=ID_MAX_LENGTH)
    percent: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 6)))
    percent_rounded: Decimal | None = Field(default=None, sa_column=Column(Numeric(4, 1)))
    points: Decimal = Field(sa_column=Column(Numeric(14, 4), nullable=False))
    possible: Decimal = Field(sa_column=Column(Numeric(14, 4), nullable=False))
    grade_computed: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_judged: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_moderated: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)


class ComplianceResult(SQLModel, table=True):
    """One included answer to a recording-compliance question, stored at submission."""

    __tablename__ = "compliance_result"
    __table_args__ = (
        UniqueConstraint("audit_id", "question_id", name="uq_compliance_result"),
        Index("ix_compliance_result_measure", "measure"),
        # Covering the dashboard's statement, which then never reads the table itself.
        Index("ix_compliance_result_report", "audit_id", "measure", "compliant"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id")
    theme_id: str = Field(max_length=ID_MAX_LENGTH)
    question_id: str = Field(max_length=ID_MAX_LENGTH)
    measure: str = Field(max_length=MEASURE_MAX_LENGTH)
    value: str = Field(max_length=ID_MAX_LENGTH)
    compliant: bool


class Allocation(SQLModel, table=True):
    """Which case an auditor should audit, with which questionnaire, by when."""

    __table_args__ = (
        UniqueConstraint(
            "case_id", "questionnaire_id", "auditor_id", "due", name="uq_allocation_case"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    questionnaire_id: str = Field(max_length=ID_MAX_LENGTH)
    auditor_id: int = Field(foreign_key="app_user.id", index=True)
    due: date = Field(index=True)
    audit_id: int | None = Field(default=None, foreign_key="audit.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)
    # The audit programme whose draw made this allocation, if any.
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)


PROGRAMME_KINDS = ("practice_week", "themed", "monthly")
"""A practice week, a themed audit or the monthly cycle."""
STRATA_BY = ("team", "service")
"""What a programme's strata are: its cases' teams, or their services."""


class Programme(SQLModel, table=True):
    """An audit programme a QA lead plans: a questionnaire, a period and a sampling frame (strata
    by team or service with a quota each, optionally only the cases of an imported list), drawn
    with a seed kept so the draw can be repeated."""

    __table_args__ = (
        CheckConstraint(_in("kind", PROGRAMME_KINDS), name="kind"),
        CheckConstraint(_in("strata_by", STRATA_BY), name="strata_by"),
        CheckConstraint("period_end >= period_start", name="period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=TITLE_MAX_LENGTH, unique=True)
    kind: str = Field(max_length=16)
    questionnaire_id: str = Field(max_length=ID_MAX_LENGTH)
    period_start: date
    period_end: date
    strata_by: str = Field(max_length=8)
    # Whether the frame is only the cases listed in ``programme_case`` (an extract imported
    # from the case management system) rather than every case.
    case_list: bool = Field(default=False)
    # The seed of the last draw: the same data and seed draw the same cases.
    seed: int | None = Field(default=None)
    drawn_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class ProgrammeStratum(SQLModel, table=True):
    """One stratum of a programme (a team or a service, by ``strata_by``) and its quota."""

    __tablename__ = "programme_stratum"
    __table_args__ = (
        UniqueConstraint("programme_id", "unit_id", name="uq_programme_stratum_unit"),
        CheckConstraint("quota >= 0", name="quota"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    # The team's or the service's id (no foreign key: which table depends on ``strata_by``).
    unit_id: int
    name: str = Field(max_length=120)
    quota: int = Field(default=0)


class ProgrammeCase(SQLModel, table=True):
    """A case in a programme's imported list: the frame the draw takes from."""

    __tablename__ = "programme_case"

    programme_id: int = Field(foreign_key="programme.id", primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", primary_key=True, index=True)


class SafeguardingConcern(SQLModel, table=True):
    """An immediate safeguarding concern an auditor found on a case; escalated at once."""

    __tablename__ = "safeguarding_concern"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    raised_by_id: int = Field(foreign_key="app_user.id")
    raised_at: datetime = Field(default_factory=utcnow)
    description: str = Field(sa_column=Column(Text, nullable=False))
    acknowledged_at: datetime | None = Field(default=None)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    acknowledgement: str | None = Field(default=None, sa_column=Column(Text))


class Moderation(SQLModel, table=True):
    """A group manager's moderation of a submitted audit: grades re-recorded, an outcome."""

    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('agreed', 'grade_changed', 'returned')",
            name="outcome",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    moderator_id: int = Field(foreign_key="app_user.id", index=True)
    started_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = Field(default=None)
    outcome: str | None = Field(default=None, max_length=16)
    overall_grade: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    overall_rationale: str | None = Field(default=None, sa_column=Column(Text))
    comment: str | None = Field(default=None, sa_column=Column(Text))


class ModerationGrade(SQLModel, table=True):
    """The moderator's grade for one theme."""

    __tablename__ = "moderation_grade"
    __table_args__ = (
        UniqueConstraint("moderation_id", "theme_id", name="uq_moderation_grade_theme"),
    )

    id: int | None = Field(default=None, primary_key=True)
    moderation_id: int = Field(foreign_key="moderation.id", index=True)
    theme_id: str = Field(max_length=ID_MAX_LENGTH)
    grade: str = Field(max_length=GRADE_MAX_LENGTH)
    rationale: str | None = Field(default=None, sa_column=Column(Text))


class Action(SQLModel, table=True):
    """Something that must happen for the child or the record, with an owner and a due date."""

    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        CheckConstraint("for_whom IN ('child', 'record')", name="for_whom"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    for_whom: str = Field(default="child", max_length=16)
    owner: str = Field(max_length=120)
    due: date = Field(index=True)
    status: str = Field(default="open", max_length=16, index=True)
    completion_note: str | None = Field(default=None, sa_column=Column(Text))
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = Field(default=None)
    version: int = Field(default=1)


FINDING_KINDS = ("strength", "area_for_development", "learning")
"""What a finding is, as ``finding.kind`` stores it."""
TAGGED_AS = ("auditor", "moderator")
"""Whose finding it is, as ``finding.tagged_as`` stores it: the audit's auditor, or a moderator."""


class LearningTheme(SQLModel, table=True):
    """A learning theme of the vocabulary the QA lead manages ("Voice of the child"). Added,
    renamed and retired, never removed: a retired theme is offered to no one but keeps its
    findings and its counts."""

    __tablename__ = "learning_theme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=LEARNING_THEME_MAX_LENGTH, unique=True)
    retired_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class Finding(SQLModel, table=True):
    """A strength, area for development or learning an auditor or moderator found in an audit,
    tagged with a learning theme and optionally a short quotation of their own words there."""

    __table_args__ = (
        CheckConstraint(_in("kind", FINDING_KINDS), name="kind"),
        CheckConstraint(_in("tagged_as", TAGGED_AS), name="tagged_as"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    learning_theme_id: int = Field(foreign_key="learning_theme.id", index=True)
    kind: str = Field(max_length=24)
    tagged_as: str = Field(max_length=16)
    tagged_by_id: int = Field(foreign_key="app_user.id")
    quotation: str | None = Field(default=None, sa_column=Column(Text))
    chosen_at: datetime | None = Field(default=None)
    chosen_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class SignInAttempt(SQLModel, table=True):
    """A sign-in attempt, kept in the database so throttling holds across workers and servers."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_username_at", "username", "attempted_at"),
        Index("ix_sign_in_attempt_address_at", "remote_addr", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    remote_addr: str = Field(max_length=64)
    attempted_at: datetime = Field(default_factory=utcnow)
    succeeded: bool = Field(default=False)


class PendingSave(SQLModel, table=True):
    """Answers posted after the auditor's session had ended, kept until they sign in again.

    One page per person and audit: a later one replaces it (services/pending_saves.py).
    """

    __tablename__ = "pending_save"
    __table_args__ = (UniqueConstraint("user_id", "audit_id", name="uq_pending_save_user_audit"),)

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    audit_id: int = Field(foreign_key="audit.id")
    theme_id: str = Field(max_length=ID_MAX_LENGTH)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """One entry in the audit trail: who did what, when, and from where."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_occurred_at", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow)
    # No foreign keys: the trail outlives what it describes (a purged audit keeps its events),
    # and the table is append-only (database triggers refuse UPDATE and DELETE).
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=64, index=True)
    audit_id: int | None = Field(default=None, index=True)
    case_ref: str | None = Field(default=None, max_length=32, index=True)
    remote_addr: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class RefusalTally(SQLModel, table=True):
    """Repeated refusals of one kind from one address within one minute (refused CSRF tokens,
    throttled sign-ins): the first goes to the audit trail, the rest are counted here, so that a
    client flooding the service cannot flood the trail, which can never be pruned."""

    __tablename__ = "refusal_tally"

    action: str = Field(max_length=64, primary_key=True)
    remote_addr: str = Field(max_length=64, primary_key=True)
    # A signed-in person's refusals are counted apart from everyone else's at the address
    # (several people can share one behind a proxy); "" for people not signed in.
    signed_in_as: str = Field(max_length=80, primary_key=True)
    minute: datetime = Field(primary_key=True)
    count: int = Field(default=1)
    last_at: datetime = Field(default_factory=utcnow)


# An import of cases is writing its batches, complete, or undone (after it stopped part-way).
CASE_IMPORT_STATUSES = ("writing", "complete", "undone")


class CaseImport(SQLModel, table=True):
    """An import of cases written in batches (services/cases.py): it completes whole or is undone.

    ``unfinished`` is true while the import writes, and stays true if it stops part-way, until
    it is undone; it is empty once the import is complete or undone. It is unique, so one import
    of cases writes at a time. ``new_services`` and ``new_teams`` are the ids it created (JSON).
    """

    __tablename__ = "case_import"
    __table_args__ = (CheckConstraint(_in("status", CASE_IMPORT_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="writing", max_length=16)
    unfinished: bool | None = Field(default=True, unique=True)
    created_by: str = Field(max_length=80)
    rows: int
    new_services: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    new_teams: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class CaseImportChange(SQLModel, table=True):
    """A case that an unfinished import created or changed, with what it was before: enough to
    undo the import. Deleted once the import is complete or undone."""

    __tablename__ = "case_import_change"

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="case_import.id", index=True)
    case_ref: str = Field(max_length=32)
    subject: str = Field(
        default=DEFAULT_SUBJECT,
        max_length=SUBJECT_MAX_LENGTH,
        sa_column_kwargs={"server_default": DEFAULT_SUBJECT},
    )
    created: bool
    previous_team_id: int | None = None
    previous_worker: str | None = Field(default=None, max_length=120)
    previous_updated_at: datetime | None = None


# --- report summaries ------------------------------------------------------------------------
# Derived tables that make the dashboard fast at a regional scale (see reporting/summaries.py).
# They hold nothing that the tables above do not: each past month is recomputed from them
# whenever database triggers have marked it changed, and can be rebuilt at any time.


class ReportStaleMonth(SQLModel, table=True):
    """A change to the audits of a month (``YYYY-MM``, UTC) since its summaries were made.

    Written by database triggers on every table the summaries read, in the changing transaction.
    ``part`` says what changed: ``audit`` (the audit ``audit_id``: its own rows, results or
    moderations), ``allocations`` (the month's allocations) or ``all`` (anything).
    """

    __tablename__ = "report_stale_month"
    # Which audits changed, read in the index's order without the table.
    __table_args__ = (Index("ix_report_stale_month_marks", "month", "part", "audit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    part: str = Field(default="all", max_length=12, sa_column_kwargs={"server_default": "all"})
    audit_id: int | None = None


class ReportAudit(SQLModel, table=True):
    """One row per audit whose submission stands, with what the dashboard groups it by."""

    __tablename__ = "report_audit"
    # Covering indexes: the dashboard's statements read these alone, never the table.
    __table_args__ = (
        Index(
            "ix_report_audit_grades",
            "month",
            "questionnaire_version_id",
            "team_id",
            "grade_computed",
            "grade_judged",
            "grade_moderated",
        ),
        Index(
            "ix_report_audit_people",
            "month",
            "auditor_id",
            "questionnaire_version_id",
            "team_id",
            "grade_computed",
            "grade_judged",
            "moderation_grade",
        ),
    )

    audit_id: int = Field(primary_key=True)
    month: str = Field(max_length=7)
    questionnaire_version_id: int
    team_id: int
    auditor_id: int
    grade_computed: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_judged: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_moderated: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    # The overall grade of the audit's latest completed moderation, if any.
    moderation_grade: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)


class ReportThemeMonth(SQLModel, table=True):
    """Theme results of a month, counted by version, team, theme and grades."""

    __tablename__ = "report_theme_month"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    questionnaire_version_id: int
    team_id: int
    theme_id: str = Field(max_length=ID_MAX_LENGTH)
    grade_computed: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_judged: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_moderated: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    themes: int
    graded: int
    percent_sum: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 6)))


class ReportComplianceMonth(SQLModel, table=True):
    """Recording-compliance answers of a month, counted by version, team and measure."""

    __tablename__ = "report_compliance_month"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    questionnaire_version_id: int
    team_id: int
    measure: str = Field(max_length=MEASURE_MAX_LENGTH)
    compliant: int
    applicable: int


class ReportThemeAudit(SQLModel, table=True):
    """An audit's theme results as its month's theme summary counted them (its month is its
    ``report_audit`` row's): what to take away from that summary when the audit has changed
    since."""

    __tablename__ = "report_theme_audit"
    # SQLite keeps the rows in the primary key's order, with no second copy of the key.
    __table_args__ = {"sqlite_with_rowid": False}

    audit_id: int = Field(primary_key=True)
    theme_id: str = Field(primary_key=True, max_length=ID_MAX_LENGTH)
    grade_computed: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_judged: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    grade_moderated: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    percent: Decimal | None = Field(default=None, sa_column=Column(Numeric(10, 6)))


class ReportComplianceAudit(SQLModel, table=True):
    """An audit's compliance answers by measure, as its month's compliance summary counted
    them: what to take away from that summary when the audit has changed since."""

    __tablename__ = "report_compliance_audit"
    __table_args__ = {"sqlite_with_rowid": False}

    audit_id: int = Field(primary_key=True)
    measure: str = Field(primary_key=True, max_length=MEASURE_MAX_LENGTH)
    compliant: int
    applicable: int


class ReportAllocationMonth(SQLModel, table=True):
    """Allocations due in a month, and how many have an audit whose submission stands."""

    __tablename__ = "report_allocation_month"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, index=True)
    questionnaire_id: str = Field(max_length=ID_MAX_LENGTH)
    team_id: int
    due: int
    completed: int


class CalibrationExercise(SQLModel, table=True):
    """A calibration exercise: a group of auditors audit one exemplar case blind, then compare
    their answers and grades with each other and with the agreed "what good looks like"."""

    __tablename__ = "calibration_exercise"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    # The questionnaire version every audit of the exercise uses.
    version_id: int = Field(foreign_key="questionnaire_version.id")
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the lead closes the exercise: from then on everyone in it sees the figures.
    revealed_at: datetime | None = Field(default=None)


class CalibrationMember(SQLModel, table=True):
    """An auditor in a calibration exercise, with the audit they made for it once started."""

    __tablename__ = "calibration_member"

    exercise_id: int = Field(foreign_key="calibration_exercise.id", primary_key=True)
    auditor_id: int = Field(foreign_key="app_user.id", primary_key=True)
    audit_id: int | None = Field(default=None, foreign_key="audit.id")


class SecondAudit(SQLModel, table=True):
    """A submitted audit drawn for a double-blind second audit: the draw that chose it (seed,
    number drawn, rate) and the auditor given the second audit, or none while it waits for the
    QA lead to assign one. The second audit itself records the first (``audit.second_of_id``)."""

    __tablename__ = "second_audit"

    first_audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    seed: str = Field(max_length=64)
    draw: float
    rate: float
    drawn_at: datetime = Field(default_factory=utcnow)
    # Set when the second audit is allocated (at the draw, or by the QA lead from the list).
    second_audit_id: int | None = Field(default=None, foreign_key="audit.id")
    allocated_at: datetime | None = Field(default=None)


class CalibrationAgreed(SQLModel, table=True):
    """The exemplar's agreed answer to one question (``kind`` "answer") or agreed grade of one
    theme (``kind`` "grade", ``item_id`` the theme's id; "overall" for the overall grade)."""

    __tablename__ = "calibration_agreed"
    __table_args__ = (CheckConstraint("kind IN ('answer', 'grade')", name="kind"),)

    exercise_id: int = Field(foreign_key="calibration_exercise.id", primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)
    item_id: str = Field(max_length=ID_MAX_LENGTH, primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))


class LawfulBasis(SQLModel, table=True):
    """A lawful basis a multi-agency audit may run under ("UK GDPR Article 6(1)(e) and Article
    9(2)(h)..."), from the list the admins manage. Retired, never removed."""

    __tablename__ = "lawful_basis"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=TITLE_MAX_LENGTH, unique=True)
    retired_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=80)


class MultiAgencyAudit(SQLModel, table=True):
    """A multi-agency audit a partnership's coordinator opened: a case, or a cohort of cases on
    a theme, that each named agency audits from its own perspective (``agency_return``) before
    a panel discusses the returns and concludes (``panel_conclusion``, ``agency_action``)."""

    __tablename__ = "multi_agency_audit"
    __table_args__ = (
        CheckConstraint(_in("status", MULTI_AGENCY_STATUSES), name="status"),
        CheckConstraint(
            "lawful_basis_id IS NOT NULL OR lawful_basis_other IS NOT NULL",
            name="lawful_basis",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    # The theme of a cohort ("neglect"), or empty for one child's case.
    theme: str = Field(default="", max_length=120)
    coordinator_id: int = Field(foreign_key="app_user.id", index=True)
    due: date
    # The data-sharing agreement it runs under, and its lawful basis (from the list, or "other"
    # with its words).
    sharing_agreement: str = Field(max_length=TITLE_MAX_LENGTH)
    lawful_basis_id: int | None = Field(default=None, foreign_key="lawful_basis.id")
    lawful_basis_other: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=OPEN, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    returns_closed_at: datetime | None = Field(default=None)
    concluded_at: datetime | None = Field(default=None)
    version: int = Field(default=1)


class MultiAgencyCase(SQLModel, table=True):
    """A case a multi-agency audit looks at (one, or each child of a cohort)."""

    __tablename__ = "multi_agency_case"

    multi_agency_audit_id: int = Field(foreign_key="multi_agency_audit.id", primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", primary_key=True)


class AgencyReturn(SQLModel, table=True):
    """One agency's return on one case of a multi-agency audit: the questionnaire version it
    completes, and the ordinary audit of that agency once its auditor starts it. Sealed to its
    agency until the returns are closed."""

    __tablename__ = "agency_return"
    __table_args__ = (
        UniqueConstraint(
            "multi_agency_audit_id", "organisation_id", "case_id", name="uq_agency_return_key"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    multi_agency_audit_id: int = Field(foreign_key="multi_agency_audit.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    case_id: int = Field(foreign_key="case_file.id", index=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    audit_id: int | None = Field(default=None, foreign_key="audit.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class PanelMember(SQLModel, table=True):
    """A person an agency named to the panel of a multi-agency audit: once the returns are
    closed, they see every return and take part in the discussion."""

    __tablename__ = "panel_member"

    multi_agency_audit_id: int = Field(foreign_key="multi_agency_audit.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)


class PanelConclusion(SQLModel, table=True):
    """The panel's conclusion on one domain of a multi-agency audit: a grade on the Ofsted scale
    and the analysis behind it."""

    __tablename__ = "panel_conclusion"
    __table_args__ = (CheckConstraint(_in("domain", tuple(DOMAINS)), name="domain"),)

    multi_agency_audit_id: int = Field(foreign_key="multi_agency_audit.id", primary_key=True)
    domain: str = Field(max_length=16, primary_key=True)
    grade: str | None = Field(default=None, max_length=GRADE_MAX_LENGTH)
    analysis: str = Field(default="", sa_column=Column(Text, nullable=False))
    recorded_by_id: int = Field(foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class AgencyAction(SQLModel, table=True):
    """An action the panel of a multi-agency audit gave to one agency: seen by that agency and
    the coordinator only."""

    __tablename__ = "agency_action"
    __table_args__ = (CheckConstraint(_in("status", ACTION_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    multi_agency_audit_id: int = Field(foreign_key="multi_agency_audit.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    due: date
    status: str = Field(default="open", max_length=16)
    completion_note: str | None = Field(default=None, sa_column=Column(Text))
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = Field(default=None)
    version: int = Field(default=1)


class GrantBatch(SQLModel, table=True):
    """A set of case grants made together for one visiting exercise (a cross-borough audit, a
    peer review, an independent auditor's sample): its purpose, and whether the visitors see
    the references pseudonymised under the batch's own key."""

    __tablename__ = "grant_batch"
    __table_args__ = (CheckConstraint(_in("purpose", tuple(GRANT_PURPOSES)), name="purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    purpose: str = Field(max_length=16)
    pseudonymised: bool = Field(default=True)
    # 32 random bytes, as hex: the HMAC key of the batch's pseudonyms (core/partnership.py).
    pseudonym_key: str = Field(max_length=64)
    created_by_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CaseGrant(SQLModel, table=True):
    """A visiting auditor's access to one of our cases (or to one audit, to re-audit it blind),
    from its first day to its last (England's days, both included). Outside the window, or
    once revoked, it gives nothing."""

    __tablename__ = "case_grant"
    __table_args__ = (
        CheckConstraint("case_id IS NOT NULL OR audit_id IS NOT NULL", name="what"),
        CheckConstraint("ends_on >= starts_on", name="window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="grant_batch.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case_file.id", index=True)
    audit_id: int | None = Field(default=None, foreign_key="audit.id", index=True)
    starts_on: date
    ends_on: date
    granted_by_id: int = Field(foreign_key="app_user.id")
    granted_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None)
    revoked_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class Challenge(SQLModel, table=True):
    """The independent auditor's challenge on an audit (or one of its themes), and the
    service's response."""

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    theme_id: str | None = Field(default=None, max_length=ID_MAX_LENGTH)
    text: str = Field(sa_column=Column(Text, nullable=False))
    raised_by_id: int = Field(foreign_key="app_user.id")
    raised_at: datetime = Field(default_factory=utcnow)
    response: str | None = Field(default=None, sa_column=Column(Text))
    responded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    responded_at: datetime | None = Field(default=None)
    version: int = Field(default=1)


__all__ = [
    "AgencyAction",
    "AgencyReturn",
    "CaseGrant",
    "Challenge",
    "GrantBatch",
    "LawfulBasis",
    "MultiAgencyAudit",
    "MultiAgencyCase",
    "PanelConclusion",
    "PanelMember",
    "AUDIT_STATUSES",
    "CalibrationAgreed",
    "CalibrationExercise",
    "CalibrationMember",
    "RecoveryCode",
    "SecondAudit",
    "ReportAllocationMonth",
    "ReportComplianceAudit",
    "ReportAudit",
    "ReportComplianceMonth",
    "ReportStaleMonth",
    "ReportThemeAudit",
    "ReportThemeMonth",
    "UserSession",
    "Action",
    "Allocation",
    "PROGRAMME_KINDS",
    "Programme",
    "ProgrammeCase",
    "ProgrammeStratum",
    "STRATA_BY",
    "Moderation",
    "ModerationGrade",
    "PendingSave",
    "RefusalTally",
    "CASE_IMPORT_STATUSES",
    "CaseImport",
    "CaseImportChange",
    "SafeguardingConcern",
    "SignInAttempt",
    "FORMAT_1_KINDS",
    "AuditKind",
    "ROLES",
    "Answer",
    "Audit",
    "AuditEvent",
    "AuditResult",
    "Case",
    "ComplianceResult",
    "ManagedService",
    "QuestionnaireVersion",
    "Service",
    "Team",
    "ThemeJudgement",
    "ThemeResult",
    "User",
    "utcnow",
    "WHAT_IF_STATUSES",
    "WhatIf",
]


WHAT_IF_STATUSES = ("queued", "running", "done", "failed")


class WhatIf(SQLModel, table=True):
    """A rescoring what-if worked out in the background and kept: version ``after_version``'s
    rules on version ``before_version``'s audits submitted from ``period_start`` to
    ``period_end`` (days in England, both included).

    ``result`` is the impact packed as text (``services/what_if.py``: the figures' counts, a line
    of direction codes per grade, then a line per audit); ``fingerprint`` names what it
    was worked out from (the audits, their answers and both versions), so that a change to any
    of them makes it stale. ``done`` of ``total`` audits is the progress of a running job.
    """

    __tablename__ = "what_if"
    __table_args__ = (
        UniqueConstraint(
            "questionnaire_id",
            "before_version",
            "after_version",
            "period_start",
            "period_end",
            name="uq_what_if_key",
        ),
        CheckConstraint(_in("status", WHAT_IF_STATUSES), name="status"),
        Index("ix_what_if_status", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: str = Field(max_length=ID_MAX_LENGTH)
    before_version: int
    after_version: int
    period_start: date
    period_end: date
    status: str = Field(default="queued", max_length=16)
    done: int = Field(default=0)
    total: int = Field(default=0)
    result: str | None = Field(default=None, sa_column=Column(Text))
    # What the kept result was worked out from, and what the job under way is working from.
    fingerprint: str | None = Field(default=None, max_length=64)
    computed_at: datetime | None = Field(default=None)
    queued_at: datetime = Field(default_factory=utcnow)
    # When a server took the job, and last said it was still at it (a job whose server went
    # quiet for long is taken again).
    claimed_at: datetime | None = Field(default=None)
    error: str | None = Field(default=None, max_length=200)
