"""Allocations: which case each auditor should audit, with which questionnaire, by when.

Allocations come from a CSV file (all or nothing, every bad row listed by line) or from a random
draw, as councils do for monthly peer audits: each active auditor gets cases from teams other
than their own, never a case audited in the previous 12 months.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.dates import add_months, month_end
from audit_app.core.lifecycle import OPEN
from audit_app.core.roles import ALLOCATABLE
from audit_app.core.subjects import DEFAULT_SUBJECT
from audit_app.models import (
    Allocation,
    Audit,
    Case,
    QuestionnaireVersion,
    Service,
    Team,
    User,
)
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.cases import chunked, references_by_ref
from audit_app.services.csv_files import (
    CsvRow,
    ImportProblem,
    ImportRefused,
    ImportSummaryWords,
    read_csv,
)
from audit_app.services.errors import Refused
from audit_app.services.questionnaires import current_versions, questionnaire_of
from audit_app.services.trail import record_event

ALLOCATION_COLUMNS = ("case_id", "questionnaire_id", "auditor", "due")
# A case audited (started or submitted) this many months before a draw's month is not drawn.
LOOKBACK_MONTHS = 12
MAX_PER_AUDITOR = 50
PER_AUDITOR_RULE = f"Cases per auditor must be a whole number from 1 to {MAX_PER_AUDITOR}"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")

STATUS_TEXT = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "overdue": "Overdue",
}
# GOV.UK tag classes; the plain tag (blue) for work in progress.
STATUS_TAG_CLASSES = {
    "not_started": "govuk-tag--grey",
    "in_progress": "",
    "submitted": "govuk-tag--green",
    "overdue": "govuk-tag--red",
}


class DrawRefused(Refused, ValueError):
    """A draw that cannot be made; nothing was allocated. The message says why.

    ``field`` names the input at fault ("per_auditor", "questionnaire"), if any.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AllocationImportSummary(ImportSummaryWords):
    """What an import of allocations did."""

    rows: int
    created: int
    already_allocated: int
    ignored_columns: tuple[str, ...] = ()

    def done(self) -> list[str]:
        noun = "allocation" if self.rows == 1 else "allocations"
        return [
            f"{self.rows} {noun} in the file: {self.created} created, "
            f"{self.already_allocated} already allocated."
        ]


@dataclass(frozen=True)
class Shortfall:
    """An auditor who got fewer cases than asked for, because too few were eligible."""

    auditor: str
    wanted: int
    allocated: int

    def __str__(self) -> str:
        return f"{self.auditor} has {self.allocated} of {self.wanted}: not enough eligible cases"


