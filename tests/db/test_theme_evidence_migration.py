"""Migration 0018: the theme judgement's evidence fields, added empty beside the judgements
already recorded, and taken away again on a downgrade without touching them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from audit_app import migrate
from audit_app.db import get_engine, make_engine
from audit_app.models import utcnow
from tests.builders import add_audit, add_user, load_small_questionnaire, make_case
from tests.conftest import build_app
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

FIELDS = ["strengths", "areas_for_development", "recommendations"]


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
        return [c["name"] for c in inspect(engine).get_columns("theme_judgement")]
    finally:
        engine.dispose()


def test_the_upgrade_adds_empty_fields_beside_each_judgement_and_the_downgrade_removes_them(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    audit_id = _an_audit(empty_database_url, tmp_path)
    migrate.downgrade(empty_database_url, "0017", configure_logging=False)
    assert not set(FIELDS) & set(_columns(empty_database_url))
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO theme_judgement (audit_id, theme_id, grade, analysis, updated_at)"
                    " VALUES (:audit_id, 'voice', 'Good', 'Seen alone.', :now)"
                ),
                {"audit_id": audit_id, "now": utcnow()},
            )
        migrate.upgrade(empty_database_url, configure_logging=False)
        assert set(FIELDS) <= set(_columns(empty_database_url))
        with engine.begin() as connection:
            row = connection.execute(
                text(
                    "SELECT grade, analysis, strengths, areas_for_development, recommendations "
                    "FROM theme_judgement"
                )
            ).one()
            assert tuple(row) == ("Good", "Seen alone.", None, None, None)
            connection.execute(text("UPDATE theme_judgement SET strengths = 'Plans on time.'"))
        migrate.downgrade(empty_database_url, "0017", configure_logging=False)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT grade, analysis FROM theme_judgement")).one()
        assert tuple(kept) == ("Good", "Seen alone.")
    finally:
        engine.dispose()
