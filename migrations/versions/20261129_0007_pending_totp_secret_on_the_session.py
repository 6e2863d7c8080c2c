"""Two-factor enrolment keeps the new secret on the server, with the browser's session

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pending_totp_secret",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_column("pending_totp_secret")
