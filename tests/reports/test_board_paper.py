"""The board paper on the hand-worked data set (tests/reports/conftest.py): the same figures as
the dashboard, the period stated, the year-on-year and quarter-on-quarter tables, the actions,
no worker named, a PDF whose text says the same (read back with pdftotext), and a PDF that
fetches nothing but the application's own static files."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import threading
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from audit_app.db import get_engine
from audit_app.reporting import board_paper
from audit_app.reporting import dashboard as dashboard_data
from audit_app.reporting.board_paper import Period
from audit_app.reporting.charts import _stacked
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import Share
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.paper_pdf import BASE_URL, own_static_files, write_pdf
from audit_app.reporting.selection import Places
from audit_app.reporting.themes import ThemeCell, ThemeRow, ThemeTable
from audit_app.services.actor import Actor
from tests.builders import ReportData, report_audit
from tests.conftest import events
from tests.reports.conftest import PERIOD, SignInAs

TODAY = date(2026, 4, 15)
FINANCIAL_YEAR = {"from": "2025-04-01", "to": "2026-03-31"}


def _paper(app: Flask, filters: Filters, theme: tuple[str, str] | None = None) -> Any:
    assert filters.date_from and filters.date_to
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        catalogue = dashboard_data.load_catalogue(reader)
        places = Places.load(reader, Scope.everything())
        request = board_paper.PaperRequest(
            filters, Period(filters.date_from, filters.date_to), theme
        )
        return board_paper.build(
            reader,
            request,
            Scope.everything(),
            today=TODAY,
            catalogue=catalogue,
            places=places,
            described=[],
        )


def _dashboard(app: Flask, filters: Filters) -> dashboard_data.Dashboard:
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        return dashboard_data.build(reader, filters, Scope.everything(), today=TODAY)


def _earlier_audit(report_data: ReportData) -> None:
    """One audit a year before the data set's quarter: 10 February 2025, Outstanding."""
    report_audit(
        report_data.app,
        Actor(id=report_data.users["amber"], username="amber", role="auditor"),  # type: ignore[arg-type]
        "100006",
        {"voice": {"seen-alone": "yes"}, "planning": {"plan-smart": "yes"}},
        {"voice": "Outstanding", "planning": "Outstanding"},
        "Outstanding",
        datetime(2025, 2, 10, 9, 0, tzinfo=UTC),
    )


# --- periods ----------------------------------------------------------------------------------


def test_the_year_before_and_the_quarters_of_a_period() -> None:
    quarter = Period(date(2026, 1, 1), date(2026, 3, 31))
    assert quarter.year_before() == Period(date(2025, 1, 1), date(2025, 3, 31))
    assert quarter.latest_quarter() == quarter
    assert quarter.quarter_before() == Period(date(2025, 10, 1), date(2025, 12, 31))
    year = Period(date(2025, 4, 1), date(2026, 3, 31))
    assert year.latest_quarter() == quarter
    assert year.latest_quarter().quarter_before() == Period(date(2025, 10, 1), date(2025, 12, 31))
    # A month's last day stays its last day, leap years included.
    leap = Period(date(2027, 3, 1), date(2028, 2, 29))
    assert leap.year_before() == Period(date(2026, 3, 1), date(2027, 2, 28))
    assert Period(date(2026, 3, 1), date(2027, 2, 28)).year_before().end == date(2026, 2, 28)
    assert Period(date(2028, 3, 1), date(2029, 2, 28)).year_before().end == date(2028, 2, 29)
    assert Period(date(2026, 1, 15), date(2026, 2, 10)).year_before() == Period(
        date(2025, 1, 15), date(2025, 2, 10)
    )
    assert quarter.text == "1 January 2026 to 31 March 2026"


def test_a_change_is_in_points_for_shares_and_in_units_for_counts() -> None:
    assert board_paper.Compared("x", Share(3, 4), Share(1, 2)).change == "+25.0 points"
    assert board_paper.Compared("x", Share(1, 4), Share(1, 2)).change == "−25.0 points"
    assert board_paper.Compared("x", Share(1, 4), Share(0, 0)).change == "–"
    assert board_paper.Compared("x", 4, 1).change == "+3"
    assert board_paper.Compared("x", 2, 2).change == "No change"


# --- the figures ------------------------------------------------------------------------------


def test_the_papers_figures_are_the_dashboards(report_data: ReportData) -> None:
    filters = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    paper = _paper(report_data.app, filters)
    dashboard = _dashboard(report_data.app, filters)
    assert paper.figures.headline == dashboard.headline
    assert paper.figures.by_month == dashboard.by_month
    assert paper.figures.by_service == dashboard.by_service
    assert paper.figures.compliance == dashboard.compliance
    assert paper.figures.themes == dashboard.themes
    # As worked out by hand in tests/reports/conftest.py.
    assert paper.figures.headline.submitted == 4
    assert paper.figures.headline.good == Share(2, 4)
    assert paper.figures.headline.worst == Share(1, 4)


