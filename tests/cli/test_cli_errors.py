"""A person's mistake or a missing setting ends a command with one line and exit status 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flask(*args: str, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "APP_ENV", "FLASK_APP"}
    }
    environ.update({"INSTANCE_PATH": str(tmp_path / "instance"), **settings})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]


def test_help_without_a_secret_key_in_production_says_what_to_set(tmp_path: Path) -> None:
    result = flask("--help", tmp_path=tmp_path, APP_ENV="production")
    assert_one_line(result, "SECRET_KEY is not set")


def test_a_command_without_a_secret_key_in_production_says_what_to_set(tmp_path: Path) -> None:
    result = flask("users", "list", tmp_path=tmp_path, APP_ENV="production")
    assert_one_line(result, "SECRET_KEY")


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("DATABASE_URL", "mysql://someone@db/audits", ("DATABASE_URL", "PostgreSQL")),
        ("WORKING_DAYS_CALENDAR", "mars", ("WORKING_DAYS_CALENDAR", "england")),
        ("SESSION_IDLE_MINUTES", "half an hour", ("SESSION_IDLE_MINUTES", "whole number")),
    ],
)
def test_a_wrong_setting_is_named(
    tmp_path: Path, setting: str, value: str, words: tuple[str, ...]
) -> None:
    result = flask("users", "list", tmp_path=tmp_path, APP_ENV="development", **{setting: value})
    assert_one_line(result, *words)


def test_an_unreachable_database_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/nowhere?connect_timeout=5"
    result = flask("users", "list", tmp_path=tmp_path, APP_ENV="development", DATABASE_URL=url)
    assert_one_line(result, "database could not be reached", "DATABASE_URL")


def test_the_export_command_guards_the_same_way(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/nowhere?connect_timeout=5"
    result = flask(
        "export",
        "audits",
        "--out",
        str(tmp_path / "audits.csv"),
        tmp_path=tmp_path,
        APP_ENV="development",
        DATABASE_URL=url,
    )
    assert_one_line(result, "database could not be reached")


def test_a_backup_into_a_missing_folder_names_the_folder(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["backup", "create", "/no/such/folder/audits.db"])
    assert result.exit_code == 2
    assert "the folder /no/such/folder does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_retention_refuses_to_purge_with_no_years_at_all(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["retention", "purge", "--years", "0"])
    assert result.exit_code == 2
    assert "--years" in result.output
