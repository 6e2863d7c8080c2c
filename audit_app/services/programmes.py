"""Audit programmes: a practice week, a themed audit or the monthly cycle, planned by a QA lead.

A programme names a questionnaire, a period and a sampling frame: strata by team or by service,
each with a quota, and optionally only the cases of a list imported from the case management
system's extract. Its draw takes each stratum up to its quota at random (``core/sampling.py``),
never a case audited in the 12 months before the programme starts (or since), and allocates the
cases to auditors outside the case's team, due on the programme's last day, as the monthly draw
does. The seed is kept and written to the trail: the same data and seed draw the same cases. A
second draw only tops strata up, so nothing is allocated twice.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core import sampling
from audit_app.core.limits import TITLE_MAX_LENGTH
from audit_app.models import (
    Allocation,
    Audit,
    Case,
    Programme,
    ProgrammeCase,
    ProgrammeStratum,
    Service,
    Team,
)
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.allocations import DrawRefused, active_auditors
from audit_app.services.cases import (
    DEFAULT_CASE_ID_PATTERN,
    case_ref_problem,
    cases_by_ref,
    describe_case_id_pattern,
)
from audit_app.services.csv_files import CsvRow, ImportProblem, ImportRefused, read_csv
from audit_app.services.errors import FieldErrors, NotFound
from audit_app.services.questionnaires import current_versions
from audit_app.services.trail import record_event

KIND_NAMES = {
    "practice_week": "Practice week",
    "themed": "Themed audit",
    "monthly": "Monthly cycle",
}
STRATA_NAMES = {"team": "Team", "service": "Service"}
MAX_QUOTA = 500
LIST_COLUMNS = ("case_id",)
# Columns of a case management system's extract that may be there; only case_id is read.
LIST_OPTIONAL_COLUMNS = ("service", "team", "worker")


class ProgrammeNotFound(NotFound):
    """No such programme."""


@dataclass(frozen=True)
class PlanValues:
    """What a QA lead typed to plan a programme (dates already read, or None)."""

    name: str
    kind: str
    questionnaire_id: str
    start: date | None
    end: date | None
    strata_by: str


@dataclass(frozen=True)
class ProgrammeDraw:
    """What a draw did: the seed, the cases allocated (references by stratum) and the strata
    left short of their quota, in words."""

    programme: str
    seed: int
    cases: dict[str, list[str]]
    shortfalls: tuple[str, ...]

    @property
    def allocated(self) -> int:
        return sum(len(refs) for refs in self.cases.values())

    def lines(self) -> list[str]:
        noun = "case" if self.allocated == 1 else "cases"
        out = [f"Drew {self.allocated} {noun} for {self.programme} with seed {self.seed}."]
        out.extend(f"Quota not met: {shortfall}." for shortfall in self.shortfalls)
        return out


# Reading --------------------------------------------------------------------------------------


def get_programme(programme_id: int, *, session: Session) -> Programme:
    """The programme, or ProgrammeNotFound."""
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise ProgrammeNotFound(f"No programme {programme_id}")
    return programme


def strata_of(programme_id: int, *, session: Session) -> list[ProgrammeStratum]:
    """The programme's strata, by name."""
    return list(
        session.exec(
            select(ProgrammeStratum)
            .where(col(ProgrammeStratum.programme_id) == programme_id)
            .order_by(col(ProgrammeStratum.name))
        )
    )


def list_programmes(*, session: Session) -> list[Programme]:
    """Every programme, latest first."""
    return list(
        session.exec(
            select(Programme).order_by(col(Programme.period_start).desc(), col(Programme.name))
        )
    )


def listed_cases(programme_id: int, *, session: Session) -> int:
    """How many cases the programme's imported list holds."""
    return len(
        session.exec(
            select(ProgrammeCase.case_id).where(col(ProgrammeCase.programme_id) == programme_id)
        ).all()
    )


def programme_audit_ids(programme_id: int, *, session: Session) -> list[int]:
    """The ids of the audits started for the programme's allocations, in order: what a board
    paper of the programme reports on (the submitted ones among them count in its figures)."""
    rows = session.exec(
        select(Allocation.audit_id)
        .where(
            col(Allocation.programme_id) == programme_id,
            col(Allocation.audit_id).is_not(None),
        )
        .order_by(col(Allocation.audit_id))
    )
    return [audit_id for audit_id in rows if audit_id is not None]


# Planning -------------------------------------------------------------------------------------