class DrawnAllocations(list[Allocation]):
    """The allocations one draw made, with the auditors it could not fully serve."""

    def __init__(
        self,
        allocations: Sequence[Allocation] = (),
        *,
        month: date,
        due: date,
        auditors: Sequence[str] = (),
        shortfalls: Sequence[Shortfall] = (),
        case_refs: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(allocations)
        self.month = month
        self.due = due
        self.auditors = tuple(auditors)
        self.shortfalls = tuple(shortfalls)
        # The case references each auditor got in this draw, by username.
        self.case_refs = case_refs or {}

    def lines(self) -> list[str]:
        noun = "case" if len(self) == 1 else "cases"
        auditors = "auditor" if len(self.auditors) == 1 else "auditors"
        out = [
            f"Allocated {len(self)} {noun} to {len(self.auditors)} {auditors} for "
            f"{self.month:%B %Y}, due {self.due.day} {self.due:%B %Y}."
        ]
        out.extend(f"Shortfall: {s}." for s in self.shortfalls)
        return out


@dataclass(frozen=True)
class AllocationRow:
    """An allocation as the admin list and the auditor's home show it."""

    id: int
    case_ref: str
    questionnaire_id: str
    questionnaire_title: str
    auditor: str
    auditor_id: int
    due: date
    audit_id: int | None
    status: str  # a key of STATUS_TEXT
    subject: str = DEFAULT_SUBJECT

    @property
    def allocation_id(self) -> int:
        return self.id

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def status_tag_classes(self) -> str:
        return STATUS_TAG_CLASSES[self.status]


@dataclass(frozen=True)
class AllocationPage:
    rows: list[AllocationRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def parse_month(text: str) -> date:
    """``"2025-03"`` as the first day of that month; ValueError with a clear message."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f'"{text}" is not a month in the form YYYY-MM, for example 2025-03')
    return date(int(match.group(1)), int(match.group(2)), 1)


def _due_problem(text: str) -> str | None:
    if not _ISO_DATE.fullmatch(text):
        return f'due "{text}" is not a date in the form YYYY-MM-DD'
    try:
        date.fromisoformat(text)
    except ValueError:
        return f'due "{text}" is not a real date'
    return None


def _questionnaire_titles(*, session: Session) -> dict[str, str]:
    """The title of each questionnaire id, from its highest published version (a draft is
    for admins only: its id cannot be allocated yet)."""
    titles: dict[str, str] = {}
    rows = session.exec(
        select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.title)
        .where(col(QuestionnaireVersion.published_at).is_not(None))
        .order_by(col(QuestionnaireVersion.questionnaire_id), col(QuestionnaireVersion.version))
    )
    for questionnaire_id, title in rows:
        titles[questionnaire_id] = title
    return titles


# Importing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationLookup:
    """What the rows of a file of allocations are checked against: the stored cases and users
    the file names, and the questionnaires in use and ever loaded."""

    cases: Mapping[tuple[str, str], Case]  # by reference and subject
    users: Mapping[str, User]  # by username
    questionnaires_in_use: set[str]
    questionnaires_loaded: set[str]
    # Ids with a draft version and no published one: admins only, not yet to be allocated.
    questionnaires_drafted: frozenset[str] = frozenset()
    # What each questionnaire in use audits: its case_id is a reference of that subject.
    subjects: Mapping[str, str] = field(default_factory=dict)

    def case(self, reference: str, questionnaire_id: str) -> Case | None:
        """The stored reference of the questionnaire's subject (a case's if not in use)."""
        return self.cases.get((reference, self.subjects.get(questionnaire_id, DEFAULT_SUBJECT)))


@dataclass(frozen=True)
class WantedAllocation:
    """A good row of a file of allocations: this auditor audits this case by ``due``."""

    line: int
    case: Case
    questionnaire_id: str
    auditor: User
    due: date


def import_allocations(
    text: bytes | str,
    *,
    session: Session,
    actor: Actor,
) -> AllocationImportSummary:
    """Create allocations from a CSV file, all or nothing; rows already allocated are skipped."""
    table = read_csv(text, required=ALLOCATION_COLUMNS)
    lookup = _lookup_for(table.rows, session=session, actor=actor)
    problems, wanted = check_allocation_rows(table.rows, lookup)
    if problems:
        raise ImportRefused(problems)
    created, already = _add_allocations(wanted, session=session, actor=actor)
    summary = AllocationImportSummary(
        rows=len(table.rows),
        created=created,
        already_allocated=already,
        ignored_columns=table.ignored_columns,
    )
    record_event(
        "allocations.imported",
        session=session,
        actor=actor,
        rows=summary.rows,
        created=created,
        already_allocated=already,
        ignored_columns=list(summary.ignored_columns),
    )
    session.flush()
    return summary


def _lookup_for(rows: Sequence[CsvRow], *, session: Session, actor: Actor) -> AllocationLookup:
    """The stored cases and users that the rows name, and the questionnaires. Another
    organisation's cases and people are not found (``services/visibility.py``)."""
    versions = current_versions(session=session)
    cases = references_by_ref([r.get("case_id") for r in rows if r.get("case_id")], session=session)
    users = _users_by_username(
        [r.get("auditor").lower() for r in rows if r.get("auditor")], session=session
    )
    own_teams = set(session.exec(visibility.own_team_ids(actor)))
    limited = visibility.is_limited(actor)
    return AllocationLookup(
        cases={
            key: case for key, case in cases.items() if not limited or case.team_id in own_teams
        },
        subjects={v.questionnaire_id: questionnaire_of(v).subject for v in versions},
        users={
            name: user for name, user in users.items() if visibility.may_see_person(actor, user)
        },
        questionnaires_in_use={v.questionnaire_id for v in versions},
        questionnaires_loaded=set(_questionnaire_titles(session=session)),
        questionnaires_drafted=_drafted_only(session=session),
    )


def _drafted_only(*, session: Session) -> frozenset[str]:
    """The questionnaire ids whose every version is a draft."""
    rows = session.exec(
        select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.published_at)
    )
    published: dict[str, bool] = {}
    for questionnaire_id, published_at in rows:
        published[questionnaire_id] = published.get(questionnaire_id, False) or (
            published_at is not None
        )
    return frozenset(qid for qid, any_published in published.items() if not any_published)


