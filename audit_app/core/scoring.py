"""The scoring engine: per-question, per-theme, overall and compliance results for one audit.

Every sum is a ``Fraction`` and every number from the questionnaire is converted through its
decimal text, so 0.1 is one tenth and a theme exactly on a band's ``min`` gets that band.
Rounding happens only for display (``round_percent``); grading always uses the exact value.
The rules are documented in docs/questionnaire-format.md ("Scoring rules").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from math import floor
from typing import Literal

from audit_app.core.answers import NUMBER_SHAPE, drop_hidden, shown_questions, shown_themes
from audit_app.core.questionnaire import Band, Question, Questionnaire, RepeatBody, Theme
from audit_app.core.repeats import repeat_count, repeat_key, repeat_view, roll_up
from audit_app.core.timeliness import AuditDay, TimelinessResult, timeliness_results

__all__ = [
    "NOT_GRADED",
    "AuditScore",
    "ComplianceAnswer",
    "MeasureCompliance",
    "OverallScore",
    "QuestionScore",
    "Reason",
    "RepeatScore",
    "ThemeScore",
    "exact",
    "format_percent",
    "grade_for",
    "most_points",
    "multi_score",
    "number_score",
    "round_percent",
    "score_audit",
]

NOT_GRADED = "Not graded"

Reason = Literal["included", "hidden", "unanswered", "not applicable", "not scored"]

_ZERO = Fraction(0)
_HUNDRED = Fraction(100)


@lru_cache(maxsize=4096)
def exact(number: float) -> Fraction:
    """The exact decimal value of a JSON number (0.1 -> 1/10, not the nearest binary float)."""
    # str() of a float is the shortest text that reads back as the same float, which is the
    # text the questionnaire's author wrote; Fraction(float) would keep the binary error.
    return Fraction(str(number))


@dataclass(frozen=True)
class QuestionScore:
    """How one question counted towards its theme, and why."""

    question_id: str
    theme_id: str
    shown: bool
    answered: bool
    included: bool
    value: str | None
    score: Fraction | None
    max_score: Fraction | None
    weight: Fraction
    points: Fraction
    possible: Fraction
    reason: Reason

    @property
    def lost(self) -> Fraction:
        """Weighted points short of full marks (0 unless included)."""
        return self.possible - self.points


class _Graded:
    """A percent and the grade it earns, both None when nothing counted towards them."""

    percent: Fraction | None
    grade: str | None

    @property
    def graded(self) -> bool:
        """Whether anything counted: at least one question for a theme, one theme overall."""
        return self.percent is not None

    @property
    def grade_label(self) -> str:
        """The grade, or "Not graded"."""
        return NOT_GRADED if self.grade is None else self.grade


@dataclass(frozen=True)
class ThemeScore(_Graded):
    """One theme's percent and grade, with the questions behind them."""

    theme_id: str
    title: str
    weight: Fraction
    percent: Fraction | None
    grade: str | None
    points: Fraction
    possible: Fraction
    questions: tuple[QuestionScore, ...]
    pulled_down: tuple[QuestionScore, ...]
    graded_by: str = "both"

    @property
    def by_judgement(self) -> bool:
        """Whether the theme is graded by the auditor's judgement alone (it has no percent)."""
        return self.graded_by == "judgement"


@dataclass(frozen=True)
class OverallScore(_Graded):
    """The audit's overall percent and grade over its graded themes; when the overall grade is
    graded by judgement, the auditor's grade and no percent."""

    percent: Fraction | None
    grade: str | None
    band_grade: str | None
    limited_by: tuple[str, ...]
    graded_by: str = "both"

    @property
    def by_judgement(self) -> bool:
        """Whether the overall grade is the auditor's judgement alone (there is no percent)."""
        return self.graded_by == "judgement"


@dataclass(frozen=True)
class MeasureCompliance:
    """Counts for one recording-compliance measure (question_ids: every question reporting it)."""

    measure: str
    compliant: int
    non_compliant: int
    percent: Fraction | None
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class ComplianceAnswer:
    """One included answer to a question that reports a compliance measure."""

    question_id: str
    theme_id: str
    measure: str
    value: str
    compliant: bool


