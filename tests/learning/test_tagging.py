"""Auditors and moderators tag findings on an audit: a kind, a learning theme and optionally a
quotation of their own words there; mistakes are shown at their fields with what was typed, a
stale page is refused with the latest findings, and every change is in the trail."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col, select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit, Finding, LearningTheme
from tests.conftest import events
from tests.steps import followed


def theme_id(app: Flask, name: str) -> str:
    with session_scope(app) as session:
        row = session.exec(select(LearningTheme).where(LearningTheme.name == name)).one()
        return str(row.id)


def seen(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    assert found, page
    return found.group(1)


def tag(client: FlaskClient, url: str, **data: str) -> TestResponse:
    data.setdefault("seen", seen(client, url))
    return client.post(url, data=data)


def findings(app: Flask) -> list[Finding]:
    with session_scope(app) as session:
        return list(session.exec(select(Finding).order_by(col(Finding.id))))


def test_the_auditor_tags_a_strength_with_a_quotation_of_their_analysis(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int
) -> None:
    sign_in("alice")
    url = f"/audits/{draft}/findings"
    response = tag(
        client,
        url,
        kind="strength",
        learning_theme=theme_id(app, "Voice of the child"),
        quotation="  “the child's wishes were recorded at every   visit” ",
    )
    page = followed(client, response)
    assert "Finding saved." in page
    assert "Strength: Voice of the child" in page
    [finding] = findings(app)
    assert (finding.kind, finding.tagged_as, finding.audit_id) == ("strength", "auditor", draft)
    assert finding.quotation == "the child's wishes were recorded at every visit"
    [event] = events(app, "finding.tagged")
    assert event.audit_id == draft and '"quoted": true' in event.detail
    assert "wishes" not in event.detail  # the trail says a quotation was given, not its words


def test_a_quotation_that_is_not_the_taggers_own_words_is_refused_with_what_was_typed(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int
) -> None:
    sign_in("alice")
    url = f"/audits/{draft}/findings"
    response = tag(client, url, kind="learning", learning_theme="", quotation="Words never written")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Select the learning theme" in page
    assert "must be copied from what you wrote in this audit" in page
    assert "Words never written</textarea>" in page
    assert 'value="learning" checked' in page
    assert findings(app) == []


def test_a_quotation_over_the_limit_is_refused(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int
) -> None:
    sign_in("alice")
    response = tag(
        client,
        f"/audits/{draft}/findings",
        kind="learning",
        learning_theme=theme_id(app, "Chronology"),
        quotation="x" * 301,
    )
    assert response.status_code == 400
    assert "The quotation must be 300 characters or fewer" in response.get_data(as_text=True)


def test_a_page_left_open_while_the_findings_changed_is_refused_with_the_latest(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int
) -> None:
    sign_in("alice")
    url = f"/audits/{draft}/findings"
    old = seen(client, url)
    tag(client, url, kind="strength", learning_theme=theme_id(app, "Planning"))
    response = tag(
        client, url, seen=old, kind="learning", learning_theme=theme_id(app, "Chronology")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The findings on this audit changed since you opened this page" in page
    assert "Strength: Planning" in page
    assert 'value="learning" checked' in page
    assert len(findings(app)) == 1


def test_a_retired_theme_is_not_offered_and_cannot_be_tagged(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int
) -> None:
    sign_in("ada")
    retired = theme_id(app, "Permanence")
    page = followed(
        client, client.post(f"/admin/learning-themes/{retired}/retire", data={"retire": "yes"})
    )
    assert "Permanence has been retired." in page
    client.post("/sign-out")
    sign_in("alice")
    url = f"/audits/{draft}/findings"
    assert "Permanence" not in client.get(url).get_data(as_text=True)
    response = tag(client, url, kind="strength", learning_theme=retired)
    assert response.status_code == 400
    assert findings(app) == []


def test_the_auditor_removes_their_own_finding(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int
) -> None:
    sign_in("alice")
    url = f"/audits/{draft}/findings"
    tag(client, url, kind="strength", learning_theme=theme_id(app, "Planning"))
    [finding] = findings(app)
    page = followed(client, client.post(f"{url}/{finding.id}/remove"))
    assert "Finding removed." in page
    assert findings(app) == []
    assert len(events(app, "finding.removed")) == 1
    again = followed(client, client.post(f"{url}/{finding.id}/remove"))
    assert "That finding has already been removed." in again


def test_a_moderator_tags_from_their_rationale_and_the_auditor_cannot_after_closing(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], submitted: int
) -> None:
    sign_in("grace")
    client.post(f"/moderation/audits/{submitted}/start")
    client.post(
        f"/moderation/audits/{submitted}",
        data={"version": _version(app, submitted), **_agreeing_grades(app, submitted)},
    )
    url = f"/moderation/audits/{submitted}/findings"
    response = tag(
        client,
        url,
        kind="area_for_development",
        learning_theme=theme_id(app, "Management oversight"),
        quotation="Oversight was thin",
    )
    assert response.status_code == 400  # not words grace wrote
    response = tag(
        client,
        url,
        kind="area_for_development",
        learning_theme=theme_id(app, "Management oversight"),
    )
    assert response.status_code == 302
    [finding] = findings(app)
    assert finding.tagged_as == "moderator"
    with session_scope(app) as session:
        session.execute(update(Audit).where(col(Audit.id) == submitted).values(status="closed"))
    client.post("/sign-out")
    sign_in("alice")
    page = client.get(f"/audits/{submitted}/findings").get_data(as_text=True)
    assert "This audit is closed: its findings can no longer change." in page
    assert "Area for development: Management oversight" in page


def test_nobody_else_may_tag_an_audit(
    app: Flask,
    client: FlaskClient,
    sign_in: Callable[..., TestResponse],
    make_user: Callable[..., str],
    submitted: int,
) -> None:
    make_user("other", "manager", services=("Care Leavers",))
    sign_in("other")
    assert client.get(f"/moderation/audits/{submitted}/findings").status_code == 404
    client.post("/sign-out")
    sign_in("grace")
    assert client.get(f"/audits/{submitted}/findings").status_code == 404  # not her audit


def _version(app: Flask, audit_id: int) -> str:
    with session_scope(app) as session:
        return str(session.exec(select(Audit.version).where(Audit.id == audit_id)).one())


def _agreeing_grades(app: Flask, audit_id: int) -> dict[str, str]:
    from audit_app.models import AuditResult, ThemeResult

    with session_scope(app) as session:
        result = session.get(AuditResult, audit_id)
        themes = session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit_id)).all()
        grades = {f"grade-{t.theme_id}": t.grade_judged or t.grade_computed or "" for t in themes}
        grades["grade-overall"] = (
            (result.grade_judged or result.grade_computed or "") if result else ""
        )
        return grades


@pytest.mark.parametrize("sent", ["²", "99999999999999999999", "-1", "Chronology", "1 OR 1=1"])
def test_a_learning_theme_that_is_not_one_of_the_list_is_a_mistake_not_an_error(
    app: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], draft: int, sent: str
) -> None:
    sign_in("alice")
    response = tag(client, f"/audits/{draft}/findings", kind="strength", learning_theme=sent)
    assert response.status_code == 400
    assert "Select the learning theme" in response.get_data(as_text=True)
