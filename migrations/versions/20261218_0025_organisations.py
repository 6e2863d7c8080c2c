"""Organisations: the home organisation (the council) and partner agencies, owning people,
services and audits

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-18 09:00:00

``organisation`` is seeded with the home organisation, named from the ``ORGANISATION_NAME``
setting (environment) or "The council"; every existing user, service and audit is given to it,
so an upgraded database reads exactly as before. ``app_user``, ``service`` and ``audit`` gain a
not-null ``organisation_id``. Downgrading is refused, changing nothing, while a partner
organisation exists: the release before cannot keep its people and records apart.
"""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = ("app_user", "service", "audit")
KINDS = (
    "kind IN ('council', 'police', 'health', 'education', 'probation', 'other_council', 'other')"
)


def upgrade() -> None:
    table = op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("is_home", sa.Boolean(), nullable=False),
        sa.Column("mfa_required", sa.Boolean(), nullable=False),
        sa.Column("oidc_issuer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_organisation_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_index(
        "uq_organisation_one_home",
        "organisation",
        ["is_home"],
        unique=True,
        sqlite_where=sa.text("is_home"),
        postgresql_where=sa.text("is_home"),
    )
    name = (os.environ.get("ORGANISATION_NAME") or "").strip()[:120] or "The council"
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "name": name,
                "kind": "council",
                "is_home": True,
                "mfa_required": False,
                "oidc_issuer": None,
                "created_at": datetime.now(UTC),
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('organisation', 'id'), 1)")
    with _triggers_set_aside():
        for owner in OWNED:
            _add_organisation(owner)


@contextmanager
def _triggers_set_aside() -> Iterator[None]:
    """On SQLite, every trigger is set aside while tables are copied: SQLite checks them all
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


def _add_organisation(owner: str) -> None:
    """A nullable column, every row given to the home organisation, then not null."""
    with op.batch_alter_table(owner, schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.execute(f"UPDATE {owner} SET organisation_id = 1")
    with op.batch_alter_table(owner, schema=None) as batch_op:
        batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(f"ix_{owner}_organisation_id", ["organisation_id"], unique=False)
        batch_op.create_foreign_key(
            f"fk_{owner}_organisation_id_organisation", "organisation", ["organisation_id"], ["id"]
        )


def downgrade() -> None:
    partners = (
        op.get_bind()
        .execute(sa.text("SELECT name FROM organisation WHERE NOT is_home ORDER BY name"))
        .scalars()
        .all()
    )
    if partners:
        raise RuntimeError(
            "Downgrade refused: partner organisations exist "
            f"({', '.join(partners)}), whose people and records a release before organisations "
            "could not keep apart. Nothing was changed."
        )
    with _triggers_set_aside():
        for owner in reversed(OWNED):
            with op.batch_alter_table(owner, schema=None) as batch_op:
                batch_op.drop_constraint(
                    f"fk_{owner}_organisation_id_organisation", type_="foreignkey"
                )
                batch_op.drop_index(f"ix_{owner}_organisation_id")
                batch_op.drop_column("organisation_id")
    op.drop_index("uq_organisation_one_home", table_name="organisation")
    op.drop_table("organisation")
