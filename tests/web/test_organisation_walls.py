"""No page, download or drill-down shows one organisation's records to another.

Every GET route of the permission matrix (``test_permissions.MATRIX``, so a new route is walked
without doing anything) is opened by each person of the partner organisation on the home
organisation's records, and by each home person on the partner's records; no response (page,
CSV, workbook, PDF text) names the other organisation's cases. Both organisations hold a draft,
a submitted audit due for moderation with an open action and a concern, and an allocation.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from flask import Flask
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Allocation
from audit_app.services import audits as audit_service
from tests.builders import PASSWORD, actor_for, make_case
from tests.web.permission_kinds import PARTNERS, PEOPLE
from tests.web.permissions_organisations import (
    PARTNER_DRAFT_CASE,
    PARTNER_SUBMITTED_CASE,
    PARTNER_UNAUDITED_CASE,
)
from tests.web.test_permissions import MATRIX, _build_world

# The matrix's draft is of case 100824, also the example case ID of the start page's hint and
# the data dictionary: the walk adds a home draft and allocation of a case named nowhere else.
HOME_DRAFT_CASE = "H-2718"
HOME_UNAUDITED_CASE = "H-3141"
HOME_CASES = ("100830", HOME_DRAFT_CASE, HOME_UNAUDITED_CASE)
PARTNER_CASES = (PARTNER_SUBMITTED_CASE, PARTNER_DRAFT_CASE, PARTNER_UNAUDITED_CASE)
HOME_PEOPLE = [person for person in PEOPLE if person != "anonymous"]

# The home organisation's records in the URLs, and the partner's in their place.
RECORDS = {
    "draft": "partner_draft",
    "submitted": "partner_submitted",
    "action": "partner_action",
    "concern": "partner_concern",
    "allocation": "partner_allocation",
    "user": "partner_user",
}


def _home_draft_and_allocation(app: Flask) -> None:
    """A draft audit of another home case by "auditor", the case allocated to them, and a home
    case not audited."""
    make_case(app, HOME_UNAUDITED_CASE)
    make_case(app, HOME_DRAFT_CASE)
    actor = actor_for(app, "auditor")
    with app.app_context(), session_scope(app) as session:
        draft = audit_service.start_audit("journey-audit", HOME_DRAFT_CASE, actor, session=session)
        session.add(
            Allocation(
                case_id=draft.case_id,
                questionnaire_id="journey-audit",
                auditor_id=actor.person_id,
                due=date(2099, 2, 28),
            )
        )


def _get_routes() -> list[str]:
    return [template for rows in MATRIX.values() for method, template, _ in rows if method == "GET"]


def _text(response: TestResponse, tmp_path: Path) -> str:
    """What a person reads in the response: a page or CSV as it is, a workbook's sheets and
    strings, a PDF's text."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            return "\n".join(
                workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist()
            )
    if data[:5] == b"%PDF-":
        return _pdf_text(data, tmp_path)
    return data.decode("utf-8", "replace")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text with poppler's pdftotext, and its raw bytes besides (attachments)."""
    raw = data.decode("latin-1")
    if shutil.which("pdftotext") is None:
        return raw
    path = tmp_path / "walled.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace") + raw


def _walk(
    app: Flask,
    people: Iterable[str],
    places: dict[str, object],
    hidden: tuple[str, ...],
    tmp_path: Path,
) -> tuple[list[str], set[str]]:
    """Every GET route for each person: where a hidden case was named, and every text read."""
    leaks: list[str] = []
    seen: set[str] = set()
    for person in people:
        client = app.test_client()
        response = client.post("/sign-in", data={"username": person, "password": PASSWORD})
        assert response.status_code == 302, person
        for template in _get_routes():
            url = template.format(**places)
            response = client.get(url)
            assert response.status_code < 500, (person, url)
            text = _text(response, tmp_path)
            response.close()
            seen.add(text)
            leaks += [
                f"{person} {url}: {case}" for case in hidden if case in text and case not in url
            ]
    return leaks, seen


