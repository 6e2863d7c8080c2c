"""Steps of a multi-agency audit in a real browser, for the tests that follow one through:
the data (a council case, agencies and their people), opening it as its coordinator, an
agency's auditor completing its return, a sealed return refused, and the panel reading the
returns. Each page a step visits passes the accessibility checks."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from audit_app.db import get_engine, session_scope
from tests.browser.conftest import LiveServer, check_accessibility, sign_in
from tests.builders import (
    add_user,
    ensure_organisation,
    load_questionnaire,
    make_case,
    questionnaire_dict,
)
from tests.conftest import build_app

QUESTIONNAIRE = "Single agency return"
LAWFUL_BASIS = re.compile(r"Article 9\(2\)\(h\) health or social care")


def seed(
    server: LiveServer,
    instance: Path,
    *,
    case_ref: str,
    agencies: dict[str, str],
    people: tuple[tuple[str, str, str | None], ...],
) -> None:
    """Add to the server's database the return's questionnaire, a council case, the partner
    agencies (name: kind, with no two-factor authentication, as a test needs) and the people
    (username, role, organisation or None for the council), each with the tests' password."""
    app = build_app(server.env["DATABASE_URL"], instance)
    try:
        with app.app_context():
            load_questionnaire(
                app, questionnaire_dict(id="single-agency-return", title=QUESTIONNAIRE)
            )
            make_case(app, case_ref, team="Family Support 1", service="Family Support")
            with session_scope(app) as session:
                for name, kind in agencies.items():
                    ensure_organisation(session, name, kind=kind)
            for username, role, organisation in people:
                team = f"{organisation or 'Family Support'} team" if role == "auditor" else None
                add_user(app, username, role, team=team, organisation=organisation)
    finally:
        get_engine(app).dispose()


def open_multi_agency(
    page: Page, server: LiveServer, coordinator: str, title: str, case_ref: str,
    agencies: tuple[str, ...],
) -> None:  # fmt: skip
    """The coordinator opens a multi-agency audit of the case with the agencies, each return on
    the single agency return, due in a fortnight: first refused for a missing agreement (what
    was typed is kept), then opened."""
    sign_in(page, server, coordinator)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Multi-agency audits"
    ).click()
    expect(page.get_by_role("heading", name="Multi-agency audits")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Open a multi-agency audit").click()
    check_accessibility(page)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Theme (optional)").fill("Neglect")
    page.get_by_label("Case IDs").fill(case_ref)
    for agency in agencies:
        page.get_by_role("checkbox", name=agency, exact=True).check()
        page.get_by_label(f"Questionnaire for {agency}'s return").select_option(
            label=f"{QUESTIONNAIRE} (version 1)"
        )
    due = date.today() + timedelta(days=14)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_label(LAWFUL_BASIS).check()
    page.get_by_role("button", name="Open the multi-agency audit").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the name of the data-sharing")
    expect(page.get_by_label("Title")).to_have_value(title)
    check_accessibility(page)
    page.get_by_label("Data-sharing agreement").fill("Riverbend partnership agreement")
    page.get_by_role("button", name="Open the multi-agency audit").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("#returns")).to_contain_text("Not started")
    check_accessibility(page)


def go_to(page: Page, title: str) -> None:
    """From any page, the multi-agency audit's page."""
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Multi-agency audits"
    ).click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def complete_return(page: Page, server: LiveServer, auditor: str, title: str, words: str) -> int:
    """The agency's auditor starts its return from the multi-agency audit's page, answers
    both themes (``words`` in the comment), judges and submits; the return's audit id."""
    sign_in(page, server, auditor)
    go_to(page, title)
    check_accessibility(page)
    page.get_by_role("button", name=re.compile("Start the return")).click()
    expect(page.get_by_role("heading", name=re.compile("Audit of case"))).to_be_visible()
    audit_id = int(re.search(r"/audits/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    check_accessibility(page)
    page.get_by_role("link", name="The child's voice").click()
    page.get_by_role("group", name="Was the child seen alone?").get_by_label(
        "Yes, evidenced"
    ).check()
    page.get_by_label("Comment").fill(words)
    _judge_and_save(page)
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("Yes, evidenced").check()
    _judge_and_save(page)
    check_accessibility(page)
    page.get_by_role("group", name="Your overall judgement").get_by_label("Outstanding").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check your answers before submitting the audit"))
    check_accessibility(page)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()
    expect(page.get_by_text("Your agency's return is in")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Back to the multi-agency audit").click()
    check_accessibility(page)
    return audit_id


def _judge_and_save(page: Page) -> None:
    check_accessibility(page)
    page.get_by_role("group", name="Your judgement of this theme").get_by_label(
        "Outstanding"
    ).check()
    page.get_by_role("button", name="Save and continue").click()


def refused_sealed_return(page: Page, server: LiveServer, username: str, audit_id: int) -> None:
    """Another agency's person opens a sealed return: not found, as if there were none."""
    sign_in(page, server, username)
    for path in (f"/audits/{audit_id}", f"/audits/{audit_id}/record"):
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        check_accessibility(page)


def status_is(page: Page, title: str, status: str) -> None:
    """The multi-agency audit's page states its status."""
    go_to(page, title)
    expect(page.get_by_text(status, exact=True).first).to_be_visible()


def read_returns(page: Page, server: LiveServer, title: str, words: tuple[str, ...]) -> None:
    """A panel member reads each return from the page: its record, with its auditor's words."""
    go_to(page, title)
    check_accessibility(page)
    links = page.get_by_role("link", name=re.compile("Read the return"))
    expect(links).to_have_count(len(words))
    shown = []
    for index in range(len(words)):
        go_to(page, title)
        page.get_by_role("link", name=re.compile("Read the return")).nth(index).click()
        expect(page.get_by_role("heading", name=re.compile("Audit record"))).to_be_visible()
        check_accessibility(page)
        shown.append(page.content())
    for word in words:
        assert sum(word in html for html in shown) == 1, word
