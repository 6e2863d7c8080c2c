"""Migration 0020: audit programmes, and the allocation's programme, added beside the
allocations already made and taken away again on a downgrade without touching them; the report
summaries' triggers on the allocation table are still there after each step."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import inspect, text

from audit_app import migrate
from audit_app.db import get_engine, make_engine
from audit_app.models import utcnow
from tests.builders import add_user, load_small_questionnaire, make_case
from tests.conftest import build_app
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

TABLES = {"programme", "programme_stratum", "programme_case"}


def _an_auditor_and_a_case(url: str, tmp_path: Path) -> None:
    app = build_app(url, tmp_path / "instance")
    try:
        add_user(app, "auditor1", "auditor")
        load_small_questionnaire(app)
        make_case(app, "100824")
    finally:
        get_engine(app).dispose()


def _schema(url: str) -> tuple[set[str], list[str]]:
    """The tables, and the allocation table's columns."""
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        columns = [c["name"] for c in inspector.get_columns("allocation")]
        return set(inspector.get_table_names()), columns
    finally:
        engine.dispose()


def _marks_a_month_when_an_allocation_is_added(url: str) -> bool:
    """Whether adding an allocation marks its month's summaries as changed (the triggers)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM report_stale_month"))
            connection.execute(
                text(
                    "INSERT INTO allocation (case_id, questionnaire_id, auditor_id, due, "
                    "created_at, created_by) SELECT c.id, 'test-audit', u.id, :due, :now, '' "
                    "FROM case_file c, app_user u"
                ),
                {"due": date(2027, 5, 31), "now": utcnow()},
            )
            marked = connection.execute(text("SELECT count(*) FROM report_stale_month"))
            count = marked.scalar_one()
            connection.execute(
                text("DELETE FROM allocation WHERE due = :due"), {"due": date(2027, 5, 31)}
            )
        return count > 0
    finally:
        engine.dispose()


def test_the_upgrade_adds_programmes_beside_the_allocations_and_the_downgrade_removes_them(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    _an_auditor_and_a_case(empty_database_url, tmp_path)
    migrate.downgrade(empty_database_url, "0019", configure_logging=False)
    tables, columns = _schema(empty_database_url)
    assert not TABLES & tables and "programme_id" not in columns
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO allocation (case_id, questionnaire_id, auditor_id, due, "
                    "created_at, created_by) SELECT c.id, 'test-audit', u.id, :due, :now, 'x' "
                    "FROM case_file c, app_user u"
                ),
                {"due": date(2027, 4, 30), "now": utcnow()},
            )
        migrate.upgrade(empty_database_url, configure_logging=False)
        tables, columns = _schema(empty_database_url)
        assert TABLES <= tables and "programme_id" in columns
        assert _marks_a_month_when_an_allocation_is_added(empty_database_url)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT due, created_by, programme_id FROM allocation"))
            assert [tuple(r) for r in row] in (
                [(date(2027, 4, 30), "x", None)],
                [("2027-04-30", "x", None)],
            )
        migrate.downgrade(empty_database_url, "0019", configure_logging=False)
        assert _marks_a_month_when_an_allocation_is_added(empty_database_url)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT count(*) FROM allocation")).scalar_one()
        assert kept == 1
    finally:
        engine.dispose()
