"""Format 2's grading: themes graded by judgement against the bands' descriptors, themes graded
by their score alone, and the overall rules (mean, lowest, capped by the worst band), worked by
hand."""

from __future__ import annotations

from typing import Any

import pytest

from audit_app.core.compare import describe_overall_rule
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import QuestionnaireInvalid, upgrade, validate_questionnaire
from audit_app.core.rescore import SubmittedAudit, rescore_each
from audit_app.core.scoring import score_audit
from tests.builders import questionnaire_dict

DESCRIPTORS = {
    "Outstanding": "Children's experiences drive the work; their lives are getting better.",
    "Good": "Children are seen and heard; their plans reflect their wishes.",
    "Requires improvement": "Children are seen, but their views do not shape the plan.",
    "Inadequate": "Children are not seen, or not seen alone, when they should be.",
}


def grading(overall: Any = "mean", *, descriptors: bool = True) -> dict[str, Any]:
    data = upgrade(questionnaire_dict())
    for band in data["grading"]["bands"]:
        if descriptors:
            band["descriptor"] = DESCRIPTORS[band["grade"]]
    data["grading"]["overall"] = overall
    return data


def test_the_builders_bands_are_the_ones_described() -> None:
    """Outstanding from 85%, Good from 65%, Requires improvement from 40%, Inadequate below."""
    q = validate_questionnaire(grading())
    assert [(b.grade, b.min) for b in q.grading.bands] == [
        ("Outstanding", 85),
        ("Good", 65),
        ("Requires improvement", 40),
        ("Inadequate", 0),
    ]


def test_a_theme_graded_by_judgement_has_the_auditors_grade_and_no_percent() -> None:
    """Worked by hand: "voice" is graded by judgement; "planning" by score with plan-smart
    "no" (0 of 2): 0%, Inadequate. The overall mean is over planning alone: 0%."""
    data = grading()
    data["themes"][0]["graded_by"] = "judgement"
    q = validate_questionnaire(data)
    answers = {"seen-alone": "no", "plan-smart": "no"}
    result = score_audit(q, answers, {"voice": "Good", "planning": "Requires improvement"})
    voice, planning = result.theme("voice"), result.theme("planning")
    assert (voice.percent, voice.grade, voice.by_judgement) == (None, "Good", True)
    assert (planning.percent, planning.grade) == (0, "Inadequate")
    assert (result.overall.percent, result.overall.grade) == (0, "Inadequate")
    assert score_audit(q, answers).theme("voice").grade is None
    assert score_audit(q, answers, {"voice": "Excellent"}).theme("voice").grade is None
    plan = ScoringPlan(q).score(answers, {"voice": "Good"})
    assert (plan.theme("voice").percent, plan.theme("voice").grade) == (None, "Good")


@pytest.mark.parametrize(
    ("overall", "judged", "expected"),
    [
        # Mean of planning's 100% alone: Outstanding; voice's judged Inadequate does not count.
        ("mean", "Inadequate", "Outstanding"),
        # Lowest: the worst graded theme, the judged one included.
        ("lowest", "Inadequate", "Inadequate"),
        ("lowest", "Requires improvement", "Requires improvement"),
        # Capped by the worst band: a theme graded Inadequate makes the overall Inadequate.
        ({"rule": "mean", "capped_by_worst_band": True}, "Inadequate", "Inadequate"),
        ({"rule": "mean", "capped_by_worst_band": True}, "Requires improvement", "Outstanding"),
        ({"rule": "mean", "capped_by_worst_band": False}, "Inadequate", "Outstanding"),
    ],
)
def test_the_overall_rules_worked_by_hand(overall: Any, judged: str, expected: str) -> None:
    data = grading(overall)
    data["themes"][0]["graded_by"] = "judgement"
    q = validate_questionnaire(data)
    answers = {"seen-alone": "yes", "plan-smart": "yes"}
    result = score_audit(q, answers, {"voice": judged})
    assert result.overall.percent == 100
    assert result.overall.grade == expected
    assert ScoringPlan(q).score(answers, {"voice": judged}).overall_grade == expected


