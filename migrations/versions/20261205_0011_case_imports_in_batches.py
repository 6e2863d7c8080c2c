"""Imports of cases are written in batches, each import a unit that completes or is undone

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unfinished", sa.Boolean(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("new_services", sa.Text(), nullable=False),
        sa.Column("new_teams", sa.Text(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('writing', 'complete', 'undone')", name=op.f("ck_case_import_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_import")),
        sa.UniqueConstraint("unfinished", name=op.f("uq_case_import_unfinished")),
    )
    op.create_table(
        "case_import_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("previous_team_id", sa.Integer(), nullable=True),
        sa.Column("previous_worker", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("previous_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["case_import.id"],
            name=op.f("fk_case_import_change_import_id_case_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_import_change")),
    )
    op.create_index(
        op.f("ix_case_import_change_import_id"), "case_import_change", ["import_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_import_change_import_id"), table_name="case_import_change")
    op.drop_table("case_import_change")
    op.drop_table("case_import")
