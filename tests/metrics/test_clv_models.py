"""RFM, BG/NBD, Gamma-Gamma and CLV, checked against the published CDNOW figures."""

import datetime as dt
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime
from scipy.special import gammaln, hyp2f1

from cxexcel.errors import EmptyInputError, FitError, InputError
from cxexcel.metrics import clv_models
from cxexcel.metrics.clv_models import (
    BGNBDParams,
    GammaGammaParams,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    predict_clv,
    prob_alive,
    rfm,
)

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow"
PUBLISHED_BGNBD = BGNBDParams(
    r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4, n=2357
)


@pytest.fixture(scope="module")
def transactions():
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
    )
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw


@pytest.fixture(scope="module")
def summary():
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def bgnbd(summary):
    return fit_bgnbd(summary["x"], summary["t_x"], summary["T"])


# --- CDNOW: published figures ----------------------------------------------------------


def test_cdnow_rfm_summary_matches_the_published_summary(transactions, summary):
    """The 39-week calibration summary of Fader, Hardie & Lee (2005), "Counting Your
    Customers the Easy Way", Marketing Science 24(2): same-day purchases merged,
    calibration ending 1997-09-30, weeks = days / 7. The file is rounded to 2 decimals."""
    out = rfm(
        transactions["customer"], transactions["date"], transactions["amount"], "1997-09-30", "W"
    )
    assert list(out.columns) == ["customer", "frequency", "recency", "T", "monetary_value"]
    assert len(out) == 2357
    np.testing.assert_array_equal(out["customer"], summary["ID"])
    np.testing.assert_array_equal(out["frequency"], summary["x"])
    tolerance = 0.005 + 1e-9
    for ours, theirs in [("recency", "t_x"), ("T", "T"), ("monetary_value", "zbar")]:
        assert np.abs(out[ours] - summary[theirs]).max() <= tolerance, ours


def test_cdnow_bgnbd_fit(bgnbd):
    """Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative
    to the Pareto/NBD Model", Marketing Science 24(2), section 4: r = 0.243,
    alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4."""
    for name in ["r", "alpha", "a", "b"]:
        assert getattr(bgnbd, name) == pytest.approx(getattr(PUBLISHED_BGNBD, name), abs=0.01), name
    assert bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert bgnbd.n == 2357


def test_cdnow_conditional_expectation(bgnbd):
    """Fader, Hardie & Lee (2005), section 4: a customer with x = 2, t_x = 30.43,
    T = 38.86 is expected to make 1.226 purchases in the next 39 weeks."""
    assert expected_purchases(bgnbd, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=0.001)
    published = expected_purchases(PUBLISHED_BGNBD, 39, 2, 30.43, 38.86)
    assert published == pytest.approx(1.226, abs=0.001)


def test_cdnow_gamma_gamma_fit(summary):
    """Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", on the 946
    CDNOW customers with repeat purchases: p = 6.25, q = 3.74, gamma = 15.44."""
    repeat = summary[summary["x"] > 0]
    assert len(repeat) == 946
    fit = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    assert fit.p == pytest.approx(6.25, abs=0.01)
    assert fit.q == pytest.approx(3.74, abs=0.01)
    assert fit.gamma == pytest.approx(15.44, abs=0.01)
    assert fit.n == 946
    # Customers without repeat purchases are left out of the fit, not an error.
    whole = fit_gamma_gamma(summary["x"], summary["zbar"])
    assert (whole.p, whole.q, whole.gamma, whole.n) == (fit.p, fit.q, fit.gamma, 946)


