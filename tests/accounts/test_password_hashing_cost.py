"""Outside tests, passwords are hashed at the ARGON2_* settings, and a hash made with other
settings (argon2-cffi's heavier defaults, which earlier releases used) is remade at sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import User
from tests.builders import PASSWORD, add_user


def test_a_hash_with_the_old_default_cost_is_remade_at_owasps_minimum(costly_app: Flask) -> None:
    add_user(costly_app, "alice", "auditor")
    old_default = PasswordHasher()  # argon2-cffi's default: 64 MiB, 3 iterations, 4 lanes
    with session_scope(costly_app) as db:
        user = db.exec(select(User).where(User.username == "alice")).one()
        user.password_hash = old_default.hash(PASSWORD)
        db.add(user)
    client = costly_app.test_client()
    response = client.post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    with session_scope(costly_app) as db:
        stored = db.exec(select(User).where(User.username == "alice")).one().password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1).verify(stored, PASSWORD)
