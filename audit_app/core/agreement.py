"""How far auditors agree: percent agreement, Krippendorff's alpha, Cohen's kappa, Gwet's AC1.

Pure: no I/O, no framework. Every statistic but Cohen's kappa reads a *table*: one row per unit
(a case, or a question on a case), one column per rater (an auditor), ``None`` where that rater
gave no value. Cohen's kappa reads the two raters' columns. docs/agreement.md explains each figure
for a QA lead, with the published examples the tests reproduce.

The same rules hold throughout:

- A unit with fewer than two values tells nothing about agreement: it is left out, as in
  Krippendorff's and Gwet's own definitions (Cohen's kappa leaves out a pair with a ``None``).
- A figure that cannot be computed is ``math.nan``, never an exception, so that a report can say
  why instead of a number (:func:`math.isnan`): no unit with two values, or, for the
  chance-corrected figures, every value the same (alpha and kappa compare the disagreement seen
  with the disagreement expected by chance; with one value, both are nil and the ratio is 0/0).
- A mistake in the call (a ragged table, an unknown level, a grade missing from ``order``,
  words where numbers are needed) raises :class:`ValueError` with a plain-English message.
- Ordered values are given in order with ``order=`` (the Ofsted grades best first, say); only
  the order counts, so best first and worst first give the same figure. Numbers need no order.

Krippendorff's alpha is computed by the ``krippendorff`` package; the other figures here are a
few lines of arithmetic each, tested against the same published examples.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal, TypeAlias

import krippendorff
import numpy as np

Rating: TypeAlias = str | int | float
"""One rater's value for one unit: a grade or answer (text) or a number."""

Table: TypeAlias = Sequence[Sequence[Rating | None]]
"""Units x raters: one row per unit, one column per rater, None where a rater gave no value."""

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Weights = Literal["linear", "quadratic"]

LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS: tuple[Weights, ...] = ("linear", "quadratic")


@dataclass(frozen=True)
class Interval:
    """A statistic with its bootstrap confidence interval.

    ``defined`` counts the resamples that gave a figure; a resample whose figure is undefined
    (every value the same, say) is left out of the interval, so when ``defined`` is well below
    ``resamples`` the interval leans towards disagreement and a report should say so.
    """

    estimate: float
    low: float
    high: float
    level: float
    resamples: int
    defined: int


def percent_agreement(table: Table) -> float:
    """The share of pairs of raters who gave a unit the same value, averaged over units.

    A unit rated by r raters has r(r-1)/2 pairs; units with fewer than two values are left out.
    nan when no unit has two values.

    >>> percent_agreement([["Good", "Good", "Good"], ["Good", "Inadequate", None]])
    0.5
    """
    shares = [
        _agreeing_pairs(counts) / _pairs(sum(counts.values()))
        for counts in _unit_counts(table)
        if sum(counts.values()) >= 2
    ]
    return math.fsum(shares) / len(shares) if shares else math.nan


def krippendorff_alpha(
    table: Table, level: Level = "nominal", *, order: Sequence[Rating] | None = None
) -> float:
    """Krippendorff's alpha: 1 minus observed over expected disagreement, missing values allowed.

    ``level`` says how far apart two different values are: "nominal" (different or not),
    "ordinal" (by how many ratings lie between them: give ``order=`` unless the values are
    numbers), "interval" (by their difference) or "ratio" (by their difference relative to their
    sum); interval and ratio need numbers. nan when no unit has two values or when every value
    that can be paired is the same.

    >>> krippendorff_alpha([[1, 1], [2, 2], [3, 3]], "interval")
    1.0
    """
    if level not in LEVELS:
        raise ValueError(
            f"The level of measurement must be one of {', '.join(LEVELS)}, not {level!r}."
        )
    rows = _rows(table)
    codes, domain = _codes_for_alpha(rows, level, order)
    pairable = [v for row in rows if _count(row) >= 2 for v in row if v is not None]
    if len(set(pairable)) < 2:
        return math.nan
    data = np.array(
        [[math.nan if v is None else codes[v] for v in row] for row in rows], dtype=np.float64
    )
    # The package reads raters x units, the transpose of a table.
    return float(
        krippendorff.alpha(reliability_data=data.T, value_domain=domain, level_of_measurement=level)
    )


