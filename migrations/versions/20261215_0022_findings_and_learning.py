"""Findings and learning: the learning themes' vocabulary, seeded with a default list, and the
findings auditors and moderators tag on audits

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-13 09:00:00

``learning_theme`` holds the vocabulary the QA lead manages (Admin > Learning themes): added,
renamed and retired, never removed. ``finding`` holds each strength, area for development or
learning tagged on an audit, with its learning theme, who tagged it (as auditor or moderator),
an optional quotation of their own words in the audit, and whether a QA lead chose that
quotation for the board paper. Going down drops both, findings with them.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The list as this migration seeds it (audit_app/services/learning.py keeps the current one).
DEFAULT_THEMES = (
    "Voice of the child",
    "Management oversight",
    "Chronology",
    "Assessment and analysis",
    "Planning",
    "Multi-agency working",
    "Risk and safety",
    "Recording",
    "Supervision",
    "Family and network",
    "Identity and culture",
    "Permanence",
)


def upgrade() -> None:
    themes = op.create_table(
        "learning_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_theme")),
        sa.UniqueConstraint("name", name=op.f("uq_learning_theme_name")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        themes,
        [{"name": name, "created_at": now, "created_by": ""} for name in DEFAULT_THEMES],
    )
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("learning_theme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("tagged_as", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tagged_by_id", sa.Integer(), nullable=False),
        sa.Column("quotation", sa.Text(), nullable=True),
        sa.Column("chosen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('strength', 'area_for_development', 'learning')",
            name=op.f("ck_finding_kind"),
        ),
        sa.CheckConstraint(
            "tagged_as IN ('auditor', 'moderator')", name=op.f("ck_finding_tagged_as")
        ),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name=op.f("fk_finding_audit_id_audit")),
        sa.ForeignKeyConstraint(
            ["learning_theme_id"],
            ["learning_theme.id"],
            name=op.f("fk_finding_learning_theme_id_learning_theme"),
        ),
        sa.ForeignKeyConstraint(
            ["tagged_by_id"], ["app_user.id"], name=op.f("fk_finding_tagged_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["chosen_by_id"], ["app_user.id"], name=op.f("fk_finding_chosen_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_finding_learning_theme_id"), ["learning_theme_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_learning_theme_id"))
        batch_op.drop_index(batch_op.f("ix_finding_audit_id"))
    op.drop_table("finding")
    op.drop_table("learning_theme")