def test_capping_by_the_worst_band_applies_to_scored_themes_too() -> None:
    """voice: seen-alone "yes" 2/2 = 100% (weight 1); planning: plan-smart "no" 0% (weight 1):
    mean 50%, Requires improvement, but planning is Inadequate, the worst band."""
    q = validate_questionnaire(grading({"rule": "mean", "capped_by_worst_band": True}))
    result = score_audit(q, {"seen-alone": "yes", "plan-smart": "no"})
    assert (result.overall.percent, result.overall.band_grade) == (50, "Requires improvement")
    assert (result.overall.grade, result.overall.limited_by) == ("Inadequate", ("planning",))
    assert describe_overall_rule(q) == (
        "The band of the weighted average of the graded themes' percents; a theme graded "
        "“Inadequate” makes it that grade"
    )


def test_with_every_theme_graded_by_judgement_only_the_rules_that_read_grades_give_one() -> None:
    data = grading("lowest")
    for theme in data["themes"]:
        theme["graded_by"] = "judgement"
    q = validate_questionnaire(data)
    judged = {"voice": "Good", "planning": "Requires improvement"}
    result = score_audit(q, {}, judged)
    assert (result.overall.percent, result.overall.grade) == (None, "Requires improvement")
    data["grading"]["overall"] = "mean"
    q = validate_questionnaire(data)
    assert score_audit(q, {}, judged).overall.grade is None


def test_a_theme_graded_by_judgement_needs_a_descriptor_on_every_band() -> None:
    data = grading(descriptors=False)
    data["grading"]["bands"][0]["descriptor"] = DESCRIPTORS["Good"]
    data["themes"][1]["graded_by"] = "judgement"
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    message = (
        "needs a descriptor: the theme at $.themes[1].graded_by is graded by judgement, which the "
        "auditor makes against the bands' descriptors"
    )
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("$.grading.bands[1]", message),
        ("$.grading.bands[2]", message),
        ("$.grading.bands[3]", message),
    ]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            {"graded_by": "percent"},
            "$.themes[0].graded_by",
            'must be one of "both", "score", "judgement"',
        ),
        (
            {"overall": {"rule": "median"}},
            "$.grading.overall.rule",
            'must be one of "mean", "lowest"',
        ),
    ],
)
def test_grading_problems(change: dict[str, Any], path: str, message: str) -> None:
    data = grading()
    if "graded_by" in change:
        data["themes"][0].update(change)
    else:
        data["grading"].update(change)
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    assert [(p.path, p.message) for p in caught.value.problems] == [(path, message)]


def test_descriptors_and_graded_by_in_a_format_1_file_say_to_upgrade() -> None:
    data = questionnaire_dict()
    data["grading"]["bands"][0]["descriptor"] = "x"
    data["themes"][0]["graded_by"] = "judgement"
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["$.grading.bands[0].descriptor", "$.themes[0].graded_by"]
    assert all("only in case-audit/2" in p.message for p in caught.value.problems)


def test_rescoring_reads_the_auditors_grades_for_a_theme_graded_by_judgement() -> None:
    """Version 1 grades "voice" by its answers (seen-alone "no": 0%, Inadequate); version 2
    by judgement, where the auditor's Good stands and the percent goes."""
    before = validate_questionnaire(grading())
    changed = grading()
    changed["version"] = 2
    changed["themes"][0]["graded_by"] = "judgement"
    after = validate_questionnaire(changed)
    audit = SubmittedAudit(
        audit_id=1,
        case_ref="100824",
        team="Child Protection 1",
        service="Child Protection",
        submitted_at=None,
        answers={"seen-alone": "no", "plan-smart": "yes"},
        judged={"voice": "Good"},
    )
    (rescored,) = rescore_each(before, after, [audit])
    voice = next(t for t in rescored.themes if t.theme_id == "voice").shift
    assert (voice.before, voice.percent_before) == ("Inadequate", 0)
    assert (voice.after, voice.percent_after) == ("Good", None)


def overall_by(graded_by: str, rule: str = "mean") -> dict[str, Any]:
    """The builders' questionnaire with ``grading.overall`` graded as given."""
    return grading({"rule": rule, "graded_by": graded_by})


