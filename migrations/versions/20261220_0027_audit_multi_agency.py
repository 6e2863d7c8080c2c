"""An audit made as an agency's return to a multi-agency audit

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-20 09:00:00

``audit.multi_agency_audit_id`` names the multi-agency audit an audit is a return to: like an
exercise audit or a second audit, such an audit is sealed to its auditor and never counts in
the service's figures (submitted, it takes the status ``exercise``).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _triggers_set_aside() -> Iterator[None]:
    """On SQLite, every trigger is set aside while ``audit`` is copied: SQLite checks them all
    when a copy is renamed, and the report summaries' triggers name ``audit``."""
    bind = op.get_bind()
    triggers = []
    if bind.dialect.name == "sqlite":
        triggers = list(
            bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        )
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    yield
    for _name, statement in triggers:
        op.execute(statement)


def upgrade() -> None:
    with _triggers_set_aside(), op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("multi_agency_audit_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_audit_multi_agency_audit_id", ["multi_agency_audit_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_audit_multi_agency_audit_id_multi_agency_audit",
            "multi_agency_audit",
            ["multi_agency_audit_id"],
            ["id"],
        )


def downgrade() -> None:
    with _triggers_set_aside(), op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_audit_multi_agency_audit_id_multi_agency_audit", type_="foreignkey"
        )
        batch_op.drop_index("ix_audit_multi_agency_audit_id")
        batch_op.drop_column("multi_agency_audit_id")
