"""Drawing allocations at random for monthly peer audits."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlmodel import Session, select

from audit_app.db import session_scope
from audit_app.models import Allocation, Case, Team, User
from audit_app.services import accounts
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from audit_app.services.allocations import (
    DrawnAllocations,
    DrawRefused,
    Shortfall,
    allocations_for_auditor,
    draw_allocations,
)
from audit_app.services.cases import import_cases
from tests.builders import add_audit, case_id, cases_csv, load_small_questionnaire, user_id
from tests.cases.conftest import events, table_counts

MARCH = date(2025, 3, 1)
SEEDS = range(25)


@pytest.fixture
def council(app: Flask, make_user: Callable[..., str]) -> Flask:
    """Three teams of cases; two auditors in teams A and B; others who must get nothing."""
    with app.app_context(), session_scope(app) as session:
        import_cases(
            cases_csv(
                "A1,Children in Need,Team A,",
                "A2,Children in Need,Team A,",
                "A3,Children in Need,Team A,",
                "B1,Children in Need,Team B,",
                "B2,Children in Need,Team B,",
                "B3,Children in Need,Team B,",
                "C1,Child Protection,Team C,",
                "C2,Child Protection,Team C,",
            ),
            session=session,
            actor=Actor.system("test"),
        )
    make_user("auditor-a", "auditor", team="Team A")
    make_user("auditor-b", "auditor", team="Team B")
    make_user("manager1", "manager")
    make_user("gone1", "auditor", team="Team C")
    with app.app_context(), session_scope(app) as session:
        user = accounts.find_user("gone1", session=session)
        assert user is not None
        accounts.set_active(user, False, session=session, actor=Actor.system("test"))
    load_small_questionnaire(app, "test-audit")
    return app


def draw(
    session: Session, *, seed: int, per_auditor: int = 2, month: date = MARCH
) -> DrawnAllocations:
    return draw_allocations(
        session=session,
        actor=Actor.system("tester"),
        month=month,
        per_auditor=per_auditor,
        questionnaire_id="test-audit",
        rng=random.Random(seed),
    )


def drawn_pairs(session: Session, drawn: DrawnAllocations) -> list[tuple[str, str, str]]:
    """(auditor, case reference, auditor's own team) for each allocation drawn."""
    pairs = []
    for allocation in drawn:
        user = session.get(User, allocation.auditor_id)
        case = session.get(Case, allocation.case_id)
        assert user is not None and case is not None
        team = session.get(Team, case.team_id)
        assert team is not None
        pairs.append((user.username, case.case_ref, team.name))
    return pairs


def test_each_active_auditor_gets_cases_from_other_teams_only(council: Flask) -> None:
    for seed in SEEDS:
        with session_scope(council) as session:
            drawn = draw(session, seed=seed)
            pairs = drawn_pairs(session, drawn)
            session.rollback()
        assert Counter(user for user, _, _ in pairs) == {"auditor-a": 2, "auditor-b": 2}
        assert all(team != "Team A" for user, _, team in pairs if user == "auditor-a")
        assert all(team != "Team B" for user, _, team in pairs if user == "auditor-b")
        assert len({case for _, case, _ in pairs}) == len(pairs), "a case drawn twice"
        assert drawn.shortfalls == ()


def test_allocations_are_due_on_the_last_day_of_the_month(council: Flask) -> None:
    with session_scope(council) as session:
        drawn = draw(session, seed=1, month=date(2024, 2, 1))
    assert {a.due for a in drawn} == {date(2024, 2, 29)}
    assert {a.created_by for a in drawn} == {"tester"}
    with session_scope(council) as session:
        assert session.exec(select(Allocation)).all() != []


def test_the_same_seed_draws_the_same_cases(council: Flask) -> None:
    results = []
    for _ in range(2):
        with session_scope(council) as session:
            results.append(drawn_pairs(session, draw(session, seed=42)))
            session.rollback()
    assert results[0] == results[1]


def test_cases_audited_in_the_previous_12_months_are_never_drawn(council: Flask) -> None:
    version_id = load_small_questionnaire(council, "test-audit")
    # Created inside the window.
    add_audit(council, "C1", "auditor-b", version_id, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    # Created before the window, submitted inside it.
    add_audit(
        council,
        "B1",
        "auditor-b",
        version_id,
        created_at=datetime(2024, 2, 1, tzinfo=UTC),
        submitted_at=datetime(2024, 3, 5, tzinfo=UTC),
        status="submitted",
    )
    # Entirely before the window: the case may be drawn again.
    add_audit(
        council,
        "C2",
        "auditor-b",
        version_id,
        created_at=datetime(2024, 2, 1, tzinfo=UTC),
        submitted_at=datetime(2024, 2, 28, 23, 59, tzinfo=UTC),
        status="submitted",
    )
    seen: set[str] = set()
    for seed in SEEDS:
        with session_scope(council) as session:
            seen.update(case for _, case, _ in drawn_pairs(session, draw(session, seed=seed)))
            session.rollback()
    assert "C1" not in seen and "B1" not in seen
    assert "C2" in seen


def test_cases_already_allocated_in_the_month_are_never_drawn(council: Flask) -> None:
    with session_scope(council) as session:
        session.add(
            Allocation(
                case_id=case_id(council, "C1"),
                questionnaire_id="another-audit",
                auditor_id=user_id(council, "manager1"),
                due=date(2025, 3, 10),
            )
        )
        session.add(
            Allocation(
                case_id=case_id(council, "C2"),
                questionnaire_id="test-audit",
                auditor_id=user_id(council, "manager1"),
                due=date(2025, 2, 28),  # another month: C2 may be drawn
            )
        )
    seen: set[str] = set()
    for seed in SEEDS:
        with session_scope(council) as session:
            seen.update(case for _, case, _ in drawn_pairs(session, draw(session, seed=seed)))
            session.rollback()
    assert "C1" not in seen
    assert "C2" in seen


def test_a_shortfall_is_reported_not_refused(council: Flask) -> None:
    # Eligible: auditor-a has B1-B3, C1, C2 (5); auditor-b has A1-A3, C1, C2 (5); 8 cases in all.
    with session_scope(council) as session:
        drawn = draw(session, seed=3, per_auditor=5)
        pairs = drawn_pairs(session, drawn)
    counts = Counter(user for user, _, _ in pairs)
    assert sum(counts.values()) == 8
    assert len({case for _, case, _ in pairs}) == 8
    assert sorted(drawn.shortfalls, key=lambda s: s.auditor) == [
        Shortfall(user, 5, counts[user]) for user in ("auditor-a", "auditor-b") if counts[user] < 5
    ]
    assert drawn.shortfalls, "8 cases cannot fill 10 places"
    assert any(line.startswith("Shortfall: auditor-") for line in drawn.lines())
    (event,) = events(council, "allocations.drawn")
    assert event["allocated"] == 8
    assert event["shortfalls"] == {s.auditor: 5 - s.allocated for s in drawn.shortfalls}


def test_a_second_draw_for_the_month_tops_up_and_never_doubles(council: Flask) -> None:
    with session_scope(council) as session:
        first = draw(session, seed=5, per_auditor=1)
    with session_scope(council) as session:
        second = draw(session, seed=6, per_auditor=2)
    assert len(first) == 2 and len(second) == 2
    assert table_counts(council)["Allocation"] == 4
    with session_scope(council) as session:
        again = draw(session, seed=7, per_auditor=2)
    assert list(again) == [] and again.shortfalls == ()


def test_a_retired_or_unknown_questionnaire_is_refused(council: Flask) -> None:
    with session_scope(council) as session:
        questionnaire_service.set_retired(
            "test-audit", True, session=session, actor=Actor.system("test")
        )
    with pytest.raises(DrawRefused, match="not a questionnaire in use"):
        with session_scope(council) as session:
            draw(session, seed=1)
    assert table_counts(council)["Allocation"] == 0


def test_a_draw_with_no_active_auditors_is_refused(
    app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("manager1", "manager")
    load_small_questionnaire(app, "test-audit")
    with pytest.raises(DrawRefused, match="no active auditors"):
        with session_scope(app) as session:
            draw(session, seed=1)


def test_an_auditor_sees_their_open_allocations_with_overdue_flagged(council: Flask) -> None:
    with session_scope(council) as session:
        drawn = draw(session, seed=8, per_auditor=2, month=date(2025, 1, 1))
        draw(session, seed=8, per_auditor=1, month=date(2025, 3, 1))
    version_id = load_small_questionnaire(council, "test-audit")
    auditor_id = user_id(council, "auditor-a")
    mine = [a for a in drawn if a.auditor_id == auditor_id]
    submitted_case = session_case_ref(council, mine[0].case_id)
    audit_id = add_audit(
        council,
        submitted_case,
        "auditor-a",
        version_id,
        created_at=datetime(2025, 1, 3, tzinfo=UTC),
        submitted_at=datetime(2025, 1, 20, tzinfo=UTC),
        status="submitted",
    )
    with session_scope(council) as session:
        allocation = session.get(Allocation, mine[0].id)
        assert allocation is not None
        allocation.audit_id = audit_id
        session.add(allocation)

    with session_scope(council) as session:
        rows = allocations_for_auditor(auditor_id, session=session, today=date(2025, 2, 10))
    assert [(r.due, r.overdue, r.status_text) for r in rows] == [
        (date(2025, 1, 31), True, "Overdue"),
        (date(2025, 3, 31), False, "Not started"),
    ]
    assert rows[0].case_ref == session_case_ref(council, mine[1].case_id)
    assert rows[0].questionnaire_title == "Test audit"
    assert rows[0].allocation_id == mine[1].id


def session_case_ref(app: Flask, case_id_: int) -> str:
    with session_scope(app) as session:
        case = session.get(Case, case_id_)
        assert case is not None
        return case.case_ref
