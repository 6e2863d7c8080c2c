"""Double-blind second audits, and training cases for calibration exercises

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-13 09:00:00

``second_audit`` keeps each submitted audit drawn for a second audit: the seed, the number drawn
and the rate that chose it, and the second audit once allocated. The second audit records the
first (``audit.second_of_id``) and, submitted, takes the status ``exercise`` that no figure of
the service counts. ``case_file.training`` marks a case written for a calibration exercise.

On SQLite the ``audit`` and ``case_file`` tables are copied to add their columns, which would
lose the report summaries' triggers on them: every trigger is read before and made again after,
unchanged.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _alter_audit(add=True)
    op.create_table(
        "second_audit",
        sa.Column("first_audit_id", sa.Integer(), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("draw", sa.Float(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("drawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("second_audit_id", sa.Integer(), nullable=True),
        sa.Column("allocated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_audit_id"], ["audit.id"], name="fk_second_audit_first_audit_id_audit"
        ),
        sa.ForeignKeyConstraint(
            ["second_audit_id"], ["audit.id"], name="fk_second_audit_second_audit_id_audit"
        ),
        sa.PrimaryKeyConstraint("first_audit_id", name="pk_second_audit"),
    )
    _keeping_triggers(lambda: _training_column(True))


def downgrade() -> None:
    _keeping_triggers(lambda: _training_column(False))
    op.drop_table("second_audit")
    # Second audits cannot outlive the column that keeps them out of the figures.
    second = "SELECT id FROM audit WHERE second_of_id IS NOT NULL"
    for table in ("answer", "theme_judgement", "audit_result", "theme_result"):
        op.execute(f"DELETE FROM {table} WHERE audit_id IN ({second})")
    op.execute("DELETE FROM audit WHERE second_of_id IS NOT NULL")
    _alter_audit(add=False)


def _alter_audit(*, add: bool) -> None:
    """Add (or drop) ``audit.second_of_id``, keeping SQLite's triggers."""
    _keeping_triggers(lambda: _second_of_column(add))


def _keeping_triggers(alter: Callable[[], None]) -> None:
    """Run ``alter``; on SQLite, with every trigger set aside and made again after.

    SQLite drops a table's triggers when batch mode copies it, and checks every trigger when
    the copy is renamed (those of the result tables name ``audit``)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        alter()
        return
    triggers = list(
        bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    )
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    alter()
    for _name, statement in triggers:
        op.execute(statement)


def _training_column(add: bool) -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        if add:
            batch_op.add_column(
                sa.Column("training", sa.Boolean(), nullable=False, server_default=sa.false())
            )
        else:
            batch_op.drop_column("training")


def _second_of_column(add: bool) -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        if add:
            batch_op.add_column(sa.Column("second_of_id", sa.Integer(), nullable=True))
            batch_op.create_index("ix_audit_second_of_id", ["second_of_id"], unique=False)
            batch_op.create_foreign_key(
                "fk_audit_second_of_id_audit", "audit", ["second_of_id"], ["id"]
            )
        else:
            batch_op.drop_constraint("fk_audit_second_of_id_audit", type_="foreignkey")
            batch_op.drop_index("ix_audit_second_of_id")
            batch_op.drop_column("second_of_id")
