"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 05:50:30.181334
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("loaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("loaded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('monthly', 'deep_dive')", name=op.f("ck_questionnaire_version_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_version")),
        sa.UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_version"),
    )
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_version_questionnaire_id"),
            ["questionnaire_id"],
            unique=False,
        )

    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("name", name=op.f("uq_service_name")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_team_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("name", name=op.f("uq_team_name")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_service_id"), ["service_id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('auditor', 'manager', 'admin', 'viewer')", name=op.f("ck_app_user_role")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_app_user_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_team_id"), ["team_id"], unique=False)

    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_case_file_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("case_ref", name=op.f("uq_case_file_case_ref")),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_file_team_id"), ["team_id"], unique=False)

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "overall_grade_judged", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("overall_analysis", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'moderated', 'closed')",
            name=op.f("ck_audit_status"),
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["app_user.id"], name=op.f("fk_audit_auditor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_audit_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_audit_questionnaire_version_id_questionnaire_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_auditor_id"), ["auditor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_questionnaire_version_id"),
            ["questionnaire_version_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_audit_status_submitted_at", ["status", "submitted_at"], unique=False
        )

    op.create_table(
        "managed_service",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_managed_service_service_id_service")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_managed_service_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "service_id", name=op.f("pk_managed_service")),
    )
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name=op.f("fk_answer_audit_id_audit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
        sa.UniqueConstraint("audit_id", "question_id", name="uq_answer_question"),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("case_ref", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("remote_addr", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_audit_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_audit_event_audit_id_audit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index("ix_audit_event_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "audit_result",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=10, scale=6), nullable=True),
        sa.Column("percent_rounded", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("grade_computed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_judged", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("scored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_audit_result_audit_id_audit")
        ),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_result")),
    )
    op.create_table(
        "compliance_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("compliant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_compliance_result_audit_id_audit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_result")),
        sa.UniqueConstraint("audit_id", "question_id", name="uq_compliance_result"),
    )
    with op.batch_alter_table("compliance_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_result_audit_id"), ["audit_id"], unique=False
        )
        batch_op.create_index("ix_compliance_result_measure", ["measure"], unique=False)

    op.create_table(
        "theme_judgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_theme_judgement_audit_id_audit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_judgement")),
        sa.UniqueConstraint("audit_id", "theme_id", name="uq_theme_judgement"),
    )
    with op.batch_alter_table("theme_judgement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_judgement_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "theme_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("percent", sa.Numeric(precision=10, scale=6), nullable=True),
        sa.Column("percent_rounded", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("points", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("possible", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("grade_computed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_judged", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_theme_result_audit_id_audit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_result")),
        sa.UniqueConstraint("audit_id", "theme_id", name="uq_theme_result"),
    )
    with op.batch_alter_table("theme_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_result_audit_id"), ["audit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("theme_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_result_audit_id"))

    op.drop_table("theme_result")
    with op.batch_alter_table("theme_judgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_judgement_audit_id"))

    op.drop_table("theme_judgement")
    with op.batch_alter_table("compliance_result", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_result_measure")
        batch_op.drop_index(batch_op.f("ix_compliance_result_audit_id"))

    op.drop_table("compliance_result")
    op.drop_table("audit_result")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_occurred_at")
        batch_op.drop_index(batch_op.f("ix_audit_event_case_ref"))
        batch_op.drop_index(batch_op.f("ix_audit_event_audit_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_audit_id"))

    op.drop_table("answer")
    op.drop_table("managed_service")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_status_submitted_at")
        batch_op.drop_index(batch_op.f("ix_audit_questionnaire_version_id"))
        batch_op.drop_index(batch_op.f("ix_audit_case_id"))
        batch_op.drop_index(batch_op.f("ix_audit_auditor_id"))

    op.drop_table("audit")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_team_id"))

    op.drop_table("case_file")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_team_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_service_id"))

    op.drop_table("team")
    op.drop_table("service")
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_version_questionnaire_id"))

    op.drop_table("questionnaire_version")
