"""A client that repeats a refusal as fast as it can, without signing in, cannot flood the audit
trail: the first refusal of each kind from an address in a minute is written, the rest counted."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import text

from audit_app.db import get_engine
from tests.builders import PASSWORD

NOON = datetime(2026, 12, 4, 12, 0, 5, tzinfo=UTC)


def trail(app: Flask, action: str) -> list[tuple[str | None, dict[str, object]]]:
    with get_engine(app).connect() as connection:
        rows = connection.execute(
            text("SELECT remote_addr, detail FROM audit_event WHERE action = :a ORDER BY id"),
            {"a": action},
        )
        return [(address, json.loads(detail)) for address, detail in rows]


def tallies(app: Flask, action: str) -> list[tuple[str, int]]:
    with get_engine(app).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT remote_addr, count FROM refusal_tally WHERE action = :a "
                "ORDER BY minute, remote_addr"
            ),
            {"a": action},
        )
        return [(address, count) for address, count in rows]


def post_without_token(app: Flask, address: str, times: int) -> None:
    client = app.test_client()
    for _ in range(times):
        response = client.post(
            "/sign-in",
            data={"username": "someone", "password": "x"},
            environ_base={"REMOTE_ADDR": address},
        )
        assert response.status_code == 400


def test_refused_csrf_posts_are_counted_not_each_written(csrf_app: Flask) -> None:
    with time_machine.travel(NOON, tick=False):
        post_without_token(csrf_app, "203.0.113.7", 60)
        post_without_token(csrf_app, "203.0.113.8", 2)
    assert [address for address, _ in trail(csrf_app, "csrf.refused")] == [
        "203.0.113.7",
        "203.0.113.8",
    ]
    [(_, detail), _] = trail(csrf_app, "csrf.refused")
    assert detail["repeats_counted_in"] == "refusal_tally" and detail["path"] == "/sign-in"
    assert tallies(csrf_app, "csrf.refused") == [("203.0.113.7", 60), ("203.0.113.8", 2)]

    # The next minute starts a new count, with one more event in the trail.
    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        post_without_token(csrf_app, "203.0.113.7", 5)
    assert len(trail(csrf_app, "csrf.refused")) == 3
    assert tallies(csrf_app, "csrf.refused")[-1] == ("203.0.113.7", 5)


def test_throttled_sign_ins_are_counted_not_each_written(
    app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("auditor1", "auditor", team="Team A")
    client = app.test_client()
    address = {"REMOTE_ADDR": "198.51.100.4"}
    with time_machine.travel(NOON, tick=False):
        for _ in range(40):
            client.post(
                "/sign-in",
                data={"username": "auditor1", "password": "wrong"},
                environ_base=address,
            )
        # Throttled now, even with the right password: refused, and counted.
        response = client.post(
            "/sign-in", data={"username": "auditor1", "password": PASSWORD}, environ_base=address
        )
        assert response.status_code != 302
    failed = trail(app, "sign_in.failed")
    throttled = trail(app, "sign_in.throttled")
    assert len(failed) == 5  # the account's limit: every one of those is in the trail
    assert len(throttled) == 1
    assert tallies(app, "sign_in.throttled") == [("198.51.100.4", 36)]


def test_signed_in_peoples_refusals_are_counted_apart(
    csrf_app: Flask, make_user: Callable[..., str]
) -> None:
    """Behind one address (a proxy), each signed-in person's refusal is named in the trail."""
    make_user("auditor1", "auditor", team="Team A")
    make_user("auditor2", "auditor", team="Team A")
    address = {"REMOTE_ADDR": "192.0.2.10"}
    with time_machine.travel(NOON, tick=False):
        for username in ("auditor1", "auditor2"):
            client = csrf_app.test_client()
            page = client.get("/sign-in", environ_base=address).get_data(as_text=True)
            token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
            signed_in = client.post(
                "/sign-in",
                data={"username": username, "password": PASSWORD, "csrf_token": token},
                environ_base=address,
            )
            assert signed_in.status_code == 302
            for _ in range(3):
                refused = client.post("/account/password", data={}, environ_base=address)
                assert refused.status_code == 400
        post_without_token(csrf_app, "192.0.2.10", 4)  # and people not signed in
    with get_engine(csrf_app).connect() as connection:
        actors = connection.execute(
            text("SELECT actor FROM audit_event WHERE action = 'csrf.refused' ORDER BY id")
        ).scalars()
        assert list(actors) == ["auditor1", "auditor2", "anonymous"]
        counts = connection.execute(
            text("SELECT signed_in_as, count FROM refusal_tally ORDER BY signed_in_as")
        ).all()
    assert [tuple(row) for row in counts] == [("", 4), ("auditor1", 3), ("auditor2", 3)]
