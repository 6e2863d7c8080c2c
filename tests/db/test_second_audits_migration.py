"""Migration 0021: second audits and training cases. Going down removes the second audits
(which only the new column keeps out of the figures), keeps the first audits and the report
summaries' triggers; going up again starts with no second audit and no training case."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from audit_app import migrate
from audit_app.db import get_engine, make_engine, session_scope
from audit_app.models import Audit, Case, SecondAudit, utcnow
from tests.builders import add_audit, add_user, load_small_questionnaire, make_case
from tests.conftest import build_app
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture


def _a_pair(url: str, tmp_path: Path) -> tuple[int, int]:
    app = build_app(url, tmp_path / "instance")
    try:
        add_user(app, "auditor1", "auditor")
        add_user(app, "auditor2", "auditor")
        version_id = load_small_questionnaire(app)
        make_case(app, "100824")
        first = add_audit(
            app,
            "100824",
            "auditor1",
            version_id,
            created_at=utcnow(),
            submitted_at=utcnow(),
            status="submitted",
        )
        second = add_audit(app, "100824", "auditor2", version_id, created_at=utcnow())
        with session_scope(app) as session:
            row = session.get(Audit, second)
            assert row is not None
            row.second_of_id = first
            session.add(row)
            session.add(
                SecondAudit(
                    first_audit_id=first, seed="0" * 32, draw=0.01, rate=0.1, second_audit_id=second
                )
            )
            case = session.get(Case, row.case_id)
            assert case is not None
            case.training = True
            session.add(case)
        return first, second
    finally:
        get_engine(app).dispose()


def _triggers(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        if engine.dialect.name != "sqlite":
            return []
        with engine.connect() as connection:
            return sorted(
                r[0]
                for r in connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                )
            )
    finally:
        engine.dispose()


def test_down_removes_the_second_audits_and_keeps_the_first_and_up_again(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    triggers = _triggers(empty_database_url)
    first, second = _a_pair(empty_database_url, tmp_path)
    migrate.downgrade(empty_database_url, "0020", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        names = inspect(engine).get_table_names()
        assert "second_audit" not in names
        assert "second_of_id" not in [c["name"] for c in inspect(engine).get_columns("audit")]
        assert "training" not in [c["name"] for c in inspect(engine).get_columns("case_file")]
        with engine.connect() as connection:
            ids = [r[0] for r in connection.execute(text("SELECT id FROM audit ORDER BY id"))]
        assert ids == [first] and second not in ids
    finally:
        engine.dispose()
    assert _triggers(empty_database_url) == triggers
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM second_audit")).scalar() == 0
            trained = connection.execute(text("SELECT training FROM case_file")).scalar()
            assert not trained
    finally:
        engine.dispose()
    assert _triggers(empty_database_url) == triggers
