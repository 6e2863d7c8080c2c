"""What-if rescoring: submitted audits of one version scored again with another version's rules.

Answers are matched to the other version's questions by question id; a question that only the
other version has counts as unanswered, and an answer that is not one of its options counts as
unanswered too (as the scoring engine always treats it). Both scores come from the engine, so
the difference is the questionnaire's alone. Nothing here performs I/O or changes stored results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Literal

from audit_app.core.fast_scoring import QuickScore, ScoringPlan
from audit_app.core.questionnaire import Questionnaire

__all__ = [
    "CHANGES",
    "DIRECTIONS",
    "Direction",
    "Figures",
    "GradeShift",
    "Impact",
    "RescoredAudit",
    "ServiceFigures",
    "SubmittedAudit",
    "ThemeFigures",
    "ThemeShift",
    "direction",
    "rescore",
    "rescore_each",
    "theme_order",
]

Direction = Literal["better", "worse", "now graded", "no longer graded", "renamed", "unchanged"]
DIRECTIONS: tuple[Direction, ...] = (
    "better",
    "worse",
    "now graded",
    "no longer graded",
    "renamed",
    "unchanged",
)
CHANGES: tuple[Direction, ...] = DIRECTIONS[:-1]
"""The directions that are a change of grade."""


@dataclass(frozen=True)
class SubmittedAudit:
    """A submitted audit as the rescoring needs it: where it sits and what was answered."""

    audit_id: int
    case_ref: str
    team: str
    service: str
    submitted_at: datetime | None
    # A dict cannot be hashed; audits are still compared field by field.
    answers: Mapping[str, str] = field(hash=False)
    # The auditor's grades by theme id, read only for themes graded by judgement.
    judged: Mapping[str, str] = field(default_factory=dict, hash=False)
    # The auditor's overall grade, read only when the overall grade is graded by judgement.
    overall_judged: str | None = None


@dataclass(frozen=True)
class GradeShift:
    """One grade under the old rules and under the new ones (None when not graded)."""

    before: str | None
    after: str | None
    percent_before: Fraction | None
    percent_after: Fraction | None
    direction: Direction

    @property
    def changed(self) -> bool:
        """Whether the grade would be different."""
        return self.direction != "unchanged"


@dataclass(frozen=True)
class ThemeShift:
    """One theme's grade before and after."""

    theme_id: str
    title: str
    shift: GradeShift


@dataclass(frozen=True)
class RescoredAudit:
    """One audit, scored with both versions' rules."""

    audit: SubmittedAudit
    overall: GradeShift
    themes: tuple[ThemeShift, ...]

    @property
    def changed_themes(self) -> tuple[ThemeShift, ...]:
        """The themes whose grade would change."""
        return tuple(t for t in self.themes if t.shift.changed)

    @property
    def changed(self) -> bool:
        """Whether any grade of the audit would change."""
        return self.overall.changed or bool(self.changed_themes)


@dataclass(frozen=True)
class Figures:
    """How many grades would move each way, and the audits behind each figure."""

    total: int
    counts: Mapping[Direction, int] = field(hash=False)
    audit_ids: Mapping[Direction, tuple[int, ...]] = field(hash=False)

    @property
    def changed(self) -> int:
        """How many grades would change, whichever way."""
        return sum(self.counts.get(d, 0) for d in CHANGES)

    @property
    def changed_audit_ids(self) -> tuple[int, ...]:
        """The audits behind :attr:`changed`, in order, each once."""
        ids = {i for d in CHANGES for i in self.audit_ids.get(d, ())}
        return tuple(sorted(ids))

    def count(self, direction: Direction) -> int:
        """How many grades move this way."""
        return self.counts.get(direction, 0)


@dataclass(frozen=True)
class ThemeFigures:
    """The figures for one theme."""

    theme_id: str
    title: str
    figures: Figures


@dataclass(frozen=True)
class ServiceFigures:
    """The figures for one service: its audits' overall grades and theme grades."""

    service: str
    audits: int
    overall: Figures
    themes: Figures


@dataclass(frozen=True)
class Impact:
    """The whole what-if: every audit rescored, and the figures by theme and by service."""

    before_version: int
    after_version: int
    audits: tuple[RescoredAudit, ...]
    overall: Figures
    themes: Figures
    by_theme: tuple[ThemeFigures, ...]
    by_service: tuple[ServiceFigures, ...]

    @property
    def audit_count(self) -> int:
        """How many audits were rescored."""
        return len(self.audits)

    @property
    def scopes(self) -> dict[str, Figures]:
        """Every figure set by a key that names it, for listing the audits behind a figure."""
        found = {"overall": self.overall, "themes": self.themes}
        for theme in self.by_theme:
            found[f"theme:{theme.theme_id}"] = theme.figures
        for service in self.by_service:
            found[f"service:{service.service}:overall"] = service.overall
            found[f"service:{service.service}:themes"] = service.themes
        return found

    def audits_behind(self, scope: str, which: str) -> tuple[RescoredAudit, ...] | None:
        """The audits behind one figure (``which``: a direction or "changed"); None if unknown."""
        figures = self.scopes.get(scope)
        if figures is None:
            return None
        if which == "changed":
            ids: Iterable[int] = figures.changed_audit_ids
        elif which in DIRECTIONS:
            ids = figures.audit_ids.get(which, ())
        else:
            return None
        wanted = set(ids)
        return tuple(a for a in self.audits if a.audit.audit_id in wanted)


