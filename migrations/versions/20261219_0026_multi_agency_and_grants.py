"""Multi-agency audits, visiting auditors' case grants and the independent auditor's challenge

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-19 09:00:00

New tables only: ``lawful_basis`` (seeded with the usual bases), ``multi_agency_audit``,
``multi_agency_case``, ``agency_return``, ``panel_member``, ``panel_conclusion``,
``agency_action``, ``grant_batch``, ``case_grant`` and ``challenge``
(docs/design/multi-agency.md). Downgrading drops them, and is refused, changing nothing, while
any of them holds a row other than the seeded bases: the release before cannot keep a partner's
returns, a visitor's grants or a challenge apart.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAWFUL_BASES = (
    "UK GDPR Article 6(1)(e) public task, with Article 9(2)(g) substantial public interest "
    "(Data Protection Act 2018, Schedule 1, paragraph 18: safeguarding of children)",
    "UK GDPR Article 6(1)(e) public task, with Article 9(2)(h) health or social care "
    "(Data Protection Act 2018, Schedule 1, paragraph 2)",
    "UK GDPR Article 6(1)(c) legal obligation (Children Act 2004, section 11), with Article "
    "9(2)(g) substantial public interest",
)
HELD = (
    "multi_agency_audit",
    "grant_batch",
    "challenge",
)
TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    _lawful_basis()
    _multi_agency_audit()
    _returns_and_panel()
    _grants()
    _challenge()


def downgrade() -> None:
    bind = op.get_bind()
    for table in HELD:
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first():
            raise RuntimeError(
                f"Refusing to downgrade: {table} holds rows, which the release before cannot "
                "keep apart by organisation. Nothing was changed."
            )
    for table in (
        "challenge",
        "case_grant",
        "grant_batch",
        "agency_action",
        "panel_conclusion",
        "panel_member",
        "agency_return",
        "multi_agency_case",
        "multi_agency_audit",
        "lawful_basis",
    ):
        op.drop_table(table)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _user(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("app_user.id"), nullable=nullable)


def _lawful_basis() -> None:
    table = op.create_table(
        "lawful_basis",
        _id(),
        sa.Column("name", TEXT(length=200), nullable=False),
        sa.Column("retired_at", WHEN(), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", TEXT(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lawful_basis")),
        sa.UniqueConstraint("name", name=op.f("uq_lawful_basis_name")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [{"name": name, "created_at": now, "created_by": "migration"} for name in LAWFUL_BASES],
    )


def _multi_agency_audit() -> None:
    op.create_table(
        "multi_agency_audit",
        _id(),
        sa.Column("title", TEXT(length=200), nullable=False),
        sa.Column("theme", TEXT(length=120), nullable=False),
        _user("coordinator_id"),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("sharing_agreement", TEXT(length=200), nullable=False),
        sa.Column("lawful_basis_id", sa.Integer(), nullable=True),
        sa.Column("lawful_basis_other", sa.Text(), nullable=True),
        sa.Column("status", TEXT(length=16), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("returns_closed_at", WHEN(), nullable=True),
        sa.Column("concluded_at", WHEN(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'returns_closed', 'concluded')",
            name=op.f("ck_multi_agency_audit_status"),
        ),
        sa.CheckConstraint(
            "lawful_basis_id IS NOT NULL OR lawful_basis_other IS NOT NULL",
            name=op.f("ck_multi_agency_audit_lawful_basis"),
        ),
        sa.ForeignKeyConstraint(
            ["lawful_basis_id"],
            ["lawful_basis.id"],
            name=op.f("fk_multi_agency_audit_lawful_basis_id_lawful_basis"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_multi_agency_audit")),
    )
    _index("multi_agency_audit", "coordinator_id")
    _index("multi_agency_audit", "status")
    op.create_table(
        "multi_agency_case",
        sa.Column("multi_agency_audit_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["multi_agency_audit_id"], ["multi_agency_audit.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.PrimaryKeyConstraint(
            "multi_agency_audit_id", "case_id", name=op.f("pk_multi_agency_case")
        ),
    )


def _returns_and_panel() -> None:
    op.create_table(
        "agency_return",
        _id(),
        sa.Column("multi_agency_audit_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["multi_agency_audit_id"], ["multi_agency_audit.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.ForeignKeyConstraint(["questionnaire_version_id"], ["questionnaire_version.id"]),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_return")),
        sa.UniqueConstraint("audit_id", name=op.f("uq_agency_return_audit_id")),
        sa.UniqueConstraint(
            "multi_agency_audit_id", "organisation_id", "case_id", name="uq_agency_return_key"
        ),
    )
    for column in ("multi_agency_audit_id", "organisation_id", "case_id"):
        _index("agency_return", column)
    op.create_table(
        "panel_member",
        sa.Column("multi_agency_audit_id", sa.Integer(), nullable=False),
        _user("user_id"),
        sa.ForeignKeyConstraint(["multi_agency_audit_id"], ["multi_agency_audit.id"]),
        sa.PrimaryKeyConstraint("multi_agency_audit_id", "user_id", name=op.f("pk_panel_member")),
    )
    _conclusions_and_actions()


def _conclusions_and_actions() -> None:
    domains = "'recognition', 'planning', 'assessment', 'joint_working', 'impact', 'overall'"
    op.create_table(
        "panel_conclusion",
        sa.Column("multi_agency_audit_id", sa.Integer(), nullable=False),
        sa.Column("domain", TEXT(length=16), nullable=False),
        sa.Column("grade", TEXT(length=64), nullable=True),
        sa.Column("analysis", sa.Text(), nullable=False),
        _user("recorded_by_id"),
        sa.Column("recorded_at", WHEN(), nullable=False),
        sa.CheckConstraint(f"domain IN ({domains})", name=op.f("ck_panel_conclusion_domain")),
        sa.ForeignKeyConstraint(["multi_agency_audit_id"], ["multi_agency_audit.id"]),
        sa.PrimaryKeyConstraint(
            "multi_agency_audit_id", "domain", name=op.f("pk_panel_conclusion")
        ),
    )
    op.create_table(
        "agency_action",
        _id(),
        sa.Column("multi_agency_audit_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", TEXT(length=16), nullable=False),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _user("created_by_id"),
        sa.Column("created_at", WHEN(), nullable=False),
        _user("closed_by_id", nullable=True),
        sa.Column("closed_at", WHEN(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_agency_action_status")
        ),
        sa.ForeignKeyConstraint(["multi_agency_audit_id"], ["multi_agency_audit.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_action")),
    )
    _index("agency_action", "multi_agency_audit_id")
    _index("agency_action", "organisation_id")


def _grants() -> None:
    op.create_table(
        "grant_batch",
        _id(),
        sa.Column("title", TEXT(length=200), nullable=False),
        sa.Column("purpose", TEXT(length=16), nullable=False),
        sa.Column("pseudonymised", sa.Boolean(), nullable=False),
        sa.Column("pseudonym_key", TEXT(length=64), nullable=False),
        _user("created_by_id"),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('cross_borough', 'peer', 'independent')",
            name=op.f("ck_grant_batch_purpose"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_batch")),
    )
    op.create_table(
        "case_grant",
        _id(),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        _user("user_id"),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        _user("granted_by_id"),
        sa.Column("granted_at", WHEN(), nullable=False),
        sa.Column("revoked_at", WHEN(), nullable=True),
        _user("revoked_by_id", nullable=True),
        sa.CheckConstraint(
            "case_id IS NOT NULL OR audit_id IS NOT NULL", name=op.f("ck_case_grant_what")
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_case_grant_window")),
        sa.ForeignKeyConstraint(["batch_id"], ["grant_batch.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_grant")),
    )
    for column in ("batch_id", "user_id", "case_id", "audit_id"):
        _index("case_grant", column)


def _challenge() -> None:
    op.create_table(
        "challenge",
        _id(),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", TEXT(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _user("raised_by_id"),
        sa.Column("raised_at", WHEN(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        _user("responded_by_id", nullable=True),
        sa.Column("responded_at", WHEN(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge")),
    )
    _index("challenge", "audit_id")


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
