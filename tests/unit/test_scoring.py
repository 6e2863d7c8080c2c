"""The scoring rules, each against a result worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from audit_app.core.questionnaire import Band, Questionnaire, validate_questionnaire
from audit_app.core.scoring import (
    NOT_GRADED,
    AuditScore,
    format_percent,
    grade_for,
    round_percent,
    score_audit,
)

YES_NO_NA: dict[str, float | None] = {"yes": 1, "no": 0, "na": None}
GOOD_PARTLY_POOR: dict[str, float | None] = {"good": 2, "partly": 1, "poor": 0, "na": None}
OFSTED_BANDS = [
    {"grade": "Outstanding", "min": 85},
    {"grade": "Good", "min": 65},
    {"grade": "Requires improvement", "min": 40},
    {"grade": "Inadequate", "min": 0},
]


def choice(qid: str, options: dict[str, float | None] = YES_NO_NA, **extra: Any) -> dict[str, Any]:
    """A choice question whose options map value -> score (None: no score)."""
    return {
        "id": qid,
        "text": f"Question {qid}?",
        "type": "choice",
        "options": [
            {"value": value, "label": value.title(), "score": score}
            for value, score in options.items()
        ],
        **extra,
    }


def theme(tid: str, *questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A theme holding the given questions."""
    return {"id": tid, "title": f"Theme {tid}", "questions": list(questions), **extra}


def questionnaire(
    *themes: dict[str, Any],
    bands: list[dict[str, Any]] | None = None,
    overall: str = "mean",
) -> Questionnaire:
    """A validated questionnaire from JSON-like dicts, as the loader would build it."""
    return validate_questionnaire(
        {
            "format": "case-audit/1",
            "id": "test-audit",
            "version": 1,
            "title": "Test audit",
            "kind": "monthly",
            "grading": {"bands": bands or OFSTED_BANDS, "overall": overall},
            "themes": list(themes),
        }
    )


def single_theme(*questions: dict[str, Any], **kwargs: Any) -> Questionnaire:
    """A questionnaire with one theme, ``t``."""
    return questionnaire(theme("t", *questions), **kwargs)


# --- Not applicable, unanswered and invalid answers -------------------------------------------


def test_not_applicable_answer_is_excluded_from_both_sides() -> None:
    q = single_theme(choice("a"), choice("b"), choice("c"))
    result = score_audit(q, {"a": "yes", "b": "no", "c": "na"})
    # a: 1 of 1, b: 0 of 1, c: N/A -> 1 / 2 = 50%, not 1 / 3.
    t = result.theme("t")
    assert (t.points, t.possible, t.percent) == (1, 2, 50)
    c = result.questions["c"]
    assert c.reason == "not applicable"
    assert (c.shown, c.answered, c.included) == (True, True, False)
    assert (c.value, c.score, c.max_score) == ("na", None, 1)
    assert (c.points, c.possible) == (0, 0)


def test_unanswered_optional_question_is_excluded() -> None:
    q = single_theme(choice("a"), choice("b", required=False))
    result = score_audit(q, {"a": "no"})
    assert result.theme("t").percent == 0
    assert result.theme("t").possible == 1
    b = result.questions["b"]
    assert (b.reason, b.answered, b.included, b.value) == ("unanswered", False, False, None)


def test_blank_answer_is_unanswered() -> None:
    q = single_theme(choice("a"), choice("b"))
    result = score_audit(q, {"a": "yes", "b": "  "})
    assert result.questions["b"].reason == "unanswered"
    assert result.theme("t").percent == 100


def test_choice_value_that_is_not_an_option_is_unanswered() -> None:
    q = single_theme(choice("a"), choice("b"))
    result = score_audit(q, {"a": "yes", "b": "maybe"})
    b = result.questions["b"]
    assert (b.reason, b.answered, b.value) == ("unanswered", False, None)
    assert result.theme("t").percent == 100


def test_unknown_answer_ids_are_ignored() -> None:
    q = single_theme(choice("a"))
    assert score_audit(q, {"a": "no", "elsewhere": "yes"}) == score_audit(q, {"a": "no"})


