"""A repeating group of visits in the browser, with and without JavaScript: the page starts
with Visit 1, "Add another visit" saves what was typed and shows Visit 2, a wrong date names its
visit in the error summary, "Remove visit 1" keeps the other visit's answers, and check your
answers lists the answers per visit; axe finds no serious or critical violation on any page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    check_accessibility_of_markup,
    sign_in,
)
from tests.builders import visits_questionnaire

AUDITOR = "visits-auditor"
CASES = {"720001": True, "720002": False}  # case: with JavaScript


@pytest.fixture(scope="module")
def visits_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The shared live server with the visits questionnaire (a group of one to four visits in
    "The child's voice") allocated to an auditor for two cases."""
    folder = tmp_path_factory.mktemp("visits-data")
    _write(folder / "visits-audit.json", json.dumps(visits_questionnaire()))
    live_server.flask("questionnaires", "load", str(folder / "visits-audit.json"))
    _write(
        folder / "cases.csv",
        "case_id,service,team\n"
        + "".join(f"{case},Child Protection,Visits CP Team\n" for case in CASES),
    )
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user(AUDITOR, "--role", "auditor", "--team", "Visits CP Team")
    _write(
        folder / "allocations.csv",
        "case_id,questionnaire_id,auditor,due\n"
        + "".join(f"{case},visits-audit,{AUDITOR},2099-01-31\n" for case in CASES),
    )
    live_server.flask("allocations", "import", str(folder / "allocations.csv"))
    return live_server


def _write(path: Path, content: str) -> None:
    path.write_text(content, "utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_visits_are_added_named_in_errors_removed_and_checked(
    case: str, visits_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    javascript = CASES[case]
    page = new_page(javascript=javascript)

    def accessible() -> None:
        if javascript:
            check_accessibility(page)
        else:
            check_accessibility_of_markup(page, new_page)

    def visit(number: int) -> Locator:
        return page.get_by_role("group", name=f"Visit {number}", exact=True)

    sign_in(page, visits_server, AUDITOR, check=False)
    page.get_by_role("button", name=f"Start audit of case {case}").click()
    page.get_by_role("link", name="The child's voice").click()
    expect(visit(1)).to_be_visible()
    expect(visit(2)).to_have_count(0)
    expect(page.get_by_role("button", name="Remove visit 1")).to_have_count(0)
    accessible()

    visit(1).get_by_role("group", name="Was the child seen alone?").get_by_label("No").check()
    visit(1).get_by_label("What the visit found").fill("Seen with the carer")
    page.get_by_role("button", name="Add another visit").click()
    expect(page.get_by_text("Visit 2 is added below.")).to_be_visible()
    expect(visit(2)).to_be_visible()
    expect(visit(1).get_by_label("What the visit found")).to_have_value("Seen with the carer")
    accessible()

    visit(2).get_by_label("Date of the visit").fill("31/2/2026")
    visit(2).get_by_label("What the visit found").fill("Seen alone at school")
    page.get_by_role("button", name="Save and come back later").click()
    summary = page.get_by_role("alert")
    message = "Visit 2: Date of the visit: enter a real date, for example 27/3/2026"
    expect(summary).to_contain_text(message)
    expect(visit(2).get_by_label("Date of the visit")).to_have_value("31/2/2026")
    accessible()

    visit(2).get_by_label("Date of the visit").fill("3/3/2026")
    visit(2).get_by_role("group", name="Was the child seen alone?").get_by_label("Yes").check()
    page.get_by_role("button", name="Remove visit 1").click()
    expect(
        page.get_by_text("Visit 1 is removed; the others are kept as they were.")
    ).to_be_visible()
    expect(visit(2)).to_have_count(0)
    expect(visit(1).get_by_label("What the visit found")).to_have_value("Seen alone at school")
    expect(visit(1).get_by_label("Date of the visit")).to_have_value("2026-03-03")
    accessible()

    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("heading", name=f"Audit of case {case}")).to_be_visible()
    page.get_by_role("link", name="Check answers and submit").click()
    found = page.get_by_role("term").filter(has_text="Visit 1: What the visit found")
    expect(found).to_be_visible()
    expect(page.get_by_text("Seen alone at school")).to_be_visible()
    accessible()
