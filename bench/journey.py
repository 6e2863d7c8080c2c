"""Server time to render a 60-question theme page, to save it, and to submit a 60-answer audit.

Runs the real application (Flask test client, so no network in the figure) on a fresh SQLite
file, or on PostgreSQL with --database-url. Prints the median of several runs of each.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_app import create_app, migrate  # noqa: E402
from audit_app.db import session_scope  # noqa: E402
from audit_app.models import Case, Service, Team  # noqa: E402
from audit_app.services import accounts  # noqa: E402
from audit_app.services import questionnaires as questionnaire_service  # noqa: E402
from audit_app.services.actor import Actor  # noqa: E402

COMMAND = ".venv/bin/python bench/journey.py"
PASSWORD = "bench password 2026"
GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def questionnaire(themes: int, per_theme: int) -> dict[str, Any]:
    """A questionnaire of ``themes`` themes of ``per_theme`` questions, some conditional."""
    options = [
        {"value": "yes", "label": "Yes, evidenced", "score": 2},
        {"value": "partly", "label": "Partly", "score": 1},
        {"value": "no", "label": "No", "score": 0},
        {"value": "not-applicable", "label": "Not applicable"},
    ]
    data: dict[str, Any] = {
        "format": "case-audit/1",
        "id": f"bench-{themes}x{per_theme}",
        "version": 1,
        "title": f"Benchmark {themes}x{per_theme}",
        "kind": "monthly",
        "grading": {
            "bands": [
                {"grade": "Outstanding", "min": 85},
                {"grade": "Good", "min": 65},
                {"grade": "Requires improvement", "min": 40},
                {"grade": "Inadequate", "min": 0},
            ],
            "overall": "mean",
        },
        "themes": [],
    }
    for t in range(themes):
        questions: list[dict[str, Any]] = []
        for n in range(per_theme):
            qid = f"t{t}-q{n}"
            question: dict[str, Any] = {
                "id": qid,
                "text": f"Theme {t + 1}, question {n + 1}: is it evidenced?",
                "help": "What good looks like: the record shows it clearly and recently.",
                "type": "choice",
                "options": options,
            }
            if n % 10 == 9:
                question["show_if"] = {"question": f"t{t}-q{n - 1}", "in": ["yes", "partly"]}
            if n % 7 == 3:
                question["compliance"] = f"Measure {n % 3}"
            questions.append(question)
        data["themes"].append(
            {"id": f"theme-{t}", "title": f"Theme {t + 1}", "questions": questions}
        )
    return data


def setup(database_url: str | None, folder: Path) -> tuple[Any, Any]:
    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url, configure_logging=False)
    app = create_app(
        {"WTF_CSRF_ENABLED": False},
        environ={"APP_ENV": "development", "DATABASE_URL": url, "INSTANCE_PATH": str(folder)},
    )
    with app.app_context(), session_scope(app) as session:
        files = [
            questionnaire_service.parse_file("a.json", json.dumps(questionnaire(1, 60))),
            questionnaire_service.parse_file("b.json", json.dumps(questionnaire(5, 12))),
        ]
        questionnaire_service.load(files, session=session, loaded_by=Actor.system("bench"))
        service = Service(name="Bench service")
        session.add(service)
        session.flush()
        team = Team(name="Bench team", service_id=service.id)
        session.add(team)
        session.flush()
        for n in range(400):
            session.add(Case(case_ref=f"B{n}", team_id=team.id))
        accounts.create_user(
            "bench",
            PASSWORD,
            "auditor",
            session=session,
            actor=Actor.system("bench"),
            team="Bench team",
        )
    client = app.test_client()
    response = client.post("/sign-in", data={"username": "bench", "password": PASSWORD})
    assert response.status_code == 302
    return app, client


def start(client: Any, questionnaire_id: str, case: int) -> int:
    response = client.post(
        "/audits/new", data={"questionnaire": questionnaire_id, "case_id": f"B{case}"}
    )
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])


def version_of(client: Any, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return html.split('name="version" value="', 1)[1].split('"', 1)[0]


def timed(func: Any, expect: int = 200) -> float:
    """Milliseconds that one request took; the response must have the expected status."""
    began = time.perf_counter()
    response = func()
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == expect, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        app, client = setup(args.database_url, Path(tmp))
        render, save, submit = [], [], []
        for run in range(args.runs):
            # A 60-question theme page: render it, then save every answer on it.
            audit = start(client, "bench-1x60", run)
            url = f"/audits/{audit}/themes/theme-0"
            client.get(url)  # first render of this audit warms nothing shared
            render.append(timed(lambda url=url: client.get(url)))
            form = {f"t0-q{n}": rng.choice(["yes", "partly", "no"]) for n in range(60)}
            form["version"] = version_of(client, url)
            save.append(timed(lambda url=url, form=form: client.post(url, data=form), 302))

            # A 5 x 12 audit, fully answered and judged, then submitted.
            audit = start(client, "bench-5x12", 200 + run)
            for t in range(5):
                theme_url = f"/audits/{audit}/themes/theme-{t}"
                answers = {f"t{t}-q{n}": "yes" for n in range(12)}
                answers["version"] = version_of(client, theme_url)
                answers["judgement"] = "Outstanding"
                assert client.post(theme_url, data=answers).status_code == 302
            judgement_url = f"/audits/{audit}/judgement"
            client.post(
                judgement_url,
                data={"version": version_of(client, judgement_url), "judgement": "Outstanding"},
            )
            check_url = f"/audits/{audit}/check"
            data = {"version": version_of(client, check_url)}
            elapsed = timed(lambda u=check_url, d=data: client.post(u, data=d), 302)
            submit.append(elapsed)
        for name, values in (
            ("render a 60-question theme page", render),
            ("save a 60-question theme page", save),
            ("submit a 60-answer audit", submit),
        ):
            print(
                f"{name:<34} median {statistics.median(values):7.1f} ms  "
                f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"
            )
    print(f"command: {COMMAND}" + (" --database-url ..." if args.database_url else ""))


if __name__ == "__main__":
    main()
