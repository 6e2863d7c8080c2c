"""Browser tests: the real app served by gunicorn, driven in Debian's Chromium by Playwright.

Each page visited is checked with axe-core. In CI (CI=true) a missing browser fails the run;
elsewhere these tests are skipped with a message saying how to install it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.builders import PASSWORD, journey_questionnaire
from tests.conftest import IN_CI, ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The password an admin gives a new user, which they change at their first sign-in.
FIRST_PASSWORD = "a first passphrase given out"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run a ``flask`` command against the server's database."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def add_user(self, username: str, *options: str) -> None:
        """``users create`` with a first password, then the person's first sign-in, where the
        app has them change it (to ``PASSWORD``) before anything else; signed out after."""
        self.flask("users", "create", username, *options, stdin=f"{FIRST_PASSWORD}\n" * 2)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

        def post(path: str, page: str, **fields: str) -> str:
            """Submit the form on ``page`` (its CSRF token) to ``path``; the page it leads to."""
            match = CSRF_FIELD.search(page)
            assert match, page
            data = urllib.parse.urlencode({"csrf_token": match.group(1), **fields}).encode()
            with browser.open(f"{self.url}{path}", data=data, timeout=30) as response:
                return str(response.read().decode("utf-8"))

        with browser.open(f"{self.url}/sign-in", timeout=30) as response:
            page = response.read().decode("utf-8")
        page = post("/sign-in", page, username=username, password=FIRST_PASSWORD)
        assert "Change your password" in page, page
        page = post(
            "/account/password",
            page,
            current_password=FIRST_PASSWORD,
            new_password=PASSWORD,
            confirm_password=PASSWORD,
        )
        assert "Your password has been changed" in page, page
        post("/sign-out", page)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/sign-in", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


def new_server(instance: Path) -> LiveServer:
    """A migrated SQLite database under ``instance``, with the shipped questionnaires."""
    env = {
        **os.environ,
        "APP_ENV": "development",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'browser.db'}",
    }
    env.pop("TEST_DATABASE_URL", None)
    server = LiveServer(url=f"http://127.0.0.1:{_free_port()}", env=env)
    server.flask("db", "upgrade")
    server.flask("questionnaires", "load")
    return server


@contextmanager
def serving(server: LiveServer, instance: Path) -> Iterator[LiveServer]:
    """Serve the app with gunicorn (2 workers) until the block ends."""
    log = instance / "gunicorn.log"
    port = server.url.rsplit(":", 1)[1]
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--no-control-socket",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=server.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(server.url, process, log)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shared server of the browser tests."""
    instance = tmp_path_factory.mktemp("live")
    with serving(new_server(instance), instance) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM}: run 'sudo apt-get install chromium'"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (JavaScript on unless asked otherwise)."""
    contexts: list[BrowserContext] = []

    def open_page(*, javascript: bool = True) -> Page:
        # The app's Content-Security-Policy allows no inline script; axe-core is injected as
        # one, so the test browser bypasses the policy for that purpose alone.
        context = browser.new_context(java_script_enabled=javascript, bypass_csp=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def check_accessibility(page: Page) -> None:
    """Run axe-core on the page; fail on any serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"{page.url}: " + json.dumps(
        [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in blocking
        ],
        indent=1,
    )


def check_accessibility_of_markup(page: Page, new_page: Callable[..., Page]) -> None:
    """axe-core needs script: check a no-JavaScript page's markup in a page that has it."""
    html = page.content().replace("<head>", f'<head><base href="{page.url}">', 1)
    checker = new_page()
    checker.set_content(html, wait_until="load")
    check_accessibility(checker)
    checker.close()


def sign_in(
    page: Page, server: LiveServer, username: str, password: str = PASSWORD, *, check: bool = True
) -> None:
    page.goto(f"{server.url}/sign-in")
    if check:
        check_accessibility(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def seed_demo(server: LiveServer) -> dict[str, str]:
    """Seed the demo data on the server; the demo accounts' passwords, by username."""
    seeded = server.flask("demo", "seed")
    return {
        match.group(1): match.group(2)
        for match in re.finditer(
            r"^(\w+)\s+(?:admin|manager|auditor|viewer)\s+(\S+)$", seeded, re.M
        )
    }


def load_journey_data(
    server: LiveServer,
    folder: Path,
    cases: str,
    allocated: dict[str, str],
    users: tuple[tuple[str, ...], ...] = (),
) -> None:
    """Load the journey questionnaire, import ``cases`` (a cases CSV), add ``users`` (each
    ``add_user``'s arguments) and allocate each case in ``allocated`` to its auditor, due in 2099.
    """
    questionnaire = folder / "journey-audit.json"
    questionnaire.write_text(json.dumps(journey_questionnaire()), "utf-8")
    server.flask("questionnaires", "load", str(questionnaire))
    (folder / "cases.csv").write_text(cases, "utf-8")
    server.flask("cases", "import", str(folder / "cases.csv"))
    for user in users:
        server.add_user(*user)
    (folder / "allocations.csv").write_text(
        "case_id,questionnaire_id,auditor,due\n"
        + "".join(
            f"{case},journey-audit,{auditor},2099-01-31\n" for case, auditor in allocated.items()
        ),
        "utf-8",
    )
    server.flask("allocations", "import", str(folder / "allocations.csv"))
