"""`flask demo seed` is for development: production refuses it and writes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import func, select

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.models import Case, User


def test_demo_seed_refuses_production(database_url: str, tmp_path: Path) -> None:
    production = create_app(
        environ={
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
        },
    )
    try:
        result = production.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code != 0
        assert "Demo data is for development only (APP_ENV=production)" in result.output
        with session_scope(production) as session:
            for model in (User, Case):
                assert session.exec(select(func.count()).select_from(model)).one() == 0
        assert not (tmp_path / "demo-accounts.txt").exists()
    finally:
        get_engine(production).dispose()
