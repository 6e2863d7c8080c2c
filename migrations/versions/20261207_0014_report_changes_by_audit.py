"""Report summaries told which audit changed, and what each audit added to its month

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:00:00

A change to one audit of a past month used to make the dashboard read that whole month from the
live tables until its summaries were remade. The triggers now record which audit changed
(``report_stale_month.audit_id``, ``part`` 'audit'), or that a month's allocations changed
(``part`` 'allocations'); and the summaries keep each audit's theme results and compliance
counts as they were counted (``report_theme_audit``, ``report_compliance_audit``), so that the
dashboard can take a changed audit out of its month's summary and read that audit alone live
(``audit_app/reporting/summaries.py``).

The triggers of migration 0008 are replaced by ones of the same names. Every month already
summarised is marked stale ('all'), so that its summaries, with the new per-audit rows, are
remade at the next refresh; until then the dashboard reads those months live.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_COLUMNS = "status, submitted_at, case_id, questionnaire_version_id, auditor_id"
CHILD_TABLES = ("audit_result", "theme_result", "compliance_result", "moderation")


def _summaries_migration() -> ModuleType:
    """Migration 0008, whose triggers these replace (and which a downgrade puts back)."""
    path = Path(__file__).with_name("20261129_0008_report_summaries.py")
    spec = importlib.util.spec_from_file_location("report_summaries_0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.add_column(
        "report_stale_month",
        sa.Column(
            "part",
            sqlmodel.sql.sqltypes.AutoString(length=12),
            server_default="all",
            nullable=False,
        ),
    )
    op.add_column("report_stale_month", sa.Column("audit_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_report_stale_month_marks",
        "report_stale_month",
        ["month", "part", "audit_id"],
        unique=False,
    )
    op.create_table(
        "report_theme_audit",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("grade_computed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_judged", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_moderated", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("percent", sa.Numeric(precision=10, scale=6), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", "theme_id", name=op.f("pk_report_theme_audit")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_compliance_audit",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("compliant", sa.Integer(), nullable=False),
        sa.Column("applicable", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "measure", name=op.f("pk_report_compliance_audit")),
        sqlite_with_rowid=False,
    )
    _summaries_migration().drop_triggers()
    create_triggers()
    # The summaries made so far have no per-audit rows: remake them all at the next refresh.
    op.execute(
        "INSERT INTO report_stale_month (month, part) "
        "SELECT DISTINCT month, 'all' FROM report_audit"
    )


def downgrade() -> None:
    drop_triggers()
    op.drop_table("report_compliance_audit")
    op.drop_table("report_theme_audit")
    op.drop_index("ix_report_stale_month_marks", table_name="report_stale_month")
    with op.batch_alter_table("report_stale_month") as batch:
        batch.drop_column("audit_id")
        batch.drop_column("part")
    # After the table is rebuilt: SQLite will not rebuild a table that triggers write to.
    _summaries_migration().create_triggers()


def _month(moment: str) -> str:
    if op.get_bind().dialect.name == "sqlite":
        return f"substr({moment}, 1, 7)"  # timestamps are stored as UTC text
    return f"to_char(({moment}) AT TIME ZONE 'UTC', 'YYYY-MM')"


def _due_month(day: str) -> str:
    if op.get_bind().dialect.name == "sqlite":
        return f"substr({day}, 1, 7)"  # dates are stored as ISO text
    return f"to_char({day}, 'YYYY-MM')"


def create_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def drop_triggers() -> None:
    # The same names and functions as migration 0008's.
    _summaries_migration().drop_triggers()
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS report_mark_audit_month(timestamptz, integer)")


# --- SQLite --------------------------------------------------------------------------------------


def _sqlite_mark_audits(audits: str) -> str:
    """Mark the audits a SELECT gives (columns ``month`` and ``audit_id``) as changed."""
    # SQLite runs one writer at a time, so a mark already there need not be made again.
    return (
        "INSERT INTO report_stale_month (month, part, audit_id) "
        "SELECT DISTINCT changed.month, 'audit', changed.audit_id FROM "
        f"({audits}) AS changed "
        "WHERE changed.month IS NOT NULL AND NOT EXISTS (SELECT 1 FROM report_stale_month AS s "
        "WHERE s.month = changed.month AND s.part = 'audit' AND s.audit_id = changed.audit_id);"
    )


def _sqlite_mark_audit(moment: str, audit_id: str) -> str:
    return _sqlite_mark_audits(f"SELECT {_month(moment)} AS month, {audit_id} AS audit_id")


def _sqlite_mark_allocations(months: str) -> str:
    """Mark the allocations of the months a SELECT gives (one column, ``month``) as changed."""
    return (
        "INSERT INTO report_stale_month (month, part) "
        f"SELECT DISTINCT changed.month, 'allocations' FROM ({months}) AS changed "
        "WHERE changed.month IS NOT NULL AND NOT EXISTS (SELECT 1 FROM report_stale_month AS s "
        "WHERE s.month = changed.month AND s.part = 'allocations');"
    )


def _due_months_of(dates: str) -> str:
    return f"SELECT {_due_month('due')} AS month FROM ({dates}) AS changed_dates"


def _allocations_of(condition: str) -> str:
    return f"SELECT {_due_month('due')} AS month FROM allocation WHERE {condition}"


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER report_stale_audit_insert AFTER INSERT ON audit "
        f"BEGIN {_sqlite_mark_audit('NEW.submitted_at', 'NEW.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER report_stale_audit_update AFTER UPDATE OF {AUDIT_COLUMNS} ON audit "
        f"BEGIN {_sqlite_mark_audit('OLD.submitted_at', 'OLD.id')} "
        f"{_sqlite_mark_audit('NEW.submitted_at', 'NEW.id')} "
        # An allocation counts as completed once its audit's submission stands.
        f"{_sqlite_mark_allocations(_allocations_of('audit_id = NEW.id'))} END"
    )
    op.execute(
        "CREATE TRIGGER report_stale_audit_delete AFTER DELETE ON audit "
        f"BEGIN {_sqlite_mark_audit('OLD.submitted_at', 'OLD.id')} END"
    )
    for table in CHILD_TABLES:
        old = "(SELECT submitted_at FROM audit WHERE id = OLD.audit_id)"
        new = "(SELECT submitted_at FROM audit WHERE id = NEW.audit_id)"
        op.execute(
            f"CREATE TRIGGER report_stale_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_mark_audit(new, 'NEW.audit_id')} END"
        )
        op.execute(
            f"CREATE TRIGGER report_stale_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN {_sqlite_mark_audit(old, 'OLD.audit_id')} "
            f"{_sqlite_mark_audit(new, 'NEW.audit_id')} END"
        )
        op.execute(
            f"CREATE TRIGGER report_stale_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_mark_audit(old, 'OLD.audit_id')} END"
        )
    for verb, months in (
        ("insert", "SELECT NEW.due AS due"),
        ("update", "SELECT OLD.due AS due UNION SELECT NEW.due AS due"),
        ("delete", "SELECT OLD.due AS due"),
    ):
        op.execute(
            f"CREATE TRIGGER report_stale_allocation_{verb} AFTER {verb.upper()} ON allocation "
            f"BEGIN {_sqlite_mark_allocations(_due_months_of(months))} END"
        )
    op.execute(
        "CREATE TRIGGER report_stale_case_team AFTER UPDATE OF team_id ON case_file BEGIN "
        + _sqlite_mark_audits(
            f"SELECT {_month('submitted_at')} AS month, id AS audit_id FROM audit "
            "WHERE case_id = NEW.id"
        )
        + _sqlite_mark_allocations(_allocations_of("case_id = NEW.id"))
        + " END"
    )


# --- PostgreSQL ----------------------------------------------------------------------------------


def _postgresql_triggers() -> None:
    # Several servers write at once: every change adds its own row (no check for an existing
    # one, which a concurrent refresh could be deleting), and a refresh deletes only the rows it
    # has read.
    op.execute(
        "CREATE FUNCTION report_mark_audit_month(moment timestamptz, changed integer) "
        "RETURNS void LANGUAGE sql AS $$ "
        f"INSERT INTO report_stale_month (month, part, audit_id) SELECT {_month('moment')}, "
        "'audit', changed WHERE moment IS NOT NULL $$"
    )
    allocations = "INSERT INTO report_stale_month (month, part) SELECT {month}, 'allocations'"
    op.execute(
        "CREATE FUNCTION report_mark_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM report_mark_audit_month(OLD.submitted_at, OLD.id); "
        "END IF; "
        "IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' "
        "OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at) "
        "THEN PERFORM report_mark_audit_month(NEW.submitted_at, NEW.id); END IF; "
        # An allocation counts as completed once its audit's submission stands.
        "IF TG_OP = 'UPDATE' THEN "
        + allocations.format(month=_due_month("due"))
        + " FROM allocation WHERE audit_id = NEW.id; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER report_stale_audit AFTER INSERT OR DELETE OR UPDATE OF "
        f"{AUDIT_COLUMNS} ON audit FOR EACH ROW EXECUTE FUNCTION report_mark_audit()"
    )
    op.execute(
        "CREATE FUNCTION report_mark_child() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM report_mark_audit_month("
        "(SELECT submitted_at FROM audit WHERE id = OLD.audit_id), OLD.audit_id); END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.audit_id <> OLD.audit_id) "
        "THEN PERFORM report_mark_audit_month("
        "(SELECT submitted_at FROM audit WHERE id = NEW.audit_id), NEW.audit_id); END IF; "
        "RETURN NULL; END $$"
    )
    for table in CHILD_TABLES:
        op.execute(
            f"CREATE TRIGGER report_stale_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION report_mark_child()"
        )
    op.execute(
        "CREATE FUNCTION report_mark_allocation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN "
        + allocations.format(month=_due_month("OLD.due"))
        + "; END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.due <> OLD.due) THEN "
        + allocations.format(month=_due_month("NEW.due"))
        + "; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER report_stale_allocation AFTER INSERT OR UPDATE OR DELETE ON allocation "
        "FOR EACH ROW EXECUTE FUNCTION report_mark_allocation()"
    )
    op.execute(
        "CREATE FUNCTION report_mark_case() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO report_stale_month (month, part, audit_id) "
        f"SELECT {_month('submitted_at')}, 'audit', id FROM audit "
        "WHERE case_id = NEW.id AND submitted_at IS NOT NULL; "
        + allocations.format(month=_due_month("due"))
        + " FROM allocation WHERE case_id = NEW.id; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER report_stale_case_team AFTER UPDATE OF team_id ON case_file "
        "FOR EACH ROW EXECUTE FUNCTION report_mark_case()"
    )