# Checking a file of allocations: nothing is read from or written to the database.


def check_allocation_rows(
    rows: Sequence[CsvRow], lookup: AllocationLookup
) -> tuple[list[ImportProblem], list[WantedAllocation]]:
    """Every problem with the rows of a file of allocations, with its line, and the
    allocations the good rows ask for (all of them when there is no problem)."""
    problems: list[ImportProblem] = []
    wanted: list[WantedAllocation] = []
    first_line_of: dict[tuple[str, str, str, str], int] = {}
    for row in rows:
        row_problems, allocation = _check_allocation_row(row, lookup, first_line_of)
        problems.extend(ImportProblem(row.line, message) for message in row_problems)
        if allocation is not None:
            wanted.append(allocation)
    return problems, wanted


def _check_allocation_row(
    row: CsvRow,
    lookup: AllocationLookup,
    first_line_of: dict[tuple[str, str, str, str], int],
) -> tuple[list[str], WantedAllocation | None]:
    """What is wrong with one row (in column order, then a repeat of an earlier row), or the
    allocation it asks for. Notes the line of each row that names all four things."""
    values = {name: row.get(name) for name in ALLOCATION_COLUMNS}
    case_ref, questionnaire_id = values["case_id"], values["questionnaire_id"]
    username, due_text = values["auditor"].lower(), values["due"]
    case, user = lookup.case(case_ref, questionnaire_id), lookup.users.get(username)
    due_problem = _due_problem(due_text)
    due = None if due_problem else date.fromisoformat(due_text)
    problems = _column_problems(
        values,
        {
            "case_id": _case_problem(case_ref, case),
            "questionnaire_id": _questionnaire_problem(questionnaire_id, lookup),
            "auditor": _auditor_problem(values["auditor"], user),
            "due": due_problem,
        },
    )
    key = (case_ref, questionnaire_id, username, due.isoformat() if due else due_text)
    repeat = _repeat_problem(key, row.line, first_line_of)
    if repeat:
        problems.append(repeat)
    if problems:
        return problems, None
    assert case is not None and user is not None and due is not None
    return [], WantedAllocation(row.line, case, questionnaire_id, user, due)


def _column_problems(values: Mapping[str, str], checks: Mapping[str, str | None]) -> list[str]:
    """Each column's problem, in column order: it is empty, or what its check found."""
    problems: list[str] = []
    for name in ALLOCATION_COLUMNS:
        problem = f"{name} is empty" if not values[name] else checks[name]
        if problem:
            problems.append(problem)
    return problems


def _repeat_problem(
    key: tuple[str, str, str, str], line: int, first_line_of: dict[tuple[str, str, str, str], int]
) -> str | None:
    """A row that repeats an earlier one; notes the line of the first row with each key.
    A row with an empty value is not compared (its emptiness is the problem)."""
    if not all(key):
        return None
    if key in first_line_of:
        return f"repeats line {first_line_of[key]}"
    first_line_of[key] = line
    return None


def _case_problem(case_ref: str, case: Case | None) -> str | None:
    return (
        None if case is not None else f'case_id "{case_ref}" is not a known case; import it first'
    )


def _questionnaire_problem(questionnaire_id: str, lookup: AllocationLookup) -> str | None:
    if questionnaire_id in lookup.questionnaires_in_use:
        return None
    if questionnaire_id in lookup.questionnaires_loaded:
        return f'questionnaire_id "{questionnaire_id}" is retired and cannot be allocated'
    if questionnaire_id in lookup.questionnaires_drafted:
        return (
            f'questionnaire_id "{questionnaire_id}" is a draft, not yet published, and cannot '
            "be allocated"
        )
    return f'questionnaire_id "{questionnaire_id}" is not a loaded questionnaire'


def _auditor_problem(given: str, user: User | None) -> str | None:
    if user is None:
        return f'auditor "{given}" is not a user'
    if not user.active:
        return f'auditor "{user.username}" is deactivated'
    if user.role not in ALLOCATABLE:
        return f'auditor "{user.username}" is {_article(user.role)} {user.role}, not an auditor'
    return None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _users_by_username(usernames: Sequence[str], *, session: Session) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in chunked(sorted(set(usernames))):
        for user in session.exec(select(User).where(col(User.username).in_(chunk))):
            found[user.username] = user
    return found