@pytest.mark.parametrize("judged", ["Good", "Inadequate"])
def test_an_overall_grade_graded_by_judgement_is_the_auditors_and_has_no_percent(
    judged: str,
) -> None:
    """Worked by hand: seen-alone "yes" (2 of 2, 100%) and plan-smart "no" (0 of 2, 0%) would
    make a mean of 50%, Requires improvement; graded by judgement the overall grade is the
    auditor's, whatever the themes, and there is no overall percent and no band."""
    q = validate_questionnaire(overall_by("judgement"))
    answers = {"seen-alone": "yes", "plan-smart": "no"}
    result = score_audit(q, answers, overall_judged=judged)
    assert result.theme("voice").percent == 100  # the themes are graded as ever
    assert result.theme("planning").percent == 0
    assert (result.overall.percent, result.overall.grade) == (None, judged)
    assert (result.overall.band_grade, result.overall.limited_by) == (None, ())
    assert result.overall.by_judgement
    quick = ScoringPlan(q).score(answers, overall_judged=judged)
    assert (quick.overall_percent, quick.overall_grade) == (None, judged)


def test_an_overall_grade_graded_by_judgement_has_no_grade_until_the_auditor_gives_one() -> None:
    q = validate_questionnaire(overall_by("judgement"))
    assert score_audit(q, {"seen-alone": "yes"}).overall.grade is None
    assert score_audit(q, {"seen-alone": "yes"}, overall_judged="Excellent").overall.grade is None
    assert ScoringPlan(q).score({}, overall_judged="Excellent").overall_grade is None


@pytest.mark.parametrize("graded_by", ["both", "score"])
def test_an_overall_grade_by_the_score_reads_no_judgement(graded_by: str) -> None:
    """Mean of 100% and 0%: 50%, Requires improvement, whatever the auditor judged."""
    q = validate_questionnaire(overall_by(graded_by))
    answers = {"seen-alone": "yes", "plan-smart": "no"}
    result = score_audit(q, answers, overall_judged="Outstanding")
    assert (result.overall.percent, result.overall.grade) == (50, "Requires improvement")
    assert not result.overall.by_judgement
    quick = ScoringPlan(q).score(answers, overall_judged="Outstanding")
    assert (quick.overall_percent, quick.overall_grade) == (50, "Requires improvement")


def test_overall_graded_by_is_both_unless_written() -> None:
    assert validate_questionnaire(grading("mean")).grading.graded_by == "both"
    assert validate_questionnaire(grading({"rule": "lowest"})).grading.graded_by == "both"
    assert validate_questionnaire(overall_by("score")).grading.graded_by == "score"


def test_an_overall_grade_graded_by_judgement_needs_a_descriptor_on_every_band() -> None:
    data = grading({"rule": "mean", "graded_by": "judgement"}, descriptors=False)
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    message = (
        "needs a descriptor: the overall grade ($.grading.overall.graded_by) is graded by "
        "judgement, which the auditor makes against the bands' descriptors"
    )
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (f"$.grading.bands[{i}]", message) for i in range(4)
    ]


def test_overall_graded_by_must_be_one_of_the_three() -> None:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(overall_by("auditor"))
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("$.grading.overall.graded_by", 'must be one of "both", "score", "judgement"')
    ]


def test_the_overall_rule_reads_as_a_sentence_for_each_way_of_grading() -> None:
    judged = validate_questionnaire(overall_by("judgement"))
    assert describe_overall_rule(judged) == (
        "The auditor's judgement against the bands' descriptors (no overall percent)"
    )
    by_score = validate_questionnaire(overall_by("score", "lowest"))
    assert describe_overall_rule(by_score) == (
        "The worst grade of any graded theme; no overall judgement is asked"
    )


def test_rescoring_towards_an_overall_grade_by_judgement_reads_the_auditors_overall_grade() -> None:
    """Before: mean of 0% (voice, seen-alone "no") and 100% (planning): 50%, Requires
    improvement. After, graded by judgement: the auditor's Good, and no percent."""
    before = validate_questionnaire(grading())
    changed = overall_by("judgement")
    changed["version"] = 2
    after = validate_questionnaire(changed)
    audit = SubmittedAudit(
        audit_id=1,
        case_ref="100824",
        team="Child Protection 1",
        service="Child Protection",
        submitted_at=None,
        answers={"seen-alone": "no", "plan-smart": "yes"},
        overall_judged="Good",
    )
    (rescored,) = rescore_each(before, after, [audit])
    assert (rescored.overall.before, rescored.overall.percent_before) == (
        "Requires improvement",
        50,
    )
    assert (rescored.overall.after, rescored.overall.percent_after) == ("Good", None)
