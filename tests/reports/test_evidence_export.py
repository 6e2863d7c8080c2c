"""The evidence export: each comment on a question and each evidence field of a theme on an
exported audit, in questionnaire order, with free text neutralised and withheld as answers'."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Answer, ThemeJudgement
from audit_app.reporting.dictionary import TABLES
from tests.builders import ReportData
from tests.reports.conftest import PERIOD, SignInAs


def _read(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture
def exported(runner: FlaskCliRunner, tmp_path: Path) -> Callable[..., bytes]:
    def run(kind: str, *args: str) -> bytes:
        out = tmp_path / f"{kind}.csv"
        result = runner.invoke(args=["export", kind, *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    return run


@pytest.fixture
def evidence(report_data: ReportData) -> ReportData:
    """A1 with a comment on "seen-alone" and evidence on both themes; A5 with a comment on
    "voice-comment" left unanswered (a blank value); A4 (returned) with a comment that is not
    exported."""
    a = report_data.audits
    with session_scope(report_data.app) as session:
        for audit, qid, comment in (
            ("A1", "seen-alone", "=1+1 seen alone at school"),
            ("A4", "seen-alone", "Not exported: returned"),
        ):
            row = session.exec(
                select(Answer).where(Answer.audit_id == a[audit], Answer.question_id == qid)
            ).one()
            row.comment = comment
            session.add(row)
        session.add(
            Answer(audit_id=a["A5"], question_id="voice-comment", value="", comment="None kept.")
        )
        for theme_id, fields in (
            ("voice", {"recommendations": "Visit monthly.", "strengths": "Child's views heard."}),
            ("planning", {"areas_for_development": "Plans lack dates."}),
        ):
            row = session.exec(
                select(ThemeJudgement).where(
                    ThemeJudgement.audit_id == a["A1"], ThemeJudgement.theme_id == theme_id
                )
            ).one()
            for name, text in fields.items():
                setattr(row, name, text)
            session.add(row)
    return report_data


def test_each_comment_and_field_is_a_row_in_questionnaire_order(
    evidence: ReportData, exported: Callable[..., bytes]
) -> None:
    frame = _read(exported("evidence"))
    assert list(frame.columns) == TABLES["evidence"].names
    a = evidence.audits
    rows = [(r.audit_id, r.theme_id, r.question_id, r.field, r.text) for r in frame.itertuples()]
    assert rows == [
        (str(a["A1"]), "voice", "seen-alone", "comment", "'=1+1 seen alone at school"),
        (str(a["A1"]), "voice", "", "strengths", "Child's views heard."),
        (str(a["A1"]), "voice", "", "recommendations", "Visit monthly."),
        (str(a["A1"]), "planning", "", "areas_for_development", "Plans lack dates."),
        (str(a["A5"]), "voice", "voice-comment", "comment", "None kept."),
    ]
    first = frame.iloc[0]
    assert (first["case_id"], first["service"], first["team"]) == (
        "100001",
        "Child Protection",
        "CP Team 1",
    )
    assert first["submitted_at"] == "2026-01-15T10:30:00Z"


def test_a_comment_without_an_answer_is_no_row_of_the_answers_export(
    evidence: ReportData, exported: Callable[..., bytes]
) -> None:
    answers = _read(exported("answers"))
    a5 = answers[answers["audit_id"] == str(evidence.audits["A5"])]
    assert "voice-comment" not in set(a5["question_id"])


def test_a_viewer_gets_the_rows_without_the_text(
    evidence: ReportData, signed_in_as: SignInAs
) -> None:
    client = signed_in_as("vera")
    response = client.get(f"/reports/export/evidence.csv?{urlencode(PERIOD)}")
    assert response.status_code == 200
    frame = _read(response.get_data())
    assert len(frame) == 5 and set(frame["text"]) == {""}


def test_an_admin_downloads_the_text(evidence: ReportData, signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    frame = _read(client.get(f"/reports/export/evidence.csv?{urlencode(PERIOD)}").get_data())
    assert "Visit monthly." in set(frame["text"])


def test_the_reports_page_offers_the_evidence_download(
    evidence: ReportData, signed_in_as: SignInAs
) -> None:
    page = signed_in_as("ada").get(f"/reports?{urlencode(PERIOD)}").get_data(as_text=True)
    assert "Evidence (CSV)</a>: one row per comment on a question" in page


def test_download_and_command_give_the_same_bytes(
    evidence: ReportData, exported: Callable[..., bytes], signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    downloaded = client.get(f"/reports/export/evidence.csv?{urlencode(PERIOD)}").get_data()
    assert downloaded == exported("evidence", "--from", PERIOD["from"], "--to", PERIOD["to"])


def test_written_in_parts_by_several_processes_it_has_the_same_bytes(
    evidence: ReportData, monkeypatch: pytest.MonkeyPatch, exported: Callable[..., bytes]
) -> None:
    from audit_app.reporting import exports

    monkeypatch.setattr(exports, "PARALLEL_FROM_AUDITS", 1)
    whole = exported("evidence", "--jobs", "1")
    assert exported("evidence", "--jobs", "4") == whole
    assert len(_read(whole)) == 5


def test_with_nothing_written_it_is_the_header_alone(
    report_data: ReportData, exported: Callable[..., bytes]
) -> None:
    frame = _read(exported("evidence"))
    assert list(frame.columns) == TABLES["evidence"].names and len(frame) == 0