def test_cdnow_predict_clv(transactions, summary, bgnbd):
    out = predict_clv(
        transactions["customer"],
        transactions["date"],
        transactions["amount"],
        horizon=39,
        unit="W",
        end_date="1997-09-30",
    )
    assert list(out.columns) == [
        "customer",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "expected_spend",
        "clv",
    ]
    assert len(out) == 2357
    assert all(out[c].dtype.kind in "if" for c in out.columns)
    first = out.iloc[0]  # ID 1: x = 2, t_x = 30.43, T = 38.86
    assert first["expected_purchases"] == pytest.approx(1.226, abs=0.002)
    # Undiscounted CLV is expected purchases x expected spend.
    np.testing.assert_allclose(out["clv"], out["expected_purchases"] * out["expected_spend"])
    spend_fit = fit_gamma_gamma(summary["x"], summary["zbar"])
    population_mean = spend_fit.p * spend_fit.gamma / (spend_fit.q - 1)
    assert out.loc[out["frequency"] == 0, "expected_spend"].iloc[0] == pytest.approx(
        population_mean, rel=1e-3
    )
    assert ((out["p_alive"] > 0) & (out["p_alive"] <= 1)).all()


def test_discounting_spreads_purchases_over_unit_periods(transactions):
    args = (transactions["customer"], transactions["date"], transactions["amount"], 10)
    plain = predict_clv(*args, unit="W", end_date="1997-09-30")
    discounted = predict_clv(*args, discount=0.01, unit="W", end_date="1997-09-30")
    params = fit_bgnbd(plain["frequency"], plain["recency"], plain["T"])
    row = plain.iloc[0]
    history = (row["frequency"], row["recency"], row["T"])
    cumulative = [expected_purchases(params, k, *history) for k in range(0, 11)]
    by_hand = sum((cumulative[k] - cumulative[k - 1]) / 1.01**k for k in range(1, 11))
    assert discounted["clv"].iloc[0] == pytest.approx(by_hand * row["expected_spend"], rel=1e-9)
    assert (discounted["clv"] < plain["clv"]).all()


# --- model formulas -----------------------------------------------------------------------


def test_expected_purchases_matches_the_untransformed_formula():
    """Eq. (10) of Fader, Hardie & Lee (2005) as printed, against our Euler-transformed form."""
    rng = np.random.default_rng(1)
    for _ in range(50):
        r, alpha, a, b = rng.uniform(0.1, 3, 4)
        params = BGNBDParams(r, alpha * 5, a, b, 0.0, 0)
        x = float(rng.integers(0, 20))
        big_t = rng.uniform(1, 50)
        t_x = rng.uniform(0, big_t) if x else 0.0
        t = rng.uniform(0.5, 60)
        alpha = params.alpha
        z = t / (alpha + big_t + t)
        series = ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        delta = a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x) if x else 0.0
        printed = (a + b + x - 1) / (a - 1) * (1 - series) / (1 + delta)
        assert expected_purchases(params, t, x, t_x, big_t) == pytest.approx(printed, rel=1e-8)


def test_expected_purchases_is_vectorised_and_grows_with_the_horizon(bgnbd):
    t = np.array([1.0, 10.0, 39.0, 100.0])
    out = expected_purchases(bgnbd, t, 2, 30.43, 38.86)
    assert out.shape == (4,) and np.all(np.diff(out) > 0)
    assert expected_purchases(bgnbd, [[39], [39]], [[2], [0]], [[30.43], [0]], 38.86).shape == (
        2,
        1,
    )


def test_prob_alive():
    """P(alive) = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), and 1 without repeats."""
    p = PUBLISHED_BGNBD
    assert prob_alive(p, 0, 0, 38.86) == 1.0
    by_hand = 1 / (1 + p.a / (p.b + 1) * ((p.alpha + 38.86) / (p.alpha + 30.43)) ** (p.r + 2))
    assert prob_alive(p, 2, 30.43, 38.86) == pytest.approx(by_hand, rel=1e-12)
    # Someone who bought often and long ago is probably gone.
    assert prob_alive(p, 20, 1.0, 38.86) < 0.01


def test_expected_average_spend():
    """Fader & Hardie (2013), eq. (5): p (gamma + x zbar) / (p x + q - 1)."""
    params = GammaGammaParams(6.25, 3.74, 15.44, 0.0, 0)
    assert expected_average_spend(params, 2, 22.35) == pytest.approx(
        6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1)
    )
    assert expected_average_spend(params, 0, 0) == pytest.approx(6.25 * 15.44 / 2.74)
    with pytest.raises(FitError, match="infinite"):
        expected_average_spend(GammaGammaParams(1, 0.9, 1, 0, 0), 1, 10)


