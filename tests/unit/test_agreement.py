"""Agreement statistics (audit_app/core/agreement.py) against published worked examples.

Sources of the expected figures:

- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. University of
  Pennsylvania, ScholarlyCommons, asc_papers/43 (the 2011.1.25 version).
- Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological
  Measurement 20(1), 37-46.
- Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th edition. Advanced Analytics.
  Gwet's AC1 is defined in Gwet, K. L. (2008), British Journal of Mathematical and Statistical
  Psychology 61, 29-48; the handbook works the examples used here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_app.core.agreement import (
    LEVELS,
    Interval,
    Level,
    Rating,
    Table,
    Weights,
    cohen_kappa,
    confidence_interval,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

# Fixed examples and no example database: the same cases run on every machine and in CI.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)

OFSTED = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def units_by_raters(*raters: Sequence[Rating | None]) -> list[list[Rating | None]]:
    """A table (one row per unit) from each rater's values, as the papers print them."""
    return [list(unit) for unit in zip(*raters, strict=True)]


def pairs_from_cells(cells: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    """Two raters' values from a square table of counts (rows: rater a, columns: rater b)."""
    a: list[int] = []
    b: list[int] = []
    for i, row in enumerate(cells):
        for j, count in enumerate(row):
            a += [i + 1] * count
            b += [j + 1] * count
    return a, b


# Krippendorff (2011), section C, "Nominal data, any number of observers, missing values":
# 4 observers (A-D) code 12 units on a scale of 1-5; the same reliability data are used again
# for the ordinal, interval and ratio metrics in the following sections.
KRIPPENDORFF_2011 = units_by_raters(
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
)

# Gwet (2014), p. 120: 4 raters classify 12 subjects into categories 1-5, with missing ratings.
# (The same ratings as Krippendorff's example but for unit 12, rated once by another rater.)
GWET_2014_FOUR_RATERS = units_by_raters(
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
)

# Gwet (2014): 100 pregnant women classified by two abstractors as ectopic, abnormal
# intrauterine or normal intrauterine pregnancy (categories 1-3, in that order).
GWET_2014_ABSTRACTORS = pairs_from_cells([[13, 0, 0], [0, 20, 7], [0, 4, 56]])

# Cohen (1960), the worked example of kappa: two judges place 200 cases in 3 categories.
# Proportions .44 .07 .09 / .05 .20 .05 / .01 .03 .06 (judge B by judge A), so that
# p_o = .44 + .20 + .06 = .70 and p_c = .60 x .50 + .30 x .30 + .10 x .20 = .41.
COHEN_1960 = pairs_from_cells([[88, 14, 18], [10, 40, 10], [2, 6, 12]])


# --- Krippendorff's alpha ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_reproduces_krippendorffs_four_observers_with_missing_values(
    level: Level, published: float
) -> None:
    """Krippendorff (2011): alpha = 0.743 nominal, 0.815 ordinal, 0.849 interval, 0.797 ratio."""
    alpha = krippendorff_alpha(KRIPPENDORFF_2011, level)

    assert round(alpha, 3) == published


def test_alpha_reproduces_krippendorffs_binary_two_observers() -> None:
    """Krippendorff (2011), section A: two observers, ten units, binary values: alpha = 0.095."""
    table = units_by_raters([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0])

    assert round(krippendorff_alpha(table, "nominal"), 3) == 0.095


def test_nominal_alpha_matches_krippendorffs_formula_worked_by_hand() -> None:
    """Section C's coincidence matrix worked in fractions gives the package's figure exactly."""
    by_hand = nominal_alpha_by_hand(KRIPPENDORFF_2011)

    assert round(float(by_hand), 3) == 0.743
    assert krippendorff_alpha(KRIPPENDORFF_2011) == pytest.approx(float(by_hand), abs=1e-12)


