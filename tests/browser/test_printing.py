"""Reports on paper, in a real browser: the printed dashboard (Chromium's print media and its PDF)
and the board paper (its page checked with axe-core, and its PDF downloaded and read back).

This module serves its own database filled by ``flask demo seed`` (a year of audits).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    new_server,
    seed_demo,
    serving,
    sign_in,
)

# The width of an A4 page within the print stylesheet's margins (210 mm less 2 x 14 mm), in
# CSS pixels (96 to the inch).
PRINTED_WIDTH = round((210 - 28) / 25.4 * 96)

# Every element that reaches past the right edge of the page (visually hidden text aside).
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter((el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || style.display === 'none' || style.position === 'absolute') return false;
    return box.right > width + 1;
  })
  .map((el) => el.tagName + '#' + el.id + '.' + el.className)"""

# Links whose ::after would print something (GOV.UK Frontend prints each link's address).
LINK_AFTER = """() => [...document.querySelectorAll('a[href]')]
  .map((a) => getComputedStyle(a, '::after').content)
  .filter((content) => content !== 'none' && content !== 'normal')"""


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    instance = tmp_path_factory.mktemp("printing-live")
    server = new_server(instance)
    passwords = seed_demo(server)
    with serving(server, instance):
        yield server, passwords


def _pdf_text(data: bytes, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: run 'make pdf'")
    path = folder / "read.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(result.stdout.split())


def test_the_printed_dashboard_fits_the_page_and_states_what_it_covers(
    demo_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page], tmp_path: Path
) -> None:
    server, passwords = demo_server
    page = new_page()
    sign_in(page, server, "admin", passwords["admin"], check=False)
    page.goto(f"{server.url}/reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    # On screen: the filters form, and no printed heading.
    expect(page.locator("#print-heading")).to_be_hidden()
    check_accessibility(page)
    page.get_by_label("Service", exact=True).select_option(label="Child Protection")
    page.get_by_role("button", name="Apply filters").click()

    page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1100})
    page.emulate_media(media="print")
    heading = page.locator("#print-heading")
    expect(heading).to_be_visible()
    expect(page.locator("#protective-marking")).to_have_text("OFFICIAL-SENSITIVE")
    expect(page.locator("#print-filters")).to_contain_text(
        re.compile(r"Submitted \d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}")
    )
    expect(page.locator("#print-filters")).to_contain_text("Child Protection")
    expect(page.locator("#printed-on")).to_contain_text(re.compile(r"Printed on \d{1,2} \w+ \d{4}"))
    # No navigation, buttons or filters form on paper.
    for hidden in ("form", ".govuk-service-navigation", ".govuk-button", "#contents-heading"):
        assert not any(element.is_visible() for element in page.locator(hidden).all()), hidden
    assert page.evaluate(LINK_AFTER) == []
    assert page.evaluate(TOO_WIDE, PRINTED_WIDTH) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PRINTED_WIDTH
    # Tables are tables, their headers repeated on each page; the themes go on landscape pages.
    header = page.locator("#table-by-team thead")
    assert header.evaluate("(el) => getComputedStyle(el).display") == "table-header-group"
    assert page.locator(".app-print-wide").evaluate("(el) => getComputedStyle(el).page") == "wide"
    # A chart is no wider than the page and is not split between pages.
    chart = page.locator(".app-chart svg").first
    assert chart.evaluate("(el) => el.getBoundingClientRect().width") <= PRINTED_WIDTH
    figure = page.locator("figure").first
    assert figure.evaluate("(el) => getComputedStyle(el).breakInside") == "avoid"

    text = _pdf_text(page.pdf(prefer_css_page_size=True), tmp_path)
    assert "OFFICIAL-SENSITIVE" in text and "Child Protection" in text
    assert re.search(r"Submitted \d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}", text)
    assert "http" not in text and "/reports/audits" not in text
    assert "Apply filters" not in text

    # The audits behind a figure, and a measure's page, print within the page too.
    page.emulate_media(media="screen")
    page.get_by_role("link", name="View audits submitted").click()
    listed = page.url
    for url in (listed, f"{server.url}/reports/compliance?measure=Child+seen+alone"):
        page.goto(url)
        page.emulate_media(media="print")
        expect(page.locator("#protective-marking")).to_be_visible()
        assert page.evaluate(LINK_AFTER) == []
        assert page.evaluate(TOO_WIDE, PRINTED_WIDTH) == []
        page.emulate_media(media="screen")