def test_bgnbd_gradient_is_the_derivative_of_the_likelihood(summary):
    data = clv_models._BGNBDData(
        summary["x"].to_numpy(dtype=float), summary["t_x"].to_numpy(), summary["T"].to_numpy()
    )
    at = np.log([0.4, 3.0, 0.6, 2.0])
    analytic = data.neg_ll(at)[1]
    numeric = approx_fprime(at, lambda v: data.neg_ll(v)[0], 1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)


def test_gamma_gamma_gradient_is_the_derivative_of_the_likelihood(summary):
    repeat = summary[summary["x"] > 0]
    x, z = repeat["x"].to_numpy(dtype=float), repeat["zbar"].to_numpy()
    data = clv_models._GammaGammaData(x, z)
    at = np.log([4.0, 3.0, 10.0])
    numeric = approx_fprime(at, lambda v: data.neg_ll(v)[0], 1e-7)
    np.testing.assert_allclose(data.neg_ll(at)[1], numeric, rtol=1e-4)


def test_gamma_gamma_likelihood_is_the_published_density(summary):
    """Fader & Hardie (2013), eq. (4): f(zbar | p, q, gamma, x) summed over customers."""
    repeat = summary[summary["x"] > 0]
    x, z = repeat["x"].to_numpy(dtype=float), repeat["zbar"].to_numpy()
    p, q, g = 6.25, 3.74, 15.44
    density = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(z)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + x * z)
    )
    mean_ll = -clv_models._GammaGammaData(x, z).neg_ll(np.log([p, q, g]))[0]
    assert mean_ll == pytest.approx(density.mean(), rel=1e-12)


def test_fit_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    n, r, alpha, a, b = 20000, 0.5, 6.0, 0.7, 2.5
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    big_t = rng.uniform(20, 40, n)
    arrivals = rng.poisson(rate * big_t)
    lifetime = rng.geometric(dropout)
    x = np.minimum(arrivals, lifetime)
    t_x = np.where(x > 0, big_t * rng.beta(np.maximum(x, 1), arrivals - x + 1), 0.0)
    fit = fit_bgnbd(x, t_x, big_t)
    assert fit.r == pytest.approx(r, rel=0.1)
    assert fit.alpha == pytest.approx(alpha, rel=0.15)
    assert fit.a == pytest.approx(a, rel=0.2)
    assert fit.b == pytest.approx(b, rel=0.3)


# --- RFM details ---------------------------------------------------------------------------


def test_rfm_merges_same_day_purchases_and_uses_explicit_units():
    customer = ["a", "a", "a", "a", "b", "c"]
    date = [
        "2024-01-01",
        "2024-01-01 18:30",  # same day: one transaction of 15
        "2024-01-15",
        "2024-01-29",
        "2024-01-10",
        "2024-03-01",  # after end_date: left out, and so is customer c
    ]
    amount = [10, 5, 20, 40, 7, 99]
    weeks = rfm(customer, date, amount, end_date=dt.date(2024, 1, 31), unit="W")
    assert list(weeks["customer"]) == ["a", "b"]
    assert list(weeks["frequency"]) == [2, 0]
    np.testing.assert_allclose(weeks["recency"], [4, 0])
    np.testing.assert_allclose(weeks["T"], [30 / 7, 21 / 7])
    np.testing.assert_allclose(weeks["monetary_value"], [30, 0])

    days = rfm(customer, date, amount, end_date="2024-01-31", unit="D")
    np.testing.assert_allclose(days["T"], [30, 21])
    months = rfm(customer, date, amount, end_date="2024-01-31", unit=[["m"]])
    np.testing.assert_allclose(months["recency"], [28 / (365.25 / 12), 0])


