"""A calibration exercise in a real browser: the QA lead makes it, four auditors audit the same
exemplar case blind, the lead records the agreed answers and grades and reveals it, and the
figures shown are checked against figures worked by hand (below, and in
tests/unit/test_calibration_figures.py, which runs the same example on the pure figures)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, sign_in
from tests.builders import FOUR_BANDS, YES_PARTLY_NO

CASE = "300001"
THEMES = ["one", "two", "three", "four"]
WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight"]
LABELS = {"yes": "Yes, evidenced", "partly": "Partly", "no": "No"}
OUT, G, RI, INA = (band["grade"] for band in FOUR_BANDS)

# The four auditors' answers to questions one to eight, and their grades of themes one to four
# and overall. The lead's agreed answers: yes, yes, no, yes, no, yes, no, yes; agreed grades:
# Good, Good, Requires improvement, Good, and Good overall.
AUDITORS = {
    "calib-a": (["yes", "yes", "no", "yes", "partly", "yes", "no", "yes"], [G, G, RI, G, G]),
    "calib-b": (["yes", "yes", "no", "no", "partly", "yes", "no", "partly"], [G, G, RI, OUT, G]),
    "calib-c": (["yes", "yes", "partly", "yes", "no", "yes", "no", "yes"], [G, RI, RI, G, RI]),
    "calib-d": (["yes", "no", "no", "yes", "no", "yes", "no", "yes"], [G, G, INA, G, RI]),
}
AGREED_ANSWERS = ["yes", "yes", "no", "yes", "no", "yes", "no", "yes"]
AGREED_GRADES = [G, G, RI, G, G]


def _questionnaire() -> dict[str, object]:
    """Four themes of two yes/partly/no questions each: eight questions, five graded items."""
    return {
        "format": "case-audit/1",
        "id": "calibration-audit",
        "version": 1,
        "title": "Calibration audit",
        "kind": "deep_dive",
        "grading": {"bands": copy.deepcopy(FOUR_BANDS), "overall": "mean"},
        "themes": [
            {
                "id": f"theme-{theme}",
                "title": f"Theme {theme}",
                "questions": [
                    {
                        "id": f"q-{WORDS[2 * n + i]}",
                        "text": f"Question {WORDS[2 * n + i]}?",
                        "type": "choice",
                        "options": copy.deepcopy(YES_PARTLY_NO),
                    }
                    for i in range(2)
                ],
            }
            for n, theme in enumerate(THEMES)
        ],
    }


@pytest.fixture(scope="module")
def calibration_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    folder: Path = tmp_path_factory.mktemp("calibration")
    (folder / "calibration.json").write_text(json.dumps(_questionnaire()), "utf-8")
    live_server.flask("questionnaires", "load", str(folder / "calibration.json"))
    (folder / "cases.csv").write_text(
        f"case_id,service,team\n{CASE},Child Protection,Child Protection Team 9\n", "utf-8"
    )
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user("calib-lead", "--role", "admin")
    for name in AUDITORS:
        live_server.add_user(name, "--role", "auditor")
    return live_server


def _create(page: Page, server: LiveServer) -> str:
    """The lead makes the exercise; its page's address."""
    sign_in(page, server, "calib-lead")
    page.get_by_role("link", name="Calibration").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Create an exercise").click()
    # A mistake first: every field is said to be missing, and nothing is made.
    page.get_by_role("button", name="Create exercise").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("Select at least 2 auditors").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Title").fill("Winter calibration")
    page.get_by_label("Exemplar case ID").fill(CASE)
    page.get_by_label("Calibration audit").check()
    for name in AUDITORS:
        page.get_by_role("group", name="Which auditors?").get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Create exercise").click()
    expect(page.get_by_role("heading", name="Winter calibration")).to_be_visible()
    expect(page.locator("#progress")).to_contain_text("0 of 4 auditors have submitted")
    check_accessibility(page)
    return page.url


