"""A cross-borough audit in a real browser, on a server where every submitted audit is due for
moderation: the QA lead makes a pseudonymised batch and grants a visiting auditor of another
council two cases from today; the visitor sets up two-factor authentication, sees the two
pseudonyms and never our references, and audits one case; the QA lead sees the audit as
external on the batch's page and in the moderation queue, then ends the window yesterday; the
visitor's home page lists no case any more, and the audit and the case answer as not found.
Every page is checked with axe-core."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from audit_app import clock
from tests.browser.conftest import (
    PASSWORD,
    LiveServer,
    check_accessibility,
    new_server,
    serving,
    sign_in,
)
from tests.browser.test_calibration import LABELS, THEMES, WORDS, _questionnaire
from tests.builders import FOUR_BANDS
from tests.conftest import ROOT

COUNCIL = "Neighbouring Borough Council"
CASES = ("710001", "710002")
NOT_GRANTED = "710003"
GOOD = FOUR_BANDS[1]["grade"]

# The visitor: an auditor of another council, who must set up two-factor authentication.
ADD_VISITOR = f"""
from sqlmodel import select
from wsgi import app
from audit_app.db import session_scope
from tests.builders import add_user, ensure_organisation
with app.app_context(), session_scope(app) as session:
    ensure_organisation(session, {COUNCIL!r}, kind="other_council", mfa_required=True)
add_user(app, "cb-visitor", "auditor", team="Visiting Team", organisation={COUNCIL!r})
"""


@pytest.fixture(scope="module")
def moderating_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("cross-borough")
    server = new_server(instance)
    server.env.update({"MODERATION_SAMPLE_RATE": "1"})
    (instance / "calibration.json").write_text(json.dumps(_questionnaire()), "utf-8")
    server.flask("questionnaires", "load", str(instance / "calibration.json"))
    rows = "".join(
        f"{case},Child Protection,Child Protection Team 4\n" for case in (*CASES, NOT_GRANTED)
    )
    (instance / "cases.csv").write_text(f"case_id,service,team\n{rows}", "utf-8")
    server.flask("cases", "import", str(instance / "cases.csv"))
    result = subprocess.run(
        [sys.executable, "-c", ADD_VISITOR],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with serving(server, instance) as served:
        served.add_user("cb-lead", "--role", "admin")
        yield served


def _fill_date(page: Page, legend: str, day: object) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))  # type: ignore[attr-defined]
    group.get_by_label("Month").fill(str(day.month))  # type: ignore[attr-defined]
    group.get_by_label("Year").fill(str(day.year))  # type: ignore[attr-defined]


def _grant(page: Page, server: LiveServer) -> list[str]:
    """The QA lead makes the batch and grants the two cases; the pseudonyms, by case."""
    sign_in(page, server, "cb-lead", check=False)
    page.goto(f"{server.url}/admin/grants")
    check_accessibility(page)
    page.get_by_label("Title").fill("Spring cross-borough audit")
    page.get_by_label("Cross-borough audit").check()
    page.get_by_label("Yes, show pseudonyms").check()
    page.get_by_role("button", name="Make the batch").click()
    expect(page.get_by_role("heading", name="Spring cross-borough audit")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Visiting auditor").select_option(label=f"cb-visitor ({COUNCIL})")
    page.get_by_label("Case references").fill("\n".join(CASES))
    today = clock.today()
    _fill_date(page, "First day of access", today)
    _fill_date(page, "Last day of access", today + timedelta(days=13))
    page.get_by_role("button", name="Grant the cases").click()
    grants = page.get_by_role("table", name="Grants in this batch")
    pseudonyms = []
    for case in CASES:
        row = grants.locator("tr", has_text=case)
        expect(row).to_contain_text("Open")
        found = re.search(r"V-[0-9A-F]{8}", row.inner_text())
        assert found, row.inner_text()
        pseudonyms.append(found.group(0))
    check_accessibility(page)
    return pseudonyms


def _set_up_two_factor(page: Page, server: LiveServer) -> None:
    """The visitor signs in and sets up their authenticator app with the key shown."""
    sign_in(page, server, "cb-visitor")
    expect(page.get_by_text("Your organisation needs two-factor authentication")).to_be_visible()
    check_accessibility(page)
    page.get_by_text("I cannot scan the code").click()
    secret = page.locator("code.app-secret").inner_text().strip()
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    check_accessibility(page)
    page.get_by_role("link", name="Continue").click()


def _audit(page: Page, pseudonym: str) -> str:
    """The visitor audits the case through its pages and submits it; the audit's address."""
    page.get_by_label(f"Questionnaire for case {pseudonym}").select_option(
        label="Calibration audit"
    )
    page.get_by_role("button", name=f"Start audit of case {pseudonym}").click()
    audit_url = page.url
    _no_reference(page)
    for n, theme in enumerate(THEMES):
        page.goto(f"{audit_url}/themes/theme-{theme}")
        for i in range(2):
            page.get_by_role("group", name=f"Question {WORDS[2 * n + i]}?").get_by_label(
                LABELS["yes"], exact=True
            ).check()
        page.get_by_role("group", name="Your judgement of this theme").get_by_label(
            GOOD, exact=True
        ).check()
        page.get_by_label("Analysis").fill("Read against the record.")
        _no_reference(page)
        page.get_by_role("button", name="Save and continue").click()
    page.goto(f"{audit_url}/judgement")
    page.get_by_role("group", name="Your overall judgement").get_by_label(GOOD, exact=True).check()
    page.get_by_label("Analysis").fill("Read against the record.")
    _no_reference(page)
    page.get_by_role("button", name="Save and continue").click()
    _no_reference(page)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()
    _no_reference(page)
    return audit_url


