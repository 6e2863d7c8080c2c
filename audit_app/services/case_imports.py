"""An import of cases as a unit written in batches: it completes whole, or it is undone.

A file of cases is checked whole with nothing written (``services/cases.py``), then written a
batch of cases to a transaction, so that on SQLite the write lock is let go between batches and
the auditors' saves go through (a 100,000-row file held it for 25 seconds in one transaction,
and other writers got 503s). Batches committed one by one could leave half a file if one of them
failed (the database going away, a full disk), so each import is recorded as a unit:

- ``case_import`` holds one row per import: ``writing`` while its batches are written,
  ``complete`` when the last one has been (in the same transaction as the trail's
  ``cases.imported`` event), ``undone`` after it stopped part-way and was undone. While it is
  unfinished, a unique column stops a second import of cases from starting.
- ``case_import_change`` holds, in the transaction of each batch, what the batch did to each
  case: created it, or what its team, worker and time of change were before. That is enough to
  undo the import: created cases are deleted (one that an audit or allocation now uses is kept,
  and counted), changed cases get back what they had, and the services and teams the import
  created are deleted when nothing uses them. These rows are deleted once the import completes.

When a batch fails, what the import wrote is undone at once and the error raised again. If the
undo cannot run either (the database is still unreachable), the import stays unfinished: the
next import of cases undoes it first once it has written nothing for ``STALE_AFTER``, and
``flask cases undo-import`` undoes it at once. Until then, the cases of its committed batches are
visible, and the log and ``flask cases undo-import`` say so.

Staging the rows in a table of their own and moving them in batches was the other way: it
writes every row twice, and moving in batches leaves the same half-file to undo or resume.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, tuple_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.models import Case, CaseImport, CaseImportChange, Service, Team, table_of
from audit_app.services.actor import Actor
from audit_app.services.errors import Refused
from audit_app.services.trail import record_event

log = logging.getLogger(__name__)

# A transaction of its own for each call: ``changes`` in a view, ``session_scope`` in a command.
Transaction = Callable[[], AbstractContextManager[Session]]

# An unfinished import that has written nothing for this long has stopped (its batches take
# well under a second each): the next import undoes it.
STALE_AFTER = timedelta(minutes=2)
UNDO_BATCH_ROWS = 2000


class ImportUnderWay(Refused):
    """Another import of cases is being written; nothing was imported."""


@dataclass(frozen=True)
class UndoOutcome:
    """What undoing an import did."""

    import_id: int
    deleted: int  # cases it had created
    restored: int  # cases it had changed, given back their team and worker
    kept: int  # cases it had created that an audit or allocation now uses

    def __str__(self) -> str:
        return (
            f"Import {self.import_id} undone: {self.deleted} cases deleted, "
            f"{self.restored} cases given back their team and worker, "
            f"{self.kept} cases kept because an audit or allocation uses them."
        )


# Starting, recording and finishing -----------------------------------------------------------


def _unfinished(session: Session) -> CaseImport | None:
    statement = select(CaseImport).where(col(CaseImport.unfinished).is_not(None))
    return session.exec(statement.execution_options(populate_existing=True)).first()


def _under_way(record: CaseImport) -> ImportUnderWay:
    started = clock.local(record.started_at)
    return ImportUnderWay(
        f"Another import of cases ({record.rows} rows, started by {record.created_by} at "
        f"{started:%H:%M}) is being written. Nothing was imported: try again when it has "
        "finished."
    )


def begin(
    *,
    rows: int,
    new_services: Sequence[int],
    new_teams: Sequence[int],
    actor: Actor,
    session: Session,
) -> int:
    """Record a new import as unfinished; its id. Refused while another one is unfinished."""
    running = _unfinished(session)
    if running is not None:
        raise _under_way(running)
    record = CaseImport(
        created_by=actor.username,
        rows=rows,
        new_services=json.dumps(list(new_services)),
        new_teams=json.dumps(list(new_teams)),
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:  # another import was recorded since the check above
        raise ImportUnderWay(
            "Another import of cases is being written. Nothing was imported: try again when it "
            "has finished."
        ) from None
    assert record.id is not None
    return record.id


def touch(import_id: int, *, session: Session) -> None:
    """Note that the import is still writing (see ``STALE_AFTER``)."""
    session.execute(
        update(CaseImport)
        .where(col(CaseImport.id) == import_id)
        .values(updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def record_changes(
    import_id: int, changes: Sequence[Mapping[str, Any]], *, session: Session
) -> None:
    """Keep what a batch does to each case (``case_ref``, ``created`` and the ``previous_*``
    values of a changed case), in the batch's transaction."""
    if changes:
        session.execute(
            insert(table_of(CaseImportChange)),
            [{"import_id": import_id} | dict(change) for change in changes],
        )