@pytest.mark.parametrize("order", [OFSTED, OFSTED[::-1]], ids=["best first", "worst first"])
def test_ordinal_alpha_of_grades_follows_the_order_given(order: list[str]) -> None:
    """Grades in words with their order give the same alpha as the numbers they stand for."""
    grade = dict(zip([1, 2, 3, 4], OFSTED, strict=True))
    # Krippendorff's four observers on the first nine units, where the values run 1-4.
    table: Table = [
        [None if v is None else grade[int(v)] for v in row] for row in KRIPPENDORFF_2011[:9]
    ]
    numbers = krippendorff_alpha(KRIPPENDORFF_2011[:9], "ordinal")

    assert krippendorff_alpha(table, "ordinal", order=order) == pytest.approx(numbers)
    assert numbers != pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011[:9], "nominal"))


def test_ordinal_alpha_of_words_without_an_order_is_refused() -> None:
    with pytest.raises(ValueError, match="not numbers: give ordinal alpha their order"):
        krippendorff_alpha([["Good", "Inadequate"], ["Good", "Good"]], "ordinal")


def test_a_grade_missing_from_the_order_is_named() -> None:
    with pytest.raises(ValueError, match="'Satisfactory' is not in the order given"):
        krippendorff_alpha([["Good", "Satisfactory"], ["Good", "Good"]], "ordinal", order=OFSTED)


@pytest.mark.parametrize("level", ["interval", "ratio"])
def test_interval_and_ratio_alpha_need_numbers(level: Level) -> None:
    with pytest.raises(ValueError, match="are not numbers"):
        krippendorff_alpha([["Good", "Inadequate"], ["Good", "Good"]], level)
    with pytest.raises(ValueError, match=f"order= is for nominal and ordinal data; {level}"):
        krippendorff_alpha([[1, 2], [2, 2]], level, order=[1, 2])


def test_a_mistake_is_refused_even_where_there_would_be_no_figure() -> None:
    """A grade off the scale is a mistake in the data, whether or not alpha is defined."""
    with pytest.raises(ValueError, match="'Fair' is not in the order given"):
        krippendorff_alpha([["Fair", "Fair"]], "ordinal", order=OFSTED)
    with pytest.raises(ValueError, match="are not numbers"):
        krippendorff_alpha([["Good", None]], "interval")
    with pytest.raises(ValueError, match="'Fair' is not in the order given"):
        cohen_kappa(["Fair", None], [None, "Good"], "linear", order=OFSTED)


def test_ratio_alpha_refuses_negative_numbers() -> None:
    with pytest.raises(ValueError, match="Ratio data cannot be negative"):
        krippendorff_alpha([[-1, 2], [2, 2]], "ratio")


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="must be one of nominal, ordinal, interval, ratio"):
        krippendorff_alpha([[1, 2], [2, 2]], "binary")  # type: ignore[arg-type]


def test_alpha_is_undefined_when_every_auditor_gave_every_case_the_same_grade() -> None:
    """No variation: observed and expected disagreement are both nil, so alpha is 0/0 (nan)."""
    table: Table = [["Good", "Good", "Good"], ["Good", "Good", None]]

    assert math.isnan(krippendorff_alpha(table, "ordinal", order=OFSTED))
    assert math.isnan(krippendorff_alpha(table))
    assert percent_agreement(table) == 1.0


def test_alpha_is_undefined_when_no_case_has_two_grades() -> None:
    """A case graded once cannot be paired; only case 3's value would be, and it is alone."""
    table: Table = [["Good", None], [None, "Inadequate"], [None, None]]

    assert math.isnan(krippendorff_alpha(table))


def test_units_rated_once_are_left_out_of_alpha() -> None:
    """Krippendorff (2011): unpairable values (unit 12 of the example) do not count."""
    without = [row for row in KRIPPENDORFF_2011 if sum(v is not None for v in row) >= 2]

    assert len(without) == len(KRIPPENDORFF_2011) - 1
    assert krippendorff_alpha(without) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011))


# --- Cohen's kappa -------------------------------------------------------------------------


