"""Importing cases in batches (issue 11, ASVS 15.2.2): others can write between batches, a file
of several batches lands whole, and one that fails part-way is undone."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import insert, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from audit_app.db import make_engine, session_scope
from audit_app.models import Case, CaseImport, CaseImportChange, Service, table_of, utcnow
from audit_app.services import case_imports
from audit_app.services import cases as case_service
from audit_app.services.actor import Actor
from audit_app.services.cases import (
    BatchOptions,
    ImportSummary,
    ImportUnderWay,
    import_cases,
    import_cases_in_batches,
)
from tests.builders import cases_csv
from tests.cases.conftest import Stored, StoredCases, events, table_counts

ACTOR = Actor.system("tester")


def transaction_of(app: Flask) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: session_scope(app)


def import_in_batches(
    app: Flask, text: str, *, rows: int = 3, between: Callable[[], None] | None = None
) -> ImportSummary:
    with app.app_context():
        return import_cases_in_batches(
            text,
            transaction=transaction_of(app),
            actor=ACTOR,
            options=BatchOptions(rows=rows, pause=0.0, between=between),
        )


def imports(app: Flask) -> list[tuple[str, bool | None]]:
    with session_scope(app) as session:
        rows = session.exec(select(CaseImport).order_by(col(CaseImport.id)))
        return [(row.status, row.unfinished) for row in rows]


def kept_changes(app: Flask) -> int:
    with session_scope(app) as session:
        return len(session.exec(select(CaseImportChange.id)).all())


def updated_at(app: Flask, ref: str) -> Any:
    with session_scope(app) as session:
        return session.exec(select(Case.updated_at).where(Case.case_ref == ref)).one()


@pytest.fixture
def stored_before(app: Flask, stored_cases: StoredCases) -> Stored:
    """Two cases stored before each test's import: U1 (worker W1) and U2 (no worker)."""
    with app.app_context(), session_scope(app) as session:
        import_cases(
            cases_csv("U1,Child Protection,CP Team 1,W1", "U2,Child Protection,CP Team 1,"),
            session=session,
            actor=ACTOR,
        )
    return stored_cases()


# Seven rows: U1 moves team and U2 gets a worker (batch 1), five new cases, a new service and
# team. In batches of three: rows 1-3, 4-6 and 7.
SEVEN_ROWS = cases_csv(
    "U1,Child Protection,CP Team 2,W1",
    "U2,Child Protection,CP Team 1,W2",
    "N1,Child Protection,CP Team 1,",
    "N2,Children in Care,CiC Team 1,W3",
    "N3,Children in Care,CiC Team 1,",
    "N4,Child Protection,CP Team 2,W4",
    "N5,Children in Care,CiC Team 1,W5",
)
AFTER_SEVEN_ROWS = {
    "U1": ("CP Team 2", "Child Protection", "W1"),
    "U2": ("CP Team 1", "Child Protection", "W2"),
    "N1": ("CP Team 1", "Child Protection", None),
    "N2": ("CiC Team 1", "Children in Care", "W3"),
    "N3": ("CiC Team 1", "Children in Care", None),
    "N4": ("CP Team 2", "Child Protection", "W4"),
    "N5": ("CiC Team 1", "Children in Care", "W5"),
}


def test_an_import_of_several_batches_lands_whole(
    app: Flask, stored_before: Stored, stored_cases: StoredCases
) -> None:
    written: list[int] = []
    summary = import_in_batches(
        app, SEVEN_ROWS, between=lambda: written.append(table_counts(app)["Case"])
    )
    assert written == [3, 6], "three batches, each committed before the next"
    assert (summary.created, summary.updated, summary.unchanged) == (5, 2, 0)
    assert summary.new_services == ("Children in Care",)
    assert summary.new_teams == ("CP Team 2", "CiC Team 1")
    assert stored_cases() == AFTER_SEVEN_ROWS
    _fixture, event = events(app, "cases.imported")
    assert (event["rows"], event["created"], event["updated"]) == (7, 5, 2)
    assert imports(app) == [("complete", None), ("complete", None)]
    assert kept_changes(app) == 0, "what an undo would need is deleted once the import is whole"