def plan_programme(values: PlanValues, *, session: Session, actor: Actor) -> Programme:
    """Plan a programme with a stratum (quota 0) for every team or service; FieldErrors, by
    field, for every problem at once."""
    problems = _plan_problems(values, session=session)
    if problems:
        raise FieldErrors(problems)
    assert values.start is not None and values.end is not None
    programme = Programme(
        name=values.name.strip(),
        kind=values.kind,
        questionnaire_id=values.questionnaire_id,
        period_start=values.start,
        period_end=values.end,
        strata_by=values.strata_by,
        created_by=actor.username,
    )
    session.add(programme)
    session.flush()
    assert programme.id is not None
    for unit_id, name in _units(values.strata_by, session=session):
        session.add(ProgrammeStratum(programme_id=programme.id, unit_id=unit_id, name=name))
    record_event(
        "programmes.planned",
        session=session,
        actor=actor,
        programme_id=programme.id,
        name=programme.name,
        kind=programme.kind,
        questionnaire_id=programme.questionnaire_id,
        period_start=programme.period_start.isoformat(),
        period_end=programme.period_end.isoformat(),
        strata_by=programme.strata_by,
    )
    session.flush()
    return programme


def _plan_problems(values: PlanValues, *, session: Session) -> dict[str, str]:
    """Each field's problem, in page order."""
    checks = {
        "name": _name_problem(values.name, session=session),
        "kind": None if values.kind in KIND_NAMES else "Select the kind of programme",
        "questionnaire": _questionnaire_problem(values.questionnaire_id, session=session),
        "start": None if values.start else "Enter the start date",
        "end": _end_problem(values.start, values.end),
        "strata_by": None
        if values.strata_by in STRATA_NAMES
        else "Select what the strata are: teams or services",
    }
    return {field: problem for field, problem in checks.items() if problem}


def _name_problem(name: str, *, session: Session) -> str | None:
    name = name.strip()
    if not name:
        return "Enter the programme's name"
    if len(name) > TITLE_MAX_LENGTH:
        return f"The programme's name must be {TITLE_MAX_LENGTH} characters or fewer"
    if session.exec(select(Programme.id).where(col(Programme.name) == name)).first():
        return f"There is already a programme called {name}: choose another name"
    return None


def _questionnaire_problem(questionnaire_id: str, *, session: Session) -> str | None:
    if not questionnaire_id:
        return "Select the questionnaire the auditors will use"
    if questionnaire_id not in {v.questionnaire_id for v in current_versions(session=session)}:
        return f'"{questionnaire_id}" is not a questionnaire in use: select one from the list'
    return None


def _end_problem(start: date | None, end: date | None) -> str | None:
    if end is None:
        return "Enter the end date"
    if start is not None and end < start:
        return "The end date must be the same as or after the start date"
    return None


def _units(strata_by: str, *, session: Session) -> list[tuple[int, str]]:
    """Every team, or every service, as (id, name), by name."""
    model: type[Team] | type[Service] = Team if strata_by == "team" else Service
    return [
        (unit_id, name)
        for unit_id, name in session.exec(select(model.id, model.name).order_by(col(model.name)))
        if unit_id is not None
    ]


# Quotas ---------------------------------------------------------------------------------------


def quota_field(stratum: ProgrammeStratum) -> str:
    """The name of a stratum's quota field on the programme's page."""
    return f"quota-{stratum.id}"


def set_quotas(
    programme_id: int, typed: Mapping[str, str], *, session: Session, actor: Actor
) -> dict[str, int]:
    """Set each stratum's quota from the numbers as typed (by ``quota_field``; a missing or
    blank one is 0); FieldErrors for every number that is not a whole number from 0 to
    ``MAX_QUOTA``, and nothing changed. The quotas by stratum name."""
    programme = get_programme(programme_id, session=session)
    strata = strata_of(programme_id, session=session)
    quotas: dict[int, int] = {}
    problems: dict[str, str] = {}
    for stratum in strata:
        text = typed.get(quota_field(stratum), "").strip() or "0"
        if not text.isdigit() or int(text) > MAX_QUOTA:
            problems[quota_field(stratum)] = (
                f"The quota for {stratum.name} must be a whole number from 0 to {MAX_QUOTA}"
            )
            continue
        quotas[stratum.id or 0] = int(text)
    if problems:
        raise FieldErrors(problems)
    for stratum in strata:
        stratum.quota = quotas[stratum.id or 0]
        session.add(stratum)
    by_name = {s.name: s.quota for s in strata if s.quota}
    record_event(
        "programmes.quotas_set",
        session=session,
        actor=actor,
        programme_id=programme.id,
        name=programme.name,
        quotas=by_name,
    )
    session.flush()
    return by_name


# The list of cases ----------------------------------------------------------------------------


