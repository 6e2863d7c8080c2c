"""Format 1's results do not move: every shipped format 1 questionnaire and the hand-made one
with every feature give, on the same answers, the scores they gave when the golden files were
written (tests/golden/scores.py says how they were made), by the reference engine and by the
compiled engine the what-if uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.scoring import score_audit
from tests.golden.scores import format1_files, golden_path, load, read_golden, snapshot

FILES = format1_files()


def test_every_format1_file_has_golden_results() -> None:
    assert len(FILES) >= 5
    for path in FILES:
        assert golden_path(load(path)).exists(), f"no golden results for {path.name}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_reference_engine_gives_the_golden_results(path: Path) -> None:
    questionnaire = load(path)
    golden = read_golden(golden_path(questionnaire))
    for number, kept in enumerate(golden):
        now = snapshot(score_audit(questionnaire, kept["answers"]))
        assert now == kept["score"], f"{path.name}, answer set {number}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_compiled_engine_gives_the_golden_grades(path: Path) -> None:
    questionnaire = load(path)
    plan = ScoringPlan(questionnaire)
    for number, kept in enumerate(read_golden(golden_path(questionnaire))):
        quick = plan.score(kept["answers"])
        themes = {t["theme"]: t for t in kept["score"]["themes"]}
        for theme in quick.themes:
            percent = theme.percent
            exact = None if percent is None else f"{percent.numerator}/{percent.denominator}"
            assert (exact, theme.grade) == (
                themes[theme.theme_id]["percent"],
                themes[theme.theme_id]["grade"],
            ), f"{path.name}, answer set {number}, theme {theme.theme_id}"
        overall = kept["score"]["overall"]
        assert quick.overall_grade == overall["grade"], f"{path.name}, answer set {number}"
        compliance = kept["score"]["compliance"]
        assert quick.compliance == {
            measure: (counts[0], counts[1]) for measure, counts in compliance.items()
        }, f"{path.name}, answer set {number}"