def test_the_year_on_year_table(report_data: ReportData) -> None:
    _earlier_audit(report_data)
    filters = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    paper = _paper(report_data.app, filters)
    table = paper.year_on_year
    assert table.before == Period(date(2025, 1, 1), date(2025, 3, 31))
    rows = {row.label: row for row in table.rows}
    assert rows["Audits submitted"].now == 4 and rows["Audits submitted"].before == 1
    assert rows["Audits submitted"].change == "+3"
    good = rows["Final grade Good or better"]
    assert good.now == Share(2, 4) and good.before == Share(1, 1)
    assert good.change == "−50.0 points"
    # The year before is what the dashboard says for that period.
    before = _dashboard(
        report_data.app, filters.with_(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31))
    )
    assert rows["Final grade Inadequate"].before == before.headline.worst
    assert rows["Recording compliance, all measures"].before == board_paper.compliance_total(before)


def test_themes_are_compared_by_their_ids_not_their_names(report_data: ReportData) -> None:
    """With a second questionnaire in one period only, a theme's name carries its
    questionnaire's in that period alone: the other period's figure is still found."""
    filters = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    before = _dashboard(report_data.app, filters)
    other = ThemeTable(
        questionnaire_id="other-audit",
        title="Other audit",
        themes=[("x", "Other theme")],
        rows=[],
        overall=ThemeRow("All teams", {}, {"x": ThemeCell(None, 1, Share(1, 1))}),
    )
    now = replace(before, themes=[*before.themes, other])
    rows = {row.label: row for row in board_paper.compare(now, before, None)}
    voice = rows["Theme Good or better: The child's voice (Report audit)"]
    assert voice.now == voice.before == Share(2, 3)
    assert rows["Theme Good or better: Other theme (Other audit)"].before == Share(0, 0)


def test_the_quarter_on_quarter_table(report_data: ReportData) -> None:
    _earlier_audit(report_data)
    filters = Filters(date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    paper = _paper(report_data.app, filters)
    table = paper.quarter_on_quarter
    assert table.now == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert table.before == Period(date(2025, 10, 1), date(2025, 12, 31))
    rows = {row.label: row for row in table.rows}
    assert rows["Audits submitted"].now == 4 and rows["Audits submitted"].before == 0
    # The year before the financial year holds the audit of February 2025.
    year = {row.label: row for row in paper.year_on_year.rows}
    assert year["Audits submitted"].before == 1


def test_the_actions_and_their_progress(report_data: ReportData) -> None:
    paper = _paper(report_data.app, Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)))
    child, record, every = paper.actions
    assert (child.raised, child.done, child.open, child.overdue) == (3, 1, 2, 1)
    assert record.raised == 0
    assert every.done_share == Share(1, 3)
    assert paper.briefing.next_steps == [
        "3 actions were raised on these audits: 1 done, 2 open (1 overdue) and 0 cancelled."
    ]


def test_the_briefing_says_what_works_and_what_to_improve_never_both(
    report_data: ReportData,
) -> None:
    paper = _paper(report_data.app, Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)))
    briefing = paper.briefing
    assert briefing.looked_at[0] == "4 audits submitted from 1 January 2026 to 31 March 2026."
    assert briefing.looked_at[1] == "Allocations completed: 1 of 3 (33.3%)."
    assert briefing.looked_at[2].endswith(" of 2 (50.0%).")
    assert briefing.working_well == [
        "The child's voice: 2 of 3 (66.7%) Good or better.",
        "Plan SMART: 1 of 1 (100.0%) compliant.",
    ]
    assert briefing.to_improve == [
        "Planning: 2 of 4 (50.0%) Good or better.",
        "Child seen alone: 2 of 3 (66.7%) compliant.",
    ]


def test_the_briefing_says_when_nothing_was_due_or_moderated(report_data: ReportData) -> None:
    paper = _paper(report_data.app, Filters(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31)))
    assert paper.briefing.looked_at == [
        "0 audits submitted from 1 January 2024 to 31 January 2024.",
        "Allocations completed: none were due.",
        "Moderation agreement: no audit was moderated.",
    ]


def test_a_paper_on_one_theme(report_data: ReportData) -> None:
    filters = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    paper = _paper(report_data.app, filters, theme=("report-audit", "voice"))
    assert [label for label, _ in paper.themes] == ["The child's voice"]
    labels = [row.label for row in paper.year_on_year.rows]
    assert labels[-1] == "Theme Good or better: The child's voice"
    assert not any("Planning" in label for label in labels)


