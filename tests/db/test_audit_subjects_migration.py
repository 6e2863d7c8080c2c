"""Migration 0024: ``case_file.subject`` beside ``case_ref``, a reference unique within its
subject; going back is refused while a reference is of another subject."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from audit_app import migrate
from audit_app.db import make_engine
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture


def _team(connection: object) -> None:
    run = connection.execute  # type: ignore[attr-defined]
    run(text("INSERT INTO service (id, name) VALUES (1, 'Child Protection')"))
    run(text("INSERT INTO team (id, name, service_id) VALUES (1, 'CP 1', 1)"))


def _case(connection: object, ref: str, subject: str | None = None) -> None:
    columns = "case_ref, team_id, created_at, updated_at" + (", subject" if subject else "")
    values = ":ref, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP" + (", :subject" if subject else "")
    connection.execute(  # type: ignore[attr-defined]
        text(f"INSERT INTO case_file ({columns}) VALUES ({values})"),
        {"ref": ref, "subject": subject},
    )


def test_existing_references_become_cases_and_a_reference_is_unique_within_its_subject(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, "0023", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            _team(connection)
            _case(connection, "100824")
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.begin() as connection:
            rows = connection.execute(text("SELECT case_ref, subject FROM case_file")).all()
            assert rows == [("100824", "case")]
            _case(connection, "100824", "worker")
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _case(connection, "100824", "worker")
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _case(connection, "H1", "carer")
    finally:
        engine.dispose()


TRIGGERS = text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
PG_TRIGGERS = text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")


def test_the_report_summaries_triggers_outlive_the_upgrade_and_the_downgrade(
    empty_database_url: str,
) -> None:
    """SQLite copies a table to alter it, which would drop the triggers on it (such as the one
    that marks the months of a case moved to another team): every trigger is kept."""
    migrate.upgrade(empty_database_url, "0023", configure_logging=False)
    engine = make_engine(empty_database_url)
    query = TRIGGERS if engine.dialect.name == "sqlite" else PG_TRIGGERS
    try:
        with engine.connect() as connection:
            before = connection.execute(query).scalars().all()
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.connect() as connection:
            assert connection.execute(query).scalars().all() == before
        migrate.downgrade(empty_database_url, "0023", configure_logging=False)
        with engine.connect() as connection:
            assert connection.execute(query).scalars().all() == before
    finally:
        engine.dispose()


def test_the_downgrade_puts_the_unique_reference_back(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, "0024", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            _team(connection)
            _case(connection, "100824")
        migrate.downgrade(empty_database_url, "0023", configure_logging=False)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _case(connection, "100824")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM case_file")).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_downgrade_is_refused_naming_a_reference_held_under_two_subjects(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, "0024", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            _team(connection)
            _case(connection, "100824")
            _case(connection, "100824", "worker")
            _case(connection, "H7", "household")
        message = (
            r"references of subjects other than case \(household: 1, worker: 1\), which a "
            r"release before subjects would count as case references\. These are also case "
            r"references, which it cannot hold twice: 100824\. Nothing was changed\."
        )
        with pytest.raises(RuntimeError, match=message):
            migrate.downgrade(empty_database_url, "0023", configure_logging=False)
        assert migrate.current_revisions(engine) == ("0024",)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM case_file")).scalar_one() == 3
    finally:
        engine.dispose()
