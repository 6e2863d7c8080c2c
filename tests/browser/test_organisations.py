"""A home admin in a real browser adds a partner organisation with its first admin: a mistake
shown at its field, then the organisation listed; its admin signs in, changes the password
they were given and is sent to set up two-factor authentication. Every page passes the
accessibility checks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveServer, check_accessibility, sign_in

GIVEN = "a passphrase handed over in person"


@pytest.fixture(scope="module")
def organisations_server(live_server: LiveServer) -> LiveServer:
    live_server.add_user("orgs-admin", "--role", "admin")
    return live_server


def test_a_home_admin_adds_a_partner_organisation_whose_admin_sets_up_two_factor(
    organisations_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    sign_in(page, organisations_server, "orgs-admin")
    page.get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Name of the organisation").fill("Riverside Police")
    page.get_by_label("Username of its first admin").fill("police.admin")
    page.get_by_label("Password", exact=True).fill(GIVEN)
    page.get_by_label("Confirm password").fill(GIVEN)
    page.get_by_role("button", name="Add organisation").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Select the kind of organisation")
    expect(page.get_by_label("Name of the organisation")).to_have_value("Riverside Police")
    check_accessibility(page)

    page.get_by_label("Police").check()
    page.get_by_label("Password", exact=True).fill(GIVEN)
    page.get_by_label("Confirm password").fill(GIVEN)
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_text("Riverside Police has been added")).to_be_visible()
    expect(
        page.get_by_role("row", name="Riverside Police Police Required of everyone 1")
    ).to_be_visible()
    check_accessibility(page)

    partner = new_page()
    sign_in(partner, organisations_server, "police.admin", GIVEN, check=False)
    partner.get_by_label("Current password").fill(GIVEN)
    partner.get_by_label("New password", exact=True).fill(PASSWORD)
    partner.get_by_label("Confirm new password").fill(PASSWORD)
    partner.get_by_role("button", name="Change password").click()
    expect(partner.get_by_text("Your organisation needs two-factor authentication")).to_be_visible()
    check_accessibility(partner)