def _existing_allocations(
    case_ids: Sequence[int | None], *, session: Session
) -> set[tuple[int | None, str, int | None, date]]:
    found: set[tuple[int | None, str, int | None, date]] = set()
    for chunk in chunked(sorted({i for i in case_ids if i is not None})):
        rows = session.exec(select(Allocation).where(col(Allocation.case_id).in_(chunk)))
        found.update((a.case_id, a.questionnaire_id, a.auditor_id, a.due) for a in rows)
    return found


# Writing a checked file of allocations.


def _add_allocations(
    wanted: Sequence[WantedAllocation], *, session: Session, actor: Actor
) -> tuple[int, int]:
    """Add each wanted allocation not already stored; how many were created, and how many
    were already allocated."""
    existing = _existing_allocations([w.case.id for w in wanted], session=session)
    created = already = 0
    for allocation in wanted:
        case_id, auditor_id = allocation.case.id, allocation.auditor.id
        assert case_id is not None and auditor_id is not None  # both read from the database
        key = (case_id, allocation.questionnaire_id, auditor_id, allocation.due)
        if key in existing:
            already += 1
            continue
        session.add(
            Allocation(
                case_id=case_id,
                questionnaire_id=allocation.questionnaire_id,
                auditor_id=auditor_id,
                due=allocation.due,
                created_by=actor.username,
            )
        )
        existing.add(key)
        created += 1
    return created, already


# Drawing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawPool:
    """What a draw chooses from: the cases that may be drawn (case id and team id, by case id)
    with their references, the cases not to draw, and how many allocations of the
    questionnaire each auditor already has due in the month."""

    candidates: list[tuple[int, int]]
    refs: dict[int, str]
    taken: set[int]
    already: Counter[int | None]


def draw_allocations(
    *,
    session: Session,
    actor: Actor,
    month: date,
    per_auditor: int | str,
    questionnaire_id: str,
    rng: random.Random,
) -> DrawnAllocations:
    """Draw ``per_auditor`` cases at random for each active auditor, due at the month's end.

    An auditor never gets a case from their own team, a case with an audit created or submitted
    in the 12 months before the month starts or since (a calibration exercise's audits aside), a
    case already allocated in the month, or a case another auditor got in the same draw. An
    auditor who already has allocations of this questionnaire due in the month is topped up to
    ``per_auditor``, so a second draw for the same month does not double anyone's work. Where too
    few cases are eligible, the auditor gets what there is and the shortfall is reported. The
    result depends only on the data and ``rng``.
    ``per_auditor`` may be the number as typed (see ``read_per_auditor``).
    """
    wanted = read_per_auditor(per_auditor)
    _check_in_use(questionnaire_id, session=session)
    month = month.replace(day=1)
    due = month_end(month)
    auditors = active_auditors(session=session, actor=actor)
    pool = _draw_pool(month, due, questionnaire_id, session=session, actor=actor)
    drawn = choose_cases(auditors, pool, per_auditor=wanted, rng=rng)
    allocations = _add_drawn(auditors, drawn, questionnaire_id, due, session=session, actor=actor)
    session.flush()
    result = DrawnAllocations(
        allocations,
        month=month,
        due=due,
        auditors=[a.username for a in auditors],
        shortfalls=_shortfalls(auditors, drawn, pool.already, per_auditor=wanted),
        case_refs={a.username: [pool.refs[i] for i in drawn[a.id]] for a in auditors},
    )
    _record_draw(result, questionnaire_id, per_auditor=wanted, session=session, actor=actor)
    return result


# Checking what a draw is asked for.


def read_per_auditor(value: int | str) -> int:
    """How many cases each auditor gets, as a number or as typed; DrawRefused (at the field
    "per_auditor") unless it is a whole number from 1 to ``MAX_PER_AUDITOR``."""
    number: int | None = value if isinstance(value, int) else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise DrawRefused("Enter how many cases each auditor gets", field="per_auditor")
        number = _whole_number(text)
    if number is None or not 1 <= number <= MAX_PER_AUDITOR:
        raise DrawRefused(PER_AUDITOR_RULE, field="per_auditor")
    return number


def _whole_number(text: str) -> int | None:
    """The number written in ``text`` (digits only: no sign, point or spaces), or None."""
    if not text.isdigit():
        return None
    try:
        return int(text)
    except ValueError:  # digits int() does not read (such as "²"), or thousands of them
        return None


