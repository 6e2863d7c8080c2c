"""Services, teams and cases: importing them from a CSV file, and listing them.

An import is all or nothing: every row is checked first, every problem is reported with its line
number (line 1 is the header), and nothing is written unless the whole file is good. Only the
case reference, its team and the allocated worker are stored; other columns (which could hold a
child's name) are ignored and named in the summary so that the person importing can see them.

The admin page and ``flask cases import`` write a checked file in batches of ``BATCH_ROWS``
cases, a transaction each, pausing between them so that others can write (SQLite's write lock);
each import is one unit that completes whole or is undone (``services/case_imports.py`` says
how, and why rather than a staging table). Imports of allocations share the reading and the
checking of the file (``csv_files.py``), not this writing: a file of allocations is a month's
work, hundreds of rows, written in one transaction.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from audit_app.core.subjects import DEFAULT_SUBJECT, SUBJECTS
from audit_app.models import Audit, Case, Service, Team, table_of, utcnow
from audit_app.services import case_imports, visibility
from audit_app.services.actor import Actor
from audit_app.services.case_imports import ImportUnderWay as ImportUnderWay
from audit_app.services.case_imports import Transaction
from audit_app.services.csv_files import CsvRow, CsvTable, ImportSummaryWords, read_csv

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

# Cases written in one transaction, and the pause between two on SQLite (see _between_batches).
BATCH_ROWS = 2000
SQLITE_PAUSE = 0.11

CASE_COLUMNS = ("case_id", "service", "team")
CASE_OPTIONAL_COLUMNS = ("worker", "subject")
"""``subject``: what the reference is of (empty: a case); see ``core/subjects.py``."""

T = TypeVar("T")


@dataclass(frozen=True)
class ImportSummary(ImportSummaryWords):
    """What an import of cases did."""

    rows: int
    created: int
    updated: int
    unchanged: int
    new_services: tuple[str, ...] = ()
    new_teams: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()

    def done(self) -> list[str]:
        out = [
            f"{_count(self.rows, 'case')} in the file: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        ]
        if self.new_services:
            out.append(f"New services: {', '.join(self.new_services)}.")
        if self.new_teams:
            out.append(f"New teams: {', '.join(self.new_teams)}.")
        return out


@dataclass(frozen=True)
class CaseRow:
    """A case as the admin list shows it."""

    id: int
    case_ref: str
    team: str
    service: str
    worker: str | None
    audits: int
    training: bool = False
    subject: str = DEFAULT_SUBJECT


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
    """Create or update cases (and their services and teams) from a CSV file, all or nothing,
    in the caller's one transaction: for small files, scripts and tests. The admin page and
    ``flask cases import`` use :func:`import_cases_in_batches`, which lets others write.

    Re-importing a case updates its team and worker (an empty worker cell clears it; a file
    without a worker column leaves workers alone). Cases absent from the file are kept.
    """
    return _import(
        rows_or_text,
        lambda: nullcontext(session),
        actor=actor,
        case_id_pattern=case_id_pattern,
        options=BatchOptions(pause=0.0),
        own_transactions=False,
    )


def import_cases_in_batches(
    rows_or_text: bytes | str | Iterable[Mapping[str, object]],
    *,
    transaction: Transaction,
    actor: Actor,
    case_id_pattern: str = DEFAULT_CASE_ID_PATTERN,
    options: BatchOptions | None = None,
) -> ImportSummary:
    """Import cases as :func:`import_cases` does, in transactions of ``options.rows`` cases.

    The whole file is checked first with nothing written (every bad row refuses it). The cases
    are then written a batch to a transaction, each ``transaction()`` its own, pausing between
    batches so that other writers get the database (SQLite's write lock). The import is one unit
    (``services/case_imports.py``): if a batch fails, what it wrote is undone and the error is
    raised again; another import of cases meanwhile is refused (:class:`ImportUnderWay`).
    """
    return _import(
        rows_or_text,
        transaction,
        actor=actor,
        case_id_pattern=case_id_pattern,
        options=options or BatchOptions(),
        own_transactions=True,
    )


@dataclass(frozen=True)
class BatchOptions:
    """How an import writes: ``rows`` cases a transaction (None: ``BATCH_ROWS``), ``pause``
    seconds between batches (None: ``SQLITE_PAUSE`` on SQLite, none on PostgreSQL), and
    ``between``, called between batches with no transaction open (tests write from another
    connection there)."""

    rows: int | None = None
    pause: float | None = None
    between: Callable[[], None] | None = None


@dataclass(frozen=True)
class ImportRun:
    """An import being written: its id, the id of each team by its name casefolded, and the
    services and teams it created."""

    import_id: int
    team_ids: Mapping[str, int]
    new_services: tuple[str, ...]
    new_teams: tuple[str, ...]


def _import(
    source: bytes | str | Iterable[Mapping[str, object]],
    transaction: Transaction,
    *,
    actor: Actor,
    case_id_pattern: str,
    options: BatchOptions,
    own_transactions: bool,
) -> ImportSummary:
    """Read and check the file, then write it as one import (see the module docstring)."""
    table = read_csv(source, required=CASE_COLUMNS, optional=CASE_OPTIONAL_COLUMNS)
    with transaction() as db:
        checked = _team_services(session=db)
    _refuse_problems(table, case_id_pattern, checked)
    case_imports.clear_abandoned(transaction, actor=actor)
    run = _begin(table, transaction, actor=actor, case_id_pattern=case_id_pattern, checked=checked)
    try:
        summary = _summary(table, run, _write_batches(table, run, transaction, options))
        with transaction() as db:
            case_imports.finish(run.import_id, session=db)
            _record_import(summary, session=db, actor=actor)
    except Exception:
        if own_transactions:
            case_imports.undo_after_failure(run.import_id, transaction, actor=actor)
        raise
    case_imports.forget_changes(transaction)
    return summary


def _team_services(*, session: Session) -> dict[str, str]:
    """The name of each stored team's service, by the team's name casefolded."""
    return _service_of_each_team(session.exec(select(Service)), session.exec(select(Team)))


def _refuse_problems(table: CsvTable, case_id_pattern: str, team_services: dict[str, str]) -> None:
    problems = check_case_rows(
        table.rows, case_id_pattern=case_id_pattern, team_services=team_services
    )
    if problems:
        raise ImportRefused(problems)


def _service_of_each_team(services: Iterable[Service], teams: Iterable[Team]) -> dict[str, str]:
    """The name of each stored team's service, by the team's name casefolded."""
    service_names = {s.id: s.name for s in list(services)}
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
        ref_problem = case_ref_problem(row, pattern, pattern_words, first_line_of)
        if ref_problem:
            problems.append(ref_problem)
        problems.extend(_name_problems(row))
        team_problem = _team_service_problem(row, team_services, new_team_services)
        if team_problem:
            problems.append(team_problem)
    return problems


def case_ref_problem(
    row: CsvRow, pattern: re.Pattern[str], pattern_words: str, first_line_of: dict[str, int]
) -> ImportProblem | None:
    """An empty, malformed or repeated case reference, or a subject that is not one; notes the
    line of each good one."""
    case_ref, subject = row.get("case_id"), row_subject(row)
    if subject not in SUBJECTS:
        return ImportProblem(
            row.line,
            f'subject "{subject}" is not one of case, worker, household or meeting (empty: case)',
        )
    if not case_ref:
        return ImportProblem(row.line, "case_id is empty")
    if len(case_ref) > CASE_REF_MAX or not pattern.fullmatch(case_ref):
        return ImportProblem(
            row.line, f'case_id "{case_ref}" is not a valid case reference ({pattern_words})'
        )
    key = case_ref if subject == DEFAULT_SUBJECT else f"{case_ref} ({subject})"
    if key in first_line_of:
        return ImportProblem(
            row.line,
            f'case_id "{case_ref}" is also on line {first_line_of[key]}; '
            f"each {'case' if subject == DEFAULT_SUBJECT else subject} must appear once",
        )
    first_line_of[key] = row.line
    return None


def row_subject(row: CsvRow) -> str:
    """What a row's reference is of: its subject cell in lower case (empty: a case)."""
    return (row.get("subject") or "").strip().lower() or DEFAULT_SUBJECT


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


def _begin(
    table: CsvTable,
    transaction: Transaction,
    *,
    actor: Actor,
    case_id_pattern: str,
    checked: dict[str, str],
) -> ImportRun:
    """Create the services and teams that are missing and record the import as unfinished, in
    one transaction. Teams changed since the check (another service's import) are checked
    again."""
    with transaction() as db:
        services = {s.name.casefold(): s for s in db.exec(select(Service))}
        teams = {t.name.casefold(): t for t in db.exec(select(Team))}
        current = _service_of_each_team(services.values(), teams.values())
        if current != checked:
            _refuse_problems(table, case_id_pattern, current)
        new_services = _add_missing_services(table.rows, services, session=db)
        new_teams = _add_missing_teams(table.rows, services, teams, session=db)
        import_id = case_imports.begin(
            rows=len(table.rows),
            new_services=[_id(services[name.casefold()].id) for name in new_services],
            new_teams=[_id(teams[name.casefold()].id) for name in new_teams],
            actor=actor,
            session=db,
        )
        team_ids = {key: _id(team.id) for key, team in teams.items()}
    return ImportRun(import_id, team_ids, tuple(new_services), tuple(new_teams))


def _id(row_id: int | None) -> int:
    assert row_id is not None  # flushed when added
    return row_id


def _write_batches(
    table: CsvTable, run: ImportRun, transaction: Transaction, options: BatchOptions
) -> Counter[str]:
    """Write the cases a batch to a transaction; how many were created, updated, unchanged."""
    has_worker = "worker" in table.columns
    outcomes: Counter[str] = Counter()
    pause = options.pause
    for number, rows in enumerate(chunked(table.rows, options.rows or BATCH_ROWS)):
        if number:
            _between_batches(pause or 0.0, options.between)
        with transaction() as db:
            if pause is None:
                pause = SQLITE_PAUSE if db.get_bind().dialect.name == "sqlite" else 0.0
            outcomes.update(_write_batch(rows, run, has_worker=has_worker, session=db))
    return outcomes


def _between_batches(pause: float, between: Callable[[], None] | None) -> None:
    """Let others write: no transaction is open here. On SQLite, a writer waiting for the
    lock polls it (up to every 100 ms), so the pause must outlast one poll."""
    if between is not None:
        between()
    if pause:
        time.sleep(pause)


def _write_batch(
    rows: Sequence[CsvRow], run: ImportRun, *, has_worker: bool, session: Session
) -> Counter[str]:
    """Create or update the case of each row, keeping what each was before for an undo."""
    case_imports.touch(run.import_id, session=session)
    plan = plan_batch(
        rows,
        _stored_cases([row.get("case_id") for row in rows], session=session),
        run.team_ids,
        has_worker=has_worker,
        now=utcnow(),
    )
    case_imports.record_changes(run.import_id, plan.changes, session=session)
    cases = table_of(Case)
    if plan.creates:
        session.execute(insert(cases), plan.creates)
    if plan.updates:
        session.execute(
            update(cases)
            .where(cases.c.id == bindparam("case_id"))
            .values(
                team_id=bindparam("team"), worker=bindparam("worker"), updated_at=bindparam("at")
            ),
            plan.updates,
        )
    return plan.outcomes


# What a created case was before the import (executemany needs the same keys in every row).
NOTHING_BEFORE = {"previous_team_id": None, "previous_worker": None, "previous_updated_at": None}


@dataclass(frozen=True)
class StoredCase:
    id: int
    team_id: int
    worker: str | None
    updated_at: datetime


@dataclass
class BatchPlan:
    """What one batch writes: the new cases, the changed ones, what to keep for an undo, and
    how many rows were created, updated and unchanged."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)


def plan_batch(
    rows: Sequence[CsvRow],
    stored: Mapping[tuple[str, str], StoredCase],
    team_ids: Mapping[str, int],
    *,
    has_worker: bool,
    now: datetime,
) -> BatchPlan:
    """Decide what each row of a batch does to its case (nothing is read or written)."""
    plan = BatchPlan()
    for row in rows:
        ref, team_id = row.get("case_id"), team_ids[row.get("team").casefold()]
        subject = row_subject(row)
        worker = (row.get("worker") or None) if has_worker else None
        case = stored.get((ref, subject))
        if case is None:
            plan.creates.append(
                {"case_ref": ref, "subject": subject, "team_id": team_id, "worker": worker}
                | {"created_at": now, "updated_at": now}
            )
            plan.changes.append(
                {"case_ref": ref, "subject": subject, "created": True} | NOTHING_BEFORE
            )
            plan.outcomes["created"] += 1
            continue
        worker = worker if has_worker else case.worker
        if case.team_id == team_id and case.worker == worker:
            plan.outcomes["unchanged"] += 1
            continue
        plan.updates.append({"case_id": case.id, "team": team_id, "worker": worker, "at": now})
        plan.changes.append(
            {"case_ref": ref, "subject": subject, "created": False}
            | {"previous_team_id": case.team_id}
            | {"previous_worker": case.worker, "previous_updated_at": case.updated_at}
        )
        plan.outcomes["updated"] += 1
    return plan


def _stored_cases(refs: Sequence[str], *, session: Session) -> dict[tuple[str, str], StoredCase]:
    """The stored cases (and other subjects) among ``refs``, by reference and subject (read
    without loading objects)."""
    found: dict[tuple[str, str], StoredCase] = {}
    c = table_of(Case).c
    columns = (c.case_ref, c.subject, c.id, c.team_id, c.worker, c.updated_at)
    for chunk in chunked(sorted(set(refs))):
        for ref, subject, case_id, team_id, worker, updated_at in session.execute(
            sa_select(*columns).where(c.case_ref.in_(chunk))
        ):
            found[(ref, subject)] = StoredCase(case_id, team_id, worker, updated_at)
    return found


def _summary(table: CsvTable, run: ImportRun, outcomes: Counter[str]) -> ImportSummary:
    return ImportSummary(
        rows=len(table.rows),
        created=outcomes["created"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        new_services=run.new_services,
        new_teams=run.new_teams,
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
    """The stored cases among ``refs``, by reference (cases only, not other subjects)."""
    return {
        ref: case
        for (ref, subject), case in references_by_ref(refs, session=session).items()
        if subject == DEFAULT_SUBJECT
    }


def references_by_ref(refs: Sequence[str], *, session: Session) -> dict[tuple[str, str], Case]:
    """The stored cases (and references of other subjects) among ``refs``, by reference and
    subject."""
    found: dict[tuple[str, str], Case] = {}
    unique = sorted(set(refs))
    for chunk in chunked(unique):
        for case in session.exec(select(Case).where(col(Case.case_ref).in_(chunk))):
            found[(case.case_ref, case.subject)] = case
    return found


def list_cases(
    *, session: Session, page: int = 1, per_page: int = 50, actor: Actor | None = None
) -> CasePage:
    """One page of cases (of the actor's organisation), by reference, with their team,
    service and number of audits."""
    seen = [] if actor is None else [visibility.cases_seen(actor)]
    total = int(session.exec(select(func.count()).select_from(Case).where(*seen)).one())
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
        .where(*seen)
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
            training=case.training,
            subject=case.subject,
        )
        for case, team, service, count in session.exec(query)
    ]
    return CasePage(rows=rows, total=total, page=page, per_page=per_page)
