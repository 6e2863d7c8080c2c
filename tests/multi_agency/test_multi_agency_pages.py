"""The multi-agency audit's pages through the test client: opening one (refused with what was
typed kept), its page with each return's progress, starting a return, closing the returns
early, naming panel members, and the lawful bases' list."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent, LawfulBasis, PanelMember
from tests.builders import user_id
from tests.conftest import AuthActions
from tests.multi_agency import world
from tests.multi_agency.world import CASE


def _form(app: Flask, **changes: str) -> dict[str, str]:
    known = world.ids(app)
    due = date.today() + timedelta(days=7)
    form = {
        "title": "Neglect, spring",
        "theme": "Neglect",
        "references": CASE,
        f"agency-{known['home']}": "yes",
        f"questionnaire-{known['home']}": str(known["version"]),
        f"agency-{known['police']}": "yes",
        f"questionnaire-{known['police']}": str(known["version"]),
        "due-day": str(due.day),
        "due-month": str(due.month),
        "due-year": str(due.year),
        "sharing_agreement": "Avon agreement",
        "lawful_basis": str(known["basis"]),
    }
    form.update(changes)
    return form


def test_opening_refused_shows_each_problem_and_keeps_what_was_typed(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    world.build(app)
    auth.sign_in("coordinator")
    response = client.post(
        "/multi-agency/new",
        data=_form(app, references=f"{CASE}\nNO-SUCH-7", lawful_basis="other", title="Kept title"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "There is no case with ID NO-SUCH-7" in page
    assert "Enter the lawful basis the audit runs under" in page
    assert 'value="Kept title"' in page and "NO-SUCH-7</textarea>" in page
    assert 'href="#lawful_basis_other"' in page


def test_opening_takes_the_coordinator_to_the_page_with_every_return_not_started(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    world.build(app)
    auth.sign_in("coordinator")
    response = client.post("/multi-agency/new", data=_form(app))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("Not started") == 2
    assert "Avon agreement" in page and "Panel" in page
    assert "Close the returns before every one is in" in page


def test_an_agency_auditor_starts_its_return_from_the_page(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    world.build(app)
    multi_agency_id = world.open_one(app)
    auth.sign_in("police_auditor")
    page = client.get(f"/multi-agency/{multi_agency_id}").get_data(as_text=True)
    assert page.count("Start the return") == 1
    agency_return = world.return_id(app, multi_agency_id, "police")
    response = client.post(f"/multi-agency/returns/{agency_return}/start")
    assert response.status_code == 302 and "/audits/" in response.headers["Location"]
    task_list = client.get(response.headers["Location"])
    assert task_list.status_code == 200
    listed = client.get("/multi-agency").get_data(as_text=True)
    assert "0 of 1 submitted" in listed


def test_the_coordinator_confirms_an_early_close_with_a_reason(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    world.build(app)
    multi_agency_id = world.open_one(app)
    auth.sign_in("coordinator")
    confirm = client.get(f"/multi-agency/{multi_agency_id}/close").get_data(as_text=True)
    assert "3 of 3 returns are not submitted" in confirm
    refused = client.post(
        f"/multi-agency/{multi_agency_id}/close", data={"seen_version": "1", "reason": " "}
    )
    assert refused.status_code == 400
    assert "Enter why the returns are closed" in refused.get_data(as_text=True)
    closed = client.post(
        f"/multi-agency/{multi_agency_id}/close",
        data={"seen_version": "1", "reason": "The panel meets today."},
    )
    assert closed.status_code == 302
    assert world.status(app, multi_agency_id) == "returns_closed"
    with session_scope(app) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "multi_agency.returns_closed")
        ).one()
    assert "The panel meets today." in event.detail


def test_an_agency_manager_names_and_removes_its_own_people(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    world.build(app)
    multi_agency_id = world.open_one(app)
    auth.sign_in("police_manager")
    url = f"/multi-agency/{multi_agency_id}/panel-members"
    page = client.get(url).get_data(as_text=True)
    assert "police_auditor" in page and "health_auditor" not in page
    assert client.post(url, data={"user": ""}).status_code == 400
    auditor = user_id(app, "police_auditor")
    assert client.post(url, data={"user": str(auditor)}).status_code == 302
    with session_scope(app) as session:
        assert session.get(PanelMember, (multi_agency_id, auditor)) is not None
    assert client.post(f"{url}/{auditor}/remove").status_code == 302
    with session_scope(app) as session:
        assert session.get(PanelMember, (multi_agency_id, auditor)) is None
    auth.switch("health_manager")
    assert client.post(url, data={"user": str(auditor)}).status_code == 400


def test_the_home_admins_add_and_retire_lawful_bases(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    world.build(app)
    auth.sign_in("coordinator")
    refused = client.post("/admin/lawful-bases", data={"name": world.BASIS})
    assert refused.status_code == 400 and "already in the list" in refused.get_data(as_text=True)
    added = client.post(
        "/admin/lawful-bases", data={"name": "Avon basis 42"}, follow_redirects=True
    )
    assert "Avon basis 42 has been added" in added.get_data(as_text=True)
    with session_scope(app) as session:
        basis = session.exec(select(LawfulBasis).where(LawfulBasis.name == "Avon basis 42")).one()
    client.post(
        f"/admin/lawful-bases/{basis.id}/retire", data={"retire": "yes"}, follow_redirects=True
    )
    page = client.get("/multi-agency/new").get_data(as_text=True)
    assert "Avon basis 42" not in page and world.BASIS in page
