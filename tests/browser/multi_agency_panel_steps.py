"""Steps of a multi-agency audit's panel in a real browser, from the returns closed: the
coordinator records the discussion and concludes it, gives each agency an action, and each
agency's manager reads its own action and downloads its own rows. Each page is checked with
axe-core. The whole journey's test strings these after opening the audit and its returns."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import date

from playwright.sync_api import Page, expect

from audit_app.core.partnership import DOMAINS
from tests.browser.conftest import LiveServer, check_accessibility, sign_in


def open_discussion(page: Page, server: LiveServer, audit_id: int) -> None:
    """The multi-agency audit's discussion page."""
    page.goto(f"{server.url}/multi-agency/{audit_id}/discussion")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Panel (discussion|conclusions)")
    )
    check_accessibility(page)


def record_discussion(page: Page, grades: Mapping[str, tuple[str, str]]) -> None:
    """On the discussion page, each domain's grade and analysis (by domain id), saved as a
    draft; the page shows them again."""
    for domain, (grade, analysis) in grades.items():
        label = DOMAINS[domain]
        page.get_by_role("group", name=f"Grade for {label}").get_by_label(grade, exact=True).check()
        page.get_by_label(f"Analysis of {label}").fill(analysis)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Discussion saved.")).to_be_visible()
    check_accessibility(page)
    for domain, (grade, analysis) in grades.items():
        label = DOMAINS[domain]
        group = page.get_by_role("group", name=f"Grade for {label}")
        expect(group.get_by_label(grade, exact=True)).to_be_checked()
        expect(page.get_by_label(f"Analysis of {label}")).to_have_value(analysis)


def conclude_discussion(page: Page) -> None:
    """From the discussion page, the coordinator concludes: refused until confirmed, then final."""
    page.get_by_role("link", name="Conclude the discussion").click()
    expect(page.get_by_role("heading", name="Conclude the discussion")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Conclude the discussion").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Confirm that these are the panel's final conclusions"
    )
    check_accessibility(page)
    page.get_by_label("These are the panel's final conclusions").check()
    page.get_by_role("button", name="Conclude the discussion").click()
    expect(page.get_by_text("The panel's conclusions are final.")).to_be_visible()
    expect(page.get_by_role("heading", name="Panel conclusions")).to_be_visible()
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    check_accessibility(page)


def _fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def give_actions(page: Page, actions: Mapping[str, str], due: date) -> None:
    """From the discussion page, the panel gives each agency (by name) its action, due ``due``."""
    page.get_by_role("link", name="Actions given to agencies").click()
    expect(page.get_by_role("heading", name="Actions for agencies")).to_be_visible()
    check_accessibility(page)
    for agency, description in actions.items():
        owner = page.get_by_role("group", name="Which agency owns the action?")
        owner.get_by_label(agency, exact=True).check()
        page.get_by_label("What must happen").fill(description)
        _fill_date(page, "Due date", due)
        page.get_by_role("button", name="Give the action").click()
        expect(page.get_by_text("Action given to the agency.")).to_be_visible()
        expect(page.get_by_role("cell", name=description, exact=True)).to_be_visible()
        check_accessibility(page)


def agency_reads_its_own_action(
    page: Page,
    server: LiveServer,
    username: str,
    own: str,
    others: list[str],
    title: str = "Neglect",
) -> None:
    """An agency's manager signs in: their organisation's actions list, then the audit's actions
    page, each shows its own action and none of the other agencies'."""
    sign_in(page, server, username)
    page.goto(f"{server.url}/actions")
    page.get_by_role("link", name="Actions from multi-agency audits").click()
    expect(page.get_by_role("heading", name="Actions from multi-agency audits")).to_be_visible()
    check_accessibility(page)
    expect(page.get_by_role("cell", name=own, exact=True)).to_be_visible()
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name="Actions for agencies")).to_be_visible()
    check_accessibility(page)
    expect(page.get_by_role("cell", name=own, exact=True)).to_be_visible()
    for text in others:
        expect(page.get_by_text(text)).to_have_count(0)


def download_agency_rows(page: Page, agency: str) -> list[list[str]]:
    """On the audit's actions page, the agency's download, as rows (header first)."""
    link = page.get_by_role("link", name=f"Download {agency}'s rows (CSV)")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    text = path.read_text("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def download_links(page: Page) -> list[str]:
    """The downloads the actions page offers, by their words."""
    return page.get_by_role("link", name="rows (CSV)").all_inner_texts()