def test_a_file_with_a_bad_row_writes_no_batch(app: Flask, stored_before: Stored) -> None:
    before = table_counts(app)
    with pytest.raises(case_service.ImportRefused) as caught:
        import_in_batches(app, cases_csv("A1,CP,T1,", "A2,CP,T1,", "A3,CP,T1,", "12 34,CP,T1,"))
    assert [str(p) for p in caught.value.problems] == [
        'Line 5: case_id "12 34" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)"
    ]
    assert table_counts(app) == before
    assert imports(app) == [("complete", None)], "only the fixture's import is recorded"


def test_another_connection_writes_between_batches(app: Flask, stored_before: Stored) -> None:
    """Between batches a second connection, which will not wait for a lock, saves a row."""
    engine = make_engine(app.config["DATABASE_URL"], sqlite_busy_timeout_ms=0)
    saved: list[int] = []

    def save_from_another_connection() -> None:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET lock_timeout = '100ms'")
            connection.execute(
                insert(table_of(Service)).values(name=f"Saved between batches {len(saved)}")
            )
            connection.commit()
        saved.append(table_counts(app)["Case"])
        assert imports(app)[-1] == ("writing", True), "the import is not finished yet"

    try:
        import_in_batches(app, SEVEN_ROWS, between=save_from_another_connection)
    finally:
        engine.dispose()
    assert saved == [3, 6]
    with session_scope(app) as session:
        names = session.exec(select(Service.name).where(col(Service.name).startswith("Saved")))
        assert sorted(names) == ["Saved between batches 0", "Saved between batches 1"]


def fail_in_batch(monkeypatch: pytest.MonkeyPatch, failing: int) -> list[int]:
    """Make batch number ``failing`` (from 1) fail after writing its cases, as when the
    database goes away before the commit; the list counts the batches begun."""
    write_batch = case_service._write_batch
    begun: list[int] = []

    def failing_write(*args: Any, **kwargs: Any) -> Any:
        begun.append(len(begun) + 1)
        outcome = write_batch(*args, **kwargs)
        if len(begun) == failing:
            raise OperationalError("COMMIT", {}, Exception("the database went away"))
        return outcome

    monkeypatch.setattr(case_service, "_write_batch", failing_write)
    return begun


