"""A programme's coverage: which strata, teams and workers (by reference) have been audited,
and its progress (allocated, started, submitted) against the quotas; and, service-wide, the
cases not audited in the last 12 months.

Workers are shown by the reference the case import holds for them (``case_file.worker``),
never by anything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from audit_app.core.lifecycle import OPEN
from audit_app.core.sampling import lookback_start
from audit_app.models import Allocation, Audit, Case, Programme, ProgrammeCase, Service, Team
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.programmes import get_programme, recently_audited, strata_of

NOT_AUDITED_LISTED = 500
"""The service-wide list shows at most this many cases (the counts by team cover them all)."""


@dataclass(frozen=True)
class Progress:
    """How far a stratum, a team or the whole programme has got."""

    name: str
    quota: int | None
    allocated: int = 0
    started: int = 0
    submitted: int = 0

    @property
    def audited(self) -> bool:
        return self.submitted > 0

    @property
    def short(self) -> bool:
        """Whether fewer cases were allocated than the quota asks for."""
        return self.quota is not None and self.allocated < self.quota


@dataclass(frozen=True)
class WorkerCoverage:
    """A worker (by reference) with cases in the programme's frame."""

    worker: str
    team: str
    cases: int
    allocated: int
    submitted: int


@dataclass(frozen=True)
class Coverage:
    programme: Programme
    total: Progress
    strata: list[Progress]
    teams: list[Progress]
    workers: list[WorkerCoverage]


@dataclass(frozen=True)
class FrameCase:
    """A case of the programme's frame, with where it sits and how far its allocation got:
    ``state`` is None (not drawn), "allocated", "started" or "submitted"."""

    case_id: int
    team: str
    team_id: int
    service_id: int
    worker: str | None
    state: str | None


def coverage(programme_id: int, *, session: Session) -> Coverage:
    """The programme's progress by stratum, by team and by worker."""
    programme = get_programme(programme_id, session=session)
    cases = _frame_cases(programme, session=session)
    drawn = [c for c in cases if c.state is not None]
    strata = []
    for stratum in strata_of(programme_id, session=session):
        mine = [c for c in drawn if _unit(c, programme) == stratum.unit_id]
        if stratum.quota or mine:
            strata.append(_progress(stratum.name, stratum.quota, mine))
    quotas = {s.name: s.quota for s in strata_of(programme_id, session=session)}
    teams = [
        _progress(team, quotas.get(team) if programme.strata_by == "team" else None, mine)
        for team, mine in _by_team(cases)
    ]
    total_quota = sum(s.quota or 0 for s in strata)
    return Coverage(
        programme=programme,
        total=_progress("The programme", total_quota, drawn),
        strata=strata,
        teams=teams,
        workers=_workers(cases),
    )


def _unit(case: FrameCase, programme: Programme) -> int:
    return case.team_id if programme.strata_by == "team" else case.service_id


def _progress(name: str, quota: int | None, cases: Iterable[FrameCase]) -> Progress:
    states = [c.state for c in cases if c.state is not None]
    return Progress(
        name=name,
        quota=quota,
        allocated=len(states),
        started=sum(1 for s in states if s in ("started", "submitted")),
        submitted=sum(1 for s in states if s == "submitted"),
    )


def _by_team(cases: Iterable[FrameCase]) -> list[tuple[str, list[FrameCase]]]:
    teams: dict[str, list[FrameCase]] = {}
    for case in cases:
        teams.setdefault(case.team, []).append(case)
    return sorted(teams.items())


def _workers(cases: Iterable[FrameCase]) -> list[WorkerCoverage]:
    """Each worker reference of the frame, by team then reference."""
    groups: dict[tuple[str, str], list[FrameCase]] = {}
    for case in cases:
        if case.worker:
            groups.setdefault((case.team, case.worker), []).append(case)
    return [
        WorkerCoverage(
            worker=worker,
            team=team,
            cases=len(mine),
            allocated=sum(1 for c in mine if c.state is not None),
            submitted=sum(1 for c in mine if c.state == "submitted"),
        )
        for (team, worker), mine in sorted(groups.items())
    ]


def _frame_cases(programme: Programme, *, session: Session) -> list[FrameCase]:
    """Every case of the frame (the imported list, or every case) and every case the programme
    allocated, with its allocation's state."""
    states = _states(programme, session=session)
    query = select(  # type: ignore[call-overload]
        Case.id, Team.name, Case.team_id, Team.service_id, Case.worker
    ).join(Team, col(Team.id) == col(Case.team_id))
    if programme.case_list:
        listed = select(ProgrammeCase.case_id).where(
            col(ProgrammeCase.programme_id) == programme.id
        )
        query = query.where(col(Case.id).in_(listed) | col(Case.id).in_(list(states)))
    return [
        FrameCase(case_id or 0, team, team_id, service_id, worker, states.get(case_id or 0))
        for case_id, team, team_id, service_id, worker in session.exec(query)
    ]


def _states(programme: Programme, *, session: Session) -> dict[int, str]:
    """How far each of the programme's allocations got, by case id."""
    rows = session.exec(
        select(Allocation.case_id, Audit.status)
        .outerjoin(Audit, col(Audit.id) == col(Allocation.audit_id))
        .where(col(Allocation.programme_id) == programme.id)
    )
    states: dict[int, str] = {}
    for case_id, status in rows:
        if status is None:
            states[case_id] = "allocated"
        else:
            states[case_id] = "started" if status in OPEN else "submitted"
    return states


# Service-wide ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotAuditedCase:
    case_ref: str
    team: str
    service: str
    worker: str | None


@dataclass(frozen=True)
class TeamCount:
    team: str
    service: str
    cases: int
    not_audited: int


@dataclass(frozen=True)
class NotAudited:
    """The cases with no audit started or submitted in the 12 months before ``today``."""

    today: date
    since: date  # the first day of the 12 months
    cases: list[NotAuditedCase]
    total: int
    teams: list[TeamCount]


def not_audited_in_12_months(
    today: date, *, session: Session, actor: Actor | None = None
) -> NotAudited:
    """Every case (of the actor's organisation) not audited in the 12 months before ``today``
    (or since), by service, team and reference, with the counts by team."""
    audited = recently_audited(today, session=session)
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Case.id, Case.case_ref, Team.name, Service.name, Case.worker
        )
        .join(Team, col(Team.id) == col(Case.team_id))
        .join(Service, col(Service.id) == col(Team.service_id))
        .where(*([] if actor is None else [visibility.services_seen(actor)]))
        .order_by(col(Service.name), col(Team.name), col(Case.case_ref))
    ).all()
    counts: dict[tuple[str, str], list[int]] = {}
    cases: list[NotAuditedCase] = []
    for case_id, case_ref, team, service, worker in rows:
        tally = counts.setdefault((service, team), [0, 0])
        tally[0] += 1
        if case_id not in audited:
            tally[1] += 1
            cases.append(NotAuditedCase(case_ref, team, service, worker))
    return NotAudited(
        today=today,
        since=lookback_start(today),
        cases=cases[:NOT_AUDITED_LISTED],
        total=len(cases),
        teams=[
            TeamCount(team, service, n, not_done)
            for (service, team), (n, not_done) in counts.items()
        ],
    )