def import_case_list(
    programme_id: int,
    raw: bytes | str,
    *,
    session: Session,
    actor: Actor,
    case_id_pattern: str = DEFAULT_CASE_ID_PATTERN,
) -> int:
    """Make the cases of an extract (a CSV file with a case_id column) the programme's frame,
    replacing any earlier list; all or nothing, every problem listed by line (ImportRefused).
    How many cases the list holds. Columns other than case_id are not stored."""
    programme = get_programme(programme_id, session=session)
    table = read_csv(raw, required=LIST_COLUMNS, optional=LIST_OPTIONAL_COLUMNS)
    refs = [row.get("case_id") for row in table.rows]
    known = cases_by_ref([ref for ref in refs if ref], session=session)
    problems = _list_problems(table.rows, known, case_id_pattern)
    if problems:
        raise ImportRefused(problems)
    session.execute(
        delete(ProgrammeCase)
        .where(col(ProgrammeCase.programme_id) == programme_id)
        .execution_options(synchronize_session=False)
    )
    for ref in refs:
        session.add(ProgrammeCase(programme_id=programme_id, case_id=known[ref].id or 0))
    programme.case_list = True
    session.add(programme)
    record_event(
        "programmes.cases_listed",
        session=session,
        actor=actor,
        programme_id=programme.id,
        name=programme.name,
        cases=len(refs),
        ignored_columns=list(table.ignored_columns),
    )
    session.flush()
    return len(refs)


def _list_problems(
    rows: Sequence[CsvRow], known: Mapping[str, Case], case_id_pattern: str
) -> list[ImportProblem]:
    """Every problem with an extract's rows: the case import's own checks of a reference, then
    a reference that names no imported case."""
    pattern = re.compile(case_id_pattern)
    words = describe_case_id_pattern(case_id_pattern)
    first_line_of: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for row in rows:
        problem = case_ref_problem(row, pattern, words, first_line_of)
        if problem is None and row.get("case_id") not in known:
            problem = ImportProblem(
                row.line, f'case_id "{row.get("case_id")}" is not a known case; import it first'
            )
        if problem is not None:
            problems.append(problem)
    return problems


# Drawing --------------------------------------------------------------------------------------


def read_seed(text: str | int | None) -> int | None:
    """The seed as typed (None when blank: a new one is chosen); DrawRefused at the field
    "seed" unless it is a whole number from 0 to ``MAX_SEED``."""
    if text is None or isinstance(text, int):
        number = text
    else:
        text = text.strip()
        if not text:
            return None
        number = int(text) if text.isdigit() and len(text) <= 10 else -1
    if number is not None and not 0 <= number <= sampling.MAX_SEED:
        raise DrawRefused(
            f"The seed must be a whole number from 0 to {sampling.MAX_SEED}, or left blank",
            field="seed",
        )
    return number


def draw_programme(
    programme_id: int, *, session: Session, actor: Actor, seed: int | str | None = None
) -> ProgrammeDraw:
    """Top each stratum up to its quota with cases drawn at random, allocated to auditors and
    due on the programme's last day; the seed (given, or chosen now) is kept and written to the
    trail. DrawRefused, with nothing allocated, when no quota is set or nobody can audit."""
    # Two draws of one programme at once take turns (PostgreSQL; SQLite writes one at a time),
    # so that the second sees the first's allocations and adds nothing twice.
    programme = session.get(Programme, programme_id, with_for_update=True)
    if programme is None:
        raise ProgrammeNotFound(f"No programme {programme_id}")
    chosen_seed = read_seed(seed)
    if chosen_seed is None:
        chosen_seed = random.SystemRandom().randrange(sampling.MAX_SEED + 1)
    strata = strata_of(programme_id, session=session)
    quotas = {s.id or 0: s.quota for s in strata if s.quota > 0}
    if not quotas:
        raise DrawRefused("Set a quota for at least one stratum before drawing", field="quotas")
    if _questionnaire_problem(programme.questionnaire_id, session=session):
        raise DrawRefused(
            f'The questionnaire "{programme.questionnaire_id}" is no longer in use: '
            "plan the programme again with one in use"
        )
    # The organisation's own auditors and cases only (``services/visibility.py``).
    auditors = active_auditors(session=session, actor=actor)
    frame = _frame(programme, strata, session=session, actor=actor)
    sample = sampling.draw_sample(
        frame.candidates,
        quotas,
        frame.already,
        [sampling.Auditor(a.id or 0, a.team_id) for a in auditors],
        seed=chosen_seed,
        load=frame.load,
    )
    return _write_draw(programme, strata, sample, frame, chosen_seed, session=session, actor=actor)


@dataclass(frozen=True)
class Frame:
    """What a draw chooses from: the eligible cases with their strata, the programme's cases
    by stratum and by auditor so far, and every case's reference."""

    candidates: list[sampling.Candidate]
    already: Counter[int]
    load: Counter[int]
    refs: dict[int, str]


