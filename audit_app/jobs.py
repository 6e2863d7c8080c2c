"""The background workers: rescoring what-ifs worked out, and report summaries remade, away
from any request.

A plain thread per server process, started on the first what-if that is queued there
(:func:`wake`). It takes queued jobs one at a time (:func:`run_next_job`), works through the
audits in batches and commits after each, so that the page can say how far it has got; on
PostgreSQL several servers share the queue and never take the same job (see
``services/what_if.py`` ``claim_next_job``). Tests call :func:`run_next_job` themselves.

This module owns its transactions (it is the worker's edge, as a CLI command is): the steps
in ``services/what_if.py`` flush only.
"""

from __future__ import annotations

import gc
import logging
import threading

from flask import Flask
from sqlmodel import Session

from audit_app.db import session_scope
from audit_app.services import what_if as what_if_service

__all__ = ["BATCH", "prune", "remake_summaries", "run_next_job", "stop", "wake"]

log = logging.getLogger(__name__)

BATCH = 1000
"""Audits read and rescored per transaction (the progress moves by this much)."""
IDLE_SECONDS = 30.0
"""How long an idle worker waits before looking at the queue again (a wake ends it sooner)."""

_lock = threading.Lock()
_workers: dict[int, tuple[threading.Thread, threading.Event]] = {}
_stopping: set[int] = set()


def run_next_job(session: Session, *, batch: int = BATCH) -> bool:
    """Take the next queued job, if any, and work it out; whether there was one.

    Commits after taking the job, after each batch and at the end; a job that fails is marked
    failed (with a short reason) rather than left running.
    """
    job_id = what_if_service.claim_next_job(session)
    session.commit()
    if job_id is None:
        return False
    try:
        job = what_if_service.prepare(job_id, session=session)
        session.commit()
        packer = what_if_service.Packer(job.before, job.after)
        for start in range(0, len(job.rows), batch):
            rows = job.rows[start : start + batch]
            # The objects alive now (the job's rows, the packed lines) are left out of the
            # cyclic collector's full passes, which otherwise scan them again and again and
            # took over half the job's time; nothing here makes cycles, and every object is
            # still freed when no longer used. Undone when the job ends.
            gc.freeze()
            packer.add(what_if_service.rescore_batch(job, rows, session=session))
            session.commit()
        what_if_service.finish(job, packer, session=session)
        session.commit()
    except Exception as error:  # noqa: BLE001 - any failure is reported on the page
        session.rollback()
        log.exception("what-if %s failed", job_id)
        what_if_service.fail(job_id, type(error).__name__, session=session)
        session.commit()
    finally:
        gc.unfreeze()
    return True


def prune(session: Session, *, keep_days: int) -> int:
    """Remove kept results older than ``keep_days`` days (committed); how many."""
    removed = what_if_service.prune(keep_days, session=session)
    session.commit()
    return removed


def _work(app: Flask, wakened: threading.Event) -> None:
    """The worker's loop: run jobs until none is queued, remove old results, then wait to be
    woken (until :func:`stop`)."""
    keep_days = int(app.config.get("WHAT_IF_KEEP_DAYS", what_if_service.DEFAULT_KEEP_DAYS))
    while id(app) not in _stopping:
        wakened.clear()
        try:
            with session_scope(app) as session:
                while run_next_job(session):
                    pass
                prune(session, keep_days=keep_days)
        except Exception:  # noqa: BLE001 - the database may be away for a while
            log.exception("the what-if worker could not reach the queue")
        wakened.wait(IDLE_SECONDS)


def wake(app: Flask) -> None:
    """Start this process's worker for ``app`` if need be, and tell it a job is queued."""
    if not app.config.get("WHAT_IF_WORKER", app.config.get("APP_ENV") != "test"):
        return  # tests run the jobs themselves
    with _lock:
        _stopping.discard(id(app))
        found = _workers.get(id(app))
        if found is None or not found[0].is_alive():
            wakened = threading.Event()
            thread = threading.Thread(
                target=_work, args=(app, wakened), name="what-if-worker", daemon=True
            )
            _workers[id(app)] = (thread, wakened)
            thread.start()
            return
    found[1].set()


def stop(app: Flask, *, timeout: float = 60.0) -> None:
    """Stop this process's worker for ``app`` (after the job under way) and wait for it."""
    with _lock:
        _stopping.add(id(app))
        found = _workers.pop(id(app), None)
    if found is not None:
        found[1].set()
        found[0].join(timeout)


# --- report summaries ----------------------------------------------------------------------

_summary_workers: dict[int, tuple[threading.Thread, threading.Event]] = {}


def _remake(app: Flask, wakened: threading.Event) -> None:
    """Remake the stale past months, again while woken meanwhile, then end.

    On PostgreSQL one refresh runs at a time across servers (an advisory lock), and each
    takes the months still marked when it gets the lock: a month is remade once.
    """
    from audit_app.services import reports as report_service

    while True:
        wakened.clear()
        try:
            with session_scope(app) as session:
                report_service.refresh_summaries(
                    session=session, today=report_service.today_utc(), now=True
                )
                session.commit()
        except Exception:  # noqa: BLE001 - the page reads stale months live meanwhile
            log.exception("the report summaries could not be remade")
        with _lock:
            if not wakened.is_set():
                _summary_workers.pop(id(app), None)
                return


def remake_summaries(app: Flask) -> threading.Thread:
    """Remake the stale months of ``app``'s summaries in a thread of their own (started, or
    told to look again if already at work); the thread."""
    with _lock:
        found = _summary_workers.get(id(app))
        if found is not None and found[0].is_alive():
            found[1].set()
            return found[0]
        wakened = threading.Event()
        thread = threading.Thread(
            target=_remake, args=(app, wakened), name="report-summaries", daemon=True
        )
        _summary_workers[id(app)] = (thread, wakened)
        thread.start()
        return thread
