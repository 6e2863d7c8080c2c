"""The permission matrix: every route, for every kind of person, gives the expected answer.

Areas add their own rows in ``tests/web/permissions_<area>.py``: a module-level ``ROWS`` dict
like ``MATRIX`` below (the people and ``expect`` are in ``tests/web/permission_kinds.py``), and
optionally ``extend_world(app, places) -> dict`` that adds data (and
URL placeholders) to the shared world.

Kinds of answer: ``ok`` (the page or its form works: 2xx, a redirect that is not to sign-in,
or 400 for an empty form), ``sign-in`` (302 to the sign-in page), ``forbidden`` (403) and
``missing`` (404: the thing is not revealed to exist). Every route of the application must be
listed here: a test fails when one is added without its row.

Every route is also tried by the people of a partner organisation (``PARTNERS``), on the home
organisation's records: see ``partner_kinds``. An area lists the pages of the home organisation
alone in ``HOME_ONLY``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Allocation, Case, User
from tests.builders import (
    PASSWORD,
    enrol,
    ensure_team,
    journey_questionnaire,
    later_code,
    load_questionnaire,
)
from tests.web.permission_kinds import (
    ADMIN_ONLY,
    INDEPENDENT,
    PARTNERS,
    PEOPLE,
    SIGNED_IN_PAGES,
    expect,
)

AREAS = [
    importlib.import_module(f"tests.web.{path.stem}")
    for path in sorted(Path(__file__).parent.glob("permissions_*.py"))
]


def _build_world(
    app: Flask, make_user: Callable[..., str], client: FlaskClient
) -> dict[str, object]:
    """Users of every kind, a case in Child Protection, a draft audit and an allocation.

    Returns the URL placeholders: ``draft``, ``allocation``, ``user`` and the areas' own.
    """
    load_questionnaire(app, journey_questionnaire())
    with session_scope(app) as session:
        cp = ensure_team(session, "Child Protection 1", service="Child Protection")
        ensure_team(session, "Care Leavers 1", service="Care Leavers")
        session.add(Case(case_ref="100824", team_id=cp.id))
    make_user("auditor", "auditor", team="Child Protection 1")
    make_user("other_auditor", "auditor", team="Child Protection 1")
    make_user("manager_own", "manager", services=("Child Protection",))
    make_user("manager_other", "manager", services=("Care Leavers",))
    make_user("viewer", "viewer")
    make_user("admin", "admin")
    make_user(INDEPENDENT, "independent")
    _sign_in(client, "auditor")
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": "100824"}
    )
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post("/sign-out")
    with session_scope(app) as session:
        auditor = session.exec(select(User).where(User.username == "auditor")).one()
        case = session.exec(select(Case).where(Case.case_ref == "100824")).one()
        allocation = Allocation(
            case_id=case.id,  # type: ignore[arg-type]
            questionnaire_id="journey-audit",
            auditor_id=auditor.id,  # type: ignore[arg-type]
            due=date(2099, 1, 31),
        )
        session.add(allocation)
        session.flush()
        places: dict[str, object] = {
            "draft": draft_id,
            "allocation": allocation.id,
            "user": auditor.id,
        }
    places["independent_secret"] = enrol(app, INDEPENDENT)
    for area in AREAS:
        if hasattr(area, "extend_world"):
            places.update(area.extend_world(app, places))
    return places


def _sign_in(client: FlaskClient, username: str, secret: str | None = None) -> None:
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    if secret is not None:
        response = client.post("/sign-in/code", data={"code": later_code(secret)})
        assert response.status_code == 302, username


def _kind(response: TestResponse) -> str:
    if response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]:
        return "sign-in"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "missing"
    if response.status_code < 400 or response.status_code in (400, 409):
        return "ok"
    return f"unexpected {response.status_code}"


# The independent auditor opens audit pages of their own re-audits only: another's is missing.
OWN_AUDIT_EDIT = expect(
    "missing", auditor="ok", viewer="forbidden", admin="forbidden", independent="missing"
)
OWN_AUDIT_READ = expect(
    "missing",
    auditor="ok",
    manager_own="ok",
    admin="ok",
    viewer="forbidden",
    independent="missing",
)

# endpoint -> (method, url with {draft}, {allocation}, {user} placeholders, expectations)
MATRIX: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "home.index": [("GET", "/", expect("ok"))],
    "ops.healthz": [("GET", "/healthz", expect("ok", anonymous="ok"))],
    "ops.readyz": [("GET", "/readyz", expect("ok", anonymous="ok"))],
    "auth.sign_in": [("GET", "/sign-in", expect("ok", anonymous="ok"))],
    "auth.account": [("GET", "/account", expect("ok"))],
    "auth.sign_out": [("POST", "/sign-out", expect("ok"))],
    "auth.sign_out_everywhere": [("POST", "/account/sign-out-everywhere", expect("ok"))],
    "auth.change_password": [("GET", "/account/password", expect("ok"))],
    "auth.mfa_setup": [("GET", "/account/mfa", expect("ok"))],
    # Without a password step first, the code page sends everyone back to sign in.
    "auth.second_factor": [("GET", "/sign-in/code", expect("ok", anonymous="ok"))],
    "audits.start": [
        (
            "GET",
            "/audits/new",
            expect(
                "forbidden", auditor="ok", other_auditor="ok", manager_own="ok", manager_other="ok"
            ),
        ),
    ],
    "audits.start_allocated": [
        (
            "POST",
            "/allocations/{allocation}/start",
            expect("missing", auditor="ok", viewer="forbidden", admin="forbidden"),
        ),
    ],
    "audits.show": [("GET", "/audits/{draft}", OWN_AUDIT_READ)],
    "audits.history": [("GET", "/audits/{draft}/history", OWN_AUDIT_READ)],
    "audits.theme": [
        ("GET", "/audits/{draft}/themes/voice", OWN_AUDIT_EDIT),
        ("POST", "/audits/{draft}/themes/voice", OWN_AUDIT_EDIT),
    ],
    "audits.judgement": [("GET", "/audits/{draft}/judgement", OWN_AUDIT_EDIT)],
    "audits.check": [("GET", "/audits/{draft}/check", OWN_AUDIT_EDIT)],
    "audits.concern": [("GET", "/audits/{draft}/concern", OWN_AUDIT_EDIT)],
    # A draft has no confirmation page yet, even for its auditor.
    "audits.submitted": [
        (
            "GET",
            "/audits/{draft}/submitted",
            expect("missing", viewer="forbidden", admin="forbidden", independent="missing"),
        ),
    ],
    "admin.users": [("GET", "/admin/users", ADMIN_ONLY)],
    "trail.index": [("GET", "/admin/trail?case=100824", ADMIN_ONLY)],
    "trail.export": [("GET", "/admin/trail/export.csv?actor=auditor", ADMIN_ONLY)],
    "admin.user_new": [("GET", "/admin/users/new", ADMIN_ONLY)],
    "admin.user_edit": [("GET", "/admin/users/{user}", ADMIN_ONLY)],
    "admin.user_password": [("POST", "/admin/users/{user}/password", ADMIN_ONLY)],
    "admin.user_status": [("POST", "/admin/users/{user}/status", ADMIN_ONLY)],
    "admin.cases": [("GET", "/admin/cases", ADMIN_ONLY)],
    "admin.allocations": [("GET", "/admin/allocations", ADMIN_ONLY)],
    "admin.allocations_import": [("POST", "/admin/allocations/import", ADMIN_ONLY)],
    "admin.allocations_draw": [("POST", "/admin/allocations/draw", ADMIN_ONLY)],
}

for _area in AREAS:
    MATRIX.update(_area.ROWS)

# Pages of the home organisation alone: a partner organisation's people get 403.
HOME_ONLY = {
    "trail.index",
    "trail.export",
    "admin.cases",
    "admin.allocations",
    "admin.allocations_import",
    "admin.allocations_draw",
}
for _area in AREAS:
    HOME_ONLY |= getattr(_area, "HOME_ONLY", set())


def independent_kind(endpoint: str, expected: dict[str, str]) -> str:
    """What the independent auditor should get: what the row names for them, else what another
    auditor (not the owner of the row's records) gets on the pages every signed-in person has,
    else "forbidden"."""
    if INDEPENDENT in expected:
        return expected[INDEPENDENT]
    return expected["other_auditor"] if endpoint in SIGNED_IN_PAGES else "forbidden"


def partner_kinds(endpoint: str, template: str, expected: dict[str, str]) -> dict[str, str]:
    """What each partner person should get: what the row names for them, else "forbidden" on
    a page of the home organisation alone, else what their home counterpart gets, except
    "missing" for a route naming one of the home organisation's records that the counterpart
    may open."""
    kinds = {}
    for partner, counterpart in PARTNERS.items():
        kind = expected.get(partner, expected[counterpart])
        if partner in expected:
            pass
        elif endpoint in HOME_ONLY:
            kind = "forbidden"
        elif kind == "ok" and "{" in template:
            kind = "missing"
        kinds[partner] = kind
    return kinds


PUBLIC_ENDPOINTS = {
    "static",
    "auth.sign_in",
    "auth.second_factor",
    "ops.healthz",
    "ops.readyz",
}
for _area in AREAS:
    PUBLIC_ENDPOINTS |= getattr(_area, "PUBLIC", set())


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(MATRIX) == set(), "add these routes to the permission matrix"
    assert set(MATRIX) - endpoints == set(), "these routes no longer exist"


def test_every_view_is_guarded_or_public_by_name(app: Flask) -> None:
    """Default deny: a view without a role check would be open to anyone."""
    for endpoint, view in app.view_functions.items():
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        assert getattr(view, "allowed_roles", None), f"{endpoint} has no role check"


@pytest.mark.parametrize(
    ("endpoint", "index"),
    [(endpoint, i) for endpoint, rows in MATRIX.items() for i in range(len(rows))],
)
def test_permission_matrix(
    endpoint: str,
    index: int,
    app: Flask,
    make_user: Callable[..., str],
) -> None:
    client = app.test_client()
    places = _build_world(app, make_user, client)
    method, template, expected = MATRIX[endpoint][index]
    expected = {
        **{k: v for k, v in expected.items() if k != INDEPENDENT},
        **partner_kinds(endpoint, template, expected),
        INDEPENDENT: independent_kind(endpoint, expected),
    }
    url = template.format(**places)
    actual = {}
    for person in (*PEOPLE, *PARTNERS, INDEPENDENT):
        client = app.test_client()
        if person != "anonymous":
            secret = places["independent_secret"] if person == INDEPENDENT else None
            _sign_in(client, person, secret)  # type: ignore[arg-type]
        response = client.open(url, method=method, data={})
        actual[person] = _kind(response)
        response.close()  # a streamed download ends here, before the next person's request
    assert actual == expected
