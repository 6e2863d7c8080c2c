"""Invariants of the scoring engine over random questionnaires and answers."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from functools import partial
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.core.answers import drop_hidden, is_blank, shown_questions
from audit_app.core.dates import add_working_days
from audit_app.core.questionnaire import (
    Question,
    Questionnaire,
    Section,
    When,
    named_questions,
    validate_questionnaire,
)
from audit_app.core.scoring import AuditScore, ThemeScore, score_audit
from audit_app.core.timeliness import AuditDay

# Fixed examples and no example database: the same cases run on every machine and in CI.
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)

Audit = tuple[Questionnaire, dict[str, str]]

# Decimal-looking numbers as authors write them, plus arbitrary floats to stress exactness.
SCORES = st.one_of(
    st.none(),
    st.sampled_from([0, 0.5, 1, 2, 3, 4, 10]),
    st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False),
)
WEIGHTS = st.one_of(
    st.sampled_from([0.1, 0.2, 0.3, 0.5, 1, 1.5, 2, 3]),
    st.floats(min_value=0.01, max_value=100, allow_nan=False, allow_infinity=False),
)
BAND_MINS = st.one_of(
    st.integers(min_value=1, max_value=100),
    st.floats(min_value=0.1, max_value=100, allow_nan=False, allow_infinity=False),
)
MEASURES = st.sampled_from([None, None, "Chronology up to date", "Plan reviewed"])
OTHER_VALUES = {"text": "Seen alone", "date": "2026-03-27", "number": "3"}
# Dates around a month's and a year's end, bank holidays and a leap day.
DATE_ANSWERS = ["2026-03-27", "2026-12-24", "2026-12-29", "2027-01-04", "2028-02-29"]
TIMELY_MEASURES = ["Seen in time", "Plan reviewed", "Chronology up to date"]
RULE_KINDS = ["within_working_days", "within_days", "at_most_weeks_before_audit", "not_expired"]
# The audit date and England's working days, which timeliness measures read.
DAY = AuditDay(audit_date=date(2027, 1, 4), add_working_days=partial(add_working_days))
NUMBER_ANSWERS = ["-1", "0", "0.5", "2.5", "3", "10", "3.25"]
SERVICES = ["Children in care", "Child protection", "Care leavers"]
"""Services that conditions may name; an audit's case is in one of them, or in none known."""
NUMBER_BAND_MINS = st.sampled_from([0.5, 1, 2, 2.5, 3, 5, 10])


def _number_bands(draw: st.DrawFn, question: dict[str, Any]) -> None:
    """Format 2: a number question with a range, and maybe scored by bands (then with a min)."""
    low = draw(st.sampled_from([0, 0.5, 1, -2]))
    question["min"] = low
    if draw(st.booleans()):
        question["max"] = draw(st.sampled_from([5, 10, 20]))
    if draw(st.integers(0, 2)) == 0:
        return
    mins = sorted({m for m in draw(st.lists(NUMBER_BAND_MINS, max_size=3)) if m > low})
    scores = draw(
        st.lists(
            SCORES.filter(lambda v: v is not None), min_size=len(mins) + 1, max_size=len(mins) + 1
        )
    )
    if max(scores) == 0:
        scores[0] = 1
    question["bands"] = [
        {"min": m, "score": score} for m, score in zip([*reversed(mins), low], scores, strict=True)
    ]
    if len(question["bands"]) < 2:
        question["bands"].append({"min": low - 1, "score": 0})
    weight = draw(st.none() | WEIGHTS)
    if weight is not None:
        question["weight"] = weight
    measure = draw(MEASURES)
    if measure is not None:
        question["compliance"] = measure


