"""Weighted BG/NBD and Gamma-Gamma fits: counts of distinct rows stand for repeated rows."""

import numpy as np
import pandas as pd
import pytest

from cxexcel.errors import EmptyInputError, FitError, InputError
from cxexcel.metrics import clv_models
from cxexcel.metrics.clv_models import distinct_rows, fit_bgnbd, fit_gamma_gamma

from .test_clv_models import CDNOW, PUBLISHED_BGNBD

REL = 1e-6


@pytest.fixture(scope="module")
def summary():
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


def _same_bgnbd(fit, reference, rel=REL):
    for name in ["r", "alpha", "a", "b"]:
        assert getattr(fit, name) == pytest.approx(getattr(reference, name), rel=rel), name
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-9)
    assert fit.n == reference.n


def _same_gamma_gamma(fit, reference, rel=REL):
    for name in ["p", "q", "gamma"]:
        assert getattr(fit, name) == pytest.approx(getattr(reference, name), rel=rel), name
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-9)
    assert fit.n == reference.n


def _simulated(seed: int, n: int):
    """BG/NBD histories on a coarse grid (so rows repeat) and Gamma-Gamma spends."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.5, 1 / 6.0, n)
    dropout = rng.beta(0.7, 2.5, n)
    big_t = np.round(rng.uniform(20, 40, n))
    arrivals = rng.poisson(rate * big_t)
    x = np.minimum(arrivals, rng.geometric(dropout)).astype(float)
    t_x = np.where(x > 0, np.round(big_t * rng.beta(np.maximum(x, 1), arrivals - x + 1)), 0.0)
    # Gamma-Gamma with p = 6, q = 4, gamma = 15: zbar ~ Gamma(p x, rate nu x), nu ~ Gamma(q, gamma).
    nu = rng.gamma(4.0, 1 / 15.0, n)
    repeats = np.maximum(x, 1)
    spend = np.round(rng.gamma(6.0 * repeats, 1.0 / (nu * repeats)) * 2) / 2
    zbar = np.where(x > 0, np.maximum(spend, 0.5), 0.0)
    return x, t_x, big_t, zbar


# --- (a) CDNOW: distinct rows with counts ------------------------------------------------


def test_cdnow_bgnbd_on_distinct_rows_is_the_plain_fit_and_the_published_one(summary):
    """Fader, Hardie & Lee (2005), section 4: r = 0.243, alpha = 4.414, a = 0.793,
    b = 2.426, log-likelihood -9582.4, from the 1016 distinct (x, t_x, T) of 2357."""
    plain = fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    x, t_x, big_t, counts = distinct_rows(summary["x"], summary["t_x"], summary["T"])
    assert len(x) == 1016 and counts.sum() == 2357
    weighted = fit_bgnbd(x, t_x, big_t, weights=counts)
    _same_bgnbd(weighted, plain)
    assert isinstance(weighted.n, int) and weighted.n == 2357
    for name in ["r", "alpha", "a", "b"]:
        published = getattr(PUBLISHED_BGNBD, name)
        assert getattr(weighted, name) == pytest.approx(published, abs=0.01), name
    assert weighted.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_cdnow_gamma_gamma_on_distinct_rows(summary):
    """Fader & Hardie (2013): p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat customers."""
    plain = fit_gamma_gamma(summary["x"], summary["zbar"])
    x, zbar, counts = distinct_rows(summary["x"], summary["zbar"])
    assert len(x) == 754 and counts.sum() == 2357
    weighted = fit_gamma_gamma(x, zbar, weights=counts)
    _same_gamma_gamma(weighted, plain)
    assert weighted.n == 946
    assert weighted.p == pytest.approx(6.25, abs=0.01)
    assert weighted.q == pytest.approx(3.74, abs=0.01)
    assert weighted.gamma == pytest.approx(15.44, abs=0.01)


# --- (b) integer weights are repeated rows ----------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_integer_weights_are_repeated_rows(seed):
    rng = np.random.default_rng(100 + seed)
    x, t_x, big_t, zbar = _simulated(seed, 600)
    weights = rng.integers(1, 40, len(x))
    expanded = [np.repeat(column, weights) for column in (x, t_x, big_t, zbar)]

    weighted = fit_bgnbd(x, t_x, big_t, weights=weights)
    _same_bgnbd(weighted, fit_bgnbd(*expanded[:3]))
    assert weighted.n == int(weights.sum())

    spend = fit_gamma_gamma(x, zbar, weights=weights)
    _same_gamma_gamma(spend, fit_gamma_gamma(expanded[0], expanded[3]))
    assert spend.n == int(weights[x > 0].sum())


def test_integer_weights_on_many_rows_with_duplicates():
    """Beyond the row count where the fit merges identical rows, with and without weights."""
    rng = np.random.default_rng(5)
    x, t_x, big_t, zbar = _simulated(11, 25_000)
    weights = rng.integers(1, 4, len(x))
    assert len(x) > clv_models._MERGE_ABOVE
    expanded = [np.repeat(column, weights) for column in (x, t_x, big_t, zbar)]
    _same_bgnbd(fit_bgnbd(x, t_x, big_t, weights=weights), fit_bgnbd(*expanded[:3]))
    _same_gamma_gamma(
        fit_gamma_gamma(x, zbar, weights=weights), fit_gamma_gamma(expanded[0], expanded[3])
    )


def test_distinct_rows_of_per_customer_arrays_give_the_plain_fit():
    x, t_x, big_t, zbar = _simulated(3, 5000)
    ux, ut, u_big, counts = distinct_rows(x, t_x, big_t)
    assert len(ux) < len(x) / 2
    _same_bgnbd(fit_bgnbd(ux, ut, u_big, weights=counts), fit_bgnbd(x, t_x, big_t))
    sx, sz, spend_counts = distinct_rows(x, zbar)
    _same_gamma_gamma(fit_gamma_gamma(sx, sz, weights=spend_counts), fit_gamma_gamma(x, zbar))


def test_scaling_all_weights_keeps_the_parameters():
    """Fractional weights: the likelihood scales, the optimum does not; n is their sum."""
    x, t_x, big_t, zbar = _simulated(8, 800)
    ones = fit_bgnbd(x, t_x, big_t)
    scaled = fit_bgnbd(x, t_x, big_t, weights=np.full(len(x), 2.5))
    for name in ["r", "alpha", "a", "b"]:
        assert getattr(scaled, name) == pytest.approx(getattr(ones, name), rel=REL), name
    assert scaled.log_likelihood == pytest.approx(2.5 * ones.log_likelihood, rel=1e-9)
    assert scaled.n == 2000 and isinstance(scaled.n, int)
    halves = fit_gamma_gamma(x, zbar, weights=np.full(len(x), 0.5))
    spend = fit_gamma_gamma(x, zbar)
    assert halves.p == pytest.approx(spend.p, rel=REL)
    assert halves.gamma == pytest.approx(spend.gamma, rel=REL)
    assert halves.n == pytest.approx(spend.n / 2) and isinstance(halves.n, float)


# --- (c) zero weights drop rows -----------------------------------------------------------


def test_zero_weights_drop_rows(summary):
    x, t_x, big_t, zbar = (summary[c].to_numpy(dtype=float) for c in ["x", "t_x", "T", "zbar"])
    weights = np.ones(len(x))
    weights[::3] = 0.0
    kept = weights > 0
    _same_bgnbd(
        fit_bgnbd(x, t_x, big_t, weights=weights), fit_bgnbd(x[kept], t_x[kept], big_t[kept])
    )
    _same_gamma_gamma(
        fit_gamma_gamma(x, zbar, weights=weights), fit_gamma_gamma(x[kept], zbar[kept])
    )


def test_zero_weight_rows_do_not_move_the_scaling():
    """A huge T or spend of weight 0 would shift the mean the fit scales by."""
    x, t_x, big_t, zbar = _simulated(4, 1000)
    weights = np.ones(len(x) + 1)
    weights[-1] = 0
    fit = fit_bgnbd(np.r_[x, 3], np.r_[t_x, 1e6], np.r_[big_t, 1e7], weights=weights)
    _same_bgnbd(fit, fit_bgnbd(x, t_x, big_t))
    spend = fit_gamma_gamma(np.r_[x, 3], np.r_[zbar, 1e9], weights=weights)
    _same_gamma_gamma(spend, fit_gamma_gamma(x, zbar))


def test_when_the_weights_leave_nothing_to_fit():
    with pytest.raises(
        EmptyInputError, match=r"^weights: has no row with a weight greater than 0$"
    ):
        fit_bgnbd([1, 2], [1, 2], [3, 4], weights=[0, 0])
    with pytest.raises(
        EmptyInputError, match=r"^weights: has no row with a weight greater than 0$"
    ):
        fit_gamma_gamma([1, 2], [3, 4], weights=[0, 0])
    # Weight only on customers without repeat purchases.
    with pytest.raises(FitError, match="repeat purchases"):
        fit_bgnbd([0, 2], [0, 2], [3, 4], weights=[5, 0])
    with pytest.raises(EmptyInputError, match=r"^frequency: has no customer with repeat"):
        fit_gamma_gamma([0, 2], [0, 4], weights=[5, 0])


# --- (d) bad weights -------------------------------------------------------------------------


BAD_WEIGHTS = [
    ([1, -2], r"^weights: -2 at item 2 is negative$"),
    ([1, -0.5], r"^weights: -0\.5 at item 2 is negative$"),
    ([1, "x"], r'^weights: "x" at item 2 is not a number$'),
    (np.array([1.0, np.inf]), r"^weights: inf at item 2 is not a finite number$"),
    (
        [1],
        r"^weights: has 1 items but frequency has 2; the columns must be the same length$",
    ),
    (
        [1, 1, 1],
        r"^weights: has 3 items but frequency has 2; the columns must be the same length$",
    ),
    ([1, None], r"^weights: item 2 is blank but other columns of its row are not$"),
]


@pytest.mark.parametrize(("weights", "message"), BAD_WEIGHTS)
def test_bad_weights(weights, message):
    with pytest.raises(InputError, match=message) as info:
        fit_bgnbd([1, 2], [1, 2], [3, 4], weights=weights)
    assert info.value.argument == "weights"
    with pytest.raises(InputError, match=message) as info:
        fit_gamma_gamma([1, 2], [3, 4], weights=weights)
    assert info.value.argument == "weights"


def test_zero_weight_rows_are_still_validated():
    with pytest.raises(InputError, match=r"^recency: 5 at item 2 is later than T"):
        fit_bgnbd([1, 2], [1, 5], [3, 4], weights=[1, 0])
    with pytest.raises(InputError, match=r"^monetary_value: 0 at item 2 must be greater than 0"):
        fit_gamma_gamma([1, 2], [3, 0], weights=[1, 0])


# --- (e) weights=None is the fit as before ----------------------------------------------------


def test_no_weights_is_the_unweighted_fit(summary):
    args = (summary["x"], summary["t_x"], summary["T"])
    assert fit_bgnbd(*args, weights=None) == fit_bgnbd(*args)
    assert fit_gamma_gamma(summary["x"], summary["zbar"], weights=None) == fit_gamma_gamma(
        summary["x"], summary["zbar"]
    )
    plain = fit_bgnbd(*args)
    assert isinstance(plain.n, int) and plain.n == 2357
    # Weights of 1 are the same fit.
    _same_bgnbd(fit_bgnbd(*args, weights=np.ones(2357)), plain, rel=1e-12)
    spend = fit_gamma_gamma(summary["x"], summary["zbar"])
    _same_gamma_gamma(
        fit_gamma_gamma(summary["x"], summary["zbar"], weights=[1] * 2357), spend, rel=1e-12
    )


def test_no_weights_on_many_rows_is_the_unweighted_fit():
    x, t_x, big_t, zbar = _simulated(2, 25_000)
    assert fit_bgnbd(x, t_x, big_t, weights=None) == fit_bgnbd(x, t_x, big_t)
    assert fit_gamma_gamma(x, zbar, weights=None) == fit_gamma_gamma(x, zbar)


# --- distinct_rows -----------------------------------------------------------------------------


def test_distinct_rows_counts_identical_rows():
    frequency = pd.Series([2, 0, 2, 2, 0])
    recency = [5.0, 0.0, 5.0, 4.0, 0.0]
    age = np.array([9.0, 3.0, 9.0, 9.0, 3.0])
    x, t_x, big_t, counts = distinct_rows(frequency, recency, age)
    np.testing.assert_array_equal(x, [0, 2, 2])
    np.testing.assert_array_equal(t_x, [0, 4, 5])
    np.testing.assert_array_equal(big_t, [3, 9, 9])
    np.testing.assert_array_equal(counts, [2, 1, 2])
    assert counts.dtype == np.int64 and x.dtype == float

    sx, sz, spend_counts = distinct_rows([1, 1, 3], [10.0, 10.0, 7.5])
    np.testing.assert_array_equal(sx, [1, 3])
    np.testing.assert_array_equal(sz, [10.0, 7.5])
    np.testing.assert_array_equal(spend_counts, [2, 1])


def test_distinct_rows_rebuild_the_rows():
    x, t_x, big_t, _ = _simulated(6, 3000)
    ux, ut, u_big, counts = distinct_rows(x, t_x, big_t)
    rebuilt = np.column_stack([np.repeat(c, counts) for c in (ux, ut, u_big)])
    original = np.column_stack([x, t_x, big_t])
    np.testing.assert_array_equal(rebuilt, original[np.lexsort((big_t, t_x, x))])


@pytest.mark.parametrize("seed", range(3))
def test_distinct_rows_is_numpy_unique_of_the_stacked_columns(seed):
    rng = np.random.default_rng(seed)
    columns = [rng.integers(0, 4, 2000).astype(float) for _ in range(3)]
    columns[1][::7] = -0.0
    columns[2][::11] = np.nan
    rows, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    out = distinct_rows(*columns)
    for i in range(3):
        np.testing.assert_array_equal(out[i], rows[:, i])
    np.testing.assert_array_equal(out[3], counts)
    assert out[3].sum() == 2000


def test_distinct_rows_never_merge_nan_rows():
    x, t_x, counts = distinct_rows([1, 1, 1], [np.nan, np.nan, 2.0])
    np.testing.assert_array_equal(counts, [1, 1, 1])
    empty = distinct_rows([], [], [])
    assert [len(column) for column in empty] == [0, 0, 0, 0]


def test_distinct_rows_bad_lengths():
    with pytest.raises(InputError, match=r"^column 2: has 1 items but column 1 has 2"):
        distinct_rows([1, 2], [3])
