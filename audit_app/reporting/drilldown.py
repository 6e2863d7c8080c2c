"""The list of audits behind a figure: the report's filters plus what the figure counted.

A figure's link carries its "focus" in the query string (a month, a grade band, a theme, a
measure...). The conditions here are the same ones the dashboard's GROUP BY queries count, so
a figure of 45 lists 45 audits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, select, tuple_
from sqlalchemy.sql import ColumnElement

from audit_app.models import Allocation, Case, ThemeResult, table_of
from audit_app.reporting.agreement import drift_label
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import month_label
from audit_app.reporting.final_grade import final_grade_column
from audit_app.reporting.queries import AC, AL, CR, M, T, allocation_conditions, latest_moderation
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import (
    CASE,
    FINAL_GRADE,
    A,
    C,
    Places,
    R,
    Selection,
    grade_in,
    month_range,
)
from audit_app.reporting.withheld import hidden_flag, not_hidden

PER_PAGE = 50
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
COMPARISONS = ("compared", "same", "higher", "lower")


@dataclass(frozen=True)
class Focus:
    """What a figure counted, on top of the report's filters."""

    month: str | None = None
    grade: str | None = None
    band: str | None = None  # good | worst
    theme: str | None = None  # questionnaire id / theme id
    theme_band: str | None = None  # good | final | graded
    theme_judged: str | None = None  # compared | same | higher | lower
    measure: str | None = None
    compliant: str | None = None  # yes | no
    moderation: str | None = None  # all | agreed | differs
    drift: int | None = None
    judged: str | None = None  # compared | same | higher | lower
    allocation: str | None = None  # completed
    actions: str | None = None  # open | overdue

    def query_args(self) -> dict[str, str]:
        return {
            f.name: str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) is not None
        }

    @property
    def empty(self) -> bool:
        return not self.query_args()


FOCUS_KEYS = tuple(f.name for f in fields(Focus))
_CHOICES = {
    "band": ("good", "worst"),
    "theme_band": ("good", "final", "graded"),
    "theme_judged": COMPARISONS,
    "compliant": ("yes", "no"),
    "moderation": ("all", "agreed", "differs"),
    "judged": COMPARISONS,
    "allocation": ("completed",),
    "actions": ("open", "overdue"),
}


def parse_focus(args: Mapping[str, str]) -> tuple[Focus, list[str]]:
    """The focus from query-string arguments, and what was wrong with it."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key in FOCUS_KEYS:
        raw = (args.get(key) or "").strip()
        if not raw:
            continue
        if key in _CHOICES and raw not in _CHOICES[key]:
            problems.append(f"“{raw}” is not a known value for {key}")
        elif key == "month" and not _MONTH.fullmatch(raw):
            problems.append(f"“{raw}” is not a month (YYYY-MM)")
        elif key == "drift":
            try:
                values[key] = int(raw)
            except ValueError:
                problems.append(f"“{raw}” is not a number of bands")
        elif key == "theme" and "/" not in raw:
            problems.append(f"“{raw}” is not a theme (questionnaire/theme)")
        else:
            values[key] = raw
    return Focus(**values), problems


def describe(focus: Focus, catalogue: Catalogue) -> list[str]:
    """The focus in words, for the page's heading."""
    return [
        *_grade_words(focus),
        *_theme_words(focus, catalogue),
        *_judgement_words(focus),
        *_compliance_words(focus),
        *_moderation_words(focus),
        *_allocation_and_action_words(focus),
    ]


_THEME_BANDS = {
    "good": "graded Good or better",
    "final": "with a final grade",
    "graded": "graded from the answers",
}
_COMPARED = {
    "compared": "with both a computed and a judged grade",
    "same": "where the auditor's judgement matched the computed grade",
    "higher": "where the auditor judged higher than the computed grade",
    "lower": "where the auditor judged lower than the computed grade",
}
_ANSWERS = {"yes": "a compliant answer", "no": "an answer that was not compliant"}
_MODERATIONS = {
    "all": "Moderated",
    "agreed": "Moderated: the moderator agreed with the auditor's grade",
    "differs": "Moderated: the moderator's grade differed from the auditor's",
}


