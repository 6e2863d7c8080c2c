"""Migration 0019: the kinds of audit declared in ``audit_kind``, seeded with the default list,
and no fixed list of kinds on ``questionnaire_version``."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from audit_app import migrate
from audit_app.db import make_engine
from audit_app.services.kinds import DEFAULT_KINDS
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

INSERT = text(
    "INSERT INTO questionnaire_version "
    "(questionnaire_id, version, title, kind, content, content_sha256, loaded_at, loaded_by, "
    "published_by) VALUES (:qid, 1, 'T', :kind, '{}', 'x', CURRENT_TIMESTAMP, '', '')"
)


def test_the_upgrade_seeds_the_default_kinds_and_allows_any_kind(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, "0018", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT, {"qid": "old", "kind": "deep_dive"})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(INSERT, {"qid": "sup", "kind": "supervision"})
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.begin() as connection:
            rows = connection.execute(text("SELECT name, display_name FROM audit_kind")).all()
            assert sorted(rows) == sorted(DEFAULT_KINDS)
            connection.execute(INSERT, {"qid": "sup", "kind": "supervision"})
            kinds = connection.execute(
                text("SELECT questionnaire_id, kind FROM questionnaire_version ORDER BY id")
            ).all()
        assert kinds == [("old", "deep_dive"), ("sup", "supervision")]
    finally:
        engine.dispose()


def test_the_downgrade_puts_the_two_kinds_back(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT, {"qid": "monthly", "kind": "monthly"})
        migrate.downgrade(empty_database_url, "0018", configure_logging=False)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(INSERT, {"qid": "sup", "kind": "supervision"})
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM questionnaire_version"))
            assert count.scalar_one() == 1
    finally:
        engine.dispose()


def test_a_version_of_another_kind_goes_down_as_a_deep_dive_and_comes_back_as_its_own_kind(
    empty_database_url: str,
) -> None:
    """The release before knows two kinds; the version's file keeps its own, which the upgrade
    reads back, declaring a kind the default list lacks under its own name."""
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    file = text(
        "INSERT INTO questionnaire_version "
        "(questionnaire_id, version, title, kind, content, content_sha256, loaded_at, loaded_by, "
        "published_by) VALUES (:qid, 1, 'T', :kind, :content, 'x', CURRENT_TIMESTAMP, '', '')"
    )
    try:
        with engine.begin() as connection:
            connection.execute(INSERT, {"qid": "monthly", "kind": "monthly"})
            connection.execute(
                file, {"qid": "sup", "kind": "supervision", "content": '{"kind": "supervision"}'}
            )
            connection.execute(
                text("INSERT INTO audit_kind VALUES ('peer', 'Peer', CURRENT_TIMESTAMP, '')")
            )
            connection.execute(file, {"qid": "peer", "kind": "peer", "content": '{"kind": "peer"}'})
        migrate.downgrade(empty_database_url, "0018", configure_logging=False)
        kinds = text("SELECT questionnaire_id, kind FROM questionnaire_version ORDER BY id")
        with engine.connect() as connection:
            assert connection.execute(kinds).all() == [
                ("monthly", "monthly"),
                ("sup", "deep_dive"),
                ("peer", "deep_dive"),
            ]
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.connect() as connection:
            assert connection.execute(kinds).all() == [
                ("monthly", "monthly"),
                ("sup", "supervision"),
                ("peer", "peer"),
            ]
            declared = text("SELECT display_name FROM audit_kind WHERE name = 'peer'")
            assert connection.execute(declared).scalar_one() == "peer"
    finally:
        engine.dispose()
