"""The panel's pages through the test client: what was typed is shown back when refused, the
conclusion's confirmation, and each agency's download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.core.partnership import DOMAINS
from tests.panel.conftest import HEALTH, POLICE, PanelWorld


def _discussion(world: PanelWorld) -> str:
    return f"/multi-agency/{world.audit_id}/discussion"


def _typed(version: int, **grades: str) -> dict[str, str]:
    data = {"version": str(version)}
    for domain in DOMAINS:
        data[f"{domain}-grade"] = grades.get(domain, "")
        data[f"{domain}-analysis"] = f"Typed about {domain}." if domain in grades else ""
    return data


def test_a_stale_discussion_shows_what_was_typed_beside_what_is_saved(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("police_manager")
    assert client.post(_discussion(world), data=_typed(1, assessment="Good")).status_code == 302
    response = client.post(_discussion(world), data=_typed(1, assessment="Inadequate"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "nothing was saved" in page
    assert "Saved now: Good" in page
    assert 'value="Inadequate" checked' in page
    assert 'name="version" value="2"' in page


def test_a_grade_off_the_scale_is_shown_back_with_its_message(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("coordinator")
    response = client.post(_discussion(world), data=_typed(1, impact="Superb"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#impact-grade"' in page
    assert "Typed about impact." in page
    assert 'name="version" value="1"' in page  # still checked against the page it came from


def test_concluding_without_every_grade_names_the_missing_domains(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("coordinator")
    client.post(_discussion(world), data=_typed(1, overall="Good"))
    response = client.post(f"{_discussion(world)}/conclude", data={"version": "2", "confirm": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not graded yet: Recognition of need and risk, Planning and intervention" in page


def test_the_coordinator_concludes_and_an_agency_reads_the_conclusions(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("coordinator")
    client.post(_discussion(world), data=_typed(1, **dict.fromkeys(DOMAINS, "Good")))
    response = client.post(f"{_discussion(world)}/conclude", data={"version": "2", "confirm": "y"})
    assert response.status_code == 302
    client.post("/sign-out")
    sign_in("health_auditor")
    page = client.get(_discussion(world)).get_data(as_text=True)
    assert "Panel conclusions" in page and "Typed about joint_working." in page
    assert "Save draft" not in page


def test_an_agency_s_manager_downloads_its_own_rows_only(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("police_manager")
    url = f"/multi-agency/{world.audit_id}/export.csv?organisation="
    response = client.get(url + str(world.org(POLICE)))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][5] == "Requires improvement"
    assert client.get(url + str(world.org(HEALTH))).status_code == 404
    assert client.get(url + "not-a-number").status_code == 404


def test_giving_an_action_shows_back_what_was_typed(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("coordinator")
    response = client.post(
        f"/multi-agency/{world.audit_id}/actions",
        data={
            "description": "Share the log.",
            "due-day": "31",
            "due-month": "2",
            "due-year": "2099",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the agency that owns the action" in page
    assert "Share the log." in page and 'value="31"' in page


HUGE = "9" * 30  # beyond any database's integer


def test_odd_ids_and_agencies_are_no_such_page(
    client: FlaskClient, world: PanelWorld, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("coordinator")
    for path in (
        f"/multi-agency/{HUGE}/discussion",
        f"/multi-agency/{HUGE}/actions",
        f"/multi-agency/{world.audit_id}/actions/{HUGE}/complete",
        f"/multi-agency/{world.audit_id}/export.csv?organisation={HUGE}",
        f"/multi-agency/{world.audit_id}/export.csv",
    ):
        assert client.get(path).status_code == 404, path
    response = client.post(
        f"/multi-agency/{world.audit_id}/actions",
        data={
            "organisation": HUGE,
            "description": "x",
            "due-day": "1",
            "due-month": "1",
            "due-year": HUGE,
        },
    )
    assert response.status_code == 400
    assert "Choose the agency that owns the action" in response.get_data(as_text=True)
