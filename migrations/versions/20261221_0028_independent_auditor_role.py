"""The independent auditor's role

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-21 09:00:00

``app_user.role`` may be ``independent``: an experienced independent auditor who sees only the
cases and audits assigned to them, for a time (docs/independent-auditor.md). Their assignments
are ``grant_batch`` and ``case_grant`` rows of purpose "independent", and their challenges
``challenge`` rows (migration 0026).

On SQLite the ``app_user`` table is copied to change its check, which would lose every trigger
that names it: every trigger is read before and made again after, unchanged. Downgrading is
refused, changing nothing, while an independent auditor's account exists: the release before
has no such role.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "role IN ('auditor', 'manager', 'admin', 'viewer')"
AFTER = "role IN ('auditor', 'manager', 'admin', 'viewer', 'independent')"


def upgrade() -> None:
    _keeping_triggers(lambda: _role_check(AFTER))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM app_user WHERE role = 'independent'")).first():
        raise RuntimeError(
            "Refusing to downgrade: an independent auditor's account exists, and the release "
            "before has no such role. Nothing was changed."
        )
    _keeping_triggers(lambda: _role_check(BEFORE))


def _role_check(check: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_app_user_role"), "app_user", type_="check")
        op.create_check_constraint(op.f("ck_app_user_role"), "app_user", check)
        return
    with op.batch_alter_table("app_user", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_app_user_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_app_user_role"), check)


def _keeping_triggers(alter: Callable[[], None]) -> None:
    """Run ``alter``; on SQLite, with every trigger set aside and made again after.

    SQLite drops a table's triggers when batch mode copies it, and checks every trigger when
    the copy is renamed."""
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
