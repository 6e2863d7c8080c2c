"""Findings and learning in a real browser: an auditor tags an area for development on their
audit (a mistake shown first, with what they typed), a group manager tags learning while
moderating it, and the QA lead reads the learning report, chooses a quotation and finds it in
the board paper; every page passes the accessibility checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, load_journey_data, sign_in

AUDITOR = "learning-auditor"
MANAGER = "learning-manager"
QA_LEAD = "learning-lead"
COMMENT = "No record of the child being seen alone since the strategy meeting."
RATIONALE = "Management oversight of the visits was missing for two months."


@pytest.fixture(scope="module")
def learning_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """A Family Support case allocated to an auditor, the service's manager and a QA lead."""
    load_journey_data(
        live_server,
        tmp_path_factory.mktemp("learning-data"),
        "case_id,service,team,worker\n500001,Family Support,Family Support Team 5,SW5001\n",
        {"500001": AUDITOR},
        (
            (AUDITOR, "--role", "auditor", "--team", "Family Support Team 5"),
            (MANAGER, "--role", "manager", "--service", "Family Support"),
            (QA_LEAD, "--role", "admin"),
        ),
    )
    return live_server


def _judge(page: Page, legend: str, grade: str) -> None:
    page.get_by_role("group", name=legend).get_by_label(grade, exact=True).check()


def _complete(page: Page, server: LiveServer) -> str:
    """Answer every question with "No", judged Inadequate; the audit's address."""
    page.goto(server.url + "/")
    page.get_by_role("button", name="Start audit of case 500001").click()
    page.get_by_role("link", name="The child's voice").click()
    page.get_by_role("group", name="Was the child seen alone?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("Comment").fill(COMMENT)
    _judge(page, "Your judgement of this theme", "Inadequate")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in need"
    ).check()
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("No", exact=True).check()
    _judge(page, "Your judgement of this theme", "Inadequate")
    page.get_by_role("button", name="Save and continue").click()
    _judge(page, "Your overall judgement", "Inadequate")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("button", name="Submit audit")).to_be_visible()
    return page.url.rsplit("/check", 1)[0]


def _tag(page: Page, kind: str, theme: str, quotation: str) -> None:
    page.get_by_role("group", name="What did you find?").get_by_label(kind, exact=True).check()
    page.get_by_role("group", name="Learning theme").get_by_label(theme, exact=True).check()
    page.get_by_label("Quotation from what you wrote (optional)").fill(quotation)
    page.get_by_role("button", name="Save finding").click()


def test_findings_are_tagged_and_reported(
    learning_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    auditor = new_page()
    sign_in(auditor, learning_server, AUDITOR, check=False)
    audit_url = _complete(auditor, learning_server)

    # The auditor tags an area for development: a mistake first, shown with what was typed.
    auditor.goto(audit_url)
    auditor.get_by_role("link", name="Tag findings and learning").click()
    expect(auditor.get_by_role("heading", name="Findings and learning")).to_be_visible()
    check_accessibility(auditor)
    auditor.get_by_label("Quotation from what you wrote (optional)").fill("Words never written")
    auditor.get_by_role("button", name="Save finding").click()
    summary = auditor.get_by_role("alert")
    expect(summary).to_contain_text("Select whether it is a strength")
    expect(summary).to_contain_text("Select the learning theme")
    expect(summary).to_contain_text("must be copied from what you wrote")
    expect(auditor.get_by_label("Quotation from what you wrote (optional)")).to_have_value(
        "Words never written"
    )
    check_accessibility(auditor)
    _tag(auditor, "Area for development", "Voice of the child", COMMENT.removesuffix("."))
    expect(auditor.get_by_text("Finding saved.")).to_be_visible()
    expect(auditor.locator("#findings")).to_contain_text("Area for development: Voice of the child")
    check_accessibility(auditor)
    auditor.goto(audit_url + "/check")
    auditor.get_by_role("button", name="Submit audit").click()
    expect(auditor.get_by_role("heading", name="Audit submitted")).to_be_visible()

    # The manager moderates it and tags learning from their rationale.
    manager = new_page()
    sign_in(manager, learning_server, MANAGER, check=False)
    manager.get_by_role("button", name="Moderate audit of case 500001").click()
    for legend in ("Your grade for The child's voice", "Your grade for Planning"):
        _judge(manager, legend, "Inadequate")
    manager.get_by_label("Your rationale for Planning").fill(RATIONALE)
    _judge(manager, "Your overall grade", "Inadequate")
    manager.get_by_role("button", name="Save grades and continue").click()
    manager.get_by_role("link", name="Tag findings and learning from this audit").click()
    expect(
        manager.get_by_role("heading", name="Findings and learning from moderation")
    ).to_be_visible()
    expect(manager.locator("#findings")).to_contain_text(COMMENT.removesuffix("."))
    check_accessibility(manager)
    _tag(manager, "Learning", "Management oversight", RATIONALE)
    expect(manager.get_by_text("Finding saved.")).to_be_visible()
    check_accessibility(manager)

    # The QA lead reads the learning report, chooses the moderator's quotation for the paper.
    lead = new_page()
    sign_in(lead, learning_server, QA_LEAD, check=False)
    year = date.today().year
    period = f"from={year - 1}-01-01&to={year}-12-31&service="
    lead.goto(f"{learning_server.url}/reports/learning?{period}")
    by_theme = lead.get_by_role("table", name="Findings by learning theme", exact=True)
    expect(by_theme.get_by_role("row", name="Voice of the child")).to_contain_text("1")
    expect(by_theme.get_by_role("row", name="Management oversight")).to_contain_text("1")
    expect(lead.get_by_role("table", name="Findings by team", exact=True)).to_contain_text(
        "Family Support Team 5"
    )
    check_accessibility(lead)
    quotation = lead.locator(".app-quotation", has_text=RATIONALE)
    quotation.get_by_role("button", name="Choose for the paper").click()
    expect(lead.get_by_text("Quotation chosen for the board paper.")).to_be_visible()
    check_accessibility(lead)
    lead.goto(f"{learning_server.url}/reports/paper?{period}")
    learning = lead.locator("section", has=lead.get_by_role("heading", name="Learning themes"))
    expect(learning).to_contain_text(RATIONALE)
    expect(learning).not_to_contain_text(COMMENT)
    check_accessibility(lead)

    # The QA lead's list of themes.
    lead.get_by_role("link", name="Learning themes").click()
    expect(lead.get_by_role("row", name="Voice of the child")).to_contain_text("Offered")
    check_accessibility(lead)
