"""What downloads and drill-downs leave blank: free text for viewers, and the auditor's
judgements for a blind moderator of an audit awaiting moderation (A2 of tests/reports/conftest.py,
judged Inadequate, whose voice comment is free text)."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col

from audit_app.db import session_scope
from audit_app.models import Audit, Moderation
from tests.builders import ReportData
from tests.reports.conftest import PERIOD, SignInAs
from tests.reports.test_formula_neutralising import _sheets

COMMENT = '\'=HYPERLINK("http://x")'  # A2's free-text voice comment, as the files hold it


def _csv(client: FlaskClient, kind: str) -> pd.DataFrame:
    response = client.get(f"/reports/export/{kind}.csv?{urlencode(PERIOD)}")
    assert response.status_code == 200
    return pd.read_csv(io.BytesIO(response.get_data()), dtype=str, keep_default_na=False)


def _workbook(client: FlaskClient) -> dict[str, pd.DataFrame]:
    """Each sheet as text, empty cells as "" (the files' reader of the formula tests)."""
    response = client.get(f"/reports/export/workbook.xlsx?{urlencode(PERIOD)}")
    assert response.status_code == 200
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reports.xlsx"
        path.write_bytes(response.get_data())
        sheets = _sheets(path)
    frames = {}
    for name, cells in sheets.items():
        width = max(column for _row, column in cells) + 1
        height = max(row for row, _column in cells) + 1
        table = [
            [cells[(r, c)].text if (r, c) in cells else "" for c in range(width)]
            for r in range(height)
        ]
        frames[name] = pd.DataFrame(table[1:], columns=table[0])
    return frames


def _comments(frame: pd.DataFrame, audit_id: int) -> list[str]:
    rows = frame[(frame["audit_id"].astype(int) == audit_id)]
    values = rows[rows["question_id"] == "voice-comment"]["value"]
    return ["" if pd.isna(v) else str(v) for v in values]


def test_a_viewer_gets_no_free_text_and_a_manager_does(
    app: Flask, report_data: ReportData, signed_in_as: SignInAs
) -> None:
    a2 = report_data.audits["A2"]
    client = signed_in_as("vera")
    assert _comments(_csv(client, "answers"), a2) == [""]
    assert _comments(_workbook(client)["answers"], a2) == [""]
    # The other answers are still there: only free text is withheld.
    answers = _csv(client, "answers")
    assert (answers[answers["question_id"] == "seen-alone"]["value"] != "").all()

    client.post("/sign-out")
    signed_in_as("grace")
    assert _comments(_csv(client, "answers"), a2) == [COMMENT]
    assert _comments(_workbook(client)["answers"], a2) == [COMMENT]


def test_a_setting_gives_viewers_free_text_too(
    app: Flask, report_data: ReportData, signed_in_as: SignInAs
) -> None:
    app.config["FREE_TEXT_DOWNLOADS"] = "everyone"
    client = signed_in_as("vera")
    assert _comments(_csv(client, "answers"), report_data.audits["A2"]) == [COMMENT]


@pytest.fixture
def awaiting_blind_moderation(app: Flask, report_data: ReportData) -> int:
    """Blind moderation on, and A2 (submitted, judged Inadequate) due for moderation."""
    app.config["MODERATION_BLIND"] = True
    a2 = report_data.audits["A2"]
    with session_scope(app) as session:
        session.execute(update(Audit).where(col(Audit.id) == a2).values(moderation_due=True))
    return a2


def _judged(client: FlaskClient, audit_id: int) -> dict[str, list[str]]:
    audits = _csv(client, "audits").set_index("audit_id")
    themes = _csv(client, "themes")
    mine = themes[themes["audit_id"] == str(audit_id)]
    book = _workbook(client)
    book_audits = book["audits"].set_index("audit_id")
    book_themes = book["themes"][book["themes"]["audit_id"] == str(audit_id)]
    return {
        "audits.csv": [
            audits.loc[str(audit_id), c] for c in ("overall_grade_judged", "overall_grade_final")
        ],
        "themes.csv": sorted(mine["grade_judged"].tolist() + mine["grade_final"].tolist()),
        "workbook": [
            "" if pd.isna(v) else v
            for v in (
                book_audits.loc[str(audit_id), "overall_grade_judged"],
                book_audits.loc[str(audit_id), "overall_grade_final"],
                *book_themes["grade_judged"].tolist(),
            )
        ],
    }


def _listed(client: FlaskClient) -> str:
    response = client.get(f"/reports/audits?{urlencode({**PERIOD, 'month': '2026-02'})}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_blind_moderator_gets_no_judged_grades_until_they_grade(
    app: Flask, awaiting_blind_moderation: int, report_data: ReportData, signed_in_as: SignInAs
) -> None:
    a2 = awaiting_blind_moderation
    client = signed_in_as("grace")
    hidden = _judged(client, a2)
    assert hidden == {
        "audits.csv": ["", ""],
        "themes.csv": ["", "", "", ""],
        "workbook": ["", "", "", ""],
    }
    html = _listed(client)
    assert "Hidden until you grade" in html
    assert "Inadequate" not in html.split("<tbody", 1)[1]
    # The computed grade is the scoring rules', not the auditor's: it stays.
    assert _csv(client, "audits").set_index("audit_id").loc[str(a2), "overall_grade_computed"]

    # Once grace has recorded her grades in her moderation, she sees the auditor's.
    with session_scope(app) as session:
        session.add(
            Moderation(
                audit_id=a2,
                moderator_id=report_data.users["grace"],
                started_at=datetime(2026, 3, 1, tzinfo=UTC),
                overall_grade="Inadequate",
            )
        )
    shown = _judged(client, a2)
    assert shown["audits.csv"] == ["Inadequate", "Inadequate"]
    assert "" not in shown["themes.csv"] and "" not in shown["workbook"]
    assert "Hidden until you grade" not in _listed(client)


def test_others_see_the_judged_grades_in_blind_mode(
    app: Flask, awaiting_blind_moderation: int, signed_in_as: SignInAs
) -> None:
    """The auditor, an admin and a viewer do not moderate: nothing is kept from them."""
    for person in ("amber", "ada", "vera"):
        client = signed_in_as(person)
        judged = _judged(client, awaiting_blind_moderation)
        assert judged["audits.csv"] == ["Inadequate", "Inadequate"], person
        assert "Hidden until you grade" not in _listed(client)
        client.post("/sign-out")


def test_without_blind_mode_the_manager_sees_them(
    app: Flask, awaiting_blind_moderation: int, signed_in_as: SignInAs
) -> None:
    app.config["MODERATION_BLIND"] = False
    client = signed_in_as("grace")
    assert _judged(client, awaiting_blind_moderation)["audits.csv"] == ["Inadequate", "Inadequate"]
    assert "Hidden until you grade" not in _listed(client)