def test_kappa_reproduces_cohens_1960_example() -> None:
    """Cohen (1960): p_o = .70, p_c = .41, kappa = (.70 - .41) / (1 - .41) = .49."""
    kappa = cohen_kappa(*COHEN_1960)

    assert kappa == pytest.approx((0.70 - 0.41) / (1 - 0.41))
    assert round(kappa, 2) == 0.49


@pytest.mark.parametrize(
    ("weights", "published"), [(None, 0.796), ("linear", 0.843), ("quadratic", 0.892)]
)
def test_kappa_reproduces_gwets_abstractors(weights: Weights | None, published: float) -> None:
    """Gwet (2014), the two abstractors' 3 x 3 table: kappa 0.796, linear-weighted 0.843,
    quadratic-weighted 0.892 (also the values of Gwet's irrCAC software)."""
    kappa = cohen_kappa(*GWET_2014_ABSTRACTORS, weights)

    assert round(kappa, 3) == published


def test_weighted_kappa_of_grades_uses_their_places_in_the_order() -> None:
    a, b = GWET_2014_ABSTRACTORS
    names = ["Ectopic", "Abnormal intrauterine", "Normal intrauterine"]
    words_a = [names[v - 1] for v in a]
    words_b = [names[v - 1] for v in b]

    assert cohen_kappa(words_a, words_b, "linear", order=names) == pytest.approx(
        cohen_kappa(a, b, "linear")
    )
    with pytest.raises(ValueError, match="not numbers: give weighted kappa their order"):
        cohen_kappa(words_a, words_b, "quadratic")


def test_kappa_leaves_out_units_either_rater_left_blank() -> None:
    a, b = COHEN_1960

    assert cohen_kappa([*a, None, 1], [*b, 2, None]) == pytest.approx(cohen_kappa(a, b))


def test_kappa_is_undefined_when_both_raters_gave_one_and_the_same_value() -> None:
    assert math.isnan(cohen_kappa(["Good", "Good"], ["Good", "Good"]))
    assert math.isnan(cohen_kappa(["Good", None], [None, "Good"]))
    assert cohen_kappa(["Good", "Good"], ["Inadequate", "Inadequate"]) == 0.0


def test_kappa_refuses_raters_of_different_lengths_and_unknown_weights() -> None:
    with pytest.raises(ValueError, match="one has 2, the other 1"):
        cohen_kappa([1, 2], [1])
    with pytest.raises(ValueError, match="Weights must be None, 'linear' or 'quadratic'"):
        cohen_kappa([1, 2], [1, 2], "squared")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'Fair' is not in the order given"):
        cohen_kappa(["Good", "Fair"], ["Good", "Good"], order=OFSTED)


# --- Gwet's AC1 and percent agreement ------------------------------------------------------


def test_ac1_reproduces_gwets_four_raters() -> None:
    """Gwet (2014), p. 120: percent agreement p_a = 0.818, chance p_e = 0.190, AC1 = 0.775."""
    ac1 = gwet_ac1(GWET_2014_FOUR_RATERS)
    agreement = percent_agreement(GWET_2014_FOUR_RATERS)

    assert round(ac1, 3) == 0.775
    assert round(agreement, 3) == 0.818
    assert round((agreement - ac1) / (1 - ac1), 3) == 0.190


def test_ac1_reproduces_gwets_abstractors() -> None:
    """Gwet (2014), the two abstractors' 3 x 3 table: AC1 = 0.849 (kappa is 0.796)."""
    assert round(gwet_ac1(units_by_raters(*GWET_2014_ABSTRACTORS)), 3) == 0.849


def test_ac1_counts_the_categories_that_could_have_been_chosen() -> None:
    """Chance agreement falls as the choices grow: four grades, not the two that were used."""
    table = [["Good", "Good"], ["Good", "Inadequate"], ["Inadequate", "Inadequate"]]

    assert gwet_ac1(table, categories=OFSTED) > gwet_ac1(table)
    assert math.isnan(gwet_ac1([["Good", "Good"]]))
    assert gwet_ac1([["Good", "Good"]], categories=OFSTED) == 1.0
    with pytest.raises(ValueError, match="'Fair' is not in the order given"):
        gwet_ac1([["Good", "Fair"]], categories=OFSTED)
    with pytest.raises(ValueError, match="at least two categories"):
        gwet_ac1([["Good", "Good"]], categories=["Good"])


