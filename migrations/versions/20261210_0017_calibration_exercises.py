"""Calibration exercises: auditors audit one exemplar case blind, then compare with the agreed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09 09:00:00

``calibration_exercise`` (title, exemplar case, questionnaire version, who made it, when it was
revealed), ``calibration_member`` (the auditors in it, and the audit each made for it) and
``calibration_agreed`` (the exemplar's agreed answers and grades). An audit made for an exercise
records it (``audit.exercise_id``) and, once submitted, takes the status ``exercise``, which no
figure of the service counts: the audit status check allows it.

On SQLite the ``audit`` table is copied to change its check, which would lose the report
summaries' triggers on it: every trigger is read before and made again after, unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('draft', 'submitted', 'returned', 'moderated', 'closed')"
AFTER = "status IN ('draft', 'submitted', 'returned', 'moderated', 'closed', 'exercise')"


def upgrade() -> None:
    op.create_table(
        "calibration_exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revealed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name="fk_calibration_exercise_case_id_case_file"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name="fk_calibration_exercise_created_by_id_app_user",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name="fk_calibration_exercise_version_id_questionnaire_version",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calibration_exercise"),
    )
    op.create_index(
        "ix_calibration_exercise_case_id", "calibration_exercise", ["case_id"], unique=False
    )
    op.create_table(
        "calibration_member",
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["calibration_exercise.id"],
            name="fk_calibration_member_exercise_id_calibration_exercise",
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["app_user.id"], name="fk_calibration_member_auditor_id_app_user"
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name="fk_calibration_member_audit_id_audit"
        ),
        sa.PrimaryKeyConstraint("exercise_id", "auditor_id", name="pk_calibration_member"),
    )
    op.create_table(
        "calibration_agreed",
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('answer', 'grade')", name="ck_calibration_agreed_kind"),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["calibration_exercise.id"],
            name="fk_calibration_agreed_exercise_id_calibration_exercise",
        ),
        sa.PrimaryKeyConstraint("exercise_id", "kind", "item_id", name="pk_calibration_agreed"),
    )
    _alter_audit(AFTER, add=True)


def downgrade() -> None:
    op.execute("DELETE FROM calibration_agreed")
    op.execute("DELETE FROM calibration_member")
    # Exercise audits cannot outlive the status that keeps them out of the figures.
    for table in ("answer", "theme_judgement", "audit_result", "theme_result"):
        op.execute(
            f"DELETE FROM {table} WHERE audit_id IN "
            "(SELECT id FROM audit WHERE exercise_id IS NOT NULL)"
        )
    op.execute("DELETE FROM audit WHERE exercise_id IS NOT NULL")
    _alter_audit(BEFORE, add=False)
    op.drop_table("calibration_agreed")
    op.drop_table("calibration_member")
    op.drop_index("ix_calibration_exercise_case_id", table_name="calibration_exercise")
    op.drop_table("calibration_exercise")


def _alter_audit(check: str, *, add: bool) -> None:
    """Add (or drop) ``audit.exercise_id`` and make the status check ``check``."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_audit_status"), "audit", type_="check")
        op.create_check_constraint(op.f("ck_audit_status"), "audit", check)
        _exercise_column(add)
        return
    # SQLite checks every trigger when the copy is renamed to ``audit``, and those of the
    # result tables name ``audit``: every trigger is set aside while the table is copied.
    triggers = list(
        bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    )
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    with op.batch_alter_table("audit", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_audit_status"), check)
    _exercise_column(add)
    for _name, statement in triggers:
        op.execute(statement)


def _exercise_column(add: bool) -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        if add:
            batch_op.add_column(sa.Column("exercise_id", sa.Integer(), nullable=True))
            batch_op.create_index("ix_audit_exercise_id", ["exercise_id"], unique=False)
            batch_op.create_foreign_key(
                "fk_audit_exercise_id_calibration_exercise",
                "calibration_exercise",
                ["exercise_id"],
                ["id"],
            )
        else:
            batch_op.drop_constraint(
                "fk_audit_exercise_id_calibration_exercise", type_="foreignkey"
            )
            batch_op.drop_index("ix_audit_exercise_id")
            batch_op.drop_column("exercise_id")
