"""Double-blind second audits: the draw that picks a submitted audit for one, and the choice of
the auditor who does it.

Pure: no I/O, no framework. The draw is a number in [0, 1) worked out from a seed and the audit's
id (SHA-256), so anyone with the seed recorded in the trail can work it out again; the audit is
picked when the number is below the rate. The auditor is the eligible one with the fewest second
audits open, ties broken by the same seed, so the choice too can be checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from audit_app.core.dates import quarter_key

LONDON = ZoneInfo("Europe/London")


def draw(seed: str, audit_id: int) -> float:
    """The number drawn for an audit: the first 8 bytes of SHA-256 of ``seed:audit_id``, as a
    share of 2**64 (0 inclusive, 1 exclusive).

    >>> draw("0" * 32, 1) == draw("0" * 32, 1)
    True
    """
    digest = hashlib.sha256(f"{seed}:{audit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def picked(number: float, rate: float) -> bool:
    """Whether a number drawn picks the audit at this rate (0: never; 1: always)."""
    if not 0 <= rate <= 1:
        raise ValueError(f"The second audit rate must be between 0 and 1, not {rate}.")
    return number < rate


def choose_auditor(
    seed: str, audit_id: int, eligible: Sequence[int], open_counts: Mapping[int, int]
) -> int | None:
    """The eligible auditor with the fewest second audits open; among equals, the one whose
    own draw (``seed:audit_id:auditor``) is lowest. None when nobody is eligible."""
    if not eligible:
        return None
    return min(
        eligible,
        key=lambda person: (open_counts.get(person, 0), draw(f"{seed}:{audit_id}", person)),
    )


def quarter(moment: datetime) -> str:
    """The quarter of a moment as a date in England ("2026 Q1"): a time near midnight belongs
    to the day it is in London, whatever the offset it was stored with."""
    if moment.tzinfo is None:
        raise ValueError("A moment needs its time zone to find its quarter.")
    return quarter_key(moment.astimezone(LONDON).date())


__all__ = ["LONDON", "choose_auditor", "draw", "picked", "quarter"]
