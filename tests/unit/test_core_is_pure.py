"""``audit_app.core`` stays pure: no web framework, no database, no file or network I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import audit_app.core

CORE = Path(audit_app.core.__file__).resolve().parent

FORBIDDEN_MODULES = frozenset(
    {
        "flask",
        "flask_wtf",
        "sqlmodel",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "sqlite3",
        "werkzeug",
        "os",
        "pathlib",
        "io",
        "shutil",
        "tempfile",
        "socket",
        "subprocess",
        "urllib",
        "http",
        "requests",
    }
)
FORBIDDEN_CALLS = frozenset({"open", "__import__"})


def core_modules() -> list[Path]:
    """Every Python module in the core package."""
    return sorted(CORE.rglob("*.py"))


def violations(path: Path) -> list[str]:
    """Forbidden imports and calls in one module, each with its line number."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found.extend(
            f"{path.name}:{node.lineno}: imports {name}"
            for name in names
            if name.split(".")[0] in FORBIDDEN_MODULES
        )
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            found.append(f"{path.name}:{node.lineno}: calls {node.func.id}()")
    return found


def test_core_has_modules() -> None:
    assert CORE / "questionnaire.py" in core_modules()


def test_core_imports_no_framework_database_or_io() -> None:
    found = [v for path in core_modules() for v in violations(path)]
    assert not found, "audit_app.core must stay pure:\n" + "\n".join(found)


def test_the_check_catches_what_it_should(tmp_path: Path) -> None:
    module = tmp_path / "impure.py"
    module.write_text(
        "import os.path\nfrom flask import Flask\nfrom sqlalchemy.orm import Session\n"
        "with open('x') as f:\n    pass\n",
        encoding="utf-8",
    )
    assert violations(module) == [
        "impure.py:1: imports os.path",
        "impure.py:2: imports flask",
        "impure.py:3: imports sqlalchemy.orm",
        "impure.py:4: calls open()",
    ]
