"""A supervision audit of a worker's file in a real browser: choosing the shipped supervision
audit asks for the worker reference (never a name), the audit starts on it, and its pages and
the home page label the reference by its subject; with and without JavaScript, with axe at no
serious or critical violation on each page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    check_accessibility_of_markup,
    sign_in,
)


@pytest.fixture(scope="module")
def supervision_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """The live server (the shipped questionnaires loaded) with two worker references and a
    case of the same reference as one of them, imported with the cases, and an auditor of
    their team."""
    folder = tmp_path_factory.mktemp("subject-data")
    (folder / "cases.csv").write_text(
        "case_id,service,team,subject\n"
        "W1042,Fostering,Supervision Team S,worker\n"
        "W1043,Fostering,Supervision Team S,worker\n"
        "W1042,Fostering,Supervision Team S,\n",
        "utf-8",
    )
    live_server.flask("cases", "import", str(folder / "cases.csv"))
    live_server.add_user("supervision-auditor", "--role", "auditor", "--team", "Supervision Team S")
    return live_server


def _choose_supervision(page: Page, check: Callable[[], None]) -> None:
    page.get_by_role("link", name="Start an audit").click()
    expect(page.get_by_label("Case ID")).to_be_visible()
    check()
    page.get_by_role("radio", name="Supervision audit").check()
    page.get_by_role("button", name="Start audit").click()
    expect(page.get_by_label("Worker reference")).to_be_visible()
    expect(page.get_by_text("Never enter the worker's name.")).to_be_visible()
    expect(page.get_by_role("radio", name="Supervision audit")).to_be_checked()
    check()


def _start_on(page: Page, reference: str, check: Callable[[], None]) -> None:
    page.get_by_label("Worker reference").fill(reference)
    page.get_by_role("button", name="Start audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of worker {reference}")
    check()
    page.get_by_role("link", name="Supervision arrangements and recording").click()
    expect(page.get_by_text(f"Worker {reference} · Supervision audit")).to_be_visible()
    check()
    page.goto(page.url.split("/audits/")[0] + "/")
    expect(page.get_by_role("link", name=f"Worker {reference}: Supervision audit")).to_be_visible()
    check()


def test_a_supervision_audit_starts_on_a_worker_reference_with_javascript(
    supervision_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, supervision_server, "supervision-auditor")

    def check() -> None:
        check_accessibility(page)

    _choose_supervision(page, check)
    _start_on(page, "W1042", check)


def test_a_supervision_audit_starts_on_a_worker_reference_without_javascript(
    supervision_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page(javascript=False)
    sign_in(page, supervision_server, "supervision-auditor", check=False)

    def check() -> None:
        check_accessibility_of_markup(page, new_page)

    _choose_supervision(page, check)
    page.get_by_label("Worker reference").fill("Jo Bloggs")
    page.get_by_role("button", name="Start audit").click()
    expect(page.get_by_role("link", name="There is no worker reference Jo Bloggs")).to_be_visible()
    check()
    _start_on(page, "W1043", check)
