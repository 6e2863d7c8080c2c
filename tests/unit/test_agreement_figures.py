"""The agreement page's figures (reporting/agreement_figures.py) on small sets worked by hand.

Four second-audit pairs of the test questionnaire (auditors 1 and 2, then 1 and 3):

====  ===========  ============  ======  =======
pair  voice grade  seen alone    visits  quarter
====  ===========  ============  ======  =======
1     Good, Good   yes, yes      3, 3    2026 Q1
2     Good, RI     yes, no       2, 4    2026 Q1
3     RI, RI       no, no        5, 5    2026 Q2
4     Inad., RI    partly, no    1, 1    2026 Q2
====  ===========  ============  ======  =======

Voice grades (ordinal; Good 3, RI 4, Inadequate 1 of 8 values): two of four units agree, 50%;
delta(Good, RI) = (3 + 4 - 3.5)^2 = 12.25, delta(RI, Inad.) = (4 + 1 - 2.5)^2 = 6.25,
delta(Good, Inad.) = (3 + 4 + 1 - 2)^2 = 36; observed (2 x 12.25 + 2 x 6.25) / 8 = 4.625;
expected 2 x (3 x 4 x 12.25 + 4 x 1 x 6.25 + 3 x 1 x 36) / 56 = 10; alpha 1 - 0.4625 = 0.5375.

Seen alone (nominal; yes 3, no 4, partly 1): 50%; observed 4 / 8 = 0.5; expected
(64 - 9 - 16 - 1) / 56 = 38 / 56; alpha 1 - 0.5 x 56 / 38 = 0.263158.

Visits (interval; mean 3, squares about it 18): three of four agree, 75%; observed
2 x (2 - 4)^2 / 8 = 1; expected 2 x 8 x 18 / 56 = 288 / 56; alpha 1 - 56 / 288 = 0.805556.

Auditor 1 against the other, over voice and seen alone (nominal, 16 values: Good 3, RI 4,
Inad. 1, yes 3, no 4, partly 1): 4 of 8 units agree, 50%; observed 8 / 16 = 0.5; expected
(256 - 52) / 240 = 0.85; alpha 1 - 0.5 / 0.85 = 0.411765. Auditor 2: 4 of 6, 66.7%. Auditor
3: 2 units, too few. Each quarter: 2 units of grades, too few (3 needed here).
"""

from __future__ import annotations

import csv
import io

import pytest

from audit_app.core.questionnaire import Questionnaire, upgrade, validate_questionnaire
from audit_app.reporting.agreement_figures import (
    Figure,
    Rated,
    RatedSet,
    export_rows,
    figures,
)
from tests.builders import questionnaire_dict
from tests.unit.test_format2_multi import TOPICS

NAMES = {1: "Amber", 2: "Basil", 3: "Cyril", 4: "Dora"}


def _questionnaire() -> Questionnaire:
    data = questionnaire_dict()
    data["themes"][1]["questions"].append(
        {"id": "visits", "text": "=Visits in the month", "type": "number"}
    )
    return validate_questionnaire(data)


def _pair(
    set_id: int, quarter: str, a: tuple[int, str, str, str], b: tuple[int, str, str, str]
) -> RatedSet:
    q = _questionnaire()
    raters = [
        Rated(
            who,
            {"seen-alone": seen, "visits": visits, "voice-comment": "Not compared"},
            {"voice": grade},
        )
        for who, grade, seen, visits in (a, b)
    ]
    return RatedSet("second", set_id, quarter, q, raters)


PAIRS = [
    _pair(1, "2026 Q1", (1, "Good", "yes", "3"), (2, "Good", "yes", "3")),
    _pair(2, "2026 Q1", (1, "Good", "yes", "2"), (2, "Requires improvement", "no", "4")),
    _pair(
        3, "2026 Q2", (1, "Requires improvement", "no", "5"), (2, "Requires improvement", "no", "5")
    ),
    _pair(4, "2026 Q2", (1, "Inadequate", "partly", "1"), (3, "Requires improvement", "no", "1")),
]


def _by_label(found: list[Figure]) -> dict[str, Figure]:
    return {f.label: f for f in found}


def test_grades_per_theme_ordinal_as_worked_by_hand() -> None:
    (voice,) = figures(PAIRS, 3, NAMES).themes
    assert voice.label == "The child's voice (Test audit)" and voice.level == "ordinal"
    assert voice.units == 4 and voice.enough
    assert voice.percent == pytest.approx(50.0)
    assert voice.alpha == pytest.approx(0.5375)
    assert voice.low is not None and voice.high is not None and voice.low <= voice.high


def test_answers_per_question_by_their_type_as_worked_by_hand() -> None:
    found = _by_label(figures(PAIRS, 3, NAMES).questions)
    # Free text is not compared.
    assert set(found) == {
        "Was the child seen alone? (Test audit)",
        "=Visits in the month (Test audit)",
    }
    seen = found["Was the child seen alone? (Test audit)"]
    assert (seen.level, seen.units, seen.percent) == ("nominal", 4, pytest.approx(50.0))
    assert seen.alpha == pytest.approx(1 - 0.5 * 56 / 38)
    visits = found["=Visits in the month (Test audit)"]
    assert (visits.level, visits.units, visits.percent) == ("interval", 4, pytest.approx(75.0))
    assert visits.alpha == pytest.approx(1 - 56 / 288)