def test_unscored_questions_never_count() -> None:
    q = single_theme(
        choice("a"),
        {"id": "notes", "text": "Notes", "type": "text"},
        {"id": "visited", "text": "Last visit", "type": "date"},
        {"id": "visits", "text": "Visits", "type": "number"},
        choice("in-care", {"yes": None, "no": None}),
    )
    answers = {
        "a": "yes",
        "notes": "Seen alone",
        "visited": "2026-03-27",
        "visits": "4",
        "in-care": "no",
    }
    result = score_audit(q, answers)
    assert result.theme("t").possible == 1
    for qid in ("notes", "visited", "visits", "in-care"):
        scored = result.questions[qid]
        assert (scored.reason, scored.answered, scored.included) == ("not scored", True, False)
        assert (scored.value, scored.score, scored.max_score) == (answers[qid], None, None)
        assert (scored.points, scored.possible) == (0, 0)


# --- Hidden questions -------------------------------------------------------------------------


def test_answer_to_hidden_question_never_counts() -> None:
    q = single_theme(
        choice("in-care", {"yes": None, "no": None}),
        choice("pathway-plan", show_if={"question": "in-care", "in": ["yes"]}),
        choice("visits"),
    )
    # pathway-plan's answer is still stored (the auditor changed in-care afterwards).
    result = score_audit(q, {"in-care": "no", "pathway-plan": "no", "visits": "yes"})
    hidden = result.questions["pathway-plan"]
    assert (hidden.shown, hidden.answered, hidden.included) == (False, False, False)
    assert (hidden.reason, hidden.value, hidden.points, hidden.possible) == ("hidden", None, 0, 0)
    assert result.theme("t").percent == 100
    assert result == score_audit(q, {"in-care": "no", "visits": "yes"})

    shown = score_audit(q, {"in-care": "yes", "pathway-plan": "no", "visits": "yes"})
    assert shown.questions["pathway-plan"].reason == "included"
    assert shown.theme("t").percent == 50


def test_question_controlled_by_a_hidden_question_is_hidden() -> None:
    q = single_theme(
        choice("a"),
        choice("b", show_if={"question": "a", "in": ["yes"]}),
        choice("c", show_if={"question": "b", "in": ["yes"]}),
    )
    # b matches c's show_if, but b itself is hidden because a is "no": so c is hidden too.
    result = score_audit(q, {"a": "no", "b": "yes", "c": "no"})
    assert [result.questions[x].reason for x in "abc"] == ["included", "hidden", "hidden"]
    assert result.theme("t").percent == 0
    assert result.theme("t").possible == 1

    all_shown = score_audit(q, {"a": "yes", "b": "yes", "c": "no"})
    assert all_shown.theme("t").percent == Fraction(200, 3)


def test_unanswered_controller_hides_its_questions() -> None:
    q = single_theme(
        choice("a", required=False),
        choice("b", show_if={"question": "a", "in": ["no", "na"]}),
    )
    result = score_audit(q, {"b": "yes"})
    assert result.questions["b"].reason == "hidden"
    assert result.theme("t").percent is None
    # N/A is an answer like any other for show_if.
    assert score_audit(q, {"a": "na", "b": "yes"}).theme("t").percent == 100


def test_hidden_compliance_question_is_not_counted() -> None:
    q = single_theme(
        choice("a"),
        choice("b", compliance="Chronology", show_if={"question": "a", "in": ["yes"]}),
    )
    result = score_audit(q, {"a": "no", "b": "yes"})
    assert result.compliance_answers == ()
    (measure,) = result.compliance
    assert (measure.compliant, measure.non_compliant, measure.percent) == (0, 0, None)


# --- Weights ----------------------------------------------------------------------------------


