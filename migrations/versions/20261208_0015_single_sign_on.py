"""Single sign-on: the identity provider's subject of each person, and when they last signed in

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 09:00:00

``app_user.oidc_subject`` is the provider's stable identifier of the person (unique: one
account per person at the provider); ``app_user.last_sign_in_at`` feeds the admins' last
sign-in report and the deactivation of accounts nobody has used. Existing users have neither:
they are linked to the provider by an admin (``flask users link-sso``), and their last sign-in
is unknown until they next sign in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("oidc_subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_unique_constraint("uq_app_user_oidc_subject", ["oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint("uq_app_user_oidc_subject", type_="unique")
        batch_op.drop_column("last_sign_in_at")
        batch_op.drop_column("oidc_subject")
