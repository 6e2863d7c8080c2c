"""Short functions and thin views: no view over 30 lines, no function over 50.

A view reads the form, calls a service and redirects or renders; anything longer is a decision
that belongs in a service, or page-building that belongs in a helper. Lines are counted from
``def`` to the function's last line, its docstring included, decorators not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "audit_app"
VIEW_LIMIT = 30
FUNCTION_LIMIT = 50


def functions(root: Path) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{path.relative_to(APP.parent)}:{node.name}", node


def length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def is_view(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function a URL reaches: decorated with a blueprint's route, get or post."""
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ("route", "get", "post"):
            return True
    return False


def test_no_view_is_over_30_lines() -> None:
    views = [(name, node) for name, node in functions(APP) if is_view(node)]
    assert len(views) > 60  # the check sees the real routes
    long = sorted(f"{name} ({length(node)})" for name, node in views if length(node) > VIEW_LIMIT)
    assert not long, f"views over {VIEW_LIMIT} lines: {long}"


def test_no_function_is_over_50_lines() -> None:
    found = [(name, length(node)) for name, node in functions(APP)]
    assert len(found) > 500  # the check sees the real code
    long = sorted(f"{name} ({n})" for name, n in found if n > FUNCTION_LIMIT)
    assert not long, f"functions over {FUNCTION_LIMIT} lines: {long}"


def test_the_count_catches_a_long_view(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(VIEW_LIMIT))
    tree = ast.parse(f'@bp.get("/x")\ndef view():\n{body}\n')
    [node] = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert is_view(node) and length(node) == VIEW_LIMIT + 1