def test_percent_agreement_counts_pairs_of_raters() -> None:
    """Three auditors agreeing on one case (3 pairs of 3), two disagreeing on another (0 of 1)."""
    table: Table = [["Good", "Good", "Good"], ["Good", "Inadequate", None], ["Good", None, None]]

    assert percent_agreement(table) == 0.5
    assert percent_agreement([["Good", "Good", "Inadequate"]]) == pytest.approx(1 / 3)


def test_every_statistic_is_undefined_without_a_unit_rated_twice() -> None:
    table: Table = [["Good", None], [None, "Inadequate"]]

    assert math.isnan(percent_agreement(table))
    assert math.isnan(gwet_ac1(table, categories=OFSTED))
    assert math.isnan(krippendorff_alpha(table))
    assert math.isnan(cohen_kappa([r[0] for r in table], [r[1] for r in table]))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([["Good", "Good"], ["Good"]], "the units have 1, 2 places"),
        ([[1.0, math.nan]], "A missing value is None, not NaN"),
        ([[["Good"], "Good"]], "must be text or a number"),
    ],
)
def test_a_table_that_cannot_be_read_is_refused(table: Table, message: str) -> None:
    for statistic in (percent_agreement, gwet_ac1, krippendorff_alpha):
        with pytest.raises(ValueError, match=message):
            statistic(table)


# --- The worked examples in docs/agreement.md -----------------------------------------------


def test_the_ten_cases_worked_by_hand_in_the_guide() -> None:
    """docs/agreement.md: agreement 0.70, chance 0.40, kappa 0.50 by hand; the other figures
    as the guide quotes them."""
    short = {"O": OFSTED[0], "G": OFSTED[1], "RI": OFSTED[2], "I": OFSTED[3]}
    a = [short[g] for g in "G G G RI RI G O I G RI".split()]
    b = [short[g] for g in "G G RI RI RI G G I G G".split()]
    table = units_by_raters(a, b)

    assert percent_agreement(table) == pytest.approx(0.70)
    assert cohen_kappa(a, b) == pytest.approx((0.70 - 0.40) / (1 - 0.40))
    assert round(cohen_kappa(a, b, "linear", order=OFSTED), 2) == 0.61
    assert round(cohen_kappa(a, b, "quadratic", order=OFSTED), 2) == 0.73
    assert round(krippendorff_alpha(table, "ordinal", order=OFSTED), 2) == 0.68
    assert round(krippendorff_alpha(table), 2) == 0.52
    assert round(gwet_ac1(table, categories=OFSTED), 2) == 0.63
    interval = confidence_interval(lambda t: krippendorff_alpha(t, "ordinal", order=OFSTED), table)
    assert (round(interval.low, 2), interval.high) == (0.04, 1.0)


def test_the_guides_example_of_one_grade_dominating() -> None:
    """docs/agreement.md: 18 cases both "Good", two swapped: agreement 0.90, kappa -0.05,
    alpha -0.03, AC1 0.90."""
    a = ["Good"] * 19 + ["Requires improvement"]
    b = ["Good"] * 18 + ["Requires improvement", "Good"]
    table = units_by_raters(a, b)

    assert percent_agreement(table) == pytest.approx(0.90)
    assert round(cohen_kappa(a, b), 2) == -0.05
    assert round(krippendorff_alpha(table), 2) == -0.03
    assert round(gwet_ac1(table, categories=OFSTED), 2) == 0.90


# --- Bootstrap intervals -------------------------------------------------------------------


def alpha_interval(table: Table) -> float:
    return krippendorff_alpha(table, "interval")


