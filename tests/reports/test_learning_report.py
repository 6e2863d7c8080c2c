"""The learning report, worked out by hand on the reports' data set (tests/reports/conftest.py).

Findings tagged (directly, as the tagging pages store them):

=====  ===========  =================  ======================================  ==========
audit  team         service            findings                                counted
=====  ===========  =================  ======================================  ==========
A1     CP Team 1    Child Protection   strength: Voice (quoted, chosen);        yes
                                       learning: Chronology (moderator)
A2     CP Team 2    Child Protection   area for dev.: Voice; area for dev.:     yes
                                       Chronology (quoted, not chosen)
A3     CIN Team A   Children in Need   strength: Planning                       yes
A4     CP Team 1    Child Protection   learning: Voice                          no (returned)
A5     CP Team 1    Child Protection   strength: Voice                          yes
=====  ===========  =================  ======================================  ==========

So from January to March 2026: Voice of the child 2 strengths, 1 area for development (3);
Chronology 1 area for development, 1 learning (2); Planning 1 strength (1); six in all.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.db import get_engine, session_scope
from audit_app.models import Finding, LearningTheme
from audit_app.reporting import learning as learning_report
from audit_app.reporting.dashboard import load_catalogue
from audit_app.reporting.database import ReportReader
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.selection import Places, Selection
from audit_app.services import learning
from audit_app.services.actor import Actor
from tests.builders import ReportData
from tests.conftest import events
from tests.reports.conftest import PERIOD, SignInAs

QUOTED = "Seen alone at every visit, and her words are in the plan"
NOT_CHOSEN = "=Chronology missing after the strategy meeting"
TAGS = [
    ("A1", "strength", "Voice of the child", "auditor", QUOTED, True),
    ("A1", "learning", "Chronology", "moderator", None, False),
    ("A2", "area_for_development", "Voice of the child", "auditor", None, False),
    ("A2", "area_for_development", "Chronology", "auditor", NOT_CHOSEN, False),
    ("A3", "strength", "Planning", "auditor", None, False),
    ("A4", "learning", "Voice of the child", "auditor", None, False),
    ("A5", "strength", "Voice of the child", "auditor", None, False),
]


@pytest.fixture
def tagged(report_data: ReportData) -> dict[str, int]:
    """The findings of the table above; their ids by their quotation."""
    ids = {}
    with session_scope(report_data.app) as session:
        themes = {t.name: t.id for t in session.exec(select(LearningTheme))}
        for audit, kind, theme, tagged_as, quotation, chosen in TAGS:
            finding = Finding(
                audit_id=report_data.audits[audit],
                learning_theme_id=themes[theme],
                kind=kind,
                tagged_as=tagged_as,
                tagged_by_id=report_data.users["grace" if tagged_as == "moderator" else "amber"],
                quotation=quotation,
                chosen_at=datetime(2026, 4, 1, tzinfo=UTC) if chosen else None,
            )
            session.add(finding)
            session.flush()
            if quotation:
                ids[quotation] = finding.id
    return ids  # type: ignore[return-value]


def figures(app: Flask, filters: Filters, scope: Scope | None = None) -> learning_report.Learning:
    scope = scope or Scope.everything()
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        catalogue = load_catalogue(reader)
        places = Places.load(reader, scope)
        selection = Selection.build(filters, scope, catalogue, places)
        return learning_report.build(reader, selection, places, every_quotation=True)


def table(rows: list[learning_report.Counts]) -> dict[str, tuple[int, ...]]:
    return {
        (f"{r.label} / {r.group}" if r.group else r.label): (*r.by_kind.values(), r.total)
        for r in rows
    }


QUARTER = Filters(date_from=datetime(2026, 1, 1).date(), date_to=datetime(2026, 3, 31).date())


def test_findings_by_learning_theme_service_and_team(
    report_data: ReportData, tagged: dict[str, int]
) -> None:
    found = figures(report_data.app, QUARTER)
    # (strengths, areas for development, learning, all)
    assert table(found.by_theme) == {
        "Voice of the child": (2, 1, 0, 3),
        "Chronology": (0, 1, 1, 2),
        "Planning": (1, 0, 0, 1),
    }
    assert table(found.by_service) == {
        "Child Protection": (2, 2, 1, 5),
        "Children in Need": (1, 0, 0, 1),
    }
    assert table(found.by_team) == {
        "CP Team 1 / Child Protection": (2, 0, 1, 3),
        "CP Team 2 / Child Protection": (0, 2, 0, 2),
        "CIN Team A / Children in Need": (1, 0, 0, 1),
    }
    assert (*found.total.by_kind.values(), found.total.total) == (3, 2, 1, 6)
    assert [q.text for q in found.quotations] == [NOT_CHOSEN, QUOTED]  # by learning theme
    assert [(q.text, q.team, q.service) for q in found.chosen] == [
        (QUOTED, "CP Team 1", "Child Protection")
    ]


def test_a_shorter_period_and_a_managers_services(
    report_data: ReportData, tagged: dict[str, int]
) -> None:
    february = Filters(date_from=datetime(2026, 2, 1).date(), date_to=datetime(2026, 2, 28).date())
    assert table(figures(report_data.app, february).by_theme) == {
        "Chronology": (0, 1, 0, 1),
        "Planning": (1, 0, 0, 1),
        "Voice of the child": (0, 1, 0, 1),
    }
    grace = Scope.for_person(
        "manager",
        report_data.users["grace"],
        frozenset({report_data.services["Child Protection"]}),
    )
    assert table(figures(report_data.app, QUARTER, grace).by_theme) == {
        "Voice of the child": (2, 1, 0, 3),
        "Chronology": (0, 1, 1, 2),
    }


def test_the_page_names_no_worker_and_ignores_an_auditor_filter(
    report_data: ReportData, tagged: dict[str, int], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("vera")
    amber = report_data.users["amber"]
    html = client.get(f"/reports/learning?{urlencode({**PERIOD, 'auditor': amber})}").get_data(
        as_text=True
    )
    assert 'id="learning-by-theme"' in html and "Voice of the child" in html
    assert QUOTED in html and NOT_CHOSEN not in html  # a viewer sees the chosen ones only
    # Every finding of the period: the auditor is not a filter here.
    assert "6 findings: 3 strengths, 2 areas for development, 1 learning." in html
    for name in ("amber", "basil", "grace", "100001"):
        assert name not in html, name


def test_a_qa_lead_chooses_a_quotation_for_the_paper(
    report_data: ReportData, tagged: dict[str, int], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    html = client.get(f"/reports/learning?{urlencode(PERIOD)}").get_data(as_text=True)
    assert NOT_CHOSEN in html and "Choose for the paper" in html
    finding = tagged[NOT_CHOSEN]
    response = client.post(
        f"/reports/learning/quotations/{finding}?{urlencode(PERIOD)}", data={"chosen": "yes"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#quotations")
    assert len(events(report_data.app, "finding.chosen")) == 1
    paper = client.get(f"/reports/paper?{urlencode(PERIOD)}").get_data(as_text=True)
    assert 'id="paper-learning"' in paper
    assert QUOTED in paper and NOT_CHOSEN in paper


def test_only_a_qa_lead_chooses(
    report_data: ReportData, tagged: dict[str, int], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("grace")
    response = client.post(f"/reports/learning/quotations/{tagged[QUOTED]}", data={"chosen": "no"})
    assert response.status_code == 403


def test_the_csv_export_counts_by_service_team_and_theme_and_is_in_the_trail(
    report_data: ReportData, tagged: dict[str, int], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("grace")
    response = client.get(f"/reports/learning.csv?{urlencode(PERIOD)}")
    assert response.status_code == 200
    assert "learning-2026-01-01-to-2026-03-31.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [
        [
            "Service",
            "Team",
            "Learning theme",
            "Strengths",
            "Areas for development",
            "Learning",
            "Total",
        ],
        ["Child Protection", "CP Team 1", "Chronology", "0", "0", "1", "1"],
        ["Child Protection", "CP Team 1", "Voice of the child", "2", "0", "0", "2"],
        ["Child Protection", "CP Team 2", "Chronology", "0", "1", "0", "1"],
        ["Child Protection", "CP Team 2", "Voice of the child", "0", "1", "0", "1"],
    ]  # grace's services only
    [event] = events(report_data.app, "report.exported")
    detail = json.loads(event.detail)
    assert (detail["kind"], detail["format"], detail["rows"]) == ("learning", "csv", 4)


def test_a_theme_named_like_a_formula_is_neutralised_in_the_csv(
    report_data: ReportData, tagged: dict[str, int], signed_in_as: SignInAs
) -> None:
    with session_scope(report_data.app) as session:
        planning = session.exec(select(LearningTheme).where(LearningTheme.name == "Planning")).one()
        learning.rename_theme(
            planning.id,  # type: ignore[arg-type]
            '=HYPERLINK("http://x")',
            session=session,
            actor=Actor.system("test"),
        )
    client = signed_in_as("ada")
    text = client.get(f"/reports/learning.csv?{urlencode(PERIOD)}").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_the_board_paper_pdf_holds_the_learning_themes_and_the_chosen_quotation(
    report_data: ReportData, tagged: dict[str, int], signed_in_as: SignInAs, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: run 'make pdf'")
    client = signed_in_as("ada")
    data = client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}").get_data()
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())
    assert "Learning themes" in words
    assert "Voice of the child 2 1 0 3" in words
    assert QUOTED in words and NOT_CHOSEN.removeprefix("=") not in words
    assert "http" not in text