def _question(
    draw: st.DrawFn, qid: str, earlier: list[tuple[str, list[str]]], format_2: bool
) -> dict[str, Any]:
    """A valid question; ``earlier`` holds the choice questions before it, with their values."""
    kinds = ["choice", "choice", "choice", "choice", "text", "date", "number"]
    qtype = draw(
        st.sampled_from([*kinds, "number", "number", "multi", "multi"] if format_2 else kinds)
    )
    question: dict[str, Any] = {"id": qid, "text": f"Question {qid}?", "type": qtype}
    required = draw(st.sampled_from([None, True, False]))
    if required is not None:
        question["required"] = required
    if qtype == "choice":
        scores = draw(st.lists(SCORES, min_size=2, max_size=4))
        numeric = [s for s in scores if s is not None]
        if numeric and max(numeric) == 0:
            # A scored question needs a maximum above 0.
            scores[scores.index(0)] = 1
        question["options"] = [
            {"value": f"o{i}", "label": f"Option {i}", "score": score}
            for i, score in enumerate(scores)
        ]
        if numeric:
            weight = draw(st.none() | WEIGHTS)
            if weight is not None:
                question["weight"] = weight
            measure = draw(MEASURES)
            if measure is not None:
                question["compliance"] = measure
    if qtype == "number" and format_2:
        _number_bands(draw, question)
    if qtype == "multi":
        _multi(draw, question)
    if earlier and draw(st.integers(0, 2)) == 0:
        question["show_if"] = _condition(draw, earlier, format_2)
    return question


def _multi(draw: st.DrawFn, question: dict[str, Any]) -> None:
    """Format 2: a multi question, unscored, scored for each option ticked, or for all."""
    count = draw(st.integers(2, 4))
    scoring = draw(st.sampled_from([None, "each", "all"]))
    scores: list[Any] = [None] * count
    if scoring == "each":
        scores = draw(st.lists(SCORES, min_size=count, max_size=count))
        if not any(scores):
            scores[0] = 1
        question["scoring"] = "each"
    elif scoring == "all":
        question["scoring"] = "all"
    question["options"] = [
        {"value": f"o{i}", "label": f"Option {i}", **({} if score is None else {"score": score})}
        for i, score in enumerate(scores)
    ]
    if scoring is not None:
        weight = draw(st.none() | WEIGHTS)
        if weight is not None:
            question["weight"] = weight
        measure = draw(MEASURES)
        if measure is not None:
            question["compliance"] = measure


def _condition(
    draw: st.DrawFn, earlier: list[tuple[str, list[str]]], format_2: bool, depth: int = 0
) -> dict[str, Any]:
    """A condition on earlier choice questions; in format 2 maybe on the case's service, or
    combined with all, any, not."""
    kinds = ["in", "in", "all", "any", "not", "service"]
    kind = draw(st.sampled_from(kinds)) if format_2 else "in"
    if kind == "service":
        return {"service": draw(st.lists(st.sampled_from(SERVICES), min_size=1, unique=True))}
    if kind == "in" or depth >= 2:
        controller, values = draw(st.sampled_from(earlier))
        shown_for = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
        if controller.startswith("multi:"):
            key = draw(st.sampled_from(["any_of", "all_of"]))
            return {"question": controller.removeprefix("multi:"), key: shown_for}
        return {"question": controller, "in": shown_for}
    if kind == "not":
        return {"not": _condition(draw, earlier, format_2, depth + 1)}
    parts = [_condition(draw, earlier, format_2, depth + 1) for _ in range(draw(st.integers(1, 3)))]
    return {kind: parts}


