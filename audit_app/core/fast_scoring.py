"""The scoring engine compiled: the same grades and percents as ``scoring.score_audit``, exactly,
many times faster, for scoring thousands of audits at once (rescoring what-ifs, rebuilds).

A questionnaire version is compiled once into a plan: every question weight and option score is
scaled to a whole number over one common denominator, so a theme's points and possible points are
plain integer sums, and "percent at or above a band's min" is an integer comparison. Only the
results (each theme's and the overall percent and grade, and compliance counts) are made, not
the per-question explanations that the audit pages need; those stay with ``score_audit``, the
reference. ``tests/unit/test_fast_scoring.py`` proves the two agree on random questionnaires.

Pure: no I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from audit_app.core.answers import NUMBER_SHAPE, drop_hidden, shown_questions, shown_themes
from audit_app.core.questionnaire import Question, Questionnaire, Section, When
from audit_app.core.scoring import AuditScore, exact, most_points, score_audit
from audit_app.core.timeliness import AuditDay, timeliness_results

__all__ = ["QuickScore", "QuickTheme", "ScoringPlan"]


@dataclass(frozen=True, slots=True)
class QuickTheme:
    """One theme's exact percent and grade (None for both when nothing was included)."""

    theme_id: str
    percent: Fraction | None
    grade: str | None


@dataclass(frozen=True, slots=True)
class QuickScore:
    """What rescoring and reports need of one audit's score."""

    themes: tuple[QuickTheme, ...]
    overall_percent: Fraction | None
    overall_grade: str | None
    compliance: dict[str, tuple[int, int]]  # measure -> (compliant, non-compliant)

    def theme(self, theme_id: str) -> QuickTheme:
        for theme in self.themes:
            if theme.theme_id == theme_id:
                return theme
        raise KeyError(theme_id)


@dataclass(frozen=True, slots=True)
class _Step:
    """One question, compiled: what decides whether it is shown, and what it scores."""

    question_id: str
    theme: int
    controller: str | None  # show_if's question, or None when always shown
    shown_for: frozenset[str]
    remember: bool  # a later question's show_if names this one
    points: Points | None  # answer -> scaled weight x score; None: not scored
    possible: int  # scaled weight x max score
    measure: int  # index into the plan's measures, or -1


class _NumberPoints:
    """A number question's bands compiled: ``get(raw)`` is the scaled points of an answer, as
    ``dict.get`` is for a choice question's options (None for text that is not a number)."""

    __slots__ = ("_bands",)

    def __init__(self, bands: tuple[tuple[Fraction, int], ...]) -> None:
        self._bands = bands

    def get(self, raw: str) -> int | None:
        if not NUMBER_SHAPE.fullmatch(raw):
            return None
        value = Fraction(raw)
        for minimum, points in self._bands:
            if minimum <= value:
                return points
        return None


class _MultiPoints:
    """A multi question compiled: ``get(raw)`` is the scaled points of the options ticked."""

    __slots__ = ("_all", "_points", "_whole")

    def __init__(self, points: dict[str, int], whole: int | None) -> None:
        self._points = points  # option value -> scaled points ("each"; every option listed)
        self._whole = whole  # scaled points for every option ticked ("all"), else None
        self._all = frozenset(points)

    def get(self, raw: str) -> int | None:
        ticked = set(raw.split())
        if not ticked or not ticked <= self._all:
            return None  # blank is unanswered; a value that is no option too
        if self._whole is not None:
            return self._whole if ticked == self._all else 0
        return sum(self._points[value] for value in ticked)


Points = dict[str, int] | _NumberPoints | _MultiPoints


def _scores(question: Question) -> list[Fraction]:
    """Every score a scored question's answers can earn."""
    if question.type == "number":
        return [exact(b.score) for b in question.bands or ()]
    if question.type == "multi" and question.scoring == "all":
        return [Fraction(1)]
    return [exact(o.score) for o in question.options or () if o.score is not None]


def _points(question: Question, weight: int, score_scale: int) -> Points:
    """What each answer to a scored question earns, scaled to whole numbers."""
    if question.type == "multi":
        each = {
            o.value: weight * int(exact(o.score or 0) * score_scale) for o in question.options or ()
        }
        whole = weight * score_scale if question.scoring == "all" else None
        return _MultiPoints(each, whole)
    if question.type == "number":
        return _NumberPoints(
            tuple(
                (exact(b.min), weight * int(exact(b.score) * score_scale))
                for b in question.bands or ()
            )
        )
    return {
        option.value: weight * int(exact(option.score) * score_scale)
        for option in question.options or ()
        if option.score is not None
    }


