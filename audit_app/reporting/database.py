"""How reports read the database: outside the write lock, in one snapshot, streaming when asked.

The application's sessions begin every SQLite transaction with ``BEGIN IMMEDIATE`` so that two
writers never interleave (see ``audit_app/db.py``). A report only reads, and an export of every
answer can take seconds at a regional scale: holding the write lock that long would stall every
auditor's save. So reports use the driver connection directly: on SQLite a deferred ``BEGIN``
(in WAL mode a reader sees one snapshot and never blocks a writer), on PostgreSQL a read-only
transaction with a server-side cursor for streams. Statements are still built with SQLAlchemy
Core and compiled for the database in use.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from types import TracebackType
from typing import Any

import pandas as pd
from sqlalchemy import Engine, String, table, values
from sqlalchemy import column as sql_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import Select

BATCH_ROWS = 5000
CACHE_ENTRIES = 64
CACHE_SECONDS = 300
_cursor_names = count(1)
_table_names = count(1)


# SQLite calls the time limit's check every this many steps of its virtual machine: often
# enough to stop within milliseconds of the limit, rarely enough to cost nothing measurable.
PROGRESS_STEPS = 10_000
# PostgreSQL's code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"


class ReportTooSlow(Exception):  # noqa: N818 - reads as what happened
    """A report's statement ran past its time limit (``REPORT_STATEMENT_SECONDS``) and was
    stopped by the database; nothing was changed."""


class ResultCache:
    """Aggregated results kept between requests until the audit trail records a change.

    Every change to the data is written to the append-only audit trail in the same transaction
    (``services/trail.py``), so the trail's latest events identify the data a result was
    computed from: an unchanged stamp means unchanged figures. Entries also expire after
    ``CACHE_SECONDS``, in case something changed the database without the trail.
    """

    def __init__(self, entries: int = CACHE_ENTRIES, seconds: float = CACHE_SECONDS) -> None:
        self.entries = entries
        self.seconds = seconds
        self._data: OrderedDict[Any, tuple[float, list[tuple[Any, ...]]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> list[tuple[Any, ...]] | None:
        with self._lock:
            found = self._data.get(key)
            if found is None or time.monotonic() - found[0] > self.seconds:
                self._data.pop(key, None)
                return None
            self._data.move_to_end(key)
            return found[1]

    def put(self, key: Any, rows: list[tuple[Any, ...]]) -> None:
        with self._lock:
            self._data[key] = (time.monotonic(), rows)
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


RESULTS = ResultCache()

# The trail's latest id, and how many of the last thousand ids exist: on PostgreSQL ids are
# handed out before commit, so an earlier id can appear later; the count notices it.
_STAMP_WINDOW = 1000
# The trail's events that change no data: every report page opened is one
# (services/throttling.py), and must not throw away the results it was about to reuse.
_CHANGES = "action <> 'report.viewed'"


class ReportReader:
    """A read-only snapshot of the database for one report or export."""

    def __init__(
        self, engine: Engine, *, every_row: bool = False, statement_seconds: float | None = None
    ) -> None:
        """``every_row``: for exports, which read whole tables once. On SQLite they then read
        without memory mapping, so that the database file's pages neither count in the
        process's memory nor push other data out of it.

        ``statement_seconds``: the longest any one statement may run (a stream's each batch);
        past it the database stops it and :class:`ReportTooSlow` is raised. None: no limit
        (the commands)."""
        self.engine = engine
        self.every_row = every_row
        self.statement_seconds = statement_seconds
        self._deadline = math.inf
        self._mapped: int | None = None
        self.dialect = engine.dialect
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._pooled: Any = None
        self._dbapi: Any = None
        # The lookup tables made for this snapshot: (CREATE statement, INSERT statement, rows).
        self.lookups: list[tuple[str, str, list[tuple[Any, ...]]]] = []
        self._stamp: tuple[Any, ...] | None = None

    def __enter__(self) -> ReportReader:
        self._pooled = self.engine.raw_connection()
        self._dbapi = self._pooled.driver_connection
        if self.is_sqlite:
            if self.every_row:
                self._mapped = self._dbapi.execute("PRAGMA mmap_size").fetchone()[0]
                self._dbapi.execute("PRAGMA mmap_size = 0")
            # The engine's connections are in autocommit mode; a deferred BEGIN takes no lock
            # until something writes, and nothing here does.
            self._dbapi.execute("BEGIN")
            if self.statement_seconds is not None:
                self._dbapi.set_progress_handler(self._past_deadline, PROGRESS_STEPS)
        else:
            with self._dbapi.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
                if self.statement_seconds is not None:
                    # For this transaction only: the rollback at the end undoes it.
                    milliseconds = max(1, math.ceil(self.statement_seconds * 1000))
                    cursor.execute(f"SET LOCAL statement_timeout = {milliseconds}")
        return self

    def _past_deadline(self) -> int:
        """SQLite's progress handler: non-zero stops the statement running."""
        return int(time.monotonic() > self._deadline)

    @contextmanager
    def _timed(self) -> Iterator[None]:
        """Run statements under the time limit; one stopped by it raises ReportTooSlow."""
        if self.statement_seconds is not None:
            self._deadline = time.monotonic() + self.statement_seconds
        try:
            yield
        except Exception as error:
            if self.statement_seconds is not None and _stopped_by_time_limit(error):
                raise ReportTooSlow(
                    f"A report statement ran for more than {self.statement_seconds:g} seconds"
                ) from None
            raise
        finally:
            self._deadline = math.inf

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        try:
            if self.is_sqlite and self.statement_seconds is not None:
                self._dbapi.set_progress_handler(None, 0)  # the connection goes back to the pool
            self._dbapi.rollback() if not self.is_sqlite else self._dbapi.execute("ROLLBACK")
            if self._mapped:
                self._dbapi.execute(f"PRAGMA mmap_size = {int(self._mapped)}")
        finally:
            self._pooled.close()

    def lookup(
        self,
        name: str,
        columns: list[tuple[str, Any]],
        key: list[str],
        rows: list[tuple[Any, ...]],
    ) -> Any:
        """A small table of constants to join large results with, looked up by ``key``.

        PostgreSQL hash-joins a ``VALUES`` list well. SQLite scans it once per row of the large
        side, so there the rows go into a temporary table with a primary key (it belongs to this
        connection and disappears with the transaction's rollback).
        """
        if not self.is_sqlite:
            return (
                values(*(sql_column(n, t) for n, t in columns), name=name)
                # No rows: one that matches nothing (no version has id 0), typed like the rest.
                .data(rows or [tuple(0 if t.__name__ == "Integer" else "" for _, t in columns)])
                .cte(name)
            )
        real = f"report_{name}_{next(_table_names)}"
        definitions = ", ".join(
            f"{n} {'INTEGER' if t.__name__ == 'Integer' else 'TEXT'}" for n, t in columns
        )
        create = f"CREATE TEMP TABLE {real} ({definitions}, PRIMARY KEY ({', '.join(key)}))"
        insert = f"INSERT INTO temp.{real} VALUES ({', '.join('?' for _ in columns)})"
        with self._timed():
            self._dbapi.execute(create)
            self._dbapi.executemany(insert, rows)
        self.lookups.append((create, insert, rows))
        return table(real, *(sql_column(n, t()) for n, t in columns), schema="temp")

    def compile(self, statement: Select[Any]) -> tuple[str, Sequence[Any] | dict[str, Any]]:
        """The statement as the driver's SQL text and parameters."""
        compiled = statement.compile(
            dialect=self.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = {name: self._driver_value(value) for name, value in compiled.params.items()}
        if compiled.positiontup is not None:
            return compiled.string, tuple(params[name] for name in compiled.positiontup)
        return compiled.string, params

    def _driver_value(self, value: Any) -> Any:
        if not self.is_sqlite:
            return value
        # SQLAlchemy's storage formats on SQLite, so that comparisons with stored text hold.
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, Decimal):
            return float(value)
        return value

    def stamp(self) -> tuple[Any, ...]:
        """What the data looks like now, as the audit trail tells it (see ResultCache)."""
        if self._stamp is None:
            cursor = self._dbapi.cursor()
            try:
                with self._timed():
                    cursor.execute(f"SELECT max(id) FROM audit_event WHERE {_CHANGES}")
                    latest = cursor.fetchone()[0] or 0
                    cursor.execute(
                        "SELECT count(*) FROM audit_event WHERE id > "
                        + str(latest - _STAMP_WINDOW)
                        + f" AND {_CHANGES}"
                    )
                    recent = cursor.fetchone()[0]
            finally:
                cursor.close()
            self._stamp = (str(self.engine.url), latest, recent)
        return self._stamp

    def rows(self, statement: Select[Any], *, cached: bool = False) -> list[tuple[Any, ...]]:
        """Every row of a (small, aggregated) result; ``cached`` keeps it until the data
        changes."""
        sql, params = self.compile(statement)
        key = (
            (
                self.stamp(),
                sql,
                tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params),
            )
            if cached
            else None
        )
        if key is not None:
            found = RESULTS.get(key)
            if found is not None:
                return found
        cursor = self._dbapi.cursor()
        try:
            with self._timed():
                cursor.execute(sql, params)
                rows = [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
        if key is not None:
            RESULTS.put(key, rows)
        return rows

    def frame(self, statement: Select[Any], *, cached: bool = False) -> pd.DataFrame:
        """A small result as a DataFrame, columns named as the statement names them."""
        columns = [c.name for c in statement.selected_columns]
        return pd.DataFrame.from_records(self.rows(statement, cached=cached), columns=columns)

    def scalar(self, statement: Select[Any]) -> Any:
        rows = self.rows(statement)
        return rows[0][0] if rows else None

    def stream(self, statement: Select[Any], batch: int = BATCH_ROWS) -> Iterator[list[Any]]:
        """The rows of a large result in batches, without holding them all in memory.

        A second thread reads the next batches while the caller writes the last one: the
        database drivers let go of Python's lock while the database works, so reading and
        writing overlap, and at most ``PREFETCH`` batches wait in between.
        """
        sql, params = self.compile(statement)
        if self.is_sqlite:
            cursor = self._dbapi.cursor()  # SQLite steps through the result as it is read
        else:
            cursor = self._dbapi.cursor(name=f"report_stream_{next(_cursor_names)}")
            cursor.itersize = batch
        batches: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH)
        stop = threading.Event()

        def read() -> None:
            try:
                with self._timed():
                    cursor.execute(sql, params)
                while not stop.is_set():
                    with self._timed():  # each batch has the whole time limit
                        rows = cursor.fetchmany(batch)
                    _hand_over(batches, stop, rows)
                    if not rows:
                        return
            except BaseException as error:  # handed to the caller, raised there
                _hand_over(batches, stop, error)

        reader = threading.Thread(target=read, name="report-stream", daemon=True)
        reader.start()
        try:
            while True:
                item = batches.get()
                if isinstance(item, BaseException):
                    raise item
                if not item:
                    return
                yield item
        finally:
            stop.set()
            reader.join()
            cursor.close()


