"""Write ``questionnaires/schema.json``, the JSON Schema of the questionnaire format.

Run ``python -m audit_app.schema`` (``make schema``) after changing the questionnaire models, and
``python -m audit_app.schema --check`` to fail when the shipped file is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from audit_app.core.questionnaire import json_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "questionnaires" / "schema.json"
REGENERATE = "make schema"


def render() -> str:
    """The schema file's exact text: the generated schema, indented by two, with a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def is_current(path: Path = SCHEMA_PATH) -> bool:
    """Whether the file at ``path`` holds exactly the schema the models generate."""
    try:
        return path.read_text(encoding="utf-8") == render()
    except FileNotFoundError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    """Write the schema file, or with ``--check`` report whether it is out of date."""
    parser = argparse.ArgumentParser(
        prog="python -m audit_app.schema",
        description="Write the JSON Schema of the questionnaire format to questionnaires/.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the file differs from what the models generate",
    )
    parser.add_argument("--path", type=Path, default=SCHEMA_PATH, help="the file to write or check")
    args = parser.parse_args(argv)
    path: Path = args.path
    shown = _shown(path)
    if args.check:
        if is_current(path):
            print(f"{shown} is up to date")
            return 0
        print(
            f"{shown} is out of date with the questionnaire models: run `{REGENERATE}`",
            file=sys.stderr,
        )
        return 1
    if is_current(path):
        print(f"{shown} unchanged")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8", newline="\n")
    print(f"wrote {shown}")
    return 0


def _shown(path: Path) -> str:
    """The path relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
