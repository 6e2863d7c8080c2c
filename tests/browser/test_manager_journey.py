"""A group manager's journey in a real browser, and the auditor's return journey that follows.

The manager sees a safeguarding concern and the moderation queue, moderates one audit with a
changed theme grade, records an action, acknowledges the concern and returns another audit; the
auditor finds the returned audit, changes it and resubmits it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, load_journey_data, sign_in

AUDITOR = "cic-auditor"
MANAGER = "cic-manager"
CONCERN = "No recorded visit for nine weeks while the child is on a plan."


@pytest.fixture(scope="module")
def manager_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """Two Children in Care cases allocated to an auditor, and the service's group manager."""
    load_journey_data(
        live_server,
        tmp_path_factory.mktemp("manager-data"),
        "case_id,service,team,worker\n"
        "400001,Children in Care,Children in Care Team 9,SW4001\n"
        "400002,Children in Care,Children in Care Team 9,SW4002\n"
        "400009,Care Leavers,Leaving Care Team 9,SW4009\n",
        {"400001": AUDITOR, "400002": AUDITOR},
        (
            (AUDITOR, "--role", "auditor", "--team", "Leaving Care Team 9"),
            (MANAGER, "--role", "manager", "--service", "Children in Care"),
        ),
    )
    return live_server


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def _judge(page: Page, legend: str, grade: str) -> None:
    page.get_by_role("group", name=legend).get_by_label(grade, exact=True).check()


def _complete_inadequate_audit(
    page: Page, server: LiveServer, case_ref: str, concern: bool
) -> None:
    """Answer every question with "No" and submit: judged Inadequate, so due for moderation."""
    page.goto(server.url + "/")
    page.get_by_role("button", name=f"Start audit of case {case_ref}").click()
    expect(page.get_by_role("heading", name=f"Audit of case {case_ref}")).to_be_visible()
    if concern:
        page.get_by_role("link", name="raise a safeguarding concern").click()
        page.get_by_label("Describe the concern").fill(CONCERN)
        page.get_by_role("button", name="Raise concern").click()
        expect(page.get_by_text("Safeguarding concern recorded")).to_be_visible()
    page.get_by_role("link", name="The child's voice").click()
    seen_alone = page.get_by_role("group", name="Was the child seen alone?")
    seen_alone.get_by_label("No", exact=True).check()
    page.get_by_label("Comment").fill("No record of the child being seen alone.")
    _judge(page, "Your judgement of this theme", "Inadequate")
    _save(page)
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in need"
    ).check()
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("No", exact=True).check()
    _judge(page, "Your judgement of this theme", "Inadequate")
    _save(page)
    _judge(page, "Your overall judgement", "Inadequate")
    _save(page)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()