def test_the_same_seed_gives_the_same_interval() -> None:
    first = confidence_interval(alpha_interval, KRIPPENDORFF_2011, resamples=300, seed=7)
    again = confidence_interval(alpha_interval, KRIPPENDORFF_2011, resamples=300, seed=7)
    other = confidence_interval(alpha_interval, KRIPPENDORFF_2011, resamples=300, seed=8)

    assert first == again
    assert (first.low, first.high) != (other.low, other.high)


def test_the_interval_surrounds_the_published_alpha() -> None:
    interval = confidence_interval(alpha_interval, KRIPPENDORFF_2011, resamples=500)

    assert round(interval.estimate, 3) == 0.849
    assert -1 <= interval.low < interval.estimate <= interval.high <= 1
    assert (interval.level, interval.resamples) == (0.95, 500)
    assert interval.defined <= 500


def test_a_wider_level_gives_a_wider_interval() -> None:
    narrow = confidence_interval(gwet_ac1, GWET_2014_FOUR_RATERS, level=0.5, resamples=400)
    wide = confidence_interval(gwet_ac1, GWET_2014_FOUR_RATERS, level=0.99, resamples=400)

    assert wide.low <= narrow.low <= narrow.high <= wide.high
    assert (wide.low, wide.high) != (narrow.low, narrow.high)


def test_the_interval_cuts_off_the_tails_the_level_leaves() -> None:
    """A statistic read from a unit drawn at random (values 0-99) has a known spread: the 95%
    interval runs from about its 2.5th to its 97.5th percentile."""
    table: Table = [[float(v), float(v)] for v in range(100)]

    def first_value(t: Table) -> float:
        value = t[0][0]
        assert isinstance(value, float)
        return value

    interval = confidence_interval(first_value, table, resamples=4000, seed=3)

    assert 1.5 <= interval.low <= 3.5
    assert 95.5 <= interval.high <= 97.5


def test_the_bootstrap_resamples_whole_units() -> None:
    """Each resample has as many units as the table, each one of the table's rows."""
    rows = [tuple(row) for row in KRIPPENDORFF_2011]
    seen: list[Sequence[Sequence[Rating | None]]] = []

    def record(table: Table) -> float:
        seen.append(table)
        return float(len(table))

    interval = confidence_interval(record, KRIPPENDORFF_2011, resamples=50, seed=1)

    assert interval == Interval(12.0, 12.0, 12.0, 0.95, 50, 50)
    assert len(seen) == 51
    assert all(tuple(row) in rows for table in seen for row in table)
    assert any(len({tuple(row) for row in table}) < 12 for table in seen[1:])


def test_resamples_without_a_figure_are_counted_and_left_out() -> None:
    """Two cases graded alike: some resamples hold one grade only, where alpha is undefined."""
    table = [["Good", "Good"], ["Inadequate", "Inadequate"]]

    interval = confidence_interval(krippendorff_alpha, table, resamples=200)

    assert interval.estimate == 1.0
    assert 0 < interval.defined < 200
    assert interval.low == interval.high == 1.0


