"""Migration 0016: every version loaded before it is published when it was loaded, by whoever
loaded it; going back down keeps a draft out of auditors' sight by retiring it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from audit_app import migrate
from audit_app.db import make_engine
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

LOADED_AT = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
INSERT = text(
    "INSERT INTO questionnaire_version "
    "(questionnaire_id, version, title, kind, content, content_sha256, loaded_at, loaded_by) "
    "VALUES (:qid, :version, 'Test audit', 'monthly', '{}', 'sha', :at, :by)"
)
READ = text(
    "SELECT version, published_at = loaded_at, published_by FROM questionnaire_version "
    "ORDER BY version"
)
DRAFT = text(
    "INSERT INTO questionnaire_version (questionnaire_id, version, title, kind, content, "
    "content_sha256, loaded_at, loaded_by, published_by) "
    "VALUES ('test-audit', 2, 'Test audit', 'monthly', '{}', 'sha2', :at, 'qa', '')"
)


def test_versions_loaded_before_are_published_when_they_were_loaded(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, "0015", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                INSERT, {"qid": "test-audit", "version": 1, "at": LOADED_AT, "by": "qa"}
            )
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.connect() as connection:
            assert connection.execute(READ).all() == [(1, True, "qa")]
        with engine.begin() as connection:
            connection.execute(DRAFT, {"at": LOADED_AT})
        migrate.downgrade(empty_database_url, "0015", configure_logging=False)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT version, retired_at FROM questionnaire_version ORDER BY version")
            ).all()
        assert [(v, retired is not None) for v, retired in rows] == [(1, False), (2, True)]
    finally:
        engine.dispose()
        migrate.upgrade(empty_database_url, configure_logging=False)
