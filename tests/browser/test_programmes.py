"""A QA lead in a real browser plans a practice week with quotas for three teams, draws it and
sees its coverage (one team's quota cannot be met, and the page says so); every page passes the
accessibility checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, sign_in

TEAMS = ("Programme Team North", "Programme Team South", "Programme Team East")


@pytest.fixture(scope="module")
def programme_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """Three teams of cases (two in the east), each with a worker reference, and two auditors
    in a team of their own."""
    folder: Path = tmp_path_factory.mktemp("programmes")
    rows = ["case_id,service,team,worker"]
    for team, prefix, count in zip(TEAMS, ("PN", "PS", "PE"), (4, 4, 2), strict=True):
        rows += [
            f"{prefix}{n},Programme Service,{team},{prefix}-W{n % 2}" for n in range(1, count + 1)
        ]
    rows.append("PA1,Programme Service,Programme Auditors,")
    (folder / "cases.csv").write_text("\n".join(rows) + "\n", "utf-8")
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user("programme-lead", "--role", "admin")
    for name in ("programme-auditor1", "programme-auditor2"):
        live_server.add_user(name, "--role", "auditor", "--team", "Programme Auditors")
    return live_server


def _fill_date(page: Page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_qa_lead_plans_draws_and_follows_a_practice_week(
    programme_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, programme_server, "programme-lead")
    page.get_by_role("link", name="Programmes").click()
    expect(page.get_by_role("heading", name="Audit programmes")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Plan a programme").click()
    check_accessibility(page)
    page.get_by_role("group", name="Kind of programme").get_by_label("Practice week").check()
    page.get_by_role("group", name="Questionnaire").get_by_label("Monthly case-file audit").check()
    _fill_date(page, "Start date", "5", "4", "2027")
    _fill_date(page, "End date", "9", "4", "2027")
    page.get_by_role("group", name="Strata").get_by_label("Teams").check()
    page.get_by_role("button", name="Plan programme").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the programme's name")
    expect(page.get_by_role("group", name="Start date").get_by_label("Day")).to_have_value("5")
    check_accessibility(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Name")).to_be_focused()

    page.get_by_label("Name").fill("Practice week April 2027")
    page.get_by_role("button", name="Plan programme").click()
    expect(page.get_by_text("Practice week April 2027 has been planned")).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Quota for Programme Team North").fill("2")
    page.get_by_label("Quota for Programme Team South").fill("two")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The quota for Programme Team South must be a whole number from 0 to 500"
    )
    expect(page.get_by_label("Quota for Programme Team South")).to_have_value("two")
    check_accessibility(page)
    page.get_by_label("Quota for Programme Team South").fill("2")
    page.get_by_label("Quota for Programme Team East").fill("3")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.get_by_text("Quotas saved.")).to_be_visible()

    page.get_by_label("Seed (optional)").fill("2027")
    page.get_by_role("button", name="Draw cases").click()
    expect(
        page.get_by_text("Drew 6 cases for Practice week April 2027 with seed 2027.")
    ).to_be_visible()
    expect(page.get_by_text("Quota not met: Programme Team East has 2 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Coverage: Practice week April 2027")).to_be_visible()
    expect(page.locator("#progress")).to_have_text(
        "6 of 7 cases allocated, 0 started, 0 submitted."
    )
    strata = page.locator("#strata")
    for team, quota, allocated in zip(TEAMS, ("2", "2", "3"), ("2", "2", "2"), strict=True):
        row = strata.get_by_role("row").filter(has=page.get_by_role("rowheader", name=team))
        expect(row.get_by_role("cell").nth(0)).to_have_text(quota)
        expect(row.get_by_role("cell").nth(1)).to_have_text(allocated)
    expect(strata.get_by_role("row").filter(has_text="Programme Team East")).to_contain_text(
        "Quota not met"
    )
    expect(page.locator("#workers").get_by_role("rowheader", name="PE-W1")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Back to the programme").click()
    page.get_by_role("button", name="Draw cases").click()
    expect(page.get_by_text("Drew 0 cases for Practice week April 2027")).to_be_visible()

    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="Cases not audited in the last 12 months").click()
    expect(page.get_by_role("rowheader", name="PN1")).to_be_visible()
    check_accessibility(page)
