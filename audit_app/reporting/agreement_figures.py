"""The agreement page's figures: how far auditors agree, per theme, per question, per auditor
and by quarter, over double-blind second audits (a pair of auditors on one case) and revealed
calibration exercises (a group on one exemplar case).

Each pair or exercise is a *set*. The values of every set go into one long table (pandas); each
figure then takes the sets that rated an item as its units, one column per auditor of the set,
and calls ``core/agreement.py``. How values are compared follows the question: grades ordinal
along the questionnaire's scale; a question answered by choosing one option nominal; a number
interval; a date as the same day or not (nominal); a multi-select question one nominal item per
option (ticked or not); free text is not compared. docs/calibration.md says how to read them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit_app.core import agreement
from audit_app.core.calibration import OVERALL
from audit_app.core.questionnaire import Questionnaire
from audit_app.reporting.cells import neutralise

RESAMPLES = 1000
"""Bootstrap resamples of each interval (seeded, so the page shows the same interval each time)."""

COLUMNS = ["source", "set_id", "quarter", "kind", "item", "label", "level", "slot", "auditor_id"]


@dataclass(frozen=True)
class Rated:
    """One auditor's submitted answers (raw stored values) and grades (item id to grade)."""

    auditor_id: int
    answers: Mapping[str, str]
    grades: Mapping[str, str]


@dataclass(frozen=True)
class RatedSet:
    """A second-audit pair or a revealed exercise, with the exercise's agreed values."""

    source: str
    set_id: int
    quarter: str
    questionnaire: Questionnaire
    raters: Sequence[Rated]
    agreed_answers: Mapping[str, str] = field(default_factory=dict)
    agreed_grades: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    """One line of the page: its units, and the figures unless there are too few units."""

    label: str
    level: str
    units: int
    enough: bool
    percent: float | None = None
    alpha: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def no_alpha_reason(self) -> str:
        """Why there is no alpha although there are units enough."""
        return "Every auditor gave the same value: alpha cannot be worked out"


@dataclass(frozen=True)
class AgreementFigures:
    """Everything the page and the export show."""

    themes: list[Figure]
    questions: list[Figure]
    auditors_with_other: list[Figure]
    auditors_with_agreed: list[Figure]
    quarters: list[Figure]
    sets: dict[str, int]
    min_units: int
    external: list[ExternalFigure] = field(default_factory=list)


@dataclass(frozen=True)
class ExternalPair:
    """An external audit (made under a grant) and our latest standing audit of the same case
    and questionnaire: each one's final grade by item (each theme's id, and overall)."""

    audit_id: int
    questionnaire: Questionnaire
    external: Mapping[str, str]
    internal: Mapping[str, str]


@dataclass(frozen=True)
class ExternalFigure:
    """One theme (or overall) over the external audits paired with ours: in how many pairs
    both gave a final grade, and in how many it was the same."""

    label: str
    pairs: int
    same: int
    enough: bool

    @property
    def different(self) -> int:
        return self.pairs - self.same

    @property
    def percent(self) -> float | None:
        return 100 * self.same / self.pairs if self.pairs else None


def values_frame(sets: Sequence[RatedSet]) -> pd.DataFrame:
    """One row per value an auditor (slot 0, 1...) or the agreed answers (slot -1) gave."""
    rows: list[dict[str, Any]] = []
    for rated_set in sets:
        for slot, rater in enumerate(rated_set.raters):
            rows += _set_rows(rated_set, slot, rater.auditor_id, rater.answers, rater.grades)
        rows += _set_rows(rated_set, -1, None, rated_set.agreed_answers, rated_set.agreed_grades)
    return pd.DataFrame(rows, columns=[*COLUMNS, "value", "order"])


def _set_rows(
    rated_set: RatedSet,
    slot: int,
    auditor_id: int | None,
    answers: Mapping[str, str],
    grades: Mapping[str, str],
) -> list[dict[str, Any]]:
    q = rated_set.questionnaire
    base = {
        "source": rated_set.source,
        "set_id": rated_set.set_id,
        "quarter": rated_set.quarter,
        "slot": slot,
        "auditor_id": auditor_id,
    }
    rows = [{**base, **item} for item in _grade_items(q, grades)]
    return rows + [{**base, **item} for item in _answer_items(q, answers)]


def _grade_items(q: Questionnaire, grades: Mapping[str, str]) -> list[dict[str, Any]]:
    titles = {t.id: t.title for t in q.themes} | {OVERALL: "Overall judgement"}
    return [
        {
            "kind": "grade",
            "item": f"{q.id}/{item}",
            "label": f"{titles[item]} ({q.title})",
            "level": "ordinal",
            "value": grade,
            "order": tuple(q.grades),
        }
        for item, grade in grades.items()
        if item in titles and grade in q.grades
    ]


