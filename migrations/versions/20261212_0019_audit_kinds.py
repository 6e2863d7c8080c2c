"""Kinds of audit declared by the council: the ``audit_kind`` table, seeded with a default list,
and no fixed list of kinds on ``questionnaire_version``

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 09:00:00

A questionnaire's kind was one of two fixed values (``monthly``, ``deep_dive``), held by a check
constraint. The council now declares its kinds in ``audit_kind`` (Admin > Kinds of audit); a
format 2 questionnaire may name any of them, checked when it is loaded. The default list
includes both earlier kinds, with the names the reports gave them, so every loaded version's
kind is declared.

Downgrading puts the check back. A loaded version naming another kind (a format 2 file) is
given the kind ``deep_dive`` in its ``kind`` column, which the release before reads; its file,
kept as loaded in ``content``, still names its own kind, and upgrading again gives each such
version its file's kind back, declaring any kind the default list lacks under its own name
(kinds an admin declared are not kept by the release before).
"""

import json
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
    _restore_kinds_from_files(table, now)


def _restore_kinds_from_files(table: sa.Table, now: datetime) -> None:
    """Give each version its file's kind back (a downgrade may have stood it in as deep_dive),
    declaring the kinds the default list lacks under their own names."""
    bind = op.get_bind()
    declared = {name for name, _ in DEFAULT_KINDS}
    rows = bind.execute(sa.text("SELECT id, kind, content FROM questionnaire_version")).all()
    for version_id, kind, content in rows:
        named = _kind_in_file(content)
        if named is None or named == kind:
            continue
        if named not in declared:
            op.bulk_insert(
                table, [{"name": named, "display_name": named, "created_at": now, "created_by": ""}]
            )
            declared.add(named)
        bind.execute(
            sa.text("UPDATE questionnaire_version SET kind = :kind WHERE id = :id"),
            {"kind": named, "id": version_id},
        )


def _kind_in_file(content: str) -> str | None:
    """The kind a stored file names, if it is a text of at most 16 characters."""
    try:
        kind = json.loads(content).get("kind")
    except (ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) and 0 < len(kind) <= 16 else None


def downgrade() -> None:
    # The release before knows two kinds; the file keeps the version's own (see above).
    op.execute(
        "UPDATE questionnaire_version SET kind = 'deep_dive' "
        "WHERE kind NOT IN ('monthly', 'deep_dive')"
    )
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_questionnaire_version_kind"), "kind IN ('monthly', 'deep_dive')"
        )
    op.drop_table("audit_kind")
