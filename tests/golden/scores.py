"""Format 1's scoring results, kept as golden files that later formats must not move.

Every shipped ``case-audit/1`` questionnaire and a hand-made one using every feature of the
format (``format1/every-feature.json``) are scored on seeded random answer sets: answered,
unanswered, not applicable and stale answers to hidden questions alike. The results, exact
fractions written as ``"numerator/denominator"``, are in
``format1/<id>-v<version>.scores.jsonl``, a line per answer set.

They were written once from the format 1 engine and are not to be rewritten: a change that
moves one of them changes the grade of an audit already done. To add a questionnaire, run
``.venv/bin/python -m tests.golden.scores --write FILE``; it refuses to replace a golden file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from audit_app.core.questionnaire import Question, Questionnaire, parse_questionnaire
from audit_app.core.scoring import AuditScore, score_audit

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "format1"
ANSWER_SETS = 60
SEED = 20261204
TEXTS = ["", "Seen alone; wishes and feelings recorded.", "Unable to tell from the record."]


def format1_files() -> list[Path]:
    """The shipped format 1 questionnaires and the hand-made one with every feature."""
    shipped = sorted(p for p in (ROOT / "questionnaires").glob("*.json") if p.name != "schema.json")
    return [p for p in shipped if _is_format1(p)] + [GOLDEN / "every-feature.json"]


def _is_format1(path: Path) -> bool:
    data = json.loads(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and data.get("format") == "case-audit/1"


def golden_path(questionnaire: Questionnaire) -> Path:
    return GOLDEN / f"{questionnaire.id}-v{questionnaire.version}.scores.jsonl"


def _answer(question: Question, rng: random.Random, care: float) -> str:
    if question.type == "choice":
        options = list(question.options or ())
        if rng.random() < care:  # a careful record: the best answer the question has
            return max(options, key=lambda o: -1 if o.score is None else o.score).value
        return rng.choice(options).value
    if question.type == "number":
        return str(rng.randint(0, 40))
    if question.type == "date":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return rng.choice(TEXTS)


def answer_sets(questionnaire: Questionnaire) -> list[dict[str, str]]:
    """Seeded answer sets from poor to careful records (so that every grade turns up): about
    one question in eight left unanswered, answers to hidden questions included."""
    rng = random.Random(f"{SEED}:{questionnaire.id}:{questionnaire.version}")
    sets = []
    for number in range(ANSWER_SETS):
        care = number / ANSWER_SETS
        sets.append(
            {
                qid: _answer(question, rng, care)
                for qid, question in questionnaire.questions.items()
                if rng.random() >= 0.125
            }
        )
    return sets


def _exact(number: Fraction | None) -> str | None:
    return None if number is None else f"{number.numerator}/{number.denominator}"


def snapshot(score: AuditScore) -> dict[str, Any]:
    """Everything a score says, in a form that JSON keeps exactly."""
    return {
        "themes": [
            {
                "theme": t.theme_id,
                "percent": _exact(t.percent),
                "grade": t.grade,
                "points": _exact(t.points),
                "possible": _exact(t.possible),
                "pulled_down": [q.question_id for q in t.pulled_down],
            }
            for t in score.themes
        ],
        "overall": {
            "percent": _exact(score.overall.percent),
            "grade": score.overall.grade,
            "band_grade": score.overall.band_grade,
            "limited_by": list(score.overall.limited_by),
        },
        "compliance": {
            m.measure: [m.compliant, m.non_compliant, _exact(m.percent)] for m in score.compliance
        },
        "questions": {
            qid: [q.reason, _exact(q.score), _exact(q.points), _exact(q.possible)]
            for qid, q in score.questions.items()
        },
    }


def results(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """The answer sets and what format 1's engine makes of each."""
    return [
        {"answers": answers, "score": snapshot(score_audit(questionnaire, answers))}
        for answers in answer_sets(questionnaire)
    ]


def read_golden(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def load(path: Path) -> Questionnaire:
    return parse_questionnaire(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", nargs="+", type=Path, metavar="FILE", required=True)
    args = parser.parse_args(argv)
    for path in args.write:
        questionnaire = load(path)
        target = golden_path(questionnaire)
        if target.exists():
            print(f"{target.name} exists: golden results are never rewritten", file=sys.stderr)
            return 1
        found = results(questionnaire)
        lines = [json.dumps(r, sort_keys=True, separators=(",", ":")) for r in found]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
