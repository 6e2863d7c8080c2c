"""A whole multi-agency audit in a real browser: a coordinator (a council admin) opens one on a
child's case with three agencies (the police, health, and the council's children's social
care); each agency's auditor completes and submits its return; another agency's auditor, and
the coordinator, find a sealed return not found; the third return in closes the returns by
itself, and the coordinator reads all three. The coordinator then records the panel's
discussion on the six domains, concludes it and gives each agency an action; each agency's
manager sees its own action only and downloads its own rows. Every page passes the
accessibility checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page

from tests.browser import multi_agency_panel_steps as panel
from tests.browser import multi_agency_steps as steps
from tests.browser.conftest import LiveServer, sign_in

POLICE = "Riverbend Constabulary"
HEALTH = "Riverbend Health Trust"
COUNCIL = "The council"
CASE = "MA-4471"
TITLE = "Multi-agency audit: case MA-4471"
GRADES = {
    "recognition": ("Requires improvement", "Neglect was seen late by every agency."),
    "planning": ("Good", "The plan named each agency's part."),
    "assessment": ("Requires improvement", "The assessment missed the school's view."),
    "joint_working": ("Inadequate", "Strategy discussions left out health."),
    "impact": ("Good", "Attendance rose after the plan."),
    "overall": ("Requires improvement", "Improving, from a late start."),
}
ACTIONS = {
    COUNCIL: "Council: hold a strategy discussion with health within a day.",
    POLICE: "Police: share every domestic abuse notification within 24 hours.",
    HEALTH: "Health: invite the GP to every core group.",
}
MANAGERS = {COUNCIL: "ma-council-manager", POLICE: "ma-police-manager", HEALTH: "ma-health-manager"}
WORDS = {
    "ma-police-auditor": "Police return: joint visit recorded 4471",
    "ma-health-auditor": "Health return: missed appointments 4471",
    "ma-council-auditor": "Council return: plan reviewed 4471",
}


@pytest.fixture(scope="module")
def multi_agency_server(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    steps.seed(
        live_server,
        tmp_path_factory.mktemp("multi-agency"),
        case_ref=CASE,
        agencies={POLICE: "police", HEALTH: "health"},
        people=(
            ("ma-coordinator", "admin", None),
            ("ma-council-auditor", "auditor", None),
            ("ma-police-auditor", "auditor", POLICE),
            ("ma-health-auditor", "auditor", HEALTH),
            ("ma-council-manager", "manager", None),
            ("ma-police-manager", "manager", POLICE),
            ("ma-health-manager", "manager", HEALTH),
        ),
    )
    return live_server


def test_a_whole_multi_agency_audit_of_three_agencies_and_a_coordinator(
    multi_agency_server: LiveServer, new_page: Callable[..., Page]
) -> None:
    server = multi_agency_server
    steps.open_multi_agency(
        new_page(), server, "ma-coordinator", TITLE, CASE, (COUNCIL, POLICE, HEALTH)
    )
    police, health, council = WORDS
    police_return = steps.complete_return(new_page(), server, police, TITLE, WORDS[police])
    steps.refused_sealed_return(new_page(), server, health, police_return)
    steps.refused_sealed_return(new_page(), server, "ma-coordinator", police_return)
    steps.complete_return(new_page(), server, health, TITLE, WORDS[health])
    last = new_page()
    steps.complete_return(last, server, council, TITLE, WORDS[council])
    steps.status_is(last, TITLE, "Returns closed")
    coordinator = new_page()
    sign_in(coordinator, server, "ma-coordinator")
    steps.read_returns(coordinator, server, TITLE, tuple(WORDS.values()))

    steps.go_to(coordinator, TITLE)
    coordinator.get_by_role("link", name="The panel's discussion and conclusions").click()
    audit_id = int(re.findall(r"/multi-agency/(\d+)/discussion", coordinator.url)[0])
    panel.open_discussion(coordinator, server, audit_id)
    panel.record_discussion(coordinator, GRADES)
    panel.conclude_discussion(coordinator)
    panel.give_actions(coordinator, ACTIONS, date.today() + timedelta(days=30))
    assert panel.download_links(coordinator) == [
        f"Download {name}'s rows (CSV)" for name in sorted(ACTIONS)
    ]
    for agency, username in MANAGERS.items():
        page = new_page()
        others = [text for name, text in ACTIONS.items() if name != agency]
        panel.agency_reads_its_own_action(page, server, username, ACTIONS[agency], others, TITLE)
        assert panel.download_links(page) == [f"Download {agency}'s rows (CSV)"]
        _check_rows(panel.download_agency_rows(page, agency), agency)


def _check_rows(rows: list[list[str]], agency: str) -> None:
    """One agency's download: its own return and action and the six conclusions, and nothing
    of another agency's."""
    text = "\n".join(",".join(row) for row in rows)
    parts = [row[0] for row in rows[1:]]
    assert parts.count("Return") == 1 and parts.count("Action") == 1, parts
    assert parts.count("Panel conclusion") == 6, parts
    assert ACTIONS[agency] in text
    assert all(ACTIONS[other] not in text for other in ACTIONS if other != agency)
    return_row = next(row for row in rows if row[0] == "Return")
    assert return_row[1:4] == [CASE, steps.QUESTIONNAIRE, "Submitted"], return_row
