"""Rescoring what-ifs worked out once, in the background, and kept until what they read changes.

A what-if small enough (at most ``WHAT_IF_INLINE_AUDITS`` audits) is worked out in the request,
as it always was, and not kept. A larger one is a job (:class:`~audit_app.models.WhatIf`,
one per questionnaire, pair of versions and period): the first visit queues it, a worker
(``audit_app/jobs.py``) takes it, works through the audits in batches saying how far it has
got, and keeps the result. Every later visit and drill-down click reads the kept result, until
its fingerprint (the audits of the period, with their change counters, and both versions)
no longer matches: then it is shown with a notice and worked out again.

Services flush, never commit: the view's ``changes()`` block and the worker commit.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import cached_property
from typing import Any

from sqlalchemy import case, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from audit_app import clock
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.lifecycle import STANDING
from audit_app.core.questionnaire import Questionnaire
from audit_app.core.rescore import (
    CHANGES,
    DIRECTIONS,
    Direction,
    Figures,
    GradeShift,
    Impact,
    RescoredAudit,
    ServiceFigures,
    SubmittedAudit,
    ThemeFigures,
    ThemeShift,
    rescore_each,
    theme_order,
)
from audit_app.models import Answer, Audit, Case, QuestionnaireVersion, WhatIf
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services import workshop as workshop_service
from audit_app.services.answer_keys import key_column

__all__ = [
    "CLAIM_EXPIRES",
    "DEFAULT_INLINE_AUDITS",
    "DEFAULT_KEEP_DAYS",
    "LISTED",
    "Job",
    "Listing",
    "Packer",
    "Summary",
    "WhatIfOutcome",
    "claim_next_job",
    "fail",
    "finish",
    "fingerprint",
    "listing",
    "pack",
    "prepare",
    "prune",
    "rescore_batch",
    "summary",
    "what_if",
]

DEFAULT_INLINE_AUDITS = 2000
"""What-ifs of at most this many audits are worked out in the request (WHAT_IF_INLINE_AUDITS)."""
DEFAULT_KEEP_DAYS = 7
"""Kept results worked out longer ago than this many days are removed (WHAT_IF_KEEP_DAYS)."""
CLAIM_EXPIRES = timedelta(minutes=10)
"""A running job whose server has said nothing for this long is taken by another."""


@dataclass(frozen=True)
class WhatIfOutcome:
    """What the page shows: the result (if there is one yet) and how far the job has got."""

    status: str  # "done", "queued", "running" or "failed"
    done: int
    total: int
    packed: str | None  # the result, packed (see "the kept result" below)
    # The impact shown is from before a change to the audits or versions: being worked out again.
    stale: bool = False
    queued: bool = False  # this visit queued the job (the worker is to be woken)
    error: str | None = None  # why the last try failed (it is being tried again)

    @property
    def working(self) -> bool:
        """Whether a job is still to finish (the page looks again shortly)."""
        return self.status in ("queued", "running")

    @cached_property
    def impact(self) -> Summary | None:
        """The figures of the result, if there is one yet."""
        return None if self.packed is None else summary(self.packed)

    def listing(self, scope: str, which: str) -> Listing | None:
        """The audits listed under a figure (or those whose grades would change)."""
        return None if self.packed is None else listing(self.packed, scope, which)


@dataclass(frozen=True)
class Job:
    """A claimed job's versions, period and audits, read at its start."""

    id: int
    before: Questionnaire
    after: Questionnaire
    rows: list[workshop_service.AuditRow]
    fingerprint: str
    plans: tuple[ScoringPlan, ScoringPlan]  # both versions compiled once for the whole job

    @property
    def reads_judgements(self) -> bool:
        """Whether a version grades a theme, or the overall grade, by judgement: then the
        auditors' grades count."""
        themes = [*self.before.themes, *self.after.themes]
        overall = (self.before.grading.graded_by, self.after.grading.graded_by)
        return "judgement" in overall or any(theme.graded_by == "judgement" for theme in themes)


# --- the page ------------------------------------------------------------------------------