def test_a_bootstrap_with_no_figure_at_all_gives_no_interval() -> None:
    interval = confidence_interval(krippendorff_alpha, [["Good", "Good"]], resamples=20)

    assert math.isnan(interval.estimate) and math.isnan(interval.low)
    assert math.isnan(interval.high) and interval.defined == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": 1.0}, "between 0 and 1"),
        ({"level": 0}, "between 0 and 1"),
        ({"resamples": 0}, "at least one resample"),
    ],
)
def test_a_bootstrap_that_cannot_run_is_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        confidence_interval(percent_agreement, KRIPPENDORFF_2011, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no units to resample"):
        confidence_interval(percent_agreement, [])


# --- Properties ----------------------------------------------------------------------------


def nominal_alpha_by_hand(table: Table) -> Fraction:
    """Krippendorff's nominal alpha from the coincidence matrix, in exact fractions."""
    coincidences: dict[tuple[Rating, Rating], Fraction] = {}
    for row in table:
        values = [v for v in row if v is not None]
        if len(values) < 2:
            continue
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    share = Fraction(1, len(values) - 1)
                    coincidences[c, k] = coincidences.get((c, k), Fraction(0)) + share
    totals: dict[Rating, Fraction] = {}
    for (c, _), o in coincidences.items():
        totals[c] = totals.get(c, Fraction(0)) + o
    n = sum(totals.values())
    observed = sum(o for (c, k), o in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    return 1 - Fraction(n - 1) * Fraction(observed) / Fraction(expected)


RATINGS = st.one_of(st.none(), st.sampled_from(OFSTED))


@st.composite
def tables(draw: st.DrawFn, values: st.SearchStrategy[Rating | None] = RATINGS) -> Table:
    """1-12 units rated by 2-5 raters, with values missing here and there."""
    raters = draw(st.integers(2, 5))
    return draw(
        st.lists(st.lists(values, min_size=raters, max_size=raters), min_size=1, max_size=12)
    )


def has_variation(table: Table) -> bool:
    """Whether at least two different values can be paired (alpha is defined)."""
    return (
        len({v for row in table if sum(x is not None for x in row) >= 2 for v in row} - {None}) >= 2
    )


@PROPERTY
@given(tables())
def test_nominal_alpha_is_krippendorffs_formula(table: Table) -> None:
    alpha = krippendorff_alpha(table)

    if has_variation(table):
        assert alpha == pytest.approx(float(nominal_alpha_by_hand(table)), abs=1e-9)
    else:
        assert math.isnan(alpha)


@PROPERTY
@given(tables(), st.randoms(use_true_random=False))
def test_shuffling_raters_or_units_leaves_every_figure_alone(table: Table, rng: Random) -> None:
    shuffled_units = list(table)
    rng.shuffle(shuffled_units)
    columns = list(range(len(table[0])))
    rng.shuffle(columns)
    shuffled = [[row[i] for i in columns] for row in shuffled_units]

    for statistic in (
        percent_agreement,
        gwet_ac1,
        krippendorff_alpha,
        lambda t: krippendorff_alpha(t, "ordinal", order=OFSTED),
    ):
        assert statistic(shuffled) == pytest.approx(statistic(table), nan_ok=True)


@PROPERTY
@given(tables())
def test_percent_agreement_is_a_share(table: Table) -> None:
    share = percent_agreement(table)

    assert math.isnan(share) or 0 <= share <= 1
    assert math.isnan(share) == all(sum(v is not None for v in row) < 2 for row in table)


@PROPERTY
@given(tables())
def test_chance_corrected_figures_never_exceed_one(table: Table) -> None:
    for figure in (
        gwet_ac1(table),
        gwet_ac1(table, categories=OFSTED),
        krippendorff_alpha(table, "ordinal", order=OFSTED),
    ):
        assert math.isnan(figure) or figure <= 1 + 1e-12


@PROPERTY
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=20).filter(lambda v: len(set(v)) > 1),
    st.integers(2, 5),
)
def test_perfect_agreement_scores_one(values: list[int], raters: int) -> None:
    table = [[v] * raters for v in values]

    assert percent_agreement(table) == 1.0
    assert gwet_ac1(table) == pytest.approx(1.0)
    for level in LEVELS:
        assert krippendorff_alpha(table, level) == pytest.approx(1.0)
    for weights in (None, "linear", "quadratic"):
        assert cohen_kappa(values, values, weights) == pytest.approx(1.0)


PAIRS = st.lists(st.tuples(RATINGS, RATINGS), min_size=1, max_size=30)


@PROPERTY
@given(PAIRS, st.sampled_from([None, "linear", "quadratic"]))
def test_kappa_is_the_same_whichever_rater_comes_first(
    pairs: list[tuple[str | None, str | None]], weights: str | None
) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]

    forwards = cohen_kappa(a, b, weights, order=OFSTED)  # type: ignore[arg-type]
    backwards = cohen_kappa(b, a, weights, order=OFSTED)  # type: ignore[arg-type]

    assert forwards == pytest.approx(backwards, nan_ok=True)
    assert math.isnan(forwards) or -1 - 1e-12 <= forwards <= 1 + 1e-12