def _no_reference(page: Page) -> None:
    """None of our case references on the page, and no serious accessibility problem."""
    text = page.content()
    for case in (*CASES, NOT_GRANTED):
        assert case not in text, (page.url, case)
    check_accessibility(page)


def _lead_sees_external(page: Page, server: LiveServer, batch_url: str) -> None:
    page.goto(batch_url)
    audits = page.get_by_role("table", name="External audits of these cases")
    expect(audits.locator("tr", has_text=CASES[0])).to_contain_text("External")
    check_accessibility(page)
    page.goto(f"{server.url}/moderation")
    row = page.locator("tr", has_text=CASES[0])
    expect(row.first).to_contain_text("External")
    check_accessibility(page)


def _end_window_yesterday(page: Page, batch_url: str) -> None:
    page.goto(batch_url)
    page.get_by_role("link", name=f"Change the window of the grant of case {CASES[0]}").click()
    check_accessibility(page)
    yesterday = clock.today() - timedelta(days=1)
    _fill_date(page, "First day of access", yesterday - timedelta(days=1))
    _fill_date(page, "Last day of access", yesterday)
    page.get_by_role("button", name="Save the window").click()
    expect(
        page.get_by_role("table", name="Grants in this batch").locator("tr", has_text=CASES[0])
    ).to_contain_text("Ended")
    check_accessibility(page)


def test_a_visitor_audits_a_granted_case_by_pseudonym_until_the_window_ends(
    moderating_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    server = moderating_server
    lead = new_page()
    pseudonyms = _grant(lead, server)
    batch_url = lead.url.split("#")[0]

    visitor = new_page()
    _set_up_two_factor(visitor, server)
    granted = visitor.get_by_role("table", name="Cases granted to you")
    for pseudonym in pseudonyms:
        expect(granted).to_contain_text(pseudonym)
    _no_reference(visitor)
    audit_url = _audit(visitor, pseudonyms[0])

    _lead_sees_external(lead, server, batch_url)
    _end_window_yesterday(lead, batch_url)
    for case in CASES[1:]:
        # The other case's grant stays open: end it too, so the home page lists none.
        lead.goto(batch_url)
        lead.get_by_role("link", name=f"Change the window of the grant of case {case}").click()
        yesterday = clock.today() - timedelta(days=1)
        _fill_date(lead, "First day of access", yesterday)
        _fill_date(lead, "Last day of access", yesterday)
        lead.get_by_role("button", name="Save the window").click()

    visitor.goto(server.url)
    expect(visitor.get_by_role("table", name="Cases granted to you")).to_have_count(0)
    for pseudonym in pseudonyms:
        expect(visitor.locator("main")).not_to_contain_text(pseudonym)
    check_accessibility(visitor)
    visitor.goto(audit_url)
    expect(visitor.get_by_role("heading", name="Page not found")).to_be_visible()
    check_accessibility(visitor)
    visitor.goto(f"{server.url}/audits/new?questionnaire=calibration-audit")
    visitor.get_by_label("Case ID").fill(pseudonyms[0])
    visitor.get_by_role("button", name="Start audit").click()
    expect(visitor.get_by_role("alert")).to_contain_text(
        f"There is no case with ID {pseudonyms[0]} that you can audit"
    )
    _no_reference(visitor)
