"""Rescoring what-ifs worked out in the background and kept

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "what_if",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("before_version", sa.Integer(), nullable=False),
        sa.Column("after_version", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("computed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_what_if_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_what_if"),
        sa.UniqueConstraint(
            "questionnaire_id",
            "before_version",
            "after_version",
            "period_start",
            "period_end",
            name="uq_what_if_key",
        ),
    )
    op.create_index("ix_what_if_status", "what_if", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_what_if_status", table_name="what_if")
    op.drop_table("what_if")
