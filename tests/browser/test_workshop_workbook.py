"""A QA lead in a real browser uploads a new version of a questionnaire written as a workbook:
three problems on three sheets all shown at once with their sheet, row and column; fixed and
loaded as a draft; its rescoring impact checked; published after a page saying what will
happen; and an auditor then starts an audit on it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from audit_app.core.workbook import to_workbook
from audit_app.services.questionnaire_workbooks import write_xlsx
from tests.browser.conftest import LiveServer, check_accessibility, sign_in
from tests.workbook.samples import every_feature

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUESTIONNAIRE_ID = "browser-workbook-audit"
EARLIER_TITLE = "Every feature (earlier)"


@pytest.fixture(scope="module")
def workbook_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """The live server with version 2 of the questionnaire published, an admin, and an auditor
    with a case of their team."""
    folder = tmp_path_factory.mktemp("workbook-data")
    earlier = folder / "browser-workbook-audit.json"
    version_2 = {**every_feature(), "id": QUESTIONNAIRE_ID, "version": 2, "title": EARLIER_TITLE}
    earlier.write_text(json.dumps(version_2), "utf-8")
    live_server.flask("questionnaires", "load", str(earlier))
    cases = folder / "cases.csv"
    cases.write_text("case_id,service,team\n710001,Workbook Service,Workbook Team\n", "utf-8")
    live_server.flask("cases", "import", str(cases))
    live_server.add_user("workbook-admin", "--role", "admin")
    live_server.add_user("workbook-auditor", "--role", "auditor", "--team", "Workbook Team")
    return live_server


def _workbook(*, broken: bool) -> dict[str, object]:
    data = {**every_feature(), "id": QUESTIONNAIRE_ID}
    sheets = to_workbook(data)
    if broken:
        sheets["settings"][5][1] = "weekly audit"  # kind, row 6
        sheets["themes"][2][4] = "maybe"  # limiting, row 3
        sheets["questions"][4][15] = "visits >= 2"  # names a later question, row 5
    return {"name": "deep-dive.xlsx", "mimeType": XLSX, "buffer": write_xlsx(sheets)}


def _upload_with_problems_then_fixed(page: Page) -> None:
    page.get_by_role("link", name="Questionnaires").click()
    expect(page.get_by_role("link", name="download the template workbook")).to_be_visible()
    page.get_by_role("button", name="Upload a questionnaire").click()

    page.get_by_label("Upload a questionnaire file").set_input_files(_workbook(broken=True))
    page.get_by_role("button", name="Check the file").click()
    summary = page.get_by_role("alert")
    expect(page.locator("main")).to_contain_text("deep-dive.xlsx has 3 problems")
    expect(summary).to_contain_text(
        "settings, row 6, column value: must be the name of a kind of audit"
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
    expect(page.locator(f"#{QUESTIONNAIRE_ID}-version-3")).to_contain_text("Draft")
    check_accessibility(page)


def _start_audit(page: Page, server: LiveServer, title: str) -> None:
    sign_in(page, server, "workbook-auditor", check=False)
    page.get_by_role("link", name="Start an audit").click()
    page.get_by_role("radio", name=title).check()
    page.get_by_label("Case ID").fill("710001")
    page.get_by_role("button", name="Start audit").click()


def test_a_qa_lead_uploads_a_workbook_fixes_it_checks_its_impact_and_publishes_it(
    workbook_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, workbook_server, "workbook-admin")
    _upload_with_problems_then_fixed(page)

    # Auditors are not offered the draft.
    auditor = new_page()
    sign_in(auditor, workbook_server, "workbook-auditor", check=False)
    auditor.get_by_role("link", name="Start an audit").click()
    expect(auditor.get_by_role("radio", name=EARLIER_TITLE)).to_be_visible()
    expect(auditor.get_by_role("radio", name="Every feature", exact=True)).to_have_count(0)

    # Publishing asks first, and offers the rescoring impact of the draft.
    page.get_by_role("link", name="Publish Every feature version 3").click()
    expect(page.get_by_role("heading", name="Publish version 3?")).to_be_visible()
    expect(page.locator("#what-will-happen")).to_contain_text("New audits will use version 3.")
    check_accessibility(page)
    page.get_by_role("link", name="See what version 3's rules would do").click()
    expect(page.get_by_role("heading", name="Rescoring impact")).to_be_visible()
    check_accessibility(page)
    page.go_back()
    page.get_by_role("button", name="Publish version 3").click()
    expect(
        page.get_by_text("Every feature version 3 is published. New audits use version 3.")
    ).to_be_visible()
    expect(page.locator(f"#{QUESTIONNAIRE_ID}-version-3")).to_contain_text("Current")

    # The auditor starts an audit on the published version.
    auditor = new_page()
    _start_audit(auditor, workbook_server, "Every feature")
    expect(auditor.get_by_role("link", name="Context").first).to_be_visible()
    expect(auditor.locator("main")).to_contain_text("Every feature")
    check_accessibility(auditor)
