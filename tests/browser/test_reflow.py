"""Reflow at 320 CSS pixels (WCAG 2.2, 1.4.10): a 640-pixel window at 200% zoom.

The pages an auditor, a group manager and a viewer use with the most data in them (the submitted
audit, the moderation queue, the dashboard and the drill-downs behind its figures) must not scroll
sideways. Nothing may be cut off to achieve it: whatever is wider than the window (a chart drawn
at its design size, say) scrolls within its own focusable, labelled region. Chart text must stay
at least 12 CSS pixels. Each page is also checked with axe-core at that width.

This module serves its own database filled by ``flask demo seed`` (a year of audits), with cases
whose references are as long as the case management system allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LiveServer,
    check_accessibility,
    load_journey_data,
    new_server,
    seed_demo,
    serving,
    sign_in,
)

VIEWPORT = {"width": 320, "height": 640}
MIN_CHART_TEXT_PX = 12
AUDITOR = "auditor4"  # the demo's auditor in Leaving Care: may audit Children in Care cases
# As long as CASE_ID_PATTERN allows (32 characters), and with nowhere to break a line.
LONG_REFS = ("LL/2025/000012345678901234567890", "MOSAIC0000000000000000000000421")

# Everything on the page must lie within the window, unless it is inside a box that scrolls
# sideways (which must then be a focusable, labelled region) or deliberately hidden (clipped,
# like govuk-visually-hidden). Returns what is wrong, for the failure message.
OVERFLOW_SCRIPT = """
() => {
  const width = window.innerWidth;
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > width) {
    problems.push(`the page scrolls sideways: scrollWidth ${doc.scrollWidth} > ${width}`);
  }
  const describe = (el) => {
    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      classes.filter(Boolean).map((name) => '.' + name).join('');
  };
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const clipped = (el) => {
    const style = getComputedStyle(el);
    return (style.clip && style.clip !== 'auto') || style.clipPath !== 'none';
  };
  const exempt = (el) => {
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      if (scrolls(node) || clipped(node)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (scrolls(el) && el.scrollWidth > el.clientWidth) {
      const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (el.getAttribute('role') !== 'region' || el.tabIndex !== 0 || !labelled) {
        problems.push(`${describe(el)} scrolls sideways but is not a focusable, labelled region`);
      }
    }
  }
  const beyond = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 1 && box.right > width + 0.5 && !exempt(el)) {
      beyond.add(el);
      if (!beyond.has(el.parentElement)) {  // the outermost only, for a short message
        problems.push(`${describe(el)} reaches ${Math.round(box.right)} px`);
      }
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const parent = text.parentElement;
    if (!text.textContent.trim() || beyond.has(parent) || exempt(parent)) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const box of range.getClientRects()) {
      if (box.width > 0 && box.right > width + 0.5) {
        problems.push(`text "${text.textContent.trim().slice(0, 40)}" in ` +
          `${describe(text.parentElement)} reaches ${Math.round(box.right)} px`);
        break;
      }
    }
  }
  return problems;
}
"""

# The size on screen, in CSS pixels, of every piece of text in the charts: its font size in the
# SVG's user units times the scale from those units to the screen (rotation left out).
CHART_TEXT_SCRIPT = """
() => [...document.querySelectorAll('svg[role="img"] text')].map((text) => {
  const m = text.getScreenCTM();
  const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
  const box = text.closest('svg').getBoundingClientRect();
  return {
    text: text.textContent,
    px: parseFloat(getComputedStyle(text).fontSize) * scale,
    chartWidth: box.width,
  };
})
"""


def check_reflow(page: Page, *, charts: int = 0) -> None:
    """At 320 CSS pixels: no sideways scrolling of the page, nothing cut off, chart text of 12 px
    or more, and axe-core's checks."""
    assert page.evaluate("() => window.innerWidth") == VIEWPORT["width"]
    problems = page.evaluate(OVERFLOW_SCRIPT)
    assert not problems, f"{page.url}:\n" + "\n".join(problems[:30])
    texts = page.evaluate(CHART_TEXT_SCRIPT)
    assert len(page.locator('svg[role="img"]').all()) == charts, page.url
    if charts:
        assert texts and all(t["chartWidth"] > 0 for t in texts), page.url
        small = [t for t in texts if t["px"] < MIN_CHART_TEXT_PX]
        assert not small, f"{page.url}: chart text under {MIN_CHART_TEXT_PX} px: " + json.dumps(
            small[:10]
        )
    check_accessibility(page)