def cohen_kappa(
    a: Sequence[Rating | None],
    b: Sequence[Rating | None],
    weights: Weights | None = None,
    *,
    order: Sequence[Rating] | None = None,
) -> float:
    """Cohen's kappa between two raters, weighted for ordered values if asked.

    ``a[i]`` and ``b[i]`` are the two raters' values for unit i; a unit where either is None is
    left out. Unweighted (Cohen 1960), any disagreement counts the same; with
    ``weights="linear"`` or ``"quadratic"`` (Cohen 1968), a disagreement counts by the distance
    between the two values, or its square, counted in places along ``order=`` (or as the
    difference of the numbers when the values are numbers). nan when no unit has both values or
    when each rater gave one value only, and the same one.

    >>> cohen_kappa(["Good", "Good", "Inadequate"], ["Good", "Good", "Inadequate"])
    1.0
    """
    if len(a) != len(b):
        raise ValueError(
            f"The two raters need a value (or None) for each unit: one has {len(a)}, "
            f"the other {len(b)}."
        )
    if weights is not None and weights not in WEIGHTS:
        raise ValueError(f"Weights must be None, 'linear' or 'quadratic', not {weights!r}.")
    _check_values(chain(a, b))
    distance = _kappa_distance(weights, order, [v for v in chain(a, b) if v is not None])
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not pairs:
        return math.nan
    n = len(pairs)
    observed = math.fsum(distance(x, y) for x, y in pairs) / n
    of_a = Counter(x for x, _ in pairs)
    of_b = Counter(y for _, y in pairs)
    expected = math.fsum(
        count_x * count_y * distance(x, y)
        for x, count_x in of_a.items()
        for y, count_y in of_b.items()
    ) / (n * n)
    if expected == 0:
        return math.nan
    return 1.0 - observed / expected


def _kappa_distance(
    weights: Weights | None, order: Sequence[Rating] | None, given: Sequence[Rating]
) -> Callable[[Rating, Rating], float]:
    """How much a disagreement between two values counts in kappa; checks the values given."""
    if weights is None:
        if order is not None:
            _positions(order, given)
        return lambda x, y: 0.0 if x == y else 1.0
    place = _places(order, given, "weighted kappa")
    power = 1 if weights == "linear" else 2
    return lambda x, y: float(abs(place[x] - place[y]) ** power)


def gwet_ac1(table: Table, *, categories: Sequence[Rating] | None = None) -> float:
    """Gwet's AC1: agreement corrected for chance as Gwet (2008) estimates it, for any raters.

    Chance agreement depends on how many values a rater could choose from: give them all as
    ``categories=`` (the four grades, say), or the values seen are taken to be all there are.
    Units with fewer than two values are left out of the agreement, as in Gwet's handbook, but
    count in how often each value is used. nan when no unit has two values, or when only one
    value was seen and no categories are given.

    >>> gwet_ac1([["Good", "Good"], ["Good", "Good"]], categories=["Good", "Inadequate"])
    1.0
    """
    counts = _unit_counts(table)
    seen = {value for unit in counts for value in unit}
    if categories is not None:
        _positions(categories, seen)
        if len(set(categories)) < 2:
            raise ValueError("Gwet's AC1 needs at least two categories to choose from.")
    q = len(set(categories)) if categories is not None else len(seen)
    rated = [unit for unit in counts if unit]
    paired = [unit for unit in rated if sum(unit.values()) >= 2]
    if not paired or q < 2:
        return math.nan
    agreement = math.fsum(
        _agreeing_pairs(unit) / _pairs(sum(unit.values())) for unit in paired
    ) / len(paired)
    # How often each value is used: each rated unit's shares, averaged over rated units.
    share: dict[Rating, float] = {}
    for unit in rated:
        raters = sum(unit.values())
        for value, count in unit.items():
            share[value] = share.get(value, 0.0) + count / len(rated) / raters
    chance = math.fsum(s * (1 - s) for s in share.values()) / (q - 1)
    return (agreement - chance) / (1 - chance)


