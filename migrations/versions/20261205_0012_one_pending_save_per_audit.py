"""Answers kept while signed out: one page per person and audit

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Of the pages kept for one person and audit, the latest stays (the one its browser holds).
    op.execute(
        sa.text(
            "DELETE FROM pending_save WHERE id NOT IN "
            "(SELECT max_id FROM (SELECT MAX(id) AS max_id FROM pending_save "
            "GROUP BY user_id, audit_id) AS latest)"
        )
    )
    with op.batch_alter_table("pending_save", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_pending_save_user_audit", ["user_id", "audit_id"])


def downgrade() -> None:
    with op.batch_alter_table("pending_save", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pending_save_user_audit", type_="unique")
