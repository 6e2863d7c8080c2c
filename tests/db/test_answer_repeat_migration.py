"""Migration 0023: ``answer.repeat`` joins the answer's unique key, 0 for every answer already
stored; the downgrade takes it away again, and is refused, changing nothing, while an audit
holds answers to a repeating group."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from audit_app import migrate
from audit_app.db import get_engine, make_engine
from audit_app.models import utcnow
from tests.builders import add_audit, add_user, load_small_questionnaire, make_case
from tests.conftest import build_app
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

BEFORE = "0022"
"""The revision before this migration's."""

INSERT = (
    "INSERT INTO answer (audit_id, question_id, value, updated_at) "
    "VALUES (:audit_id, :question_id, :value, :now)"
)


def _an_audit(url: str, tmp_path: Path) -> int:
    app = build_app(url, tmp_path / "instance")
    try:
        add_user(app, "auditor1", "auditor")
        version_id = load_small_questionnaire(app)
        make_case(app, "100824")
        return add_audit(app, "100824", "auditor1", version_id, created_at=utcnow())
    finally:
        get_engine(app).dispose()


def _columns(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return [c["name"] for c in inspect(engine).get_columns("answer")]
    finally:
        engine.dispose()


def test_answers_kept_are_repeat_0_and_a_question_may_be_answered_once_per_repeat(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    audit_id = _an_audit(empty_database_url, tmp_path)
    migrate.downgrade(empty_database_url, BEFORE, configure_logging=False)
    assert "repeat" not in _columns(empty_database_url)
    engine = make_engine(empty_database_url)
    now = utcnow()
    try:
        with engine.begin() as connection:
            row = {"audit_id": audit_id, "question_id": "seen-alone", "value": "yes", "now": now}
            connection.execute(text(INSERT), row)
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.begin() as connection:
            kept = connection.execute(text("SELECT question_id, value, repeat FROM answer")).one()
            assert tuple(kept) == ("seen-alone", "yes", 0)
            for number in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO answer (audit_id, question_id, repeat, value, updated_at) "
                        "VALUES (:audit_id, 'visit-seen-alone', :n, 'no', :now)"
                    ),
                    {"audit_id": audit_id, "n": number, "now": now},
                )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(INSERT), row)
    finally:
        engine.dispose()


def test_the_downgrade_is_refused_while_an_audit_holds_repeats_and_goes_once_they_are_gone(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    audit_id = _an_audit(empty_database_url, tmp_path)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO answer (audit_id, question_id, repeat, value, updated_at) "
                    "VALUES (:audit_id, 'visit-seen-alone', 2, 'no', :now)"
                ),
                {"audit_id": audit_id, "now": utcnow()},
            )
        with pytest.raises(RuntimeError, match=r"1 audit\(s\) hold answers to repeating groups"):
            migrate.downgrade(empty_database_url, BEFORE, configure_logging=False)
        assert "repeat" in _columns(empty_database_url)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM answer WHERE repeat <> 0"))
        migrate.downgrade(empty_database_url, BEFORE, configure_logging=False)
        assert "repeat" not in _columns(empty_database_url)
    finally:
        engine.dispose()