def _check_in_use(questionnaire_id: str, *, session: Session) -> None:
    if questionnaire_id not in {v.questionnaire_id for v in current_versions(session=session)}:
        raise DrawRefused(
            f'"{questionnaire_id}" is not a questionnaire in use (it is not loaded, is retired, '
            "or is a draft not yet published)",
            field="questionnaire",
        )


def active_auditors(*, session: Session, actor: Actor | None = None) -> list[User]:
    """The active users (of the actor's organisation) who can be allocated cases, by username;
    DrawRefused if none."""
    auditors = list(
        session.exec(
            select(User)
            .where(
                col(User.role).in_(ALLOCATABLE),
                col(User.active).is_(True),
                *([] if actor is None else [visibility.people_seen(actor)]),
            )
            .order_by(col(User.username))
        )
    )
    if not auditors:
        raise DrawRefused("There are no active auditors to allocate cases to")
    return auditors


def _draw_pool(
    month: date, due: date, questionnaire_id: str, *, session: Session, actor: Actor
) -> DrawPool:
    """The cases (of the actor's organisation) a draw for ``month`` may choose from, and the
    allocations due in it."""
    window_start = datetime.combine(add_months(month, -LOOKBACK_MONTHS), time.min, tzinfo=UTC)
    recently_audited = set(
        session.exec(
            select(Audit.case_id).where(
                or_(
                    col(Audit.created_at) >= window_start,
                    col(Audit.submitted_at) >= window_start,
                ),
                # A calibration exercise's audits are not audits of the case's practice.
                col(Audit.exercise_id).is_(None),
            )
        )
    )
    in_month = list(
        session.exec(
            select(Allocation).where(col(Allocation.due) >= month, col(Allocation.due) <= due)
        )
    )
    taken = {a.case_id for a in in_month} | recently_audited
    already: Counter[int | None] = Counter(
        a.auditor_id for a in in_month if a.questionnaire_id == questionnaire_id
    )
    refs: dict[int, str] = {}
    candidates: list[tuple[int, int]] = []
    subject = _subject_of(questionnaire_id, session=session)
    for case_id, team_id, case_ref in session.exec(
        # A training case, written for a calibration exercise, is no case to allocate.
        select(Case.id, Case.team_id, Case.case_ref)
        .where(
            col(Case.training).is_(False),
            Case.subject == subject,
            visibility.cases_seen(actor),
        )
        .order_by(col(Case.id))
    ):
        if case_id is not None and case_id not in taken:
            candidates.append((case_id, team_id))
            refs[case_id] = case_ref
    return DrawPool(candidates=candidates, refs=refs, taken=taken, already=already)


def _subject_of(questionnaire_id: str, *, session: Session) -> str:
    """What the questionnaire's audits are of: a draw chooses references of that subject."""
    for version in current_versions(session=session):
        if version.questionnaire_id == questionnaire_id:
            return questionnaire_of(version).subject
    return DEFAULT_SUBJECT


# Choosing the cases: nothing is read from or written to the database.


def choose_cases(
    auditors: Sequence[User], pool: DrawPool, *, per_auditor: int, rng: random.Random
) -> dict[int | None, list[int]]:
    """The case ids each auditor gets, by user id, in the order drawn.

    Auditors take turns, one case a round, in a random order: a shortage falls evenly. Each
    auditor is topped up to ``per_auditor``, from cases outside their own team.
    """
    order = list(auditors)
    rng.shuffle(order)
    needed = {a.id: max(0, per_auditor - pool.already[a.id]) for a in order}
    drawn: dict[int | None, list[int]] = {a.id: [] for a in order}
    taken = set(pool.taken)
    for _round in range(per_auditor):
        for auditor in order:
            if len(drawn[auditor.id]) >= needed[auditor.id]:
                continue
            eligible = [
                case_id
                for case_id, team_id in pool.candidates
                if case_id not in taken and (auditor.team_id is None or team_id != auditor.team_id)
            ]
            if not eligible:
                continue
            choice = rng.choice(eligible)
            taken.add(choice)
            drawn[auditor.id].append(choice)
    return drawn


def _shortfalls(
    auditors: Sequence[User],
    drawn: Mapping[int | None, list[int]],
    already: Counter[int | None],
    *,
    per_auditor: int,
) -> list[Shortfall]:
    """The auditors (by username) left with fewer than ``per_auditor`` cases in the month."""
    shortfalls: list[Shortfall] = []
    for auditor in auditors:
        total = already[auditor.id] + len(drawn[auditor.id])
        if total < per_auditor:
            shortfalls.append(Shortfall(auditor.username, per_auditor, total))
    return shortfalls


