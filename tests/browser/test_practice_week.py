"""A practice week from plan to board paper in a real browser: the QA lead plans it with quotas
for three teams and draws it, three auditors complete and submit the audits drawn, one tags a
learning finding, and the QA lead reads the programme's board paper and downloads it as a PDF,
whose text (read back with pdftotext) holds the figures worked out by hand and no address after
any figure; every page passes the accessibility checks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, check_accessibility, new_server, serving, sign_in
from tests.builders import journey_questionnaire

PROGRAMME = "Practice week around today"
LEAD = "pw-lead"
AUDITORS = ("pw-auditor1", "pw-auditor2", "pw-auditor3")
# One case in each team, each team given a quota of one.
CASES = {
    "710001": "Practice Team North",
    "710002": "Practice Team South",
    "710003": "Practice Team East",
}
# How each case is answered and judged: every answer "Yes, evidenced" suggests Outstanding,
# every answer "No" suggests Inadequate; each judgement follows the suggestion.
JUDGED = {"710001": "Outstanding", "710002": "Outstanding", "710003": "Inadequate"}
ANSWER = {"Outstanding": "Yes, evidenced", "Inadequate": "No"}
COMMENT = "No record of the child being seen alone in the last three visits."
PICTURE = Path("/tmp/practice-week-page1.png")


@pytest.fixture(scope="module")
def practice_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own, so that the draw has these three auditors alone to choose from:
    the journey questionnaire, three teams of one case each, and the auditors in a fourth team."""
    instance = tmp_path_factory.mktemp("practice-week")
    server = new_server(instance)
    (instance / "journey-audit.json").write_text(json.dumps(journey_questionnaire()), "utf-8")
    server.flask("questionnaires", "load", str(instance / "journey-audit.json"))
    rows = "".join(
        f"{case},Practice Service,{team},PW-W{case[-1]}\n" for case, team in CASES.items()
    )
    # The auditors' team exists once it has a case; it is given no quota, so none is drawn.
    rows += "710009,Practice Service,Practice Auditors,\n"
    (instance / "cases.csv").write_text(f"case_id,service,team,worker\n{rows}", "utf-8")
    server.flask("cases", "import", str(instance / "cases.csv"))
    with serving(server, instance) as served:
        served.add_user(LEAD, "--role", "admin")
        for name in AUDITORS:
            served.add_user(name, "--role", "auditor", "--team", "Practice Auditors")
        yield served


def _fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _plan_and_draw(page: Page, server: LiveServer) -> None:
    """The QA lead plans the week around today with a quota of one for each team, and draws it."""
    today = date.today()
    sign_in(page, server, LEAD)
    page.get_by_role("link", name="Programmes").click()
    check_accessibility(page)
    page.get_by_role("link", name="Plan a programme").click()
    check_accessibility(page)
    page.get_by_label("Name").fill(PROGRAMME)
    page.get_by_role("group", name="Kind of programme").get_by_label("Practice week").check()
    page.get_by_role("group", name="Questionnaire").get_by_label("Journey audit").check()
    _fill_date(page, "Start date", today - timedelta(days=3))
    _fill_date(page, "End date", today + timedelta(days=3))
    page.get_by_role("group", name="Strata").get_by_label("Teams").check()
    page.get_by_role("button", name="Plan programme").click()
    expect(page.get_by_text(f"{PROGRAMME} has been planned")).to_be_visible()
    check_accessibility(page)
    for team in CASES.values():
        page.get_by_label(f"Quota for {team}").fill("1")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.get_by_text("Quotas saved.")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Seed (optional)").fill("1652")
    page.get_by_role("button", name="Draw cases").click()
    expect(page.get_by_text(f"Drew 3 cases for {PROGRAMME} with seed 1652.")).to_be_visible()
    expect(page.locator("#progress")).to_have_text(
        "3 of 3 cases allocated, 0 started, 0 submitted."
    )
    check_accessibility(page)


def _judge(page: Page, legend: str, grade: str) -> None:
    page.get_by_role("group", name=legend).get_by_label(grade, exact=True).check()


def _complete(page: Page, case: str, grade: str) -> str:
    """Answer every question of the audit the same way and judge it ``grade``; its address."""
    answer = ANSWER[grade]
    page.get_by_role("button", name=f"Start audit of case {case}").click()
    expect(page.get_by_role("heading", name=f"Audit of case {case}")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="The child's voice").click()
    page.get_by_role("group", name="Was the child seen alone?").get_by_label(
        answer, exact=True
    ).check()
    if grade == "Inadequate":
        page.get_by_label("Comment").fill(COMMENT)
    _judge(page, "Your judgement of this theme", grade)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("group", name="What is the child's legal status?").get_by_label(
        "Child in need"
    ).check()
    page.get_by_role("group", name="Is the plan SMART?").get_by_label(answer, exact=True).check()
    _judge(page, "Your judgement of this theme", grade)
    check_accessibility(page)
    page.get_by_role("button", name="Save and continue").click()
    _judge(page, "Your overall judgement", grade)
    check_accessibility(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("button", name="Submit audit")).to_be_visible()
    check_accessibility(page)
    return page.url.rsplit("/check", 1)[0]


