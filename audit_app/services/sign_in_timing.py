"""A refused sign-in takes as long whether or not the username exists.

An unknown (or deactivated) username is checked against a dummy hash at the current settings;
an existing account against its own stored hash, whose cost is that of the settings it was made
with. After the ``ARGON2_*`` settings change, a dormant account keeps its old hash until its owner
signs in, so the two would take measurably different times and tell an attacker which names
exist. Every refused sign-in therefore waits until as long as checking a password against the
costliest hash still stored for an active account has passed since the check began.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlmodel import Session, select

from audit_app.auth import password_hasher
from audit_app.models import User

Cost = tuple[int, int, int]  # memory (KiB), iterations, lanes

_COST = re.compile(r"^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$")
_SECONDS: dict[Cost, float] = {}


def cost_of(stored_hash: str) -> Cost | None:
    """The settings an argon2id hash was made with, or None for anything else."""
    found = _COST.match(stored_hash or "")
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def costliest(session: Session) -> Cost:
    """The most expensive settings among the current ones and every active account's hash."""
    current = password_hasher()
    costs = {(current.memory_cost, current.time_cost, current.parallelism)}
    for stored in session.exec(select(User.password_hash).where(User.active == True)):  # noqa: E712
        cost = cost_of(stored)
        if cost is not None:
            costs.add(cost)
    return max(costs, key=lambda c: (c[0] * c[1], c[2]))


def seconds_to_check(cost: Cost) -> float:
    """How long checking a password against a hash of this cost takes here (measured once)."""
    if cost not in _SECONDS:
        memory, iterations, lanes = cost
        hasher = PasswordHasher(memory_cost=memory, time_cost=iterations, parallelism=lanes)
        stored = hasher.hash(secrets.token_hex(16))
        start = time.perf_counter()
        _verify_quietly(hasher, stored)
        _SECONDS[cost] = time.perf_counter() - start
    return _SECONDS[cost]


def _verify_quietly(hasher: PasswordHasher, stored: str) -> None:
    try:
        hasher.verify(stored, "not the password")
    except VerificationError:  # a mismatch, as for a refused sign-in
        return


# The clock a sign-in's start is read from, and how it waits (tests replace them).
clock: Callable[[], float] = time.monotonic
sleep: Callable[[float], None] = time.sleep


def wait_out(started: float, *, session: Session) -> float:
    """Wait until a refused sign-in that began at ``started`` (``clock()``) has taken as long as
    the costliest check; returns that time, in seconds."""
    floor = seconds_to_check(costliest(session))
    remaining = started + floor - clock()
    if remaining > 0:
        sleep(remaining)
    return floor
