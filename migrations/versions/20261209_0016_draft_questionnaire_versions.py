"""Draft questionnaire versions: when each version was published, and by whom

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09 09:00:00

A version uploaded in the workshop is a draft until an admin publishes it
(``questionnaire_version.published_at`` is empty until then). Every version loaded before this
upgrade was in use at once, so it is published when it was loaded, by whoever loaded it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "published_by",
                sqlmodel.sql.sqltypes.AutoString(length=80),
                nullable=False,
                server_default="",
            )
        )
    op.execute(
        "UPDATE questionnaire_version SET published_at = loaded_at, published_by = loaded_by"
    )
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.alter_column("published_by", server_default=None)


def downgrade() -> None:
    # Before this revision every version not retired is offered for new audits: a draft is
    # kept, retired, so that auditors still never see it (an admin may reinstate it).
    op.execute(
        "UPDATE questionnaire_version SET retired_at = loaded_at "
        "WHERE published_at IS NULL AND retired_at IS NULL"
    )
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.drop_column("published_by")
        batch_op.drop_column("published_at")