def test_partner_people_see_nothing_of_the_home_organisation(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    places = _build_world(app, make_user, app.test_client())
    _home_draft_and_allocation(app)
    leaks, seen = _walk(app, PARTNERS, places, HOME_CASES, tmp_path)
    assert leaks == [], "\n".join(leaks)
    # They do see their own: the walk reads pages that name cases.
    assert any(PARTNER_SUBMITTED_CASE in text for text in seen)


def test_home_people_see_nothing_of_the_partner_organisation(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    places = _build_world(app, make_user, app.test_client())
    _home_draft_and_allocation(app)
    partner_places = {**places, **{key: places[value] for key, value in RECORDS.items()}}
    leaks, seen = _walk(app, HOME_PEOPLE, partner_places, PARTNER_CASES, tmp_path)
    assert leaks == [], "\n".join(leaks)
    assert any(HOME_CASES[1] in text for text in seen)


def test_a_grant_shows_the_visitor_its_case_by_pseudonym_and_nothing_more(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    """The partner's auditor holds an open, pseudonymised grant to one home case and has a
    draft audit of it: every page they and their organisation's people reach names no home
    case, and they do see the pseudonym."""
    from sqlmodel import select

    from audit_app import clock
    from audit_app.models import Case, User
    from audit_app.services import grant_batches, grants

    places = _build_world(app, make_user, app.test_client())
    _home_draft_and_allocation(app)
    qa_lead = actor_for(app, "admin")
    today = clock.today()
    day = (str(today.day), str(today.month), str(today.year))
    with app.app_context(), session_scope(app) as session:
        batch = grant_batches.make_batch("Peer review", "peer", True, qa_lead, session=session)
        visitor = session.exec(select(User).where(User.username == "partner_auditor")).one()
        grant_batches.add_grants(
            batch, str(visitor.id), HOME_UNAUDITED_CASE, (day, day), qa_lead, session=session
        )
        case = session.exec(select(Case).where(Case.case_ref == HOME_UNAUDITED_CASE)).one()
        pseudonym = grants.reference_seen(session, case, visitor.id)  # type: ignore[arg-type]
    visitor_actor = actor_for(app, "partner_auditor")
    with app.app_context(), session_scope(app) as session:
        audit_service.start_audit("journey-audit", pseudonym, visitor_actor, session=session)
    leaks, seen = _walk(app, PARTNERS, places, HOME_CASES, tmp_path)
    assert leaks == [], "\n".join(leaks)
    assert any(pseudonym in text for text in seen)


def test_a_visitors_submitted_audit_and_concern_show_their_organisation_no_home_case(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    """The partner's auditor submits an audit of a granted home case, due for moderation, with
    a safeguarding concern: the concern goes to the home organisation's managers and admins, and
    every page the partner's people reach (the concern's and the audit's among them) names no
    home case. The home organisation's QA lead reads it with the real reference."""
    from sqlmodel import select

    from audit_app import clock
    from audit_app.models import Case, SafeguardingConcern, User
    from audit_app.services import grant_batches, grants
    from tests.builders import complete_audit, submit_audit

    places = _build_world(app, make_user, app.test_client())
    _home_draft_and_allocation(app)
    qa_lead = actor_for(app, "admin")
    today = clock.today()
    day = (str(today.day), str(today.month), str(today.year))
    with app.app_context(), session_scope(app) as session:
        batch = grant_batches.make_batch("Peer review", "peer", True, qa_lead, session=session)
        visitor = session.exec(select(User).where(User.username == "partner_auditor")).one()
        grant_batches.add_grants(
            batch, str(visitor.id), HOME_UNAUDITED_CASE, (day, day), qa_lead, session=session
        )
        case = session.exec(select(Case).where(Case.case_ref == HOME_UNAUDITED_CASE)).one()
        pseudonym = grants.reference_seen(session, case, visitor.id)  # type: ignore[arg-type]
    audit_id = complete_audit(app, "partner_auditor", pseudonym)
    client = app.test_client()
    client.post("/sign-in", data={"username": "partner_auditor", "password": PASSWORD})
    raised = client.post(f"/audits/{audit_id}/concern", data={"description": "Seen at risk"})
    assert raised.status_code == 302
    submit_audit(app, audit_id, "partner_auditor", rate=1.0)
    with app.app_context(), session_scope(app) as session:
        concern_id = session.exec(
            select(SafeguardingConcern.id).where(SafeguardingConcern.audit_id == audit_id)
        ).one()
    walked = {**places, "submitted": audit_id, "concern": concern_id}
    leaks, seen = _walk(app, PARTNERS, walked, HOME_CASES, tmp_path)
    assert leaks == [], "\n".join(leaks)
    assert any(pseudonym in text for text in seen)
    home = app.test_client()
    home.post("/sign-in", data={"username": "admin", "password": PASSWORD})
    page = home.get(f"/concerns/{concern_id}/acknowledge")
    assert page.status_code == 200 and HOME_UNAUDITED_CASE in page.get_data(as_text=True)
