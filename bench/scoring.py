"""How many 60-question audits per second the scoring engines score (a micro-benchmark).

Both engines run in one process, interleaved repeat by repeat, so that a noisy machine slows
them alike: the reference (``scoring.score_audit``, with every question's explanation) and the
compiled plan (``fast_scoring.ScoringPlan``, grades, percents and compliance only).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script from any directory: import this checkout, whose package imports config.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_app.core.fast_scoring import ScoringPlan  # noqa: E402
from audit_app.core.questionnaire import Questionnaire, validate_questionnaire  # noqa: E402
from audit_app.core.scoring import score_audit  # noqa: E402

COMMAND = ".venv/bin/python bench/scoring.py"
THEMES: list[tuple[str, str, float, bool]] = [
    ("child-voice", "The child's lived experience and voice", 2, False),
    ("assessment-planning", "Assessment and planning", 1.5, False),
    ("strategy", "Strategy discussions and meetings", 1, True),
    ("oversight", "Management oversight and supervision", 1, False),
    ("recording", "Case recording and data quality", 0.5, False),
]
QUESTIONS_PER_THEME = 12
MEASURES = ["Visits within timescale", "Chronology up to date", "Plan reviewed in timescale"]
# Answer options as the shipped questionnaires use them: graded, yes/no, and N/A variants.
Options = list[tuple[str, float | None]]
GRADED: Options = [
    ("good", 3),
    ("adequate", 2),
    ("partly", 1),
    ("not-met", 0),
    ("not-applicable", None),
]
YES_NO: Options = [("yes", 1), ("no", 0)]
YES_NO_NA: Options = [("yes", 1), ("no", 0), ("unable-to-tell", None)]
OPTION_SETS: list[Options] = [GRADED, GRADED, YES_NO_NA, YES_NO]


def build_questionnaire(rng: random.Random) -> Questionnaire:
    """A 5-theme, 60-question questionnaire like the monthly case-file audit."""
    themes: list[dict[str, Any]] = []
    for t, (tid, title, weight, limiting) in enumerate(THEMES):
        questions: list[dict[str, Any]] = []
        for n in range(QUESTIONS_PER_THEME):
            qid = f"{tid}-{n + 1}"
            question: dict[str, Any] = {"id": qid, "text": f"{title}: question {n + 1}?"}
            if n == QUESTIONS_PER_THEME - 1:
                # The last question of each theme is free-text commentary, as in real audits.
                questions.append({**question, "type": "text"})
                continue
            options = OPTION_SETS[(t + n) % len(OPTION_SETS)]
            question["type"] = "choice"
            question["options"] = [
                {"value": value, "label": value.replace("-", " ").capitalize(), "score": score}
                for value, score in options
            ]
            question["weight"] = rng.choice([0.5, 1, 1, 1, 1.5, 2])
            if n % 4 == 1:
                question["compliance"] = MEASURES[(t + n) % len(MEASURES)]
            if n % 5 == 3:
                # Only relevant after some answers to the question before it (e.g. children
                # in care): a sample of show_if rules for the engine to resolve.
                previous = questions[-1]
                values = [o["value"] for o in previous["options"]]
                question["show_if"] = {"question": previous["id"], "in": values[:2]}
            questions.append(question)
        themes.append(
            {
                "id": tid,
                "title": title,
                "weight": weight,
                "limiting": limiting,
                "questions": questions,
            }
        )
    questionnaire = validate_questionnaire(
        {
            "format": "case-audit/1",
            "id": "bench-monthly-audit",
            "version": 1,
            "title": "Benchmark monthly case-file audit",
            "kind": "monthly",
            "grading": {
                "bands": [
                    {"grade": "Outstanding", "min": 85},
                    {"grade": "Good", "min": 65},
                    {"grade": "Requires improvement", "min": 40},
                    {"grade": "Inadequate", "min": 0},
                ],
                "overall": "mean",
            },
            "themes": themes,
        }
    )
    assert len(questionnaire.questions) == len(THEMES) * QUESTIONS_PER_THEME
    return questionnaire


def random_answers(questionnaire: Questionnaire, rng: random.Random) -> dict[str, str]:
    """A complete answer set: every question answered, including some stale hidden answers."""
    answers: dict[str, str] = {}
    for qid, question in questionnaire.questions.items():
        if question.type == "choice":
            answers[qid] = rng.choice([o.value for o in question.options or ()])
        else:
            answers[qid] = "Seen alone; wishes and feelings recorded and acted on."
    return answers


def measure(audits: int, repeats: int, seed: int) -> dict[str, list[float]]:
    """Audits per second, per engine, for each repeat of scoring ``audits`` answer sets."""
    rng = random.Random(seed)
    questionnaire = build_questionnaire(rng)
    answer_sets = [random_answers(questionnaire, rng) for _ in range(audits)]
    plan = ScoringPlan(questionnaire)
    engines: dict[str, Callable[[dict[str, str]], object]] = {
        "reference": lambda answers: score_audit(questionnaire, answers),
        "compiled": plan.score,
    }
    for score in engines.values():
        score(answer_sets[0])  # warm up caches before timing
    rates: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(repeats):
        for name, score in engines.items():
            start = time.perf_counter()
            for answers in answer_sets:
                score(answers)
            rates[name].append(audits / (time.perf_counter() - start))
    return rates


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the median rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=1000, help="audits per repeat")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats")
    parser.add_argument("--seed", type=int, default=20260327, help="random seed")
    args = parser.parse_args(argv)

    rates = measure(args.audits, args.repeats, args.seed)
    print(f"command: {COMMAND}")
    print(
        f"scored {args.repeats} x {args.audits} audits of "
        f"{len(THEMES) * QUESTIONS_PER_THEME} questions by each engine, interleaved"
    )
    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        print(f"{name} per repeat (audits/s): {', '.join(f'{r:,.0f}' for r in values)}")
        print(f"{name} median: {medians[name]:,.0f} audits per second")
    print(f"compiled / reference: {medians['compiled'] / medians['reference']:.1f}x")


if __name__ == "__main__":
    main()
