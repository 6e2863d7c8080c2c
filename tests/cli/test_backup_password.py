"""`backup create` and `backup restore` give pg_dump and pg_restore the database password in
their environment (PGPASSWORD), never on their command line, where any local user could read it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from audit_app.services import backup

PASSWORD = "s3cret-Pa55word"
URL = f"postgresql+psycopg://case_audit:{PASSWORD}@db.example.org:5432/case_audit"


class Recorded:
    def __init__(self) -> None:
        self.argv: list[str] = []
        self.env: dict[str, str] = {}

    def run(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.argv = argv
        self.env = kwargs["env"]
        assert "shell" not in kwargs
        return subprocess.CompletedProcess(argv, 0, "", "")


class EmptyDatabase:
    def get_table_names(self) -> list[str]:
        return []


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    recorder = Recorded()
    monkeypatch.setattr(backup.subprocess, "run", recorder.run)
    monkeypatch.setattr(backup, "_tool", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup, "inspect", lambda _engine: EmptyDatabase())
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return recorder


def _check(recorded: Recorded, tool: str) -> None:
    assert recorded.argv[0] == f"/usr/bin/{tool}"
    assert not any(PASSWORD in argument for argument in recorded.argv), recorded.argv
    assert recorded.env["PGPASSWORD"] == PASSWORD
    target = next(a for a in recorded.argv if "db.example.org" in a)
    assert target.removeprefix("--dbname=") == (
        "postgresql://case_audit@db.example.org:5432/case_audit"
    )


def test_backup_create_passes_the_password_in_the_environment(
    recorded: Recorded, tmp_path: Path
) -> None:
    engine = create_engine(URL)
    assert backup.create(engine, tmp_path / "audits.dump") == "pg_dump (custom format)"
    _check(recorded, "pg_dump")


def test_backup_restore_passes_the_password_in_the_environment(
    recorded: Recorded, tmp_path: Path
) -> None:
    source = tmp_path / "audits.dump"
    source.write_bytes(b"PGDMP")
    engine = create_engine(URL)
    assert backup.restore(engine, source) == "pg_restore"
    _check(recorded, "pg_restore")


def test_without_a_password_none_is_set(recorded: Recorded, tmp_path: Path) -> None:
    engine = create_engine("postgresql+psycopg://case_audit@/case_audit?host=/run/postgresql")
    backup.create(engine, tmp_path / "audits.dump")
    assert "PGPASSWORD" not in recorded.env
