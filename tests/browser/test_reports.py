"""A group manager uses the reports in a real browser: filter, drill down, download a CSV.

This module serves its own database filled by ``flask demo seed`` (a year of realistic audits),
so that the shared live server's data, which other modules add to, does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    new_server,
    seed_demo,
    serving,
    sign_in,
)


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """gunicorn over a fresh SQLite database with the demo data; the demo accounts' passwords."""
    instance = tmp_path_factory.mktemp("reports-live")
    server = new_server(instance)
    passwords = seed_demo(server)
    with serving(server, instance):
        yield server, passwords


def test_a_manager_filters_drills_down_and_downloads(
    demo_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page], tmp_path: Path
) -> None:
    server, passwords = demo_server
    page = new_page()
    sign_in(page, server, "manager", passwords["manager"], check=False)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(
        page.get_by_role("img", name="Final overall grades of audits, by month submitted")
    ).to_be_visible()
    check_accessibility(page)

    # A filter: one service. It lands in the query string, so the view can be bookmarked.
    page.get_by_label("Service", exact=True).select_option(label="Child Protection")
    page.get_by_role("button", name="Apply filters").click()
    assert re.search(r"[?&]service=\d+", page.url)
    submitted = int(page.locator("#figure-submitted").inner_text().replace(",", ""))
    assert submitted > 0
    check_accessibility(page)

    # Drill down: the audits behind "Audits submitted" are listed, as many as the figure says.
    page.get_by_role("link", name="View audits submitted").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{submitted} audit" + ("" if submitted == 1 else "s")
    )
    expect(page.get_by_text("Child Protection", exact=False).first).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Back to reports").click()
    assert "service=" in page.url

    # Download the audits CSV with the same filters.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Audits (CSV)").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith("\ufeffaudit_id,case_id,questionnaire_id".encode())
    rows = data.decode("utf-8-sig").strip().splitlines()[1:]
    assert len(rows) == submitted
    assert all(",Child Protection," in row for row in rows)


def test_the_dashboard_keeps_to_the_content_security_policy(
    demo_server: tuple[LiveServer, dict[str, str]], browser: Browser
) -> None:
    """The charts are inline SVG without style attributes: nothing is refused by the policy."""
    server, passwords = demo_server
    context = browser.new_context()  # the policy enforced, unlike the accessibility checks
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text))
        sign_in(page, server, "admin", passwords["admin"], check=False)
        page.goto(f"{server.url}/reports")
        expect(page.get_by_role("img", name=re.compile("for each team"))).to_be_visible()
        assert not [m for m in refused if "Content Security Policy" in m], refused
    finally:
        context.close()


def test_the_tick_all_that_apply_page_is_accessible(
    demo_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page]
) -> None:
    server, passwords = demo_server
    page = new_page()
    sign_in(page, server, "manager", passwords["manager"], check=False)
    page.goto(f"{server.url}/reports/options")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tick-all-that-apply answers")
    expect(page.get_by_role("link", name="Back to reports")).to_be_visible()
    check_accessibility(page)
