"""The auditor's journey on a format 2 questionnaire that uses every rule of the format, in a real
browser, with and without JavaScript, with axe at no serious or critical violation on every page.

The questionnaire (``every_rule``) is a declared kind of audit (thematic) of a subject other
than a child's case (a worker's practice, started on a worker reference). It has a theme graded
by score and by judgement, another graded by judgement alone against the bands' descriptors and
limiting the overall grade, a theme shown only to one service, headings, guidance and a section
shown by a tick-all-that-apply answer, a number with a unit scored by bands, a repeating group of
visits rolled up by share, a timeliness measure from two dates with its source, a comment
required under a question, the theme's evidence fields, and an overall rule capped by the worst
band. The figures it checks are worked by hand in the comments beside them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    check_accessibility_of_markup,
    sign_in,
)

AUDITOR = "every-rule-auditor"
CASES = {"W8101": True, "W8102": False}  # worker reference: with JavaScript
TITLE = "Every rule audit"
SOURCE = "Working Together to Safeguard Children 2023, paragraph 142"
YES_NO = [
    {"value": "yes", "label": "Yes", "score": 1},
    {"value": "no", "label": "No", "score": 0},
]
DESCRIPTORS = {
    "Outstanding": "Children's lives are transformed by help that is consistently strong.",
    "Good": "Children are helped and protected; their plans make a difference.",
    "Requires improvement": "No widespread failure, but children's experience is not yet good.",
    "Inadequate": "Children are, or may be, at risk of harm; failures are widespread.",
}


def every_rule() -> dict[str, Any]:
    """A format 2 questionnaire using every rule the auditor's journey shows."""
    return {
        "format": "case-audit/2",
        "id": "every-rule-audit",
        "version": 1,
        "title": TITLE,
        "kind": "thematic",
        "subject": "worker",
        "description": "Every rule of format 2, for the auditor's journey.",
        "grading": {
            "bands": [
                {"grade": grade, "min": low, "descriptor": DESCRIPTORS[grade]}
                for grade, low in (
                    ("Outstanding", 85),
                    ("Good", 65),
                    ("Requires improvement", 40),
                    ("Inadequate", 0),
                )
            ],
            "overall": {"rule": "mean", "capped_by_worst_band": True, "graded_by": "both"},
        },
        "themes": [_situation(), _care(), _youth_justice()],
    }


def _situation() -> dict[str, Any]:
    return {
        "id": "situation",
        "title": "The child's situation",
        "graded_by": "both",
        "evidence": ["strengths", "areas_for_development", "recommendations"],
        "items": [
            {"heading": "About the child"},
            {"guidance": "Read the latest assessment and the plan before you answer."},
            {
                "id": "in-care",
                "text": "Is the child in care?",
                "type": "choice",
                "required": True,
                "compliance": "Legal status recorded",
                "comment": "optional",
                "options": [
                    {"value": "yes", "label": "Yes", "score": 2},
                    {"value": "no", "label": "No", "score": 0},
                    {"value": "unknown", "label": "Not recorded"},
                ],
            },
            {
                "id": "concerns",
                "text": "Which concerns are recorded?",
                "type": "multi",
                "scoring": "each",
                "options": [
                    {"value": "neglect", "label": "Neglect", "score": 1},
                    {"value": "exploitation", "label": "Exploitation", "score": 2},
                    {"value": "domestic-abuse", "label": "Domestic abuse", "score": 1},
                ],
            },
            {
                "id": "visits",
                "text": "How many visits were made in the last three months?",
                "type": "number",
                "min": 0,
                "max": 90,
                "integer": True,
                "unit": "visits",
                "bands": [
                    {"min": 6, "score": 3},
                    {"min": 2, "score": 1},
                    {"min": 0, "score": 0},
                ],
            },
            {
                "section": {
                    "title": "Exploitation",
                    "show_if": {"question": "concerns", "any_of": ["exploitation"]},
                    "items": [
                        {
                            "id": "nrm",
                            "text": "Was a National Referral Mechanism referral considered?",
                            "type": "choice",
                            "comment": "required",
                            "options": YES_NO,
                        }
                    ],
                }
            },
            {
                "repeat": {
                    "id": "visits-made",
                    "title": "Visit",
                    "min": 1,
                    "max": 3,
                    "roll_up": "share",
                    "items": [
                        {
                            "id": "seen-alone",
                            "text": "Was the child seen alone?",
                            "type": "choice",
                            "options": YES_NO,
                        }
                    ],
                }
            },
            {"id": "strategy-date", "text": "Date of the strategy discussion", "type": "date"},
            {"id": "seen-date", "text": "Date the child was seen", "type": "date"},
        ],
        "timeliness": [
            {
                "id": "seen-in-time",
                "measure": "Child seen within 15 working days of the strategy discussion",
                "rule": {"within_working_days": 15, "from": "strategy-date", "to": "seen-date"},
                "source": SOURCE,
            }
        ],
    }