def what_if(
    questionnaire_id: str,
    before: int,
    after: int,
    start: date,
    end: date,
    *,
    session: Session,
    inline_audits: int = DEFAULT_INLINE_AUDITS,
) -> WhatIfOutcome:
    """The what-if for a page: worked out now when small, else the kept one, or a job queued."""
    old = workshop_service.get_version(questionnaire_id, before, session=session)
    new = workshop_service.get_version(questionnaire_id, after, session=session)
    # One look at the period's audits: how many, and the fingerprint of what the result reads.
    total, current = _census(old, new, start, end, session=session)
    if total <= inline_audits:
        impact = workshop_service.rescoring_impact(
            questionnaire_id, before, after, start, end, session=session
        )
        versions = [questionnaire_service.questionnaire_of(row) for row in (old, new)]
        return WhatIfOutcome("done", total, total, pack(impact, *versions))
    key = (questionnaire_id, before, after, start, end)
    job = _job(key, session=session)
    if job is None:
        _new_job(key, total, session=session)
        return WhatIfOutcome("queued", 0, total, None, queued=True)
    stale = job.fingerprint != current
    error = job.error if job.status == "failed" else None
    queued = job.status == "failed" or (stale and job.status == "done")
    if queued:
        _queue_again(job, total)
    return WhatIfOutcome(
        job.status,
        job.done,
        job.total,
        job.result,
        stale=stale and job.result is not None,
        queued=queued,
        error=error,
    )


def _job(key: tuple[str, int, int, date, date], *, session: Session) -> WhatIf | None:
    questionnaire_id, before, after, start, end = key
    return session.exec(
        select(WhatIf).where(
            WhatIf.questionnaire_id == questionnaire_id,
            WhatIf.before_version == before,
            WhatIf.after_version == after,
            WhatIf.period_start == start,
            WhatIf.period_end == end,
        )
    ).first()