PREFETCH = 4


def _stopped_by_time_limit(error: BaseException) -> bool:
    """Whether the driver's error is the database stopping a statement at the time limit:
    SQLite's "interrupted" (the progress handler), PostgreSQL's query_canceled."""
    if getattr(error, "sqlstate", None) == QUERY_CANCELED:
        return True
    return type(error).__name__ == "OperationalError" and "interrupted" in str(error)


def _hand_over(batches: queue.Queue[Any], stop: threading.Event, item: Any) -> None:
    """Put an item on the queue unless the reader is told to stop."""
    while not stop.is_set():
        try:
            batches.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


# --- SQL that differs between SQLite and PostgreSQL -------------------------------------------


class month_of(FunctionElement[str]):  # noqa: N801 - reads as a SQL function
    """The calendar month (UTC) of a timestamp, as ``YYYY-MM``."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    # SQLite stores timestamps as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff".
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM')"


class iso_utc(FunctionElement[str]):  # noqa: N801
    """A timestamp as ISO 8601 text in UTC with ``Z``, to the second."""

    type = String()
    inherit_cache = True


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element: iso_utc, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {compiler.process(element.clauses, **kw)})"


@compiles(iso_utc, "postgresql")
def _iso_utc_postgresql(element: iso_utc, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


class one_decimal(FunctionElement[str]):  # noqa: N801
    """A stored one-decimal percent as text, such as ``62.3`` or ``100.0``."""

    type = String()
    inherit_cache = True


@compiles(one_decimal, "sqlite")
def _one_decimal_sqlite(element: one_decimal, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {inner} IS NULL THEN NULL ELSE printf('%.1f', {inner}) END"


@compiles(one_decimal, "postgresql")
def _one_decimal_postgresql(element: one_decimal, compiler: Any, **kw: Any) -> str:
    return f"CAST(CAST({compiler.process(element.clauses, **kw)} AS NUMERIC(4, 1)) AS TEXT)"
