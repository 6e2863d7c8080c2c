"""The figures of a calibration exercise, against figures worked by hand.

Four auditors (A, B, C, D) answer eight questions (yes, partly or no) and grade four themes and
the overall judgement on the four-band scale. The same example is run in the browser test
(tests/browser/test_calibration.py), where the hand working is repeated beside the page's figures.
"""

from __future__ import annotations

import pytest

from audit_app.core.calibration import MIN_UNITS, Item, Rater, agreement, figures

SCALE = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
QUESTIONS = [Item(f"q{i}", f"Question {i}") for i in range(1, 9)]
GRADED = [Item(f"t{i}", f"Theme {i}") for i in range(1, 5)] + [Item("overall", "Overall")]
OUT, G, RI, INA = SCALE

#          q1     q2     q3        q4     q5        q6     q7    q8
ANSWERS = {
    1: ["yes", "yes", "no", "yes", "partly", "yes", "no", "yes"],
    2: ["yes", "yes", "no", "no", "partly", "yes", "no", "partly"],
    3: ["yes", "yes", "partly", "yes", "no", "yes", "no", "yes"],
    4: ["yes", "no", "no", "yes", "no", "yes", "no", "yes"],
}
#        t1 t2  t3  t4 overall
GRADES = {
    1: [G, G, RI, G, G],
    2: [G, G, RI, OUT, G],
    3: [G, RI, RI, G, RI],
    4: [G, G, INA, G, RI],
}
AGREED = ["yes", "yes", "no", "yes", "no", "yes", "no", "yes"]
AGREED_ANSWERS = {q.id: v for q, v in zip(QUESTIONS, AGREED, strict=True)}
AGREED_GRADES = {"t1": G, "t2": G, "t3": RI, "t4": G, "overall": G}


def _raters() -> list[Rater]:
    return [
        Rater(
            auditor_id=n,
            answers={q.id: v for q, v in zip(QUESTIONS, ANSWERS[n], strict=True)},
            grades={g.id: v for g, v in zip(GRADED, GRADES[n], strict=True)},
        )
        for n in ANSWERS
    ]


def test_percent_agreement_and_alpha_of_the_answers_match_the_hand_working() -> None:
    # Pairs agreeing of the 6 per question: q1 6, q2 3, q3 3, q4 3, q5 2, q6 6, q7 6, q8 3:
    # (1 + .5 + .5 + .5 + 1/3 + 1 + 1 + .5) / 8 = 5.3333 / 8 = 66.7%.
    # Alpha (nominal): 32 values, yes 17, no 11, partly 4. Observed disagreement: the
    # disagreeing ordered pairs per question (q2 6, q3 6, q4 6, q5 8, q8 6 = 32) over m - 1 = 3,
    # over n = 32: 0.3333. Expected: (32^2 - 17^2 - 11^2 - 4^2) / (32 x 31) = 598 / 992 =
    # 0.6028. Alpha = 1 - 0.3333 / 0.6028 = 0.447.
    found = figures(QUESTIONS, GRADED, SCALE, _raters(), AGREED_ANSWERS, AGREED_GRADES)
    assert found.answer_agreement.units == 8
    assert found.answer_agreement.percent == pytest.approx(66.6667, abs=1e-3)
    assert found.answer_agreement.alpha == pytest.approx(1 - (32 / 3 / 32) / (598 / 992))
    assert round(found.answer_agreement.alpha or 0, 3) == 0.447


def test_percent_agreement_and_ordinal_alpha_of_the_grades_match_the_hand_working() -> None:
    # Pairs agreeing: t1 6, t2 3, t3 3, t4 3, overall 2: (1 + .5 + .5 + .5 + 1/3) / 5 = 56.7%.
    # Alpha (ordinal): 20 values, Outstanding 1, Good 12, RI 6, Inadequate 1. Distances
    # (sum of the counts from one grade to the other, less half the two ends' counts, squared):
    # O-G 6.5^2 = 42.25, G-RI 9^2 = 81, RI-I 3.5^2 = 12.25, O-RI 15.5^2 = 240.25,
    # G-I 12.5^2 = 156.25, O-I 19^2 = 361. Observed: t2 2x3x1x81/3 = 162, t3 2x3x1x12.25/3 =
    # 24.5, t4 2x3x1x42.25/3 = 84.5, overall 2x2x2x81/3 = 216; 487 / 20 = 24.35. Expected:
    # 2 x (1x12x42.25 + 12x6x81 + 6x1x12.25 + 1x6x240.25 + 12x1x156.25 + 1x1x361) / (20 x 19)
    # = 20180 / 380 = 53.105. Alpha = 1 - 24.35 / 53.105 = 0.541.
    found = figures(QUESTIONS, GRADED, SCALE, _raters(), AGREED_ANSWERS, AGREED_GRADES)
    assert found.grade_agreement.units == 5
    assert found.grade_agreement.percent == pytest.approx(56.6667, abs=1e-3)
    assert found.grade_agreement.alpha == pytest.approx(1 - 24.35 / (20180 / 380))
    assert round(found.grade_agreement.alpha or 0, 3) == 0.541


def test_each_auditor_s_distance_from_the_agreed_answers_and_grades() -> None:
    found = figures(QUESTIONS, GRADED, SCALE, _raters(), AGREED_ANSWERS, AGREED_GRADES)
    by_auditor = {d.auditor_id: d for d in found.distances}
    # A misses q5; B misses q4, q5 and q8; C misses q3; D misses q2.
    assert [by_auditor[n].answers_matching for n in (1, 2, 3, 4)] == [7, 5, 7, 7]
    assert by_auditor[2].percent == 62.5 and by_auditor[1].percent == 87.5
    assert dict(by_auditor[2].grade_steps) == {"t1": 0, "t2": 0, "t3": 0, "t4": 1, "overall": 0}
    assert dict(by_auditor[3].grade_steps) == {"t1": 0, "t2": 1, "t3": 0, "t4": 0, "overall": 1}
    assert dict(by_auditor[4].grade_steps)["t3"] == 1


def test_the_spread_of_each_item_with_the_agreed_value() -> None:
    found = figures(QUESTIONS, GRADED, SCALE, _raters(), AGREED_ANSWERS, AGREED_GRADES)
    q5 = found.answers[4]
    assert q5.counts == (("no", 2), ("partly", 2)) and q5.agreed == "no" and q5.matching == 2
    overall = found.grades[4]
    assert overall.counts == ((G, 2), (RI, 2)) and overall.matching == 2 and overall.given == 4


def test_below_the_minimum_number_of_units_the_figures_are_too_few_to_say() -> None:
    table: list[list[str | None]] = [["yes", "yes"]] * (MIN_UNITS - 1) + [["yes", None]]
    found = agreement(table, order=None)
    assert found.units == MIN_UNITS - 1
    assert not found.enough and found.percent is None and found.alpha is None


def test_every_value_the_same_gives_a_percent_but_no_alpha() -> None:
    found = agreement([["yes", "yes"]] * MIN_UNITS, order=None)
    assert found.enough and found.percent == 100.0 and found.alpha is None


def test_a_grade_off_the_scale_and_an_unanswered_question_are_left_out() -> None:
    rater = Rater(1, answers={"q1": "yes"}, grades={"t1": "Excellent"})
    found = figures(QUESTIONS[:2], GRADED[:1], SCALE, [rater], {"q1": "yes", "q2": "no"}, {"t1": G})
    assert found.distances[0].answers_compared == 1
    assert found.distances[0].grade_steps == (("t1", None),)
    assert found.grades[0].given == 0
