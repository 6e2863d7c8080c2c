"""A multi-agency audit in a real browser: a coordinator (a council admin) opens one on a
child's case with three agencies (the police, health, and the council's children's social
care); each agency's auditor completes and submits its return; another agency's auditor finds
a sealed return not found; the third return in closes the returns by itself, and the
coordinator reads all three. Every page passes the accessibility checks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser import multi_agency_steps as steps
from tests.browser.conftest import LiveServer, sign_in

POLICE = "Riverbend Constabulary"
HEALTH = "Riverbend Health Trust"
COUNCIL = "The council"
CASE = "MA-4471"
TITLE = "Multi-agency audit: case MA-4471"
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
        ),
    )
    return live_server


def test_three_agencies_return_sealed_until_the_last_is_in_then_the_coordinator_reads_them(
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
