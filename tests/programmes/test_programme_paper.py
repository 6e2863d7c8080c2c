"""The board paper, and every report, of one audit programme: only the audits started for its
allocations count, read from the live tables (the month summaries do not tell programmes apart),
and the paper says which programme it covers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select

from audit_app.db import session_scope
from audit_app.models import Allocation, Case, User
from tests.builders import add_audit, add_user
from tests.programmes.conftest import draw, plan, version_id

# A whole month in the past, which the month summaries hold.
SUBMITTED = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
PAPER = "/reports/paper?from=2026-09-01&to=2026-09-30"


def _submit_the_programmes_audits(app: Flask, programme_id: int) -> None:
    """Submit an audit for each of the programme's allocations."""
    with session_scope(app) as session:
        rows = session.exec(
            select(Allocation.id, Case.case_ref, User.username)
            .join(Case, col(Case.id) == Allocation.case_id)
            .join(User, col(User.id) == Allocation.auditor_id)
            .where(Allocation.programme_id == programme_id)
        ).all()
    version = version_id(app)
    started = {
        allocation_id: add_audit(
            app,
            reference,
            username,
            version,
            created_at=SUBMITTED,
            submitted_at=SUBMITTED,
            status="submitted",
        )
        for allocation_id, reference, username in rows
    }
    with session_scope(app) as session:
        for allocation_id, audit_id in started.items():
            allocation = session.get(Allocation, allocation_id)
            assert allocation is not None
            allocation.audit_id = audit_id
            session.add(allocation)


def _submitted(page: str) -> int:
    found = re.search(r'id="paper-submitted">([\d,]+)<', page)
    assert found is not None
    return int(found.group(1).replace(",", ""))


def test_the_paper_of_a_programme_counts_its_audits_alone(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    programme_id = plan(council, quotas={"Team A": 2, "Team C": 1})
    draw(council, programme_id)
    _submit_the_programmes_audits(council, programme_id)
    # One more audit in the same month, not of the programme.
    add_audit(
        council,
        "B1",
        "auditor-a",
        version_id(council),
        created_at=SUBMITTED,
        submitted_at=SUBMITTED,
        status="submitted",
    )

    everything = admin_signed_in.get(PAPER).get_data(as_text=True)
    assert _submitted(everything) == 4

    response = admin_signed_in.get(f"{PAPER}&programme={programme_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _submitted(page) == 3
    assert "Audit programme: Practice week April" in page
    # The programme's progress: its three allocations, due on its last day in April 2027,
    # after the paper's period, all with a submitted audit.
    allocations = re.search(r'id="paper-allocations">([^<]*)<', page)
    assert allocations is not None and allocations.group(1).startswith("3 of 3")

    show = admin_signed_in.get(f"/programmes/{programme_id}").get_data(as_text=True)
    assert f"programme={programme_id}" in show and "Board paper for this programme" in show


def test_an_unknown_programme_is_a_problem_at_its_field(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.get(f"{PAPER}&programme=999")
    assert response.status_code == 400
    assert "Select an audit programme from the list" in response.get_data(as_text=True)
    response = admin_signed_in.get("/reports?programme=x")
    assert "Select a programme from the list" in response.get_data(as_text=True)


def test_the_reports_and_the_paper_offer_the_programme_and_keep_it_chosen(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    programme_id = plan(council, quotas={"Team A": 1})
    for path in ("/reports", PAPER):
        page = admin_signed_in.get(f"{path}{'&' if '?' in path else '?'}programme={programme_id}")
        html = page.get_data(as_text=True)
        assert '<label class="govuk-label" for="programme">' in html
        assert f'<option value="{programme_id}" selected>Practice week April</option>' in html


def test_the_programme_select_is_not_offered_to_a_partner(
    council: Flask, client: FlaskClient, sign_in: Callable[..., object]
) -> None:
    plan(council, quotas={"Team A": 1})
    add_user(council, "police-viewer", "viewer", organisation="Northshire Police")
    sign_in("police-viewer")
    html = client.get("/reports").get_data(as_text=True)
    assert 'id="programme"' not in html and "Practice week April" not in html