def _grade_words(focus: Focus) -> list[str]:
    words = []
    if focus.month:
        words.append(f"Submitted in {month_label(focus.month)}")
    if focus.grade:
        words.append(f"Final overall grade {focus.grade}")
    if focus.band == "good":
        words.append("Final overall grade Good or better (the two best bands)")
    if focus.band == "worst":
        words.append("Final overall grade in the worst band (Inadequate)")
    return words


def _theme_words(focus: Focus, catalogue: Catalogue) -> list[str]:
    if not focus.theme:
        return []
    questionnaire_id, _, theme_id = focus.theme.partition("/")
    title = catalogue.themes.get((questionnaire_id, theme_id), theme_id)
    what = _THEME_BANDS.get(focus.theme_band or "", "")
    return [f"Theme “{title}” {what}".strip()]


def _judgement_words(focus: Focus) -> list[str]:
    words = []
    if focus.theme_judged:
        words.append(f"Theme {_COMPARED[focus.theme_judged]}")
    if focus.judged:
        words.append(f"Overall {_COMPARED[focus.judged]}")
    return words


def _compliance_words(focus: Focus) -> list[str]:
    if focus.measure:
        what = _ANSWERS.get(focus.compliant or "", "an answer")
        return [f"With {what} on recording measure “{focus.measure}”"]
    if focus.compliant:
        return [f"With {_ANSWERS[focus.compliant]} on any recording measure"]
    return []


def _moderation_words(focus: Focus) -> list[str]:
    words = []
    if focus.moderation:
        words.append(_MODERATIONS[focus.moderation])
    if focus.drift is not None:
        words.append(f"Moderated grade {drift_label(focus.drift).lower()} than the auditor's")
    return words


def _allocation_and_action_words(focus: Focus) -> list[str]:
    words = []
    if focus.allocation:
        words.append("Completed allocations due in the period (whenever submitted)")
    if focus.actions == "open":
        words.append("With open actions (audits of any date)")
    if focus.actions == "overdue":
        words.append("With overdue actions (audits of any date)")
    return words


def _comparison(catalogue: Catalogue, first: Any, second: Any, which: str) -> ColumnElement[bool]:
    """(version, first grade, second grade) where second is same/higher/lower than first."""
    if which == "compared":
        return and_(first.is_not(None), second.is_not(None))
    triples = []
    for info in catalogue.versions.values():
        last = len(info.grades) - 1
        for i, a in enumerate(info.grades):
            for j, b in enumerate(info.grades):
                # Ranks: higher is better, so "higher" means a better grade (smaller index).
                rank_a, rank_b = last - i, last - j
                if (
                    (which == "same" and rank_b == rank_a)
                    or (which == "higher" and rank_b > rank_a)
                    or (which == "lower" and rank_b < rank_a)
                ):
                    triples.append((info.version_id, a, b))
    if not triples:
        return false()
    return tuple_(A.questionnaire_version_id, first, second).in_(triples)


def _drift_pairs(catalogue: Catalogue, drift: int) -> list[tuple[int, str, str]]:
    triples = []
    for info in catalogue.versions.values():
        last = len(info.grades) - 1
        for i, judged in enumerate(info.grades):
            for j, moderated in enumerate(info.grades):
                if (last - j) - (last - i) == drift:
                    triples.append((info.version_id, judged, moderated))
    return triples


