"""An auditor's whole journey in a real browser, with and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    check_accessibility_of_markup,
    load_journey_data,
    sign_in,
)


@pytest.fixture(scope="module")
def journey_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The live server with the journey questionnaire, two cases, an auditor and an allocation."""
    load_journey_data(
        live_server,
        tmp_path_factory.mktemp("journey-data"),
        "case_id,service,team\n"
        "100824,Child Protection,Child Protection Team 1\n"
        "100825,Children in Need,Children in Need Team B\n"
        "200001,Children in Need,Children in Need Team A\n",
        {"100824": "browser-auditor"},
        (("browser-auditor", "--role", "auditor", "--team", "Children in Need Team A"),),
    )
    return live_server


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_auditor_completes_an_allocated_audit_with_javascript(
    journey_server: LiveServer,
    new_page: Callable[..., Page],
) -> None:
    page = new_page()
    sign_in(page, journey_server, "browser-auditor")
    expect(page.get_by_role("heading", name="Allocated to me")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Start audit of case 100824").click()
    expect(page.get_by_role("heading", name="Audit of case 100824")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="The child's voice").click()
    check_accessibility(page)
    page.get_by_role("group", name="Was the child seen alone?").get_by_label("Partly").check()
    _save(page)

    # Planning: the permanence question appears only for a child in care, in place.
    permanence = page.get_by_role("group", name="Is there a permanence plan by the second review?")
    expect(permanence).to_be_hidden()
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in care"
    ).check()
    expect(permanence).to_be_visible()
    check_accessibility(page)
    permanence.get_by_label("Yes, evidenced").check()
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("Yes, evidenced").check()
    page.get_by_label("Date of the last visit").fill("3/11/2026")
    page.get_by_role("group", name="Your judgement of this theme").get_by_label(
        "Outstanding"
    ).check()
    _save(page)

    # Back to the first theme: the suggested grade follows the answers.
    page.goto(re.sub(r"/judgement$", "/themes/voice", page.url))
    score = page.locator("#theme-score")
    expect(score).to_contain_text("Requires improvement (50.0%)")
    page.get_by_role("group", name="Was the child seen alone?").get_by_label(
        "Yes, evidenced"
    ).check()
    page.get_by_role("group", name="Your judgement of this theme").get_by_label(
        "Outstanding"
    ).check()
    _save(page)
    page.goto(re.sub(r"/themes/planning$", "/themes/voice", page.url))
    expect(page.locator("#theme-score")).to_contain_text("Outstanding (100.0%)")

    page.goto(re.sub(r"/themes/voice$", "/judgement", page.url))
    check_accessibility(page)
    page.get_by_role("group", name="Your overall judgement").get_by_label("Outstanding").check()
    _save(page)

    expect(page.get_by_role("heading", name="Check your answers before submitting the audit"))
    check_accessibility(page)
    page.get_by_role("button", name="Submit audit").click()

    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()
    expect(page.get_by_text("Overall grade: Outstanding")).to_be_visible()
    check_accessibility(page)


def test_conditional_questions_work_without_javascript(
    journey_server: LiveServer,
    new_page: Callable[..., Page],
) -> None:
    page = new_page(javascript=False)
    sign_in(page, journey_server, "browser-auditor", check=False)
    page.get_by_role("link", name="Start an audit").click()
    check_accessibility_of_markup(page, new_page)
    page.get_by_role("radio", name="Journey audit").check()
    page.get_by_label("Case ID").fill("100825")
    page.get_by_role("button", name="Start audit").click()

    page.get_by_role("link", name="Planning").click()
    permanence = page.get_by_role("group", name="Is there a permanence plan by the second review?")
    expect(permanence).to_be_hidden()
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in care"
    ).check()
    _save(page)

    expect(page.get_by_text("Your answers mean that more questions apply")).to_be_visible()
    expect(permanence).to_be_visible()
    check_accessibility_of_markup(page, new_page)
    permanence.get_by_label("Partly").check()
    _save(page)
    expect(page.get_by_role("heading", name="Overall judgement")).to_be_visible()


def test_the_start_page_explains_an_unknown_case(
    journey_server: LiveServer,
    new_page: Callable[..., Page],
) -> None:
    page = new_page()
    sign_in(page, journey_server, "browser-auditor")
    page.get_by_role("link", name="Start an audit").click()
    page.get_by_role("radio", name="Journey audit").check()
    page.get_by_label("Case ID").fill("999999")
    page.get_by_role("button", name="Start audit").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is no case with ID 999999")
    check_accessibility(page)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Case ID")).to_be_focused()