def _frame(
    programme: Programme, strata: Sequence[ProgrammeStratum], *, session: Session, actor: Actor
) -> Frame:
    """The cases the programme's draw may take, stratum by stratum."""
    stratum_of_unit = {s.unit_id: s.id or 0 for s in strata}
    held = list(
        session.exec(select(Allocation).where(col(Allocation.programme_id) == programme.id))
    )
    excluded = {a.case_id for a in held}
    excluded |= _allocated_in_period(programme, session=session)
    excluded |= recently_audited(programme.period_start, session=session)
    listed = _listed(programme, session=session)
    candidates: list[sampling.Candidate] = []
    refs: dict[int, str] = {}
    stratum_of_case: dict[int, int | None] = {}
    for case_id, case_ref, team_id, service_id in _cases_with_units(session=session, actor=actor):
        refs[case_id] = case_ref
        stratum = stratum_of_unit.get(team_id if programme.strata_by == "team" else service_id)
        stratum_of_case[case_id] = stratum
        if stratum is None or case_id in excluded:
            continue
        if listed is None or case_id in listed:
            candidates.append(sampling.Candidate(case_id, stratum, team_id))
    already = Counter(s for a in held if (s := stratum_of_case.get(a.case_id)) is not None)
    load = Counter(a.auditor_id for a in held)
    return Frame(candidates=candidates, already=already, load=load, refs=refs)


def _cases_with_units(*, session: Session, actor: Actor) -> list[tuple[int, str, int, int]]:
    """Every case (of the actor's organisation) as (id, reference, team id, service id), by
    id."""
    rows = session.exec(
        select(Case.id, Case.case_ref, Case.team_id, Team.service_id)
        .join(Team, col(Team.id) == col(Case.team_id))
        .where(visibility.cases_seen(actor))
        .order_by(col(Case.id))
    )
    return [(case_id or 0, ref, team_id, service_id) for case_id, ref, team_id, service_id in rows]


def _listed(programme: Programme, *, session: Session) -> set[int] | None:
    """The cases of the programme's imported list, or None when its frame is every case."""
    if not programme.case_list:
        return None
    return set(
        session.exec(
            select(ProgrammeCase.case_id).where(col(ProgrammeCase.programme_id) == programme.id)
        )
    )


def _allocated_in_period(programme: Programme, *, session: Session) -> set[int]:
    """Cases with another allocation due within the programme's period."""
    return set(
        session.exec(
            select(Allocation.case_id).where(
                col(Allocation.due) >= programme.period_start,
                col(Allocation.due) <= programme.period_end,
            )
        )
    )


def recently_audited(start: date, *, session: Session) -> set[int]:
    """The cases with an audit started or submitted, on the council's day, in the 12 months
    before ``start`` or since (a calibration exercise's audits aside)."""
    # A day's margin in UTC; the rule itself is applied to the council's days below.
    since = datetime.combine(sampling.lookback_start(start) - timedelta(days=1), time.min, UTC)
    rows = session.exec(
        select(Audit.case_id, Audit.created_at, Audit.submitted_at).where(
            or_(col(Audit.created_at) >= since, col(Audit.submitted_at) >= since),
            col(Audit.exercise_id).is_(None),
        )
    )
    found: set[int] = set()
    for case_id, created_at, submitted_at in rows:
        days = [clock.local(m).date() for m in (created_at, submitted_at) if m is not None]
        if sampling.audited_recently(days, start):
            found.add(case_id)
    return found


def _write_draw(
    programme: Programme,
    strata: Sequence[ProgrammeStratum],
    sample: sampling.Sample,
    frame: Frame,
    seed: int,
    *,
    session: Session,
    actor: Actor,
) -> ProgrammeDraw:
    """Add the drawn allocations, keep the seed, and record the draw in the trail."""
    names = {s.id or 0: s.name for s in strata}
    for case_ids in sample.chosen.values():
        for case_id in case_ids:
            session.add(
                Allocation(
                    case_id=case_id,
                    questionnaire_id=programme.questionnaire_id,
                    auditor_id=sample.auditor_of[case_id],
                    due=programme.period_end,
                    created_by=actor.username,
                    programme_id=programme.id,
                )
            )
    programme.seed, programme.drawn_at = seed, clock.now()
    session.add(programme)
    result = ProgrammeDraw(
        programme=programme.name,
        seed=seed,
        cases={names[s]: [frame.refs[i] for i in ids] for s, ids in sample.chosen.items() if ids},
        shortfalls=tuple(
            f"{names[s.stratum]} has {s.drawn} of {s.quota}: not enough eligible cases"
            for s in sample.shortfalls
        ),
    )
    record_event(
        "programmes.drawn",
        session=session,
        actor=actor,
        programme_id=programme.id,
        name=programme.name,
        seed=seed,
        allocated=result.allocated,
        cases=result.cases,
        shortfalls={names[s.stratum]: s.quota - s.drawn for s in sample.shortfalls},
    )
    session.flush()
    return result
