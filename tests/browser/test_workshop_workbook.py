"""A QA lead in a real browser uploads a questionnaire written as a workbook: three problems on
three sheets all shown at once with their sheet, row and column; fixed, checked and loaded as
a draft."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from audit_app.core.workbook import to_workbook
from audit_app.services.questionnaire_workbooks import write_xlsx
from tests.browser.conftest import LiveServer, check_accessibility, sign_in
from tests.workbook.samples import every_feature

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def workbook_server(live_server: LiveServer) -> LiveServer:
    live_server.add_user("workbook-admin", "--role", "admin")
    return live_server


def _workbook(*, broken: bool) -> dict[str, object]:
    data = {**every_feature(), "id": "browser-workbook-audit"}
    sheets = to_workbook(data)
    if broken:
        sheets["settings"][5][1] = "weekly"  # kind, row 6
        sheets["themes"][2][4] = "maybe"  # limiting, row 3
        sheets["questions"][4][15] = "visits >= 2"  # names a later question, row 5
    return {"name": "deep-dive.xlsx", "mimeType": XLSX, "buffer": write_xlsx(sheets)}


def test_a_qa_lead_uploads_a_workbook_sees_every_problem_fixes_them_and_loads_it(
    workbook_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, workbook_server, "workbook-admin")
    page.get_by_role("link", name="Questionnaires").click()
    expect(page.get_by_role("link", name="download the template workbook")).to_be_visible()
    page.get_by_role("button", name="Upload a questionnaire").click()

    page.get_by_label("Upload a questionnaire file").set_input_files(_workbook(broken=True))
    page.get_by_role("button", name="Check the file").click()
    summary = page.get_by_role("alert")
    expect(page.locator("main")).to_contain_text("deep-dive.xlsx has 3 problems")
    expect(summary).to_contain_text(
        'settings, row 6, column value: must be one of "monthly", "deep_dive"'
    )
    expect(summary).to_contain_text("themes, row 3, column limiting: must be yes or no")
    expect(summary).to_contain_text(
        'questions, row 5, column condition: condition names "visits", which comes later'
    )
    expect(page.locator("#problems")).to_contain_text("Problems in deep-dive.xlsx")
    check_accessibility(page)

    page.get_by_label("Upload a questionnaire file").set_input_files(_workbook(broken=False))
    page.get_by_role("button", name="Check the file").click()
    expect(
        page.get_by_role("heading", name="Check Every feature version 3 before loading it")
    ).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Load as draft version 3").click()
    expect(page.get_by_text("Every feature version 3 is loaded as a draft.")).to_be_visible()
    check_accessibility(page)