def test_question_and_theme_weights() -> None:
    # Theme "practice", weight 2:
    #   p1 weight 3, "partly" = 1 of max 2  -> 3 x 1 = 3 of 3 x 2 = 6
    #   p2 weight 1, "yes"    = 1 of max 1  -> 1 of 1
    #   percent = 100 x (3 + 1) / (6 + 1) = 400/7 = 57.142857...  -> Requires improvement
    # Theme "recording", weight 1 (default):
    #   r1 "no" 0 of 1, r2 "yes" 1 of 1 -> 100 x 1 / 2 = 50         -> Requires improvement
    # Overall = (2 x 400/7 + 1 x 50) / (2 + 1) = (800/7 + 350/7) / 3 = 1150/21 = 54.7619...
    q = questionnaire(
        theme("practice", choice("p1", GOOD_PARTLY_POOR, weight=3), choice("p2"), weight=2),
        theme("recording", choice("r1"), choice("r2")),
    )
    result = score_audit(q, {"p1": "partly", "p2": "yes", "r1": "no", "r2": "yes"})

    p1 = result.questions["p1"]
    assert (p1.weight, p1.score, p1.max_score, p1.points, p1.possible) == (3, 1, 2, 3, 6)
    practice = result.theme("practice")
    assert (practice.weight, practice.points, practice.possible) == (2, 4, 7)
    assert practice.percent == Fraction(400, 7)
    assert practice.grade == "Requires improvement"
    assert result.theme("recording").percent == 50

    assert result.overall.percent == Fraction(1150, 21)
    assert result.overall.grade == "Requires improvement"
    assert format_percent(result.overall.percent) == "54.8%"
    assert format_percent(practice.percent) == "57.1%"


def test_decimal_weights_are_exact() -> None:
    # Weights 0.3, 0.1 and 0.2; only the 0.3 question is met: 100 x 0.3 / 0.6 = 50 exactly.
    # In binary floats 0.3 + 0.1 + 0.2 = 0.6000000000000001 and the percent comes out as
    # 49.99999999999999, which would fall into the band below 50.
    assert 100 * 0.3 / (0.3 + 0.1 + 0.2) < 50
    q = single_theme(
        choice("a", weight=0.3),
        choice("b", weight=0.1),
        choice("c", weight=0.2),
        bands=[{"grade": "Met", "min": 50}, {"grade": "Not met", "min": 0}],
    )
    result = score_audit(q, {"a": "yes", "b": "no", "c": "no"})
    assert result.questions["b"].weight == Fraction(1, 10)
    assert result.theme("t").possible == Fraction(6, 10)
    assert result.theme("t").percent == 50
    assert result.theme("t").grade == "Met"


def test_decimal_theme_weights_are_exact() -> None:
    # Themes weighted 0.1 (100%) and 0.2 (25%): (0.1 x 100 + 0.2 x 25) / 0.3 = 15 / 0.3 = 50.
    q = questionnaire(
        theme("a", choice("a1"), weight=0.1),
        theme("b", choice("b1", {"yes": 4, "partly": 1, "no": 0}), weight=0.2),
        bands=[{"grade": "Met", "min": 50}, {"grade": "Not met", "min": 0}],
    )
    result = score_audit(q, {"a1": "yes", "b1": "partly"})
    assert result.theme("b").percent == 25
    assert result.overall.percent == 50
    assert result.overall.grade == "Met"


# --- Band boundaries --------------------------------------------------------------------------


def test_percent_exactly_on_a_band_min_gets_that_band() -> None:
    # 13 of 20 = 65% exactly, and Good starts at 65.
    q = single_theme(choice("a", {"met": 20, "mostly": 13, "not-met": 0}))
    result = score_audit(q, {"a": "mostly"})
    assert result.theme("t").percent == 65
    assert result.theme("t").grade == "Good"
    assert result.overall.grade == "Good"


def test_percent_just_below_a_band_min_gets_the_band_below() -> None:
    q = single_theme(choice("a", {"met": 2000, "mostly": 1299, "not-met": 0}))
    result = score_audit(q, {"a": "mostly"})
    assert result.theme("t").percent == Fraction(1299, 20)
    assert result.theme("t").grade == "Requires improvement"
    # Shown as 65.0% but graded on the exact 64.95: display rounding never changes a grade.
    assert format_percent(result.theme("t").percent) == "65.0%"


def test_decimal_band_min_is_exact() -> None:
    # The float nearest 57.7 is slightly above 57.7, so a float comparison would put exactly
    # 57.7% (577 of 1000) in the band below.
    assert Fraction(57.7) > Fraction("57.7")
    bands = [{"grade": "Pass", "min": 57.7}, {"grade": "Fail", "min": 0}]
    q = single_theme(choice("a", {"full": 1000, "most": 577, "none": 0}), bands=bands)
    result = score_audit(q, {"a": "most"})
    assert result.theme("t").percent == Fraction("57.7")
    assert result.theme("t").grade == "Pass"


