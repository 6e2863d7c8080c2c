"""Reports at the scale of a region: the dashboard and the board's exports over N audits.

Builds a fresh database (SQLite by default, or ``--database-url``) holding N submitted audits of
a 60-question, 5-theme questionnaire over 40 teams, inserted in bulk, then measures (median of
several runs) the dashboard's server time with no filter and with one service, and each export's
time, rows per second and peak memory, each beside its floor: the same aggregates as plain SQL,
and the same rows written by the ``sqlite3`` command-line tool (``.mode csv``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from audit_app import create_app, migrate  # noqa: E402
from audit_app.auth import hash_password  # noqa: E402
from audit_app.db import get_engine, session_scope  # noqa: E402
from audit_app.reporting import dashboard as dashboard_data  # noqa: E402
from audit_app.reporting import exports, summaries  # noqa: E402
from audit_app.reporting.charts import _stacked  # noqa: E402
from audit_app.reporting.database import RESULTS, ReportReader  # noqa: E402
from audit_app.reporting.filters import Filters, Scope, default_period  # noqa: E402
from audit_app.reporting.selection import Places, Selection  # noqa: E402
from audit_app.services import questionnaires as questionnaire_service  # noqa: E402
from audit_app.services.actor import Actor  # noqa: E402

COMMAND = ".venv/bin/python bench/reports.py"
PASSWORD = "bench password, not secret"
HOME = 1  # the home organisation, which migration 0025 seeds with this id
# The dashboard's floor reads through memory mapping, as the application does by default
# (SQLITE_MMAP_MB); the pragma's answer is not part of any output.
MMAP = ".output /dev/null\nPRAGMA mmap_size = 1073741824;\n.output stdout\n"
THEMES = [
    ("voice", "The child's lived experience and voice"),
    ("assessment", "Assessment and planning"),
    ("risk", "Risk, safety and child protection"),
    ("oversight", "Management oversight and supervision"),
    ("recording", "Case recording and data quality"),
]
QUESTIONS_PER_THEME = 12
GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
BANDS = [85, 65, 40, 0]
MEASURES = [
    "Visits within timescale",
    "Child seen alone",
    "Assessment within 45 working days",
    "Plan reviewed within timescale",
    "Supervision recorded",
    "Chronology up to date",
    "Case summary up to date",
    "Genogram on file",
    "Recording within 5 working days",
    "Critical events recorded within 24 hours",
]
OPTIONS = [("yes", "Yes, evidenced", 2), ("partly", "Partly", 1), ("no", "No", 0)]
NOT_APPLICABLE = ("not-applicable", "Not applicable", None)
SERVICES = 8


# --- the data ------------------------------------------------------------------------------


def questionnaire_json(version: int) -> dict[str, Any]:
    """The 60-question questionnaire; version 2 renames one question (matched by theme id)."""
    themes = []
    measure = 0
    for t, (theme_id, title) in enumerate(THEMES):
        questions = []
        for n in range(QUESTIONS_PER_THEME):
            qid = f"{theme_id}-{n + 1}"
            if version == 2 and n == 0:
                qid = f"{theme_id}-first"
            if n == QUESTIONS_PER_THEME - 1:
                questions.append({"id": qid, "text": f"{title}: comments", "type": "text"})
                continue
            question: dict[str, Any] = {
                "id": qid,
                "text": f"{title}: question {n + 1}?",
                "type": "choice",
                "options": [
                    {"value": v, "label": label, "score": score}
                    for v, label, score in [*OPTIONS, NOT_APPLICABLE]
                ],
            }
            if n in (1, 2) and measure < len(MEASURES):
                question["compliance"] = MEASURES[measure]
                measure += 1
            questions.append(question)
        themes.append(
            {"id": theme_id, "title": title, "weight": 1 + (t % 2), "questions": questions}
        )
    return {
        "format": "case-audit/1",
        "id": "bench-monthly",
        "version": version,
        "title": "Monthly case-file audit (bench)",
        "kind": "monthly",
        "grading": {
            "bands": [{"grade": g, "min": m} for g, m in zip(GRADES, BANDS, strict=True)],
            "overall": "mean",
        },
        "themes": themes,
    }


def grade_of(percent: float) -> str:
    for grade, minimum in zip(GRADES, BANDS, strict=True):
        if percent >= minimum:
            return grade
    return GRADES[-1]


def stored_time(value: datetime, sqlite: bool) -> Any:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


class Bulk:
    """Fast inserts through the driver: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            if self.sqlite:
                marks = ", ".join("?" for _ in columns)
                driver.execute("BEGIN")
                driver.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )
                driver.execute("COMMIT")
            else:
                with driver.cursor() as cursor:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                driver.commit()
        finally:
            raw.close()


