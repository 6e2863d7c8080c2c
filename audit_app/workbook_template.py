"""Write ``questionnaires/templates/questionnaire-template.xlsx``, the workbook QA leads start
from: every sheet with its columns, a row of guidance under each heading, lists to choose from
for types and yes/no columns, and one worked example filled in.

Run ``python -m audit_app.workbook_template`` (``make template``) after changing the workbook's
columns; ``--check`` fails when the committed file is out of date. The workshop serves the same
bytes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit_app.services.questionnaire_workbooks import workbook_bytes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "questionnaires" / "templates" / "questionnaire-template.xlsx"
FILENAME = TEMPLATE_PATH.name

_YES_NO = [
    {"value": "yes", "label": "Yes, evidenced in the record", "score": 2},
    {"value": "partly", "label": "Partly", "score": 1},
    {"value": "no", "label": "No", "score": 0},
    {"value": "not-applicable", "label": "Not applicable"},
]

WORKED_EXAMPLE: dict[str, Any] = {
    "format": "case-audit/2",
    "id": "supervision-deep-dive",
    "version": 1,
    "title": "Supervision deep dive (worked example)",
    "kind": "deep_dive",
    "description": "A worked example: replace it with your own questionnaire.",
    "grading": {
        "bands": [
            {"grade": "Outstanding", "min": 85, "descriptor": "Supervision drives the plan."},
            {"grade": "Good", "min": 65, "descriptor": "Regular, reflective supervision."},
            {"grade": "Requires improvement", "min": 40, "descriptor": "Irregular or thin."},
            {"grade": "Inadequate", "min": 0, "descriptor": "Little or no oversight."},
        ],
        "overall": "mean",
    },
    "themes": [
        {
            "id": "supervision",
            "title": "Supervision and oversight",
            "description": "Whether the worker is supervised well and the manager's oversight "
            "shows on the record.",
            "items": [
                {"heading": "Frequency"},
                {
                    "id": "sessions-in-three-months",
                    "text": "How many recorded supervision sessions in the last three months?",
                    "type": "number",
                    "min": 0,
                    "integer": True,
                    "unit": "sessions",
                    "bands": [
                        {"min": 3, "score": 2},
                        {"min": 1, "score": 1},
                        {"min": 0, "score": 0},
                    ],
                },
                {
                    "id": "supervision-recorded",
                    "text": "Is each session recorded on the child's file?",
                    "help": "Look for the case note of each session, with actions and timescales.",
                    "type": "choice",
                    "compliance": "Supervision recorded",
                    "options": _YES_NO,
                },
                {
                    "section": {
                        "title": "Reflection",
                        "show_if": {"question": "supervision-recorded", "in": ["yes", "partly"]},
                        "items": [
                            {
                                "id": "reflective",
                                "text": "Does supervision reflect on the child's lived experience?",
                                "type": "choice",
                                "weight": 2,
                                "options": _YES_NO,
                            }
                        ],
                    }
                },
            ],
        },
        {
            "id": "outcomes",
            "title": "Difference made",
            "graded_by": "judgement",
            "items": [
                {"guidance": "Judge the theme against the grades' descriptors."},
                {"id": "difference", "text": "What difference has oversight made?", "type": "text"},
            ],
        },
    ],
}


def render() -> bytes:
    """The template's exact bytes."""
    return workbook_bytes(WORKED_EXAMPLE)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the template, or with ``--check`` report whether it is out of date."""
    parser = argparse.ArgumentParser(
        prog="python -m audit_app.workbook_template",
        description="Write the questionnaire template workbook to questionnaires/templates/.",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument("--path", type=Path, default=TEMPLATE_PATH, help="the file to write")
    args = parser.parse_args(argv)
    path: Path = args.path
    current = path.is_file() and path.read_bytes() == render()
    if args.check:
        if current:
            print(f"{path.name} is up to date")
            return 0
        print(f"{path.name} is out of date: run `make template`", file=sys.stderr)
        return 1
    if not current:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render())
    print(f"{path.name} {'unchanged' if current else 'written'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
