"""Kinds of audit declared by the council: the ``audit_kind`` table, seeded with a default list,
and no fixed list of kinds on ``questionnaire_version``

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 09:00:00

A questionnaire's kind was one of two fixed values (``monthly``, ``deep_dive``), held by a check
constraint. The council now declares its kinds in ``audit_kind`` (Admin > Kinds of audit); a
format 2 questionnaire may name any of them, checked when it is loaded. The default list
includes both earlier kinds, with the names the reports gave them, so every loaded version's
kind is declared. Downgrading puts the check back, and is refused, changing nothing, while a
loaded version names another kind (the release before cannot read such a version).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The list as this migration seeds it (audit_app/services/kinds.py keeps the current one).
DEFAULT_KINDS = (
    ("monthly", "Monthly case-file audit"),
    ("deep_dive", "Deep dive"),
    ("thematic", "Thematic audit"),
    ("dip_sample", "Dip sample"),
    ("supervision", "Supervision audit"),
    ("multi_agency", "Multi-agency audit"),
    ("closure", "Closure audit"),
)


def upgrade() -> None:
    table = op.create_table(
        "audit_kind",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_kind")),
        sa.UniqueConstraint("display_name", name=op.f("uq_audit_kind_display_name")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {"name": name, "display_name": display, "created_at": now, "created_by": ""}
            for name, display in DEFAULT_KINDS
        ],
    )
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_questionnaire_version_kind"), type_="check")


def downgrade() -> None:
    others = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT DISTINCT kind FROM questionnaire_version "
                "WHERE kind NOT IN ('monthly', 'deep_dive') ORDER BY kind"
            )
        )
        .scalars()
        .all()
    )
    if others:
        raise RuntimeError(
            "Downgrade refused: loaded questionnaire versions name the kinds "
            f"{', '.join(others)}, which a release before kinds were declared cannot read. "
            "Nothing was changed."
        )
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_questionnaire_version_kind"), "kind IN ('monthly', 'deep_dive')"
        )
    op.drop_table("audit_kind")