def _tag_learning(page: Page, audit_url: str) -> None:
    """The auditor tags an area for development, Voice of the child, quoting their comment."""
    page.goto(audit_url)
    page.get_by_role("link", name="Tag findings and learning").click()
    expect(page.get_by_role("heading", name="Findings and learning")).to_be_visible()
    page.get_by_role("group", name="What did you find?").get_by_label(
        "Area for development", exact=True
    ).check()
    page.get_by_role("group", name="Learning theme").get_by_label(
        "Voice of the child", exact=True
    ).check()
    page.get_by_label("Quotation from what you wrote (optional)").fill(COMMENT.removesuffix("."))
    page.get_by_role("button", name="Save finding").click()
    expect(page.get_by_text("Finding saved.")).to_be_visible()
    expect(page.locator("#findings")).to_contain_text("Area for development: Voice of the child")
    check_accessibility(page)
    page.goto(audit_url + "/check")


def _audit_as_allocated(page: Page, server: LiveServer, auditor: str) -> str:
    """The auditor finds the one case drawn for them on their home page, completes and submits
    it (tagging learning on the audit judged Inadequate); the case."""
    sign_in(page, server, auditor, check=False)
    expect(page.get_by_role("heading", name="Allocated to me")).to_be_visible()
    check_accessibility(page)
    start = page.get_by_role("button", name=re.compile(r"^Start audit of case "))
    expect(start).to_have_count(1)
    case = (start.get_attribute("aria-label") or start.inner_text()).rsplit(" ", 1)[-1]
    assert case in CASES, case
    audit_url = _complete(page, case, JUDGED[case])
    if JUDGED[case] == "Inadequate":
        _tag_learning(page, audit_url)
    page.get_by_role("button", name="Submit audit").click()
    expect(page.get_by_role("heading", name="Audit submitted")).to_be_visible()
    expect(page.get_by_text(f"Overall grade: {JUDGED[case]}")).to_be_visible()
    check_accessibility(page)
    return case


def _pdf_text(pdf: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def _first_page_picture(pdf: Path, folder: Path) -> Path:
    """The PDF's first page as a PNG at 60 dots per inch, also copied to /tmp to be looked at."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(folder / "page")],
        check=True,
    )
    pictures = sorted(folder.glob("page*.png"))
    assert len(pictures) == 1, pictures
    shutil.copyfile(pictures[0], PICTURE)
    return pictures[0]


def test_a_practice_week_from_plan_to_board_paper(
    practice_server: LiveServer, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    for tool in ("pdftotext", "pdftoppm"):
        assert shutil.which(tool), f"{tool} is needed: install poppler-utils"
    lead = new_page()
    _plan_and_draw(lead, practice_server)

    # The draw shares the three cases among the three auditors, one each, none of their team.
    audited = {_audit_as_allocated(new_page(), practice_server, name) for name in AUDITORS}
    assert audited == set(CASES)

    # Worked by hand: three audits submitted, each final grade the auditor's judgement (no
    # moderation): 710001 and 710002 Outstanding, 710003 Inadequate. Good or better (the two
    # best bands, Outstanding and Good): 2 of 3 = 66.7%; Inadequate: 1 of 3 = 33.3%. One
    # finding: Voice of the child, an area for development, 1 in all. Allocations completed:
    # the three allocations all submitted, 3 of 3 (100.0%).
    # The QA lead was left on the coverage page the draw led to.
    lead.reload()
    expect(lead.locator("#progress")).to_have_text(
        "3 of 3 cases allocated, 3 started, 3 submitted."
    )
    check_accessibility(lead)
    lead.get_by_role("link", name="Back to the programme").click()
    lead.get_by_role("link", name="Board paper for this programme").click()
    expect(lead.get_by_role("heading", name="Headline figures", exact=False)).to_be_visible()
    expect(lead.locator("#paper-submitted")).to_have_text("3")
    expect(lead.locator("#paper-good")).to_have_text("2 of 3 (66.7%)")
    expect(lead.locator("#paper-inadequate")).to_have_text("1 of 3 (33.3%)")
    expect(lead.locator("#paper-allocations")).to_have_text("3 of 3 (100.0%)")
    expect(lead.locator("body")).to_contain_text(PROGRAMME)
    voice = lead.locator("#paper-learning").get_by_role("row", name="Voice of the child")
    expect(voice.get_by_role("cell").last).to_have_text("1")
    check_accessibility(lead)

    with lead.expect_download() as waiting:
        lead.get_by_role("link", name="Download the paper as PDF").click()
    pdf = tmp_path / "paper.pdf"
    waiting.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert PROGRAMME in text, text
    # The period is stated: from the programme's first day (typed by the QA lead) to today.
    start = date.today() - timedelta(days=3)
    assert f"Submitted {start.day} {start:%B %Y} to " in text, text
    assert re.search(r"Audits submitted\s+3\n", text), text
    assert re.search(r"Final grade Good or better\s+2 of 3 \(66\.7%\)", text), text
    assert re.search(r"Final grade Inadequate\s+1 of 3 \(33\.3%\)", text), text
    assert re.search(r"Allocations completed\s+3 of 3 \(100\.0%\)", text), text
    # The learning theme's row: area for development 1, all findings 1 (the other kinds 0).
    assert re.search(r"Voice of the child(\s+[01])+\s+1\n", text), text
    assert "http" not in text, text
    assert "/reports" not in text, text

    picture = _first_page_picture(pdf, tmp_path)
    assert picture.exists() and picture.stat().st_size > 0
    print(f"The paper's first page: {picture} (copied to {PICTURE})")
