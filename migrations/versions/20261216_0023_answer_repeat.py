"""Repeating groups: ``answer.repeat``, the repeat an answer belongs to, joins the unique key

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-16 09:00:00

A format 2 questionnaire's repeating group (a block answered once per visit, sibling, meeting or
agency) keeps one answer per question per repeat, numbered from 1. Every other answer, and every
answer already stored, is repeat 0; a group's count of repeats is kept under the group's id at
repeat 0. The unique key becomes (audit, question, repeat). Downgrading is refused, changing
nothing, while any answer belongs to a repeat (the release before cannot hold two answers to one
question of an audit).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_answer_question", type_="unique")
        batch_op.create_unique_constraint(
            "uq_answer_question_repeat", ["audit_id", "question_id", "repeat"]
        )


def downgrade() -> None:
    repeated = (
        op.get_bind()
        .execute(sa.text("SELECT count(DISTINCT audit_id) FROM answer WHERE repeat <> 0"))
        .scalar_one()
    )
    if repeated:
        raise RuntimeError(
            f"Downgrade refused: {repeated} audit(s) hold answers to repeating groups, which a "
            "release before repeating groups cannot keep. Nothing was changed."
        )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_constraint("uq_answer_question_repeat", type_="unique")
        batch_op.create_unique_constraint("uq_answer_question", ["audit_id", "question_id"])
        batch_op.drop_column("repeat")