def confidence_interval(
    statistic: Callable[[Table], float],
    table: Table,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """A percentile bootstrap interval for ``statistic``, resampling the table's units.

    Each resample draws as many units as the table has, with replacement, keeping each unit's
    row whole. The same seed gives the same interval, so a report shows the same figures each
    time it is opened. For Cohen's kappa, pass a function of a two-column table, e.g.
    ``lambda t: cohen_kappa([r[0] for r in t], [r[1] for r in t])``.
    """
    if not 0 < level < 1:
        raise ValueError(f"The confidence level must be between 0 and 1 (0.95, say), not {level}.")
    if resamples < 1:
        raise ValueError(f"The bootstrap needs at least one resample, not {resamples}.")
    rows = _rows(table)
    if not rows:
        raise ValueError("The table has no units to resample.")
    estimate = statistic(rows)
    draws = np.random.default_rng(seed).integers(0, len(rows), size=(resamples, len(rows)))
    values = [statistic([rows[i] for i in draw]) for draw in draws.tolist()]
    defined = [v for v in values if not math.isnan(v)]
    if not defined:
        return Interval(estimate, math.nan, math.nan, level, resamples, 0)
    tail = (1 - level) / 2
    low, high = np.quantile(np.array(defined), [tail, 1 - tail])
    return Interval(estimate, float(low), float(high), level, resamples, len(defined))


def _rows(table: Table) -> list[list[Rating | None]]:
    """The table as lists, checked: every unit has a place for each rater; values are usable."""
    rows = [list(row) for row in table]
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(
            "Every unit needs a value (or None) for each rater: the units have "
            f"{', '.join(str(w) for w in sorted(widths))} places."
        )
    _check_values(chain.from_iterable(rows))
    return rows


def _check_values(values: Iterable[Rating | None]) -> None:
    """Refuse values that would be miscounted: NaN for missing, and unhashable things."""
    for value in values:
        if isinstance(value, float) and math.isnan(value):
            raise ValueError("A missing value is None, not NaN.")
        if not isinstance(value, Hashable):
            raise ValueError(f"A value must be text or a number, not {value!r}.")


def _count(row: Sequence[Rating | None]) -> int:
    """How many raters gave the unit a value."""
    return sum(v is not None for v in row)


def _unit_counts(table: Table) -> list[Counter[Rating]]:
    """For each unit, how many raters gave each value."""
    return [Counter(v for v in row if v is not None) for row in _rows(table)]


def _pairs(raters: int) -> int:
    """Ordered pairs of different raters among ``raters``."""
    return raters * (raters - 1)


def _agreeing_pairs(counts: Counter[Rating]) -> int:
    """Ordered pairs of different raters who gave the same value."""
    return sum(_pairs(c) for c in counts.values())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positions(order: Sequence[Rating], values: Iterable[Rating]) -> dict[Rating, int]:
    """Each value's place in ``order``; a value given but not in the order is refused."""
    if len(set(order)) != len(order):
        raise ValueError("Each value may appear only once in the order.")
    place = {value: i for i, value in enumerate(order)}
    missing = sorted({repr(v) for v in values if v not in place})
    if missing:
        raise ValueError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the order "
            f"given ({', '.join(repr(v) for v in order)})."
        )
    return place


def _places(
    order: Sequence[Rating] | None, values: Sequence[Rating], what: str
) -> dict[Rating, float]:
    """Where each value lies on the scale: its place in ``order``, or the number itself."""
    if order is not None:
        return {k: float(v) for k, v in _positions(order, values).items()}
    words = sorted({repr(v) for v in values if not _is_number(v)})
    if words:
        raise ValueError(
            f"The values ({', '.join(words)}) are not numbers: give {what} their order, "
            "e.g. order=['Outstanding', 'Good', 'Requires improvement', 'Inadequate']."
        )
    return {v: float(v) for v in values}


def _codes_for_alpha(
    rows: list[list[Rating | None]], level: Level, order: Sequence[Rating] | None
) -> tuple[dict[Rating, float], list[float]]:
    """Numbers the package can read for each value, and every value the scale allows."""
    values = sorted({v for row in rows for v in row if v is not None}, key=repr)
    if level in ("interval", "ratio"):
        if order is not None:
            raise ValueError(
                f"order= is for nominal and ordinal data; {level} data must be numbers."
            )
        codes = _places(None, values, f"{level} alpha")
        if level == "ratio" and any(v < 0 for v in codes.values()):
            raise ValueError("Ratio data cannot be negative: use the interval level instead.")
        return codes, sorted(set(codes.values()))
    if level == "ordinal":
        if order is None:
            numbers = _places(None, values, "ordinal alpha")
            order = sorted(numbers, key=lambda v: numbers[v])
        place = _positions(order, values)
        return {k: float(v) for k, v in place.items()}, [float(i) for i in range(len(order))]
    place = _positions(order, values) if order is not None else {v: i for i, v in enumerate(values)}
    return {k: float(v) for k, v in place.items()}, sorted({float(v) for v in place.values()})
