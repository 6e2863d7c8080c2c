"""A multi-agency audit's panel in a real browser, from its returns closed (stored directly:
the council's, the police's and health's returns on one case, the police's and health's
managers on the panel). The coordinator records the discussion on all six domains and
concludes it, then gives one action to each agency; each agency's manager sees its own action
only and downloads its own rows. Every page passes the accessibility checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from audit_app.db import get_engine, session_scope
from tests.browser.conftest import LiveServer, new_server, serving, sign_in
from tests.browser.multi_agency_panel_steps import (
    agency_reads_its_own_action,
    conclude_discussion,
    download_agency_rows,
    download_links,
    give_actions,
    open_discussion,
    record_discussion,
)
from tests.builders import (
    add_user,
    ensure_organisation,
    journey_questionnaire,
    load_questionnaire,
    make_case,
)
from tests.conftest import build_app
from tests.panel_builders import closed_returns

CASE = "MA-2401"
GRADES = {
    "recognition": ("Requires improvement", "Neglect was seen late by every agency."),
    "planning": ("Good", "The plan named each agency's part."),
    "assessment": ("Requires improvement", "The assessment missed the school's view."),
    "joint_working": ("Inadequate", "Strategy discussions left out health."),
    "impact": ("Good", "Attendance rose after the plan."),
    "overall": ("Requires improvement", "Improving, from a late start."),
}
# The return each agency's auditor submitted, by its overall grade.
RETURNS = {
    "council-auditor": "Good",
    "police-auditor": "Inadequate",
    "health-auditor": "Outstanding",
}


@dataclass(frozen=True)
class Seeded:
    server: LiveServer
    audit_id: int
    council: str  # the home organisation's name


def _seed(server: LiveServer, instance_path: Path) -> Seeded:
    """The people of three agencies and the multi-agency audit with its returns closed."""
    app = build_app(server.env["DATABASE_URL"], instance_path)
    try:
        load_questionnaire(app, journey_questionnaire())
        make_case(app, CASE)
        with session_scope(app) as session:
            ensure_organisation(session, "Police", kind="police")
            ensure_organisation(session, "Health", kind="health")
        add_user(app, "ma-coordinator", "manager", services=("Child Protection",))
        add_user(app, "council-manager", "manager", services=("Early Help",))
        add_user(app, "council-auditor", "auditor", team="Child Protection 1")
        for agency in ("Police", "Health"):
            prefix = agency.lower()
            add_user(app, f"{prefix}-auditor", "auditor", team=f"{agency} 1", organisation=agency)
            add_user(
                app,
                f"{prefix}-manager",
                "manager",
                services=(f"{agency} service",),
                organisation=agency,
            )
        closed = closed_returns(
            app,
            coordinator="ma-coordinator",
            case_ref=CASE,
            returns=RETURNS,
            panel=("police-manager", "health-manager"),
            title="Neglect: a child of the partnership",
        )
        council = next(n for n in closed.agencies if n not in ("Police", "Health"))
        return Seeded(server=server, audit_id=closed.audit_id, council=council)
    finally:
        get_engine(app).dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A server of its own, seeded before it serves."""
    instance = tmp_path_factory.mktemp("multi-agency-panel")
    server = new_server(instance)
    found = _seed(server, instance / "seeding")
    with serving(server, instance):
        yield found


def test_the_panel_concludes_and_each_agency_reads_and_downloads_its_own(
    seeded: Seeded, new_page: Callable[..., Page]
) -> None:
    server, council = seeded.server, seeded.council
    actions = {
        council: "Council: hold a strategy discussion with health within a day.",
        "Police": "Police: share every domestic abuse notification within 24 hours.",
        "Health": "Health: invite the GP to every core group.",
    }
    coordinator = new_page()
    sign_in(coordinator, server, "ma-coordinator")
    open_discussion(coordinator, server, seeded.audit_id)
    record_discussion(coordinator, GRADES)
    conclude_discussion(coordinator)
    give_actions(coordinator, actions, date.today() + timedelta(days=30))
    assert download_links(coordinator) == [
        f"Download {name}'s rows (CSV)" for name in sorted((council, "Police", "Health"))
    ]

    managers = {council: "council-manager", "Police": "police-manager", "Health": "health-manager"}
    grades = {council: "Good", "Police": "Inadequate", "Health": "Outstanding"}
    for agency, username in managers.items():
        page = new_page()
        others = [text for name, text in actions.items() if name != agency]
        agency_reads_its_own_action(page, server, username, actions[agency], others)
        assert download_links(page) == [f"Download {agency}'s rows (CSV)"]
        rows = download_agency_rows(page, agency)
        _check_rows(rows, grades[agency], actions[agency])


def _check_rows(rows: list[list[str]], grade: str, action: str) -> None:
    """One agency's download: its return (overall and two themes), its action, and the six
    conclusions."""
    parts = [row[0] for row in rows[1:]]
    assert parts == ["Return", "Return theme", "Return theme", "Action"] + ["Panel conclusion"] * 6
    assert rows[1][1:7] == [CASE, "Journey audit", "Submitted", "Overall", grade, rows[1][6]]
    assert rows[4][7] == action
    assert [(row[5], row[7]) for row in rows[5:]] == list(GRADES.values())
