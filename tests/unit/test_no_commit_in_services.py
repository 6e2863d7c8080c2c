"""Only the edge commits: services and reporting flush, views use ``changes()`` (``db.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import audit_app.reporting
import audit_app.services
import audit_app.views

SERVICES = Path(audit_app.services.__file__).resolve().parent
REPORTING = Path(audit_app.reporting.__file__).resolve().parent
VIEWS = Path(audit_app.views.__file__).resolve().parent

FORBIDDEN_METHODS = frozenset({"commit", "rollback"})

# (module, line's method) that must commit or roll back themselves, each with the reason.
ALLOWED: dict[str, str] = {
    # Not the request's session: the report reader's own raw DB-API connection, which reads
    # one read-only snapshot for a report and ends it (rolls back, nothing written) on leaving.
    "reporting/database.py": "rollback",
}


def modules(*packages: Path) -> list[Path]:
    return sorted(path for package in packages for path in package.rglob("*.py"))


def calls(path: Path) -> list[tuple[int, str]]:
    """Every ``<anything>.commit(...)`` and ``<anything>.rollback(...)`` in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        (node.lineno, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in FORBIDDEN_METHODS
    )


def violations(path: Path, root: Path, allowed: dict[str, str]) -> list[str]:
    name = path.relative_to(root).as_posix()
    return [
        f"{name}:{line}: calls .{method}()"
        for line, method in calls(path)
        if allowed.get(name) != method
    ]


def test_the_packages_have_modules() -> None:
    assert SERVICES / "audits.py" in modules(SERVICES)
    assert REPORTING / "dashboard.py" in modules(REPORTING)
    assert VIEWS / "audits.py" in modules(VIEWS)


def test_services_and_reporting_never_commit_or_roll_back() -> None:
    root = SERVICES.parent
    found = [v for path in modules(SERVICES, REPORTING) for v in violations(path, root, ALLOWED)]
    assert not found, "services flush; the view or the command commits:\n" + "\n".join(found)


def test_the_allowed_calls_are_still_there() -> None:
    """An entry on the allow-list that is no longer needed comes off it."""
    root = SERVICES.parent
    for name, method in ALLOWED.items():
        assert method in {m for _, m in calls(root / name)}, name


def test_views_leave_commits_to_changes() -> None:
    found = [v for path in modules(VIEWS) for v in violations(path, VIEWS.parent, {})]
    assert not found, "views change the database in `with changes() as db:`:\n" + "\n".join(found)


def test_the_check_catches_what_it_should(tmp_path: Path) -> None:
    module = tmp_path / "commits.py"
    module.write_text(
        "def save(db):\n    db.add(1)\n    db.commit()\n    get_session().rollback()\n"
        "    commit()\n",
        encoding="utf-8",
    )
    assert violations(module, tmp_path, {}) == [
        "commits.py:3: calls .commit()",
        "commits.py:4: calls .rollback()",
    ]
    assert violations(module, tmp_path, {"commits.py": "rollback"}) == [
        "commits.py:3: calls .commit()"
    ]
