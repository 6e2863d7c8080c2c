"""allocations, concerns and sign-in attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 05:52:48.311091
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("remote_addr", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempt")),
    )
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sign_in_attempt_address_at", ["remote_addr", "attempted_at"], unique=False
        )
        batch_op.create_index(
            "ix_sign_in_attempt_username_at", ["username", "attempted_at"], unique=False
        )

    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_allocation_audit_id_audit")
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["app_user.id"], name=op.f("fk_allocation_auditor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_allocation_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
        sa.UniqueConstraint(
            "case_id", "questionnaire_id", "auditor_id", "due", name="uq_allocation_case"
        ),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_auditor_id"), ["auditor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_due"), ["due"], unique=False)

    op.create_table(
        "pending_save",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_pending_save_audit_id_audit")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_pending_save_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_save")),
        sa.UniqueConstraint("token", name=op.f("uq_pending_save_token")),
    )
    with op.batch_alter_table("pending_save", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_save_user_id"), ["user_id"], unique=False)

    op.create_table(
        "safeguarding_concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledgement", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["app_user.id"],
            name=op.f("fk_safeguarding_concern_acknowledged_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_safeguarding_concern_audit_id_audit")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"],
            ["app_user.id"],
            name=op.f("fk_safeguarding_concern_raised_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_concern")),
    )
    with op.batch_alter_table("safeguarding_concern", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safeguarding_concern_audit_id"), ["audit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("safeguarding_concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_concern_audit_id"))

    op.drop_table("safeguarding_concern")
    with op.batch_alter_table("pending_save", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_save_user_id"))

    op.drop_table("pending_save")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_due"))
        batch_op.drop_index(batch_op.f("ix_allocation_case_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_auditor_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_audit_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("sign_in_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_attempt_username_at")
        batch_op.drop_index("ix_sign_in_attempt_address_at")

    op.drop_table("sign_in_attempt")
