"""A 100,000-row import of cases on SQLite, and how long a small concurrent write waits meanwhile.

"before": the import as it was, one transaction that reads and checks the file and then adds
every case as an object, holding SQLite's write lock throughout. "after": the import as it is
(``import_cases_in_batches``): the file is checked with nothing written, then written 2,000
cases to a transaction, with a pause between batches; run once with no pause and once with the
pause the application uses on SQLite. While each import runs, another thread saves one small
row (a new service) every 20 ms on its own connection, with the application's
busy timeout, and times each save: the longest is what an auditor's save would wait. A save
that gives up ("database is locked") is what the service answered with a 503.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlmodel import select  # noqa: E402

from audit_app import create_app, migrate  # noqa: E402
from audit_app.db import session_scope  # noqa: E402
from audit_app.models import Case, Service, Team  # noqa: E402
from audit_app.services import cases  # noqa: E402
from audit_app.services.actor import Actor  # noqa: E402
from audit_app.services.csv_files import read_csv  # noqa: E402

COMMAND = ".venv/bin/python bench/case_import.py"
ACTOR = Actor.system("bench")
SAVE_EVERY = 0.02


def app_at(folder: Path, busy_timeout_ms: int) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url, configure_logging=False)
    return create_app(
        {"TESTING": True},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "SQLITE_BUSY_TIMEOUT_MS": str(busy_timeout_ms),
        },
    )


def cases_file(rows: int) -> bytes:
    """``rows`` cases in 40 teams of 7 services, each with a worker."""
    lines = ["case_id,service,team,worker"]
    lines += [f"C{i:07d},Service {i % 40 % 7},Team {i % 40},SW{i % 300:04d}" for i in range(rows)]
    return "\n".join(lines).encode()


def import_before(app: Flask, raw: bytes) -> None:
    """The import as it was: everything in one transaction, each case an ORM object."""
    with session_scope(app) as session:
        table = read_csv(raw, required=cases.CASE_COLUMNS, optional=cases.CASE_OPTIONAL_COLUMNS)
        services = {s.name.casefold(): s for s in session.exec(select(Service))}
        teams = {t.name.casefold(): t for t in session.exec(select(Team))}
        team_services = cases._service_of_each_team(services.values(), teams.values())
        problems = cases.check_case_rows(
            table.rows, case_id_pattern=cases.DEFAULT_CASE_ID_PATTERN, team_services=team_services
        )
        assert not problems
        cases._add_missing_services(table.rows, services, session=session)
        cases._add_missing_teams(table.rows, services, teams, session=session)
        stored = cases.cases_by_ref([row.get("case_id") for row in table.rows], session=session)
        for row in table.rows:
            assert row.get("case_id") not in stored
            team_id = teams[row.get("team").casefold()].id
            assert team_id is not None
            session.add(
                Case(case_ref=row.get("case_id"), team_id=team_id, worker=row.get("worker"))
            )
        session.flush()


def import_after(app: Flask, raw: bytes, pause: float) -> None:
    with app.app_context():
        cases.import_cases_in_batches(
            raw,
            transaction=lambda: session_scope(app),
            actor=ACTOR,
            options=cases.BatchOptions(pause=pause),
        )


@dataclass
class Saves:
    """Each concurrent save's time, and how many gave up."""

    seconds: list[float] = field(default_factory=list)
    failed: int = 0


def save_meanwhile(app: Flask, stop: threading.Event, saves: Saves) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        start = time.perf_counter()
        try:
            with session_scope(app) as session:
                session.add(Service(name=f"Saved meanwhile {number}"))
        except OperationalError:
            saves.failed += 1
        saves.seconds.append(time.perf_counter() - start)
        time.sleep(SAVE_EVERY)


def run(app: Flask, importer: Callable[[], None]) -> tuple[float, Saves]:
    """Time ``importer`` while another thread saves small rows; the import's seconds, saves."""
    stop, saves = threading.Event(), Saves()
    saver = threading.Thread(target=save_meanwhile, args=(app, stop, saves))
    saver.start()
    time.sleep(0.2)
    start = time.perf_counter()
    try:
        importer()
    finally:
        elapsed = time.perf_counter() - start
        stop.set()
        saver.join()
    with session_scope(app) as session:
        assert len(session.exec(select(Case.id)).all()) == ROWS[0]
    return elapsed, saves


ROWS = [100_000]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--busy-timeout-ms", type=int, default=15000)
    args = parser.parse_args(argv)
    ROWS[0] = args.rows
    raw = cases_file(args.rows)
    pause = cases.SQLITE_PAUSE
    plans: dict[str, Callable[[Flask], None]] = {
        "before (one transaction)": lambda app: import_before(app, raw),
        "after, no pause": lambda app: import_after(app, raw, 0.0),
        f"after, {pause * 1000:.0f} ms pause": lambda app: import_after(app, raw, pause),
    }
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for number, (name, importer) in enumerate(plans.items()):
            app = app_at(Path(folder) / str(number), args.busy_timeout_ms)
            results[name] = run(app, lambda app=app, importer=importer: importer(app))  # type: ignore[misc]
    print(f"command: {COMMAND} --rows {args.rows} (busy timeout {args.busy_timeout_ms} ms)")
    print(f"{'':28} {'import':>9} {'saves':>6} {'longest wait':>13} {'median':>8} {'gave up':>8}")
    for name, (elapsed, saves) in results.items():
        print(
            f"{name:28} {elapsed:8.1f}s {len(saves.seconds):6d} "
            f"{max(saves.seconds) * 1000:11.0f}ms {statistics.median(saves.seconds) * 1000:6.0f}ms "
            f"{saves.failed:8d}"
        )


if __name__ == "__main__":
    main()