def conditions(
    selection: Selection, focus: Focus, catalogue: Catalogue, today: date
) -> list[ColumnElement[Any]]:
    """Every condition on ``audit``, ``case_file`` and ``audit_result`` for the list."""
    if focus.actions:
        found = selection.conditions(period=False, status=False)
    elif focus.allocation:
        found = selection.conditions(period=False)
    else:
        found = selection.conditions()
    if focus.month:
        start, end = month_range(focus.month)
        found += [A.submitted_at >= start, A.submitted_at < end]
    if _on_grades(focus):
        found += not_hidden(selection.scope)  # as the figure: see reporting/withheld.py
    if focus.grade:
        found.append(FINAL_GRADE == focus.grade)
    if focus.band:
        found.append(grade_in(catalogue.grades_where(focus.band), FINAL_GRADE))
    if focus.judged:
        found.append(_comparison(catalogue, R.grade_computed, R.grade_judged, focus.judged))
    if focus.theme:
        found.append(_theme_condition(focus, catalogue))
    if focus.measure or focus.compliant:
        measure = select(CR.audit_id).where(CR.audit_id == A.id)
        if focus.measure:
            measure = measure.where(CR.measure == focus.measure)
        if focus.compliant:
            measure = measure.where(CR.compliant == (focus.compliant == "yes"))
        found.append(exists(measure))
    if focus.moderation or focus.drift is not None:
        found.append(_moderation_condition(focus, catalogue))
    if focus.allocation:
        completed = (
            select(AL.audit_id)
            .select_from(table_of(Allocation).join(CASE, C.id == AL.case_id))
            .where(AL.audit_id.is_not(None), *allocation_conditions(selection, catalogue))
        )
        found.append(A.id.in_(completed))
    if focus.actions:
        action = select(AC.id).where(AC.audit_id == A.id, AC.status == "open")
        if focus.actions == "overdue":
            action = action.where(AC.due < today)
        found.append(exists(action))
    return found


def _on_grades(focus: Focus) -> bool:
    """Whether the figure counts grades, of which a blind moderator's figures leave out the
    audits awaiting their moderation (``reporting/queries.py``)."""
    return bool(
        focus.grade
        or focus.band
        or focus.judged
        or focus.theme_band in ("good", "final")
        or focus.theme_judged
        or focus.moderation
        or focus.drift is not None
    )


def _theme_condition(focus: Focus, catalogue: Catalogue) -> ColumnElement[bool]:
    questionnaire_id, _, theme_id = (focus.theme or "").partition("/")
    versions = catalogue.version_ids(questionnaire_id, None) or []
    # An alias: the list itself joins theme_result to show the theme's grade.
    t = table_of(ThemeResult).alias("focus_theme").c
    theme = select(t.audit_id).where(t.audit_id == A.id, t.theme_id == theme_id)
    final = final_grade_column(
        computed=t.grade_computed, judged=t.grade_judged, moderated=t.grade_moderated
    )
    if focus.theme_band == "graded":
        theme = theme.where(t.percent.is_not(None))
    elif focus.theme_band == "final":
        theme = theme.where(final.is_not(None))
    elif focus.theme_band == "good":
        theme = theme.where(grade_in(catalogue.grades_where("good"), final))
    if focus.theme_judged:
        theme = theme.where(
            _comparison(catalogue, t.grade_computed, t.grade_judged, focus.theme_judged)
        )
    in_versions = A.questionnaire_version_id.in_(versions) if versions else false()
    return and_(in_versions, exists(theme))


def _moderation_condition(focus: Focus, catalogue: Catalogue) -> ColumnElement[bool]:
    moderation = select(M.id).where(
        M.audit_id == A.id, latest_moderation(), M.overall_grade.is_not(None)
    )
    if focus.moderation == "agreed":
        moderation = moderation.where(M.overall_grade == R.grade_judged)
    elif focus.moderation == "differs":
        moderation = moderation.where(
            (R.grade_judged.is_(None)) | (M.overall_grade != R.grade_judged)
        )
    if focus.drift is not None:
        triples = _drift_pairs(catalogue, focus.drift)
        moderation = moderation.where(
            tuple_(A.questionnaire_version_id, R.grade_judged, M.overall_grade).in_(triples)
            if triples
            else false()
        )
    return exists(moderation)


