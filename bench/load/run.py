"""Load test: simulated auditors against gunicorn (4 workers), then a check of the database.

Prepares a fresh database (SQLite by default, or PostgreSQL with --database-url pointing at an
empty database), with the shipped monthly questionnaire, --users auditors and enough
allocations; starts gunicorn; measures a trivial page alone (the framework's ceiling); runs
locust headless with the auditors for --duration; then checks that every submission the load
test saw succeed is in the database with all its answers and scores. Prints a summary and
writes it (markdown) to bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from audit_app import create_app, migrate  # noqa: E402
from audit_app.db import session_scope  # noqa: E402
from audit_app.models import (  # noqa: E402
    Allocation,
    Answer,
    Audit,
    AuditResult,
    Case,
    Service,
    Team,
    ThemeResult,
    User,
)
from audit_app.services import accounts  # noqa: E402
from audit_app.services import questionnaires as questionnaire_service  # noqa: E402
from audit_app.services.actor import Actor  # noqa: E402

PASSWORD = "load test password 2026"
PAGES = [
    "sign in",
    "home",
    "start allocated audit",
    "task list",
    "theme page",
    "save theme",
    "judgement page",
    "save judgement",
    "check answers",
    "submit audit",
]
CEILING = "trivial page (/healthz)"


def prepare(url: str, users: int, per_user: int) -> None:
    migrate.upgrade(url, configure_logging=False)
    app = create_app(
        environ={"APP_ENV": "development", "DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp()}
    )
    with app.app_context(), session_scope(app) as session:
        files = questionnaire_service.read_files(
            [ROOT / "questionnaires" / "monthly-case-file-audit.json"]
        )
        questionnaire_service.load(files, session=session, loaded_by=Actor.system("load test"))
        service = Service(name="Load service")
        session.add(service)
        session.flush()
        teams = []
        for n in range(4):
            team = Team(name=f"Load team {n}", service_id=service.id)
            session.add(team)
            teams.append(team)
        session.flush()
        due = date.today() + timedelta(days=30)
        for number in range(1, users + 1):
            user = accounts.create_user(
                f"load-auditor-{number}",
                PASSWORD,
                "auditor",
                session=session,
                actor="load test",
                team=teams[number % 4].name,
            )
            for k in range(per_user):
                case = Case(case_ref=f"L{number}-{k}", team_id=teams[(number + 1) % 4].id)
                session.add(case)
                session.flush()
                session.add(
                    Allocation(
                        case_id=case.id,
                        questionnaire_id="monthly-case-file-audit",
                        auditor_id=user.id,
                        due=due,
                        created_by="load test",
                    )
                )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def locust(
    host: str,
    user_class: str,
    users: int,
    duration: str,
    prefix: Path,
    env: dict,
    spawn_rate: float = 10,
) -> dict:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            user_class,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            duration,
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        cwd=ROOT,
    )
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = row
    return stats


def check_database(url: str, submitted_ids: list[int], theme_count: int) -> dict[str, int]:
    app = create_app(
        environ={"APP_ENV": "development", "DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp()}
    )
    missing = incomplete = 0
    with app.app_context(), session_scope(app) as session:
        for audit_id in submitted_ids:
            audit = session.get(Audit, audit_id)
            if audit is None or audit.status != "submitted":
                missing += 1
                continue
            answers = session.exec(
                select(func.count()).select_from(Answer).where(Answer.audit_id == audit_id)
            ).one()
            result = session.get(AuditResult, audit_id)
            themes = session.exec(
                select(func.count())
                .select_from(ThemeResult)
                .where(ThemeResult.audit_id == audit_id)
            ).one()
            if not answers or result is None or themes != theme_count:
                incomplete += 1
        total = session.exec(
            select(func.count()).select_from(Audit).where(Audit.status == "submitted")
        ).one()
        signed_up = session.exec(select(func.count()).select_from(User)).one()
    return {
        "seen": len(submitted_ids),
        "missing": missing,
        "incomplete": incomplete,
        "submitted_in_database": total,
        "users": signed_up,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", default="2m")
    parser.add_argument("--ceiling-duration", default="30s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=2,
        help="auditors signing in per second (argon2 makes sign-in deliberately slow)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="load-"))
    url = args.database_url or f"sqlite:///{work / 'load.db'}"
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"Preparing {backend} with {args.users} auditors ...", flush=True)
    prepare(url, args.users, per_user=40)
    themes = len(
        questionnaire_service.read_files(
            [ROOT / "questionnaires" / "monthly-case-file-audit.json"]
        )[0].questionnaire.themes
    )

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(work),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_SUBMITTED": str(work / "submitted.txt"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=(work / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_up(host)
        print(f"Ceiling: a trivial page alone for {args.ceiling_duration} ...", flush=True)
        ceiling = locust(host, "Ceiling", args.users, args.ceiling_duration, work / "ceiling", env)
        print(f"Auditors: {args.users} for {args.duration} ...", flush=True)
        stats = locust(
            host, "Auditor", args.users, args.duration, work / "auditors", env, args.spawn_rate
        )
    finally:
        server.terminate()
        server.wait(timeout=60)

    submitted_file = work / "submitted.txt"
    ids = [int(x) for x in submitted_file.read_text().split()] if submitted_file.exists() else []
    check = check_database(url, ids, themes)

    lines = [
        f"### {backend}, {args.users} auditors, {args.duration}, gunicorn {args.workers} workers",
        "",
        "| Page | Requests | Failures | Median ms | 95th percentile ms | Requests/s |",
        "|---|---|---|---|---|---|",
    ]
    for name in PAGES + ["Aggregated"]:
        row = stats.get(name)
        if row:
            lines.append(
                f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
                f"{row['50%']} | {row['95%']} | {float(row['Requests/s']):.1f} |"
            )
    trivial = ceiling.get(CEILING) or {}
    ceiling_rps = float(trivial.get("Requests/s", 0) or 0)
    total_rps = float(stats.get("Aggregated", {}).get("Requests/s", 0) or 0)
    lines += [
        "",
        f"Ceiling, the trivial page alone with {args.users} users: "
        f"{ceiling_rps:.1f} requests/s, median {trivial.get('50%')} ms, "
        f"95th percentile {trivial.get('95%')} ms. The auditors' mix ran at {total_rps:.1f} "
        f"requests/s: {total_rps / ceiling_rps:.2f} of the ceiling."
        if ceiling_rps
        else "",
        "",
        f"Database check: {check['seen']} submissions seen succeed; {check['missing']} missing, "
        f"{check['incomplete']} incomplete; {check['submitted_in_database']} submitted audits "
        "in the database.",
    ]
    report = "\n".join(lines)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"load-{backend.lower()}.md").write_text(report + "\n")
    (results / f"load-{backend.lower()}.json").write_text(
        json.dumps({"stats": stats, "check": check}, indent=1)
    )
    if check["missing"] or check["incomplete"]:
        raise SystemExit("Lost writes: see the database check above")


if __name__ == "__main__":
    main()
