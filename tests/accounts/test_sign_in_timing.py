"""A refused sign-in is held to the same time whether or not the username exists, even when a
dormant account still has a hash made at older, costlier settings (ARGON2_* changed since).

Not a timing test: the clock and the wait are replaced, and the cost of a check is given per
setting, so the test sees what each refusal is held to."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import User
from audit_app.services import sign_in_timing
from tests.builders import add_user

OLD_DEFAULT = PasswordHasher()  # argon2-cffi's defaults: 64 MiB, 3 iterations, 4 lanes


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What each refused sign-in is held to: a fake clock that a check does not move, and a
    cost per setting proportional to memory x iterations."""
    waits: list[float] = []
    monkeypatch.setattr(sign_in_timing, "clock", lambda: 100.0)
    monkeypatch.setattr(sign_in_timing, "sleep", waits.append)
    monkeypatch.setattr(
        sign_in_timing, "seconds_to_check", lambda cost: cost[0] * cost[1] / 1_000_000
    )
    return waits


def _refuse(app: Flask, username: str) -> None:
    response = app.test_client().post(
        "/sign-in", data={"username": username, "password": "a wrong guess"}
    )
    assert response.status_code == 400


def test_every_refusal_waits_as_long_as_the_costliest_stored_hash(
    costly_app: Flask, held: list[float]
) -> None:
    add_user(costly_app, "dormant", "auditor")
    add_user(costly_app, "fresh", "auditor")
    with session_scope(costly_app) as db:
        dormant = db.exec(select(User).where(User.username == "dormant")).one()
        dormant.password_hash = OLD_DEFAULT.hash("the owner's real password")
        db.add(dormant)
    for username in ("dormant", "fresh", "nobody-by-this-name"):
        _refuse(costly_app, username)
    assert held == pytest.approx([65536 * 3 / 1_000_000] * 3)


def test_with_every_hash_at_the_current_settings_refusals_wait_for_those(
    costly_app: Flask, held: list[float]
) -> None:
    add_user(costly_app, "fresh", "auditor")
    _refuse(costly_app, "fresh")
    _refuse(costly_app, "nobody-by-this-name")
    assert held == pytest.approx([19456 * 2 / 1_000_000] * 2)


def test_the_cost_of_a_hash_is_read_from_it() -> None:
    stored = PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1).hash("x")
    assert sign_in_timing.cost_of(stored) == (19456, 2, 1)
    assert sign_in_timing.cost_of("not a hash") is None