def test_grade_for() -> None:
    bands = [Band(grade="A", min=60.5), Band(grade="B", min=10), Band(grade="C", min=0)]
    assert grade_for(bands, Fraction(100)) == "A"
    assert grade_for(bands, Fraction(121, 2)) == "A"
    assert grade_for(bands, Fraction(121, 2) - Fraction(1, 10**9)) == "B"
    assert grade_for(bands, Fraction(10)) == "B"
    assert grade_for(bands, Fraction(0)) == "C"
    with pytest.raises(ValueError):
        grade_for(bands, Fraction(-1))


# --- Overall: "mean" and "lowest" -------------------------------------------------------------


def three_themes(overall: str, *, safety_limiting: bool = True) -> Questionnaire:
    """Themes "voice" and "plans" (one yes/no each) and "safety" (two questions)."""
    return questionnaire(
        theme("voice", choice("v1")),
        theme("plans", choice("p1")),
        theme("safety", choice("s1"), choice("s2"), limiting=safety_limiting),
        overall=overall,
    )


# Each case: the overall rule, whether safety is limiting, the answers to v1, p1, s1 and s2,
# then the percent, the band's grade, the overall grade and the themes that set it.
OVERALL_CASES = {
    # voice 100, plans 100, safety 50 -> mean (100 + 100 + 50) / 3 = 83.33 -> Good by band;
    # safety is limiting and "Requires improvement", so the audit is capped there.
    "mean-capped-by-a-limiting-theme": (
        ("mean", True, "yes yes yes no"),
        (Fraction(250, 3), "Good", "Requires improvement", ("safety",)),
    ),
    "the-same-scores-without-the-limiting-marker-are-not-capped": (
        ("mean", False, "yes yes yes no"),
        (Fraction(250, 3), "Good", "Good", ()),
    ),
    # voice 0, plans 100, safety 100 -> mean 66.67 -> Good; safety is Outstanding.
    "a-limiting-theme-no-worse-than-the-band-does-not-cap": (
        ("mean", True, "no yes yes yes"),
        (Fraction(200, 3), "Good", "Good", ()),
    ),
    # voice 100 (Outstanding), plans 0 (Inadequate), safety 50 (Requires improvement):
    # percent still the mean, 50; grade the worst theme's.
    "lowest-takes-the-worst-theme-grade": (
        ("lowest", False, "yes no yes no"),
        (50, "Requires improvement", "Inadequate", ("plans",)),
    ),
    "lowest-names-every-theme-at-the-worst-grade": (
        ("lowest", False, "yes yes yes yes"),
        (100, "Outstanding", "Outstanding", ("voice", "plans", "safety")),
    ),
}


@pytest.mark.parametrize(("given", "expected"), OVERALL_CASES.values(), ids=list(OVERALL_CASES))
def test_the_overall_grade_by_rule_and_limiting_theme(
    given: tuple[str, bool, str], expected: tuple[Fraction | int, str, str, tuple[str, ...]]
) -> None:
    overall, safety_limiting, answered = given
    q = three_themes(overall, safety_limiting=safety_limiting)
    result = score_audit(q, dict(zip(("v1", "p1", "s1", "s2"), answered.split(), strict=True)))
    percent, band_grade, grade, limited_by = expected
    assert result.overall.percent == percent
    assert result.overall.band_grade == band_grade
    assert result.overall.grade == grade
    assert result.overall.limited_by == limited_by


def test_ungraded_limiting_theme_does_not_cap() -> None:
    q = three_themes("mean")
    result = score_audit(q, {"v1": "yes", "p1": "yes", "s1": "na", "s2": "na"})
    assert result.theme("safety").grade is None
    assert result.overall.percent == 100
    assert result.overall.grade == "Outstanding"
    assert result.overall.limited_by == ()


def four_themes(records_weight: float) -> Questionnaire:
    """Three limiting themes and a "records" theme of the given weight."""
    return questionnaire(
        theme("voice", choice("v1"), limiting=True),
        theme("plans", choice("p1"), limiting=True),
        theme("safety", choice("s1"), choice("s2"), limiting=True),
        theme("records", choice("r1"), choice("r2"), choice("r3"), weight=records_weight),
    )


