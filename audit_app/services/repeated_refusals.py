"""Refusals that a client can repeat as fast as it likes, recorded without flooding the trail.

A refused CSRF token or a throttled sign-in needs no account: one client could otherwise write
trail rows as fast as it sends requests, and the trail can never be pruned. The first refusal of
each kind from an address in a minute goes to the trail as before; the rest are counted in
``refusal_tally`` (one row per kind, address, signed-in person if any, and minute), which the
trail's event points to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from audit_app import clock
from audit_app.models import RefusalTally, table_of
from audit_app.services.trail import record_event


def record_refusal(
    action: str,
    *,
    session: Session,
    name: str,
    remote_addr: str | None,
    signed_in: bool = False,
    **detail: Any,
) -> bool:
    """Count this refusal; write the trail event only for the first of its kind from this
    address this minute. ``name``: who the client says it is (a username typed at sign-in, or
    the signed-in person's). A signed-in person's refusals (``signed_in``) are counted apart,
    so that the trail names each of them; anyone else's are counted together, whatever name
    they give, so that changing it writes no more. Returns whether the trail event was written."""
    now = clock.now()
    address = (remote_addr or "unknown")[:64]
    who = name[:80] if signed_in else ""
    count = _count(session, action=action[:64], address=address, who=who, now=now)
    if count > 1:
        return False
    record_event(
        action,
        session=session,
        actor=name,
        remote_addr=address,
        repeats_counted_in="refusal_tally",
        **detail,
    )
    return True


def _count(session: Session, *, action: str, address: str, who: str, now: datetime) -> int:
    """Add one to this minute's tally (creating it at 1) and return the new count, in one
    statement, so that concurrent refusals on several servers count exactly."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(RefusalTally)
    statement = (
        insert(table)
        .values(
            action=action,
            remote_addr=address,
            signed_in_as=who,
            minute=now.replace(second=0, microsecond=0),
            count=1,
            last_at=now,
        )
        .on_conflict_do_update(
            index_elements=["action", "remote_addr", "signed_in_as", "minute"],
            set_={"count": table.c.count + 1, "last_at": now},
        )
        .returning(table.c.count)
    )
    return int(session.execute(statement).scalar_one())