def build(url: str, audits: int, teams: int, seed: int) -> None:
    """A fresh database with ``audits`` audits, most submitted, over the last 12 months."""
    rng = random.Random(seed)
    migrate.upgrade(url, configure_logging=False)
    app = create_app(
        {"PASSWORD_HASH_FAST": True},
        environ={"APP_ENV": "test", "DATABASE_URL": url, "INSTANCE_PATH": tempfile.gettempdir()},
    )
    engine = get_engine(app)
    sqlite = engine.dialect.name == "sqlite"
    bulk = Bulk(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        with session_scope(app) as session:
            files = [
                questionnaire_service.parse_file(f"v{v}.json", json.dumps(questionnaire_json(v)))
                for v in (1, 2)
            ]
            questionnaire_service.load(files, session=session, loaded_by=Actor.system("bench"))
            password_hash = hash_password(PASSWORD)
        with engine.connect() as connection:
            versions = dict(
                connection.execute(text("SELECT version, id FROM questionnaire_version")).all()
            )
        bulk.insert(
            "service",
            ["id", "name", "organisation_id"],
            [(s + 1, f"Service {s + 1}", HOME) for s in range(SERVICES)],
        )
        bulk.insert(
            "team",
            ["id", "name", "service_id"],
            [(t + 1, f"Team {t + 1:02d}", t % SERVICES + 1) for t in range(teams)],
        )
        auditors = teams * 3
        created = stored_time(now, sqlite)
        users = [
            (1, "admin", "Admin", password_hash, "admin", None, True, 1, created, HOME),
            (2, "manager", "Group manager", password_hash, "manager", None, True, 1, created, HOME),
        ] + [
            (
                3 + a,
                f"auditor{a + 1}",
                f"Auditor {a + 1}",
                password_hash,
                "auditor",
                a % teams + 1,
                True,
                1,
                created,
                HOME,
            )
            for a in range(auditors)
        ]
        bulk.insert(
            "app_user",
            [
                "id",
                "username",
                "display_name",
                "password_hash",
                "role",
                "team_id",
                "active",
                "session_version",
                "created_at",
                "organisation_id",
            ],
            users,
        )
        bulk.insert("managed_service", ["user_id", "service_id"], [(2, 1)])
        cases = audits // 2
        bulk.insert(
            "case_file",
            ["id", "case_ref", "team_id", "worker", "created_at", "updated_at"],
            [(c + 1, str(100000 + c), c % teams + 1, None, created, created) for c in range(cases)],
        )
        team_strength = [0.45 + 0.4 * rng.random() for _ in range(teams)]
        question_ids = {
            v: [q["id"] for t in questionnaire_json(v)["themes"] for q in t["questions"]]
            for v in (1, 2)
        }
        chunk = 5000
        allocated: set[tuple[int, int, date]] = set()
        for start in range(0, audits, chunk):
            rows_audit, rows_result, rows_theme, rows_compliance, rows_answer = [], [], [], [], []
            rows_moderation, rows_action, rows_allocation = [], [], []
            for audit_id in range(start + 1, min(start + chunk, audits) + 1):
                case_id = rng.randrange(cases) + 1
                team = (case_id - 1) % teams
                auditor = 3 + rng.randrange(auditors)
                version = 2 if rng.random() < 0.3 else 1
                roll = rng.random()
                status = (
                    "submitted"
                    if roll < 0.9
                    else "moderated"
                    if roll < 0.94
                    else "closed"
                    if roll < 0.96
                    else "returned"
                    if roll < 0.98
                    else "draft"
                )
                submitted = now - timedelta(seconds=rng.randrange(364 * 86400))
                strength = team_strength[team]
                theme_percents = []
                answer_time = stored_time(submitted, sqlite)
                qids = question_ids[version]
                for t, (theme_id, _title) in enumerate(THEMES):
                    points = possible = 0
                    for n in range(QUESTIONS_PER_THEME):
                        qid = qids[t * QUESTIONS_PER_THEME + n]
                        if n == QUESTIONS_PER_THEME - 1:
                            if rng.random() < 0.4:
                                comment = rng.choice(
                                    [
                                        "Clear and current.",
                                        "=SUM(A1) looks like a formula",
                                        "Drift between visits.",
                                    ]
                                )
                                rows_answer.append((audit_id, qid, comment, None, answer_time))
                            continue
                        r = rng.random()
                        if r < 0.08:
                            value, score = "not-applicable", None
                        elif r < 0.08 + 0.92 * strength:
                            value, score = "yes", 2
                        else:
                            value, score = ("partly", 1) if rng.random() < 0.5 else ("no", 0)
                        rows_answer.append((audit_id, qid, value, None, answer_time))
                        if score is not None:
                            points += score
                            possible += 2
                        if n in (1, 2) and t * 2 + n - 1 < len(MEASURES) and score is not None:
                            rows_compliance.append(
                                (
                                    audit_id,
                                    theme_id,
                                    qid,
                                    MEASURES[t * 2 + n - 1],
                                    value,
                                    score == 2,
                                )
                            )
                    percent = 100 * points / possible if possible else None
                    theme_percents.append(percent)
                    grade = grade_of(percent) if percent is not None else None
                    judged = grade
                    if grade and rng.random() < 0.12 and GRADES.index(grade) > 0:
                        judged = GRADES[GRADES.index(grade) - 1]
                    rows_theme.append(
                        (
                            audit_id,
                            theme_id,
                            percent,
                            round(percent, 1) if percent is not None else None,
                            points,
                            possible,
                            grade,
                            judged,
                            None,
                        )
                    )
                graded = [p for p in theme_percents if p is not None]
                overall = sum(graded) / len(graded) if graded else None
                computed = grade_of(overall) if overall is not None else None
                judged = computed
                if computed and rng.random() < 0.15 and GRADES.index(computed) > 0:
                    judged = GRADES[GRADES.index(computed) - 1]
                moderated = None
                if status in ("moderated", "closed") or rng.random() < 0.05:
                    moderated = (
                        judged
                        if rng.random() < 0.7
                        else GRADES[min(GRADES.index(judged or "Good") + 1, 3)]
                    )
                    rows_moderation.append(
                        (
                            audit_id,
                            2,
                            stored_time(submitted, sqlite),
                            stored_time(submitted + timedelta(days=3), sqlite),
                            "agreed" if moderated == judged else "grade_changed",
                            moderated,
                        )
                    )
                is_draft = status == "draft"
                rows_audit.append(
                    (
                        audit_id,
                        case_id,
                        versions[version],
                        auditor,
                        status,
                        1,
                        None if is_draft else judged,
                        created,
                        answer_time,
                        None if is_draft else answer_time,
                        False,
                        HOME,
                    )
                )
                if not is_draft:
                    rows_result.append(
                        (
                            audit_id,
                            overall,
                            round(overall, 1) if overall is not None else None,
                            computed,
                            judged,
                            moderated,
                            answer_time,
                        )
                    )
                if rng.random() < 0.05:
                    due = (submitted + timedelta(days=30)).date()
                    rows_action.append(
                        (
                            audit_id,
                            "Update the chronology",
                            "record",
                            "Team manager",
                            due,
                            "open" if rng.random() < 0.6 else "done",
                            2,
                            answer_time,
                            1,
                        )
                    )
                due = (submitted + timedelta(days=5)).date()
                if (case_id, auditor, due) not in allocated:
                    allocated.add((case_id, auditor, due))
                    rows_allocation.append(
                        (
                            case_id,
                            "bench-monthly",
                            auditor,
                            due,
                            audit_id,
                            created,
                            "bench",
                            audit_id,
                        )
                    )
            bulk.insert(
                "audit",
                [
                    "id",
                    "case_id",
                    "questionnaire_version_id",
                    "auditor_id",
                    "status",
                    "version",
                    "overall_grade_judged",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "moderation_due",
                    "organisation_id",
                ],
                rows_audit,
            )
            bulk.insert(
                "audit_result",
                [
                    "audit_id",
                    "percent",
                    "percent_rounded",
                    "grade_computed",
                    "grade_judged",
                    "grade_moderated",
                    "scored_at",
                ],
                rows_result,
            )
            bulk.insert(
                "theme_result",
                [
                    "audit_id",
                    "theme_id",
                    "percent",
                    "percent_rounded",
                    "points",
                    "possible",
                    "grade_computed",
                    "grade_judged",
                    "grade_moderated",
                ],
                rows_theme,
            )
            bulk.insert(
                "compliance_result",
                ["audit_id", "theme_id", "question_id", "measure", "value", "compliant"],
                rows_compliance,
            )
            bulk.insert(
                "answer",
                ["audit_id", "question_id", "value", "comment", "updated_at"],
                rows_answer,
            )
            bulk.insert(
                "moderation",
                [
                    "audit_id",
                    "moderator_id",
                    "started_at",
                    "completed_at",
                    "outcome",
                    "overall_grade",
                ],
                rows_moderation,
            )
            bulk.insert(
                "action",
                [
                    "audit_id",
                    "description",
                    "for_whom",
                    "owner",
                    "due",
                    "status",
                    "created_by_id",
                    "created_at",
                    "version",
                ],
                rows_action,
            )
            # The allocation's unique key includes the due date; the audit id keeps it unique.
            bulk.insert(
                "allocation",
                [
                    "case_id",
                    "questionnaire_id",
                    "auditor_id",
                    "due",
                    "audit_id",
                    "created_at",
                    "created_by",
                    "id",
                ],
                rows_allocation,
            )
    if not sqlite:
        # As PostgreSQL's autovacuum would have done by now; VACUUM runs outside a transaction.
        # (SQLite gets no ANALYZE: a database in service has none unless someone runs it.)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


# --- measuring -----------------------------------------------------------------------------


def median_of(runs: int, work: Callable[[], Any]) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def literal_sql(reader: ReportReader, statement: Any) -> str:
    """The statement with its parameters written in, for the sqlite3 command-line tool."""
    sql, params = reader.compile(statement)
    values = iter(params)  # SQLite's parameters are positional
    return re.sub(r"\?", lambda _m: sql_literal(next(values)), sql)


def lookup_sql(create: str, insert: str, rows: list[tuple[Any, ...]]) -> str:
    """A lookup table of the export, as the sqlite3 tool is given it too."""
    head = insert.split(" VALUES ")[0]
    body = ",\n".join("(" + ", ".join(sql_literal(v) for v in row) + ")" for row in rows)
    return f"{create};\n" + (f"{head} VALUES\n{body};\n" if rows else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--export-repeats", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="Measure an existing database.")
    parser.add_argument("--build-only", action="store_true", help="Build, then stop.")
    parser.add_argument("--skip-exports", action="store_true", help="Measure the dashboard only.")
    parser.add_argument("--skip-dashboard", action="store_true", help="Measure the exports only.")
    parser.add_argument(
        "--export",
        action="append",
        choices=exports.KINDS,
        help="Measure this export only (repeatable; default: all four).",
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="PostgreSQL: VACUUM ANALYZE the summary tables (untimed) after every remaking, "
        "as autovacuum would in time where it is on.",
    )
    parser.add_argument(
        "--index",
        action="append",
        default=[],
        help="CREATE INDEX statement to add before measuring (repeatable).",
    )
    args = parser.parse_args()

    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / f'reports-{args.audits}.db'}"
    sqlite = make_url(url).get_backend_name() == "sqlite"
    if not args.reuse:
        if sqlite:
            path = Path(make_url(url).database or "")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            _recreate_postgres(url)
        started = time.perf_counter()
        build(url, args.audits, args.teams, args.seed)
        print(f"built {args.audits:,} audits in {time.perf_counter() - started:.0f} s")
    if args.build_only:
        return
    migrate.upgrade(url, configure_logging=False)  # a database built before the last migration
    if args.index:
        engine = create_engine(url)
        with engine.begin() as connection:
            for statement in args.index:
                connection.exec_driver_sql(statement)
            if sqlite:
                connection.exec_driver_sql("ANALYZE")
        engine.dispose()

    env = {"APP_ENV": "test", "DATABASE_URL": url, "INSTANCE_PATH": tempfile.gettempdir()}
    app = create_app({"PASSWORD_HASH_FAST": True, "WTF_CSRF_ENABLED": False}, environ=env)
    engine = get_engine(app)
    with engine.connect() as connection:
        counts = {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("audit", "answer", "theme_result", "compliance_result")
        }
    print(
        f"database: {engine.dialect.name}; rows: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    today = date.today()
    start, end = default_period(today)

    # The dashboard, as a person sees it: a signed-in request through the whole application.
    client = app.test_client()
    response = client.post("/sign-in", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def page(url_: str, clear: tuple[Callable[[], None], ...]) -> Callable[[], None]:
        def run() -> None:
            for forget in clear:
                forget()
            reply = client.get(url_)
            assert reply.status_code == 200, reply.status_code

        return run

    # The first view after the bulk load makes the summaries of every past month (triggers
    # marked them all stale); later views refresh only months changed since.
    with engine.connect() as connection:
        stale = connection.execute(text("SELECT count(DISTINCT month) FROM report_stale_month"))
        stale_months = stale.scalar()
    started = time.perf_counter()
    client.get("/reports")  # also imports matplotlib once, as a worker's first report would
    print(
        f"first dashboard view, making the summaries of {stale_months} stale months: "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    # As `flask summaries refresh` does after making many months (PostgreSQL only).
    summaries.tidy(engine)
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

    def mark_last_month() -> None:
        """What any change to an audit submitted last month did (by trigger) before the
        triggers said which audit: the whole month marked."""
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO report_stale_month (month, part) VALUES (:m, 'all')"),
                {"m": last_month},
            )

    with engine.connect() as connection:  # summarised by the first view
        one_audit = connection.execute(
            text("SELECT min(audit_id) FROM report_audit WHERE month = :m"), {"m": last_month}
        ).scalar()

    def change_one_audit() -> None:
        """A change to one audit submitted last month (its moderated grade written again):
        the triggers mark the month with that audit."""
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE audit_result SET grade_moderated = grade_moderated WHERE audit_id = :a"
                ),
                {"a": one_audit},
            )

    for label, query in (
        () if args.skip_dashboard else (("no filter", ""), ("one service", "?service=1"))
    ):
        url_ = f"/reports{query}"
        # The page computed afresh and the three ways of the page after a change to last
        # month, taken in turn in every round, so that the other work on a shared machine
        # weighs on each alike.
        ways = side_by_side(
            app,
            client,
            url_,
            {
                "fresh": (None, False),
                "in the request": (mark_last_month, False),
                "month live": (mark_last_month, True),
                "audit alone": (change_one_audit, True),
            },
            args.repeats,
            vacuum=args.vacuum,
        )
        fresh, fresh_runs = ways["fresh"]
        changed, _ = ways["in the request"]
        later, later_runs = ways["month live"]
        alone, alone_runs = ways["audit alone"]
        # Round by round, so that a busy moment weighs on both sides of each ratio alike.
        ratio = statistics.median(a / b for a, b in zip(later_runs, alone_runs, strict=True))
        fastest = {name: min(runs) for name, (_, runs) in ways.items()}
        redrawn, _ = median_of(args.repeats, page(url_, (_stacked.cache_clear,)))
        cached, _ = median_of(args.repeats, page(url_, ()))
        floor = dashboard_floor(
            app,
            Filters(date_from=start, date_to=end, service_id=1 if query else None),
            today,
            args.repeats,
        )
        print(
            f"dashboard, {label}: {fresh * 1000:.0f} ms computed afresh (runs "
            f"{', '.join(f'{t * 1000:.0f}' for t in fresh_runs)}; "
            f"{fresh / floor['python']:.1f}x the SQL floor), {changed * 1000:.0f} ms after a "
            f"change to last month remade in the request, {later * 1000:.0f} ms remade after "
            f"the response (runs {', '.join(f'{t * 1000:.0f}' for t in later_runs)}), "
            f"{alone * 1000:.0f} ms after a change to one audit of last month, that audit read "
            f"alone (runs {', '.join(f'{t * 1000:.0f}' for t in alone_runs)}; the month live "
            f"over the audit alone, round by round: median {ratio:.2f}; fastest runs "
            f"{', '.join(f'{name} {t * 1000:.0f}' for name, t in fastest.items())}), "
            f"{redrawn * 1000:.0f} ms with the "
            f"figures cached and charts redrawn, {cached * 1000:.0f} ms cached; SQL floor "
            f"{floor['python'] * 1000:.0f} ms through the driver, "
            f"{floor['cli'] * 1000:.0f} ms in the sqlite3 tool"
        )

    for kind in () if args.skip_exports else (args.export or exports.KINDS):
        measure_export(app, url, env, kind, args.export_repeats, folder, sqlite)


def side_by_side(
    app: Any,
    client: Any,
    url_: str,
    ways: dict[str, tuple[Callable[[], None] | None, bool]],
    runs: int,
    *,
    vacuum: bool = False,
) -> dict[str, tuple[float, list[float]]]:
    """The page, every cache emptied, each way once per round: ``ways`` maps a name to the
    change made first (None: none) and whether stale months are remade after the response
    (as outside tests) or in the request. Each run waits, untimed, for the remaking to end
    before the next (and with ``vacuum`` vacuums the summary tables)."""
    times: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for _ in range(runs):
            for name, (change, after_response) in ways.items():
                app.config["SUMMARIES_AFTER_RESPONSE"] = after_response
                RESULTS.clear()
                _stacked.cache_clear()
                if change is not None:
                    change()
                started = time.perf_counter()
                reply = client.get(url_)
                times[name].append(time.perf_counter() - started)
                assert reply.status_code == 200, reply.status_code
                reply.close()  # as a server does once it has sent the response
                for thread in threading.enumerate():
                    if thread.name == "report-summaries":
                        thread.join()
                if vacuum:
                    summaries.tidy(get_engine(app))
    finally:
        app.config["SUMMARIES_AFTER_RESPONSE"] = False
    return {name: (statistics.median(found), found) for name, found in times.items()}


def dashboard_floor(app: Any, filters: Filters, today: date, runs: int) -> dict[str, float]:
    """The dashboard's aggregates as plain SQL: through the driver, and in the sqlite3 tool."""
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        scope = Scope.everything()
        catalogue = dashboard_data.load_catalogue(reader)
        places = Places.load(reader, scope)
        selection = Selection.build(filters, scope, catalogue, places)
        # The statements the dashboard runs: past months from the summaries, the rest live.
        found = summaries.window(reader, filters.date_from, filters.date_to, today)
        live = selection.within(found.live)
        statements = [
            statement
            for name in ("grade", "judgement", "theme", "compliance", "moderation")
            for statement in (
                getattr(summaries, f"{name}_statement")(selection, found),
                getattr(dashboard_data, f"{name}_statement")(live),
            )
        ] + [
            summaries.allocation_statement(
                selection, found, dashboard_data.allocation_questionnaires(filters, catalogue)
            ),
            dashboard_data.allocation_statement(live, catalogue),
            dashboard_data.action_statement(selection, today),
        ]
        compiled = [reader.compile(s) for s in statements]
        sql_texts = [literal_sql(reader, s) for s in statements] if reader.is_sqlite else []
        driver = reader._dbapi

        def plain() -> None:
            for sql, params in compiled:
                cursor = driver.cursor()
                cursor.execute(sql, params)
                cursor.fetchall()
                cursor.close()

        python, _ = median_of(runs, plain)
    cli = float("nan")
    if sql_texts:
        path = make_url(str(get_engine(app).url)).database
        script = MMAP + "\n".join(f"{s};" for s in sql_texts)

        def tool() -> None:
            subprocess.run(
                ["sqlite3", path], input=script, text=True, check=True, capture_output=True
            )

        cli, _ = median_of(runs, tool)
    return {"python": python, "cli": cli}


def measure_export(
    app: Any, url: str, env: dict[str, str], kind: str, runs: int, folder: Path, sqlite: bool
) -> None:
    """The export through the command line (time, rows per second, peak memory), beside the
    sqlite3 tool writing the same rows as CSV."""
    out = folder / f"{kind}.csv"
    times, peaks = [], []
    # A small Python process starts the export and reports its child's peak resident memory:
    # measured from this (large) process, the child would inherit its size at the fork.
    launcher = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                launcher,
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "export",
                kind,
                "--out",
                str(out),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
        peaks.append(int(result.stdout.strip()) / 1024)  # kilobytes on Linux
    with out.open("rb") as file:
        rows = sum(1 for _ in file) - 1
    seconds = statistics.median(times)

    def in_process() -> None:
        with app.app_context(), ReportReader(get_engine(app), every_row=True) as reader:
            scope = Scope.everything()
            selection = Selection.build(
                Filters(), scope, dashboard_data.load_catalogue(reader), Places.load(reader, scope)
            )
            with (folder / f"{kind}-in-process.csv").open("wb") as file:
                exports.write_csv(reader, kind, selection, file)

    inside, _ = median_of(runs, in_process)
    line = (
        f"export {kind}: {rows:,} rows; the command takes {seconds:.2f} s "
        f"({rows / seconds:,.0f} rows/s, start-up included), peak memory {max(peaks):.0f} MB; "
        f"the export itself {inside:.2f} s ({rows / inside:,.0f} rows/s)"
    )
    if sqlite and shutil.which("sqlite3"):
        with app.app_context(), ReportReader(get_engine(app)) as reader:
            scope = Scope.everything()
            selection = Selection.build(
                Filters(), scope, dashboard_data.load_catalogue(reader), Places.load(reader, scope)
            )
            sql = literal_sql(reader, exports.statement(reader, kind, selection))
            setup = "".join(
                lookup_sql(create, insert, rows) for create, insert, rows in reader.lookups
            )
        tool_out = folder / f"{kind}-sqlite3.csv"
        # Without memory mapping, as the application's exports (and the tool by default).
        script = f"{setup}.headers on\n.mode csv\n.output {tool_out}\n{sql};\n"
        path = make_url(url).database

        def tool() -> None:
            subprocess.run(["sqlite3", path], input=script, text=True, check=True)

        tool_seconds, _ = median_of(runs, tool)
        line += (
            f"; the sqlite3 tool {tool_seconds:.2f} s ({rows / tool_seconds:,.0f} rows/s); "
            f"rate as a share of the tool's: command {tool_seconds / seconds:.2f}, "
            f"export itself {tool_seconds / inside:.2f}"
        )
    print(line)


def _recreate_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


if __name__ == "__main__":
    main()
