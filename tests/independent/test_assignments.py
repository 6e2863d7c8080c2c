"""Assigning the independent auditor audits and cases for a window: what they see is what is
assigned to them and open today, nothing before its first day, after its last or once revoked."""

from __future__ import annotations

import re

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent, CaseGrant, GrantBatch
from tests.builders import actor_for, submitted_audit
from tests.independent.conftest import assign, re_audit, sign_in, window


def _text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_an_assigned_audit_is_on_the_home_page_while_its_window_is_open(
    app: Flask, people: dict[str, str], first: int
) -> None:
    submitted_audit(app, "amber", "100826")
    assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    page = _text(indy.get("/"))
    assert "100824" in page and "Re-audit blind" in page
    assert "100826" not in page  # submitted, but not assigned
    with session_scope(app) as session:
        batch = session.exec(select(GrantBatch)).one()
        assert (batch.purpose, batch.pseudonymised) == ("independent", False)
        grant = session.exec(select(CaseGrant)).one()
        assert grant.audit_id == first and grant.case_id is None
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "independent.assigned")
        ).one()


def test_before_its_first_day_and_after_its_last_the_audit_answers_as_not_found(
    app: Flask, people: dict[str, str], first: int
) -> None:
    assign(app, [first], starts=1, ends=5)
    indy = sign_in(app, "indy", people["indy"])
    assert "100824" not in _text(indy.get("/"))
    assert indy.post(f"/independent/audits/{first}/re-audit").status_code == 404


def test_a_re_audit_started_in_the_window_is_not_found_once_it_has_ended(
    app: Flask, people: dict[str, str], first: int
) -> None:
    ada = assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    mine = re_audit(app, indy, first)
    assert indy.get(f"/audits/{mine}").status_code == 200
    with session_scope(app) as session:
        grant_id = session.exec(select(CaseGrant.id)).one()
    response = ada.post(f"/independent/assignments/{grant_id}", data=window(-9, -2))
    assert response.status_code == 302
    assert indy.get(f"/audits/{mine}").status_code == 404
    assert indy.get(f"/audits/{mine}/themes/voice").status_code == 404
    assert "100824" not in _text(indy.get("/"))
    with session_scope(app) as session:
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "independent.window_changed")
        ).one()


def test_revoking_ends_the_assignment_now(app: Flask, people: dict[str, str], first: int) -> None:
    ada = assign(app, [first])
    with session_scope(app) as session:
        grant_id = session.exec(select(CaseGrant.id)).one()
    assert ada.post(f"/independent/assignments/{grant_id}/revoke").status_code == 302
    indy = sign_in(app, "indy", people["indy"])
    assert indy.post(f"/independent/audits/{first}/re-audit").status_code == 404
    assert "Revoked" in _text(ada.get("/independent/assignments"))
    with session_scope(app) as session:
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "independent.revoked")
        ).one()


def test_a_refused_assignment_says_why_and_keeps_what_was_typed(
    app: Flask, people: dict[str, str], first: int
) -> None:
    ada = sign_in(app, "ada")
    response = ada.post(
        "/independent/assignments",
        data={
            "title": "Typed title kept",
            "audits": [str(first)],
            "cases": "NO-SUCH-CASE",
            "starts-day": "31",
            "starts-month": "2",
            "starts-year": "2027",
        },
    )
    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Choose an independent auditor" in page
    assert "No case with the reference NO-SUCH-CASE" in page
    assert "The first day must be a real date" in page
    assert 'value="Typed title kept"' in page
    assert re.search(rf'value="{first}"\s+checked', page)
    assert 'value="31"' in page
    with session_scope(app) as session:
        assert session.exec(select(CaseGrant)).all() == []


def test_a_window_whose_last_day_is_before_its_first_is_refused(
    app: Flask, people: dict[str, str], first: int
) -> None:
    ada = sign_in(app, "ada")
    indy = actor_for(app, "indy").person_id
    response = ada.post(
        "/independent/assignments",
        data={"auditor": str(indy), "title": "T", "audits": [str(first)], **window(5, 1)},
    )
    assert response.status_code == 400
    assert "The last day must be the same as or after the first day" in _text(response)


def test_a_case_to_look_at_opens_its_submitted_audits_to_read(
    app: Flask, people: dict[str, str], first: int
) -> None:
    assign(app, [], cases="100824")
    indy = sign_in(app, "indy", people["indy"])
    assert f"/independent/audits/{first}" in _text(indy.get("/"))
    assert indy.get(f"/independent/audits/{first}").status_code == 200


def test_only_the_councils_own_admins_add_an_independent_auditor(
    app: Flask, people: dict[str, str]
) -> None:
    from audit_app.services import accounts
    from audit_app.services.accounts import AccountError
    from audit_app.services.actor import Actor
    from tests.builders import ensure_organisation

    with app.app_context(), session_scope(app) as session:
        partner = ensure_organisation(session, "Metropolitan Police")
        try:
            accounts.create_user(
                "visitor",
                "a long enough password for this",
                "independent",
                session=session,
                actor=Actor.system("test"),
                organisation_id=partner.id,
            )
        except AccountError as refused:
            assert "council's own admins" in str(refused)
        else:
            raise AssertionError("an independent auditor of a partner was added")


def test_the_independent_auditor_must_set_up_two_factor_authentication(
    app: Flask, make_user: object, people: dict[str, str]
) -> None:
    make_user("newcomer", "independent")  # type: ignore[operator]
    client = sign_in(app, "newcomer")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/mfa")


def test_a_partner_agencys_audit_of_an_assigned_case_stays_the_agencys(
    app: Flask, people: dict[str, str], first: int, make_user: object
) -> None:
    from audit_app.models import Audit, User, utcnow

    make_user("pc", "auditor", team="Police team", organisation="Metropolitan Police")  # type: ignore[operator]
    with session_scope(app) as session:
        original = session.get(Audit, first)
        partner = session.exec(select(User).where(User.username == "pc")).one()
        assert original is not None
        agencys = Audit(
            case_id=original.case_id,
            questionnaire_version_id=original.questionnaire_version_id,
            auditor_id=partner.id,  # type: ignore[arg-type]
            organisation_id=partner.organisation_id,
            status="submitted",
            submitted_at=utcnow(),
        )
        session.add(agencys)
        session.flush()
        agencys_id = agencys.id
    assign(app, [], cases="100824")
    indy = sign_in(app, "indy", people["indy"])
    assert f"/independent/audits/{agencys_id}" not in _text(indy.get("/"))
    assert indy.get(f"/independent/audits/{agencys_id}").status_code == 404
    assert indy.get(f"/independent/audits/{first}").status_code == 200