def _care() -> dict[str, Any]:
    return {
        "id": "care",
        "title": "Care planning",
        "graded_by": "judgement",
        "limiting": True,
        "show_if": {"question": "in-care", "in": ["yes"]},
        "items": [
            {
                "id": "plan-current",
                "text": "Is the care plan current?",
                "type": "choice",
                "options": YES_NO,
            }
        ],
    }


def _youth_justice() -> dict[str, Any]:
    return {
        "id": "youth",
        "title": "Youth justice",
        "show_if": {"service": ["Youth justice"]},
        "items": [
            {
                "id": "yos-plan",
                "text": "Is there a youth justice plan?",
                "type": "choice",
                "options": YES_NO,
            }
        ],
    }


@pytest.fixture(scope="module")
def every_rule_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """The live server with the questionnaire, two Child Protection cases and their auditor."""
    folder = tmp_path_factory.mktemp("every-rule-data")
    (folder / "every-rule.json").write_text(json.dumps(every_rule()), "utf-8")
    live_server.flask("questionnaires", "load", str(folder / "every-rule.json"))
    (folder / "cases.csv").write_text(
        "case_id,service,team,subject\n"
        + "".join(f"{case},Child Protection,Every Rule CP Team,worker\n" for case in CASES),
        "utf-8",
    )
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user(AUDITOR, "--role", "auditor", "--team", "Every Rule CP Team")
    return live_server


class Journey:
    """One auditor's page, checked with axe after every step whether or not it runs script."""

    def __init__(self, page: Page, new_page: Callable[..., Page], javascript: bool) -> None:
        self.page, self.new_page, self.javascript = page, new_page, javascript

    def accessible(self) -> None:
        if self.javascript:
            check_accessibility(self.page)
        else:
            check_accessibility_of_markup(self.page, self.new_page)

    def group(self, name: str) -> Any:
        return self.page.get_by_role("group", name=name)

    def save(self, button: str = "Save and continue") -> None:
        self.page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("case", list(CASES))
