"""Report summaries by month, and triggers that mark a month changed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 09:30:00

The dashboard reads past months from small summary tables (``audit_app/reporting/summaries.py``).
Triggers on every table those summaries are made from record, in the changing transaction, the
month (UTC, ``YYYY-MM``, of the audit's submission) whose summaries are now out of date.

On SQLite, Alembic's batch mode rebuilds a table to alter it, and a rebuilt table loses its
triggers: a later migration that alters ``audit``, ``audit_result``, ``theme_result``,
``compliance_result``, ``moderation`` or ``case_file`` in batch mode must call
``create_triggers()`` again (``tests/db/test_migrations.py`` checks they exist at head).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The audit columns that decide whether and where an audit is counted.
AUDIT_COLUMNS = "status, submitted_at, case_id, questionnaire_version_id, auditor_id"
# Tables whose rows belong to one audit (an ``audit_id`` column).
CHILD_TABLES = ("audit_result", "theme_result", "compliance_result", "moderation")
TRIGGERS = (
    ["report_stale_audit_insert", "report_stale_audit_update", "report_stale_audit_delete"]
    + [f"report_stale_{t}_{verb}" for t in CHILD_TABLES for verb in ("insert", "update", "delete")]
    + [f"report_stale_allocation_{verb}" for verb in ("insert", "update", "delete")]
    + ["report_stale_case_team"]
)


def upgrade() -> None:
    op.create_table(
        "report_stale_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_stale_month")),
    )
    op.create_index(
        op.f("ix_report_stale_month_month"), "report_stale_month", ["month"], unique=False
    )
    op.create_table(
        "report_audit",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("grade_computed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_judged", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_moderated", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("moderation_grade", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_report_audit")),
    )
    op.create_index(
        "ix_report_audit_grades",
        "report_audit",
        [
            "month",
            "questionnaire_version_id",
            "team_id",
            "grade_computed",
            "grade_judged",
            "grade_moderated",
        ],
        unique=False,
    )
    op.create_index(
        "ix_report_audit_people",
        "report_audit",
        [
            "month",
            "auditor_id",
            "questionnaire_version_id",
            "team_id",
            "grade_computed",
            "grade_judged",
            "moderation_grade",
        ],
        unique=False,
    )
    op.create_table(
        "report_theme_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("grade_computed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_judged", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grade_moderated", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("themes", sa.Integer(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("percent_sum", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_theme_month")),
    )
    op.create_index(
        op.f("ix_report_theme_month_month"), "report_theme_month", ["month"], unique=False
    )
    op.create_table(
        "report_compliance_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("compliant", sa.Integer(), nullable=False),
        sa.Column("applicable", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_compliance_month")),
    )
    op.create_index(
        op.f("ix_report_compliance_month_month"),
        "report_compliance_month",
        ["month"],
        unique=False,
    )
    op.create_table(
        "report_allocation_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("questionnaire_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_allocation_month")),
    )
    op.create_index(
        op.f("ix_report_allocation_month_month"),
        "report_allocation_month",
        ["month"],
        unique=False,
    )
    # Covering indexes for the statements that read the current month from the live tables.
    op.drop_index("ix_theme_result_audit_id", table_name="theme_result")
    op.create_index(
        "ix_theme_result_report",
        "theme_result",
        ["audit_id", "theme_id", "grade_computed", "grade_judged", "grade_moderated", "percent"],
        unique=False,
    )
    op.drop_index("ix_compliance_result_audit_id", table_name="compliance_result")
    op.create_index(
        "ix_compliance_result_report",
        "compliance_result",
        ["audit_id", "measure", "compliant"],
        unique=False,
    )
    create_triggers()
    # Every month that already has audits or allocations is out of date: its summaries are
    # made on first use.
    op.execute(
        "INSERT INTO report_stale_month (month) "
        f"SELECT DISTINCT {_month('submitted_at')} FROM audit WHERE submitted_at IS NOT NULL "
        f"UNION SELECT DISTINCT {_due_month('due')} FROM allocation"
    )


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


def _sqlite_mark(moment: str) -> str:
    return _sqlite_mark_months(f"SELECT {_month(moment)} AS month")


def _sqlite_mark_months(months: str) -> str:
    """Mark the months a SELECT gives (one column, named ``month``)."""
    # SQLite runs one writer at a time, so a month already marked need not be marked again.
    return (
        "INSERT INTO report_stale_month (month) SELECT DISTINCT changed.month FROM "
        f"({months}) AS changed "
        "WHERE changed.month IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM report_stale_month AS s WHERE s.month = changed.month);"
    )


def _due_months_of(dates: str) -> str:
    return f"SELECT {_due_month('due')} AS month FROM ({dates}) AS changed_dates"


def _allocations_of(condition: str) -> str:
    return f"SELECT {_due_month('due')} AS month FROM allocation WHERE {condition}"


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER report_stale_audit_insert AFTER INSERT ON audit "
        f"BEGIN {_sqlite_mark('NEW.submitted_at')} END"
    )
    op.execute(
        f"CREATE TRIGGER report_stale_audit_update AFTER UPDATE OF {AUDIT_COLUMNS} ON audit "
        f"BEGIN {_sqlite_mark('OLD.submitted_at')} {_sqlite_mark('NEW.submitted_at')} "
        # An allocation counts as completed once its audit's submission stands.
        f"{_sqlite_mark_months(_allocations_of('audit_id = NEW.id'))} END"
    )
    op.execute(
        "CREATE TRIGGER report_stale_audit_delete AFTER DELETE ON audit "
        f"BEGIN {_sqlite_mark('OLD.submitted_at')} END"
    )
    for table in CHILD_TABLES:
        old = "(SELECT submitted_at FROM audit WHERE id = OLD.audit_id)"
        new = "(SELECT submitted_at FROM audit WHERE id = NEW.audit_id)"
        op.execute(
            f"CREATE TRIGGER report_stale_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_mark(new)} END"
        )
        op.execute(
            f"CREATE TRIGGER report_stale_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN {_sqlite_mark(old)} {_sqlite_mark(new)} END"
        )
        op.execute(
            f"CREATE TRIGGER report_stale_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_mark(old)} END"
        )
    for verb, months in (
        ("insert", "SELECT NEW.due AS due"),
        ("update", "SELECT OLD.due AS due UNION SELECT NEW.due AS due"),
        ("delete", "SELECT OLD.due AS due"),
    ):
        op.execute(
            f"CREATE TRIGGER report_stale_allocation_{verb} AFTER {verb.upper()} ON allocation "
            f"BEGIN {_sqlite_mark_months(_due_months_of(months))} END"
        )
    op.execute(
        "CREATE TRIGGER report_stale_case_team AFTER UPDATE OF team_id ON case_file BEGIN "
        + _sqlite_mark_months(
            f"SELECT {_month('submitted_at')} AS month FROM audit WHERE case_id = NEW.id"
        )
        + _sqlite_mark_months(_allocations_of("case_id = NEW.id"))
        + " END"
    )


def _postgresql_triggers() -> None:
    # Several servers write at once: every change adds its own row (no check for an existing
    # one, which a concurrent refresh could be deleting), and a refresh deletes only the rows it
    # has read.
    op.execute(
        "CREATE FUNCTION report_mark_month(moment timestamptz) RETURNS void LANGUAGE sql AS $$ "
        f"INSERT INTO report_stale_month (month) SELECT {_month('moment')} "
        "WHERE moment IS NOT NULL $$"
    )
    op.execute(
        "CREATE FUNCTION report_mark_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM report_mark_month(OLD.submitted_at); END IF; "
        "IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' "
        "OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at) "
        "THEN PERFORM report_mark_month(NEW.submitted_at); END IF; "
        # An allocation counts as completed once its audit's submission stands.
        "IF TG_OP = 'UPDATE' THEN INSERT INTO report_stale_month (month) "
        f"{_allocations_of('audit_id = NEW.id')}; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER report_stale_audit AFTER INSERT OR DELETE OR UPDATE OF "
        f"{AUDIT_COLUMNS} ON audit FOR EACH ROW EXECUTE FUNCTION report_mark_audit()"
    )
    op.execute(
        "CREATE FUNCTION report_mark_child() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM report_mark_month("
        "(SELECT submitted_at FROM audit WHERE id = OLD.audit_id)); END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.audit_id <> OLD.audit_id) "
        "THEN PERFORM report_mark_month("
        "(SELECT submitted_at FROM audit WHERE id = NEW.audit_id)); END IF; "
        "RETURN NULL; END $$"
    )
    for table in CHILD_TABLES:
        op.execute(
            f"CREATE TRIGGER report_stale_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION report_mark_child()"
        )
    op.execute(
        "CREATE FUNCTION report_mark_allocation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN INSERT INTO report_stale_month (month) "
        f"VALUES ({_due_month('OLD.due')}); END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.due <> OLD.due) "
        f"THEN INSERT INTO report_stale_month (month) VALUES ({_due_month('NEW.due')}); END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER report_stale_allocation AFTER INSERT OR UPDATE OR DELETE ON allocation "
        "FOR EACH ROW EXECUTE FUNCTION report_mark_allocation()"
    )
    op.execute(
        "CREATE FUNCTION report_mark_case() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO report_stale_month (month) "
        f"SELECT DISTINCT {_month('submitted_at')} FROM audit "
        "WHERE case_id = NEW.id AND submitted_at IS NOT NULL "
        f"UNION {_allocations_of('case_id = NEW.id')}; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER report_stale_case_team AFTER UPDATE OF team_id ON case_file "
        "FOR EACH ROW EXECUTE FUNCTION report_mark_case()"
    )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    op.execute("DROP TRIGGER IF EXISTS report_stale_audit ON audit")
    for table in CHILD_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS report_stale_{table} ON {table}")
    op.execute("DROP TRIGGER IF EXISTS report_stale_allocation ON allocation")
    op.execute("DROP TRIGGER IF EXISTS report_stale_case_team ON case_file")
    for function in (
        "report_mark_audit()",
        "report_mark_child()",
        "report_mark_allocation()",
        "report_mark_case()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("DROP FUNCTION IF EXISTS report_mark_month(timestamptz)")


def downgrade() -> None:
    drop_triggers()
    op.drop_index(op.f("ix_report_allocation_month_month"), table_name="report_allocation_month")
    op.drop_table("report_allocation_month")
    op.drop_index("ix_compliance_result_report", table_name="compliance_result")
    op.create_index(
        "ix_compliance_result_audit_id", "compliance_result", ["audit_id"], unique=False
    )
    op.drop_index("ix_theme_result_report", table_name="theme_result")
    op.create_index("ix_theme_result_audit_id", "theme_result", ["audit_id"], unique=False)
    op.drop_index(op.f("ix_report_compliance_month_month"), table_name="report_compliance_month")
    op.drop_table("report_compliance_month")
    op.drop_index(op.f("ix_report_theme_month_month"), table_name="report_theme_month")
    op.drop_table("report_theme_month")
    op.drop_index("ix_report_audit_people", table_name="report_audit")
    op.drop_index("ix_report_audit_grades", table_name="report_audit")
    op.drop_table("report_audit")
    op.drop_index(op.f("ix_report_stale_month_month"), table_name="report_stale_month")
    op.drop_table("report_stale_month")