def finish(import_id: int, *, session: Session) -> None:
    """Mark the import complete (with the last batch's trail event, in one transaction)."""
    now = clock.now()
    session.execute(
        update(CaseImport)
        .where(col(CaseImport.id) == import_id)
        .values(status="complete", unfinished=None, updated_at=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )


def forget_changes(transaction: Transaction, *, batch_rows: int = UNDO_BATCH_ROWS) -> None:
    """Delete what finished imports kept for an undo, a batch to a transaction."""
    finished = select(CaseImport.id).where(col(CaseImport.unfinished).is_(None))
    while True:
        with transaction() as db:
            last = db.exec(
                select(CaseImportChange.id)
                .where(col(CaseImportChange.import_id).in_(finished))
                .order_by(col(CaseImportChange.id))
                .offset(batch_rows - 1)
                .limit(1)
            ).first()
            statement = delete(CaseImportChange).where(
                col(CaseImportChange.import_id).in_(finished)
            )
            if last is not None:
                statement = statement.where(col(CaseImportChange.id) <= last)
            db.execute(statement.execution_options(synchronize_session=False))
        if last is None:
            return


# Undoing -------------------------------------------------------------------------------------


def clear_abandoned(transaction: Transaction, *, actor: Actor) -> UndoOutcome | None:
    """Undo an import that stopped part-way and has written nothing for ``STALE_AFTER``;
    refuse (:class:`ImportUnderWay`) while another import is writing."""
    with transaction() as db:
        running = _unfinished(db)
        if running is None:
            return None
        if clock.now() - running.updated_at < STALE_AFTER:
            raise _under_way(running)
        assert running.id is not None
        import_id = running.id
    return undo(import_id, transaction, actor=actor)


def undo_unfinished(transaction: Transaction, *, actor: Actor) -> UndoOutcome | None:
    """Undo the unfinished import, however recently it wrote (for an operator who knows that it
    has stopped); None when there is none."""
    with transaction() as db:
        running = _unfinished(db)
        if running is None:
            return None
        assert running.id is not None
        import_id = running.id
    return undo(import_id, transaction, actor=actor)


def undo_after_failure(import_id: int, transaction: Transaction, *, actor: Actor) -> None:
    """Undo an import whose batch has just failed; if the undo fails too, log it and leave the
    import unfinished for the next import (or ``flask cases undo-import``) to undo."""
    try:
        outcome = undo(import_id, transaction, actor=actor)
    except SQLAlchemyError as exc:
        log.error(
            "Import of cases %s stopped part-way and could not be undone (%s): its cases stay "
            "until the next import of cases or `flask cases undo-import` undoes it",
            import_id,
            type(exc).__name__,
        )
        return
    log.warning("Import of cases %s stopped part-way; %s", import_id, outcome)


def undo(
    import_id: int, transaction: Transaction, *, actor: Actor, batch_rows: int = UNDO_BATCH_ROWS
) -> UndoOutcome:
    """Undo an unfinished import, a batch of its changes to a transaction, then delete the
    services and teams it created (if unused) and mark it undone, with a trail event."""
    deleted = restored = kept = 0
    while True:
        with transaction() as db:
            changes = db.exec(
                select(CaseImportChange)
                .where(col(CaseImportChange.import_id) == import_id)
                .order_by(col(CaseImportChange.id))
                .limit(batch_rows)
            ).all()
            if not changes:
                break
            touch(import_id, session=db)
            batch = _undo_changes(import_id, changes, session=db)
        deleted, restored, kept = deleted + batch[0], restored + batch[1], kept + batch[2]
    outcome = UndoOutcome(import_id, deleted=deleted, restored=restored, kept=kept)
    with transaction() as db:
        _close_undone(outcome, session=db, actor=actor)
    return outcome


def _undo_changes(
    import_id: int, changes: Sequence[CaseImportChange], *, session: Session
) -> tuple[int, int, int]:
    """Undo one batch of an import's changes, and forget them; (deleted, restored, kept)."""
    created = [(change.case_ref, change.subject) for change in changes if change.created]
    changed = [change for change in changes if not change.created]
    kept = _delete_cases(created, session=session)
    if changed:
        cases = table_of(Case)
        session.execute(
            update(cases)
            .where(cases.c.case_ref == bindparam("ref"), cases.c.subject == bindparam("of"))
            .values(
                team_id=bindparam("team"), worker=bindparam("worker"), updated_at=bindparam("at")
            ),
            [
                {
                    "ref": c.case_ref,
                    "of": c.subject,
                    "team": c.previous_team_id,
                    "worker": c.previous_worker,
                    "at": c.previous_updated_at,
                }
                for c in changed
            ],
        )
    session.execute(
        delete(CaseImportChange)
        .where(col(CaseImportChange.import_id) == import_id)
        .where(col(CaseImportChange.id) <= changes[-1].id)
        .execution_options(synchronize_session=False)
    )
    return len(created) - kept, len(changed), kept


def _delete_cases(refs: Sequence[tuple[str, str]], *, session: Session) -> int:
    """Delete these cases, all at once, or one by one if one is in use; how many were kept."""
    if not refs:
        return 0
    try:
        with session.begin_nested():
            _delete_where_ref_in(refs, session=session)
        return 0
    except IntegrityError:
        kept = 0
        for ref in refs:
            try:
                with session.begin_nested():
                    _delete_where_ref_in([ref], session=session)
            except IntegrityError:
                kept += 1
        return kept


def _delete_where_ref_in(refs: Sequence[tuple[str, str]], *, session: Session) -> None:
    """Delete the cases (and other subjects) with these references and subjects."""
    for start in range(0, len(refs), 500):
        session.execute(
            delete(Case)
            .where(tuple_(col(Case.case_ref), col(Case.subject)).in_(refs[start : start + 500]))
            .execution_options(synchronize_session=False)
        )


def _close_undone(outcome: UndoOutcome, *, session: Session, actor: Actor) -> None:
    """Delete the teams, then the services, the import created that nothing uses; mark it
    undone and record it in the trail."""
    record = session.get(CaseImport, outcome.import_id, populate_existing=True)
    assert record is not None
    kept_teams = _delete_unused(Team, json.loads(record.new_teams), session=session)
    kept_services = _delete_unused(Service, json.loads(record.new_services), session=session)
    record.status, record.unfinished = "undone", None
    record.updated_at = record.finished_at = clock.now()
    session.add(record)
    record_event(
        "cases.import_undone",
        session=session,
        actor=actor,
        import_id=outcome.import_id,
        rows=record.rows,
        deleted=outcome.deleted,
        restored=outcome.restored,
        kept=outcome.kept,
        kept_teams=kept_teams,
        kept_services=kept_services,
    )
    session.flush()


def _delete_unused(
    model: type[Team] | type[Service], ids: Sequence[int], *, session: Session
) -> int:
    """Delete each row by id unless something still refers to it; how many were kept."""
    kept = 0
    for row_id in ids:
        try:
            with session.begin_nested():
                session.execute(
                    delete(model)
                    .where(col(model.id) == row_id)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            kept += 1
    return kept
