"""A timeliness measure on the auditor's theme page in a real browser: the rule and its source
beside the date questions it reads, read out with the date box, and its result after saving,
with and without JavaScript, with axe at no serious or critical violation."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from audit_app.core.questionnaire import upgrade
from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    check_accessibility_of_markup,
    sign_in,
)
from tests.builders import journey_questionnaire

SOURCE = "Local child protection procedures, section 4.2"


@pytest.fixture(scope="module")
def timely_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The live server with a questionnaire whose planning theme has a timeliness measure, a
    case and an auditor of its team."""
    folder = tmp_path_factory.mktemp("timely-data")
    data = upgrade(journey_questionnaire())
    data["id"], data["title"] = "timely-audit", "Timely audit"
    data["themes"][1]["items"].insert(
        0, {"id": "strategy-date", "type": "date", "text": "Date of the strategy discussion"}
    )
    data["themes"][1]["timeliness"] = [
        {
            "id": "seen-in-time",
            "measure": "Child seen within 15 working days of the strategy discussion",
            "rule": {"within_working_days": 15, "from": "strategy-date", "to": "last-visit"},
            "source": SOURCE,
        }
    ]
    (folder / "timely.json").write_text(json.dumps(data), "utf-8")
    live_server.flask("questionnaires", "load", str(folder / "timely.json"))
    (folder / "cases.csv").write_text(
        "case_id,service,team\n300001,Children in Need,Children in Need Team T\n"
        "300002,Children in Need,Children in Need Team T\n",
        "utf-8",
    )
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user("timely-auditor", "--role", "auditor", "--team", "Children in Need Team T")
    return live_server


def _start(page: Page, case_ref: str) -> None:
    page.get_by_role("link", name="Start an audit").click()
    page.get_by_role("radio", name="Timely audit").check()
    page.get_by_label("Case ID").fill(case_ref)
    page.get_by_role("button", name="Start audit").click()
    page.get_by_role("link", name="Planning").click()


def _fill_and_save(page: Page) -> None:
    page.get_by_label("Date of the strategy discussion").fill("14/12/2026")
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in need"
    ).check()
    page.get_by_label("Date of the last visit").fill("8/1/2027")
    page.get_by_role("button", name="Save and come back later").click()
    page.get_by_role("link", name="Planning").click()


def test_the_rule_is_beside_its_dates_with_javascript(
    timely_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, timely_server, "timely-auditor")
    _start(page, "300001")
    note = page.locator("#last-visit-timeliness")
    expect(note).to_contain_text(SOURCE)
    expect(page.get_by_label("Date of the last visit")).to_have_attribute(
        "aria-describedby", "last-visit-timeliness last-visit-hint"
    )
    check_accessibility(page)
    _fill_and_save(page)
    expect(page.locator("#strategy-date-timeliness")).to_contain_text(
        "Not met: 8 January 2027, later than due from 14 December 2026 to 7 January 2027."
    )
    check_accessibility(page)


def test_the_rule_is_beside_its_dates_without_javascript(
    timely_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page(javascript=False)
    sign_in(page, timely_server, "timely-auditor", check=False)
    _start(page, "300002")
    expect(page.locator("#strategy-date-timeliness")).to_contain_text(SOURCE)
    check_accessibility_of_markup(page, new_page)
    _fill_and_save(page)
    expect(page.locator("#last-visit-timeliness")).to_contain_text("Not met: 8 January 2027")
    check_accessibility_of_markup(page, new_page)
