"""The board's CSV exports and workbook, read back as Excel or pandas would read them."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from audit_app.db import session_scope
from audit_app.reporting.dictionary import TABLES
from tests.builders import ReportData
from tests.conftest import events
from tests.reports.conftest import PERIOD, SignInAs

KINDS = ("audits", "themes", "compliance", "answers")


def _read(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first"
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture
def exported(runner: FlaskCliRunner, tmp_path: Path) -> Callable[..., bytes]:
    """``exported(kind, *args)``: what ``flask export KIND ARGS --out FILE`` writes (it must
    succeed)."""

    def run(kind: str, *args: str) -> bytes:
        out = tmp_path / f"{kind}.csv"
        result = runner.invoke(args=["export", kind, *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    return run


def test_audits_columns_and_values(report_data: ReportData, exported: Callable[..., bytes]) -> None:
    frame = _read(exported("audits"))
    assert list(frame.columns) == TABLES["audits"].names
    assert len(frame) == 4  # the returned audit is not exported
    a = report_data.audits
    assert list(frame["audit_id"]) == sorted(str(a[k]) for k in ("A1", "A2", "A3", "A5"))
    row = frame.set_index("audit_id").loc[str(a["A5"])]
    assert row["case_id"] == "100005"
    assert row["questionnaire_id"] == "report-audit" and row["questionnaire_version"] == "1"
    assert (row["service"], row["team"], row["auditor"]) == (
        "Child Protection",
        "CP Team 1",
        "amber",
    )
    assert row["status"] == "moderated"
    assert row["submitted_at"] == "2026-03-05T10:30:00Z"
    assert row["overall_percent"] == "75.0"
    assert (
        row["overall_grade_computed"],
        row["overall_grade_judged"],
        row["overall_grade_moderated"],
        row["overall_grade_final"],
    ) == ("Good", "Outstanding", "Requires improvement", "Requires improvement")
    a3 = frame.set_index("audit_id").loc[str(a["A3"])]
    assert a3["questionnaire_version"] == "2"
    assert a3["overall_grade_moderated"] == ""  # never given: empty


def test_themes_percent_empty_when_not_graded(
    report_data: ReportData, exported: Callable[..., bytes]
) -> None:
    frame = _read(exported("themes"))
    assert list(frame.columns)[:11] == TABLES["themes"].names[:11]
    voice = frame[
        (frame["audit_id"] == str(report_data.audits["A3"])) & (frame["theme_id"] == "voice")
    ]
    assert voice.iloc[0]["percent"] == "" and voice.iloc[0]["grade_final"] == ""
    assert voice.iloc[0]["theme_title"] == "The child's voice"
    planning = frame[
        (frame["audit_id"] == str(report_data.audits["A2"])) & (frame["theme_id"] == "planning")
    ]
    assert planning.iloc[0]["percent"] == "50.0"
    assert planning.iloc[0]["grade_final"] == "Requires improvement"


def test_compliance_rows_leave_out_excluded_answers(
    report_data: ReportData, exported: Callable[..., bytes]
) -> None:
    frame = _read(exported("compliance"))
    assert list(frame.columns)[:9] == TABLES["compliance"].names[:9]
    # A1, A2, A5 answered "seen alone"; A3's was not applicable; A3 answered "plan SMART".
    assert sorted(zip(frame["measure"], frame["compliant"], strict=True)) == [
        ("Child seen alone", "no"),
        ("Child seen alone", "yes"),
        ("Child seen alone", "yes"),
        ("Plan SMART", "yes"),
    ]
    assert set(frame["answer"]) == {"Yes, evidenced", "No"}


def test_answers_neutralise_formulas_in_free_text_and_option_labels(
    report_data: ReportData, exported: Callable[..., bytes]
) -> None:
    frame = _read(exported("answers"))
    assert list(frame.columns) == TABLES["answers"].names
    comment = frame[frame["question_id"] == "voice-comment"].iloc[0]
    assert comment["value"] == '\'=HYPERLINK("http://x")'
    assert comment["label"] == "" and comment["score"] == "" and comment["max_score"] == ""
    not_applicable = frame[
        (frame["audit_id"] == str(report_data.audits["A3"]))
        & (frame["question_id"] == "seen-alone")
    ].iloc[0]
    assert not_applicable["label"] == "'=N/A (not applicable)"
    assert not_applicable["score"] == "" and not_applicable["max_score"] == "2"
    partly = frame[
        (frame["audit_id"] == str(report_data.audits["A2"]))
        & (frame["question_id"] == "plan-smart")
    ].iloc[0]
    assert (partly["value"], partly["label"], partly["score"], partly["theme_id"]) == (
        "partly",
        "Partly",
        "1",
        "planning",
    )


def test_filters_of_the_command(report_data: ReportData, exported: Callable[..., bytes]) -> None:
    frame = _read(exported("audits", "--service", "children in need"))
    assert list(frame["case_id"]) == ["100003"]
    frame = _read(exported("audits", "--from", "2026-02-01", "--to", "2026-02-28"))
    assert sorted(frame["case_id"]) == ["100002", "100003"]
    frame = _read(exported("audits", "--questionnaire", "report-audit"))
    assert len(frame) == 4


def test_the_command_refuses_unknown_names_and_bad_dates(
    report_data: ReportData, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = str(tmp_path / "x.csv")
    result = runner.invoke(args=["export", "audits", "--service", "Nowhere", "--out", out])
    assert result.exit_code != 0 and "There is no service called “Nowhere”" in result.output
    assert "Child Protection" in result.output
    result = runner.invoke(args=["export", "audits", "--from", "2026-13-01", "--out", out])
    assert result.exit_code != 0 and "is not a date" in result.output
    result = runner.invoke(
        args=["export", "audits", "--from", "2026-03-01", "--to", "2026-01-01", "--out", out]
    )
    assert result.exit_code != 0 and "is after" in result.output
    assert not Path(out).exists()


def test_the_command_writes_to_standard_output(
    report_data: ReportData, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["export", "audits", "--out", "-"])
    assert result.exit_code == 0
    assert len(_read(result.stdout_bytes)) == 4


@pytest.mark.parametrize("kind", KINDS)
def test_download_and_command_give_the_same_bytes(
    kind: str, report_data: ReportData, exported: Callable[..., bytes], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    service = report_data.services["Child Protection"]
    response = client.get(f"/reports/export/{kind}.csv?{urlencode({**PERIOD, 'service': service})}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    downloaded = response.get_data()
    command = exported(
        kind,
        "--from",
        PERIOD["from"],
        "--to",
        PERIOD["to"],
        "--service",
        "Child Protection",
    )
    assert downloaded == command
    assert len(_read(downloaded)) > 0


def test_each_export_writes_a_trail_event(
    report_data: ReportData, exported: Callable[..., bytes], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("grace")
    client.get(f"/reports/export/audits.csv?{urlencode(PERIOD)}").get_data()
    exported("themes", "--questionnaire", "report-audit")
    exports = events(report_data.app, "report.exported")
    web, command = (json.loads(e.detail) for e in exports)
    assert exports[0].actor == "grace" and exports[0].actor_id == report_data.users["grace"]
    assert web["kind"] == "audits" and web["rows"] == 3 and web["via"] == "web"
    assert web["filters"]["from"] == "2026-01-01" and web["completed"] is True
    assert exports[1].actor == "command line"
    assert command["kind"] == "themes" and command["rows"] == 8  # 4 audits, 2 themes each
    assert command["filters"]["questionnaire"] == "report-audit"


def test_a_managers_download_holds_only_their_services(signed_in_as: SignInAs) -> None:
    client = signed_in_as("grace")
    frame = _read(client.get(f"/reports/export/audits.csv?{urlencode(PERIOD)}").get_data())
    assert set(frame["service"]) == {"Child Protection"}


def test_the_workbook_has_the_five_tables_and_the_dictionary(
    exported: Callable[..., bytes], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    response = client.get(f"/reports/export/workbook.xlsx?{urlencode(PERIOD)}")
    assert response.status_code == 200
    for data in (response.get_data(), exported("workbook")):
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            listing = workbook.read("xl/workbook.xml").decode()
            cells = "".join(
                workbook.read(name).decode()
                for name in workbook.namelist()
                if name.startswith("xl/worksheets/")
            )
        for sheet in (*KINDS, "evidence", "dictionary"):
            assert f'name="{sheet}"' in listing
        assert "overall_grade_final" in cells
        assert "HYPERLINK" in cells and "<f>" not in cells  # text, never a formula


@pytest.mark.parametrize("kind", KINDS)
def test_lines_made_by_the_database_are_what_the_csv_module_writes(
    kind: str, report_data: ReportData
) -> None:
    import csv

    from audit_app.db import get_engine
    from audit_app.reporting import exports
    from audit_app.reporting.dashboard import load_catalogue
    from audit_app.reporting.database import ReportReader
    from audit_app.reporting.filters import Filters, Scope
    from audit_app.reporting.selection import Places, Selection

    app = report_data.app
    with session_scope(app) as session:  # awkward text: commas, quotes, a line break
        from sqlalchemy import update

        from audit_app.models import Answer

        session.execute(
            update(Answer)
            .where(Answer.question_id == "voice-comment")
            .values(value='Seen, "twice"\r\nthen =1+1')
        )
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        scope = Scope.everything()
        selection = Selection.build(
            Filters(), scope, load_catalogue(reader), Places.load(reader, scope)
        )
        made = b"".join(exports.csv_chunks(reader, kind, selection, exports.RowCount()))
        expected = io.StringIO()
        writer = csv.writer(expected)
        writer.writerow(TABLES[kind].names)
        for batch in exports.rows(reader, kind, selection):
            writer.writerows(batch)
    assert made == ("\ufeff" + expected.getvalue()).encode("utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_an_export_with_nothing_to_export_is_the_header_alone(
    kind: str, app: Flask, exported: Callable[..., bytes]
) -> None:
    frame = _read(exported(kind, "--from", "2030-01-01"))
    assert list(frame.columns) == TABLES[kind].names and len(frame) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_an_export_written_in_parts_by_several_processes_has_the_same_bytes(
    kind: str,
    report_data: ReportData,
    monkeypatch: pytest.MonkeyPatch,
    exported: Callable[..., bytes],
) -> None:
    """Even cut after every audit, the parts put together are the export written in one go."""
    from audit_app.reporting import exports

    monkeypatch.setattr(exports, "PARALLEL_FROM_AUDITS", 1)
    whole = exported(kind, "--jobs", "1")
    in_parts = exported(kind, "--jobs", "4")
    assert in_parts == whole
    assert len(_read(in_parts)) > 1


def test_a_part_that_fails_fails_the_export_and_leaves_no_file(
    report_data: ReportData, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audit_app.reporting import exports

    monkeypatch.setattr(exports, "PARALLEL_FROM_AUDITS", 1)
    real_chunks = exports.csv_chunks

    def failing(*args: Any, header: bool = True, **kwargs: Any) -> Any:
        if not header:  # the later parts, in their own processes
            raise OSError("disk full")
        return real_chunks(*args, header=header, **kwargs)

    monkeypatch.setattr(exports, "csv_chunks", failing)
    out = tmp_path / "answers.csv"
    result = runner.invoke(args=["export", "answers", "--jobs", "2", "--out", str(out)])
    assert result.exit_code != 0
    assert "A part of the export failed: OSError: disk full" in str(result.exception)
    assert not [path for path in tmp_path.iterdir() if "answers" in path.name]  # nor a part
