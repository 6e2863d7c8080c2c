"""Format 2's evidence in the browser: a required comment box under a question and a theme's
evidence fields, with and without JavaScript: labelled, refused with an error summary that
leads to the box, saved, and shown on check your answers; axe finds no serious or critical
violation on any of those pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

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

AUDITOR = "evidence-auditor"
CASES = {"710001": True, "710002": False}  # case: with JavaScript
COMMENT = "Comment on “Was the child seen alone?” (required)"


@pytest.fixture(scope="module")
def evidence_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """The shared live server with a format 2 variant of the journey questionnaire: "seen-alone"
    needs a comment, "The child's voice" asks for strengths and recommendations."""
    folder = tmp_path_factory.mktemp("evidence-data")
    data = upgrade(journey_questionnaire())
    data.update(id="evidence-audit", title="Evidence audit")
    data["themes"][0]["items"][0]["comment"] = "required"
    data["themes"][0]["evidence"] = ["strengths", "recommendations"]
    _write(folder / "evidence-audit.json", json.dumps(data))
    live_server.flask("questionnaires", "load", str(folder / "evidence-audit.json"))
    _write(
        folder / "cases.csv",
        "case_id,service,team\n"
        + "".join(f"{case},Child Protection,Evidence CP Team\n" for case in CASES),
    )
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user(AUDITOR, "--role", "auditor", "--team", "Evidence CP Team")
    _write(
        folder / "allocations.csv",
        "case_id,questionnaire_id,auditor,due\n"
        + "".join(f"{case},evidence-audit,{AUDITOR},2099-01-31\n" for case in CASES),
    )
    live_server.flask("allocations", "import", str(folder / "allocations.csv"))
    return live_server


def _write(path: Path, content: str) -> None:
    path.write_text(content, "utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_a_required_comment_and_the_evidence_fields_from_the_page_to_check_answers(
    case: str, evidence_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    javascript = CASES[case]
    page = new_page(javascript=javascript)

    def accessible() -> None:
        if javascript:
            check_accessibility(page)
        else:
            check_accessibility_of_markup(page, new_page)

    sign_in(page, evidence_server, AUDITOR, check=False)
    page.get_by_role("button", name=f"Start audit of case {case}").click()
    page.get_by_role("link", name="The child's voice").click()
    expect(page.get_by_role("heading", name="The child's voice")).to_be_visible()
    comment = page.get_by_label(COMMENT)
    expect(comment).to_be_visible()
    expect(page.get_by_label("Strengths (optional)")).to_be_visible()
    expect(page.get_by_label("Recommendations (optional)")).to_be_visible()
    expect(page.get_by_label("Areas for development (optional)")).to_have_count(0)
    accessible()

    page.get_by_role("group", name="Was the child seen alone?").get_by_label("Yes").check()
    page.get_by_label("Strengths (optional)").fill("The child's views shape the plan.")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.get_by_role("alert")
    message = "Write your comment on “Was the child seen alone?”: a comment is required"
    expect(summary).to_contain_text(message)
    expect(page.get_by_label("Strengths (optional)")).to_have_value(
        "The child's views shape the plan."
    )
    accessible()
    summary.get_by_role("link", name=message[:40]).click()
    if javascript:
        expect(comment).to_be_focused()

    comment.fill("Seen alone at school on 3 March, visit record.")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("heading", name=f"Audit of case {case}")).to_be_visible()
    page.get_by_role("link", name="Check answers and submit").click()
    expect(page.get_by_text("Seen alone at school on 3 March, visit record.")).to_be_visible()
    expect(page.get_by_text("The child's views shape the plan.")).to_be_visible()
    accessible()
