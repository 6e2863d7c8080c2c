"""The independent auditor in a real browser: the admin assigns amber's submitted audit to the
independent auditor for a week; the independent auditor signs in with two-factor
authentication, re-audits the case blind (nothing of amber's on any page), submits, reads the
first audit and records a challenge on a theme; the group manager responds on the audit's page;
the findings page shows both sets of grades side by side. Every page is checked with axe-core.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from audit_app import clock
from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    new_server,
    serving,
    sign_in,
)
from tests.browser.test_calibration import LABELS, THEMES, WORDS, _questionnaire
from tests.builders import FOUR_BANDS, PASSWORD

G, RI = FOUR_BANDS[1]["grade"], FOUR_BANDS[2]["grade"]
CASE = "400001"
CHALLENGE = "Theme two: the plan had no dates, so Good is generous."
RESPONSE = "Accepted: the plan is being redone with dates."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("independent")
    served = new_server(instance)
    (instance / "calibration.json").write_text(json.dumps(_questionnaire()), "utf-8")
    served.flask("questionnaires", "load", str(instance / "calibration.json"))
    (instance / "cases.csv").write_text(
        f"case_id,service,team\n{CASE},Child Protection,Child Protection Team 4\n", "utf-8"
    )
    served.flask("cases", "import", str(instance / "cases.csv"))
    with serving(served, instance) as live:
        live.add_user("ia-lead", "--role", "admin")
        live.add_user(
            "ia-amber", "--role", "auditor", "--team", "Child Protection Team 4", "--name", "Amber"
        )
        live.add_user("ia-grace", "--role", "manager", "--service", "Child Protection")
        live.add_user("ia-indy", "--role", "independent", "--name", "Iris Independent")
        yield live


def _fill(page: Page, answer: str, grade: str, *, check: bool) -> None:
    """Answer and judge the open audit through its pages, and submit it."""
    audit_url = page.url.rstrip("/")
    for n, theme in enumerate(THEMES):
        page.goto(f"{audit_url}/themes/theme-{theme}")
        for i in range(2):
            page.get_by_role("group", name=f"Question {WORDS[2 * n + i]}?").get_by_label(
                LABELS[answer], exact=True
            ).check()
        page.get_by_role("group", name="Your judgement of this theme").get_by_label(
            grade, exact=True
        ).check()
        page.get_by_label("Analysis").fill("Read against the record.")
        if check:
            _blind(page)
        page.get_by_role("button", name="Save and continue").click()
    page.goto(f"{audit_url}/judgement")
    page.get_by_role("group", name="Your overall judgement").get_by_label(grade, exact=True).check()
    page.get_by_label("Analysis").fill("Read against the record.")
    page.get_by_role("button", name="Save and continue").click()
    if check:
        _blind(page)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()


def _blind(page: Page) -> None:
    """Nothing of amber's on the page, and no serious accessibility problem."""
    text = page.content()
    assert "Amber" not in text and "ia-amber" not in text, page.url
    check_accessibility(page)


def _first_audit(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "ia-amber", check=False)
    page.goto(f"{server.url}/audits/new")
    page.get_by_role("radio", name="Calibration audit").check()
    page.get_by_label("Case ID").fill(CASE)
    page.get_by_role("button", name="Start audit").click()
    _fill(page, "yes", G, check=False)


def _day(page: Page, legend: str, days: int) -> None:
    day = clock.today() + timedelta(days=days)
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _assign(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "ia-lead", check=False)
    page.get_by_role("link", name="Independent auditors").click()
    check_accessibility(page)
    page.get_by_label("Iris Independent").check()
    page.get_by_label("Title").fill("Spring independent review")
    page.get_by_label(f"Case {CASE}", exact=False).check()
    _day(page, "First day", 0)
    _day(page, "Last day", 7)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("The assignment is made.")).to_be_visible()
    check_accessibility(page)


def _sign_in_with_two_factors(new_page: Callable[..., Page], server: LiveServer) -> Page:
    """The first sign-in sets two-factor authentication up; the next, in a new browser, asks
    for a code. The page signed in the second time."""
    page = new_page()
    sign_in(page, server, "ia-indy", check=False)
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    check_accessibility(page)
    page.get_by_text("I cannot scan the code").click()
    secret = page.locator("code.app-secret").inner_text().strip()
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_text("Two-factor authentication is on").first).to_be_visible()
    page = new_page()
    sign_in(page, server, "ia-indy", check=False)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    check_accessibility(page)
    page.get_by_role("button", name="Continue").click()
    return page


def _re_audit_and_challenge(new_page: Callable[..., Page], server: LiveServer) -> None:
    page = _sign_in_with_two_factors(new_page, server)
    expect(page.get_by_role("cell", name=CASE, exact=True)).to_be_visible()
    _blind(page)
    page.get_by_role("button", name=f"Re-audit blind case {CASE}").click()
    _blind(page)
    page.get_by_role("link", name="Theme one").first.click()
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)  # nothing of amber's
    page.go_back()
    _fill(page, "partly", RI, check=True)
    for path in ("/reports", "/moderation", "/admin/users"):
        assert page.goto(f"{server.url}{path}").status == 403  # type: ignore[union-attr]
    page.goto(server.url)
    page.get_by_role("link", name="Read the first audit and challenge").click()
    check_accessibility(page)
    page.get_by_role("link", name="Record a challenge").click()
    check_accessibility(page)
    page.get_by_role("group", name="What is your challenge about?").get_by_label(
        "Theme two", exact=True
    ).check()
    page.get_by_label("Your challenge").fill(CHALLENGE)
    page.get_by_role("button", name="Record the challenge").click()
    expect(page.get_by_text("Your challenge is recorded.")).to_be_visible()
    check_accessibility(page)


def _respond(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "ia-grace", check=False)
    page.get_by_role("link", name="Independent findings").click()
    check_accessibility(page)
    page.get_by_role("link", name=f"The service's audit of case {CASE}").click()
    expect(page.get_by_text(CHALLENGE)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Respond").click()
    check_accessibility(page)
    page.get_by_label("The service's response").fill(RESPONSE)
    page.get_by_role("button", name="Save the response").click()
    expect(page.get_by_text("The response is recorded.")).to_be_visible()
    check_accessibility(page)


def test_an_independent_re_audit_challenged_answered_and_reported_beside_the_grades(
    server: LiveServer, new_page: Callable[..., Page]
) -> None:
    _first_audit(new_page(), server)
    _assign(new_page(), server)
    _re_audit_and_challenge(new_page, server)
    manager = new_page()
    _respond(manager, server)
    manager.get_by_role("link", name="Independent findings").click()
    table = manager.get_by_role("table", name=f"Grades of the audit of case {CASE}")
    overall = table.locator("tr", has_text="Overall")
    expect(overall.get_by_role("cell").nth(0)).to_have_text(G)
    expect(overall.get_by_role("cell").nth(1)).to_have_text(RI)
    expect(table.locator("tr", has_text="Theme two")).to_contain_text(RESPONSE)
    check_accessibility(manager)