def test_a_manager_moderates_and_an_auditor_resubmits(
    manager_server: LiveServer,
    new_page: Callable[..., Page],
) -> None:
    auditor = new_page()
    sign_in(auditor, manager_server, AUDITOR, check=False)
    _complete_inadequate_audit(auditor, manager_server, "400001", concern=True)
    _complete_inadequate_audit(auditor, manager_server, "400002", concern=False)

    # The manager's home: the concern at the top, then the queue.
    page = new_page()
    sign_in(page, manager_server, MANAGER, check=False)
    banner = page.get_by_role("region", name="Safeguarding concerns")
    expect(banner).to_contain_text(CONCERN)
    queue = page.locator("table", has=page.get_by_text("Audits due for moderation"))
    expect(queue).to_contain_text("400001")
    expect(queue).to_contain_text("400002")
    expect(queue).to_contain_text("Worst band")
    check_accessibility(page)

    # Moderate 400001, changing the grade of one theme.
    page.get_by_role("button", name="Moderate audit of case 400001").click()
    expect(page.get_by_role("heading", name="Moderate the audit")).to_be_visible()
    check_accessibility(page)
    _judge(page, "Your grade for The child's voice", "Requires improvement")
    page.get_by_label("Your rationale for The child's voice").fill(
        "The comment shows the child was seen alone once, with the family support worker."
    )
    _judge(page, "Your grade for Planning", "Inadequate")
    _judge(page, "Your overall grade", "Inadequate")
    page.get_by_role("button", name="Save grades and continue").click()
    expect(page.get_by_role("heading", name="Outcome of the moderation")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Differs")
    check_accessibility(page)
    page.get_by_role("radio", name="Grade changed").check()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("your grades are now the final grades")).to_be_visible()
    grades = page.get_by_role("table", name="Grades")
    expect(grades.get_by_role("row", name="The child's voice")).to_contain_text(
        "Requires improvement"
    )
    check_accessibility(page)

    # Record an action on it.
    page.get_by_role("link", name="Add an action").click()
    check_accessibility(page)
    page.get_by_label("What must happen").fill("Visit and see the child alone within a week.")
    page.get_by_role("group", name="Who is the action for?").get_by_label("For the child").check()
    page.get_by_label("Owner").fill("SW4001")
    due = date.today() + timedelta(days=7)
    dates = page.get_by_role("group", name="Due date")
    dates.get_by_label("Day").fill(str(due.day))
    dates.get_by_label("Month").fill(str(due.month))
    dates.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("Action recorded.")).to_be_visible()
    expect(page.get_by_role("table", name="Actions on this audit")).to_contain_text("SW4001")

    # Acknowledge the concern from the home page: it leaves the home page.
    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Acknowledge the concern on case 400001").click()
    check_accessibility(page)
    page.get_by_label("What was done").fill("Strategy discussion held; visit made the same day.")
    page.get_by_role("button", name="Acknowledge concern").click()
    expect(page.get_by_text("Concern on case 400001 acknowledged")).to_be_visible()
    expect(page.get_by_role("region", name="Safeguarding concerns")).to_have_count(0)

    # Return 400002 to the auditor.
    page.get_by_role("button", name="Moderate audit of case 400002").click()
    for legend in ("Your grade for The child's voice", "Your grade for Planning"):
        _judge(page, legend, "Inadequate")
    _judge(page, "Your overall grade", "Inadequate")
    page.get_by_role("button", name="Save grades and continue").click()
    page.get_by_role("radio", name="Returned to auditor").check()
    page.get_by_label("Comment for the auditor").fill(
        "The visit on 3 March was with the child alone: check the voice theme again."
    )
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("returned to the auditor with your comment")).to_be_visible()
    check_accessibility(page)

    # The auditor finds it, changes it and resubmits it.
    auditor.goto(manager_server.url + "/")
    expect(auditor.get_by_role("heading", name="Returned to you for changes")).to_be_visible()
    expect(auditor.get_by_text("check the voice theme again")).to_be_visible()
    check_accessibility(auditor)
    auditor.get_by_role("link", name="Case 400002: Journey audit").click()
    expect(auditor.get_by_role("region", name="Returned for changes")).to_be_visible()
    check_accessibility(auditor)
    auditor.get_by_role("link", name="The child's voice").click()
    auditor.get_by_role("group", name="Was the child seen alone?").get_by_label("Partly").check()
    _judge(auditor, "Your judgement of this theme", "Requires improvement")
    _save(auditor)
    _save(auditor)
    _save(auditor)
    auditor.get_by_role("button", name="Submit audit").click()
    expect(auditor.get_by_role("heading", name="Audit submitted")).to_be_visible()

    # Back in the manager's queue, and the action is on the auditor's list.
    page.goto(manager_server.url + "/")
    expect(page.get_by_role("button", name="Moderate audit of case 400002")).to_be_visible()
    auditor.get_by_role("link", name="Actions").click()
    expect(auditor.get_by_role("table", name="Open actions, overdue first")).to_contain_text(
        "Visit and see the child alone within a week."
    )
    check_accessibility(auditor)