def only_simple_conditions(questionnaire: Questionnaire) -> bool:
    """Whether every condition is one question's "in" on a question (as in format 1), which
    the plan settles as it goes; other conditions are settled by ``shown_questions`` first."""
    return all(
        theme.show_if is None
        and all(not isinstance(i, Section) or i.section.show_if is None for i in theme.items)
        and all(
            q.show_if is None or (isinstance(q.show_if, When) and q.show_if.in_ is not None)
            for q in theme.questions
        )
        for theme in questionnaire.themes
    )


def _denominator(numbers: list[Fraction]) -> int:
    return lcm(1, *(number.denominator for number in numbers))


def _compile(questionnaire: Questionnaire) -> tuple[tuple[_Step, ...], tuple[str, ...]]:
    """Each question as a step, in file order, and the compliance measures in order."""
    questions = [
        (index, question)
        for index, theme in enumerate(questionnaire.themes)
        for question in theme.questions
    ]
    scored = [q for _, q in questions if q.is_scored and q.max_score is not None]
    weight_scale = _denominator([exact(q.effective_weight) for q in scored])
    score_scale = _denominator([score for q in scored for score in _scores(q)])
    simple = only_simple_conditions(questionnaire)
    controllers = {q.show_if.question for _, q in questions if isinstance(q.show_if, When)}
    timed = [t.measure for theme in questionnaire.themes for t in theme.timeliness or ()]
    measures = tuple(dict.fromkeys([*(q.compliance for _, q in questions if q.compliance), *timed]))
    measure_index = {measure: index for index, measure in enumerate(measures)}
    steps = []
    for theme, question in questions:
        points: Points | None = None
        possible = 0
        if question.is_scored and question.max_score is not None:
            weight = int(exact(question.effective_weight) * weight_scale)
            points = _points(question, weight, score_scale)
            most = most_points(question)
            assert most is not None
            possible = weight * int(most * score_scale)
        rule = question.show_if if simple and isinstance(question.show_if, When) else None
        measure = question.compliance if points is not None else None
        steps.append(
            _Step(
                question_id=question.id,
                theme=theme,
                controller=rule.question if rule else None,
                shown_for=frozenset(rule.in_ or ()) if rule else frozenset(),
                remember=question.id in controllers,
                points=points,
                possible=possible,
                measure=measure_index[measure] if measure else -1,
            )
        )
    return tuple(steps), measures


def _quick(score: AuditScore, measures: tuple[str, ...]) -> QuickScore:
    """The reference engine's result as the compiled engine gives it."""
    counts = {m.measure: (m.compliant, m.non_compliant) for m in score.compliance}
    return QuickScore(
        themes=tuple(QuickTheme(t.theme_id, t.percent, t.grade) for t in score.themes),
        overall_percent=score.overall.percent,
        overall_grade=score.overall.grade,
        compliance={measure: counts.get(measure, (0, 0)) for measure in measures},
    )


