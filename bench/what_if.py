"""The rescoring what-if at the scale of a region, on the database ``bench/reports.py`` builds.

Measures side by side, in one run (medians):

- the floor: plain SQL reading the answers of the same audits (SQLAlchemy Core, rows fetched,
  no objects made), and the rows where each audit sits (case, team, service);
- the job: the what-if worked out by the background worker's own steps (``jobs.run_next_job``:
  claim, read the audits and their answers in batches, rescore, pack, keep), from a queued job;
- clicks on the kept result through the whole application (Flask's test client, signed in as an
  admin): the page itself, which lists the audits whose grades would change, and the audits
  behind several figures, from the smallest to the largest listing.

Build the database first (once per database), then measure it::

    .venv/bin/python bench/reports.py --build-only
    .venv/bin/python bench/what_if.py
    .venv/bin/python bench/reports.py --build-only --database-url postgresql+psycopg://...
    .venv/bin/python bench/what_if.py --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col  # noqa: E402

from audit_app import create_app, jobs, migrate  # noqa: E402
from audit_app.db import get_engine, session_scope  # noqa: E402
from audit_app.models import Answer, Audit, WhatIf  # noqa: E402
from audit_app.services import what_if as what_if_service  # noqa: E402
from audit_app.services import workshop as workshop_service  # noqa: E402

PASSWORD = "bench password, not secret"  # as bench/reports.py sets it
QUESTIONNAIRE = "bench-monthly"


def median_of(runs: int, work: Callable[[], Any]) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audits", type=int, default=100_000, help="As built by reports.py.")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--job-repeats", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7, help="Repeats of each click.")
    args = parser.parse_args()
    url = (
        args.database_url or f"sqlite:///{ROOT / 'bench' / 'results' / f'reports-{args.audits}.db'}"
    )
    if make_url(url).get_backend_name() == "sqlite":
        assert Path(make_url(url).database or "").exists(), "build it with bench/reports.py"
    migrate.upgrade(url, configure_logging=False)
    env = {"APP_ENV": "test", "DATABASE_URL": url, "INSTANCE_PATH": tempfile.gettempdir()}
    app = create_app(
        {"PASSWORD_HASH_FAST": True, "WTF_CSRF_ENABLED": False, "WHAT_IF_INLINE_AUDITS": 0},
        environ=env,
    )
    engine = get_engine(app)
    today = date.today()
    start, end = today - timedelta(days=365), today  # the page's default period
    with session_scope(app) as session:
        old = workshop_service.get_version(QUESTIONNAIRE, 1, session=session)
        total = workshop_service.count_submitted(old, start, end, session=session)
        conditions = workshop_service._in_period(old, start, end)
    print(f"database: {engine.dialect.name}; version 1's audits in the period: {total:,}")

    answers = select(Answer.audit_id, Answer.question_id, Answer.value).join(
        Audit, col(Audit.id) == Answer.audit_id
    )
    answers = answers.where(*conditions)

    def floor() -> None:
        with engine.connect() as connection:
            rows = connection.execute(answers).fetchall()
            assert rows

    floor_seconds, floor_runs = median_of(args.job_repeats, floor)

    def job() -> None:
        with session_scope(app) as session:
            session.execute(delete(WhatIf))
            outcome = what_if_service.what_if(
                QUESTIONNAIRE, 1, 2, start, end, session=session, inline_audits=0
            )
            assert outcome.queued
            session.commit()
            assert jobs.run_next_job(session)
            kept = session.exec(select(WhatIf.status, WhatIf.done)).one()  # type: ignore[call-overload]
            assert tuple(kept) == ("done", total), kept

    job_seconds, job_runs = median_of(args.job_repeats, job)
    with engine.connect() as connection:
        size = connection.execute(select(WhatIf.result)).scalar_one()
    print(
        f"what-if worked out (the job): {job_seconds:.1f} s (runs "
        f"{', '.join(f'{t:.1f}' for t in job_runs)}); plain SQL reading the same audits' answers "
        f"{floor_seconds:.1f} s (runs {', '.join(f'{t:.1f}' for t in floor_runs)}): "
        f"{job_seconds / floor_seconds:.1f}x; kept result {len(size) / 1e6:.1f} MB of text"
    )

    client = app.test_client()
    reply = client.post("/sign-in", data={"username": "admin", "password": PASSWORD})
    assert reply.status_code == 302, reply.status_code
    page = (
        f"/questionnaires/{QUESTIONNAIRE}/rescoring?before=1&after=2"
        f"&start={start.day}&start={start.month}&start={start.year}"
        f"&end={end.day}&end={end.month}&end={end.year}"
    )
    summary = what_if_service.summary(size)
    first_theme = summary.by_theme[0].theme_id
    first_service = summary.by_service[0].service
    for label, query in (
        ("the page (audits whose grades would change)", ""),
        ("overall grades, worse", "&scope=overall&which=worse"),
        ("theme grades, changed either way", "&scope=themes&which=changed"),
        (f"theme {first_theme}, better", f"&scope=theme:{first_theme}&which=better"),
        (
            f"{first_service}, overall unchanged",
            f"&scope=service:{first_service}:overall&which=unchanged",
        ),
    ):

        def click(query: str = query) -> None:
            response = client.get(page + query)
            assert response.status_code == 200, response.status_code
            assert b"Working out the impact" not in response.data

        seconds, runs = median_of(args.repeats, click)
        listed = what_if_service.listing(size, *_scope(query))
        print(
            f"click, {label}: {seconds * 1000:.0f} ms (runs "
            f"{', '.join(f'{t * 1000:.0f}' for t in runs)}; {listed.total:,} audits behind it, "
            f"{len(listed.audits)} listed)"
        )


def _scope(query: str) -> tuple[str, str]:
    found = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return found.get("scope", ""), found.get("which", "")


if __name__ == "__main__":
    main()
