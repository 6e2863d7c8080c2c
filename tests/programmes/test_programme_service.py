"""Programmes through the service: planned, given quotas and a list, drawn with a seed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Allocation, Case, Programme, User
from audit_app.services import programmes as programme_service
from audit_app.services.actor import Actor
from audit_app.services.allocations import DrawRefused
from audit_app.services.audits import start_allocated
from audit_app.services.csv_files import ImportRefused
from audit_app.services.errors import FieldErrors
from tests.builders import add_audit
from tests.conftest import events
from tests.programmes.conftest import (
    APRIL,
    QA_LEAD,
    draw,
    plan,
    programme_cases,
    programme_row,
    quotas_of,
    version_id,
)


def _count(app: Flask, model: type) -> int:
    with session_scope(app) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_planning_gives_every_team_a_stratum_and_records_it(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 2})
    assert quotas_of(council, programme_id) == {"Team A": 2, "Team B": 0, "Team C": 0}
    [planned] = events(council, "programmes.planned")
    detail = json.loads(planned.detail)
    assert detail["name"] == "Practice week April"
    assert detail["period_start"] == "2027-04-05" and detail["strata_by"] == "team"
    assert json.loads(events(council, "programmes.quotas_set")[0].detail)["quotas"] == {"Team A": 2}


def test_strata_by_service(council: Flask) -> None:
    programme_id = plan(council, strata_by="service", quotas={"Child Protection": 1})
    assert quotas_of(council, programme_id) == {"Children in Need": 0, "Child Protection": 1}


def test_every_problem_with_a_plan_is_given_at_once_and_nothing_is_written(
    council: Flask,
) -> None:
    values = programme_service.PlanValues(
        name=" ",
        kind="weekly",
        questionnaire_id="no-such-audit",
        start=date(2027, 4, 9),
        end=date(2027, 4, 5),
        strata_by="worker",
    )
    with council.app_context(), session_scope(council) as session:
        with pytest.raises(FieldErrors) as refused:
            programme_service.plan_programme(values, session=session, actor=QA_LEAD)
    assert list(refused.value.errors) == ["name", "kind", "questionnaire", "end", "strata_by"]
    assert "same as or after the start date" in refused.value.errors["end"]
    assert _count(council, Programme) == 0


def test_a_second_programme_of_the_same_name_is_refused(council: Flask) -> None:
    plan(council)
    with pytest.raises(FieldErrors) as refused:
        plan(council)
    assert refused.value.errors == {
        "name": "There is already a programme called Practice week April: choose another name"
    }


def test_quotas_that_are_not_whole_numbers_are_refused_each_at_its_field(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 1})
    with council.app_context(), session_scope(council) as session:
        strata = programme_service.strata_of(programme_id, session=session)
        typed = {
            programme_service.quota_field(s): v
            for s, v in zip(strata, ["x", "-1", "501"], strict=True)
        }
        with pytest.raises(FieldErrors) as refused:
            programme_service.set_quotas(programme_id, typed, session=session, actor=QA_LEAD)
    assert list(refused.value.errors.values()) == [
        f"The quota for Team {t} must be a whole number from 0 to 500" for t in "ABC"
    ]
    assert quotas_of(council, programme_id)["Team A"] == 1


def test_the_draw_meets_each_quota_from_outside_each_auditors_team(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 2, "Team B": 3, "Team C": 1})
    drawn = draw(council, programme_id, seed=11)
    assert drawn.allocated == 6 and not drawn.shortfalls
    assert {team: len(refs) for team, refs in drawn.cases.items()} == {
        "Team A": 2,
        "Team B": 3,
        "Team C": 1,
    }
    with session_scope(council) as session:
        rows = session.exec(
            select(Allocation, Case.team_id, User.team_id)
            .join(Case, Case.id == Allocation.case_id)
            .join(User, User.id == Allocation.auditor_id)
            .where(Allocation.programme_id == programme_id)
        ).all()
    assert len(rows) == 6
    assert all(case_team != auditor_team for _, case_team, auditor_team in rows)
    assert {allocation.due for allocation, _, _ in rows} == {APRIL[1]}
    assert {allocation.questionnaire_id for allocation, _, _ in rows} == {"test-audit"}
    [event] = events(council, "programmes.drawn")
    detail = json.loads(event.detail)
    assert detail["seed"] == 11 and detail["allocated"] == 6
    assert detail["cases"] == drawn.cases and detail["shortfalls"] == {}
    assert programme_row(council, programme_id).seed == 11


def test_drawing_again_does_not_allocate_twice(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 2, "Team C": 1})
    first = draw(council, programme_id, seed=3)
    again = draw(council, programme_id, seed=4)
    assert first.allocated == 3 and again.allocated == 0
    assert len(programme_cases(council, programme_id)) == 3
    assert again.lines()[0] == "Drew 0 cases for Practice week April with seed 4."


def test_a_raised_quota_is_topped_up(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 1})
    draw(council, programme_id)
    with council.app_context(), session_scope(council) as session:
        [a, b, c] = programme_service.strata_of(programme_id, session=session)
        typed = {programme_service.quota_field(a): "3"}
        programme_service.set_quotas(programme_id, typed, session=session, actor=QA_LEAD)
    assert draw(council, programme_id).allocated == 2
    assert len(programme_cases(council, programme_id)) == 3


def test_a_quota_that_cannot_be_met_says_so_per_stratum(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 2, "Team C": 5})
    drawn = draw(council, programme_id)
    assert drawn.shortfalls == ("Team C has 3 of 5: not enough eligible cases",)
    assert drawn.lines()[1] == "Quota not met: Team C has 3 of 5: not enough eligible cases."
    assert json.loads(events(council, "programmes.drawn")[0].detail)["shortfalls"] == {"Team C": 2}


def test_the_same_seed_draws_the_same_cases(council: Flask) -> None:
    quotas = {"Team A": 2, "Team B": 2, "Team C": 1}
    first = plan(council, "First", period=(date(2027, 4, 5), date(2027, 4, 9)), quotas=quotas)
    second = plan(council, "Second", period=(date(2027, 6, 7), date(2027, 6, 11)), quotas=quotas)
    assert draw(council, first, seed=42).cases == draw(council, second, seed=42).cases
    assert programme_cases(council, first) == programme_cases(council, second)


def test_a_draw_without_a_seed_chooses_one_and_keeps_it(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 1})
    drawn = draw(council, programme_id, seed=None)
    assert programme_row(council, programme_id).seed == drawn.seed
    assert json.loads(events(council, "programmes.drawn")[0].detail)["seed"] == drawn.seed


@pytest.mark.parametrize("seed", ["-1", "x", "2147483648", "99999999999"])
def test_a_seed_that_is_not_a_whole_number_in_range_is_refused(council: Flask, seed: str) -> None:
    programme_id = plan(council, quotas={"Team A": 1})
    with pytest.raises(DrawRefused) as refused:
        draw(council, programme_id, seed=seed)  # type: ignore[arg-type]
    assert refused.value.field == "seed"
    assert _count(council, Allocation) == 0


def test_a_draw_without_quotas_is_refused(council: Flask) -> None:
    programme_id = plan(council)
    with pytest.raises(DrawRefused, match="Set a quota for at least one stratum"):
        draw(council, programme_id)
    assert events(council, "programmes.drawn") == []


@pytest.mark.parametrize(
    ("audited_on", "drawn"),
    [
        # The programme starts on 5 April 2027: the 12 months before begin on 5 April 2026.
        (datetime(2026, 4, 4, 22, 59, tzinfo=UTC), True),  # 23:59 on 4 April, BST
        (datetime(2026, 4, 4, 23, 0, tzinfo=UTC), False),  # 00:00 on 5 April, BST
        (datetime(2027, 4, 6, 9, 0, tzinfo=UTC), False),  # since the start
    ],
)
def test_a_case_audited_in_the_12_months_before_the_start_is_not_drawn(
    council: Flask, audited_on: datetime, drawn: bool
) -> None:
    for ref in ("C1", "C2"):
        add_audit(
            council,
            ref,
            "auditor-a",
            version_id(council),
            created_at=audited_on,
            submitted_at=audited_on,
            status="submitted",
        )
    programme_id = plan(council, quotas={"Team C": 3})
    result = draw(council, programme_id)
    assert ("C1" in result.cases["Team C"]) is drawn
    assert result.shortfalls == (() if drawn else ("Team C has 1 of 3: not enough eligible cases",))


def test_a_case_allocated_in_the_period_is_not_drawn_again(council: Flask) -> None:
    one = plan(council, "One", quotas={"Team C": 2})
    other = plan(council, "Other", quotas={"Team C": 2})
    draw(council, one)
    assert draw(council, other).shortfalls == ("Team C has 1 of 2: not enough eligible cases",)


def test_a_list_of_cases_is_the_frame(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team A": 3, "Team B": 3})
    with council.app_context(), session_scope(council) as session:
        count = programme_service.import_case_list(
            programme_id,
            b"case_id,child_name\nA1,x\nA2,y\nB5,z\n",
            session=session,
            actor=QA_LEAD,
        )
    assert count == 3
    drawn = draw(council, programme_id)
    assert sorted(drawn.cases["Team A"]) == ["A1", "A2"] and drawn.cases["Team B"] == ["B5"]
    detail = json.loads(events(council, "programmes.cases_listed")[0].detail)
    assert detail["cases"] == 3 and detail["ignored_columns"] == ["child_name"]


def test_a_bad_list_is_refused_with_every_problem_by_line(council: Flask) -> None:
    programme_id = plan(council)
    raw = b"case_id\nA1\n\nbad ref!\nZ9\nA1\n"
    with council.app_context(), session_scope(council) as session:
        with pytest.raises(ImportRefused) as refused:
            programme_service.import_case_list(programme_id, raw, session=session, actor=QA_LEAD)
    assert [str(p) for p in refused.value.problems] == [
        'Line 4: case_id "bad ref!" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)",
        'Line 5: case_id "Z9" is not a known case; import it first',
        'Line 6: case_id "A1" is also on line 2; each case must appear once',
    ]
    assert not programme_row(council, programme_id).case_list


def test_the_programmes_audits_are_listed_for_a_paper(council: Flask) -> None:
    programme_id = plan(council, quotas={"Team C": 2})
    draw(council, programme_id)
    with council.app_context(), session_scope(council) as session:
        allocation = session.exec(
            select(Allocation).where(Allocation.programme_id == programme_id)
        ).first()
        assert allocation is not None
        auditor = session.get(User, allocation.auditor_id)
        assert auditor is not None
        actor = Actor(id=auditor.id, username=auditor.username, role="auditor")
        audit = start_allocated(allocation.id or 0, actor, session=session)
        audit_id = audit.id
    with session_scope(council) as session:
        assert programme_service.programme_audit_ids(programme_id, session=session) == [audit_id]
        assert programme_service.programme_audit_ids(999, session=session) == []