def test_every_limiting_theme_at_the_cap_is_named() -> None:
    answers = {
        "v1": "no",
        "p1": "no",
        "s1": "yes",
        "s2": "no",
        "r1": "yes",
        "r2": "yes",
        "r3": "yes",
    }
    # voice 0 and plans 0 (Inadequate), safety 50, records 100: mean 37.5 -> Inadequate by band,
    # so nothing is capped.
    result = score_audit(four_themes(1), answers)
    assert result.overall.percent == Fraction(75, 2)
    assert (result.overall.grade, result.overall.limited_by) == ("Inadequate", ())

    # With records weighted 10: (0 + 0 + 50 + 10 x 100) / 13 = 80.77 -> Good by band, capped to
    # Inadequate by both voice and plans.
    result = score_audit(four_themes(10), answers)
    assert result.overall.percent == Fraction(1050, 13)
    assert result.overall.band_grade == "Good"
    assert result.overall.grade == "Inadequate"
    assert result.overall.limited_by == ("voice", "plans")


def test_lowest_ignores_ungraded_themes() -> None:
    q = three_themes("lowest", safety_limiting=False)
    result = score_audit(q, {"v1": "yes", "p1": "na", "s1": "yes", "s2": "no"})
    assert result.theme("plans").grade is None
    # (100 + 50) / 2 = 75 -> Good by band; the worst graded theme is safety at 50.
    assert result.overall.percent == 75
    assert result.overall.band_grade == "Good"
    assert result.overall.grade == "Requires improvement"
    assert result.overall.limited_by == ("safety",)


# --- Not graded -------------------------------------------------------------------------------


def test_theme_with_nothing_included_is_not_graded_and_left_out_of_overall() -> None:
    q = questionnaire(
        theme("voice", choice("v1"), choice("v2", required=False)),
        theme("plans", choice("p1"), weight=5),
    )
    # plans (weight 5) has only an N/A answer: not graded, and its weight does not count.
    result = score_audit(q, {"v1": "yes", "p1": "na"})
    plans = result.theme("plans")
    assert (plans.percent, plans.grade, plans.graded) == (None, None, False)
    assert plans.grade_label == NOT_GRADED
    assert (plans.points, plans.possible, plans.pulled_down) == (0, 0, ())
    assert format_percent(plans.percent) == ""
    assert result.overall.percent == 100
    assert result.overall.grade == "Outstanding"


def test_overall_with_no_graded_theme_is_not_graded() -> None:
    q = questionnaire(
        theme("voice", choice("v1"), {"id": "notes", "text": "Notes", "type": "text"}),
        theme("plans", choice("p1"), limiting=True),
    )
    result = score_audit(q, {"v1": "na", "notes": "Nothing to add"})
    assert all(t.percent is None and t.grade is None for t in result.themes)
    overall = result.overall
    assert (overall.percent, overall.grade, overall.band_grade) == (None, None, None)
    assert overall.limited_by == ()
    assert (overall.graded, overall.grade_label) == (False, NOT_GRADED)


def test_empty_answers_grade_nothing() -> None:
    result = score_audit(three_themes("lowest"), {})
    assert result.overall.percent is None
    assert [q.reason for q in result.questions.values()] == ["unanswered"] * 4


# --- Compliance -------------------------------------------------------------------------------