def test_a_failure_in_the_second_batch_leaves_nothing_of_the_import(
    app: Flask,
    stored_before: Stored,
    stored_cases: StoredCases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts_before, u1_changed_at = table_counts(app), updated_at(app, "U1")
    begun = fail_in_batch(monkeypatch, failing=2)
    with pytest.raises(OperationalError):
        import_in_batches(app, SEVEN_ROWS)
    assert begun == [1, 2]
    assert stored_cases() == stored_before, "batch 1's new case is gone, U1 and U2 are back"
    assert updated_at(app, "U1") == u1_changed_at
    assert table_counts(app) == counts_before, "no new service, team or case is left"
    assert imports(app) == [("complete", None), ("undone", None)]
    assert kept_changes(app) == 0
    assert len(events(app, "cases.imported")) == 1, "the fixture's import alone"
    (undone,) = events(app, "cases.import_undone")
    assert (undone["deleted"], undone["restored"], undone["kept"]) == (1, 2, 0)


def stop_part_way(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import whose second batch fails while the database is unreachable, so that the undo
    fails too: batch 1 stays written and the import unfinished."""

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    with monkeypatch.context() as patch:
        fail_in_batch(patch, failing=2)
        patch.setattr(case_imports, "undo", unreachable)
        with pytest.raises(OperationalError):
            import_in_batches(app, SEVEN_ROWS)
    assert imports(app)[-1] == ("writing", True)
    assert table_counts(app)["Case"] == 3, "batch 1 (U1, U2, N1) stays until it is undone"


def age_unfinished_import(app: Flask) -> None:
    """Make the unfinished import look stopped: nothing written for longer than STALE_AFTER."""
    long_ago = utcnow() - case_imports.STALE_AFTER - timedelta(seconds=1)
    with session_scope(app) as session:
        session.execute(
            update(CaseImport)
            .where(col(CaseImport.unfinished).is_not(None))
            .values(updated_at=long_ago)
        )


def test_an_import_that_stopped_part_way_is_undone_before_the_next(
    app: Flask,
    stored_before: Stored,
    stored_cases: StoredCases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stop_part_way(app, monkeypatch)
    with pytest.raises(ImportUnderWay) as caught:
        import_in_batches(app, cases_csv("Z1,Child Protection,CP Team 1,"))
    assert "Another import of cases (7 rows, started by tester at" in str(caught.value)
    assert str(caught.value).endswith(
        "is being written. Nothing was imported: try again when it has finished."
    )
    age_unfinished_import(app)
    summary = import_in_batches(app, cases_csv("Z1,Child Protection,CP Team 1,"))
    assert summary.created == 1
    assert stored_cases() == stored_before | {"Z1": ("CP Team 1", "Child Protection", None)}
    assert [status for status, _ in imports(app)] == ["complete", "undone", "complete"]
    (undone,) = events(app, "cases.import_undone")
    assert (undone["deleted"], undone["restored"], undone["_actor"]) == (1, 2, "tester")


def test_flask_cases_undo_import_undoes_an_import_that_stopped(
    app: Flask,
    runner: FlaskCliRunner,
    stored_before: Stored,
    stored_cases: StoredCases,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    stop_part_way(app, monkeypatch)
    path = tmp_path / "cases.csv"
    path.write_text(cases_csv("Z1,Child Protection,CP Team 1,"), "utf-8")
    refused = runner.invoke(args=["cases", "import", str(path)])
    assert refused.exit_code == 1
    assert "Another import of cases (7 rows" in refused.stderr

    result = runner.invoke(args=["cases", "undo-import"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"Import {len(imports(app))} undone: 1 cases deleted, 2 cases given back their team "
        "and worker, 0 cases kept because an audit or allocation uses them."
    )
    assert stored_cases() == stored_before
    again = runner.invoke(args=["cases", "undo-import"])
    assert again.stdout.strip() == "No import of cases is unfinished: nothing to undo."
    assert runner.invoke(args=["cases", "import", str(path)]).exit_code == 0


@pytest.mark.usefixtures("admin_signed_in")
def test_the_admin_page_says_when_another_import_is_being_written(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context(), session_scope(app) as session:
        case_imports.begin(rows=50_000, new_services=[], new_teams=[], actor=ACTOR, session=session)
    response = client.post(
        "/admin/cases",
        data={"cases_file": (io.BytesIO(cases_csv("A1,CP,T1,").encode()), "cases.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Another import of cases (50000 rows, started by tester at" in page
    assert 'href="#cases_file"' in page
    assert table_counts(app)["Case"] == 0


@pytest.mark.usefixtures("admin_signed_in")
def test_the_admin_page_imports_in_batches(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload writes BATCH_ROWS cases a transaction (here two)."""
    monkeypatch.setattr(case_service, "BATCH_ROWS", 2)
    monkeypatch.setattr(case_service, "SQLITE_PAUSE", 0.0)
    batches = fail_in_batch(monkeypatch, failing=0)
    response = client.post(
        "/admin/cases",
        data={"cases_file": (io.BytesIO(SEVEN_ROWS.encode()), "cases.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert batches == [1, 2, 3, 4]
    assert table_counts(app)["Case"] == 7
    assert imports(app) == [("complete", None)]
