"""An admin in a real browser declares a kind of audit: a mistake shown at its field, then the
kind declared and listed; every page passes the accessibility checks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, sign_in


@pytest.fixture(scope="module")
def kinds_server(live_server: LiveServer) -> LiveServer:
    live_server.add_user("kinds-admin", "--role", "admin")
    return live_server


def test_an_admin_declares_a_kind_of_audit(
    kinds_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, kinds_server, "kinds-admin")
    page.get_by_role("link", name="Kinds of audit").click()
    expect(page.get_by_role("heading", name="Kinds of audit", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name="Supervision audit supervision")).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Name in questionnaires").fill("Peer Review")
    page.get_by_label("Name people read").fill("Peer review")
    page.get_by_role("button", name="Save kind").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("lower-case letters, digits and _ only")
    expect(page.get_by_label("Name in questionnaires")).to_have_value("Peer Review")
    check_accessibility(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Name in questionnaires")).to_be_focused()

    page.get_by_label("Name in questionnaires").fill("peer_review")
    page.get_by_role("button", name="Save kind").click()
    expect(page.get_by_text("peer_review has been declared")).to_be_visible()
    expect(page.get_by_role("row", name="Peer review peer_review")).to_be_visible()
    check_accessibility(page)
