"""Services, teams and cases: importing them from a CSV file, and listing them.

An import is all or nothing: every row is checked first, every problem is reported with its line
number (line 1 is the header), and nothing is written unless the whole file is good. Only the
case reference, its team and the allocated worker are stored; other columns (which could hold a
child's name) are ignored and named in the summary so that the person importing can see them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from audit_app.models import Audit, Case, Service, Team, utcnow
from audit_app.services.actor import Actor
from audit_app.services.csv_files import CsvRow, CsvTable, read_csv

# A refused import of cases is reported with these; the callers know them from here.
from audit_app.services.csv_files import ImportProblem as ImportProblem
from audit_app.services.csv_files import ImportRefused as ImportRefused
from audit_app.services.trail import record_event

DEFAULT_CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/-]{0,31}$"
DEFAULT_PATTERN_DESCRIPTION = "letters, digits, / and - only, up to 32 characters"
CASE_REF_MAX = 32
NAME_MAX = 120
# Keeps each IN (...) well under the parameter limits of SQLite and PostgreSQL.
LOOKUP_CHUNK = 500

CASE_COLUMNS = ("case_id", "service", "team")
CASE_OPTIONAL_COLUMNS = ("worker",)

T = TypeVar("T")


@dataclass(frozen=True)
class ImportSummary:
    """What an import of cases did."""

    rows: int
    created: int
    updated: int
    unchanged: int
    new_services: tuple[str, ...] = ()
    new_teams: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The summary in words, one sentence a line."""
        out = [
            f"{_count(self.rows, 'case')} in the file: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        ]
        if self.new_services:
            out.append(f"New services: {', '.join(self.new_services)}.")
        if self.new_teams:
            out.append(f"New teams: {', '.join(self.new_teams)}.")
        if self.ignored_columns:
            out.append(f"Ignored columns (not stored): {', '.join(self.ignored_columns)}.")
        return out

    def __str__(self) -> str:
        return " ".join(self.lines())


@dataclass(frozen=True)
class CaseRow:
    """A case as the admin list shows it."""

    id: int
    case_ref: str
    team: str
    service: str
    worker: str | None
    audits: int


@dataclass(frozen=True)
class CasePage:
    """One page of the case list."""

    rows: list[CaseRow]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", max(1, -(-self.total // self.per_page)))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def chunked(items: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def describe_case_id_pattern(pattern: str) -> str:
    if pattern == DEFAULT_CASE_ID_PATTERN:
        return DEFAULT_PATTERN_DESCRIPTION
    return f"it must match {pattern}"


# Importing cases -----------------------------------------------------------------------------


def import_cases(
    rows_or_text: bytes | str | Iterable[Mapping[str, object]],
    *,
    session: Session,
    actor: Actor,
    case_id_pattern: str = DEFAULT_CASE_ID_PATTERN,
) -> ImportSummary:
    """Create or update cases (and their services and teams) from a CSV file, all or nothing.

    Re-importing a case updates its team and worker (an empty worker cell clears it; a file
    without a worker column leaves workers alone). Cases absent from the file are kept.
    """
    table = read_csv(rows_or_text, required=CASE_COLUMNS, optional=CASE_OPTIONAL_COLUMNS)
    services = {s.name.casefold(): s for s in session.exec(select(Service))}
    teams = {t.name.casefold(): t for t in session.exec(select(Team))}
    problems = check_case_rows(
        table.rows,
        case_id_pattern=case_id_pattern,
        team_services=_service_of_each_team(services.values(), teams.values()),
    )
    if problems:
        raise ImportRefused(problems)
    summary = _write_cases(table, services=services, teams=teams, session=session)
    _record_import(summary, session=session, actor=actor)
    session.flush()
    return summary


def _service_of_each_team(services: Iterable[Service], teams: Iterable[Team]) -> dict[str, str]:
    """The name of each stored team's service, by the team's name casefolded."""
    service_names = {s.id: s.name for s in services}
    return {team.name.casefold(): service_names[team.service_id] for team in teams}


# Checking a file of cases: nothing is read from or written to the database.


def check_case_rows(
    rows: Sequence[CsvRow], *, case_id_pattern: str, team_services: Mapping[str, str]
) -> list[ImportProblem]:
    """Every problem with the rows of a file of cases, with its line; none means all are good.

    ``team_services`` names the service of each stored team, by the team's name casefolded: a
    team keeps its service, and a new team must have one service throughout the file.
    """
    pattern = re.compile(case_id_pattern)
    pattern_words = describe_case_id_pattern(case_id_pattern)
    problems: list[ImportProblem] = []
    first_line_of: dict[str, int] = {}
    # For teams new in the file: (service casefolded, service as written, line first seen).
    new_team_services: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        case_ref_problem = _case_ref_problem(row, pattern, pattern_words, first_line_of)
        if case_ref_problem:
            problems.append(case_ref_problem)
        problems.extend(_name_problems(row))
        team_problem = _team_service_problem(row, team_services, new_team_services)
        if team_problem:
            problems.append(team_problem)
    return problems


def _case_ref_problem(
    row: CsvRow, pattern: re.Pattern[str], pattern_words: str, first_line_of: dict[str, int]
) -> ImportProblem | None:
    """An empty, malformed or repeated case reference; notes the line of each good one."""
    case_ref = row.get("case_id")
    if not case_ref:
        return ImportProblem(row.line, "case_id is empty")
    if len(case_ref) > CASE_REF_MAX or not pattern.fullmatch(case_ref):
        return ImportProblem(
            row.line, f'case_id "{case_ref}" is not a valid case reference ({pattern_words})'
        )
    if case_ref in first_line_of:
        return ImportProblem(
            row.line,
            f'case_id "{case_ref}" is also on line {first_line_of[case_ref]}; '
            "each case must appear once",
        )
    first_line_of[case_ref] = row.line
    return None


def _name_problems(row: CsvRow) -> list[ImportProblem]:
    """An empty service or team, and any service, team or worker name that is too long."""
    problems = [
        ImportProblem(row.line, f"{column} is empty")
        for column in ("service", "team")
        if not row.get(column)
    ]
    problems.extend(
        ImportProblem(row.line, f"{column} is longer than {NAME_MAX} characters")
        for column in ("service", "team", "worker")
        if len(row.get(column)) > NAME_MAX
    )
    return problems


def _team_service_problem(
    row: CsvRow,
    team_services: Mapping[str, str],
    new_team_services: dict[str, tuple[str, str, int]],
) -> ImportProblem | None:
    """A team named with a service other than its own (stored, or first given in the file)."""
    service, team = row.get("service"), row.get("team")
    if not (service and team):
        return None
    team_key, service_key = team.casefold(), service.casefold()
    stored_service = team_services.get(team_key)
    if stored_service is not None:
        if stored_service.casefold() == service_key:
            return None
        return ImportProblem(
            row.line,
            f'team "{team}" is already in the service "{stored_service}", not "{service}"',
        )
    earlier = new_team_services.setdefault(team_key, (service_key, service, row.line))
    if earlier[0] == service_key:
        return None
    return ImportProblem(
        row.line,
        f'team "{team}" is in the service "{earlier[1]}" on line {earlier[2]}, '
        f'not "{service}"; a team belongs to one service',
    )


# Writing a checked file of cases.


def _write_cases(
    table: CsvTable, *, services: dict[str, Service], teams: dict[str, Team], session: Session
) -> ImportSummary:
    """Create the services and teams that are missing, then create or update the cases."""
    new_services = _add_missing_services(table.rows, services, session=session)
    new_teams = _add_missing_teams(table.rows, services, teams, session=session)
    outcomes = _save_cases(table, teams, session=session)
    return ImportSummary(
        rows=len(table.rows),
        created=outcomes["created"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        new_services=tuple(new_services),
        new_teams=tuple(new_teams),
        ignored_columns=table.ignored_columns,
    )


def _add_missing_services(
    rows: Sequence[CsvRow], services: dict[str, Service], *, session: Session
) -> list[str]:
    """Add each service not yet stored (to ``services`` too); their names, in file order."""
    added: list[str] = []
    for row in rows:
        key = row.get("service").casefold()
        if key not in services:
            services[key] = Service(name=row.get("service"))
            session.add(services[key])
            added.append(row.get("service"))
    session.flush()
    return added


def _add_missing_teams(
    rows: Sequence[CsvRow],
    services: Mapping[str, Service],
    teams: dict[str, Team],
    *,
    session: Session,
) -> list[str]:
    """Add each team not yet stored (to ``teams`` too), in its service; their names."""
    added: list[str] = []
    for row in rows:
        key = row.get("team").casefold()
        if key not in teams:
            service_row = services[row.get("service").casefold()]
            assert service_row.id is not None  # flushed when added
            teams[key] = Team(name=row.get("team"), service_id=service_row.id)
            session.add(teams[key])
            added.append(row.get("team"))
    session.flush()
    return added


def _save_cases(table: CsvTable, teams: Mapping[str, Team], *, session: Session) -> Counter[str]:
    """Create or update the case of each row; how many were created, updated and unchanged."""
    has_worker = "worker" in table.columns
    stored = cases_by_ref([row.get("case_id") for row in table.rows], session=session)
    now = utcnow()
    outcomes: Counter[str] = Counter()
    for row in table.rows:
        team_id = teams[row.get("team").casefold()].id
        assert team_id is not None
        worker = (row.get("worker") or None) if has_worker else None
        case = stored.get(row.get("case_id"))
        if case is None:
            session.add(Case(case_ref=row.get("case_id"), team_id=team_id, worker=worker))
            outcomes["created"] += 1
        elif _update_case(case, team_id, worker, has_worker=has_worker, now=now):
            session.add(case)
            outcomes["updated"] += 1
        else:
            outcomes["unchanged"] += 1
    return outcomes


def _update_case(
    case: Case, team_id: int, worker: str | None, *, has_worker: bool, now: datetime
) -> bool:
    """Give a stored case its team (and worker, if the file has that column); False if it
    already had them."""
    changed = case.team_id != team_id or (has_worker and case.worker != worker)
    if not changed:
        return False
    case.team_id = team_id
    if has_worker:
        case.worker = worker
    case.updated_at = now
    return True


def _record_import(summary: ImportSummary, *, session: Session, actor: Actor) -> None:
    record_event(
        "cases.imported",
        session=session,
        actor=actor,
        rows=summary.rows,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        new_services=list(summary.new_services),
        new_teams=list(summary.new_teams),
        ignored_columns=list(summary.ignored_columns),
    )


def cases_by_ref(refs: Sequence[str], *, session: Session) -> dict[str, Case]:
    """The stored cases among ``refs``, by reference."""
    found: dict[str, Case] = {}
    unique = sorted(set(refs))
    for chunk in chunked(unique):
        for case in session.exec(select(Case).where(col(Case.case_ref).in_(chunk))):
            found[case.case_ref] = case
    return found


def list_cases(*, session: Session, page: int = 1, per_page: int = 50) -> CasePage:
    """One page of cases, by reference, with their team, service and number of audits."""
    total = int(session.exec(select(func.count()).select_from(Case)).one())
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    audits = (
        select(Audit.case_id, func.count().label("audits")).group_by(col(Audit.case_id)).subquery()
    )
    query = (
        select(Case, Team.name, Service.name, func.coalesce(audits.c.audits, 0))
        .join(Team, col(Team.id) == col(Case.team_id))
        .join(Service, col(Service.id) == col(Team.service_id))
        .outerjoin(audits, audits.c.case_id == col(Case.id))
        .order_by(col(Case.case_ref))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = [
        CaseRow(
            id=case.id or 0,
            case_ref=case.case_ref,
            team=team,
            service=service,
            worker=case.worker,
            audits=int(count),
        )
        for case, team, service, count in session.exec(query)
    ]
    return CasePage(rows=rows, total=total, page=page, per_page=per_page)
