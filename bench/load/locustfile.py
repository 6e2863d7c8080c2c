"""Simulated auditors: sign in, open an allocated audit, save every theme, judge, submit.

Run by bench/load/run.py, which prepares the database and the server. Each successful
submission's audit id is appended to the file named by LOAD_SUBMITTED, so that the database can
be checked afterwards: every submission the load test saw succeed must be there, whole.
"""

from __future__ import annotations

import os
import random
import re
import threading

from locust import HttpUser, between, constant, events, task

PASSWORD = os.environ["LOAD_PASSWORD"]
SUBMITTED_FILE = os.environ["LOAD_SUBMITTED"]
_lock = threading.Lock()
_next_auditor = iter(range(1, 100_000))

HIDDEN = re.compile(r'name="(csrf_token|version)"[^>]*value="([^"]*)"')
RADIO = re.compile(
    r'<input class="govuk-radios__input" id="[^"]*" name="([^"]+)" type="radio" value="([^"]+)"'
)
TEXTAREA = re.compile(r'<textarea class="govuk-textarea[^"]*" id="([^"]+)" name="([^"]+)"')
INPUT = re.compile(r'<input class="govuk-input[^"]*" id="[^"]+" name="([^"]+)" type="text"[^>]*>')
START = re.compile(r'action="(/allocations/\d+/start)"')
THEME_LINK = re.compile(r'href="(/audits/\d+/themes/[a-z0-9-]+)"')


def hidden_fields(page: str) -> dict[str, str]:
    return dict(HIDDEN.findall(page))


def answers_for(page: str) -> dict[str, str]:
    """An answer to every question on a theme page, as an auditor would give."""
    options: dict[str, list[str]] = {}
    for name, value in RADIO.findall(page):
        options.setdefault(name, []).append(value)
    data = {name: random.choice(values[:3] or values) for name, values in options.items()}
    for _id, name in TEXTAREA.findall(page):
        data[name] = "Reviewed with the team manager; the plan is being updated."
    for match in INPUT.finditer(page):
        # Dates are typed with the numeric keyboard, numbers with the decimal one.
        data[match.group(1)] = "1/10/2026" if 'inputmode="numeric"' in match.group(0) else "2"
    data["analysis"] = "Judged on the record as a whole; see the answers above."
    return data


class Auditor(HttpUser):
    # A pause of one to three seconds after each page, before the next request: far quicker
    # than anyone reads and answers a theme, so 50 of these stand for many more real auditors.
    # LOAD_PAUSE="0,0" makes it a stress test (pages back to back) instead.
    wait_time = between(*(float(x) for x in os.environ.get("LOAD_PAUSE", "1,3").split(",")))

    def on_start(self) -> None:
        with _lock:
            number = next(_next_auditor)
        self.username = f"load-auditor-{number}"
        page = self.client.get("/sign-in", name="sign-in page").text
        reply = self.client.post(
            "/sign-in",
            data={**hidden_fields(page), "username": self.username, "password": PASSWORD},
            name="sign in",
            allow_redirects=False,
        )
        if reply.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in: {reply.status_code}")

    @task
    def complete_an_allocated_audit(self) -> None:
        home = self.client.get("/", name="home").text
        self.wait()
        starts = START.findall(home)
        if not starts:
            return
        reply = self.client.post(
            starts[0], data=hidden_fields(home), name="start allocated audit", allow_redirects=False
        )
        audit_url = reply.headers.get("Location", "")
        task_list = self.client.get(audit_url, name="task list").text
        self.wait()  # reading the page and answering
        for theme_url in dict.fromkeys(THEME_LINK.findall(task_list)):
            page = self.client.get(theme_url, name="theme page").text
            self.wait()  # reading the page and answering
            data = {**hidden_fields(page), **answers_for(page)}
            data["judgement"] = random.choice(["Good", "Requires improvement"])
            with self.client.post(
                theme_url, data=data, name="save theme", allow_redirects=False, catch_response=True
            ) as saved:
                if saved.status_code != 302:
                    saved.failure(f"theme save answered {saved.status_code}")
                    return
        judgement = self.client.get(f"{audit_url}/judgement", name="judgement page").text
        self.wait()  # reading the page and answering
        self.client.post(
            f"{audit_url}/judgement",
            data={**hidden_fields(judgement), "judgement": "Good", "analysis": "Overall, good."},
            name="save judgement",
            allow_redirects=False,
        )
        check = self.client.get(f"{audit_url}/check", name="check answers").text
        self.wait()  # reading the page and answering
        with self.client.post(
            f"{audit_url}/check",
            data=hidden_fields(check),
            name="submit audit",
            allow_redirects=False,
            catch_response=True,
        ) as submitted:
            if submitted.status_code != 302:
                submitted.failure(f"submit answered {submitted.status_code}")
                return
        with _lock, open(SUBMITTED_FILE, "a") as handle:
            handle.write(audit_url.rsplit("/", 1)[1] + "\n")


class Ceiling(HttpUser):
    """The framework's ceiling: a trivial page on the same server, as fast as it will go."""

    wait_time = constant(0)

    @task
    def health(self) -> None:
        self.client.get("/healthz", name="trivial page (/healthz)")


@events.init_command_line_parser.add_listener
def _options(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--load-note", default="", help="Free text kept with the results")
