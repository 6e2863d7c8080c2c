"""The figures of a calibration exercise: how far its auditors agree with each other and with
the exemplar's agreed answers and grades.

Pure: no I/O, no framework. The units are the questions answered by choosing (answers, nominal)
and the themes and the overall judgement (grades, ordinal on the questionnaire's scale); the
raters are the auditors who submitted. docs/calibration.md explains each figure for a QA lead.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from audit_app.core.agreement import krippendorff_alpha, percent_agreement

MIN_UNITS = 5
"""Fewer units than this (questions, or graded themes, with two auditors' values) and the page
says "too few to say": one unit then moves percent agreement by 20 points or more, and alpha's
expected disagreement rests on a handful of values (docs/calibration.md)."""

OVERALL = "overall"
"""The item id of the overall judgement among the grades."""


@dataclass(frozen=True)
class Item:
    """A question or a graded theme: its id and what people call it."""

    id: str
    label: str


@dataclass(frozen=True)
class Rater:
    """One auditor's submitted answers and grades, by item id."""

    auditor_id: int
    answers: Mapping[str, str]
    grades: Mapping[str, str]


@dataclass(frozen=True)
class Spread:
    """How the auditors answered (or graded) one item, and the agreed value."""

    item: Item
    counts: tuple[tuple[str, int], ...]
    agreed: str | None
    matching: int
    given: int


@dataclass(frozen=True)
class Agreement:
    """The agreement statistics across the auditors: ``None`` for a figure there are too few
    units to say (``units`` below MIN_UNITS) or that cannot be computed (one value only)."""

    units: int
    percent: float | None
    alpha: float | None
    enough: bool


@dataclass(frozen=True)
class Distance:
    """One auditor's distance from the agreed answers and grades."""

    auditor_id: int
    answers_matching: int
    answers_compared: int
    grade_steps: tuple[tuple[str, int | None], ...]

    @property
    def percent(self) -> float | None:
        """Agreement with the agreed answers, as a percent of the questions compared."""
        if not self.answers_compared:
            return None
        return 100 * self.answers_matching / self.answers_compared


@dataclass(frozen=True)
class Figures:
    """Everything an exercise shows once revealed."""

    answers: tuple[Spread, ...]
    grades: tuple[Spread, ...]
    answer_agreement: Agreement
    grade_agreement: Agreement
    distances: tuple[Distance, ...]


def figures(
    questions: Sequence[Item],
    graded: Sequence[Item],
    scale: Sequence[str],
    raters: Sequence[Rater],
    agreed_answers: Mapping[str, str],
    agreed_grades: Mapping[str, str],
) -> Figures:
    """The exercise's figures. ``scale`` is the grades best first (the order for alpha)."""
    answer_table = [[r.answers.get(q.id) for r in raters] for q in questions]
    grade_table = [[_on_scale(r.grades.get(g.id), scale) for r in raters] for g in graded]
    return Figures(
        answers=tuple(
            _spread(q, row, agreed_answers.get(q.id))
            for q, row in zip(questions, answer_table, strict=True)
        ),
        grades=tuple(
            _spread(g, row, agreed_grades.get(g.id))
            for g, row in zip(graded, grade_table, strict=True)
        ),
        answer_agreement=agreement(answer_table, order=None),
        grade_agreement=agreement(grade_table, order=scale),
        distances=tuple(
            distance(r, questions, graded, scale, agreed_answers, agreed_grades) for r in raters
        ),
    )


def agreement(table: list[list[str | None]], *, order: Sequence[str] | None) -> Agreement:
    """Percent agreement and Krippendorff's alpha (nominal, or ordinal along ``order``)."""
    units = sum(1 for row in table if sum(v is not None for v in row) >= 2)
    if units < MIN_UNITS:
        return Agreement(units=units, percent=None, alpha=None, enough=False)
    alpha = (
        krippendorff_alpha(table, "nominal")
        if order is None
        else krippendorff_alpha(table, "ordinal", order=list(order))
    )
    return Agreement(
        units=units,
        percent=100 * percent_agreement(table),
        alpha=None if math.isnan(alpha) else alpha,
        enough=True,
    )


def distance(
    rater: Rater,
    questions: Sequence[Item],
    graded: Sequence[Item],
    scale: Sequence[str],
    agreed_answers: Mapping[str, str],
    agreed_grades: Mapping[str, str],
) -> Distance:
    """How far one auditor is from the agreed answers (questions both answered) and grades
    (steps along the scale; None where either grade is missing)."""
    compared = [
        q.id for q in questions if q.id in agreed_answers and rater.answers.get(q.id) is not None
    ]
    matching = sum(1 for q in compared if rater.answers[q] == agreed_answers[q])
    steps = tuple(
        (g.id, _steps(rater.grades.get(g.id), agreed_grades.get(g.id), scale)) for g in graded
    )
    return Distance(rater.auditor_id, matching, len(compared), steps)


def _steps(given: str | None, agreed: str | None, scale: Sequence[str]) -> int | None:
    if given not in scale or agreed not in scale:
        return None
    return abs(list(scale).index(given) - list(scale).index(agreed))  # type: ignore[arg-type]


def _on_scale(grade: str | None, scale: Sequence[str]) -> str | None:
    """A grade on the scale, or None (a grade not on the questionnaire's scale is not rated)."""
    return grade if grade in scale else None


def _spread(item: Item, row: Sequence[str | None], agreed: str | None) -> Spread:
    counts = Counter(v for v in row if v is not None)
    return Spread(
        item=item,
        counts=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        agreed=agreed,
        matching=counts.get(agreed, 0) if agreed is not None else 0,
        given=sum(counts.values()),
    )


__all__ = [
    "MIN_UNITS",
    "OVERALL",
    "Agreement",
    "Distance",
    "Figures",
    "Item",
    "Rater",
    "Spread",
    "agreement",
    "distance",
    "figures",
]