@dataclass(frozen=True)
class RepeatScore:
    """One repeat of a repeating group: its questions' results (each under its key in the
    answers, ``visit-seen-alone--2``) and the percent they make on their own. The theme reads
    the group's questions rolled up over the repeats, not these percents."""

    group_id: str
    theme_id: str
    number: int
    points: Fraction
    possible: Fraction
    percent: Fraction | None
    questions: tuple[QuestionScore, ...]


@dataclass(frozen=True)
class AuditScore:
    """The whole result of scoring one audit."""

    themes: tuple[ThemeScore, ...]
    overall: OverallScore
    compliance: tuple[MeasureCompliance, ...]
    compliance_answers: tuple[ComplianceAnswer, ...]
    # A dict cannot be hashed; the result is still compared field by field.
    questions: dict[str, QuestionScore] = field(hash=False)
    timeliness: tuple[TimelinessResult, ...] = ()
    repeats: tuple[RepeatScore, ...] = ()

    def repeats_of(self, group_id: str) -> list[RepeatScore]:
        """The results of one repeating group's repeats, in order."""
        return [r for r in self.repeats if r.group_id == group_id]

    def timeliness_reading(self, question_id: str) -> list[TimelinessResult]:
        """The timeliness results of the measures that read this date question."""
        return [r for r in self.timeliness if question_id in r.reads]

    def theme(self, theme_id: str) -> ThemeScore:
        """The theme with this id (KeyError if there is none)."""
        for theme in self.themes:
            if theme.theme_id == theme_id:
                return theme
        raise KeyError(theme_id)


def grade_for(bands: Sequence[Band], percent: Fraction) -> str:
    """The first band, in file order, whose ``min`` is at most ``percent``."""
    for band in bands:
        if exact(band.min) <= percent:
            return band.grade
    # Unreachable for a valid questionnaire: its last band's min is exactly 0.
    raise ValueError(f"no band has a min at or below {percent}")


def round_percent(percent: Fraction | None) -> Decimal | None:
    """A percent to one decimal place, half away from zero (None stays None)."""
    if percent is None:
        return None
    tenths = abs(percent) * 10
    rounded = floor(tenths + Fraction(1, 2))
    return Decimal(-rounded if percent < 0 else rounded).scaleb(-1)


def format_percent(percent: Fraction | None) -> str:
    """A percent for display, such as "62.3%" ("" when not graded)."""
    rounded = round_percent(percent)
    return "" if rounded is None else f"{rounded}%"


def _score_question(
    question: Question, theme_id: str, shown: bool, answers: Mapping[str, str]
) -> QuestionScore:
    """Score one question against the answers that count."""
    weight = exact(question.effective_weight)
    max_score = most_points(question)
    raw = answers.get(question.id) if shown else None
    option = question.option(raw) if raw is not None and question.type == "choice" else None
    # A choice value that is not an option is unanswered: the UI checks values before saving.
    answered = option is not None if question.type == "choice" else raw is not None
    score = exact(option.score) if option is not None and option.score is not None else None
    if question.type == "number" and raw is not None and question.bands:
        score = number_score(question, raw)
        answered = score is not None
    if question.type == "multi" and raw is not None:
        score = multi_score(question, raw)
        answered = question.scoring is None or score is not None

    reason: Reason
    if not shown:
        reason = "hidden"
    elif not question.is_scored or max_score is None:
        reason = "not scored"
    elif not answered:
        reason = "unanswered"
    elif score is None:
        reason = "not applicable"
    else:
        reason = "included"

    included = reason == "included" and score is not None and max_score is not None
    return QuestionScore(
        question_id=question.id,
        theme_id=theme_id,
        shown=shown,
        answered=answered,
        included=included,
        value=raw if answered else None,
        score=score if included else None,
        max_score=max_score,
        weight=weight,
        # Excluded questions add nothing to the numerator or the denominator.
        points=weight * score if included and score is not None else _ZERO,
        possible=weight * max_score if included and max_score is not None else _ZERO,
        reason=reason,
    )


