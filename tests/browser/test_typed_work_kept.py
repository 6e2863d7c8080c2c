"""Typed work is not lost to time or navigation, with JavaScript: a warning before an idle
session ends, with "Stay signed in"; a question before leaving a page with unsaved changes; and
the suggested grade following the answers before they are saved."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    load_journey_data,
    new_server,
    serving,
    sign_in,
)

AUDITOR = "typed-work-auditor"
# Cases of their own, so that these tests share the live server with the others.
CASES = ("700001", "700002", "700003", "700004")


@pytest.fixture(scope="module")
def short_idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own whose sessions end after one idle minute: the warning opens half a
    minute before (half the idle time, when that is under two minutes)."""
    instance = tmp_path_factory.mktemp("short-idle")
    server = new_server(instance)
    server = LiveServer(url=server.url, env={**server.env, "SESSION_IDLE_MINUTES": "1"})
    with serving(server, instance) as running:
        running.add_user("idle-viewer", "--role", "viewer")
        yield running


@pytest.fixture(scope="module")
def audit_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The shared live server with the journey questionnaire, an auditor and three allocations."""
    load_journey_data(
        live_server,
        tmp_path_factory.mktemp("typed-work-data"),
        "case_id,service,team\n"
        + "".join(f"{case},Child Protection,Typed Work CP Team\n" for case in CASES)
        + "700100,Children in Need,Typed Work CIN Team\n",
        dict.fromkeys(CASES, AUDITOR),
        ((AUDITOR, "--role", "auditor", "--team", "Typed Work CIN Team"),),
    )
    return live_server


def _open_theme(
    page: Page, server: LiveServer, case: str, theme: str = "The child's voice"
) -> None:
    """Sign in, start the allocated audit of ``case`` and open one of its themes."""
    sign_in(page, server, AUDITOR, check=False)
    page.get_by_role("button", name=f"Start audit of case {case}").click()
    expect(page.get_by_role("heading", name=f"Audit of case {case}")).to_be_visible()
    page.get_by_role("link", name=theme).click()
    expect(page.get_by_role("heading", name=theme)).to_be_visible()


def _signed_in_idle(new_page: Callable[..., Page], server: LiveServer, *, clock: bool) -> Page:
    """A page signed in on the short-idle server (its clock installed, to be moved on, if asked)."""
    page = new_page()
    if clock:
        page.clock.install()
    sign_in(page, server, "idle-viewer", check=False)
    expect(page).not_to_have_url(re.compile("/sign-in"))
    return page


def _asked_before_leaving(page: Page) -> list[str]:
    """The dialogs the page opens from now on, each answered "Stay on this page"."""
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    return asked


# --- the timeout warning -------------------------------------------------------------------


def test_a_warning_opens_before_the_session_ends_and_stay_signed_in_keeps_it(
    short_idle_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = _signed_in_idle(new_page, short_idle_server, clock=False)
    page.wait_for_load_state("load")
    loaded = time.monotonic()  # the server saw this page's request just before
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_hidden()

    # Half a minute before the end of the idle minute.
    expect(dialog).to_be_visible(timeout=45_000)
    expect(dialog).to_have_accessible_description(
        "You will be signed out in 30 seconds if you do nothing. "
        "We do this to keep case information secure."
    )
    assert page.evaluate("document.getElementById('timeout-warning').matches(':modal')")
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(dialog.get_by_role("button", name="Sign out")).to_be_visible()
    check_accessibility(page)

    with page.expect_response(re.compile("/session/keep-alive$")) as kept:
        stay.click()
    assert kept.value.status == 204
    expect(dialog).to_be_hidden()

    # Past the minute the session had when the page loaded: still signed in.
    page.wait_for_timeout(max(0.0, loaded + 65 - time.monotonic()) * 1000)
    page.goto(f"{short_idle_server.url}/account")
    expect(page).to_have_url(re.compile("/account$"))
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_the_warning_counts_down_then_says_the_session_has_ended(
    short_idle_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    """The browser's clock is moved on, not the server's: what the page says as time passes."""
    page = _signed_in_idle(new_page, short_idle_server, clock=True)
    page.wait_for_load_state("load")
    dialog = page.get_by_role("dialog")

    page.clock.run_for(20_000)
    expect(dialog).to_be_hidden()
    page.clock.run_for(12_000)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You will be signed out in 30 seconds")
    page.clock.run_for(16_000)
    expect(dialog).to_contain_text("You will be signed out in 15 seconds")

    page.clock.run_for(15_000)
    expect(dialog.get_by_role("heading")).to_have_text("You have been signed out")
    expect(dialog).to_contain_text("You were inactive for 1 minute")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_hidden()
    sign_in_again = dialog.get_by_role("link", name="Sign in again")
    expect(sign_in_again).to_be_focused()
    check_accessibility(page)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_sign_out_in_the_warning_signs_out(
    short_idle_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = _signed_in_idle(new_page, short_idle_server, clock=True)
    page.clock.run_for(31_000)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/sign-in$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_stay_signed_in_after_signing_out_elsewhere_says_signed_out(
    short_idle_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = _signed_in_idle(new_page, short_idle_server, clock=True)
    # Signed out in another tab: this page does not know yet.
    other = page.context.new_page()
    other.goto(f"{short_idle_server.url}/account")
    other.get_by_role("button", name="Sign out", exact=True).click()
    expect(other).to_have_url(re.compile("/sign-in$"))

    page.clock.run_for(31_000)
    dialog = page.get_by_role("dialog")
    with page.expect_response(re.compile("/session/keep-alive$")) as refused:
        dialog.get_by_role("button", name="Stay signed in").click()
    # Signing out cleared the session, its CSRF token with it: refused (an idle one redirects).
    assert refused.value.status == 400
    expect(dialog.get_by_role("heading")).to_have_text("You have been signed out")
    expect(dialog.get_by_role("link", name="Sign in again")).to_be_focused()


def test_asking_for_the_suggested_grade_counts_as_activity(
    audit_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    """Each suggestion is a request, which starts the idle time again: the warning waits."""
    page = new_page()
    page.clock.install()
    _open_theme(page, audit_server, CASES[2])
    dialog = page.get_by_role("dialog")
    page.clock.run_for(1_650_000)  # 27.5 of the 30 idle minutes
    expect(dialog).to_be_hidden()

    seen_alone = page.get_by_role("group", name="Was the child seen alone?")
    seen_alone.get_by_label("No", exact=True).check()
    with page.expect_response(re.compile("/suggestion$")):
        page.clock.run_for(1_000)
    expect(page.locator("#suggested-grade")).to_have_text("Inadequate")
    page.clock.run_for(100_000)  # 29 min 11 s after the page loaded
    expect(dialog).to_be_hidden()
    page.clock.run_for(1_600_000)  # 2 minutes before the end of the idle time from the change
    expect(dialog).to_be_visible()


# --- leaving with unsaved changes ----------------------------------------------------------


def test_leaving_a_theme_or_the_judgement_with_unsaved_changes_asks_first(
    audit_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    asked = _asked_before_leaving(page)
    _open_theme(page, audit_server, CASES[0])
    theme_url = page.url
    back = page.get_by_role("link", name="Back to the audit")

    # Nothing changed: leaving does not ask.
    back.click()
    expect(page.get_by_role("heading", name=f"Audit of case {CASES[0]}")).to_be_visible()
    assert asked == []
    page.go_back()
    expect(page).to_have_url(theme_url)

    page.get_by_role("group", name="Was the child seen alone?").get_by_label("Partly").check()
    back.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(theme_url)  # stayed, with the answer
    expect(
        page.get_by_role("group", name="Was the child seen alone?").get_by_label("Partly")
    ).to_be_checked()

    # Saving is not leaving with unsaved changes.
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Planning")).to_be_visible()
    assert asked == ["beforeunload"]

    # The overall judgement page asks too.
    page.goto(theme_url.replace("/themes/voice", "/judgement"))
    expect(page.get_by_role("heading", name="Overall judgement")).to_be_visible()
    page.get_by_role("group", name="Your overall judgement").get_by_label("Good").check()
    page.get_by_role("link", name="Back to the audit").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload", "beforeunload"]
    expect(page.get_by_role("heading", name="Overall judgement")).to_be_visible()


def test_leaving_answers_refused_for_an_error_asks_first(
    audit_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    """Shown again with an error, the answers typed are on the page only."""
    page = new_page()
    asked = _asked_before_leaving(page)
    _open_theme(page, audit_server, CASES[3], "Planning")
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("Partly").check()
    page.get_by_label("Date of the last visit").fill("31/2/2026")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a real date")
    assert asked == []

    page.get_by_role("link", name="Back to the audit").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.get_by_label("Date of the last visit")).to_have_value("31/2/2026")


# --- the suggested grade -------------------------------------------------------------------


def test_the_suggested_grade_follows_the_answers_before_they_are_saved(
    audit_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    _open_theme(page, audit_server, CASES[1])
    theme_url = page.url
    grade = page.locator("#suggested-grade")
    score = page.locator("#theme-score")
    expect(grade).to_have_text("Not graded")
    seen_alone = page.get_by_role("group", name="Was the child seen alone?")

    seen_alone.get_by_label("Partly").check()
    expect(grade).to_have_text("Requires improvement")
    expect(score).to_contain_text("Suggested grade for this theme: Requires improvement (50.0%)")
    status = page.locator("[aria-live='polite']", has_text="Suggested grade for this theme")
    expect(status).to_have_text("Suggested grade for this theme: Requires improvement (50.0%)")

    seen_alone.get_by_label("Yes, evidenced").check()
    expect(grade).to_have_text("Outstanding")
    expect(score).to_contain_text("Suggested grade for this theme: Outstanding (100.0%)")
    expect(status).to_have_text("Suggested grade for this theme: Outstanding (100.0%)")
    check_accessibility(page)

    seen_alone.get_by_label("Not applicable").check()
    expect(grade).to_have_text("Not graded")
    expect(score).not_to_contain_text("%)")

    # Nothing was saved: the same page, opened again, has no answer and no grade.
    again = page.context.new_page()
    again.goto(theme_url)
    expect(again.locator("#suggested-grade")).to_have_text("Not graded")
    expect(again.locator("input[name='seen-alone']:checked")).to_have_count(0)
