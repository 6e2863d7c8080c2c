"""A programme's sample: which cases a seeded draw takes from each stratum, and who audits them.

Pure: no I/O, no framework. The services read the cases, the auditors and what the programme
already holds, and write the allocations; everything chosen here depends only on what is passed
in and the seed, so the same data and seed give the same cases.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from audit_app.core.dates import add_months

LOOKBACK_MONTHS = 12
"""A case audited this many months before a programme's start (or since) is not drawn."""

MAX_SEED = 2**31 - 1
"""Seeds are whole numbers from 0 to this (they fit any database's integer column)."""


def lookback_start(start: date, months: int = LOOKBACK_MONTHS) -> date:
    """The first day of the 12 months before ``start``: 29 February 2028 looks back to
    28 February 2027, and 1 January 2027 to 1 January 2026."""
    return add_months(start, -months)


def audited_recently(audit_days: Iterable[date], start: date) -> bool:
    """Whether any of a case's audit days (the council's days) falls on or after the first day
    of the 12 months before ``start``: such a case is not drawn."""
    first = lookback_start(start)
    return any(day >= first for day in audit_days)


@dataclass(frozen=True)
class Candidate:
    """A case that may be drawn: its id, the stratum it falls in and its team."""

    case_id: int
    stratum: int
    team_id: int


@dataclass(frozen=True)
class Auditor:
    """Someone cases can be allocated to: never a case of their own team."""

    id: int
    team_id: int | None


@dataclass(frozen=True)
class StratumShortfall:
    """A stratum whose quota the draw could not meet."""

    stratum: int
    quota: int
    drawn: int  # the programme's cases in the stratum after the draw


@dataclass(frozen=True)
class Sample:
    """What one draw chose: each stratum's new cases in the order drawn, the auditor of each
    case, and the strata left short of their quota."""

    chosen: dict[int, list[int]]
    auditor_of: dict[int, int]
    shortfalls: tuple[StratumShortfall, ...] = field(default=())

    @property
    def cases(self) -> int:
        return sum(len(ids) for ids in self.chosen.values())


def draw_sample(
    candidates: Sequence[Candidate],
    quotas: Mapping[int, int],
    already: Mapping[int, int],
    auditors: Sequence[Auditor],
    *,
    seed: int,
    load: Mapping[int, int] | None = None,
) -> Sample:
    """Top each stratum up to its quota with cases drawn at random, each given to an auditor.

    ``already`` is how many cases the programme holds in each stratum, so a second draw adds
    only what is missing. ``load`` is how many of the programme's cases each auditor already
    has: each case goes to the auditor with fewest, outside the case's team (ties in an order
    shuffled by the seed). A case no auditor may take is passed over.
    """
    rng = random.Random(seed)
    order = sorted(auditors, key=lambda a: a.id)
    rng.shuffle(order)
    counts = {a.id: (load or {}).get(a.id, 0) for a in order}
    by_stratum: dict[int, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: c.case_id):
        by_stratum.setdefault(candidate.stratum, []).append(candidate)
    chosen: dict[int, list[int]] = {}
    auditor_of: dict[int, int] = {}
    shortfalls: list[StratumShortfall] = []
    for stratum in sorted(quotas):
        needed = max(0, quotas[stratum] - already.get(stratum, 0))
        pool = list(by_stratum.get(stratum, []))
        rng.shuffle(pool)
        taken = _take(pool, needed, order, counts, auditor_of)
        chosen[stratum] = taken
        held = already.get(stratum, 0) + len(taken)
        if held < quotas[stratum]:
            shortfalls.append(StratumShortfall(stratum, quotas[stratum], held))
    return Sample(chosen=chosen, auditor_of=auditor_of, shortfalls=tuple(shortfalls))


def _take(
    pool: Sequence[Candidate],
    needed: int,
    order: Sequence[Auditor],
    counts: dict[int, int],
    auditor_of: dict[int, int],
) -> list[int]:
    """Up to ``needed`` cases from the shuffled pool, each with an auditor from outside its team."""
    taken: list[int] = []
    for candidate in pool:
        if len(taken) >= needed:
            break
        auditor = _least_loaded(order, counts, candidate.team_id)
        if auditor is None:
            continue
        counts[auditor.id] += 1
        auditor_of[candidate.case_id] = auditor.id
        taken.append(candidate.case_id)
    return taken


def _least_loaded(
    order: Sequence[Auditor], counts: Mapping[int, int], team_id: int
) -> Auditor | None:
    """The auditor outside ``team_id`` with fewest cases (the first in ``order`` on a tie)."""
    eligible = [a for a in order if a.team_id is None or a.team_id != team_id]
    if not eligible:
        return None
    return min(eligible, key=lambda a: counts[a.id])
