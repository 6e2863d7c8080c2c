"""Format 2's evidence on the auditor's pages: a comment box under a question, saved with its
answer, shown back after a refused save, required when the questionnaire says so and cleared
with a hidden question's answer; a theme's evidence fields, kept beside its judgement; both on
check your answers, the summary and in the trail."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import Answer, AuditEvent, QuestionnaireVersion, ThemeJudgement
from audit_app.services.pending_saves import page_payload
from audit_app.services.questionnaires import questionnaire_of
from tests.builders import journey_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import audit_version, save_theme, text

REQUIRED_MESSAGE = (
    "Write your comment on “Was the child seen alone?”: a comment is required with this question"
)


@pytest.fixture
def evidenced(journey_of: JourneyOf) -> Flask:
    """The journey questionnaire in format 2: "seen-alone" needs a comment, "permanence-plan"
    (shown for children in care) and "last-visit" may have one; "planning" asks for its three
    evidence fields, "voice" for its recommendations."""
    data = upgrade(journey_questionnaire())
    voice, planning = data["themes"]
    voice["items"][0]["comment"] = "required"
    voice["evidence"] = ["recommendations"]
    planning["items"][1]["comment"] = "optional"
    planning["items"][3]["comment"] = "optional"
    planning["evidence"] = ["strengths", "areas_for_development", "recommendations"]
    return journey_of(data)


def _rows(app: Flask, audit_id: int) -> dict[str, tuple[str, str | None]]:
    with session_scope(app) as session:
        rows = session.exec(select(Answer).where(Answer.audit_id == audit_id))
        return {a.question_id: (a.value, a.comment) for a in rows}


def _judgement(app: Flask, audit_id: int, theme_id: str) -> ThemeJudgement | None:
    with session_scope(app) as session:
        row = session.exec(
            select(ThemeJudgement).where(
                ThemeJudgement.audit_id == audit_id, ThemeJudgement.theme_id == theme_id
            )
        ).first()
        if row is not None:
            session.expunge(row)
        return row


def test_the_theme_page_shows_a_labelled_comment_box_under_the_question(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    page = text(client, f"/audits/{audit_id}/themes/voice")
    label = re.search(
        r'<label class="govuk-label govuk-label--s" for="comment__seen-alone">\s*(.*?)\s*</label>',
        page,
        re.S,
    )
    assert label is not None
    assert label.group(1) == "Comment on “Was the child seen alone?” (required)"
    assert page.index('name="seen-alone"') < page.index('name="comment__seen-alone"')
    assert 'name="comment__voice-comment"' not in page  # no "comment" key: no box
    planning = text(client, f"/audits/{audit_id}/themes/planning")
    assert "Comment on “Date of the last visit” (optional)" in planning


def test_a_comment_is_saved_with_its_answer_and_shown_back(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        evidenced,
        audit_id,
        "voice",
        after_save="later",
        **{"seen-alone": "yes", "comment__seen-alone": "  Visit record of 3 March.  "},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _rows(evidenced, audit_id)["seen-alone"] == ("yes", "Visit record of 3 March.")
    page = text(client, f"/audits/{audit_id}/themes/voice")
    assert "Visit record of 3 March.</textarea>" in page
    with session_scope(evidenced) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.saved")).one()
        detail = json.loads(event.detail) if isinstance(event.detail, str) else event.detail
    assert detail["comments"] == {"seen-alone": [None, "Visit record of 3 March."]}


def test_a_comment_without_an_answer_is_kept_and_counts_as_no_answer(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        evidenced,
        audit_id,
        "planning",
        after_save="later",
        **{"comment__last-visit": "No visit recorded since May."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _rows(evidenced, audit_id)["last-visit"] == ("", "No visit recorded since May.")
    page = text(client, f"/audits/{audit_id}/themes/planning")
    assert "No visit recorded since May.</textarea>" in page
    assert "Date of the last visit" in text(client, f"/audits/{audit_id}/check")


def test_what_was_typed_in_a_comment_is_shown_back_when_the_page_is_refused(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        evidenced,
        audit_id,
        "planning",
        after_save="later",
        **{"last-visit": "31/2/2026", "comment__last-visit": "Typed, not lost."},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Date of the last visit: enter a real date" in page
    assert "Typed, not lost.</textarea>" in page
    assert "last-visit" not in _rows(evidenced, audit_id)


def test_a_required_comment_is_asked_for_with_an_error_summary_linking_to_its_box(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client, evidenced, audit_id, "voice", after_save="continue", **{"seen-alone": "yes"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.index("govuk-error-summary") :]
    assert f'<a href="#comment__seen-alone">{REQUIRED_MESSAGE}</a>' in summary
    assert 'id="comment__seen-alone-error"' in page
    assert _rows(evidenced, audit_id) == {}
    # "Come back later" keeps the unfinished page; check your answers and submission ask again.
    later = save_theme(
        client, evidenced, audit_id, "voice", after_save="later", **{"seen-alone": "yes"}
    )
    assert later.status_code == 302
    assert "Not written: required" in text(client, f"/audits/{audit_id}/check")
    refused = client.post(
        f"/audits/{audit_id}/check",
        data={"version": str(audit_version(evidenced, audit_id))},
    )
    assert refused.status_code == 400
    assert f'#comment__seen-alone">{REQUIRED_MESSAGE}</a>' in refused.get_data(as_text=True)


def test_a_required_comment_is_needed_only_while_its_question_is_shown(
    journey_of: JourneyOf, client: FlaskClient
) -> None:
    data = upgrade(journey_questionnaire())
    data["themes"][1]["items"][1]["comment"] = "required"  # permanence-plan, children in care
    app = journey_of(data)
    audit_id = start(client)
    shown = save_theme(
        client,
        app,
        audit_id,
        "planning",
        after_save="continue",
        **{"child-status": "cic", "permanence-plan": "yes", "plan-smart": "yes"},
    )
    assert shown.status_code == 400
    assert "Write your comment on “Is there a permanence plan" in shown.get_data(as_text=True)
    hidden = save_theme(
        client,
        app,
        audit_id,
        "planning",
        after_save="continue",
        **{"child-status": "cin", "permanence-plan": "yes", "plan-smart": "yes"},
    )
    assert hidden.status_code == 302, hidden.get_data(as_text=True)


def test_a_hidden_question_keeps_no_comment(evidenced: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    answers = {"child-status": "cic", "permanence-plan": "no", "plan-smart": "yes"}
    comment = {"comment__permanence-plan": "Plan overdue."}
    save_theme(client, evidenced, audit_id, "planning", after_save="later", **answers, **comment)
    assert _rows(evidenced, audit_id)["permanence-plan"] == ("no", "Plan overdue.")
    answers["child-status"] = "cin"
    save_theme(client, evidenced, audit_id, "planning", after_save="later", **answers, **comment)
    assert "permanence-plan" not in _rows(evidenced, audit_id)


def test_evidence_fields_are_kept_beside_the_judgement_and_shown_on_check(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    page = text(client, f"/audits/{audit_id}/themes/planning")
    for label in ("Strengths (optional)", "Areas for development (optional)"):
        assert label in page
    assert page.index('name="judgement"') < page.index('name="evidence__strengths"')
    response = save_theme(
        client,
        evidenced,
        audit_id,
        "planning",
        after_save="later",
        **{
            "evidence__strengths": "Plans are reviewed on time.",
            "evidence__recommendations": "Record the child's views in the plan.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = _judgement(evidenced, audit_id, "planning")
    assert row is not None
    assert row.grade == ""
    assert row.strengths == "Plans are reviewed on time."
    assert row.areas_for_development is None
    assert row.recommendations == "Record the child's views in the plan."
    check = text(client, f"/audits/{audit_id}/check")
    assert "Plans are reviewed on time." in check
    assert "#evidence__recommendations" in check
    assert "Plans are reviewed on time.</textarea>" in text(
        client, f"/audits/{audit_id}/themes/planning"
    )


def test_evidence_is_refused_over_its_length_and_shown_back(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    long_text = "x" * 10_001
    response = save_theme(
        client,
        evidenced,
        audit_id,
        "voice",
        after_save="later",
        **{"evidence__recommendations": long_text},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<a href="#evidence__recommendations">Recommendations must be 10,000' in page
    assert _judgement(evidenced, audit_id, "voice") is None


def test_a_comment_changed_in_another_tab_is_shown_both_ways(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    opened = text(client, f"/audits/{audit_id}/themes/voice")
    state = re.search(r'name="loaded_state" value="([^"]*)"', opened).group(1)  # type: ignore[union-attr]
    state = state.replace("&#34;", '"').replace("&quot;", '"')
    other_tab = {"seen-alone": "yes", "comment__seen-alone": "From the other tab."}
    save_theme(client, evidenced, audit_id, "voice", after_save="later", **other_tab)
    response = save_theme(
        client,
        evidenced,
        audit_id,
        "voice",
        after_save="later",
        loaded_state=state,
        **{"seen-alone": "yes", "comment__seen-alone": "From this tab."},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "From the other tab." in page and "From this tab.</textarea>" in page
    assert _rows(evidenced, audit_id)["seen-alone"] == ("yes", "From the other tab.")


def test_comments_and_evidence_are_kept_with_the_answers_when_the_session_ends(
    evidenced: Flask,
) -> None:
    with session_scope(evidenced) as session:
        version = session.exec(select(QuestionnaireVersion)).one()
        theme = questionnaire_of(version).themes[0]
    sent = MultiDict(
        {
            "seen-alone": "yes",
            "comment__seen-alone": "Seen at school.",
            "evidence__recommendations": "Visit more often.",
            "unrelated": "not kept",
        }
    )
    assert json.loads(page_payload(theme, sent)) == {
        "seen-alone": "yes",
        "comment__seen-alone": "Seen at school.",
        "evidence__recommendations": "Visit more often.",
    }


def test_a_theme_hidden_by_an_answer_keeps_no_evidence(
    journey_of: JourneyOf, client: FlaskClient
) -> None:
    data = upgrade(journey_questionnaire())
    data["themes"][1]["show_if"] = {"question": "seen-alone", "in": ["yes", "partly"]}
    data["themes"][1]["evidence"] = ["strengths"]
    app = journey_of(data)
    audit_id = start(client)
    save_theme(client, app, audit_id, "voice", after_save="later", **{"seen-alone": "yes"})
    strengths = {"evidence__strengths": "Good plans.", "plan-smart": "yes"}
    save_theme(client, app, audit_id, "planning", after_save="later", **strengths)
    assert _judgement(app, audit_id, "planning").strengths == "Good plans."  # type: ignore[union-attr]
    save_theme(client, app, audit_id, "voice", after_save="later", **{"seen-alone": "no"})
    assert _judgement(app, audit_id, "planning") is None
    with session_scope(app) as session:
        last = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "audit.saved")
            .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
        ).first()
        assert last is not None
        detail = json.loads(last.detail)
    assert detail["hidden_evidence"] == {"planning": {"strengths": ["Good plans.", None]}}


def test_the_history_says_which_comments_and_fields_changed(
    evidenced: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    written = {
        "seen-alone": "yes",
        "comment__seen-alone": "First.",
        "evidence__recommendations": "Visit.",
    }
    save_theme(client, evidenced, audit_id, "voice", after_save="later", **written)
    written["comment__seen-alone"] = "Second."
    written["evidence__recommendations"] = ""
    save_theme(client, evidenced, audit_id, "voice", after_save="later", **written)
    history = text(client, f"/audits/{audit_id}/history")
    assert "Comment on “Was the child seen alone?”: written" in history
    assert "Comment on “Was the child seen alone?”: changed" in history
    assert "Recommendations: written" in history and "Recommendations: removed" in history
    assert "First." not in history  # the text stays in the trail, not on this page
