"""Migration 0012: one page of answers kept per person and audit, the latest of any already kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from audit_app import migrate
from audit_app.db import get_engine, make_engine
from audit_app.models import utcnow
from tests.builders import add_audit, add_user, load_small_questionnaire, make_case
from tests.conftest import build_app
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

INSERT = text(
    "INSERT INTO pending_save (token, user_id, audit_id, theme_id, payload, created_at) "
    "VALUES (:token, :user_id, :audit_id, 'voice', '{}', :created_at)"
)


def _two_audits_of_one_auditor(url: str, tmp_path: Path) -> tuple[int, list[int]]:
    """The auditor's id and the ids of two audits of theirs, stored through the app."""
    app = build_app(url, tmp_path / "instance")
    try:
        add_user(app, "auditor1", "auditor")
        version_id = load_small_questionnaire(app)
        make_case(app, "100824")
        make_case(app, "200117")
        audits = [
            add_audit(app, ref, "auditor1", version_id, created_at=utcnow())
            for ref in ("100824", "200117")
        ]
    finally:
        get_engine(app).dispose()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            user_id = connection.execute(text("SELECT id FROM app_user")).scalar_one()
    finally:
        engine.dispose()
    return user_id, audits


def test_the_upgrade_keeps_the_latest_page_of_each_audit_then_allows_one(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    user_id, (first, second) = _two_audits_of_one_auditor(empty_database_url, tmp_path)
    migrate.downgrade(empty_database_url, "0011", configure_logging=False)
    now = utcnow()
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for token, audit_id, minutes in (("a", first, 3), ("b", first, 2), ("c", second, 1)):
                connection.execute(
                    INSERT,
                    {
                        "token": token,
                        "user_id": user_id,
                        "audit_id": audit_id,
                        "created_at": now - timedelta(minutes=minutes),
                    },
                )

        migrate.upgrade(empty_database_url, configure_logging=False)

        with engine.connect() as connection:
            tokens = connection.execute(text("SELECT token FROM pending_save ORDER BY token"))
            assert tokens.scalars().all() == ["b", "c"]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                INSERT, {"token": "d", "user_id": user_id, "audit_id": first, "created_at": now}
            )
    finally:
        engine.dispose()
