"""The programme pages and the `flask programmes` commands."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.builders import PASSWORD, add_audit
from tests.programmes.conftest import draw, plan, programme_cases, quotas_of, version_id
from tests.steps import signed_in_client


def _plan_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    """The plan's fields; each date is a GOV.UK date input's day, month and year, one name."""
    form: dict[str, str | list[str]] = {
        "name": "Practice week spring",
        "kind": "practice_week",
        "questionnaire": "test-audit",
        "strata_by": "team",
        "start": ["5", "4", "2027"],
        "end": ["9", "4", "2027"],
    }
    return form | changes


def test_a_programme_is_planned_on_its_page(council: Flask, admin_signed_in: FlaskClient) -> None:
    page = admin_signed_in.get("/programmes/new").get_data(as_text=True)
    assert "Practice week" in page and "Themed audit" in page and "Monthly cycle" in page
    response = admin_signed_in.post("/programmes/new", data=_plan_form())
    assert response.status_code == 302
    shown = admin_signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Practice week spring has been planned" in shown
    assert 'for="quota-1"' in shown and "Quota for Team A" in shown
    listing = admin_signed_in.get("/programmes").get_data(as_text=True)
    assert "Practice week spring" in listing and "Not yet" in listing


def test_every_mistake_in_a_plan_is_shown_at_its_field_with_what_was_typed(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post(
        "/programmes/new",
        data=_plan_form(name="", kind="", end=["31", "2", "2027"]),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Enter the programme&#39;s name" in page
    assert "Select the kind of programme" in page
    assert "The end date must be a real date" in page
    assert 'href="#end"' in page
    assert 'value="31"' in page and 'value="test-audit" checked' in page


def test_quotas_are_saved_and_a_bad_one_is_shown_at_its_box(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    programme_id = plan(council)
    url = f"/programmes/{programme_id}/quotas"
    response = admin_signed_in.post(url, data={"quota-1": "2", "quota-2": "two", "quota-3": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#quota-2"' in page
    assert "The quota for Team B must be a whole number from 0 to 500" in page
    assert 'value="two"' in page
    assert quotas_of(council, programme_id) == {"Team A": 0, "Team B": 0, "Team C": 0}
    response = admin_signed_in.post(url, data={"quota-1": "2", "quota-2": "1", "quota-3": ""})
    assert response.status_code == 302
    assert quotas_of(council, programme_id) == {"Team A": 2, "Team B": 1, "Team C": 0}


def test_the_draw_leads_to_the_coverage_page(council: Flask, admin_signed_in: FlaskClient) -> None:
    programme_id = plan(council, quotas={"Team A": 2, "Team C": 4})
    response = admin_signed_in.post(f"/programmes/{programme_id}/draw", data={"seed": "9"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/programmes/{programme_id}/coverage")
    page = admin_signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Drew 5 cases for Practice week April with seed 9." in page
    assert "Quota not met: Team C has 3 of 4: not enough eligible cases." in page
    assert "5 of 6 cases allocated, 0 started, 0 submitted." in page
    assert "SW300" in page and "Not audited" in page


def test_a_bad_seed_is_shown_at_its_field(council: Flask, admin_signed_in: FlaskClient) -> None:
    programme_id = plan(council, quotas={"Team A": 1})
    response = admin_signed_in.post(f"/programmes/{programme_id}/draw", data={"seed": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#seed"' in page and 'value="abc"' in page
    assert programme_cases(council, programme_id) == {}


def test_a_draw_without_quotas_says_so(council: Flask, admin_signed_in: FlaskClient) -> None:
    programme_id = plan(council)
    response = admin_signed_in.post(f"/programmes/{programme_id}/draw", data={"seed": ""})
    assert response.status_code == 400
    assert "Set a quota for at least one stratum before drawing" in response.get_data(as_text=True)


def test_a_list_of_cases_is_imported_or_refused_with_every_problem(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    programme_id = plan(council)
    url = f"/programmes/{programme_id}/cases"
    bad = {"cases_file": (io.BytesIO(b"case_id\nA1\nZ9\nA1\n"), "extract.csv")}
    page = admin_signed_in.post(url, data=bad).get_data(as_text=True)
    assert "Line 3: case_id &#34;Z9&#34; is not a known case; import it first" in page
    assert "Line 4: case_id &#34;A1&#34; is also on line 2; each case must appear once" in page
    good = {"cases_file": (io.BytesIO(b"case_id\nA1\nB2\n"), "extract.csv")}
    response = admin_signed_in.post(url, data=good)
    assert response.status_code == 302
    page = admin_signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "The list of 2 cases is now the programme" in page
    assert "The 2 cases of the imported list" in page


def test_an_unknown_programme_is_not_found(council: Flask, admin_signed_in: FlaskClient) -> None:
    assert admin_signed_in.get("/programmes/999").status_code == 404
    assert admin_signed_in.get("/programmes/999/coverage").status_code == 404
    assert admin_signed_in.post("/programmes/999/draw", data={}).status_code == 404


def test_coverage_counts_started_and_submitted_audits(
    council: Flask, admin_signed_in: FlaskClient
) -> None:
    from sqlmodel import select

    from audit_app.db import session_scope
    from audit_app.models import Allocation, Audit

    programme_id = plan(council, quotas={"Team C": 2})
    draw(council, programme_id)
    version = version_id(council)
    with session_scope(council) as session:
        allocations = session.exec(
            select(Allocation).where(Allocation.programme_id == programme_id)
        ).all()
        for allocation, status in zip(allocations, ("draft", "submitted"), strict=True):
            audit = Audit(
                case_id=allocation.case_id,
                questionnaire_version_id=version,
                auditor_id=allocation.auditor_id,
                status=status,
            )
            session.add(audit)
            session.flush()
            allocation.audit_id = audit.id
            session.add(allocation)
    page = admin_signed_in.get(f"/programmes/{programme_id}/coverage").get_data(as_text=True)
    assert "2 of 2 cases allocated, 2 started, 1 submitted." in page
    team_c = re.search(r"Team C</th>(.*?)</tr>", page, re.S)
    assert team_c is not None and "Audited" in team_c.group(1)


def _not_audited_on(app: Flask, moment: datetime) -> str:
    """The service-wide list as an admin sees it with the clock set to ``moment``."""
    with time_machine.travel(moment, tick=False):
        client = signed_in_client(app, "qa-lead", PASSWORD)
        return client.get("/programmes/not-audited").get_data(as_text=True)


@pytest.mark.parametrize(
    ("audited", "now", "listed", "since"),
    [
        # A year's end: on 31 December 2027 the 12 months began on 31 December 2026.
        (
            datetime(2026, 12, 31, 9, tzinfo=UTC),
            datetime(2027, 12, 31, 12, tzinfo=UTC),
            False,
            "31 December 2026",
        ),
        (
            datetime(2026, 12, 30, 23, 59, tzinfo=UTC),
            datetime(2027, 12, 31, 12, tzinfo=UTC),
            True,
            "31 December 2026",
        ),
        # 00:30 on 1 January 2028 in England: the 12 months began on 1 January 2027.
        (
            datetime(2026, 12, 31, 9, tzinfo=UTC),
            datetime(2028, 1, 1, 0, 30, tzinfo=UTC),
            True,
            "1 January 2027",
        ),
        # 29 February 2028 looks back to 28 February 2027.
        (
            datetime(2027, 2, 28, 9, tzinfo=UTC),
            datetime(2028, 2, 29, 12, tzinfo=UTC),
            False,
            "28 February 2027",
        ),
        (
            datetime(2027, 2, 27, 9, tzinfo=UTC),
            datetime(2028, 2, 29, 12, tzinfo=UTC),
            True,
            "28 February 2027",
        ),
        # A month's end in British Summer Time: 23:30 UTC on 30 April is 1 May in England.
        (
            datetime(2027, 4, 30, 23, 30, tzinfo=UTC),
            datetime(2028, 4, 30, 23, 30, tzinfo=UTC),
            False,
            "1 May 2027",
        ),
        (
            datetime(2027, 4, 30, 22, 59, tzinfo=UTC),
            datetime(2028, 4, 30, 23, 30, tzinfo=UTC),
            True,
            "1 May 2027",
        ),
        # The clocks went forward on 26 March 2028: 00:30 on 27 March is 26 March in UTC; a
        # year before, in Greenwich Mean Time, 23:30 UTC was 23:30 on 26 March.
        (
            datetime(2027, 3, 26, 23, 30, tzinfo=UTC),
            datetime(2028, 3, 26, 23, 30, tzinfo=UTC),
            True,
            "27 March 2027",
        ),
        (
            datetime(2027, 3, 27, 0, 30, tzinfo=UTC),
            datetime(2028, 3, 26, 23, 30, tzinfo=UTC),
            False,
            "27 March 2027",
        ),
    ],
)
def test_the_cases_not_audited_in_12_months(
    council: Flask, audited: datetime, now: datetime, listed: bool, since: str
) -> None:
    version = version_id(council)
    add_audit(council, "A1", "auditor-b", version, created_at=audited, submitted_at=audited)
    page = _not_audited_on(council, now)
    assert f"no audit started or submitted on or since {since}." in page
    assert (">A1<" in page) is listed and ">A2<" in page
    assert f"{13 if listed else 12} cases with no audit" in page


def test_flask_programmes_draw_with_a_seed_and_list(council: Flask, runner: FlaskCliRunner) -> None:
    programme_id = plan(council, quotas={"Team B": 2})
    result = runner.invoke(args=["programmes", "draw", str(programme_id), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Drew 2 cases for Practice week April with seed 5.")
    assert "  Team B: " in result.output
    listed = runner.invoke(args=["programmes", "list"])
    assert f"{programme_id}\tpractice_week\t2027-04-05 to 2027-04-09\ttest-audit\tseed 5" in (
        listed.output
    )


def test_flask_programmes_draw_refused(council: Flask, runner: FlaskCliRunner) -> None:
    programme_id = plan(council)
    result = runner.invoke(args=["programmes", "draw", str(programme_id)])
    assert result.exit_code == 1
    assert "Set a quota for at least one stratum before drawing" in result.output
    assert "Nothing was allocated." in result.output
    missing = runner.invoke(args=["programmes", "draw", "999"])
    assert missing.exit_code == 1 and "No programme 999" in missing.output