class ScoringPlan:
    """A questionnaire version compiled for fast exact scoring; build once, score many."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self._steps, self.measures = _compile(questionnaire)
        # Conditions beyond format 1's are settled for each audit before the steps run.
        self._settle = None if only_simple_conditions(questionnaire) else questionnaire
        # The steps as plain tuples, unpacked in the loop (quicker than attribute look-ups).
        self._rows = tuple(
            (
                step.question_id,
                step.theme,
                step.controller,
                step.shown_for,
                step.remember,
                step.points,
                step.possible,
                step.measure,
            )
            for step in self._steps
        )
        self._theme_ids = tuple(theme.id for theme in questionnaire.themes)
        weights = [exact(theme.weight) for theme in questionnaire.themes]
        # The themes' weights over a common denominator: only their ratios matter.
        scale = _denominator(weights)
        self._theme_weights = tuple(int(weight * scale) for weight in weights)
        # Themes scored before, by (theme, points, possible): most audits share theirs.
        self._seen: dict[tuple[int, int, int], QuickTheme] = {}
        bands = questionnaire.grading.bands
        # "percent >= min" for percent = 100 * points / possible, min = a / b, possible > 0:
        # a * possible <= 100 * b * points, in whole numbers.
        self._bands = tuple(
            (exact(b.min).numerator, 100 * exact(b.min).denominator, b.grade) for b in bands
        )
        self._band_mins = tuple(
            (exact(b.min).numerator, exact(b.min).denominator, b.grade) for b in bands
        )
        self._rank = {band.grade: index for index, band in enumerate(bands)}
        self._lowest = questionnaire.grading.rule == "lowest"
        self._worst_band_caps = questionnaire.grading.capped_by_worst_band
        limiting = {theme.id for theme in questionnaire.themes if theme.limiting}
        self._limiting = tuple(theme_id in limiting for theme_id in self._theme_ids)
        self._by_judgement = tuple(t.graded_by == "judgement" for t in questionnaire.themes)
        self._grades = frozenset(questionnaire.grades)
        self._overall_by_judgement = questionnaire.grading.graded_by == "judgement"
        # Themes graded by judgement need to know whether their theme is shown.
        self._themes_of = questionnaire if any(self._by_judgement) else None
        # Timeliness measures are worked out by the reference rules: a few dates an audit.
        timed = any(theme.timeliness for theme in questionnaire.themes)
        self._timed = questionnaire if timed else None
        self._measure_index = {measure: index for index, measure in enumerate(self.measures)}
        # Repeating groups: such a version is scored by the reference engine (see score).
        self._reference = questionnaire if questionnaire.repeats else None

    def score(
        self,
        answers: Mapping[str, str],
        judged: Mapping[str, str] | None = None,
        day: AuditDay | None = None,
        *,
        service: str | None = None,
        overall_judged: str | None = None,
    ) -> QuickScore:
        """Score one audit's answers as ``score_audit`` does (with the auditor's grades of what
        is graded by judgement, the case's service; timeliness measures only with ``day``)."""
        if self._reference is None:
            return self._compiled(answers, judged, day, service, overall_judged)
        # A repeating group rolls its answers up over a varying number of repeats, which the
        # compiled steps do not: the reference engine gives the same results by definition.
        reference = score_audit(
            self._reference, answers, judged, day, service=service, overall_judged=overall_judged
        )
        return _quick(reference, self.measures)

    def _compiled(
        self,
        answers: Mapping[str, str],
        judged: Mapping[str, str] | None,
        day: AuditDay | None,
        service: str | None,
        overall_judged: str | None,
    ) -> QuickScore:
        """The compiled steps' score of one audit."""
        count = len(self._theme_ids)
        points, possible = [0] * count, [0] * count
        tallies = [[0, 0] for _ in self.measures]
        shown: set[str] = set()
        get = answers.get
        settled, rows = self._settled(answers, service), self._rows
        for question_id, theme, controller, shown_for, remember, scores, most, measure in rows:
            if controller is not None:
                value = get(controller)
                if controller not in shown or value is None or value not in shown_for:
                    continue  # hidden: nothing it says counts
            if settled is not None and question_id not in settled:
                continue
            if remember:
                shown.add(question_id)
            if scores is None:
                continue
            raw = get(question_id)
            if raw is None:
                continue
            earned = scores.get(raw)  # a blank or unknown value is no option: unanswered
            if earned is None:
                continue  # unanswered, or an answer left out of the score
            points[theme] += earned
            possible[theme] += most
            if measure >= 0:
                tallies[measure][0 if earned == most else 1] += 1
        if self._timed is not None and day is not None:
            self._tally_timeliness(answers, day, tallies, service)
        themes = tuple(self._theme(i, points[i], possible[i]) for i in range(count))
        if self._themes_of is not None:
            themes = self._judged(themes, answers, judged or {}, service)
        overall_percent, overall_grade = self._overall_of(themes, points, possible, overall_judged)
        return QuickScore(
            themes=themes,
            overall_percent=overall_percent,
            overall_grade=overall_grade,
            compliance={m: (t[0], t[1]) for m, t in zip(self.measures, tallies, strict=True)},
        )

    def _tally_timeliness(
        self,
        answers: Mapping[str, str],
        day: AuditDay,
        tallies: list[list[int]],
        service: str | None = None,
    ) -> None:
        """Count each timeliness measure met or not met, as ``score_audit`` does."""
        questionnaire = self._timed
        assert questionnaire is not None
        counted = drop_hidden(questionnaire, answers, service=service)
        shown = shown_themes(questionnaire, answers, service=service)
        for result in timeliness_results(questionnaire, counted, shown, day):
            if result.counted:
                tally = tallies[self._measure_index[result.measure]]
                tally[0 if result.outcome == "met" else 1] += 1

    def _settled(self, answers: Mapping[str, str], service: str | None) -> set[str] | None:
        """The questions shown, when conditions beyond format 1's are settled beforehand."""
        if self._settle is None:
            return None
        return shown_questions(self._settle, answers, service=service)

    def _overall_of(
        self,
        themes: tuple[QuickTheme, ...],
        points: list[int],
        possible: list[int],
        overall_judged: str | None,
    ) -> tuple[Fraction | None, str | None]:
        """The overall percent and grade: the auditor's grade and no percent when the overall
        grade is graded by judgement, else the rule's."""
        if self._overall_by_judgement:
            return None, overall_judged if overall_judged in self._grades else None
        return self._overall(themes, points, possible)

    def _judged(
        self,
        themes: tuple[QuickTheme, ...],
        answers: Mapping[str, str],
        judged: Mapping[str, str],
        service: str | None,
    ) -> tuple[QuickTheme, ...]:
        """Themes graded by judgement take the auditor's grade, when shown, and no percent."""
        assert self._themes_of is not None
        shown = shown_themes(self._themes_of, answers, service=service)
        return tuple(
            QuickTheme(
                theme.theme_id,
                None,
                grade
                if (grade := judged.get(theme.theme_id)) in self._grades and theme.theme_id in shown
                else None,
            )
            if by_judgement
            else theme
            for theme, by_judgement in zip(themes, self._by_judgement, strict=True)
        )

    def _theme(self, index: int, points: int, possible: int) -> QuickTheme:
        key = (index, points, possible)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) > 100_000:
                self._seen.clear()  # an unusually varied run: memory stays bounded
            found = self._seen[key] = self._theme_afresh(index, points, possible)
        return found

    def _theme_afresh(self, index: int, points: int, possible: int) -> QuickTheme:
        theme_id = self._theme_ids[index]
        if not possible:
            return QuickTheme(theme_id, None, None)
        for numerator, hundred_denominator, grade in self._bands:
            if numerator * possible <= hundred_denominator * points:
                return QuickTheme(theme_id, Fraction(100 * points, possible), grade)
        raise ValueError("no band has a min at or below the percent")  # invalid questionnaire

    def _grade_for(self, numerator: int, denominator: int) -> str:
        """The band of the percent ``numerator / denominator`` (denominator > 0)."""
        for minimum, below, grade in self._band_mins:
            if minimum * denominator <= numerator * below:
                return grade
        raise ValueError(f"no band has a min at or below {numerator}/{denominator}")

    def _overall(
        self, themes: tuple[QuickTheme, ...], points: list[int], possible: list[int]
    ) -> tuple[Fraction | None, str | None]:
        """The weighted mean of the graded themes, capped as ``scoring._overall`` caps it.

        Sum of weight x 100 x points / possible over the graded themes, over the sum of their
        weights, in whole numbers over the least common multiple of their possible points.
        """
        graded = [i for i, theme in enumerate(themes) if theme.grade is not None]
        if not graded:
            return None, None
        scored = [i for i in graded if themes[i].percent is not None]
        percent: Fraction | None = None
        band_grade: str | None = None
        if scored:
            common = lcm(*(possible[i] for i in scored))
            weights = self._theme_weights
            numerator = sum(weights[i] * 100 * points[i] * (common // possible[i]) for i in scored)
            denominator = sum(weights[i] for i in scored) * common
            band_grade = self._grade_for(numerator, denominator)
            percent = Fraction(numerator, denominator)
        worst_band = len(self._band_mins) - 1
        capping = [
            themes[i]
            for i in graded
            if self._lowest
            or self._limiting[i]
            or (self._worst_band_caps and self._rank[themes[i].grade or ""] == worst_band)
        ]
        if not capping:
            return percent, band_grade
        worst = max(self._rank[theme.grade] for theme in capping if theme.grade is not None)
        if not self._lowest and band_grade is not None and worst <= self._rank[band_grade]:
            return percent, band_grade
        return percent, self._band_mins[worst][2]