def test_each_auditor_against_the_other_and_too_few_units_say_so() -> None:
    found = _by_label(figures(PAIRS, 3, NAMES).auditors_with_other)
    assert found["Amber"].units == 8 and found["Amber"].percent == pytest.approx(50.0)
    assert found["Amber"].alpha == pytest.approx(1 - 0.5 / 0.85)
    assert found["Basil"].units == 6 and found["Basil"].percent == pytest.approx(400 / 6)
    assert found["Cyril"] == Figure("Cyril", "nominal", 2, enough=False)


def test_quarters_with_too_few_units_show_no_figure() -> None:
    quarters = figures(PAIRS, 3, NAMES).quarters
    assert [(f.label, f.units, f.enough, f.alpha) for f in quarters] == [
        ("2026 Q1", 2, False, None),
        ("2026 Q2", 2, False, None),
    ]
    # With the floor at 2, the second quarter's figure is there: RI against RI and
    # Inadequate against RI, alpha ordinal over Inadequate 1, RI 3.
    assert figures(PAIRS, 2, NAMES).quarters[1].percent == pytest.approx(50.0)


def test_an_exercise_compares_each_auditor_with_the_agreed_answers() -> None:
    q = _questionnaire()
    exercise = RatedSet(
        "exercise",
        9,
        "2026 Q2",
        q,
        [
            Rated(1, {"seen-alone": "yes"}, {"voice": "Good", "overall": "Good"}),
            Rated(4, {"seen-alone": "no"}, {"voice": "Requires improvement", "overall": "Good"}),
        ],
        agreed_answers={"seen-alone": "yes"},
        agreed_grades={"voice": "Good", "overall": "Good"},
    )
    found = _by_label(figures([exercise], 3, NAMES).auditors_with_agreed)
    assert found["Amber"].units == 3 and found["Amber"].percent == pytest.approx(100.0)
    assert found["Amber"].alpha == pytest.approx(1.0)
    # Dora: RI against Good, Good against Good, no against yes: 1 of 3; 6 values
    # (RI 1, Good 3, no 1, yes 1): observed 4 / 6, expected (36 - 12) / 30 = 0.8.
    assert found["Dora"].percent == pytest.approx(100 / 3)
    assert found["Dora"].alpha == pytest.approx(1 - (4 / 6) / 0.8)


def test_the_export_has_the_page_figures_and_neutralises_labels() -> None:
    rows = export_rows(figures(PAIRS, 3, NAMES))
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    read = list(csv.reader(io.StringIO(text.getvalue())))
    assert read[0][:6] == ["section", "item", "level", "units", "percent_agreement", "alpha"]
    by_item = {row[1]: row for row in read[1:]}
    assert by_item["The child's voice (Test audit)"][3:6] == ["4", "50.0", "0.537"]
    assert by_item["'=Visits in the month (Test audit)"][3:6] == ["4", "75.0", "0.806"]
    assert by_item["Cyril"][3:] == ["2", "", "", "", "", "Too few to say: fewer than 3 units"]


def test_a_multi_select_question_is_one_nominal_item_per_option_and_dates_the_same_or_not() -> None:
    data = upgrade(questionnaire_dict())
    data["themes"][0]["items"].extend(
        [TOPICS, {"id": "visited", "type": "date", "text": "Date of the last visit"}]
    )
    q = validate_questionnaire(data)
    # Three pairs: risk ticked by both, by one, by both; plan by one, by none, by both.
    ticked = [("risk plan", "risk"), ("risk", "plan"), ("risk plan", "plan risk")]
    dates = [("2026-03-01", "2026-03-01"), ("2026-03-01", "2026-03-02"), ("2026-02-01", "")]
    sets = [
        RatedSet(
            "second",
            n,
            "2026 Q1",
            q,
            [
                Rated(1, {"topics": a, "visited": da}, {}),
                Rated(2, {"topics": b, "visited": db}, {}),
            ],
        )
        for n, ((a, b), (da, db)) in enumerate(zip(ticked, dates, strict=True))
    ]
    found = _by_label(figures(sets, 2, NAMES).questions)
    risk = found["What did supervision cover? (Test audit): Risk"]
    plan = found["What did supervision cover? (Test audit): The plan"]
    wellbeing = found["What did supervision cover? (Test audit): The worker's wellbeing"]
    # Risk: ticked by both, by one, by both: 2 of 3; ticked 5, not 1 of 6 values: observed
    # 2 / 6, expected (36 - 25 - 1) / 30: alpha 0.
    assert (risk.units, risk.percent, risk.alpha) == (3, pytest.approx(200 / 3), 0.0)
    # Plan: ticked/not, not/ticked, ticked/ticked: 1 of 3.
    assert (plan.level, plan.units, plan.percent) == ("nominal", 3, pytest.approx(100 / 3))
    # Never ticked by either: still three units, all agreeing, and one value only: no alpha.
    assert (wellbeing.units, wellbeing.percent, wellbeing.alpha) == (3, 100.0, None)
    # Dates: the third pair has one date only, so two units; the same day once.
    visited = found["Date of the last visit (Test audit)"]
    assert (visited.level, visited.units, visited.percent) == ("nominal", 2, pytest.approx(50.0))
