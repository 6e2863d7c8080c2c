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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from audit_app import clock
from audit_app.core.questionnaire import Questionnaire
from audit_app.core.rescore import (
    GradeShift,
    Impact,
    RescoredAudit,
    SubmittedAudit,
    ThemeFigures,
    ThemeShift,
    _figures,
    _service_figures,
    rescore,
)
from audit_app.models import Audit, Case, QuestionnaireVersion, WhatIf
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services import workshop as workshop_service

__all__ = [
    "CLAIM_EXPIRES",
    "DEFAULT_INLINE_AUDITS",
    "Job",
    "WhatIfOutcome",
    "assemble",
    "claim_next_job",
    "fail",
    "finish",
    "fingerprint",
    "impact_from_json",
    "impact_to_json",
    "prepare",
    "rescore_batch",
    "what_if",
]

DEFAULT_INLINE_AUDITS = 2000
"""What-ifs of at most this many audits are worked out in the request (WHAT_IF_INLINE_AUDITS)."""
CLAIM_EXPIRES = timedelta(minutes=10)
"""A running job whose server has said nothing for this long is taken by another."""


@dataclass(frozen=True)
class WhatIfOutcome:
    """What the page shows: the impact (if there is one yet) and how far the job has got."""

    status: str  # "done", "queued", "running" or "failed"
    done: int
    total: int
    impact: Impact | None
    # The impact shown is from before a change to the audits or versions: being worked out again.
    stale: bool = False
    queued: bool = False  # this visit queued the job (the worker is to be woken)
    error: str | None = None  # why the last try failed (it is being tried again)

    @property
    def working(self) -> bool:
        """Whether a job is still to finish (the page looks again shortly)."""
        return self.status in ("queued", "running")