def test_rfm_end_date_defaults_to_the_last_transaction():
    out = rfm([1, 1, 2], ["2024-01-01", "2024-01-08", "2024-01-05"], [1, 2, 3], unit="W")
    np.testing.assert_allclose(out["T"], [1, 3 / 7])


def test_the_default_time_unit_is_the_month_of_the_clv_sheet():
    from cxexcel.report import clv as clv_sheet

    dates = ["2024-01-01", "2024-01-08", "2024-01-05"]
    months = rfm([1, 1, 2], dates, [1, 2, 3])
    np.testing.assert_allclose(months["T"], [7 / (365.25 / 12), 3 / (365.25 / 12)])
    for function in (rfm, predict_clv, clv_models.fit_clv_model):
        assert inspect.signature(function).parameters["unit"].default == "M"
    assert clv_sheet.UNIT == "M"


def test_rfm_excel_ranges():
    out = rfm(
        [[1.0], [1.0], [None]],
        [[dt.datetime(2024, 1, 1)], [dt.datetime(2024, 1, 8)], [None]],
        [[3.0], [4.0], [None]],
    )
    assert list(out["frequency"]) == [1]


# --- errors -------------------------------------------------------------------------------------


def test_fit_error_when_nobody_repeats():
    with pytest.raises(FitError, match="repeat purchases") as info:
        fit_bgnbd([0, 0, 0, 0], [0, 0, 0, 0], [10, 20, 30, 40])
    assert info.value.excel_code == "#NUM!"


def test_fit_error_when_the_likelihood_has_no_finite_optimum():
    # One repeat buyer among four: the dropout Beta runs off to a -> inf, b -> 0.
    with pytest.raises(FitError, match="no finite optimum"):
        fit_bgnbd([0, 0, 1, 0], [0, 0, 5, 0], [10, 20, 30, 40])
    with pytest.raises(FitError, match="no finite optimum"):
        fit_gamma_gamma([1, 1, 1], [5, 5, 5])


def test_rfm_bad_inputs():
    with pytest.raises(InputError, match=r'^amount: "ten" at item 2 is not a number$'):
        rfm(["a", "a"], ["2024-01-01", "2024-01-02"], [1, "ten"])
    with pytest.raises(InputError, match=r"^amount: -3 at item 2 is negative$"):
        rfm(["a", "a"], ["2024-01-01", "2024-01-02"], [1, -3])
    with pytest.raises(InputError, match=r'^date: "yesterday" at item 1 is not a date$'):
        rfm(["a", "a"], ["yesterday", "2024-01-02"], [1, 3])
    with pytest.raises(InputError, match=r"^amount: has 1 items but customer has 2"):
        rfm(["a", "a"], ["2024-01-01", "2024-01-02"], [1])
    with pytest.raises(InputError, match=r"^end_date: .*is before every transaction$"):
        rfm(["a"], ["2024-01-01"], [1], end_date="2023-01-01")
    with pytest.raises(InputError, match=r'^unit: "Y" must be "D"'):
        rfm(["a"], ["2024-01-01"], [1], unit="Y")
    with pytest.raises(EmptyInputError, match=r"^customer: has no values"):
        rfm([None], [None], [None])


def test_fit_bad_inputs():
    with pytest.raises(InputError, match=r'^T: "x" at item 2 is not a number$'):
        fit_bgnbd([1, 2], [1, 2], [3, "x"])
    with pytest.raises(InputError, match=r"^recency: 5 at item 2 is later than T"):
        fit_bgnbd([1, 2], [1, 5], [3, 4])
    with pytest.raises(InputError, match=r"^frequency: 1.5 at item 1 is not a whole number$"):
        fit_bgnbd([1.5, 2], [1, 2], [3, 4])
    with pytest.raises(InputError, match=r"^frequency: -1 at item 1 is negative$"):
        fit_bgnbd([-1, 2], [1, 2], [3, 4])
    with pytest.raises(InputError, match=r"^T: has 1 items but frequency has 2"):
        fit_bgnbd([1, 2], [1, 2], [3])
    with pytest.raises(EmptyInputError):
        fit_bgnbd([], [], [])
    with pytest.raises(InputError, match=r"^monetary_value: 0 at item 2 must be greater than 0"):
        fit_gamma_gamma([1, 2], [3, 0])
    with pytest.raises(EmptyInputError, match=r"^frequency: has no customer with repeat"):
        fit_gamma_gamma([0, 0], [0, 0])
    with pytest.raises(InputError, match=r'^monetary_value: "a" at item 1 is not a number$'):
        fit_gamma_gamma([1, 2], ["a", 3])