def test_compliance_counts_and_percent() -> None:
    q = questionnaire(
        theme(
            "records",
            choice("c1", compliance="Chronology up to date"),
            choice("c2", compliance="Chronology up to date"),
            choice("c3", compliance="Chronology up to date"),
            choice("plan", GOOD_PARTLY_POOR, compliance="Plan reviewed"),
        ),
        theme(
            "oversight",
            choice("c4", compliance="Chronology up to date"),
            choice("super", compliance="Supervision recorded"),
            choice("plan2", GOOD_PARTLY_POOR, compliance="Plan reviewed"),
        ),
    )
    answers = {
        "c1": "yes",
        "c2": "no",
        "c3": "na",  # excluded: neither compliant nor non-compliant
        "plan": "partly",  # 1 of max 2: not compliant
        "c4": "yes",
        # "super" unanswered: neither
        "plan2": "good",
    }
    result = score_audit(q, answers)
    chronology, plan, supervision = result.compliance
    assert chronology.measure == "Chronology up to date"
    assert (chronology.compliant, chronology.non_compliant) == (2, 1)
    assert chronology.percent == Fraction(200, 3)
    assert format_percent(chronology.percent) == "66.7%"
    assert chronology.question_ids == ("c1", "c2", "c3", "c4")

    assert plan.measure == "Plan reviewed"
    assert (plan.compliant, plan.non_compliant, plan.percent) == (1, 1, 50)
    assert plan.question_ids == ("plan", "plan2")

    assert supervision.measure == "Supervision recorded"
    assert (supervision.compliant, supervision.non_compliant, supervision.percent) == (0, 0, None)

    assert [
        (a.question_id, a.theme_id, a.measure, a.value, a.compliant)
        for a in result.compliance_answers
    ] == [
        ("c1", "records", "Chronology up to date", "yes", True),
        ("c2", "records", "Chronology up to date", "no", False),
        ("plan", "records", "Plan reviewed", "partly", False),
        ("c4", "oversight", "Chronology up to date", "yes", True),
        ("plan2", "oversight", "Plan reviewed", "good", True),
    ]


def test_questionnaire_without_compliance_markers() -> None:
    result = score_audit(single_theme(choice("a")), {"a": "yes"})
    assert (result.compliance, result.compliance_answers) == ((), ())


# --- Explaining a grade -----------------------------------------------------------------------


def test_pulled_down_lists_lost_points_largest_first_then_file_order() -> None:
    q = single_theme(
        choice("a"),  # no: loses 1 x (1 - 0) = 1
        choice("b", GOOD_PARTLY_POOR, weight=3),  # partly: loses 3 x (2 - 1) = 3
        choice("c"),  # yes: loses nothing
        choice("d", GOOD_PARTLY_POOR, weight=0.5),  # poor: loses 0.5 x (2 - 0) = 1
        choice("e", GOOD_PARTLY_POOR, weight=2),  # poor: loses 2 x 2 = 4
        choice("f"),  # N/A: excluded
    )
    answers = {"a": "no", "b": "partly", "c": "yes", "d": "poor", "e": "poor", "f": "na"}
    result = score_audit(q, answers)
    t = result.theme("t")
    assert [s.question_id for s in t.pulled_down] == ["e", "b", "a", "d"]
    assert [s.lost for s in t.pulled_down] == [4, 3, 1, 1]
    # Points 0 + 3 + 1 + 0 + 0 = 4 of 1 + 6 + 1 + 1 + 4 = 13.
    assert (t.points, t.possible, t.percent) == (4, 13, Fraction(400, 13))
    assert t.pulled_down[0] is result.questions["e"]


def test_result_structure_follows_file_order() -> None:
    q = questionnaire(
        theme("b-theme", choice("z"), choice("y")),
        theme("a-theme", choice("x")),
    )
    result = score_audit(q, {"z": "yes", "y": "no", "x": "yes"})
    assert [t.theme_id for t in result.themes] == ["b-theme", "a-theme"]
    assert [t.title for t in result.themes] == ["Theme b-theme", "Theme a-theme"]
    assert list(result.questions) == ["z", "y", "x"]
    assert [s.question_id for s in result.theme("b-theme").questions] == ["z", "y"]
    assert all(result.questions[s.question_id] is s for t in result.themes for s in t.questions)
    with pytest.raises(KeyError):
        result.theme("missing")


def test_result_is_immutable() -> None:
    result: AuditScore = score_audit(single_theme(choice("a")), {"a": "yes"})
    with pytest.raises(AttributeError):
        result.overall = result.overall  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.themes[0].percent = Fraction(0)  # type: ignore[misc]


