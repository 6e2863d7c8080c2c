"""Theme evidence: strengths, areas for development and recommendations beside the judgement

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10 09:00:00

A format 2 theme may list evidence fields (``evidence`` in the questionnaire); the auditor
writes them where they record the theme's judgement, and they are kept on the judgement's row.
Existing rows have none (null). Answers' comments already have their column, ``answer.comment``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("strengths", "areas_for_development", "recommendations")


def upgrade() -> None:
    with op.batch_alter_table("theme_judgement", schema=None) as batch_op:
        for name in FIELDS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("theme_judgement", schema=None) as batch_op:
        for name in reversed(FIELDS):
            batch_op.drop_column(name)