def test_prediction_bad_inputs(transactions):
    args = (transactions["customer"], transactions["date"], transactions["amount"])
    with pytest.raises(InputError, match=r"^horizon: .*must be greater than 0$"):
        predict_clv(*args, horizon=0)
    with pytest.raises(InputError, match=r"^discount: -0.1 is negative$"):
        predict_clv(*args, horizon=10, discount=-0.1)
    with pytest.raises(InputError, match=r"^recency: is later than T$"):
        expected_purchases(PUBLISHED_BGNBD, 10, 1, 5, 4)
    with pytest.raises(InputError, match=r'^t: "soon" is not a number$'):
        expected_purchases(PUBLISHED_BGNBD, "soon", 1, 2, 4)


@pytest.mark.parametrize("high", [1000, 2**40])
def test_argsort_of_keys_small_and_large(high):
    key = np.random.default_rng(3).integers(0, high, 5000)
    order = clv_models._argsort(key)
    assert sorted(order) == list(range(5000))
    assert np.all(np.diff(key[order]) >= 0)


def test_fit_clv_model_returns_the_predictions_and_the_fitted_models():
    from cxexcel._entries import btyd_sample

    customers, dates, amounts = btyd_sample()
    fitted = clv_models.fit_clv_model(customers, dates, amounts, 12, end_date="2024-07-28")
    summary = clv_models.rfm(customers, dates, amounts, end_date="2024-07-28")
    direct = clv_models.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    assert fitted.bgnbd.r == pytest.approx(direct.r, rel=1e-6)
    assert fitted.gamma_gamma.n == int((summary["frequency"] > 0).sum())
    pd.testing.assert_frame_equal(
        fitted.predictions,
        clv_models.predict_clv(customers, dates, amounts, 12, end_date="2024-07-28"),
    )


@pytest.mark.parametrize("seed", range(6))
def test_rfm_matches_a_pandas_groupby_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    customer = rng.integers(-3, int(rng.integers(1, 40)), n) * (10**12 if seed % 3 == 2 else 1)
    if seed % 3 == 1:
        customer = np.array([f"c{c}" for c in customer], dtype=object)
    day = rng.integers(0, int(rng.integers(1, 60)), n)
    date = np.datetime64("2024-01-01") + day
    amount = np.round(rng.gamma(1.0, 10.0, n), 2)
    end = np.datetime64("2024-01-01") + int(np.median(day))
    out = rfm(customer, date, amount, end_date=str(end), unit="D")

    frame = pd.DataFrame({"customer": customer, "date": date, "amount": amount})
    frame = frame[frame["date"] <= end]
    daily = frame.groupby(["customer", "date"], sort=True)["amount"].sum().reset_index()
    grouped = daily.groupby("customer", sort=False)
    first = grouped["date"].min()
    repeat = daily[daily["date"] > daily["customer"].map(first)].groupby("customer")["amount"]
    expected = pd.DataFrame(
        {
            "frequency": grouped.size() - 1,
            "recency": (grouped["date"].max() - first).dt.days.astype(float),
            "T": (end - first).dt.days.astype(float),
            "monetary_value": repeat.mean().reindex(first.index).fillna(0.0),
        }
    )
    order = pd.unique(frame["customer"])
    expected = expected.loc[order].reset_index()
    pd.testing.assert_frame_equal(
        out, expected, check_dtype=False, check_names=False, check_exact=False, rtol=1e-12
    )
