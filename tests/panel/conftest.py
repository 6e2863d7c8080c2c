"""A multi-agency audit of case 100824 whose returns are closed: the council (its coordinator
and an auditor), the police and health each with a return, the police's and health's managers
named to the panel, and probation, which is no agency of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from tests.builders import journey_questionnaire, load_questionnaire, make_case
from tests.panel_builders import ClosedReturns, closed_returns

POLICE = "Police"
HEALTH = "Health"
PROBATION = "Probation"
COUNCIL = "The council"


@dataclass(frozen=True)
class PanelWorld:
    """The multi-agency audit, and its agencies' ids by name."""

    closed: ClosedReturns

    @property
    def audit_id(self) -> int:
        return self.closed.audit_id

    def org(self, name: str) -> int:
        """An agency's id by name; COUNCIL is the home organisation, whatever its name."""
        if name == COUNCIL:
            return next(i for n, i in self.closed.agencies.items() if n not in (POLICE, HEALTH))
        return self.closed.agencies[name]


def people(make_user: Callable[..., str]) -> None:
    make_user("coordinator", "manager", services=("Child Protection",))
    make_user("council_auditor", "auditor", team="Child Protection 1")
    make_user("council_admin", "admin")
    for organisation, prefix in ((POLICE, "police"), (HEALTH, "health"), (PROBATION, "probation")):
        make_user(
            f"{prefix}_auditor", "auditor", team=f"{organisation} 1", organisation=organisation
        )
        make_user(
            f"{prefix}_manager",
            "manager",
            services=(f"{organisation} service",),
            organisation=organisation,
        )
        make_user(f"{prefix}_admin", "admin", organisation=organisation)
        make_user(f"{prefix}_viewer", "viewer", organisation=organisation)


@pytest.fixture
def world(app: Flask, make_user: Callable[..., str]) -> PanelWorld:
    load_questionnaire(app, journey_questionnaire())
    make_case(app, "100824")
    people(make_user)
    closed = closed_returns(
        app,
        coordinator="coordinator",
        case_ref="100824",
        returns={
            "council_auditor": "Good",
            "police_auditor": "Requires improvement",
            "health_auditor": "Outstanding",
        },
        panel=("police_manager", "health_manager"),
    )
    return PanelWorld(closed)
