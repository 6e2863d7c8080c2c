"""A visiting auditor's grants: the window in England's days, the pseudonym everywhere they
look, and our cases answering as not found outside the window."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from audit_app import clock
from audit_app.db import session_scope
from audit_app.models import Audit
from tests.builders import PASSWORD, complete_audit, submit_audit
from tests.grants import world
from tests.grants.world import ALSO_GRANTED, GRANTED, NOT_GRANTED

LONDON = ZoneInfo("Europe/London")


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


@pytest.fixture
def built(app: Flask) -> Flask:
    world.build(app)
    return app


def _window_form(first: date, last: date) -> dict[str, str]:
    """The window's form fields for these days."""
    fields = {}
    for name, day in (("starts", first), ("ends", last)):
        fields.update(
            {
                f"{name}-day": str(day.day),
                f"{name}-month": str(day.month),
                f"{name}-year": str(day.year),
            }
        )
    return fields


def _home(app: Flask) -> str:
    return _client(app, "visitor").get("/").get_data(as_text=True)


def test_the_visitor_sees_granted_cases_by_pseudonym_only(built: Flask) -> None:
    today = clock.today()
    world.grant(built, today, today + timedelta(days=6))
    page = _home(built)
    assert world.seen_as(built, GRANTED) in page
    assert world.seen_as(built, ALSO_GRANTED) in page
    for ref in (GRANTED, ALSO_GRANTED, NOT_GRANTED):
        assert ref not in page
    assert world.seen_as(built, GRANTED).startswith("V-")


def test_a_batch_without_pseudonyms_shows_the_reference(built: Flask) -> None:
    today = clock.today()
    world.grant(built, today, today, refs=(GRANTED,), pseudonymised=False)
    assert GRANTED in _home(built)


@pytest.mark.parametrize(
    ("starts", "ends", "shown"),
    [(0, 3, True), (-3, 0, True), (1, 3, False), (-3, -1, False)],
    ids=["first day", "last day", "day before", "day after"],
)
def test_the_window_holds_its_first_and_last_days(
    built: Flask, starts: int, ends: int, shown: bool
) -> None:
    today = clock.today()
    world.grant(built, today + timedelta(days=starts), today + timedelta(days=ends))
    assert (world.seen_as(built, GRANTED) in _home(built)) is shown


@pytest.mark.parametrize(
    "last_day",
    [date(2026, 7, 14), date(2026, 1, 14)],
    ids=["summer time", "winter time"],
)
def test_the_window_turns_at_midnight_in_england(built: Flask, last_day: date) -> None:
    world.grant(built, last_day - timedelta(days=2), last_day)
    shown = world.seen_as  # computed before the clock moves, within the window
    with time_machine.travel(datetime.combine(last_day, datetime.min.time(), LONDON), tick=False):
        pseudonym = shown(built, GRANTED)
    late = datetime(last_day.year, last_day.month, last_day.day, 23, 59, tzinfo=LONDON)
    with time_machine.travel(late, tick=False):
        assert pseudonym in _home(built)
    with time_machine.travel(late + timedelta(minutes=1), tick=False):
        assert pseudonym not in _home(built)
        client = _client(built, "visitor")
        response = client.post(
            "/audits/new", data={"questionnaire": "journey-audit", "case_id": pseudonym}
        )
        assert response.status_code == 400


def _visitor_audit(app: Flask, submit: bool = True) -> int:
    today = clock.today()
    world.grant(app, today, today + timedelta(days=6))
    audit_id = complete_audit(app, "visitor", world.seen_as(app, GRANTED))
    if submit:
        submit_audit(app, audit_id, "visitor", rate=1.0)
    return audit_id


def test_the_visitors_audit_belongs_to_their_organisation(built: Flask) -> None:
    audit_id = _visitor_audit(built)
    with session_scope(built) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        visitor_org = audit.organisation_id
    client = _client(built, "visitor")
    assert client.get(f"/audits/{audit_id}").status_code == 200
    assert visitor_org is not None


def test_the_real_reference_is_never_shown_to_the_visitor(built: Flask, tmp_path: Path) -> None:
    from tests.web.test_organisation_walls import _text
    from tests.web.test_permissions import MATRIX

    audit_id = _visitor_audit(built)
    draft_id = complete_audit(built, "visitor", world.seen_as(built, ALSO_GRANTED))
    client = _client(built, "visitor")
    places = {"draft": draft_id, "submitted": audit_id}
    urls = [f"/audits/{audit_id}", f"/audits/{audit_id}/record.pdf", "/"]
    for rows in MATRIX.values():
        for method, template, _ in rows:
            if method == "GET":
                try:
                    urls.append(template.format(**places))
                except KeyError:
                    continue
    pseudonym_seen = False
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        text = _text(response, tmp_path)
        for ref in (GRANTED, ALSO_GRANTED, NOT_GRANTED):
            assert ref not in text, (url, ref)
        pseudonym_seen = pseudonym_seen or world.seen_as(built, GRANTED) in text
        response.close()
    assert pseudonym_seen


