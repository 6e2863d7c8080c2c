"""Configuration from the environment: safe defaults, and a clear refusal when unsafe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config({"APP_ENV": "production"})


def test_the_environment_defaults_to_production() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config({})


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load_config({"APP_ENV": "production", "SECRET_KEY": "short"})


def test_production_refuses_sql_echo() -> None:
    with pytest.raises(ConfigError, match="SQL_ECHO .* is for development only"):
        load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 40, "SQL_ECHO": "true"})
    assert load_config({"APP_ENV": "test", "SQL_ECHO": "true"})["SQL_ECHO"] is True


def test_an_unknown_environment_is_named() -> None:
    with pytest.raises(ConfigError, match="APP_ENV must be one of development, test, production"):
        load_config({"APP_ENV": "staging"})


def test_development_keeps_a_generated_key_under_instance(tmp_path: Path) -> None:
    first = load_config({"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    second = load_config({"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert len(str(first["SECRET_KEY"])) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "development-secret-key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_under_instance(tmp_path: Path) -> None:
    settings = load_config({"APP_ENV": "test", "INSTANCE_PATH": str(tmp_path)})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'case-audit.db'}"
    assert settings["DEBUG"] is False


def test_bad_numbers_are_named() -> None:
    with pytest.raises(ConfigError, match="SQLITE_BUSY_TIMEOUT_MS must be a whole number"):
        load_config({"APP_ENV": "test", "SQLITE_BUSY_TIMEOUT_MS": "soon"})


def test_the_wsgi_entry_point_exits_with_the_message_when_unsafe() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "APP_ENV"}}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_password_context_words_default_to_the_services_own_and_can_be_replaced() -> None:
    default = load_config({"APP_ENV": "test"})["PASSWORD_CONTEXT_WORDS"]
    assert "Case file audits" in default and "children's services" in default
    chosen = load_config({"APP_ENV": "test", "PASSWORD_CONTEXT_WORDS": " Hackney , LBH Kids ,, "})
    assert chosen["PASSWORD_CONTEXT_WORDS"] == ("Hackney", "LBH Kids")
    assert (
        load_config({"APP_ENV": "test", "PASSWORD_CONTEXT_WORDS": ""})["PASSWORD_CONTEXT_WORDS"]
        == ()
    )


def test_password_context_words_too_short_to_compare_are_refused() -> None:
    with pytest.raises(ConfigError, match="PASSWORD_CONTEXT_WORDS must list words of at least"):
        load_config({"APP_ENV": "test", "PASSWORD_CONTEXT_WORDS": "Hackney, LA, --"})


def test_password_hashing_defaults_to_owasps_minimum_for_argon2id() -> None:
    settings = load_config({"APP_ENV": "development", "SECRET_KEY": "x" * 32})
    assert (
        settings["ARGON2_MEMORY_KIB"],
        settings["ARGON2_ITERATIONS"],
        settings["ARGON2_PARALLELISM"],
    ) == (19456, 2, 1)


@pytest.mark.parametrize(
    ("memory", "iterations"), [("47104", "1"), ("19456", "2"), ("7168", "5"), ("65536", "3")]
)
def test_password_hashing_at_or_above_an_owasp_minimum_is_accepted(
    memory: str, iterations: str
) -> None:
    settings = load_config(
        {"APP_ENV": "test", "ARGON2_MEMORY_KIB": memory, "ARGON2_ITERATIONS": iterations}
    )
    assert settings["ARGON2_MEMORY_KIB"] == int(memory)


@pytest.mark.parametrize(
    ("memory", "iterations"), [("19455", "2"), ("46000", "1"), ("7168", "4"), ("1024", "10")]
)
def test_password_hashing_below_owasps_minimum_is_refused(memory: str, iterations: str) -> None:
    with pytest.raises(ConfigError, match="below OWASP's minimum for Argon2id"):
        load_config(
            {"APP_ENV": "test", "ARGON2_MEMORY_KIB": memory, "ARGON2_ITERATIONS": iterations}
        )


def test_the_calibration_threshold_is_a_percent() -> None:
    assert load_config({"APP_ENV": "test"})["CALIBRATION_FLAG_PERCENT"] == pytest.approx(70)
    found = load_config({"APP_ENV": "test", "CALIBRATION_FLAG_PERCENT": "82.5"})
    assert found["CALIBRATION_FLAG_PERCENT"] == pytest.approx(82.5)
    for wrong in ("120", "-1", "seventy", "nan"):
        with pytest.raises(ConfigError, match="CALIBRATION_FLAG_PERCENT must be"):
            load_config({"APP_ENV": "test", "CALIBRATION_FLAG_PERCENT": wrong})


def test_the_second_audit_rate_is_a_share_and_none_by_default() -> None:
    assert load_config({"APP_ENV": "test"})["SECOND_AUDIT_RATE"] == 0
    assert (
        load_config({"APP_ENV": "test", "SECOND_AUDIT_RATE": "0.05"})["SECOND_AUDIT_RATE"] == 0.05
    )
    for wrong in ("1.5", "-0.1", "five percent", "nan"):
        with pytest.raises(ConfigError, match="SECOND_AUDIT_RATE must be"):
            load_config({"APP_ENV": "test", "SECOND_AUDIT_RATE": wrong})


def test_the_agreement_floor_is_a_whole_number_of_units_from_2() -> None:
    assert load_config({"APP_ENV": "test"})["AGREEMENT_MIN_UNITS"] == 10
    for wrong in ("1", "ten"):
        with pytest.raises(ConfigError, match="AGREEMENT_MIN_UNITS must be"):
            load_config({"APP_ENV": "test", "AGREEMENT_MIN_UNITS": wrong})