def _repeat_scores(
    group: RepeatBody, theme_id: str, shown: set[str], counted: Mapping[str, str]
) -> list[RepeatScore]:
    """Each repeat's questions scored on their own (each result under its key in the
    answers), with the percent they make together."""
    repeats = []
    for number in range(1, repeat_count(group, counted) + 1):
        view = repeat_view(group, counted, number)
        results = tuple(
            replace(
                _score_question(q, theme_id, q.id in shown, view),
                question_id=repeat_key(q.id, number),
            )
            for q in group.questions
        )
        points = sum((r.points for r in results), _ZERO)
        possible = sum((r.possible for r in results), _ZERO)
        percent = _HUNDRED * points / possible if possible else None
        repeats.append(RepeatScore(group.id, theme_id, number, points, possible, percent, results))
    return repeats


def _rolled_question(
    question: Question,
    theme_id: str,
    group: RepeatBody,
    shown: bool,
    repeats: Sequence[RepeatScore],
) -> QuestionScore:
    """A question of a repeating group as one result for its theme: its scores in the repeats
    where it counts, rolled up by the group's rule, weighted once."""
    index = group.questions.index(question)
    results = [r.questions[index] for r in repeats]
    included = [r for r in results if r.included and r.score is not None]
    score = roll_up(group.roll_up, [r.score for r in included if r.score is not None])
    template = _score_question(question, theme_id, shown, {})
    if score is None:
        reason: Reason = template.reason
        if reason == "unanswered" and results and all(r.answered for r in results):
            reason = "not applicable"
        return replace(template, reason=reason, answered=any(r.answered for r in results))
    most = template.max_score
    assert most is not None
    # The answer that decided the roll-up: the first repeat scoring it, or else the lowest.
    decider = next(
        (r for r in included if r.score == score), min(included, key=lambda r: r.score or 0)
    )
    return replace(
        template,
        answered=True,
        included=True,
        value=decider.value,
        score=score,
        points=template.weight * score,
        possible=template.weight * most,
        reason="included",
    )


def _theme_results(
    theme: Theme, shown: set[str], counted: Mapping[str, str], repeats: list[RepeatScore]
) -> tuple[QuestionScore, ...]:
    """A theme's questions' results in page order, a repeating group's questions rolled up
    (their repeats' results added to ``repeats``)."""
    by_group: dict[str, list[RepeatScore]] = {}
    for group in theme.repeats:
        by_group[group.id] = _repeat_scores(group, theme.id, shown, counted)
        repeats.extend(by_group[group.id])
    owner = {q.id: group for group in theme.repeats for q in group.questions}
    return tuple(
        _rolled_question(q, theme.id, owner[q.id], q.id in shown, by_group[owner[q.id].id])
        if q.id in owner
        else _score_question(q, theme.id, q.id in shown, counted)
        for q in theme.questions
    )


def most_points(question: Question) -> Fraction | None:
    """A scored question's maximum, exactly: its highest option or band score, or for a multi
    question its options' scores added up ("each") or 1 ("all"); None when not scored."""
    if question.type == "multi":
        if question.scoring == "all":
            return Fraction(1)
        if question.scoring == "each":
            scores = (exact(o.score) for o in question.options or () if o.score is not None)
            return sum(scores, _ZERO)
        return None
    return exact(question.max_score) if question.max_score is not None else None


def multi_score(question: Question, raw: str) -> Fraction | None:
    """The score of a multi answer: the ticked options' scores added up ("each"), or 1 when
    every option is ticked and 0 otherwise ("all"); None when not scored or when a value is no
    option (the UI checks answers first)."""
    ticked = set(question.ticked(raw))
    values = [o.value for o in question.options or ()]
    if question.scoring is None or not ticked <= set(values):
        return None
    if question.scoring == "all":
        return Fraction(1) if ticked == set(values) else _ZERO
    return sum(
        (
            exact(o.score)
            for o in question.options or ()
            if o.score is not None and o.value in ticked
        ),
        _ZERO,
    )


def number_score(question: Question, raw: str) -> Fraction | None:
    """The score of a number answer: the first band, in file order, whose min is at or below
    it; None for text that is not a plain decimal number (the UI checks answers first)."""
    if not NUMBER_SHAPE.fullmatch(raw):
        return None
    value = Fraction(raw)
    for band in question.bands or ():
        if exact(band.min) <= value:
            return exact(band.score)
    # Unreachable for a valid questionnaire and answer: the last band's min is at or below the
    # question's min, and an answer below min is refused.
    return None