def _answer_items(q: Questionnaire, answers: Mapping[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for question in q.questions.values():
        raw = (answers.get(question.id) or "").strip()
        if not raw or question.type == "text":
            continue
        label = f"{question.text} ({q.title})"
        item = f"{q.id}/{question.id}"
        if question.type == "multi":
            ticked = set(raw.replace(",", " ").split())
            rows += [
                _answer(f"{item}/{o.value}", f"{label}: {o.label}", "nominal", o.value in ticked)
                for o in question.options or ()
            ]
        elif question.type == "number":
            rows.append(_answer(item, label, "interval", float(raw)))
        else:
            rows.append(_answer(item, label, "nominal", raw))
    return rows


def _answer(item: str, label: str, level: str, value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        value = "ticked" if value else "not ticked"
    return {"kind": "answer", "item": item, "label": label, "level": level, "value": value}


def figures(
    sets: Sequence[RatedSet],
    min_units: int,
    names: Mapping[int, str],
    external: Sequence[ExternalPair] = (),
) -> AgreementFigures:
    """Every figure of the page, over these sets and the external audits' pairs; ``names`` are
    the auditors' names by id."""
    frame = values_frame(sets)
    raters = frame[frame["slot"] >= 0] if len(frame) else frame
    return AgreementFigures(
        themes=_per_item(raters[raters["kind"] == "grade"], min_units) if len(raters) else [],
        questions=_per_item(raters[raters["kind"] == "answer"], min_units) if len(raters) else [],
        auditors_with_other=_per_auditor(frame, "second", min_units, names),
        auditors_with_agreed=_per_auditor(frame, "exercise", min_units, names),
        quarters=_per_quarter(raters, min_units),
        sets={
            source: sum(1 for s in sets if s.source == source) for source in ("second", "exercise")
        }
        | {"external": len(external)},
        min_units=min_units,
        external=external_figures(external, min_units),
    )


def external_figures(pairs: Sequence[ExternalPair], min_units: int) -> list[ExternalFigure]:
    """Per theme (and overall): the pairs in which both audits gave a final grade, and those in
    which it was the same; too few to say below ``min_units`` pairs."""
    counts: dict[str, list[int]] = {}
    for pair in pairs:
        titles = {t.id: t.title for t in pair.questionnaire.themes} | {OVERALL: "Overall judgement"}
        for item, title in titles.items():
            theirs, ours = pair.external.get(item), pair.internal.get(item)
            if theirs and ours:
                tally = counts.setdefault(f"{title} ({pair.questionnaire.title})", [0, 0])
                tally[0] += 1
                tally[1] += int(theirs == ours)
    return sorted(
        (
            ExternalFigure(label, total, same, enough=total >= min_units)
            for label, (total, same) in counts.items()
        ),
        key=lambda f: f.label.lower(),
    )


def _table(values: pd.DataFrame) -> list[list[Any]]:
    """Units (sets, or sets and items) by slot, None where a slot gave no value."""
    wide = values.pivot_table(
        index=["set_id", "source", "item"], columns="slot", values="value", aggfunc="first"
    )
    return [[None if _missing(v) else v for v in row] for row in wide.itertuples(index=False)]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _per_item(values: pd.DataFrame, min_units: int) -> list[Figure]:
    found = []
    for (_item, label, level), group in values.groupby(["item", "label", "level"], sort=False):
        order = group["order"].iloc[0] if level == "ordinal" else None
        found.append(_figure(label, level, _table(group), min_units, order))
    return sorted(found, key=lambda f: f.label.lower())


def _per_quarter(values: pd.DataFrame, min_units: int) -> list[Figure]:
    """Grades by quarter (of the first audit's submission, or the exercise's reveal)."""
    if not len(values):
        return []
    grades = values[values["kind"] == "grade"]
    found = []
    for quarter, group in grades.groupby("quarter"):
        order = _common_order(group)
        kept = group[group["value"].isin(order)]
        found.append(_figure(str(quarter), "ordinal", _table(kept), min_units, order))
    return found


def _common_order(group: pd.DataFrame) -> tuple[str, ...]:
    """The scale most of the grades were given on (every shipped questionnaire has one)."""
    return tuple(group["order"].value_counts().index[0])


def _per_auditor(
    frame: pd.DataFrame, source: str, min_units: int, names: Mapping[int, str]
) -> list[Figure]:
    """Each auditor's answers and grades against the other auditor's (second audits) or the
    agreed ones (exercises): one unit per item both gave, compared as the same or not."""
    if not len(frame):
        return []
    rows = frame[(frame["source"] == source) & (frame["level"] != "interval")]
    pairs: dict[int, list[list[Any]]] = {}
    for _key, group in rows.groupby(["set_id", "item"]):
        for mine, other in _against(group, source):
            pairs.setdefault(mine[0], []).append([mine[1], other])
    return sorted(
        (
            _figure(names.get(person, f"User {person}"), "nominal", table, min_units, None)
            for person, table in pairs.items()
        ),
        key=lambda f: f.label.lower(),
    )


def _against(group: pd.DataFrame, source: str) -> list[tuple[tuple[int, Any], Any]]:
    given = group[group["slot"] >= 0]
    if source == "exercise":
        agreed = group.loc[group["slot"] == -1, "value"]
        if not len(agreed):
            return []
        return [((int(r.auditor_id), r.value), agreed.iloc[0]) for r in given.itertuples()]
    if len(given) != 2:
        return []
    a, b = list(given.itertuples())
    return [((int(a.auditor_id), a.value), b.value), ((int(b.auditor_id), b.value), a.value)]


def _figure(
    label: str, level: str, table: list[list[Any]], min_units: int, order: Sequence[str] | None
) -> Figure:
    units = sum(1 for row in table if sum(v is not None for v in row) >= 2)
    if units < min_units:
        return Figure(label, level, units, enough=False)
    alpha_of = _alpha(level, order)
    interval = agreement.confidence_interval(alpha_of, table, resamples=RESAMPLES)
    return Figure(
        label,
        level,
        units,
        enough=True,
        percent=100 * agreement.percent_agreement(table),
        alpha=_or_none(interval.estimate),
        low=_or_none(interval.low),
        high=_or_none(interval.high),
    )


def _alpha(level: str, order: Sequence[str] | None) -> Callable[[agreement.Table], float]:
    chosen: agreement.Level = "interval" if level == "interval" else "nominal"
    if level == "ordinal":
        return lambda t: agreement.krippendorff_alpha(t, "ordinal", order=list(order or ()))
    return lambda t: agreement.krippendorff_alpha(t, chosen)


def _or_none(value: float) -> float | None:
    return None if math.isnan(value) else value


EXPORT_HEADER = [
    "section",
    "item",
    "level",
    "units",
    "percent_agreement",
    "alpha",
    "alpha_interval_low",
    "alpha_interval_high",
    "note",
]
SECTIONS = (
    ("themes", "Grades per theme"),
    ("questions", "Answers per question"),
    ("auditors_with_other", "Auditor against the other auditor (second audits)"),
    ("auditors_with_agreed", "Auditor against the agreed answers (exercises)"),
    ("quarters", "Grades by quarter"),
)
EXTERNAL_SECTION = "External audits against our audit of the same case (same final grade)"


def export_rows(found: AgreementFigures) -> list[list[str]]:
    """The page's figures as CSV rows, the header first; labels neutralised as in every export
    (a question's words could start with ``=``)."""
    rows = [list(EXPORT_HEADER)]
    for attribute, section in SECTIONS:
        for figure in getattr(found, attribute):
            rows.append(
                [section, neutralise(figure.label), figure.level, *_export_cells(figure, found)]
            )
    for external in found.external:
        rows.append(
            [
                EXTERNAL_SECTION,
                neutralise(external.label),
                "nominal",
                *_external_cells(external, found),
            ]
        )
    return rows


def _external_cells(figure: ExternalFigure, found: AgreementFigures) -> list[str]:
    if not figure.enough:
        note = f"Too few to say: fewer than {found.min_units} units"
        return [str(figure.pairs), "", "", "", "", note]
    note = f"Same final grade in {figure.same}, different in {figure.different}"
    return [str(figure.pairs), _number(figure.percent, 1), "", "", "", note]


def _export_cells(figure: Figure, found: AgreementFigures) -> list[str]:
    if not figure.enough:
        note = f"Too few to say: fewer than {found.min_units} units"
        return [str(figure.units), "", "", "", "", note]
    note = "" if figure.alpha is not None else figure.no_alpha_reason
    return [
        str(figure.units),
        _number(figure.percent, 1),
        _number(figure.alpha, 3),
        _number(figure.low, 3),
        _number(figure.high, 3),
        note,
    ]


def _number(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


__all__ = [
    "AgreementFigures",
    "ExternalFigure",
    "ExternalPair",
    "Figure",
    "Rated",
    "RatedSet",
    "export_rows",
    "external_figures",
    "figures",
    "values_frame",
]
