"""How long the questionnaire validator takes on a file full of unknown keys (a micro-benchmark).

A valid questionnaire is given N extra keys that the format does not know ("note-00001": 0,
...), half at the top level and half in the first question, so that each is a problem to
report. The validator must take time in proportion to the file's size, not to its square: the
median for 41,000 keys should be about 41 times the median for 1,000, not 1,681 times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script from any directory: import this checkout, whose package imports config.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_app.core.questionnaire import QuestionnaireInvalid, parse_questionnaire  # noqa: E402

COMMAND = ".venv/bin/python bench/validator.py"
SIZES = (1_000, 10_000, 41_000)


def questionnaire_text(unknown_keys: int) -> str:
    """A valid questionnaire's JSON text with ``unknown_keys`` keys the format does not know."""
    question: dict[str, Any] = {
        "id": "child-seen",
        "text": "Was the child seen?",
        "type": "choice",
        "options": [
            {"value": "yes", "label": "Yes", "score": 1},
            {"value": "no", "label": "No", "score": 0},
        ],
    }
    data: dict[str, Any] = {
        "format": "case-audit/1",
        "id": "bench",
        "version": 1,
        "title": "Bench",
        "kind": "monthly",
        "grading": {
            "bands": [{"grade": "Good", "min": 50}, {"grade": "Inadequate", "min": 0}],
            "overall": "mean",
        },
        "themes": [{"id": "visits", "title": "Visits", "questions": [question]}],
    }
    for n in range(unknown_keys):
        target = data if n % 2 == 0 else question
        target[f"note-{n:05d}"] = 0
    return json.dumps(data)


def time_once(text: str) -> tuple[float, int]:
    """Seconds to validate the text, and how many problems were reported."""
    started = time.perf_counter()
    try:
        parse_questionnaire(text)
    except QuestionnaireInvalid as invalid:
        return time.perf_counter() - started, len(invalid.problems)
    return time.perf_counter() - started, 0


def main() -> int:
    """Time each size and print its median."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="runs per size (default 5)")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(SIZES),
        help="numbers of unknown keys (default 1000 10000 41000)",
    )
    args = parser.parse_args()
    print(f"{COMMAND}: median of {args.repeats} runs per size")
    for size in args.sizes:
        text = questionnaire_text(size)
        runs = [time_once(text) for _ in range(args.repeats)]
        median = statistics.median(seconds for seconds, _ in runs)
        problems = runs[0][1]
        print(
            f"{size:>7,} unknown keys ({len(text) / 1024:,.0f} KB): {median * 1000:9.1f} ms, "
            f"{problems:,} problems listed"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