# Writing a draw.


def _add_drawn(
    auditors: Sequence[User],
    drawn: Mapping[int | None, list[int]],
    questionnaire_id: str,
    due: date,
    *,
    session: Session,
    actor: Actor,
) -> list[Allocation]:
    """Add the drawn allocations, in username order."""
    allocations: list[Allocation] = []
    for auditor in auditors:
        assert auditor.id is not None  # read from the database
        for case_id in drawn[auditor.id]:
            allocation = Allocation(
                case_id=case_id,
                questionnaire_id=questionnaire_id,
                auditor_id=auditor.id,
                due=due,
                created_by=actor.username,
            )
            session.add(allocation)
            allocations.append(allocation)
    return allocations


def _record_draw(
    drawn: DrawnAllocations,
    questionnaire_id: str,
    *,
    per_auditor: int,
    session: Session,
    actor: Actor,
) -> None:
    record_event(
        "allocations.drawn",
        session=session,
        actor=actor,
        month=f"{drawn.month:%Y-%m}",
        questionnaire_id=questionnaire_id,
        per_auditor=per_auditor,
        allocated=len(drawn),
        allocations={username: len(refs) for username, refs in drawn.case_refs.items()},
        shortfalls={s.auditor: s.wanted - s.allocated for s in drawn.shortfalls},
    )


# Listing --------------------------------------------------------------------------------------


def _status(audit_status: str | None, due: date, today: date) -> str:
    if audit_status is not None and audit_status not in OPEN:
        return "submitted"
    if due < today:
        return "overdue"
    return "not_started" if audit_status is None else "in_progress"


def _rows(query: Any, *, session: Session, today: date) -> list[AllocationRow]:
    titles = _questionnaire_titles(session=session)
    return [
        AllocationRow(
            id=allocation.id or 0,
            case_ref=case_ref,
            questionnaire_id=allocation.questionnaire_id,
            questionnaire_title=titles.get(
                allocation.questionnaire_id, allocation.questionnaire_id
            ),
            auditor=display_name or username,
            auditor_id=allocation.auditor_id,
            due=allocation.due,
            audit_id=allocation.audit_id,
            status=_status(audit_status, allocation.due, today),
            subject=subject,
        )
        for allocation, case_ref, username, display_name, audit_status, subject in session.exec(
            query
        )
    ]


def _base_query() -> Any:
    """Allocations with their case reference, auditor and audit status (if started)."""
    return (
        select(  # type: ignore[call-overload]
            Allocation, Case.case_ref, User.username, User.display_name, Audit.status, Case.subject
        )
        .join(Case, col(Case.id) == col(Allocation.case_id))
        .join(User, col(User.id) == col(Allocation.auditor_id))
        .outerjoin(Audit, col(Audit.id) == col(Allocation.audit_id))
    )


def list_allocations(
    *,
    session: Session,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
    actor: Actor | None = None,
) -> AllocationPage:
    """One page of every allocation (of a case of the actor's organisation), latest due date
    first."""
    seen = [] if actor is None else [visibility.cases_seen(actor)]
    counted = select(func.count()).select_from(Allocation).join(Case).where(*seen)
    total = int(session.exec(counted).one())
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    query = (
        _base_query()
        .where(*seen)
        .order_by(col(Allocation.due).desc(), col(Case.case_ref), col(User.username))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = _rows(query, session=session, today=today or clock.today())
    return AllocationPage(rows=rows, total=total, page=page, per_page=per_page)


def allocations_for_auditor(
    user_id: int, *, session: Session, today: date | None = None
) -> list[AllocationRow]:
    """An auditor's open allocations (not started, or started and not yet submitted), by due;
    only of cases of the auditor's organisation."""
    own_teams = (
        select(Team.id)
        .join(Service, col(Service.id) == Team.service_id)
        .join(User, col(User.organisation_id) == Service.organisation_id)
        .where(User.id == user_id)
    )
    query = (
        _base_query()
        .where(
            col(Allocation.auditor_id) == user_id,
            col(Case.team_id).in_(own_teams),
            or_(
                col(Allocation.audit_id).is_(None),
                col(Audit.status).in_(OPEN),
            ),
        )
        .order_by(col(Allocation.due), col(Case.case_ref))
    )
    return _rows(query, session=session, today=today or clock.today())
