"""Comparing two versions in plain words (the pure core: no application needed)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from audit_app.core.compare import Change, Comparison, compare, summarise
from audit_app.core.questionnaire import Questionnaire, upgrade, validate_questionnaire
from tests.builders import rescore_v1


def _pair(change: Callable[[dict[str, Any]], object]) -> tuple[Questionnaire, Questionnaire]:
    before = rescore_v1()
    after = copy.deepcopy(before)
    after["version"] = 2
    change(after)
    return validate_questionnaire(before), validate_questionnaire(after)


def _question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for t in data["themes"] for q in t["questions"] if q["id"] == question_id)


def _changes_of(comparison: Comparison, question_id: str) -> tuple[Change, ...]:
    return next(
        q.changes for t in comparison.themes for q in t.questions if q.question_id == question_id
    )


def test_identical_versions_have_no_differences() -> None:
    comparison = compare(*_pair(lambda data: None))
    assert comparison.identical
    assert comparison.headline == ()
    assert all(t.status == "unchanged" for t in comparison.themes)


def test_option_wording_points_and_order_are_compared() -> None:
    def change(data: dict[str, Any]) -> None:
        options = _question(data, "seen-alone")["options"]
        options[0]["label"] = "Yes, clearly evidenced"
        options[1]["score"] = 0.5
        options[3]["score"] = 0
        options.insert(3, {"value": "unclear", "label": "Unable to tell"})
        options[0], options[2] = options[2], options[0]

    changes = _changes_of(compare(*_pair(change)), "seen-alone")
    # In the newer version's order: no, partly, yes, unable to tell, not applicable.
    assert changes == (
        Change("Answer “Partly”: points", "1 point", "0.5 points"),
        Change(
            "Answer “Yes, clearly evidenced”: wording", "Yes, evidenced", "Yes, clearly evidenced"
        ),
        Change("Answer “Unable to tell”", "", "Unable to tell (not counted in the score)"),
        Change("Answer “Not applicable”: points", "not counted in the score", "0 points"),
        Change(
            "Order of answers",
            "Yes, evidenced; Partly; No; Not applicable",
            "No; Partly; Yes, evidenced; Not applicable",
        ),
    )


def test_text_guidance_type_required_show_if_and_compliance_are_compared() -> None:
    def change(data: dict[str, Any]) -> None:
        reviewed = _question(data, "plan-reviewed")
        reviewed["text"] = "Was the plan reviewed within timescale?"
        reviewed["help"] = "Look at the review dates."
        reviewed["show_if"] = {"question": "plan-smart", "in": ["yes", "partly"]}
        reviewed["compliance"] = "Plan reviewed on time"
        seen = _question(data, "seen-alone")
        del seen["compliance"]
        seen["required"] = False
        supervision = _question(data, "supervision")
        supervision["type"] = "date"
        del supervision["options"]

    comparison = compare(*_pair(change))
    assert _changes_of(comparison, "plan-reviewed") == (
        Change(
            "Question", "Is the plan reviewed on time?", "Was the plan reviewed within timescale?"
        ),
        Change("Guidance", "None", "Look at the review dates."),
        Change(
            "Shown",
            "Always",
            "Only when “Is the plan SMART?” is answered “Yes, evidenced” or “Partly”",
        ),
        Change("Compliance measure", "None", "“Plan reviewed on time”"),
    )
    assert _changes_of(comparison, "seen-alone") == (
        Change("Must be answered before submitting", "Yes", "No"),
        Change("Compliance measure", "“Child seen alone”", "None"),
    )
    supervision = _changes_of(comparison, "supervision")
    assert supervision[:3] == (
        Change("Type of answer", "Choice of options", "Date"),
        Change("Counts towards the score", "Yes", "No"),
        Change(
            "Answer “Yes, regular and reflective”", "Yes, regular and reflective (3 points)", ""
        ),
    )


def test_themes_added_removed_moved_and_reweighted_are_compared() -> None:
    def change(data: dict[str, Any]) -> None:
        voice, planning, oversight = data["themes"]
        planning["weight"] = 2
        planning["limiting"] = True
        # The supervision question moves to planning; its old theme goes; a new theme comes.
        planning["questions"].append(oversight["questions"][0])
        data["themes"] = [
            voice,
            planning,
            {
                "id": "recording",
                "title": "Recording",
                "questions": [
                    {"id": "chronology", "text": "Is the chronology up to date?", "type": "text"}
                ],
            },
        ]

    comparison = compare(*_pair(change))
    themes = {t.theme_id: t for t in comparison.themes}
    assert [t.theme_id for t in comparison.themes] == [
        "voice",
        "planning",
        "oversight",
        "recording",
    ]
    assert themes["voice"].status == "unchanged"
    assert themes["planning"].changes == (
        Change("Weight in the overall percent", "1", "2"),
        Change(
            "Limits the overall grade (it is never better than this theme's grade)", "No", "Yes"
        ),
    )
    [moved] = themes["planning"].questions
    assert moved.changes == (Change("Theme", "Management oversight", "Planning"),)
    assert themes["oversight"].status == "removed"
    assert themes["oversight"].questions == ()
    assert themes["recording"].status == "added"
    [added] = themes["recording"].questions
    assert added.status == "added"
    assert Change("Type of answer", "", "Free text") in added.changes
    assert comparison.headline == (
        "1 theme added",
        "1 theme removed",
        "1 theme changed",
        "1 question added",
        "1 question changed",
    )


def test_bands_and_the_overall_rule_are_compared() -> None:
    def change(data: dict[str, Any]) -> None:
        data["grading"]["overall"] = "lowest"
        bands = data["grading"]["bands"]
        bands[2]["grade"] = "Needs improvement"

    comparison = compare(*_pair(change))
    assert comparison.grading == (
        Change("“Requires improvement” band", "40% to below 65%", ""),
        Change("“Needs improvement” band", "", "40% to below 65%"),
        Change(
            "How the overall grade is found",
            "The band of the weighted average of the graded themes' percents",
            "The worst grade of any graded theme",
        ),
    )


def test_a_summary_counts_what_a_questionnaire_holds() -> None:
    summary = summarise(validate_questionnaire(rescore_v1()))
    assert (summary.themes, summary.questions, summary.scored_questions) == (3, 5, 5)
    assert summary.compliance_measures == ("Child seen alone",)
    assert summary.bands == (
        ("Outstanding", "85% and above"),
        ("Good", "65% to below 85%"),
        ("Requires improvement", "40% to below 65%"),
        ("Inadequate", "below 40%"),
    )
    assert summary.overall_rule == "The band of the weighted average of the graded themes' percents"


def test_the_kind_is_named_as_the_council_declared_it() -> None:
    def change(data: dict[str, Any]) -> None:
        upgraded = upgrade(data)
        data.clear()
        data.update(upgraded, kind="dip_sample")

    before, after = _pair(change)
    names = {"monthly": "Monthly audit of case files", "dip_sample": "Dip sample"}
    comparison = compare(before, after, names)
    assert Change("Kind", "Monthly audit of case files", "Dip sample") in comparison.details
    assert summarise(after, names).kind == "Dip sample"
    assert summarise(after, {}).kind == "dip_sample"
