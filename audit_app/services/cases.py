"""Services, teams and cases: importing them from a CSV file, and listing them.

An import is all or nothing: every row is checked first, every problem is reported with its line
number (line 1 is the header), and nothing is written unless the whole file is good. Only the
case reference, its team and the allocated worker are stored; other columns (which could hold a
child's name) are ignored and named in the summary so that the person importing can see them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from audit_app.models import Audit, Case, Service, Team, utcnow
from audit_app.services.actor import Actor
from audit_app.services.errors import Refused
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
class ImportProblem:
    """One thing wrong with an import file; ``line`` is None for the file as a whole."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line is not None else self.message


class ImportRefused(Refused, ValueError):
    """Nothing was imported; ``problems`` lists every reason, in line order."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class CsvRow:
    """One data row: its line number in the file and its values by (normalised) column name."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: the normalised column names, the ignored ones, and the data rows."""

    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


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


# Reading CSV files ---------------------------------------------------------------------------


def normalise_column(name: str) -> str:
    """``" Case ID "`` and ``case_id`` name the same column."""
    return "_".join(name.strip().lower().split())


def decode_csv(raw: bytes | str) -> str:
    """The text of an uploaded file; refuse binary content and anything that is not UTF-8."""
    if isinstance(raw, str):
        text = raw
    else:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ImportRefused(
                [
                    ImportProblem(
                        None,
                        "The file is UTF-16 text, not UTF-8. "
                        'Save it as "CSV UTF-8 (comma delimited)" and try again.',
                    )
                ]
            )
        if b"\x00" in raw:
            raise ImportRefused(
                [
                    ImportProblem(
                        None,
                        "The file is not a CSV file: it looks like a spreadsheet or other binary "
                        'file. Save it as "CSV UTF-8 (comma delimited)" and try again.',
                    )
                ]
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ImportRefused(
                [
                    ImportProblem(
                        None,
                        f"The file is not UTF-8 text (line {line} has a character that is not "
                        'UTF-8). Save it as "CSV UTF-8 (comma delimited)" and try again.',
                    )
                ]
            ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ImportRefused(
            [ImportProblem(None, "The file is not a CSV file: it contains binary content.")]
        )
    return text


def read_csv(
    source: bytes | str | Iterable[Mapping[str, object]],
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> CsvTable:
    """Read a CSV file (or rows already read) and check its header; raise ImportRefused."""
    if isinstance(source, bytes | str):
        header, records = _parse_text(decode_csv(source))
    else:
        header, records = _from_mappings(source)
    if header is None:
        raise ImportRefused([ImportProblem(None, "The file is empty")])

    problems: list[ImportProblem] = []
    columns: list[str] = []
    ignored: list[str] = []
    seen: set[str] = set()
    known = set(required) | set(optional)
    for raw_name in header:
        name = normalise_column(raw_name)
        if name in seen and name:
            problems.append(ImportProblem(1, f'the column "{raw_name.strip()}" appears twice'))
        seen.add(name)
        columns.append(name)
        if name and name not in known and raw_name.strip() not in ignored:
            ignored.append(raw_name.strip())
    for name in required:
        if name not in seen:
            problems.append(ImportProblem(1, f'the required column "{name}" is missing'))
    if problems:
        raise ImportRefused(problems)

    rows: list[CsvRow] = []
    for line, values in records:
        if not any(v.strip() for v in values):
            continue  # blank lines, and rows of empty cells that spreadsheets leave behind
        if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
            problems.append(
                ImportProblem(
                    line,
                    f"has {len(values)} values but the header has {len(columns)} columns "
                    "(a value with a comma in it must be in double quotes)",
                )
            )
            continue
        rows.append(
            CsvRow(
                line,
                {
                    name: value.strip()
                    for name, value in zip(columns, values, strict=False)
                    if name in known
                },
            )
        )
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([ImportProblem(None, "The file has no rows")])
    return CsvTable(tuple(columns), tuple(ignored), tuple(rows))


def _parse_text(text: str) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for values in reader:
            # Lines as a text editor or spreadsheet numbers them; a quoted value may span lines.
            start = previous_end + 1
            previous_end = reader.line_num
            if header is None:
                if not any(v.strip() for v in values):
                    continue
                header = values
                continue
            records.append((start, values))
    except csv.Error as exc:
        raise ImportRefused(
            [ImportProblem(previous_end + 1, f"cannot be read as CSV ({exc})")]
        ) from None
    return header, records


def _from_mappings(
    rows: Iterable[Mapping[str, object]],
) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    materialised = list(rows)
    if not materialised:
        return None, []
    header: list[str] = []
    for row in materialised:
        header.extend(str(k) for k in row if str(k) not in header)
    records = [
        (index + 2, ["" if row.get(k) is None else str(row.get(k)) for k in header])
        for index, row in enumerate(materialised)
    ]
    return header, records


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
    has_worker = "worker" in table.columns
    pattern = re.compile(case_id_pattern)
    pattern_words = describe_case_id_pattern(case_id_pattern)

    services = {s.name.casefold(): s for s in session.exec(select(Service))}
    service_names = {s.id: s.name for s in services.values()}
    teams = {t.name.casefold(): t for t in session.exec(select(Team))}

    problems: list[ImportProblem] = []
    first_line_of: dict[str, int] = {}
    # For teams named in the file: (service key, line first seen).
    team_service_in_file: dict[str, tuple[str, str, int]] = {}
    for row in table.rows:
        line = row.line
        case_ref, service, team = row.get("case_id"), row.get("service"), row.get("team")
        worker = row.get("worker")
        if not case_ref:
            problems.append(ImportProblem(line, "case_id is empty"))
        else:
            if len(case_ref) > CASE_REF_MAX or not pattern.fullmatch(case_ref):
                problems.append(
                    ImportProblem(
                        line,
                        f'case_id "{case_ref}" is not a valid case reference ({pattern_words})',
                    )
                )
            elif case_ref in first_line_of:
                problems.append(
                    ImportProblem(
                        line,
                        f'case_id "{case_ref}" is also on line {first_line_of[case_ref]}; '
                        "each case must appear once",
                    )
                )
            else:
                first_line_of[case_ref] = line
        for column, value in (("service", service), ("team", team)):
            if not value:
                problems.append(ImportProblem(line, f"{column} is empty"))
        for column, value in (("service", service), ("team", team), ("worker", worker)):
            if len(value) > NAME_MAX:
                problems.append(
                    ImportProblem(line, f"{column} is longer than {NAME_MAX} characters")
                )
        if not (service and team):
            continue
        team_key, service_key = team.casefold(), service.casefold()
        existing = teams.get(team_key)
        if existing is not None:
            existing_service = service_names[existing.service_id]
            if existing_service.casefold() != service_key:
                problems.append(
                    ImportProblem(
                        line,
                        f'team "{team}" is already in the service "{existing_service}", '
                        f'not "{service}"',
                    )
                )
            continue
        earlier = team_service_in_file.get(team_key)
        if earlier is None:
            team_service_in_file[team_key] = (service_key, service, line)
        elif earlier[0] != service_key:
            problems.append(
                ImportProblem(
                    line,
                    f'team "{team}" is in the service "{earlier[1]}" on line {earlier[2]}, '
                    f'not "{service}"; a team belongs to one service',
                )
            )
    if problems:
        raise ImportRefused(problems)

    # Every row is good: create what is missing, then the cases.
    new_services: list[str] = []
    for row in table.rows:
        key = row.get("service").casefold()
        if key not in services:
            services[key] = Service(name=row.get("service"))
            session.add(services[key])
            new_services.append(row.get("service"))
    session.flush()
    new_teams: list[str] = []
    for row in table.rows:
        key = row.get("team").casefold()
        if key not in teams:
            service_row = services[row.get("service").casefold()]
            assert service_row.id is not None  # flushed above
            teams[key] = Team(name=row.get("team"), service_id=service_row.id)
            session.add(teams[key])
            new_teams.append(row.get("team"))
    session.flush()

    existing_cases = cases_by_ref([row.get("case_id") for row in table.rows], session=session)
    created = updated = unchanged = 0
    now = utcnow()
    for row in table.rows:
        team_id = teams[row.get("team").casefold()].id
        assert team_id is not None
        case_worker = (row.get("worker") or None) if has_worker else None
        case = existing_cases.get(row.get("case_id"))
        if case is None:
            session.add(Case(case_ref=row.get("case_id"), team_id=team_id, worker=case_worker))
            created += 1
            continue
        changed = case.team_id != team_id or (has_worker and case.worker != case_worker)
        if not changed:
            unchanged += 1
            continue
        case.team_id = team_id
        if has_worker:
            case.worker = case_worker
        case.updated_at = now
        session.add(case)
        updated += 1

    summary = ImportSummary(
        rows=len(table.rows),
        created=created,
        updated=updated,
        unchanged=unchanged,
        new_services=tuple(new_services),
        new_teams=tuple(new_teams),
        ignored_columns=table.ignored_columns,
    )
    record_event(
        "cases.imported",
        session=session,
        actor=actor,
        rows=summary.rows,
        created=created,
        updated=updated,
        unchanged=unchanged,
        new_services=list(summary.new_services),
        new_teams=list(summary.new_teams),
        ignored_columns=list(summary.ignored_columns),
    )
    session.flush()
    return summary


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
