"""Server time of one sign-in (POST /sign-in) at two password hashing costs, side by side.

"old": argon2-cffi's defaults (64 MiB, 3 iterations, 4 lanes), which earlier releases used;
"new": the ARGON2_* defaults (OWASP's minimum: 19 MiB, 2 iterations, 1 lane). Each round signs
in once at each cost, on SQLite, through Flask's test client (no network); medians are printed,
with the time outside the hash (the rest of the request) for the new cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402
from flask import Flask  # noqa: E402

from audit_app import create_app, migrate  # noqa: E402
from audit_app.db import session_scope  # noqa: E402
from audit_app.services import accounts  # noqa: E402
from audit_app.services.actor import Actor  # noqa: E402

COMMAND = ".venv/bin/python bench/sign_in.py"
PASSWORD = "a long enough passphrase for the bench"
COSTS = {"old": (3, 65536, 4), "new": (2, 19456, 1)}


def app_at(cost: tuple[int, int, int], folder: Path) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url, configure_logging=False)
    iterations, memory, lanes = cost
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_FAST": False},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "ARGON2_MEMORY_KIB": str(memory),
            "ARGON2_ITERATIONS": str(iterations),
            "ARGON2_PARALLELISM": str(lanes),
        },
    )
    with app.app_context(), session_scope(app) as session:
        accounts.create_user(
            "bench", PASSWORD, "auditor", session=session, actor=Actor.system("bench")
        )
    return app


def sign_in_seconds(app: Flask) -> float:
    client = app.test_client()
    start = time.perf_counter()
    response = client.post("/sign-in", data={"username": "bench", "password": PASSWORD})
    elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return elapsed


def hash_seconds(cost: tuple[int, int, int]) -> float:
    iterations, memory, lanes = cost
    hasher = PasswordHasher(time_cost=iterations, memory_cost=memory, parallelism=lanes)
    stored = hasher.hash(PASSWORD)
    start = time.perf_counter()
    hasher.verify(stored, PASSWORD)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        apps = {name: app_at(cost, Path(folder) / name) for name, cost in COSTS.items()}
        times: dict[str, list[float]] = {name: [] for name in apps}
        hashes: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(args.rounds):
            for name, app in apps.items():
                times[name].append(sign_in_seconds(app))
                hashes[name].append(hash_seconds(COSTS[name]))
    print(f"command: {COMMAND} --rounds {args.rounds}")
    for name in apps:
        request, argon2 = statistics.median(times[name]), statistics.median(hashes[name])
        print(
            f"{name} {COSTS[name]}: sign-in {request * 1000:.0f} ms median, of which the hash "
            f"about {argon2 * 1000:.0f} ms; the rest {max(0.0, request - argon2) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