def test_the_board_paper_reads_well_on_screen_and_as_a_pdf(
    demo_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page], tmp_path: Path
) -> None:
    server, passwords = demo_server
    page = new_page()
    sign_in(page, server, "manager", passwords["manager"], check=False)
    page.goto(f"{server.url}/reports")
    page.get_by_role("link", name="Board paper for this period").click()
    expect(page.get_by_role("heading", name="7-minute briefing")).to_be_visible()
    expect(page.locator("#print-filters")).to_contain_text(
        re.compile(r"Submitted \d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}")
    )
    check_accessibility(page)
    submitted = page.locator("#paper-submitted").inner_text()
    good = page.locator("#paper-good").inner_text()
    assert int(submitted.replace(",", "")) > 0

    # Printed from the browser: no form, no link address, nothing wider than the page.
    page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1100})
    page.emulate_media(media="print")
    assert not page.locator("form").first.is_visible()
    assert page.evaluate(LINK_AFTER) == []
    assert page.evaluate(TOO_WIDE, PRINTED_WIDTH) == []
    briefing = page.locator(".app-paper-briefing")
    assert briefing.evaluate("(el) => getComputedStyle(el).breakAfter") == "page"
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A theme chosen: the paper is about that theme.
    page.get_by_label("Theme", exact=True).select_option(index=1)
    page.get_by_role("button", name="Show the paper").click()
    expect(page.locator("#print-filters")).to_contain_text("Theme: ")
    check_accessibility(page)
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the paper as PDF").click()
    download = download_info.value
    assert re.fullmatch(
        r"board-paper-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.pdf", download.suggested_filename
    )
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    assert "7-minute briefing" in text and "OFFICIAL-SENSITIVE" in text
    assert f"Audits submitted {submitted}" in text
    assert good in text
    assert "http" not in text


def test_the_audit_record_prints_and_downloads_with_its_data(
    demo_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page], tmp_path: Path
) -> None:
    server, passwords = demo_server
    page = new_page()
    sign_in(page, server, "admin", passwords["admin"], check=False)
    page.goto(f"{server.url}/reports/audits")
    page.locator('a[href^="/audits/"]').first.click()
    case_ref = page.locator("h1").inner_text().removeprefix("Audit of case ")
    page.get_by_role("link", name="view the audit record to print").click()
    expect(page.get_by_role("heading", name=f"Audit record: case {case_ref}")).to_be_visible()
    expect(page.locator("#protective-marking")).to_have_text("OFFICIAL-SENSITIVE")
    check_accessibility(page)

    page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1100})
    page.emulate_media(media="print")
    for hidden in (".govuk-service-navigation", ".app-no-print"):
        assert not any(element.is_visible() for element in page.locator(hidden).all()), hidden
    assert page.evaluate(LINK_AFTER) == []
    assert page.evaluate(TOO_WIDE, PRINTED_WIDTH) == []
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the record as PDF").click()
    download = download_info.value
    assert re.fullmatch(rf"audit-record-\d+-case-{case_ref}\.pdf", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = _pdf_text(target.read_bytes(), tmp_path)
    assert f"Audit record: case {case_ref}" in text and "OFFICIAL-SENSITIVE" in text
    assert "http" not in text
    if shutil.which("pdfdetach") is None:
        pytest.skip("pdfdetach is not installed: run 'make pdf'")
    listed = subprocess.run(
        ["pdfdetach", "-list", str(target)], capture_output=True, text=True, check=True
    ).stdout
    assert f"-case-{case_ref}.json" in listed