def direction(
    before: str | None, after: str | None, before_grades: Sequence[str], after_grades: Sequence[str]
) -> Direction:
    """Which way a grade moves, judged by band order (best first) of the versions' grades."""
    if before == after:
        return "unchanged"
    if before is None:
        return "now graded"
    if after is None:
        return "no longer graded"
    # The newer version's band order decides when it has both grades, else the older one's.
    for grades in (after_grades, before_grades):
        if before in grades and after in grades:
            return "better" if grades.index(after) < grades.index(before) else "worse"
    return "renamed"


def rescore(
    before: Questionnaire, after: Questionnaire, audits: Iterable[SubmittedAudit]
) -> Impact:
    """Score each audit with both versions and count the grades that would change."""
    rescored = rescore_each(before, after, audits)
    theme_titles = {t.id: t.title for t in before.themes}
    theme_titles.update({t.id: t.title for t in after.themes})
    theme_ids = theme_order(before, after)
    services = sorted({r.audit.service for r in rescored}, key=str.lower)
    return Impact(
        before_version=before.version,
        after_version=after.version,
        audits=rescored,
        overall=_figures((r.audit.audit_id, r.overall) for r in rescored),
        themes=_figures((r.audit.audit_id, t.shift) for r in rescored for t in r.themes),
        by_theme=tuple(
            ThemeFigures(
                theme_id,
                theme_titles[theme_id],
                _figures(
                    (r.audit.audit_id, t.shift)
                    for r in rescored
                    for t in r.themes
                    if t.theme_id == theme_id
                ),
            )
            for theme_id in theme_ids
        ),
        by_service=tuple(_service_figures(service, rescored) for service in services),
    )


def theme_order(before: Questionnaire, after: Questionnaire) -> list[str]:
    """The themes of either version, in the order the figures list them."""
    return _merge([t.id for t in before.themes], [t.id for t in after.themes])


def rescore_each(
    before: Questionnaire,
    after: Questionnaire,
    audits: Iterable[SubmittedAudit],
    *,
    plans: tuple[ScoringPlan, ScoringPlan] | None = None,
) -> tuple[RescoredAudit, ...]:
    """Each audit scored with both versions, oldest submission first (no figures counted).

    ``plans``: both versions compiled, when the caller rescores many batches with them."""
    theme_titles = {t.id: t.title for t in before.themes}
    theme_titles.update({t.id: t.title for t in after.themes})
    theme_ids = theme_order(before, after)
    # Each version compiled once for the whole run: the same grades as score_audit, faster.
    if plans is None:
        plans = (ScoringPlan(before), ScoringPlan(after))
    grades = (before.grades, after.grades)
    return tuple(
        _rescore_one(plans, grades, audit, theme_ids, theme_titles)
        for audit in sorted(audits, key=_submission_order)
    )


def _service_figures(service: str, rescored: Sequence[RescoredAudit]) -> ServiceFigures:
    """The figures for the audits of one service."""
    own = [r for r in rescored if r.audit.service == service]
    return ServiceFigures(
        service=service,
        audits=len(own),
        overall=_figures((r.audit.audit_id, r.overall) for r in own),
        themes=_figures((r.audit.audit_id, t.shift) for r in own for t in r.themes),
    )


def _rescore_one(
    plans: tuple[ScoringPlan, ScoringPlan],
    grades: tuple[Sequence[str], Sequence[str]],
    audit: SubmittedAudit,
    theme_ids: Sequence[str],
    theme_titles: Mapping[str, str],
) -> RescoredAudit:
    old, new = (
        plan.score(
            audit.answers,
            audit.judged,
            service=audit.service,
            overall_judged=audit.overall_judged,
        )
        for plan in plans
    )
    old_grades, new_grades = grades
    themes = []
    for theme_id in theme_ids:
        old_grade, old_percent = _theme_grade(old, theme_id)
        new_grade, new_percent = _theme_grade(new, theme_id)
        themes.append(
            ThemeShift(
                theme_id,
                theme_titles[theme_id],
                GradeShift(
                    old_grade,
                    new_grade,
                    old_percent,
                    new_percent,
                    direction(old_grade, new_grade, old_grades, new_grades),
                ),
            )
        )
    overall = GradeShift(
        old.overall_grade,
        new.overall_grade,
        old.overall_percent,
        new.overall_percent,
        direction(old.overall_grade, new.overall_grade, old_grades, new_grades),
    )
    return RescoredAudit(audit, overall, tuple(themes))


def _submission_order(audit: SubmittedAudit) -> tuple[bool, datetime | None, int]:
    """Oldest submission first; audits without a submission time last, by id."""
    return (audit.submitted_at is None, audit.submitted_at, audit.audit_id)


def _theme_grade(score: QuickScore, theme_id: str) -> tuple[str | None, Fraction | None]:
    """A theme's grade and percent, or None for both when the version has no such theme."""
    try:
        theme = score.theme(theme_id)
    except KeyError:
        return None, None
    return theme.grade, theme.percent


def _figures(shifts: Iterable[tuple[int, GradeShift]]) -> Figures:
    counts: dict[Direction, int] = {}
    ids: dict[Direction, list[int]] = {}
    total = 0
    for audit_id, shift in shifts:
        total += 1
        counts[shift.direction] = counts.get(shift.direction, 0) + 1
        bucket = ids.setdefault(shift.direction, [])
        if not bucket or bucket[-1] != audit_id:
            bucket.append(audit_id)
    return Figures(
        total=total,
        counts=counts,
        audit_ids={d: tuple(dict.fromkeys(found)) for d, found in ids.items()},
    )


def _merge(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """The newer order, with ids only the older version has after their old neighbour."""
    merged = list(after)
    previous: str | None = None
    for key in before:
        if key not in merged:
            merged.insert(merged.index(previous) + 1 if previous is not None else 0, key)
        previous = key
    return merged