@st.composite
def questionnaires(draw: st.DrawFn) -> Questionnaire:
    """A valid questionnaire: 1-4 themes of 1-8 questions, some scored, some with show_if; in
    format 2, numbers scored by bands, and headings, guidance and sections among the questions."""
    format_2 = draw(st.booleans())
    earlier: list[tuple[str, list[str]]] = []
    themes: list[dict[str, Any]] = []
    dates: list[str] = []
    count = 0
    for t in range(draw(st.integers(1, 4))):
        before = list(earlier)  # what this theme's and its sections' conditions may name
        questions = []
        for _ in range(draw(st.integers(1, 8))):
            question = _question(draw, f"q{count}", earlier, format_2)
            count += 1
            questions.append(question)
            if question["type"] == "date":
                dates.append(question["id"])
            if question["type"] == "choice":
                earlier.append((question["id"], [o["value"] for o in question["options"]]))
            elif question["type"] == "multi":
                values = [o["value"] for o in question["options"]]
                earlier.append((f"multi:{question['id']}", values))
        if format_2 and draw(st.booleans()):
            # Dates for timeliness measures to read (questions of other types are rarely dates).
            for _ in range(draw(st.integers(1, 2))):
                questions.append({"id": f"q{count}", "text": f"Date {count}", "type": "date"})
                dates.append(f"q{count}")
                count += 1
        theme: dict[str, Any] = {"id": f"t{t}", "title": f"Theme {t}"}
        if format_2:
            if before and draw(st.integers(0, 2)) == 0:
                theme["show_if"] = _condition(draw, before, format_2)
            theme["items"] = _laid_out(draw, questions, before)
        else:
            theme["questions"] = questions
        weight = draw(st.none() | WEIGHTS)
        if weight is not None:
            theme["weight"] = weight
        theme["limiting"] = draw(st.booleans())
        if format_2:
            theme["graded_by"] = draw(st.sampled_from(["both", "both", "score", "judgement"]))
        themes.append(theme)
    if format_2 and dates:
        _add_timeliness(draw, themes, dates)
    mins = draw(st.lists(BAND_MINS, min_size=1, max_size=3, unique=True))
    bands: list[dict[str, Any]] = [
        {"grade": f"Grade {i}", "min": m} for i, m in enumerate([*sorted(mins, reverse=True), 0])
    ]
    overall: Any = draw(st.sampled_from(["mean", "lowest"]))
    if format_2:
        for band in bands:
            band["descriptor"] = f"What {band['grade']} looks like."
        if draw(st.booleans()):
            overall = {"rule": overall, "capped_by_worst_band": draw(st.booleans())}
            graded_by = draw(st.sampled_from([None, "both", "score", "judgement"]))
            if graded_by is not None:
                overall["graded_by"] = graded_by
    return validate_questionnaire(
        {
            "format": "case-audit/2" if format_2 else "case-audit/1",
            "id": "random-audit",
            "version": 1,
            "title": "Random audit",
            "kind": "monthly",
            "grading": {"bands": bands, "overall": overall},
            "themes": themes,
        }
    )


def _add_timeliness(draw: st.DrawFn, themes: list[dict[str, Any]], dates: list[str]) -> None:
    """Timeliness measures on some themes, reading date questions of any theme; some share a
    name with a question's compliance measure."""
    count = 0
    for theme in themes:
        if draw(st.booleans()):
            continue
        measures = []
        for _ in range(draw(st.integers(1, 2))):
            name = draw(st.sampled_from(TIMELY_MEASURES))
            kind = draw(st.sampled_from(RULE_KINDS))
            rule: dict[str, Any]
            if kind in ("within_working_days", "within_days") and len(dates) >= 2:
                start, end = draw(
                    st.lists(st.sampled_from(dates), min_size=2, max_size=2, unique=True)
                )
                rule = {kind: draw(st.integers(0, 30)), "from": start, "to": end}
            elif kind == "at_most_weeks_before_audit":
                rule = {kind: draw(st.integers(1, 60)), "date": draw(st.sampled_from(dates))}
            else:
                rule = {"not_expired_at_audit": True, "date": draw(st.sampled_from(dates))}
            measures.append({"id": f"timely-{count}", "measure": name, "rule": rule})
            count += 1
        theme["timeliness"] = measures