def _judged_overall(questionnaire: Questionnaire, judged: str | None) -> OverallScore:
    """The overall grade graded by judgement: the auditor's, when it is one of the grades; no
    percent, and nothing from the rule."""
    grade = judged if judged in questionnaire.grades else None
    return OverallScore(
        percent=None, grade=grade, band_grade=None, limited_by=(), graded_by="judgement"
    )


def _overall(questionnaire: Questionnaire, themes: Sequence[ThemeScore]) -> OverallScore:
    """Combine the themes' percents and grades (a theme graded by judgement has a grade, the
    auditor's, and no percent)."""
    graded = [t for t in themes if t.grade is not None]
    if not graded:
        return OverallScore(percent=None, grade=None, band_grade=None, limited_by=())
    grading = questionnaire.grading
    bands = grading.bands
    # Bands are best first, so a larger index is a worse grade.
    rank = {band.grade: index for index, band in enumerate(bands)}

    scored = [t for t in graded if t.percent is not None]
    percent: Fraction | None = None
    band_grade: str | None = None
    if scored:
        total_weight = sum((t.weight for t in scored), _ZERO)
        percent = sum((t.weight * t.percent for t in scored if t.percent is not None), _ZERO)
        percent /= total_weight
        band_grade = grade_for(bands, percent)

    capping = _capping(questionnaire, graded, rank)
    if not capping:
        return OverallScore(percent=percent, grade=band_grade, band_grade=band_grade, limited_by=())

    worst = max(rank[t.grade] for t in capping if t.grade is not None)
    # Under "mean" a capping theme only matters when it is worse than the band of the percent;
    # under "lowest" the worst themes always decide, so they are always named.
    if grading.rule == "mean" and band_grade is not None and worst <= rank[band_grade]:
        return OverallScore(percent=percent, grade=band_grade, band_grade=band_grade, limited_by=())
    worst_grade = bands[worst].grade
    return OverallScore(
        percent=percent,
        grade=worst_grade,
        band_grade=band_grade,
        limited_by=tuple(t.theme_id for t in capping if t.grade == worst_grade),
    )


def _capping(
    questionnaire: Questionnaire, graded: Sequence[ThemeScore], rank: Mapping[str, int]
) -> list[ThemeScore]:
    """The themes whose grade the overall grade may not be better than: every graded theme
    under "lowest"; under "mean" those marked limiting; with capped_by_worst_band, any theme in
    the worst band too."""
    grading = questionnaire.grading
    if grading.rule == "lowest":
        return list(graded)
    limiting = {t.id for t in questionnaire.themes if t.limiting}
    worst_band = len(grading.bands) - 1
    return [
        t
        for t in graded
        if t.theme_id in limiting
        or (grading.capped_by_worst_band and t.grade is not None and rank[t.grade] == worst_band)
    ]


def _compliance(
    questionnaire: Questionnaire,
    questions: Mapping[str, QuestionScore],
    timeliness: Sequence[TimelinessResult] = (),
) -> tuple[tuple[MeasureCompliance, ...], tuple[ComplianceAnswer, ...]]:
    """Count compliant and non-compliant included answers per measure, then the timeliness
    measures met and not met (kept under the measure's id, as ``met`` or ``not-met``)."""
    question_ids: dict[str, list[str]] = {}
    counts: dict[str, list[int]] = {}
    answers = _question_compliance(questionnaire, questions, question_ids, counts)
    for timed in timeliness:
        question_ids.setdefault(timed.measure, []).append(timed.measure_id)
        tally = counts.setdefault(timed.measure, [0, 0])
        if not timed.counted:
            continue
        tally[0 if timed.outcome == "met" else 1] += 1
        answers.append(
            ComplianceAnswer(
                question_id=timed.measure_id,
                theme_id=timed.theme_id,
                measure=timed.measure,
                value=timed.stored_value,
                compliant=timed.outcome == "met",
            )
        )
    measures = tuple(
        MeasureCompliance(
            measure=measure,
            compliant=compliant,
            non_compliant=non_compliant,
            percent=(
                Fraction(100 * compliant, compliant + non_compliant)
                if compliant + non_compliant
                else None
            ),
            question_ids=tuple(question_ids[measure]),
        )
        for measure, (compliant, non_compliant) in counts.items()
    )
    return measures, tuple(answers)