# --- Rounding for display ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "shown"),
    [
        (Fraction("62.25"), "62.3"),
        (Fraction("62.35"), "62.4"),
        (Fraction("62.249999"), "62.2"),
        (Fraction(200, 3), "66.7"),
        (Fraction(100, 3), "33.3"),
        (Fraction("0.05"), "0.1"),
        (Fraction("0.04"), "0.0"),
        (Fraction(0), "0.0"),
        (Fraction(100), "100.0"),
        (Fraction("99.95"), "100.0"),
        (Fraction("-62.25"), "-62.3"),
    ],
)
def test_round_percent_is_half_away_from_zero(percent: Fraction, shown: str) -> None:
    rounded = round_percent(percent)
    assert rounded == Decimal(shown)
    assert str(rounded) == shown
    assert format_percent(percent) == f"{shown}%"


def test_round_percent_of_not_graded() -> None:
    assert round_percent(None) is None
    assert format_percent(None) == ""


# --- The worked example in docs/questionnaire-format.md ---------------------------------------

YES_NO: dict[str, float | None] = {"yes": 1, "no": 0}
GRADED: dict[str, float | None] = {"good": 3, "adequate": 2, "partly": 1, "not-met": 0}


def documented_example(overall: str = "mean") -> Questionnaire:
    """The questionnaire of the documented worked example."""
    return questionnaire(
        theme(
            "voice",
            choice("v1", YES_NO_NA),
            choice("v2", GRADED, weight=2),
            choice("v3", YES_NO_NA),
            weight=2,
        ),
        theme(
            "safety",
            choice("s1", {"yes": None, "no": None}),
            choice("s2", YES_NO, show_if={"question": "s1", "in": ["yes"]}),
            choice("s3", GRADED),
            limiting=True,
        ),
        theme(
            "recording",
            choice("r1", YES_NO, compliance="Chronology up to date"),
            choice("r2", YES_NO, compliance="Case summary up to date"),
            choice("r3", YES_NO, compliance="Visits within timescale"),
            choice("r4", YES_NO, compliance="Plan reviewed in timescale"),
        ),
        overall=overall,
    )


DOCUMENTED_ANSWERS = {
    "v1": "yes",
    "v2": "adequate",
    "v3": "na",
    "s1": "yes",
    "s2": "yes",
    "s3": "partly",
    "r1": "yes",
    "r2": "yes",
    "r3": "no",
    "r4": "yes",
}


def test_documented_worked_example() -> None:
    result = score_audit(documented_example(), DOCUMENTED_ANSWERS)
    summary = [
        (
            t.points,
            t.possible,
            format_percent(t.percent),
            t.grade,
            [s.question_id for s in t.pulled_down],
        )
        for t in result.themes
    ]
    assert summary == [
        (5, 7, "71.4%", "Good", ["v2"]),
        (2, 4, "50.0%", "Requires improvement", ["s3"]),
        (3, 4, "75.0%", "Good", ["r3"]),
    ]
    assert [s.lost for t in result.themes for s in t.pulled_down] == [2, 2, 1]
    assert result.overall.percent == Fraction(1875, 28)
    assert format_percent(result.overall.percent) == "67.0%"
    assert result.overall.band_grade == "Good"
    assert result.overall.grade == "Requires improvement"
    assert result.overall.limited_by == ("safety",)
    assert [(m.measure, m.compliant, m.non_compliant, m.percent) for m in result.compliance] == [
        ("Chronology up to date", 1, 0, 100),
        ("Case summary up to date", 1, 0, 100),
        ("Visits within timescale", 0, 1, 0),
        ("Plan reviewed in timescale", 1, 0, 100),
    ]


def test_documented_worked_example_with_the_strategy_question_hidden() -> None:
    result = score_audit(documented_example(), {**DOCUMENTED_ANSWERS, "s1": "no"})
    safety = result.theme("safety")
    assert (safety.points, safety.possible, format_percent(safety.percent)) == (1, 3, "33.3%")
    assert safety.grade == "Inadequate"
    assert result.overall.percent == Fraction(5275, 84)
    assert format_percent(result.overall.percent) == "62.8%"
    assert result.overall.band_grade == "Requires improvement"
    assert (result.overall.grade, result.overall.limited_by) == ("Inadequate", ("safety",))


def test_documented_worked_example_graded_lowest() -> None:
    result = score_audit(documented_example("lowest"), DOCUMENTED_ANSWERS)
    assert format_percent(result.overall.percent) == "67.0%"
    assert result.overall.grade == "Requires improvement"
    assert result.overall.limited_by == ("safety",)
