"""Each agency's download: its own returns and actions, the conclusions shared with every
agency once concluded, formulas neutralised, and every download in the trail."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from audit_app.core.partnership import DOMAINS
from audit_app.db import session_scope
from audit_app.services import panel, panel_export
from tests.builders import actor_for
from tests.conftest import events
from tests.panel.conftest import HEALTH, POLICE, PanelWorld
from tests.panel_builders import give_action


def _export(app: Flask, world: PanelWorld, who: str, organisation: int | None) -> list[list[str]]:
    actor = actor_for(app, who)
    with session_scope(app) as session:
        _name, rows = panel_export.agency_export(
            world.audit_id, organisation, actor, session=session
        )
    return rows


def test_an_agency_s_rows_are_its_own(app: Flask, world: PanelWorld) -> None:
    give_action(app, world.audit_id, world.org(POLICE), '=HYPERLINK("x")', created_by="coordinator")
    give_action(app, world.audit_id, world.org(HEALTH), "Health's own.", created_by="coordinator")
    rows = _export(app, world, "police_manager", world.org(POLICE))
    assert rows[0] == panel_export.HEADER
    assert [row[:6] for row in rows[1:4]] == [
        ["Return", "100824", "Journey audit", "Submitted", "Overall", "Requires improvement"],
        [
            "Return theme",
            "100824",
            "Journey audit",
            "Submitted",
            "The child's voice",
            "Requires improvement",
        ],
        [
            "Return theme",
            "100824",
            "Journey audit",
            "Submitted",
            "Planning",
            "Requires improvement",
        ],
    ]
    assert [row[0] for row in rows[4:]] == ["Action"]  # not concluded: no conclusions yet
    assert rows[4][7] == '=HYPERLINK("x")'
    file = panel_export.csv_text(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in file
    assert "Health" not in file and "Outstanding" not in file


def test_the_coordinator_downloads_any_agency_s(app: Flask, world: PanelWorld) -> None:
    rows = _export(app, world, "coordinator", world.org(HEALTH))
    assert rows[1][:6] == [
        "Return",
        "100824",
        "Journey audit",
        "Submitted",
        "Overall",
        "Outstanding",
    ]
    event = events(app, "report.exported")[-1]
    assert json.loads(event.detail)["organisation_id"] == world.org(HEALTH)
    assert json.loads(event.detail)["kind"] == "multi_agency"


@pytest.mark.parametrize(
    ("who", "organisation"),
    [
        ("police_manager", HEALTH),  # another agency's
        ("police_auditor", POLICE),  # neither a manager nor an admin
        ("probation_manager", POLICE),  # no agency of it
        ("health_admin", None),  # no agency named
    ],
)
def test_no_one_else_downloads_an_agency_s(
    app: Flask, world: PanelWorld, who: str, organisation: str | None
) -> None:
    with pytest.raises(panel.MultiAgencyNotFound):
        _export(app, world, who, world.org(organisation) if organisation else None)
    assert events(app, "report.exported") == []


def test_the_conclusions_are_in_every_agency_s_once_concluded(
    app: Flask, world: PanelWorld
) -> None:
    coordinator = actor_for(app, "coordinator")
    typed = {domain: ("Good", f"+{domain} analysis") for domain in DOMAINS}
    with session_scope(app) as session:
        panel.save_discussion(world.audit_id, typed, 1, coordinator, session=session)
    with session_scope(app) as session:
        panel.conclude(world.audit_id, 2, True, coordinator, session=session)
    for who, agency in (("police_admin", POLICE), ("health_manager", HEALTH)):
        rows = _export(app, world, who, world.org(agency))
        conclusions = [row for row in rows if row[0] == "Panel conclusion"]
        assert [(row[4], row[5]) for row in conclusions] == [
            (label, "Good") for label in DOMAINS.values()
        ]
        assert "'+recognition analysis" in panel_export.csv_text(rows).decode("utf-8-sig")