def _question_compliance(
    questionnaire: Questionnaire,
    questions: Mapping[str, QuestionScore],
    question_ids: dict[str, list[str]],
    counts: dict[str, list[int]],
) -> list[ComplianceAnswer]:
    """Tally the included answers to questions that report a measure; the answers counted."""
    answers: list[ComplianceAnswer] = []
    for qid, question in questionnaire.questions.items():
        measure = question.compliance
        if measure is None:
            continue
        question_ids.setdefault(measure, []).append(qid)
        tally = counts.setdefault(measure, [0, 0])
        result = questions[qid]
        if not result.included or result.value is None:
            continue
        compliant = result.score == result.max_score
        tally[0 if compliant else 1] += 1
        answers.append(
            ComplianceAnswer(
                question_id=qid,
                theme_id=result.theme_id,
                measure=measure,
                value=result.value,
                compliant=compliant,
            )
        )
    return answers


def _theme_score(
    questionnaire: Questionnaire,
    theme: Theme,
    results: tuple[QuestionScore, ...],
    judged: str | None,
) -> ThemeScore:
    """A theme's percent and grade from its questions' results; a theme graded by judgement
    has the auditor's grade (``judged``) and no percent."""
    points = sum((r.points for r in results), _ZERO)
    possible = sum((r.possible for r in results), _ZERO)
    # Every included question has a max above 0 and a weight above 0, so "something
    # included" and "possible > 0" are the same test.
    percent = _HUNDRED * points / possible if possible else None
    grade = grade_for(questionnaire.grading.bands, percent) if percent is not None else None
    # sorted() is stable, so equal losses keep file order.
    pulled_down = tuple(
        sorted((r for r in results if r.included and r.lost), key=lambda r: -r.lost)
    )
    if theme.graded_by == "judgement":
        percent, grade, pulled_down = None, judged, ()
    return ThemeScore(
        theme_id=theme.id,
        title=theme.title,
        weight=exact(theme.weight),
        percent=percent,
        grade=grade,
        points=points,
        possible=possible,
        questions=results,
        pulled_down=pulled_down,
        graded_by=theme.graded_by,
    )


def judged_grade(
    questionnaire: Questionnaire, theme: Theme, judged: Mapping[str, str] | None
) -> str | None:
    """A theme's grade as the auditor judged it, when that is one of the grades."""
    grade = (judged or {}).get(theme.id)
    return grade if grade in questionnaire.grades else None


def score_audit(
    questionnaire: Questionnaire,
    answers: Mapping[str, str],
    judged: Mapping[str, str] | None = None,
    day: AuditDay | None = None,
    *,
    service: str | None = None,
    overall_judged: str | None = None,
) -> AuditScore:
    """Score one audit's answers against its questionnaire. ``judged`` holds the auditor's
    grades by theme id: a theme graded by judgement takes its grade from there (and has no
    percent); other themes' judgements are not read. ``day`` (the audit date and the working
    days calendar) is needed for the timeliness measures, which are not worked out without it;
    they never touch a score. ``service`` is the audited case's service, which conditions on
    the service read (None: not known, they do not hold). ``overall_judged`` is the auditor's
    overall grade, read only when the overall grade is graded by judgement."""
    shown = shown_questions(questionnaire, answers, service=service)
    shown_ids = shown_themes(questionnaire, answers, service=service)
    counted = drop_hidden(questionnaire, answers, service=service)
    questions: dict[str, QuestionScore] = {}
    themes: list[ThemeScore] = []
    repeats: list[RepeatScore] = []
    for theme in questionnaire.themes:
        results = _theme_results(theme, shown, counted, repeats)
        questions.update((result.question_id, result) for result in results)
        grade = judged_grade(questionnaire, theme, judged) if theme.id in shown_ids else None
        themes.append(_theme_score(questionnaire, theme, results, grade))
    timed = timeliness_results(questionnaire, counted, shown_ids, day) if day else ()
    compliance, compliance_answers = _compliance(questionnaire, questions, timed)
    return AuditScore(
        themes=tuple(themes),
        overall=(
            _judged_overall(questionnaire, overall_judged)
            if questionnaire.grading.graded_by == "judgement"
            else _overall(questionnaire, themes)
        ),
        compliance=compliance,
        compliance_answers=compliance_answers,
        questions=questions,
        timeliness=timed,
        repeats=tuple(repeats),
    )