@pytest.mark.parametrize("how", ["revoked", "ended"])
def test_outside_the_window_our_case_and_the_audit_answer_as_not_found(
    built: Flask, how: str
) -> None:
    audit_id = _visitor_audit(built)
    draft_id = complete_audit(built, "visitor", world.seen_as(built, ALSO_GRANTED))
    pseudonym = world.seen_as(built, ALSO_GRANTED)
    qa = _client(built, "qa_lead")
    from sqlmodel import select

    from audit_app.models import CaseGrant

    with session_scope(built) as session:
        grant_ids = [g.id for g in session.exec(select(CaseGrant))]
        batch_id = session.exec(select(CaseGrant)).first().batch_id  # type: ignore[union-attr]
    yesterday = clock.today() - timedelta(days=1)
    for grant_id in grant_ids:
        url = f"/admin/grants/{batch_id}/grants/{grant_id}"
        if how == "revoked":
            assert qa.post(url + "/revoke").status_code == 302
        else:
            day = {
                "day": str(yesterday.day),
                "month": str(yesterday.month),
                "year": str(yesterday.year),
            }
            data = {f"starts-{k}": v for k, v in day.items()} | {
                f"ends-{k}": v for k, v in day.items()
            }
            assert qa.post(url + "/window", data=data).status_code == 302
    client = _client(built, "visitor")
    for url in (f"/audits/{audit_id}", f"/audits/{draft_id}", f"/audits/{audit_id}/record.pdf"):
        assert client.get(url).status_code == 404, url
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": pseudonym}
    )
    assert response.status_code == 400
    assert pseudonym not in _home(built) and "Cases you may audit" not in _home(built)
    with session_scope(built) as session:
        assert session.get(Audit, draft_id) is not None  # their draft stays for us


def test_our_qa_lead_and_the_services_manager_see_the_external_audit(built: Flask) -> None:
    audit_id = _visitor_audit(built)
    for person in ("qa_lead", "cp_manager"):
        page = _client(built, person).get(f"/audits/{audit_id}")
        assert page.status_code == 200, person
        assert GRANTED in page.get_data(as_text=True)
    assert _client(built, "home_auditor").get(f"/audits/{audit_id}").status_code == 404
    assert _client(built, "visitor_admin").get(f"/audits/{audit_id}").status_code == 404


def test_external_audits_are_in_moderation_marked_external(built: Flask) -> None:
    _visitor_audit(built)
    page = _client(built, "cp_manager").get("/moderation").get_data(as_text=True)
    assert GRANTED in page and "External" in page


def test_the_visitors_admin_sees_their_grants_never_our_references(built: Flask) -> None:
    today = clock.today()
    world.grant(built, today, today + timedelta(days=6), pseudonymised=False)
    page = _client(built, "visitor_admin").get("/admin/grants").get_data(as_text=True)
    assert "Spring cross-borough audit" in page
    assert GRANTED not in page and "V-" in page


def test_the_batch_page_maps_pseudonyms_to_references(built: Flask) -> None:
    today = clock.today()
    batch_id = world.grant(built, today, today + timedelta(days=6))
    page = _client(built, "qa_lead").get(f"/admin/grants/{batch_id}").get_data(as_text=True)
    assert GRANTED in page and world.seen_as(built, GRANTED) in page


def test_a_reference_not_of_ours_is_refused_by_name(built: Flask) -> None:
    qa = _client(built, "qa_lead")
    response = qa.post("/admin/grants", data={"title": "Peer review", "purpose": "peer"})
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    from sqlmodel import select

    from audit_app.models import User

    with session_scope(built) as session:
        visitor_id = session.exec(select(User.id).where(User.username == "visitor")).one()
    today = clock.today()
    data = {
        "visitor": str(visitor_id),
        "references": f"{GRANTED}\nNO-SUCH-1",
        "starts-day": str(today.day),
        "starts-month": str(today.month),
        "starts-year": str(today.year),
        "ends-day": str(today.day),
        "ends-month": "13",
        "ends-year": str(today.year),
    }
    response = qa.post(batch_url, data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "NO-SUCH-1" in text and "There is a problem" in text
    assert "The last day must be a real date" in text


def test_external_audits_never_count_in_the_services_figures(built: Flask) -> None:
    _visitor_audit(built)
    home = complete_audit(built, "home_auditor", NOT_GRANTED)
    submit_audit(built, home, "home_auditor")
    qa = _client(built, "qa_lead")
    export = qa.get("/reports/export/audits.csv").get_data(as_text=True)
    assert NOT_GRANTED in export
    assert GRANTED not in export
    listed = qa.get("/reports/audits").get_data(as_text=True)
    assert GRANTED not in listed