# --- the page and the PDF ---------------------------------------------------------------------


def test_the_page_states_the_period_and_the_marking_and_names_no_worker(
    report_data: ReportData, signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    response = client.get(f"/reports/paper?{urlencode(PERIOD)}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Submitted 1 January 2026 to 31 March 2026" in html
    assert "OFFICIAL-SENSITIVE" in html
    assert re.search(r'id="paper-submitted">4<', html)
    assert 'id="paper-good">2 of 4 (50.0%)<' in html
    for name in ("amber", "basil", "grace", "Team manager", "100001", "100002"):
        assert name not in html, name
    assert " style=" not in html and "<script>" not in html
    # A paper is never about one worker: an auditor in the address is not a filter of it.
    amber = report_data.users["amber"]
    html = client.get(f"/reports/paper?{urlencode({**PERIOD, 'auditor': amber})}").get_data(
        as_text=True
    )
    assert re.search(r'id="paper-submitted">4<', html)


def test_the_page_and_the_pdf_are_in_the_trail(
    report_data: ReportData, signed_in_as: SignInAs
) -> None:
    client = signed_in_as("grace")
    client.get(f"/reports/paper?{urlencode(PERIOD)}")
    client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}")
    made = [json.loads(e.detail) for e in events(report_data.app, "report.exported")]
    assert [(m["kind"], m["format"]) for m in made] == [
        ("board-paper", "html"),
        ("board-paper", "pdf"),
    ]
    assert made[0]["filters"]["from"] == "2026-01-01" and made[0]["rows"] == 3  # grace's


def test_a_wrong_theme_or_period_is_explained(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    response = client.get("/reports/paper?" + urlencode({**PERIOD, "theme": "report-audit/x"}))
    assert response.status_code == 400
    assert "Select a theme from the list" in response.get_data(as_text=True)
    response = client.get("/reports/paper?" + urlencode({"from": "2026-03-31", "to": "2026-01-01"}))
    assert response.status_code == 400
    assert "The start of the period must be on or before its end" in response.get_data(as_text=True)
    assert client.get("/reports/paper.pdf?theme=nothing").status_code == 400


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: run 'make pdf'")
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pdf_info(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def test_the_pdf_holds_the_figures_the_period_and_the_marking(
    report_data: ReportData, signed_in_as: SignInAs, tmp_path: Path
) -> None:
    client = signed_in_as("ada")
    response = client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "board-paper-2026-01-01-to-2026-03-31.pdf" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    words = " ".join(text.split())
    assert "Submitted 1 January 2026 to 31 March 2026" in words
    assert "7-minute briefing" in words
    assert "2 of 4 (50.0%)" in words and "1 of 4 (25.0%)" in words
    # The marking is at the top of every page.
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    assert all("OFFICIAL-SENSITIVE" in page.split("\n", 3)[0] + page[:400] for page in pages)
    # No address after a figure or a link.
    assert "http" not in text and "/reports" not in text
    for name in ("amber", "basil", "grace", "100001"):
        assert name not in text, name
    info = _pdf_info(data, tmp_path)
    assert re.search(r"^Title:\s+Board paper: case file audits, 1 January 2026", info, re.M)
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    catalogue = _unpacked(data)
    assert b"/Lang (en-GB)" in catalogue and b"/Type /StructTreeRoot" in catalogue
    assert b'pdfuaid:part="1"' in catalogue  # PDF/UA-1 claimed in the XMP metadata


def _unpacked(data: bytes) -> bytes:
    """The PDF's bytes with every Flate-compressed stream inflated after them."""
    inflated = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # not Flate (an image or a font), nothing to read in it
    return b"".join(inflated)


def test_the_pdfs_charts_are_vector_graphics(
    report_data: ReportData, signed_in_as: SignInAs, tmp_path: Path
) -> None:
    client = signed_in_as("ada")
    data = client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}").get_data()
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages is not installed: run 'make pdf'")
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    listed = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert len(listed.strip().splitlines()) == 2  # the heading lines only: no raster image
    # The chart's words are text in the PDF, as drawn by matplotlib.
    assert "Percent compliant" in " ".join(_pdf_text(data, tmp_path).split())


def test_the_command_writes_the_same_paper(
    report_data: ReportData, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "paper.pdf"
    result = runner.invoke(
        args=["reports", "paper", "--from", "2026-01", "--to", "2026-03", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    words = " ".join(_pdf_text(out.read_bytes(), tmp_path).split())
    assert "Submitted 1 January 2026 to 31 March 2026" in words
    assert "2 of 4 (50.0%)" in words
    made = [json.loads(e.detail) for e in events(report_data.app, "report.exported")]
    assert made[-1]["kind"] == "board-paper" and made[-1]["via"] == "command line"
    result = runner.invoke(
        args=["reports", "paper", "--from", "2026-13", "--to", "2026-03", "--out", str(out)]
    )
    assert result.exit_code == 2 and "“2026-13” is not a month" in result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--from", "2026-03", "--to", "2026-01"], "--from 2026-03 is after --to 2026-01"),
        (
            ["--from", "2026-01", "--to", "2026-03", "--theme", "report-audit/nothing"],
            "Select a theme from the list. Themes: report-audit/voice, report-audit/planning",
        ),
        (
            ["--from", "2026-01", "--to", "2026-03", "--service", "Fostering"],
            "There is no service called “Fostering”",
        ),
    ],
)
def test_the_command_explains_what_it_cannot_make(
    report_data: ReportData,
    runner: FlaskCliRunner,
    tmp_path: Path,
    options: list[str],
    message: str,
) -> None:
    out = tmp_path / "paper.pdf"
    result = runner.invoke(args=["reports", "paper", *options, "--out", str(out)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not out.exists()


# --- nothing from the network -----------------------------------------------------------------


@pytest.fixture
def other_server() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 that records every path asked of it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_pdf_fetches_nothing_but_our_static_files(
    app: Flask,
    other_server: tuple[str, list[str]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    address, asked = other_server
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = f"""<!DOCTYPE html><html lang="en-GB"><head><title>t</title>
      <link rel="stylesheet" href="{address}/style.css">
      <link rel="stylesheet" href="file://{secret}">
      <link rel="stylesheet" href="/static/../../config.py">
      <link rel="stylesheet" href="/static/dist/application.css">
      </head><body><img src="{address}/logo.png" alt="logo"><p>Hello</p></body></html>"""
    static = Path(app.static_folder or "")
    with caplog.at_level(logging.WARNING):
        assert write_pdf(html, static).startswith(b"%PDF")
    assert asked == []
    refused = [r.getMessage() for r in caplog.records if r.name == "audit_app.reporting.paper_pdf"]
    assert len(refused) == 4 and any(f"{address}/logo.png" in m for m in refused)
    # WeasyPrint's warnings about the stylesheet's screen rules stay out of the log; its
    # errors (each resource it could not load) stay in.
    weasyprint = [r for r in caplog.records if r.name.startswith("weasyprint")]
    assert weasyprint and all(r.levelno >= logging.ERROR for r in weasyprint)
    fetcher = own_static_files(static)
    for refused in (
        f"{address}/style.css",
        f"file://{secret}",
        f"{BASE_URL}static/../../config.py",
    ):
        with pytest.raises(ValueError, match="Not one of the application's static files"):
            fetcher.fetch(refused)  # type: ignore[attr-defined]
    served = fetcher.fetch(f"{BASE_URL}static/dist/application.css")  # type: ignore[attr-defined]
    assert served.content_type == "text/css" and b".govuk-link" in served.read()
    assert asked == []


def test_the_dashboards_charts_stay_svg_after_a_pdf_is_made(signed_in_as: SignInAs) -> None:
    """WeasyPrint registers XML prefixes of its own; the charts must still be written as
    plain <svg> elements that a browser draws."""
    client = signed_in_as("ada")
    assert client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}").status_code == 200
    _stacked.cache_clear()  # drawn again, not the charts drawn before the PDF was made
    html = client.get(f"/reports?{urlencode(PERIOD)}").get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 4
    assert "<ns0:" not in html


def test_the_protective_marking_is_a_setting(
    report_data: ReportData, signed_in_as: SignInAs
) -> None:
    from config import load_config

    assert load_config({"APP_ENV": "test"})["PROTECTIVE_MARKING"] == "OFFICIAL-SENSITIVE"
    assert (
        load_config({"APP_ENV": "test", "PROTECTIVE_MARKING": " OFFICIAL "})["PROTECTIVE_MARKING"]
        == "OFFICIAL"
    )
    report_data.app.config["PROTECTIVE_MARKING"] = "OFFICIAL"
    html = signed_in_as("ada").get(f"/reports/paper?{urlencode(PERIOD)}").get_data(as_text=True)
    assert 'id="protective-marking">OFFICIAL<' in html and "OFFICIAL-SENSITIVE" not in html


def test_a_pdf_counts_towards_the_export_limit(
    report_data: ReportData, signed_in_as: SignInAs
) -> None:
    report_data.app.config["EXPORT_LIMIT"] = 1
    client = signed_in_as("vera")
    assert client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}").status_code == 200
    refused = client.get(f"/reports/paper.pdf?{urlencode(PERIOD)}")
    assert refused.status_code == 429
    assert "You have downloaded too many files for now" in refused.get_data(as_text=True)
    assert client.get(f"/reports/paper?{urlencode(PERIOD)}").status_code == 200  # the page