def _laid_out(
    draw: st.DrawFn, questions: list[dict[str, Any]], before: list[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    """Format 2 items: the questions in order, some after a heading or guidance, some in a
    section (maybe with a condition on questions before the theme)."""
    items: list[dict[str, Any]] = []
    for n, question in enumerate(questions):
        layout = draw(st.sampled_from(["plain", "plain", "heading", "guidance", "section"]))
        if layout == "heading":
            items.append({"heading": f"Part {n}"})
        elif layout == "guidance":
            items.append({"guidance": "Look at the case file."})
        if layout == "section":
            section: dict[str, Any] = {"title": f"Section {n}", "items": [question]}
            if before and draw(st.booleans()):
                section["show_if"] = _condition(draw, before, True)
            items.append({"section": section})
        else:
            items.append(question)
    return items


@st.composite
def audits(draw: st.DrawFn) -> Audit:
    """A questionnaire and stored answers: some missing, blank, invalid or to hidden questions."""
    questionnaire = draw(questionnaires())
    answers: dict[str, str] = {}
    for qid, question in questionnaire.questions.items():
        kind = draw(st.sampled_from(["answer", "answer", "answer", "absent", "blank", "invalid"]))
        if kind == "answer":
            if question.type == "choice":
                answers[qid] = draw(st.sampled_from([o.value for o in question.options or ()]))
            elif question.type == "number":
                answers[qid] = draw(st.sampled_from(NUMBER_ANSWERS))
            elif question.type == "multi":
                values = [o.value for o in question.options or ()]
                ticked = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
                answers[qid] = " ".join(ticked)
            elif question.type == "date":
                answers[qid] = draw(st.sampled_from(DATE_ANSWERS))
            else:
                answers[qid] = OTHER_VALUES[question.type]
        elif kind == "blank":
            answers[qid] = ""
        elif kind == "invalid":
            answers[qid] = "not-an-option"
    return questionnaire, answers


def controllers(questionnaire: Questionnaire) -> set[str]:
    """Ids of the questions that some condition names (of a question, section or theme)."""
    conditions = [q.show_if for q in questionnaire.questions.values()]
    for theme in questionnaire.themes:
        conditions.append(theme.show_if)
        conditions += [i.section.show_if for i in theme.items if isinstance(i, Section)]
    return {qid for condition in conditions for qid in named_questions(condition)}


def totals(result: AuditScore) -> tuple[Any, ...]:
    """Everything in a result except the per-question detail."""
    return (
        tuple(_theme_totals(t) for t in result.themes),
        result.overall,
        result.compliance,
        result.compliance_answers,
    )


def _theme_totals(theme: ThemeScore) -> tuple[Any, ...]:
    return (theme.percent, theme.grade, theme.points, theme.possible, theme.pulled_down)


def grade_rank(questionnaire: Questionnaire, grade: str | None) -> int:
    """0 for the best grade; larger is worse."""
    assert grade is not None
    return questionnaire.grades.index(grade)


@PROPERTY
@given(audits())
def test_percents_are_between_0_and_100(audit: Audit) -> None:
    questionnaire, answers = audit
    result = score_audit(questionnaire, answers)
    percents = [t.percent for t in result.themes]
    percents += [result.overall.percent, *(m.percent for m in result.compliance)]
    for percent in percents:
        assert percent is None or 0 <= percent <= 100
    for theme in result.themes:
        included = [s for s in theme.questions if s.included]
        assert theme.points == sum((s.points for s in included), Fraction(0))
        assert theme.possible == sum((s.possible for s in included), Fraction(0))
        if theme.by_judgement:
            assert theme.percent is None and theme.pulled_down == ()
        else:
            assert (theme.percent is None) == (not included) == (theme.grade is None)
        assert 0 <= theme.points <= theme.possible
    if result.overall.by_judgement:
        assert result.overall.percent is None  # the auditor's grade, never a percent
    else:
        assert (result.overall.percent is None) == all(t.percent is None for t in result.themes)


@PROPERTY
@given(audits(), st.data())
def test_adding_a_not_applicable_answer_changes_nothing(audit: Audit, data: st.DataObject) -> None:
    questionnaire, answers = audit
    candidates = [
        (qid, option.value)
        for qid, question in questionnaire.questions.items()
        if qid not in controllers(questionnaire)
        and question.is_scored
        and question.type == "choice"  # an unscored tick of a multi question still counts
        for option in question.options or ()
        if option.score is None and is_blank(answers.get(qid))
    ]
    if not candidates:
        return
    qid, value = data.draw(st.sampled_from(candidates))
    before = score_audit(questionnaire, answers)
    after = score_audit(questionnaire, {**answers, qid: value})
    assert totals(after) == totals(before)
    assert not after.questions[qid].included


@PROPERTY
@given(audits(), st.data())
def test_raising_one_score_never_lowers_its_theme(audit: Audit, data: st.DataObject) -> None:
    questionnaire, answers = audit
    before = score_audit(questionnaire, answers)
    candidates = [
        (qid, option.value)
        for qid, scored in before.questions.items()
        if scored.included
        and qid not in controllers(questionnaire)
        and questionnaire.questions[qid].type == "choice"
        # A theme graded by judgement has no percent for a score to raise.
        and not before.theme(scored.theme_id).by_judgement
        for option in questionnaire.questions[qid].options or ()
        if option.score is not None and scored.score is not None and option.score > scored.score
    ]
    if not candidates:
        return
    qid, value = data.draw(st.sampled_from(candidates))
    after = score_audit(questionnaire, {**answers, qid: value})
    theme_id = questionnaire.theme_of[qid]

    new, old = after.theme(theme_id).percent, before.theme(theme_id).percent
    assert new is not None and old is not None
    assert new >= old
    assert grade_rank(questionnaire, after.theme(theme_id).grade) <= grade_rank(
        questionnaire, before.theme(theme_id).grade
    )
    # Only that theme moves, so the overall result cannot get worse either.
    for theme in after.themes:
        if theme.theme_id != theme_id:
            assert _theme_totals(theme) == _theme_totals(before.theme(theme.theme_id))
    if before.overall.by_judgement:
        assert after.overall == before.overall  # the auditor's grade: no score moves it
        return
    assert after.overall.percent is not None and before.overall.percent is not None
    assert after.overall.percent >= before.overall.percent
    assert grade_rank(questionnaire, after.overall.grade) <= grade_rank(
        questionnaire, before.overall.grade
    )


@PROPERTY
@given(audits())
def test_answers_to_hidden_questions_count_for_nothing(audit: Audit) -> None:
    questionnaire, answers = audit
    result = score_audit(questionnaire, answers)
    assert result == score_audit(questionnaire, drop_hidden(questionnaire, answers))

    shown = shown_questions(questionnaire, answers)
    hidden = set(questionnaire.questions) - shown
    for qid in hidden:
        scored = result.questions[qid]
        assert (scored.shown, scored.included, scored.reason) == (False, False, "hidden")
        assert (scored.value, scored.points, scored.possible) == (None, 0, 0)
    for theme in result.themes:
        assert not hidden & {s.question_id for s in theme.pulled_down}
    assert not hidden & {a.question_id for a in result.compliance_answers}


@PROPERTY
@given(audits(), st.data())
def test_hiding_a_question_removes_it_from_every_total(audit: Audit, data: st.DataObject) -> None:
    questionnaire, answers = audit
    # Make one show_if unmet by answering its controller with a value outside its list.
    candidates = [
        (question, question.show_if.question, value)
        for question in questionnaire.questions.values()
        if isinstance(question.show_if, When) and question.show_if.in_ is not None
        for value in _values(questionnaire.questions[question.show_if.question])
        if value not in question.show_if.in_
    ]
    if not candidates:
        return
    question, controller, value = data.draw(st.sampled_from(candidates))
    hiding = {**answers, controller: value}
    assert question.id not in shown_questions(questionnaire, hiding)

    answer = data.draw(st.sampled_from([*_values(question), "not-an-option", ""]))
    with_answer = score_audit(questionnaire, {**hiding, question.id: answer})
    without = score_audit(questionnaire, {k: v for k, v in hiding.items() if k != question.id})
    assert with_answer == without
    assert not with_answer.questions[question.id].included


def _values(question: Question) -> list[str]:
    """Raw values a question can be answered with."""
    if question.type in ("choice", "multi"):
        return [o.value for o in question.options or ()]
    return [OTHER_VALUES[question.type]]


@PROPERTY
@given(audits())
def test_timeliness_measures_never_touch_a_score(audit: Audit) -> None:
    """With or without the audit day, every theme's and the overall result are the same; the
    measures only add compliance counts, one per measure met or not met."""
    questionnaire, answers = audit
    timed, untimed = (
        score_audit(questionnaire, answers, day=DAY),
        score_audit(questionnaire, answers),
    )
    assert totals(timed)[:2] == totals(untimed)[:2]
    counted = [r for r in timed.timeliness if r.counted]
    added = len(timed.compliance_answers) - len(untimed.compliance_answers)
    assert added == len(counted)
    assert len(timed.timeliness) == sum(len(t.timeliness or ()) for t in questionnaire.themes)


@PROPERTY
@given(audits())
def test_a_measure_reading_a_date_not_counted_is_not_applicable(audit: Audit) -> None:
    questionnaire, answers = audit
    counted = drop_hidden(questionnaire, answers)
    measures = {t.id: t for theme in questionnaire.themes for t in theme.timeliness or ()}
    for result in score_audit(questionnaire, answers, day=DAY).timeliness:
        dates = measures[result.measure_id].rule.dates()
        if any(qid not in counted for qid in dates):
            assert result.outcome == "not applicable"