def test_the_auditors_journey_uses_every_rule_of_format_2(
    case: str, every_rule_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    journey = Journey(new_page(javascript=CASES[case]), new_page, CASES[case])
    page = journey.page
    sign_in(page, every_rule_server, AUDITOR, check=False)
    _start(journey, case)
    _situation_theme(journey)
    _care_theme(journey)
    _overall(journey)
    _check_and_submit(journey)
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()
    journey.accessible()


def _start(journey: Journey, case: str) -> None:
    page = journey.page
    page.get_by_role("link", name="Start an audit").click()
    journey.accessible()
    page.get_by_role("radio", name=TITLE).check()
    page.get_by_role("button", name="Start audit").click()
    # The questionnaire's subject is a worker: the box asks for a worker reference, never a name.
    expect(page.get_by_text("Never enter the worker's name.")).to_be_visible()
    journey.accessible()
    page.get_by_label("Worker reference").fill(case)
    page.get_by_role("button", name="Start audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of worker {case}")
    # The youth justice theme is for that service only; care planning waits for "in care".
    expect(page.get_by_role("link", name="Youth justice")).to_have_count(0)
    expect(page.get_by_role("link", name="Care planning")).to_have_count(0)
    journey.accessible()


def _situation_theme(journey: Journey) -> None:
    page = journey.page
    page.get_by_role("link", name="The child's situation").click()
    expect(page.get_by_role("heading", name="About the child")).to_be_visible()
    expect(page.get_by_text("Read the latest assessment and the plan")).to_be_visible()
    expect(page.locator("#strategy-date-timeliness")).to_contain_text(SOURCE)
    journey.accessible()
    journey.group("Is the child in care?").get_by_label("Yes").check()
    concerns = journey.group("Which concerns are recorded?")
    concerns.get_by_label("Neglect").check()
    concerns.get_by_label("Exploitation").check()
    page.get_by_label("How many visits were made in the last three months?").fill("4")
    expect(page.get_by_text("visits", exact=True)).to_be_visible()
    page.get_by_label("Date of the strategy discussion").fill("14/12/2026")
    page.get_by_label("Date the child was seen").fill("18/12/2026")
    page.get_by_label("Strengths (optional)").fill("Visits are purposeful and recorded.")
    nrm = journey.group("Was a National Referral Mechanism referral considered?")
    if journey.javascript:
        expect(nrm).to_be_visible()
    else:
        journey.save()
        expect(page.get_by_text("Your answers mean that more questions apply")).to_be_visible()
    journey.accessible()
    nrm.get_by_label("Yes").check()
    visit = _visit(journey, 1)
    visit.get_by_role("group", name="Was the child seen alone?").get_by_label("Yes").check()
    page.get_by_role("button", name="Add another visit").click()
    expect(_visit(journey, 2)).to_be_visible()
    expect(page.get_by_label("Strengths (optional)")).to_have_value(
        "Visits are purposeful and recorded."
    )
    journey.accessible()
    _visit(journey, 2).get_by_role("group", name="Was the child seen alone?").get_by_label(
        "No"
    ).check()
    journey.save()
    # The comment under the referral question is required: refused, and what was typed is kept.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("a comment is required")
    expect(page.get_by_label("Strengths (optional)")).to_have_value(
        "Visits are purposeful and recorded."
    )
    journey.accessible()
    page.get_by_label(
        "Comment on “Was a National Referral Mechanism referral considered?” (required)"
    ).fill("Considered at the strategy discussion; not met.")
    # In care 2 of 2, concerns 1 + 2 = 3 of 4, 4 visits in the band from 2: 1 of 3, referral 1
    # of 1, seen alone on one visit of two rolled up by share: 1/2 of 1. 7.5 points of 11
    # possible, 68.18...%, shown 68.2%, Good (65 or more, under 85).
    journey.group("Your judgement of this theme").get_by_label("Good").check()
    journey.save("Save and come back later")
    page.get_by_role("link", name="The child's situation").click()
    expect(page.locator("#theme-score")).to_contain_text("Good (68.2%)")
    # 15 working days from Monday 14 December 2026, past Christmas Day, the Boxing Day holiday
    # on Monday 28 December and New Year's Day, end on 7 January 2027; 18 December is within.
    timeliness = page.locator("#seen-date-timeliness")
    expect(timeliness).to_contain_text("Met: 18 December 2026")
    expect(timeliness).to_contain_text("7 January 2027")
    journey.accessible()
    page.go_back()


def _care_theme(journey: Journey) -> None:
    page = journey.page
    page.reload()
    page.get_by_role("link", name="Care planning").click()
    expect(page.get_by_text("graded by your judgement against the descriptors")).to_be_visible()
    for descriptor in DESCRIPTORS.values():
        expect(page.get_by_text(descriptor)).to_be_visible()
    journey.accessible()
    journey.group("Is the care plan current?").get_by_label("No").check()
    journey.group("Your grade for this theme").get_by_label("Requires improvement").check()
    journey.save()
    # A judgement-led grade needs its analysis: refused, the grade chosen is kept.
    expect(page.get_by_role("alert")).to_be_visible()
    expect(
        journey.group("Your grade for this theme").get_by_label("Requires improvement")
    ).to_be_checked()
    journey.accessible()
    page.get_by_label("Analysis").fill("The plan is out of date and does not say who does what.")
    journey.save()


def _overall(journey: Journey) -> None:
    page = journey.page
    expect(page.get_by_role("heading", name="Overall judgement")).to_be_visible()
    # The overall percent is the situation theme's alone (care planning has none): 68.2%, Good;
    # care planning limits it, graded Requires improvement: the suggestion is Requires improvement.
    overall = journey.group("Your overall judgement")
    expect(
        overall.locator(".govuk-radios__item", has_text="Suggested by the answers")
    ).to_contain_text("Requires improvement")
    journey.accessible()
    overall.get_by_label("Requires improvement").check()
    journey.save()


def _check_and_submit(journey: Journey) -> None:
    page = journey.page
    expect(
        page.get_by_role("heading", name="Check your answers before submitting the audit")
    ).to_be_visible()
    for shown in (
        "Neglect, Exploitation",
        "Visit 2: Was the child seen alone?",
        "4 visits",
        "Considered at the strategy discussion; not met.",
        "Visits are purposeful and recorded.",
        "The plan is out of date and does not say who does what.",
    ):
        expect(page.get_by_text(shown).first).to_be_visible()
    expect(page.get_by_text("Is there a youth justice plan?")).to_have_count(0)
    journey.accessible()
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_text("Overall grade: Requires improvement")).to_be_visible()


def _visit(journey: Journey, number: int) -> Any:
    return journey.page.get_by_role("group", name=f"Visit {number}", exact=True)