def page_number(raw: str) -> int:
    """The page of the list asked for: the first when the number is missing or not one."""
    try:
        return max(int(raw), 1)
    except ValueError:
        return 1


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many pages a list of ``total`` audits takes (one, even when empty)."""
    return max((total + per_page - 1) // per_page, 1)


@dataclass(frozen=True)
class ListedAudit:
    audit_id: int
    case_ref: str
    questionnaire: str
    version: int
    service: str
    service_id: int | None
    team: str
    auditor: str
    auditor_id: int
    status: str
    submitted_at: datetime | None
    final_grade: str | None
    theme_grade: str | None = None
    theme_percent: Any = None
    # Blind moderation: the grades are the auditor's judgements, kept from this person.
    judgements_hidden: bool = False
    # What the audit is of (its version's subject): the reference is labelled by it.
    subject: str = "case"


def list_audits(
    reader: ReportReader,
    selection: Selection,
    focus: Focus,
    catalogue: Catalogue,
    places: Places,
    *,
    today: date,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[ListedAudit], int]:
    """One page of the audits behind a figure, newest first, and how many there are."""
    where = conditions(selection, focus, catalogue, today)
    joined = selection.audits_with_result()
    total = reader.scalar(select(func.count()).select_from(joined).where(*where)) or 0
    columns = [*_listed_columns(), hidden_flag(selection.scope)]
    theme_id = focus.theme.partition("/")[2] if focus.theme else None
    if theme_id is not None:
        # The grade and percent of the theme in focus, beside each audit.
        joined = joined.outerjoin(
            table_of(ThemeResult), and_(T.audit_id == A.id, T.theme_id == theme_id)
        )
        columns += [
            final_grade_column(
                computed=T.grade_computed, judged=T.grade_judged, moderated=T.grade_moderated
            ),
            T.percent_rounded,
        ]
    statement = (
        select(*columns)
        .select_from(joined)
        .where(*where)
        .order_by(A.submitted_at.desc(), A.id.desc())
        .limit(per_page)
        .offset(max(page - 1, 0) * per_page)
    )
    listed = [_listed(row, catalogue, places, bool(theme_id)) for row in reader.rows(statement)]
    return listed, int(total)


def _listed_columns() -> list[Any]:
    """What the list shows of each audit, in the order ``_listed`` reads them."""
    return [
        A.id,
        table_of(Case).c.case_ref,
        A.questionnaire_version_id,
        C.team_id,
        A.auditor_id,
        A.status,
        A.submitted_at,
        FINAL_GRADE,
    ]


def _listed(row: Any, catalogue: Catalogue, places: Places, with_theme: bool) -> ListedAudit:
    info = catalogue.versions.get(row[2])
    service_id = places.team_service.get(row[3])
    hidden = bool(row[8])
    return ListedAudit(
        audit_id=row[0],
        case_ref=row[1],
        subject=info.subject if info else "case",
        questionnaire=info.title if info else "",
        version=info.version if info else 0,
        service=places.services.get(service_id, "") if service_id else "",
        service_id=service_id,
        team=places.teams.get(row[3], ""),
        auditor=places.users.get(row[4], ""),
        auditor_id=row[4],
        status=row[5],
        submitted_at=_timestamp(row[6]),
        final_grade=None if hidden else row[7],
        theme_grade=row[9] if with_theme and not hidden else None,
        theme_percent=row[10] if with_theme else None,
        judgements_hidden=hidden,
    )


def _timestamp(value: Any) -> datetime | None:
    """A timestamp from the driver: text on SQLite, a datetime on PostgreSQL."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


__all__ = [
    "FOCUS_KEYS",
    "Focus",
    "ListedAudit",
    "conditions",
    "describe",
    "list_audits",
    "page_count",
    "page_number",
    "parse_focus",
]
