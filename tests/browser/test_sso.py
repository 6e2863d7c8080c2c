"""An auditor signs in with the council's account, through a real OpenID provider, in a real
browser: their directory group gives them the auditor's role; they sign out of the service and
then of the provider. Every page of the service on the way is checked with axe-core."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, new_server, serving
from tests.oidc_provider.fixtures import ADMINS, AUDITORS_CP, STAFF
from tests.oidc_provider.server import CLIENT_ID, client, running_provider

GROUPS = f"""\
[[group]]
id = "{AUDITORS_CP}"
name = "QA auditors, Child Protection"
role = "auditor"

[[group]]
id = "{ADMINS}"
name = "Case file audit admins"
role = "admin"
"""


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served by gunicorn, signing in through oidc-provider (both on 127.0.0.1)."""
    instance = tmp_path_factory.mktemp("sso-live")
    plain = new_server(instance)
    (instance / "sso-groups.toml").write_text(GROUPS, "utf-8")
    with running_provider(instance, [client(CLIENT_ID, plain.url)], STAFF) as provider:
        settings = provider.settings(
            OIDC_GROUPS_FILE=str(instance / "sso-groups.toml"),
            OIDC_CREATE_ACCOUNTS="true",
            OIDC_PROVIDER_NAME="your council account",
        )
        server = LiveServer(url=plain.url, env={**plain.env, **settings})
        with serving(server, instance) as served:
            yield served


def test_an_auditor_signs_in_with_the_council_account_and_signs_out_of_both(
    sso_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    page.goto(f"{sso_server.url}/sign-in")
    check_accessibility(page)
    page.get_by_role("button", name="Sign in with your council account").click()

    # The provider's own sign-in page (not the service's: not checked here).
    expect(page.get_by_role("heading", name="Sign in to the council")).to_be_visible()
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(STAFF["ann"]["password"])
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{sso_server.url}/")
    # The group gave the auditor's role, which the header shows beside the name.
    expect(page.get_by_role("link", name="Ann Auditor (auditor)")).to_be_visible()
    check_accessibility(page)
    listed = sso_server.flask("users", "list")
    assert "ann.auditor@council.example auditor" in " ".join(listed.split())

    page.get_by_role("button", name="Sign out").first.click()
    expect(
        page.get_by_role("heading", name="You have signed out of Case file audits")
    ).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out of your council account").click()
    expect(page.get_by_role("heading", name="Sign out of the council account")).to_be_visible()
    page.get_by_role("button", name="Yes, sign me out").click()

    expect(page).to_have_url(f"{sso_server.url}/sign-in")
    expect(
        page.get_by_text("You have signed out of Case file audits and of your council account")
    ).to_be_visible()
    check_accessibility(page)
    page.goto(f"{sso_server.url}/")
    expect(page).to_have_url(f"{sso_server.url}/sign-in?next=%2F")


def _sign_in_at_provider(page: Page, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(STAFF[username]["password"])
    page.get_by_role("button", name="Sign in").click()


def test_someone_whose_groups_give_no_role_is_told_so(
    sso_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    _sign_in_at_provider(page, sso_server, "fin")
    expect(page.get_by_role("heading", name="You cannot use Case file audits")).to_be_visible()
    expect(
        page.get_by_text("not in any of the groups that can use Case file audits")
    ).to_be_visible()
    check_accessibility(page)


def test_an_admin_signed_in_with_the_council_account_sees_the_last_sign_ins(
    sso_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    _sign_in_at_provider(page, sso_server, "ada")
    expect(page.get_by_role("link", name="Ada Admin (admin)")).to_be_visible()
    page.goto(f"{sso_server.url}/admin/users")
    page.get_by_role("link", name="Last sign-in of each user").click()
    expect(page.get_by_role("heading", name="Last sign-in of each user")).to_be_visible()
    expect(page.get_by_role("link", name="ada.admin@council.example")).to_be_visible()
    check_accessibility(page)
