"""A QA lead in a real browser: a bad file refused, a good one checked and loaded as a draft,
previewed, scored in the sandbox, compared with the version before it, its rescoring impact
seen, and published after a page saying what will happen; an auditor sees the draft only
once it is published."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, sign_in
from tests.builders import rescore_v1, rescore_v2

QUESTIONNAIRE_ID = "browser-workshop-audit"


def _version(data: dict[str, object]) -> dict[str, object]:
    return {**data, "id": QUESTIONNAIRE_ID, "title": "Workshop audit"}


@pytest.fixture(scope="module")
def workshop_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """The live server with version 1 of a questionnaire of its own, an admin, and an auditor
    with two cases of their team."""
    folder = tmp_path_factory.mktemp("workshop-data")
    first = folder / "workshop-audit.json"
    first.write_text(json.dumps(_version(rescore_v1())), "utf-8")
    live_server.flask("questionnaires", "load", str(first))
    cases = folder / "cases.csv"
    cases.write_text(
        "case_id,service,team\n700001,Workshop Service,Workshop Team\n"
        "700002,Workshop Service,Workshop Team\n",
        "utf-8",
    )
    live_server.flask("cases", "import", str(cases))
    live_server.add_user("workshop-admin", "--role", "admin")
    live_server.add_user("workshop-auditor", "--role", "auditor", "--team", "Workshop Team")
    return live_server


WISHES = "Are the child's wishes recorded in their own words?"  # not in version 2


def _start_audit(page: Page, server: LiveServer, case_ref: str) -> None:
    """The auditor starts an audit of the workshop questionnaire and opens its first theme."""
    sign_in(page, server, "workshop-auditor", check=False)
    page.get_by_role("link", name="Start an audit").click()
    page.get_by_role("radio", name="Workshop audit").check()
    page.get_by_label("Case ID").fill(case_ref)
    page.get_by_role("button", name="Start audit").click()
    page.get_by_role("link", name="The child's voice").first.click()


def _file(name: str, content: str | bytes) -> dict[str, object]:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return {"name": name, "mimeType": "application/json", "buffer": data}


def test_a_qa_lead_uploads_previews_scores_and_compares(
    workshop_server: LiveServer,
    new_page: Callable[..., Page],
) -> None:
    page = new_page()
    sign_in(page, workshop_server, "workshop-admin")
    page.get_by_role("link", name="Questionnaires").click()
    expect(page.get_by_role("heading", name="Questionnaires", exact=True)).to_be_visible()
    check_accessibility(page)

    # A bad file: every problem listed with its place in the file; nothing loaded.
    page.get_by_role("button", name="Upload a questionnaire").click()
    check_accessibility(page)
    broken = _version(rescore_v2())
    broken["grading"]["bands"][1]["min"] = 90  # type: ignore[index]
    broken["themes"][0]["questions"][0]["wieght"] = 2  # type: ignore[index]
    page.get_by_label("Upload a questionnaire file").set_input_files(
        _file("workshop-audit-v2.json", json.dumps(broken, indent=2))
    )
    page.get_by_role("button", name="Check the file").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(
        '$.themes[0].questions[0].wieght: unknown key "wieght" (did you mean "weight"?)'
    )
    expect(page.locator("#problems")).to_contain_text("$.themes[0].questions[0].wieght")
    check_accessibility(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Upload a questionnaire file")).to_be_focused()

    # A good file: summarised and compared with version 1 before it is loaded.
    page.get_by_label("Upload a questionnaire file").set_input_files(
        _file("workshop-audit-v2.json", json.dumps(_version(rescore_v2()), indent=2))
    )
    page.get_by_role("button", name="Check the file").click()
    expect(
        page.get_by_role("heading", name="Check Workshop audit version 2 before loading it")
    ).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("Scored questions")
    expect(page.locator("#comparison-headline")).to_contain_text("1 question removed")
    check_accessibility(page)
    page.get_by_role("button", name="Load as draft version 2").click()
    expect(page.get_by_text("Workshop audit version 2 is loaded as a draft.")).to_be_visible()
    row = page.locator(f"#{QUESTIONNAIRE_ID}-version-2")
    expect(row).to_contain_text("Draft")
    check_accessibility(page)

    # The auditor still starts audits on version 1: the draft is not offered.
    auditor = new_page()
    _start_audit(auditor, workshop_server, "700001")
    expect(auditor.get_by_role("group", name=WISHES)).to_be_visible()

    # Preview version 2 as an auditor sees it, and score answers in the sandbox.
    row.get_by_role("link", name="Preview").click()
    expect(page.get_by_role("heading", name="Scoring sandbox")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="The child's voice").first.click()
    page.get_by_role("group", name="Was the child seen alone?").get_by_label("Partly").check()
    page.get_by_role("button", name="Update the scores").click()
    scores = page.locator("#sandbox-scores")
    expect(scores).to_contain_text("50.0%")
    expect(scores).to_contain_text("Requires improvement")
    expect(page.locator("#sandbox-compliance")).to_contain_text("Not met")
    expect(page.locator("#theme-score")).to_contain_text("Requires improvement (50.0%)")
    check_accessibility(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Planning")).to_be_visible()
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("Yes, evidenced").check()
    page.get_by_role("group", name="Is the plan reviewed on time?").get_by_label("Partly").check()
    page.get_by_role("button", name="Update the scores").click()
    # Planning (2 + 1) / 4 = 75%; overall the mean of 50% and 75%.
    expect(scores).to_contain_text("75.0%")
    expect(scores.get_by_role("row", name="Overall")).to_contain_text("62.5%")
    # The voice answer came along from the previous page.
    expect(scores).to_contain_text("50.0%")

    # Compare the two versions side by side.
    page.get_by_role("link", name="Back to the task list").click()
    page.get_by_role("link", name="Back to questionnaires").click()
    page.get_by_role("link", name="Compare versions of Workshop audit").click()
    expect(page.get_by_role("heading", name="Version 1 and version 2")).to_be_visible()
    expect(page.locator("#comparison")).to_contain_text("Weight within its theme")
    expect(page.locator("#comparison")).to_contain_text("70% to below 85%")
    check_accessibility(page)

    page.get_by_role("link", name="See what version 2's rules would do").click()
    expect(page.get_by_role("heading", name="Rescoring impact")).to_be_visible()
    check_accessibility(page)

    # Publish the draft: a page says what will happen first.
    page.get_by_role("link", name="Back to questionnaires").click()
    page.get_by_role("link", name="Publish Workshop audit version 2").click()
    expect(page.get_by_role("heading", name="Publish version 2?")).to_be_visible()
    happens = page.locator("#what-will-happen")
    expect(happens).to_contain_text("New audits will use version 2.")
    expect(happens).to_contain_text("Audits in progress keep version 1: 1 audit in progress")
    check_accessibility(page)
    page.get_by_role("button", name="Publish version 2").click()
    expect(
        page.get_by_text("Workshop audit version 2 is published. New audits use version 2.")
    ).to_be_visible()
    expect(page.locator(f"#{QUESTIONNAIRE_ID}-version-2")).to_contain_text("Current")
    check_accessibility(page)

    # The auditor's next audit is on version 2; the one in progress keeps version 1.
    auditor = new_page()
    _start_audit(auditor, workshop_server, "700002")
    expect(auditor.get_by_role("group", name="Was the child seen alone?")).to_be_visible()
    expect(auditor.get_by_role("group", name=WISHES)).to_have_count(0)