def _audit(page: Page, server: LiveServer, name: str, exercise_url: str, first: bool) -> None:
    """One auditor audits the exemplar case through the ordinary audit pages."""
    answers, grades = AUDITORS[name]
    sign_in(page, server, name, check=False)
    page.get_by_role("link", name=f"Winter calibration: case {CASE}").click()
    if first:
        check_accessibility(page)
    page.get_by_role("button", name=f"Start your audit of case {CASE}").click()
    audit_url = page.url
    for n, theme in enumerate(THEMES):
        page.goto(f"{audit_url}/themes/theme-{theme}")
        for i in range(2):
            number = 2 * n + i
            page.get_by_role("group", name=f"Question {WORDS[number]}?").get_by_label(
                LABELS[answers[number]], exact=True
            ).check()
        page.get_by_role("group", name="Your judgement of this theme").get_by_label(
            grades[n], exact=True
        ).check()
        page.get_by_label("Analysis").fill("As agreed in the exercise's brief.")
        if first and n == 0:
            check_accessibility(page)
        page.get_by_role("button", name="Save and continue").click()
    page.goto(f"{audit_url}/judgement")
    page.get_by_role("group", name="Your overall judgement").get_by_label(
        grades[4], exact=True
    ).check()
    page.get_by_label("Analysis").fill("As agreed in the exercise's brief.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()
    if first:
        check_accessibility(page)
        # Blind: before the reveal, the exercise shows no figures.
        page.goto(exercise_url)
        expect(
            page.get_by_text("The figures appear here when the exercise is revealed")
        ).to_be_visible()
        expect(page.locator("#agreement")).to_have_count(0)


def _agree_and_reveal(page: Page, exercise_url: str) -> None:
    page.goto(exercise_url)
    expect(page.locator("#progress")).to_contain_text("4 of 4 auditors have submitted")
    page.get_by_role("link", name="Record the agreed answers and grades").click()
    check_accessibility(page)
    for n, theme in enumerate(THEMES):
        page.get_by_role("group", name=f"Theme {theme}", exact=True).get_by_label(
            AGREED_GRADES[n], exact=True
        ).check()
    page.get_by_role("group", name="Overall judgement").get_by_label(G, exact=True).check()
    for number, word in enumerate(WORDS):
        page.get_by_role("group", name=f"Question {word}?").get_by_label(
            LABELS[AGREED_ANSWERS[number]], exact=True
        ).check()
    page.get_by_role("button", name="Save the agreed answers and grades").click()
    expect(page.get_by_text("The agreed answers and grades are recorded.")).to_be_visible()
    page.get_by_role("button", name="Reveal the exercise").click()
    expect(page.get_by_text("The exercise is revealed")).to_be_visible()
    check_accessibility(page)


def _row(page: Page, table: str, header: str) -> str:
    return page.locator(f"#{table} tr", has_text=header).first.inner_text()


def test_an_exercise_with_four_auditors_shows_figures_worked_by_hand(
    calibration_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    lead = new_page()
    exercise_url = _create(lead, calibration_server)
    for index, name in enumerate(AUDITORS):
        _audit(new_page(), calibration_server, name, exercise_url, first=index == 0)
    _agree_and_reveal(lead, exercise_url)

    # Answers, eight units (every question answered by all four). Agreeing pairs of the six per
    # question: q1 6, q2 3, q3 3, q4 3, q5 2, q6 6, q7 6, q8 3, so percent agreement is
    # (1 + .5 + .5 + .5 + 1/3 + 1 + 1 + .5) / 8 = 66.7%. Alpha (nominal): 32 values, yes 17,
    # no 11, partly 4; observed disagreement 32 disagreeing ordered pairs / 3 / 32 = 0.3333;
    # expected (32^2 - 17^2 - 11^2 - 4^2) / (32 x 31) = 598 / 992 = 0.6028;
    # alpha = 1 - 0.3333 / 0.6028 = 0.447.
    answers = _row(lead, "agreement", "Answers (nominal)")
    assert re.split(r"\s+", answers.strip())[-3:] == ["8", "66.7%", "0.447"], answers
    # Grades, five units (four themes and overall). Agreeing pairs: 6, 3, 3, 3, 2, so
    # (1 + .5 + .5 + .5 + 1/3) / 5 = 56.7%. Alpha (ordinal): 20 values, Outstanding 1, Good 12,
    # Requires improvement 6, Inadequate 1; squared ordinal distances O-G 42.25, G-RI 81,
    # RI-I 12.25, O-RI 240.25, G-I 156.25, O-I 361; observed (162 + 24.5 + 84.5 + 216) / 20 =
    # 24.35; expected 20180 / 380 = 53.105; alpha = 1 - 24.35 / 53.105 = 0.541.
    grades = _row(lead, "agreement", "Grades (ordinal)")
    assert re.split(r"\s+", grades.strip())[-3:] == ["5", "56.7%", "0.541"], grades
    # Spread: question five split 2 Partly, 2 No; agreed No, given by 2 of 4.
    five = _row(lead, "answer-spread", "Question five?")
    assert "No: 2; Partly: 2" in five and five.strip().endswith("2 of 4"), five
    overall = _row(lead, "grade-spread", "Overall judgement")
    assert "Good: 2; Requires improvement: 2" in overall and "2 of 4" in overall, overall

    # The lead sees calib-b flagged: 5 of 8 questions as agreed (62.5%), below 70%.
    lead.get_by_role("link", name="Back").click()
    flagged = lead.get_by_role("table", name="Auditors below the threshold in their last exercise")
    expect(flagged).to_contain_text("calib-b")
    expect(flagged).to_contain_text("62.5%")
    expect(flagged).not_to_contain_text("calib-a")
    check_accessibility(lead)

    # calib-b sees their own distance: q4, q5 and q8 differ (5 of 8, 62.5%); one step on
    # theme four (Outstanding against Good), none elsewhere. No flag, no one else's answers.
    member = new_page()
    sign_in(member, calibration_server, "calib-b", check=False)
    member.goto(exercise_url)
    expect(member.locator("#own-agreement")).to_contain_text("5 of 8 questions (62.5%)")
    expect(member.locator("#own-grades tr", has_text="Theme four")).to_contain_text("1")
    expect(member.locator("#own-grades tr", has_text="Theme one")).to_contain_text("0")
    expect(member.get_by_text("calib-a")).to_have_count(0)
    check_accessibility(member)