def _new_job(key: tuple[str, int, int, date, date], total: int, *, session: Session) -> None:
    """Queue a job; one queued at the same moment by another visit is as good."""
    questionnaire_id, before, after, start, end = key
    job = WhatIf(
        questionnaire_id=questionnaire_id,
        before_version=before,
        after_version=after,
        period_start=start,
        period_end=end,
        total=total,
        queued_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        pass  # queued by another visit in the meantime


def _queue_again(job: WhatIf, total: int) -> None:
    """Work a stale or failed job out again; its kept result is shown until then."""
    job.status = "queued"
    job.done = 0
    job.total = total
    job.queued_at = clock.now()
    job.claimed_at = None


def fingerprint(
    old: QuestionnaireVersion,
    new: QuestionnaireVersion,
    start: date,
    end: date,
    *,
    session: Session,
) -> str:
    """What a what-if reads, in one hash (see :func:`_census`)."""
    return _census(old, new, start, end, session=session)[1]


def _census(
    old: QuestionnaireVersion,
    new: QuestionnaireVersion,
    start: date,
    end: date,
    *,
    session: Session,
) -> tuple[int, str]:
    """How many audits of ``old`` submitted in the period stand (as ``count_submitted``
    counts them), and what a what-if reads, in one hash: the audits of ``old`` submitted in
    the period (how many, their change counters and last changes), the last change to any
    case (a case moved to another team), and both versions as loaded.

    Every change to an audit (its answers, judgements, status) bumps its ``version``, so a sum
    of them moves with any change; an audit moving in or out of the period moves the count.
    The cases are not joined to the audits: at 100,000 audits the join cost most of a click.
    """
    first, after_last = workshop_service.period_bounds(start, end)
    standing, *audits = session.exec(
        select(  # type: ignore[call-overload]
            func.count(case((col(Audit.status).in_(STANDING), 1))),
            func.count(col(Audit.id)),
            func.sum(Audit.version),
            func.max(Audit.id),
            func.max(Audit.updated_at),
        ).where(
            Audit.questionnaire_version_id == old.id,
            col(Audit.submitted_at) >= first,
            col(Audit.submitted_at) < after_last,
        )
    ).one()
    cases = session.exec(select(func.max(Case.updated_at))).one()
    parts: list[Any] = [*audits, cases]
    for row in (old, new):
        parts += [row.id, row.content_sha256, row.retired_at]
    text = "|".join(_stamp(part) for part in parts)
    return standing, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()  # SQLite returns them naive
    return repr(value)


# --- the worker's steps (its session commits between them: audit_app/jobs.py) --------------


def claim_next_job(session: Session) -> int | None:
    """Take the oldest queued job (or one whose server went quiet); its id, or None.

    On PostgreSQL the row is locked and others' locked rows skipped, and the update is
    conditional on the job still being claimable: of two servers, exactly one gets a job.
    """
    now = clock.now()
    claimable = or_(
        col(WhatIf.status) == "queued",
        (col(WhatIf.status) == "running") & (col(WhatIf.claimed_at) < now - CLAIM_EXPIRES),
    )
    job_id = session.exec(
        select(WhatIf.id)
        .where(claimable)
        .order_by(col(WhatIf.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if job_id is None:
        return None
    claimed = session.execute(
        update(WhatIf)
        .where(col(WhatIf.id) == job_id, claimable)
        .values(status="running", done=0, claimed_at=now, error=None)
        .execution_options(synchronize_session=False)
    )
    return job_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def prepare(job_id: int, *, session: Session) -> Job:
    """A claimed job's versions and audits, and the fingerprint of what it reads."""
    job = session.get(WhatIf, job_id)
    assert job is not None
    old = workshop_service.get_version(job.questionnaire_id, job.before_version, session=session)
    new = workshop_service.get_version(job.questionnaire_id, job.after_version, session=session)
    start, end = job.period_start, job.period_end
    rows = workshop_service.submitted_rows(old, start, end, session=session)
    job.total = len(rows)
    before = questionnaire_service.questionnaire_of(old)
    after = questionnaire_service.questionnaire_of(new)
    return Job(
        id=job_id,
        before=before,
        after=after,
        rows=rows,
        fingerprint=fingerprint(old, new, start, end, session=session),
        plans=(ScoringPlan(before), ScoringPlan(after)),
    )


def rescore_batch(
    job: Job, rows: Sequence[workshop_service.AuditRow], *, session: Session
) -> tuple[RescoredAudit, ...]:
    """One batch of a job's audits rescored (answers read now); the job says how far it got."""
    audits = _with_answers(rows, session=session)
    if job.reads_judgements:
        ids = [row[0] for row in rows]
        judged = workshop_service.judged_grades_of(ids, session=session)
        overall = workshop_service.overall_judgements_of(ids, session=session)
        audits = [
            replace(
                audit,
                judged=judged.get(audit.audit_id, {}),
                overall_judged=overall.get(audit.audit_id),
            )
            for audit in audits
        ]
    rescored = rescore_each(job.before, job.after, audits, plans=job.plans)
    session.execute(
        update(WhatIf)
        .where(col(WhatIf.id) == job.id)
        .values(done=WhatIf.done + len(rows), claimed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return rescored


def _with_answers(
    rows: Sequence[workshop_service.AuditRow], *, session: Session
) -> list[SubmittedAudit]:
    """The audits of ``rows`` with their answers, read as one JSON object per audit.

    The database gathers each audit's answers into one object (``json_object_agg`` on
    PostgreSQL, ``json_group_object`` on SQLite), so a batch of 1,000 audits comes back as
    1,000 rows instead of 60,000, and each is parsed in one call (the C parser): reading them
    row by row and filling the dictionaries in Python took longer than plain SQL reading them.
    """
    connection = session.connection()
    gather = (
        func.json_object_agg if connection.dialect.name == "postgresql" else func.json_group_object
    )
    statement = (
        select(Answer.audit_id, gather(key_column(), Answer.value))
        # A blank value is a comment on a question left unanswered: no answer.
        .where(col(Answer.audit_id).in_([row[0] for row in rows]), col(Answer.value) != "")
        .group_by(col(Answer.audit_id))
    )
    answers: dict[int, dict[str, str]] = {}
    for audit_id, found in connection.execute(statement):
        # psycopg parses a json value itself; SQLite returns the text.
        answers[audit_id] = found if isinstance(found, dict) else json.loads(found)
    return [
        SubmittedAudit(audit_id, case_ref, team, service, submitted_at, answers.get(audit_id, {}))
        for audit_id, submitted_at, case_ref, team, service in rows
    ]


def finish(job: Job, packer: Packer, *, session: Session) -> None:
    """Keep a job's result, with the fingerprint of what it was worked out from."""
    session.execute(
        update(WhatIf)
        .where(col(WhatIf.id) == job.id)
        .values(
            status="done",
            done=len(packer.lines),
            result=packer.text(),
            fingerprint=job.fingerprint,
            computed_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )


def fail(job_id: int, reason: str, *, session: Session) -> None:
    """Mark a job as failed, saying why in a few words (the next visit queues it again)."""
    session.execute(
        update(WhatIf)
        .where(col(WhatIf.id) == job_id)
        .values(status="failed", error=reason[:200])
        .execution_options(synchronize_session=False)
    )


def prune(keep_days: int, *, session: Session) -> int:
    """Remove the results worked out more than ``keep_days`` days ago, and the failed jobs
    queued that long ago; how many. A visit after that works the what-if out afresh."""
    cutoff = clock.now() - timedelta(days=keep_days)
    old = or_(
        (col(WhatIf.status) == "done") & (col(WhatIf.computed_at) < cutoff),
        (col(WhatIf.status) == "failed") & (col(WhatIf.queued_at) < cutoff),
    )
    removed = session.execute(
        delete(WhatIf).where(old).execution_options(synchronize_session=False)
    )
    return int(removed.rowcount)  # type: ignore[attr-defined]


# --- the kept result ---------------------------------------------------------------------
#
# A result is kept as packed text, so that a page or a click reads only what it shows:
#
# - a first line of JSON with the versions, the themes, the services and every figure's counts
#   (all the page's tables need);
# - one line per column, each a character per audit in submission order: the audit's service
#   (``chr(48 + index)``), then the direction of its overall grade and of each theme's grade
#   (a digit, the index in ``DIRECTIONS``); a click finds the audits behind a figure by
#   scanning one or a few of these lines (a regular expression, at the speed of C);
# - one line of JSON per audit (case, team, submission and grade shifts), of which only the
#   listed ones, at most ``LISTED``, are parsed.

LISTED = 100
"""At most this many audits are listed under a figure (a page of more would not be read)."""
_CODE = {d: str(i) for i, d in enumerate(DIRECTIONS)}
_SERVICE_BASE = 48  # a service's character: chr(48 + its index), never a line break


@dataclass(frozen=True)
class Summary:
    """A what-if's figures without its audits: all the page's tables show."""

    before_version: int
    after_version: int
    audit_count: int
    overall: Figures
    themes: Figures
    by_theme: tuple[ThemeFigures, ...]
    by_service: tuple[ServiceFigures, ...]


@dataclass(frozen=True)
class Listing:
    """The audits listed under a figure (``behind``), or else those whose grades would change:
    the first ``LISTED`` in submission order, of ``total``."""

    behind: bool
    audits: tuple[RescoredAudit, ...]
    total: int

    @property
    def cut(self) -> bool:
        """Whether more audits are behind the figure than are listed."""
        return self.total > len(self.audits)


class Packer:
    """A result packed as it is worked out, batch by batch, in submission order."""

    def __init__(self, before: Questionnaire, after: Questionnaire) -> None:
        self.before_version, self.after_version = before.version, after.version
        titles = {t.id: t.title for t in before.themes}
        titles.update({t.id: t.title for t in after.themes})
        self.themes = [(theme_id, titles[theme_id]) for theme_id in theme_order(before, after)]
        self.services: dict[str, str] = {}
        self.columns: list[list[str]] = [[] for _ in range(2 + len(self.themes))]
        self.lines: list[str] = []

    def add(self, rescored: Iterable[RescoredAudit]) -> None:
        """Pack the next audits (each batch follows the one before in submission order)."""
        columns, services = self.columns, self.services
        for r in rescored:
            audit = r.audit
            code = services.get(audit.service)
            if code is None:
                code = services[audit.service] = chr(_SERVICE_BASE + len(services))
            columns[0].append(code)
            columns[1].append(_CODE[r.overall.direction])
            for column, theme in zip(columns[2:], r.themes, strict=True):
                column.append(_CODE[theme.shift.direction])
            submitted = None if audit.submitted_at is None else audit.submitted_at.isoformat()
            self.lines.append(
                json.dumps(
                    [
                        audit.audit_id,
                        audit.case_ref,
                        audit.team,
                        submitted,
                        _shift_out(r.overall),
                        [_shift_out(t.shift) for t in r.themes],
                    ],
                    separators=(",", ":"),
                )
            )

    def text(self) -> str:
        """The packed result."""
        columns = ["".join(column) for column in self.columns]
        header = {
            "format": 2,
            "before": self.before_version,
            "after": self.after_version,
            "themes": self.themes,
            "services": list(self.services),
            "count": len(self.lines),
            "figures": _count_figures(columns, self.themes, list(self.services)),
        }
        return "\n".join([json.dumps(header, separators=(",", ":")), *columns, *self.lines])


def pack(impact: Impact, before: Questionnaire, after: Questionnaire) -> str:
    """A whole impact packed (a what-if worked out in the request)."""
    packer = Packer(before, after)
    packer.add(impact.audits)
    return packer.text()


def _named(counts: Counter[str]) -> dict[str, int]:
    return {DIRECTIONS[int(code)]: n for code, n in counts.items() if n}


def _count_figures(
    columns: list[str], themes: Sequence[tuple[str, str]], services: Sequence[str]
) -> dict[str, Any]:
    """Every figure's total and counts by direction (as ``rescore`` counts them)."""
    served, overall, *by_theme = columns
    count, audits = len(overall), Counter(served)
    figures: dict[str, Any] = {"overall": [count, _named(Counter(overall))]}
    every: Counter[str] = Counter()
    own_overall = Counter(zip(served, overall, strict=True))
    own_themes: Counter[tuple[str, str]] = Counter()
    for (theme_id, _), column in zip(themes, by_theme, strict=True):
        found = Counter(column)
        figures[f"theme:{theme_id}"] = [count, _named(found)]
        every.update(found)
        own_themes.update(Counter(zip(served, column, strict=True)))
    figures["themes"] = [count * len(themes), _named(every)]
    for index, service in enumerate(services):
        code = chr(_SERVICE_BASE + index)
        overall_counts = Counter({d: n for (s, d), n in own_overall.items() if s == code})
        theme_counts = Counter({d: n for (s, d), n in own_themes.items() if s == code})
        figures[f"service:{service}:overall"] = [audits[code], _named(overall_counts)]
        figures[f"service:{service}:themes"] = [
            audits[code] * len(themes),
            _named(theme_counts),
        ]
    return figures


def _figures_of(found: list[Any]) -> Figures:
    total, counts = found
    return Figures(total=total, counts=counts, audit_ids={})


def summary(packed: str) -> Summary:
    """The figures of a packed result (its first line only)."""
    header = json.loads(packed[: packed.index("\n")])
    figures = header["figures"]
    services = sorted(header["services"], key=str.lower)
    return Summary(
        before_version=header["before"],
        after_version=header["after"],
        audit_count=header["count"],
        overall=_figures_of(figures["overall"]),
        themes=_figures_of(figures["themes"]),
        by_theme=tuple(
            ThemeFigures(theme_id, title, _figures_of(figures[f"theme:{theme_id}"]))
            for theme_id, title in header["themes"]
        ),
        by_service=tuple(
            ServiceFigures(
                service,
                figures[f"service:{service}:overall"][0],
                _figures_of(figures[f"service:{service}:overall"]),
                _figures_of(figures[f"service:{service}:themes"]),
            )
            for service in services
        ),
    )


def _columns(packed: str, count: int, width: int) -> tuple[list[str], int]:
    """The packed result's code columns (each ``count`` characters), and where the audits'
    lines begin."""
    at = packed.index("\n") + 1
    columns = []
    for _ in range(width):
        columns.append(packed[at : at + count])
        at += count + 1
    return columns, at


def _wanted(header: dict[str, Any], scope: str, which: str) -> tuple[list[int], str, str] | None:
    """For a figure: the columns to look in, the service's character (or "") and the codes
    that count; None for a figure the result does not have."""
    if which == "changed":
        codes = _changes()
    elif which in _CODE:
        codes = _CODE[which]
    else:
        return None
    themes = list(range(2, 2 + len(header["themes"])))
    service = ""
    if scope.startswith("service:"):
        name, _, scope = scope.removeprefix("service:").rpartition(":")
        if name not in header["services"] or scope not in ("overall", "themes"):
            return None
        service = chr(_SERVICE_BASE + header["services"].index(name))
    if scope in ("overall", "themes"):
        return ([1] if scope == "overall" else themes), service, codes
    ids = [theme_id for theme_id, _ in header["themes"]]
    theme_id = scope.removeprefix("theme:")
    if not scope.startswith("theme:") or theme_id not in ids:
        return None
    return [2 + ids.index(theme_id)], service, codes


def listing(packed: str, scope: str, which: str, *, limit: int = LISTED) -> Listing:
    """The audits behind one figure of a packed result (``scope`` as ``Impact.scopes`` names
    figures, ``which`` a direction or "changed"), else those whose grades would change."""
    header = json.loads(packed[: packed.index("\n")])
    count, themes = header["count"], len(header["themes"])
    columns, lines_at = _columns(packed, count, 2 + themes)
    wanted = _wanted(header, scope, which) if scope else None
    look_in, service, codes = wanted or (list(range(1, 2 + themes)), "", _changes())
    # Each column as a whole number with a 1 in the byte of each audit that counts: "any of
    # these columns, and of this service" is then a few operations on whole numbers.
    hits = str.maketrans({d: "\x01" if d in codes else "\x00" for d in _CODE.values()})
    found = 0
    for index in look_in:
        found |= int.from_bytes(columns[index].translate(hits).encode("latin-1"), "big")
    if service:
        own = str.maketrans({c: "\x01" if c == service else "\x00" for c in _service_codes(header)})
        found &= int.from_bytes(columns[0].translate(own).encode("latin-1"), "big")
    marks = found.to_bytes(count, "big")
    listed: list[int] = []
    at = marks.find(1)
    while at >= 0 and len(listed) < limit:
        listed.append(at)
        at = marks.find(1, at + 1)
    return Listing(
        behind=wanted is not None,
        audits=_audits_at(packed, lines_at, listed, header, columns),
        total=found.bit_count(),
    )


def _service_codes(header: dict[str, Any]) -> list[str]:
    return [chr(_SERVICE_BASE + index) for index in range(len(header["services"]))]


def _changes() -> str:
    return "".join(_CODE[d] for d in CHANGES)


def _shift_out(shift: GradeShift) -> list[Any]:
    return [
        shift.before,
        shift.after,
        None if shift.percent_before is None else str(shift.percent_before),
        None if shift.percent_after is None else str(shift.percent_after),
    ]


class _Shifts:
    """Grade shifts read back, each distinct one made once (many audits share theirs)."""

    def __init__(self) -> None:
        self.shifts: dict[tuple[Any, ...], GradeShift] = {}

    def shift(self, data: list[Any], code: str) -> GradeShift:
        key = (*data, code)
        found = self.shifts.get(key)
        if found is None:
            before, after, percent_before, percent_after = data
            direction: Direction = DIRECTIONS[int(code)]
            found = self.shifts[key] = GradeShift(
                before,
                after,
                None if percent_before is None else Fraction(percent_before),
                None if percent_after is None else Fraction(percent_after),
                direction,
            )
        return found


def _lines(packed: str, at: int, wanted: list[int]) -> dict[int, str]:
    """The audits' lines at these positions (in order), found without copying the rest."""
    found: dict[int, str] = {}
    index = 0
    for target in wanted:
        while index < target:
            at = packed.index("\n", at) + 1
            index += 1
        stop = packed.find("\n", at)
        found[target] = packed[at : stop if stop >= 0 else len(packed)]
    return found


def _audits_at(
    packed: str, lines_at: int, wanted: list[int], header: dict[str, Any], columns: list[str]
) -> tuple[RescoredAudit, ...]:
    """The audits at these positions, read back from their lines."""
    if not wanted:
        return ()
    lines = _lines(packed, lines_at, wanted)
    services = header["services"]
    themes = header["themes"]
    read = _Shifts()
    found = []
    for index in wanted:
        audit_id, case_ref, team, submitted, overall, shifts = json.loads(lines[index])
        audit = SubmittedAudit(
            audit_id=audit_id,
            case_ref=case_ref,
            team=team,
            service=services[ord(columns[0][index]) - _SERVICE_BASE],
            submitted_at=None if submitted is None else datetime.fromisoformat(submitted),
            answers={},
        )
        each = tuple(
            ThemeShift(theme_id, title, read.shift(shift, columns[2 + i][index]))
            for i, ((theme_id, title), shift) in enumerate(zip(themes, shifts, strict=True))
        )
        found.append(RescoredAudit(audit, read.shift(overall, columns[1][index]), each))
    return tuple(found)