@dataclass(frozen=True)
class Job:
    """A claimed job's versions, period and audits, read at its start."""

    id: int
    before: Questionnaire
    after: Questionnaire
    rows: list[workshop_service.AuditRow]
    fingerprint: str


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
    total = workshop_service.count_submitted(old, start, end, session=session)
    if total <= inline_audits:
        impact = workshop_service.rescoring_impact(
            questionnaire_id, before, after, start, end, session=session
        )
        return WhatIfOutcome("done", total, total, impact)
    key = (questionnaire_id, before, after, start, end)
    job = _job(key, session=session)
    if job is None:
        _new_job(key, total, session=session)
        return WhatIfOutcome("queued", 0, total, None, queued=True)
    current = fingerprint(old, new, start, end, session=session)
    stale = job.fingerprint != current
    error = job.error if job.status == "failed" else None
    queued = job.status == "failed" or (stale and job.status == "done")
    if queued:
        _queue_again(job, total)
    return WhatIfOutcome(
        job.status,
        job.done,
        job.total,
        _kept_impact(job),
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


# The kept results last read, by job and the time they were worked out: a drill-down click on
# the same server reads its figures without parsing them again.
_READ: dict[tuple[int, datetime], Impact] = {}
_READ_KEPT = 2  # a large one holds tens of MB


def _kept_impact(job: WhatIf) -> Impact | None:
    if job.result is None or job.id is None or job.computed_at is None:
        return None
    key = (job.id, job.computed_at)
    found = _READ.get(key)
    if found is None:
        found = impact_from_json(job.result)
        while len(_READ) >= _READ_KEPT:
            _READ.pop(next(iter(_READ)))
        _READ[key] = found
    return found


def fingerprint(
    old: QuestionnaireVersion,
    new: QuestionnaireVersion,
    start: date,
    end: date,
    *,
    session: Session,
) -> str:
    """What a what-if reads, in one hash: the audits of ``old`` submitted in the period (how
    many, their change counters, last changes and cases) and both versions as loaded.

    Every change to an audit (its answers, judgements, status) bumps its ``version``, so a sum
    of them moves with any change; an audit moving in or out of the period moves the count.
    """
    first, after_last = workshop_service.period_bounds(start, end)
    audits = session.exec(
        select(  # type: ignore[call-overload]
            func.count(col(Audit.id)),
            func.sum(Audit.version),
            func.max(Audit.id),
            func.max(Audit.updated_at),
            func.max(Case.updated_at),
        )
        .join(Case, col(Case.id) == Audit.case_id)
        .where(
            Audit.questionnaire_version_id == old.id,
            col(Audit.submitted_at) >= first,
            col(Audit.submitted_at) < after_last,
        )
    ).one()
    parts: list[Any] = [*audits]
    for row in (old, new):
        parts += [row.id, row.content_sha256, row.retired_at]
    text = "|".join(_stamp(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    return Job(
        id=job_id,
        before=questionnaire_service.questionnaire_of(old),
        after=questionnaire_service.questionnaire_of(new),
        rows=rows,
        fingerprint=fingerprint(old, new, start, end, session=session),
    )


def rescore_batch(
    job: Job, rows: Sequence[workshop_service.AuditRow], *, session: Session
) -> tuple[RescoredAudit, ...]:
    """One batch of a job's audits rescored (answers read now); the job says how far it got."""
    audits = workshop_service.with_answers(rows, session=session)
    rescored = rescore(job.before, job.after, audits).audits
    session.execute(
        update(WhatIf)
        .where(col(WhatIf.id) == job.id)
        .values(done=WhatIf.done + len(rows), claimed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return rescored


def finish(job: Job, rescored: Sequence[RescoredAudit], *, session: Session) -> None:
    """Keep a job's result, with the fingerprint of what it was worked out from."""
    themes = [(t.theme_id, t.title) for t in rescore(job.before, job.after, []).by_theme]
    impact = assemble(job.before.version, job.after.version, rescored, themes)
    session.execute(
        update(WhatIf)
        .where(col(WhatIf.id) == job.id)
        .values(
            status="done",
            done=len(rescored),
            result=impact_to_json(impact),
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


# --- the kept result ---------------------------------------------------------------------


def assemble(
    before_version: int,
    after_version: int,
    rescored: Sequence[RescoredAudit],
    themes: Sequence[tuple[str, str]],
) -> Impact:
    """The whole impact from each audit's shifts, as :func:`~audit_app.core.rescore.rescore`
    counts it (``themes``: the themes' ids and titles, in the order the figures list them)."""
    audits = tuple(sorted(rescored, key=_submission_order))
    services = sorted({r.audit.service for r in audits}, key=str.lower)
    return Impact(
        before_version=before_version,
        after_version=after_version,
        audits=audits,
        overall=_figures((r.audit.audit_id, r.overall) for r in audits),
        themes=_figures((r.audit.audit_id, t.shift) for r in audits for t in r.themes),
        by_theme=tuple(
            ThemeFigures(
                theme_id,
                title,
                _figures(
                    (r.audit.audit_id, t.shift)
                    for r in audits
                    for t in r.themes
                    if t.theme_id == theme_id
                ),
            )
            for theme_id, title in themes
        ),
        by_service=tuple(_service_figures(service, audits) for service in services),
    )


def _submission_order(r: RescoredAudit) -> tuple[bool, datetime | None, int]:
    return (r.audit.submitted_at is None, r.audit.submitted_at, r.audit.audit_id)


def _shift_out(shift: GradeShift) -> list[Any]:
    return [
        shift.before,
        shift.after,
        None if shift.percent_before is None else str(shift.percent_before),
        None if shift.percent_after is None else str(shift.percent_after),
        shift.direction,
    ]


class _Shifts:
    """Grade shifts read back, each distinct one made once (most audits share theirs)."""

    def __init__(self) -> None:
        self.percents: dict[str, Fraction] = {}
        self.shifts: dict[tuple[Any, ...], GradeShift] = {}

    def percent(self, text: str | None) -> Fraction | None:
        if text is None:
            return None
        found = self.percents.get(text)
        if found is None:
            found = self.percents[text] = Fraction(text)
        return found

    def shift(self, data: list[Any]) -> GradeShift:
        key = tuple(data)
        found = self.shifts.get(key)
        if found is None:
            before, after, percent_before, percent_after, direction = data
            found = self.shifts[key] = GradeShift(
                before,
                after,
                self.percent(percent_before),
                self.percent(percent_after),
                direction,
            )
        return found


def impact_to_json(impact: Impact) -> str:
    """The impact as JSON: each audit's shifts (answers are not kept), and the themes' order."""
    return json.dumps(
        {
            "before": impact.before_version,
            "after": impact.after_version,
            "themes": [[t.theme_id, t.title] for t in impact.by_theme],
            "audits": [
                [
                    r.audit.audit_id,
                    r.audit.case_ref,
                    r.audit.team,
                    r.audit.service,
                    None if r.audit.submitted_at is None else r.audit.submitted_at.isoformat(),
                    _shift_out(r.overall),
                    [_shift_out(t.shift) for t in r.themes],
                ]
                for r in impact.audits
            ],
        },
        separators=(",", ":"),
    )


def impact_from_json(text: str) -> Impact:
    """The impact kept by :func:`impact_to_json`, figures counted again from the shifts."""
    data = json.loads(text)
    themes = [(theme_id, title) for theme_id, title in data["themes"]]
    read = _Shifts()
    theme_shifts: dict[tuple[str, int], ThemeShift] = {}
    rescored = []
    for audit_id, case_ref, team, service, submitted, overall, shifts in data["audits"]:
        audit = SubmittedAudit(
            audit_id=audit_id,
            case_ref=case_ref,
            team=team,
            service=service,
            submitted_at=None if submitted is None else datetime.fromisoformat(submitted),
            answers={},
        )
        each = []
        for (theme_id, title), shift in zip(themes, shifts, strict=True):
            grade = read.shift(shift)
            key = (theme_id, id(grade))
            found = theme_shifts.get(key)
            if found is None:
                found = theme_shifts[key] = ThemeShift(theme_id, title, grade)
            each.append(found)
        rescored.append(RescoredAudit(audit, read.shift(overall), tuple(each)))
    return assemble(data["before"], data["after"], rescored, themes)
