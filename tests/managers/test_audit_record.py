"""The audit record: a submitted audit whole, as a page to print and as a PDF/A-3b with its JSON
attached, read back with poppler's pdftotext, pdfinfo and pdfdetach; who may have it; the trail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from audit_app.services.audits import answers_of
from tests.builders import (
    GOOD,
    POOR,
    actor_for,
    complete_audit,
    journey_questionnaire,
    load_questionnaire,
    submit_audit,
    submitted_audit,
)
from tests.conftest import AuthActions
from tests.conftest import events as trail_events
from tests.steps import moderation_grades, moderation_outcome, start_moderation
from tests.unit.test_format2_items import VISITS
from tests.unit.test_format2_multi import TOPICS

ANSWERS = {**GOOD, "last-visit": "27/2/2026", "voice-comment": "Seen alone at school."}
AGREE = {f"grade-{key}": "Outstanding" for key in ("voice", "planning", "overall")}


def _poppler(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed: run 'make pdf'")


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    _poppler("pdftotext")
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    return _run("pdftotext", "-layout", str(path), "-")


def _attachments(data: bytes, tmp_path: Path) -> dict[str, bytes]:
    """The files attached to the PDF, by name (pdfdetach -saveall)."""
    _poppler("pdfdetach")
    path = tmp_path / "attached.pdf"
    path.write_bytes(data)
    folder = tmp_path / "attached"
    folder.mkdir()
    listed = _run("pdfdetach", "-list", str(path))
    subprocess.run(["pdfdetach", "-saveall", "-o", str(folder), str(path)], check=True)
    files = {file.name: file.read_bytes() for file in folder.iterdir()}
    assert f"{len(files)} embedded files" in listed
    return files


def _recorded_audit(app: Flask) -> int:
    """An audit of case 100824 submitted with a date answered (due for moderation), its voice
    recorded and an action."""
    audit_id = submitted_audit(app, answers=ANSWERS, rate=1.0)
    actor = actor_for(app, "auditor1")
    with app.app_context(), session_scope(app) as session:
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.record_voice(
            audit_file,
            ("3", "3", "2026"),
            "I had not seen how long the gap between visits was.",
            audit_file.audit.version,
            actor,
            session=session,
            today=date(2026, 3, 20),
        )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        action_service.add_action(
            audit_file,
            description="Update the chronology.",
            for_whom="record",
            owner="SW1",
            due=("30", "4", "2099"),
            actor=actor,
            session=session,
            today=date(2026, 3, 20),
        )
    return audit_id


def _moderated(app: Flask, client: FlaskClient, audit_id: int) -> None:
    assert start_moderation(client, audit_id).status_code == 302
    assert moderation_grades(client, app, audit_id, **AGREE).status_code == 302
    assert moderation_outcome(client, app, audit_id, outcome="agreed").status_code == 302


def test_the_pdf_holds_the_audit_on_every_page_marked(
    managers: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path
) -> None:
    audit_id = _recorded_audit(managers)
    auth.sign_in("manager1")
    _moderated(managers, client, audit_id)
    response = client.get(f"/audits/{audit_id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    name = f"audit-record-{audit_id}-case-100824.pdf"
    assert f'filename="{name}"' in response.headers["Content-Disposition"]
    text = _pdf_text(response.get_data(), tmp_path)
    words = " ".join(text.split())
    for expected in (
        "Audit record: case 100824",
        "Journey audit (journey-audit), version 1",
        "Was the child seen alone? Yes",
        "Seen alone at school.",
        "Date of the last visit 27 February 2026",
        "Child in need",
        "Update the chronology.",
        "30 April 2099",
        "Discussed with the worker 3 March 2026",
        "how long the gap between visits was",
        "Agreed, by manager1",
        "Not closed",
    ):
        assert expected in words, expected
    # The question shown only for a child in care was hidden: it is left out.
    assert "permanence plan" not in words
    assert re.search(r"Overall 100.0% Outstanding Outstanding Outstanding Outstanding", words)
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    for page in pages:
        lines = [line.strip() for line in page.strip("\n").splitlines() if line.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE" and "OFFICIAL-SENSITIVE" in lines[-1], lines
    assert "http" not in text and "/audits" not in text


def test_the_pdf_carries_the_audit_as_json_and_is_archival_and_tagged(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], tmp_path: Path
) -> None:
    audit_id = _recorded_audit(managers)
    sign_in("auditor1")
    data = client.get(f"/audits/{audit_id}/record.pdf").get_data()
    files = _attachments(data, tmp_path)
    assert list(files) == [f"audit-record-{audit_id}-case-100824.json"]
    record: dict[str, Any] = json.loads(next(iter(files.values())))
    assert record["format"] == "case-file-audit-record" and record["format_version"] == 1
    assert (record["audit_id"], record["case_ref"], record["status"]) == (
        audit_id,
        "100824",
        "submitted",
    )
    questionnaire = {"id": "journey-audit", "title": "Journey audit", "version": 1}
    assert record["questionnaire"] == questionnaire
    assert record["protective_marking"] == "OFFICIAL-SENSITIVE"
    with session_scope(managers) as session:
        stored = answers_of(audit_id, session=session)
    given = {a["question_id"]: a["value"] for t in record["themes"] for a in t["answers"]}
    assert given == stored and "permanence-plan" not in given
    assert given["last-visit"] == "2026-02-27"
    assert record["overall"] == {
        "percent": "100.0",
        "graded_by_judgement": False,
        "grade_computed": "Outstanding",
        "grade_judged": "Outstanding",
        "grade_moderated": None,
        "grade_final": "Outstanding",
        "analysis": None,
    }
    assert record["practitioners_voice"]["discussed_with_worker_on"] == "2026-03-03"
    assert record["actions"][0]["due"] == "2099-04-30"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["submitted_at"])
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    info = _run("pdfinfo", str(path))
    assert re.search(r"^Title:\s+Audit record: case 100824", info, re.M)
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert b"pdfaid:part" in _inflated(data) and b"/AFRelationship /Data" in _inflated(data)


def _inflated(data: bytes) -> bytes:
    import zlib

    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def test_the_page_prints_the_record_and_the_summary_links_to_it(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = _recorded_audit(managers)
    sign_in("auditor1")
    summary = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert f'href="/audits/{audit_id}/record"' in summary
    assert f'href="/audits/{audit_id}/record.pdf"' in summary
    response = client.get(f"/audits/{audit_id}/record")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in html and "Audit record: case 100824" in html
    assert "27 February 2026" in html and "permanence plan" not in html
    assert " style=" not in html


def test_every_record_made_is_in_the_trail(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = _recorded_audit(managers)
    sign_in("auditor1")
    client.get(f"/audits/{audit_id}/record")
    client.get(f"/audits/{audit_id}/record.pdf")
    made = trail_events(managers, "audit.record_made")
    assert [(e.audit_id, e.case_ref, json.loads(e.detail or "{}")["format"]) for e in made] == [
        (audit_id, "100824", "html"),
        (audit_id, "100824", "pdf"),
    ]
    assert {e.actor for e in made} == {"auditor1"}


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("auditor1", 200),
        ("manager1", 200),
        ("admin1", 200),
        ("auditor2", 404),  # another auditor's audit
        ("manager2", 404),  # another service's
        ("viewer1", 403),  # reports only
    ],
)
def test_who_may_see_the_audit_may_have_its_record(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], username: str,
    status: int,
) -> None:  # fmt: skip
    audit_id = submitted_audit(managers)
    sign_in(username)
    assert client.get(f"/audits/{audit_id}/record").status_code == status
    assert client.get(f"/audits/{audit_id}/record.pdf").status_code == status
    assert len(trail_events(managers, "audit.record_made")) == (2 if status == 200 else 0)


def test_a_draft_has_no_record(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = complete_audit(managers, "auditor1")
    sign_in("auditor1")
    assert client.get(f"/audits/{audit_id}/record").status_code == 404
    assert client.get(f"/audits/{audit_id}/record.pdf").status_code == 404


def test_blind_moderation_withholds_the_record_until_the_moderator_grades(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    managers.config["MODERATION_BLIND"] = True
    audit_id = complete_audit(managers, "auditor1", answers=POOR, overall="Requires improvement")
    submit_audit(managers, audit_id, "auditor1", rate=1.0)
    sign_in("manager1")
    assert "/record" not in client.get(f"/audits/{audit_id}").get_data(as_text=True)
    response = client.get(f"/audits/{audit_id}/record.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/audits/{audit_id}"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "blind moderation keeps" in page
    assert not trail_events(managers, "audit.record_made")


def test_the_record_states_uk_days_and_times_across_a_clock_change(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time: submitted and made then.
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), tick=False):
        audit_id = submitted_audit(managers)
        sign_in("auditor1")
        html = client.get(f"/audits/{audit_id}/record").get_data(as_text=True)
    assert "1 July 2026, 00:30" in html
    assert "Made on 1 July 2026" in html
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        sign_in("auditor1")
        html = client.get(f"/audits/{audit_id}/record").get_data(as_text=True)
    assert "Made on 31 December 2026" in html  # GMT: still the old year


def test_the_command_writes_the_same_record(
    managers: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    audit_id = _recorded_audit(managers)
    out = tmp_path / "record.pdf"
    result = runner.invoke(args=["reports", "record", str(audit_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"case 100824 to {out}" in result.output
    text = " ".join(_pdf_text(out.read_bytes(), tmp_path).split())
    assert "Audit record: case 100824" in text and "OFFICIAL-SENSITIVE" in text
    assert len(_attachments(out.read_bytes(), tmp_path)) == 1
    made = trail_events(managers, "audit.record_made")
    assert [(e.actor, json.loads(e.detail or "{}")["via"]) for e in made] == [
        ("command line", "command line")
    ]
    missing = runner.invoke(args=["reports", "record", "999999", "--out", str(out)])
    assert missing.exit_code != 0 and "No submitted audit 999999" in missing.output


def _format2_audit(app: Flask) -> int:
    """A format 2 variant of the journey questionnaire, "voice" graded by judgement and
    "planning" by its score, with a number of visits and a tick-all-that-apply question in
    "planning"; an audit of it submitted."""
    data = upgrade(journey_questionnaire())
    data["version"] = 2
    for band in data["grading"]["bands"]:
        band["descriptor"] = f"What {band['grade']} looks like."
    data["themes"][0]["graded_by"] = "judgement"
    data["themes"][1]["graded_by"] = "score"
    data["themes"][1]["items"].extend([VISITS, TOPICS])
    data["themes"][0]["items"][0]["comment"] = "optional"
    data["themes"][0]["evidence"] = ["strengths", "recommendations"]
    load_questionnaire(app, data)
    actor = actor_for(app, "auditor1")
    answers = {**GOOD, "visits": "7", "topics": "risk voice", "last-visit": "29/2/2028"}
    with app.app_context(), session_scope(app) as session:
        audit_id = audit_service.start_audit("journey-audit", "100825", actor, session=session).id
        assert audit_id is not None
        for theme, judgement in (
            ("voice", ("Good", "Seen alone, views recorded.")),
            ("planning", None),
        ):
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            questions = next(t for t in audit_file.questionnaire.themes if t.id == theme).questions
            posted = {q.id: answers.get(q.id, "") for q in questions}
            if theme == "voice":
                posted["comment__seen-alone"] = "Seen alone at school."
                posted["evidence__strengths"] = "The plan quotes the child."
            version = audit_file.audit.version
            audit_service.save_theme(
                audit_file, theme, posted, version, actor, session=session, judgement=judgement
            )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        grade = audit_file.score.overall.grade or "Good"
        audit_service.save_overall_judgement(
            audit_file, grade, "", audit_file.audit.version, actor, session=session
        )
    submit_audit(app, audit_id, "auditor1")
    return audit_id


def test_a_theme_graded_by_judgement_has_no_percent_and_answers_read_as_written(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], tmp_path: Path
) -> None:
    audit_id = _format2_audit(managers)
    sign_in("auditor1")
    response = client.get(f"/audits/{audit_id}/record.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    words = " ".join(_pdf_text(response.get_data(), tmp_path).split())
    assert "The child's voice Graded by judgement – Good – Good Planning 90.0%" in words
    assert "7 visits" in words and "Risk, The child's voice" in words
    assert "29 February 2028" in words
    record = json.loads(next(iter(_attachments(response.get_data(), tmp_path).values())))
    voice = record["themes"][0]
    assert (voice["percent"], voice["graded_by_judgement"], voice["grade_final"]) == (
        None,
        True,
        "Good",
    )
    assert voice["analysis"] == "Seen alone, views recorded."
    planning = {a["question_id"]: a for a in record["themes"][1]["answers"]}
    assert planning["topics"]["value"] == "risk voice"
    assert planning["topics"]["answer"] == "Risk, The child's voice"
    assert (planning["visits"]["value"], planning["visits"]["answer"]) == ("7", "7 visits")
    # The comment under a question and the evidence fields written are in the record too.
    assert "Comment: Seen alone at school." in words
    assert "Strengths The plan quotes the child." in words
    seen_alone = next(a for a in voice["answers"] if a["question_id"] == "seen-alone")
    assert seen_alone["comment"] == "Seen alone at school."
    assert voice["evidence"] == [{"field": "Strengths", "text": "The plan quotes the child."}]
    assert "comment" not in planning["visits"] and "evidence" not in record["themes"][1]
