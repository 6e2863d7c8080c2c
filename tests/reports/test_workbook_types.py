"""The analysts' workbook, opened with openpyxl as Excel would: dates as date cells, numbers as
number cells, the header row of every data sheet frozen, and the data dictionary's sheet."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from audit_app.core.questionnaire import upgrade
from audit_app.reporting.dictionary import RULES, TABLES
from audit_app.reporting.exports import FIRST_KINDS
from tests.builders import (
    GOOD,
    ReportData,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    submitted_audit,
)
from tests.unit.test_format2_items import VISITS


@pytest.fixture
def workbook(runner: FlaskCliRunner, tmp_path: Path) -> Callable[[], Any]:
    """``workbook()``: what ``flask export workbook`` writes, opened with openpyxl."""

    def run() -> Any:
        out = tmp_path / "workbook.xlsx"
        result = runner.invoke(args=["export", "workbook", "--out", str(out)])
        assert result.exit_code == 0, result.output
        return load_workbook(io.BytesIO(out.read_bytes()))

    return run


def _rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """The sheet's rows below its header, as cells by column name."""
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_timestamps_are_dates_and_figures_are_numbers(
    report_data: ReportData, workbook: Callable[[], Any]
) -> None:
    book = workbook()
    audits = {row["audit_id"].value: row for row in _rows(book["audits"])}
    a5 = audits[report_data.audits["A5"]]
    assert a5["audit_id"].data_type == "n" and isinstance(a5["audit_id"].value, int)
    assert a5["questionnaire_version"].value == 1
    submitted = a5["submitted_at"]
    assert submitted.is_date and submitted.number_format == "yyyy-mm-dd hh:mm:ss"
    assert submitted.value == datetime(2026, 3, 5, 10, 30)  # UTC, as the CSV file's 10:30:00Z
    assert a5["overall_percent"].data_type == "n" and a5["overall_percent"].value == 75
    assert a5["case_id"].data_type == "s" and a5["case_id"].value == "100005"  # a reference
    themes = _rows(book["themes"])
    assert all(row["submitted_at"].is_date for row in themes)
    graded = [row["percent"].value for row in themes if row["percent"].value is not None]
    assert graded and all(isinstance(value, int | float) for value in graded)
    compliance = _rows(book["compliance"])
    assert compliance and all(row["submitted_at"].is_date for row in compliance)


def test_every_data_sheet_keeps_its_header_row_in_view(
    report_data: ReportData, workbook: Callable[[], Any]
) -> None:
    book = workbook()
    # The report data has no tick-all-that-apply question: no options sheet.
    assert book.sheetnames == [*FIRST_KINDS, "dictionary"]
    for kind in FIRST_KINDS:
        table = TABLES[kind]
        sheet = book[kind]
        assert sheet.freeze_panes == "A2", kind
        assert [cell.value for cell in sheet[1]] == table.names
        assert all(cell.font.b for cell in sheet[1])


def test_the_dictionary_sheet_is_the_data_dictionary(
    report_data: ReportData, workbook: Callable[[], Any]
) -> None:
    sheet = workbook()["dictionary"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["table", "column", "type", "meaning", "example"]
    columns = [
        [kind, c.name, c.type, c.meaning, c.example]
        for kind in FIRST_KINDS
        for c in TABLES[kind].columns
    ]
    assert rows[1 : 1 + len(columns)] == columns
    rules = rows[2 + len(columns) : 2 + len(columns) + len(RULES)]
    assert [row[0] for row in rules] == list(RULES)
    # then the kinds of audit the council declared, with the names people read
    assert ["monthly", "Monthly case-file audit"] in [
        row[:2] for row in rows[3 + len(columns) + len(RULES) :]
    ]


def test_answers_to_date_and_number_questions_are_dates_and_numbers(
    app: Flask, make_user: Callable[..., str], workbook: Callable[[], Any]
) -> None:
    data = upgrade(journey_questionnaire())
    data["themes"][1]["items"].append(VISITS)
    load_questionnaire(app, data)
    make_case(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    answers = {**GOOD, "last-visit": "29/2/2028", "visits": "7", "voice-comment": "2026-03-01"}
    submitted_audit(app, answers=answers)
    cells = {row["question_id"].value: row["value"] for row in _rows(workbook()["answers"])}
    assert cells["last-visit"].is_date and cells["last-visit"].number_format == "yyyy-mm-dd"
    assert cells["last-visit"].value == datetime(2028, 2, 29)
    assert cells["visits"].data_type == "n" and cells["visits"].value == 7
    # Free text stays text, whatever it looks like; so does an option's value.
    assert cells["voice-comment"].data_type == "s" and cells["voice-comment"].value == "2026-03-01"
    assert cells["seen-alone"].value == "yes" and cells["plan-smart"].data_type == "s"