@pytest.fixture(scope="module")
def reflow_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """gunicorn over the demo data, plus cases with long references allocated to an auditor."""
    instance = tmp_path_factory.mktemp("reflow-live")
    server = new_server(instance)
    passwords = seed_demo(server)
    load_journey_data(
        server,
        instance,
        "case_id,service,team,worker\n"
        + "".join(
            f"{ref},Children in Care,Children in Care Team,SW9{i}\n"
            for i, ref in enumerate(LONG_REFS)
        ),
        dict.fromkeys(LONG_REFS, AUDITOR),
    )
    with serving(server, instance):
        yield server, passwords


def _narrow_page(new_page: Callable[..., Page]) -> Page:
    page = new_page()
    page.set_viewport_size(VIEWPORT)
    return page


def _judge(page: Page, legend: str, grade: str) -> None:
    page.get_by_role("group", name=legend).get_by_label(grade, exact=True).check()


def _complete_inadequate_audit(page: Page, server: LiveServer, case_ref: str) -> None:
    """Answer "No" throughout and judge it Inadequate, so that it is always moderated; submit."""
    page.goto(server.url + "/")
    page.get_by_role("button", name=f"Start audit of case {case_ref}").click()
    page.get_by_role("link", name="The child's voice").click()
    page.get_by_role("group", name="Was the child seen alone?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("Comment").fill("No record of the child being seen alone since the review.")
    _judge(page, "Your judgement of this theme", "Inadequate")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in care"
    ).check()
    page.get_by_role("group", name="Is there a permanence plan by the second review?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Is the plan SMART?").get_by_label("No", exact=True).check()
    _judge(page, "Your judgement of this theme", "Inadequate")
    page.get_by_role("button", name="Save and continue").click()
    _judge(page, "Your overall judgement", "Inadequate")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()


def test_an_auditors_submitted_audit_reflows_at_320_css_pixels(
    reflow_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page]
) -> None:
    server, passwords = reflow_server
    page = _narrow_page(new_page)
    sign_in(page, server, AUDITOR, passwords[AUDITOR], check=False)
    for ref in LONG_REFS:
        _complete_inadequate_audit(page, server, ref)
        expect(page.get_by_text(f"Case {ref}")).to_be_visible()
        check_reflow(page)
        page.get_by_role("link", name="View the submitted audit").click()
        expect(page.get_by_role("heading", name=f"Audit of case {ref}")).to_be_visible()
        expect(page.get_by_role("table", name="Grades")).to_contain_text("Inadequate")
        check_reflow(page)


def test_a_managers_queue_and_reports_reflow_at_320_css_pixels(
    reflow_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page]
) -> None:
    server, passwords = reflow_server
    page = _narrow_page(new_page)
    sign_in(page, server, "manager", passwords["manager"], check=False)

    page.goto(f"{server.url}/moderation")
    expect(page.get_by_role("heading", name="Moderation", exact=True)).to_be_visible()
    queue = page.get_by_role("table", name="Audits due for moderation, oldest first")
    expect(queue.get_by_role("row")).not_to_have_count(0)
    check_reflow(page)
    # The newest audit in the queue, as its moderator sees it.
    queue.get_by_role("row").last.get_by_role("link").first.click()
    expect(page.get_by_role("table", name="Grades")).to_be_visible()
    check_reflow(page)

    page.goto(f"{server.url}/reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    check_reflow(page, charts=5)

    # Drill-downs: the audits behind a figure (with a theme, the widest list), and a measure.
    page.get_by_role("link", name="View audits submitted").click()
    expect(page.get_by_role("table", name=re.compile("Audits behind the figure"))).to_be_visible()
    check_reflow(page)
    page.goto(f"{server.url}/reports")
    page.locator("table[id^=themes-] a").first.click()
    expect(page.get_by_role("columnheader", name="Theme grade")).to_be_attached()
    check_reflow(page)
    page.goto(f"{server.url}/reports")
    page.locator("#table-compliance th a").first.click()
    expect(page.locator("#measure-overall")).to_contain_text("Compliant")
    check_reflow(page, charts=2)
    page.goto(f"{server.url}/reports/data-dictionary")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Data dictionary")
    check_reflow(page)


def test_the_dashboard_of_every_service_reflows_at_320_css_pixels(
    reflow_server: tuple[LiveServer, dict[str, str]], new_page: Callable[..., Page]
) -> None:
    server, passwords = reflow_server
    page = _narrow_page(new_page)
    sign_in(page, server, "viewer", passwords["viewer"], check=False)
    page.goto(f"{server.url}/reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    check_reflow(page, charts=5)
