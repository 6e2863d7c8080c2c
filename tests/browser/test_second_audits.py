"""Double-blind second audits in a real browser, on a server drawing every audit
(``SECOND_AUDIT_RATE=1``) and showing figures from 2 units: amber audits two cases; each is
drawn and its second audit goes to basil, the only other auditor of the service, who does both
without ever seeing amber's name, answers or grades; the QA lead's agreement page then shows the
figures worked by hand below. Every page is checked with axe-core.

Amber's and basil's answers to questions one to eight and grades of themes one to four and
overall (G Good, RI Requires improvement):

======  ====================  ==============  ====================  ==============
case    amber's answers       amber's grades  basil's answers       basil's grades
======  ====================  ==============  ====================  ==============
300001  yes x 8               G G G G, G      yes x 6, no x 2       G G G RI, G
300002  no x 8                RI x 4, RI      no x 8                RI x 4, RI
======  ====================  ==============  ====================  ==============
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
    new_server,
    serving,
    sign_in,
)
from tests.browser.test_calibration import LABELS, THEMES, WORDS, _questionnaire
from tests.builders import FOUR_BANDS

G, RI = FOUR_BANDS[1]["grade"], FOUR_BANDS[2]["grade"]
CASES = ("300001", "300002")
AMBER = {"300001": (["yes"] * 8, [G] * 5), "300002": (["no"] * 8, [RI] * 5)}
BASIL = {"300001": (["yes"] * 6 + ["no"] * 2, [G, G, G, RI, G]), "300002": AMBER["300002"]}


@pytest.fixture(scope="module")
def drawing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("second-audits")
    server = new_server(instance)
    server.env.update({"SECOND_AUDIT_RATE": "1", "AGREEMENT_MIN_UNITS": "2"})
    (instance / "calibration.json").write_text(json.dumps(_questionnaire()), "utf-8")
    server.flask("questionnaires", "load", str(instance / "calibration.json"))
    rows = "".join(f"{case},Child Protection,Child Protection Team 9\n" for case in CASES)
    (instance / "cases.csv").write_text(f"case_id,service,team\n{rows}", "utf-8")
    server.flask("cases", "import", str(instance / "cases.csv"))
    with serving(server, instance) as served:
        served.add_user("sa-lead", "--role", "admin")
        for name, shown in (("sa-amber", "Amber Ash"), ("sa-basil", "Basil Birch")):
            served.add_user(
                name, "--role", "auditor", "--team", "Child Protection Team 9", "--name", shown
            )
        yield served


def _fill(page: Page, answers: list[str], grades: list[str], *, check: bool) -> None:
    """Answer and judge the open audit through its pages, and submit it."""
    audit_url = re.sub(r"/(themes/.*|judgement|check)?$", "", page.url)
    for n, theme in enumerate(THEMES):
        page.goto(f"{audit_url}/themes/theme-{theme}")
        for i in range(2):
            number = 2 * n + i
            page.get_by_role("group", name=f"Question {WORDS[number]}?").get_by_label(
                LABELS[answers[number]], exact=True
            ).check()
        page.get_by_role("group", name="Your judgement of this theme").get_by_label(
            grades[n], exact=True
        ).check()
        page.get_by_label("Analysis").fill("Read against the record.")
        if check and n == 0:
            _blind(page)
        page.get_by_role("button", name="Save and continue").click()
    page.goto(f"{audit_url}/judgement")
    page.get_by_role("group", name="Your overall judgement").get_by_label(
        grades[4], exact=True
    ).check()
    page.get_by_label("Analysis").fill("Read against the record.")
    if check:
        _blind(page)
    page.get_by_role("button", name="Save and continue").click()
    if check:
        _blind(page)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()


def _blind(page: Page) -> None:
    """Nothing of amber's on the page, and no serious accessibility problem."""
    text = page.content()
    assert "Amber" not in text and "sa-amber" not in text, page.url
    check_accessibility(page)


def _first_audits(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "sa-amber", check=False)
    for case in CASES:
        page.goto(f"{server.url}/audits/new")
        page.get_by_role("radio", name="Calibration audit").check()
        page.get_by_label("Case ID").fill(case)
        page.get_by_role("button", name="Start audit").click()
        _fill(page, *AMBER[case], check=False)


def _second_audits(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "sa-basil", check=False)
    _blind(page)
    for case in CASES:
        page.goto(server.url)
        page.get_by_role("link", name=f"Case {case}: Calibration audit").click()
        _blind(page)
        # Nothing is filled in from the first audit.
        page.get_by_role("link", name="Theme one").first.click()
        expect(page.get_by_role("radio", checked=True)).to_have_count(0)
        _fill(page, *BASIL[case], check=case == CASES[0])
        _blind(page)
    for path in ("/reports", "/reports/audits", "/actions"):
        page.goto(f"{server.url}{path}")
        _blind(page)


def _cells(page: Page, table: str, header: str) -> list[str]:
    row = page.get_by_role("table", name=table).locator("tr", has_text=header).first
    return re.split(r"\s{2,}|\t", row.inner_text().strip())


def test_a_second_audit_done_blind_and_the_agreement_worked_by_hand(
    drawing_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    _first_audits(new_page(), drawing_server)
    _second_audits(new_page(), drawing_server)
    lead = new_page()
    sign_in(lead, drawing_server, "sa-lead", check=False)
    lead.get_by_role("link", name="Calibration").first.click()
    lead.get_by_role("link", name="Agreement between auditors").click()
    expect(lead.get_by_text("over 2 double-blind second audits")).to_be_visible()
    check_accessibility(lead)

    # Theme four: Good against RI, RI against RI: 50%; ordinal, Good 1 and RI 3 of 4 values,
    # delta(G, RI) = (4 - 2)^2 = 4; observed 2 x 4 / 4 = 2, expected 2 x 1 x 3 x 4 / 12 = 2: 0.
    four = _cells(lead, "Agreement on grades per theme", "Theme four")
    assert four[1:4] == ["2", "50.0%", "0.000"], four
    one = _cells(lead, "Agreement on grades per theme", "Theme one")
    assert one[1:4] == ["2", "100.0%", "1.000"], one
    # Question seven: yes against no, no against no: 50%; yes 1, no 3: observed 2 / 4,
    # expected (16 - 1 - 9) / 12 = 0.5: alpha 0.
    seven = _cells(lead, "Agreement on answers per question", "Question seven?")
    assert seven[1:4] == ["2", "50.0%", "0.000"], seven
    # Amber against basil: 13 units a pair (8 answers, 5 grades), 23 of 26 agree, 88.5%;
    # 52 values (yes 14, no 18, Good 9, RI 11): observed 6 / 52, expected
    # (52^2 - 722) / (52 x 51) = 1982 / 2652; alpha 1 - (6 / 52) / (1982 / 2652) = 0.846.
    amber = _cells(lead, "Each auditor against the other auditor, in second audits", "Amber")
    assert amber[1:4] == ["26", "88.5%", "0.846"], amber
    # The quarter: 10 grades units, 9 agree, 90%; Good 9, RI 11 of 20, delta (20 - 10)^2 = 100;
    # observed 2 x 100 / 20 = 10, expected 2 x 9 x 11 x 100 / 380 = 52.105: alpha 0.808.
    quarter = lead.get_by_role("table", name="Agreement on grades by quarter")
    cells = re.split(r"\s{2,}|\t", quarter.locator("tbody tr").first.inner_text().strip())
    assert cells[1:4] == ["10", "90.0%", "0.808"], cells
