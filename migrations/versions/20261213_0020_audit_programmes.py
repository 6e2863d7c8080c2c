"""Audit programmes: ``programme``, its strata and quotas (``programme_stratum``), its imported
list of cases (``programme_case``), and ``allocation.programme_id``, the programme whose draw
made an allocation

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-13 09:00:00

On SQLite, altering ``allocation`` rebuilds the table, which the report summaries' triggers
(migration 0014's) name: they are dropped first and made again after, as they were.

Downgrading drops the tables and the column: the programmes and which allocations they made are
lost; the allocations themselves stay.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _report_triggers() -> ModuleType:
    """Migration 0014, which makes (and drops) the report summaries' triggers."""
    path = Path(__file__).with_name("20261207_0014_report_changes_by_audit.py")
    spec = importlib.util.spec_from_file_location("report_changes_0014", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _altering_allocation() -> bool:
    """Whether the report triggers must be taken off while ``allocation`` is rebuilt."""
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("questionnaire_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("strata_by", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("case_list", sa.Boolean(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("drawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.CheckConstraint(
            "kind IN ('practice_week', 'themed', 'monthly')", name=op.f("ck_programme_kind")
        ),
        sa.CheckConstraint("strata_by IN ('team', 'service')", name=op.f("ck_programme_strata_by")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_programme_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("name", name=op.f("uq_programme_name")),
    )
    op.create_table(
        "programme_stratum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.CheckConstraint("quota >= 0", name=op.f("ck_programme_stratum_quota")),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_stratum_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_stratum")),
        sa.UniqueConstraint("programme_id", "unit_id", name="uq_programme_stratum_unit"),
    )
    with op.batch_alter_table("programme_stratum", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programme_stratum_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "programme_case",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_programme_case_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_case_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("programme_id", "case_id", name=op.f("pk_programme_case")),
    )
    with op.batch_alter_table("programme_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_case_case_id"), ["case_id"], unique=False)

    if _altering_allocation():
        _report_triggers().drop_triggers()
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_allocation_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_allocation_programme_id_programme"),
            "programme",
            ["programme_id"],
            ["id"],
        )
    if _altering_allocation():
        _report_triggers().create_triggers()


def downgrade() -> None:
    if _altering_allocation():
        _report_triggers().drop_triggers()
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_allocation_programme_id_programme"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_allocation_programme_id"))
        batch_op.drop_column("programme_id")
    if _altering_allocation():
        _report_triggers().create_triggers()

    with op.batch_alter_table("programme_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_case_case_id"))

    op.drop_table("programme_case")
    with op.batch_alter_table("programme_stratum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_stratum_programme_id"))

    op.drop_table("programme_stratum")
    op.drop_table("programme")
