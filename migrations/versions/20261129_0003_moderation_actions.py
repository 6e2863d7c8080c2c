"""moderation, actions and the practitioner voice

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:11:21.952959
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("for_whom", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("for_whom IN ('child', 'record')", name=op.f("ck_action_for_whom")),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_action_status")
        ),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name=op.f("fk_action_audit_id_audit")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["app_user.id"], name=op.f("fk_action_closed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_action_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_status"), ["status"], unique=False)

    op.create_table(
        "moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("overall_grade", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("overall_rationale", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('agreed', 'grade_changed', 'returned')",
            name=op.f("ck_moderation_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_moderation_audit_id_audit")
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["app_user.id"], name=op.f("fk_moderation_moderator_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation")),
    )
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_moderation_moderator_id"), ["moderator_id"], unique=False
        )

    op.create_table(
        "moderation_grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderation_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["moderation_id"],
            ["moderation.id"],
            name=op.f("fk_moderation_grade_moderation_id_moderation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_grade")),
        sa.UniqueConstraint("moderation_id", "theme_id", name="uq_moderation_grade_theme"),
    )
    with op.batch_alter_table("moderation_grade", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_grade_moderation_id"), ["moderation_id"], unique=False
        )

    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("moderation_due", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "moderation_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True
            )
        )
        batch_op.add_column(sa.Column("moderation_draw", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("discussed_with_worker_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("worker_reflection", sa.Text(), nullable=True))

    with op.batch_alter_table("audit_result", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("grade_moderated", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    with op.batch_alter_table("theme_result", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("grade_moderated", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("theme_result", schema=None) as batch_op:
        batch_op.drop_column("grade_moderated")

    with op.batch_alter_table("audit_result", schema=None) as batch_op:
        batch_op.drop_column("grade_moderated")

    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_column("worker_reflection")
        batch_op.drop_column("discussed_with_worker_on")
        batch_op.drop_column("moderation_draw")
        batch_op.drop_column("moderation_reason")
        batch_op.drop_column("moderation_due")
        batch_op.drop_column("closed_at")

    with op.batch_alter_table("moderation_grade", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_grade_moderation_id"))

    op.drop_table("moderation_grade")
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_moderator_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_audit_id"))

    op.drop_table("moderation")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_status"))
        batch_op.drop_index(batch_op.f("ix_action_due"))
        batch_op.drop_index(batch_op.f("ix_action_audit_id"))

    op.drop_table("action")
