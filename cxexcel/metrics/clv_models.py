"""Buy-till-you-die CLV: RFM summary, BG/NBD purchase model, Gamma-Gamma spend model.

Models and formulas:

- BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy
  Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
  Likelihood eq. (6), P(alive) and the conditional expectation eq. (10).
- Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
  Value"; Colombo & Jiang (1999).

Both are fitted by maximum likelihood with analytic gradients, in
log-parameter space (BFGS, see ``_minimize`` for why not L-BFGS-B). A fit that does not converge, or whose
parameters run off to 0 or infinity, raises ``FitError`` (#NUM! in Excel).

Weighted fits: ``fit_bgnbd`` and ``fit_gamma_gamma`` take optional
``weights``, the number of customers each row stands for. A fit on the
distinct rows with their counts (``distinct_rows``, or the GROUP BY of an
engine) gives the parameters of the fit on one row per customer: the
log-likelihood, its gradient, the scaling and the reported ``n`` all use
the sum of the weights.

Time unit: ``unit`` is "D" (days), "W" (weeks = days / 7) or "M" (months =
days / (365.25 / 12), i.e. average Gregorian months, never 30-day months).
Recency, T, the prediction horizon and the per-period discount rate are all
in that unit.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from ..errors import EmptyInputError, FitError, InputError
from . import _inputs
from ._periods import UNITS
from ._periods import one_day as _one_day
from ._periods import unit_length as _unit
from .cohorts import item_number, read_rows

__all__ = [
    "UNITS",
    "BGNBDParams",
    "GammaGammaParams",
    "rfm",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "distinct_rows",
    "prob_alive",
    "expected_purchases",
    "expected_average_spend",
    "predict_clv",
    "fit_clv_model",
    "clv_from_summary",
    "CLVModel",
]

# Log-parameters are clipped here during the optimisation.
_LOG_BOUND = 18.0
# On data scaled to mean 1, a parameter beyond 1e-3..1e3 means the likelihood has no
# finite optimum (it keeps creeping towards 0 or infinity along a flat ridge): no usable fit.
_LOG_ABSURD = np.log(1e3)


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters: purchase rate ~ Gamma(r, alpha), dropout ~ Beta(a, b).

    ``n`` is the number of customers: the sum of the weights of a weighted
    fit (an int when they are whole numbers).
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n: int | float


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma spend parameters p, q, gamma.

    ``n`` is the number of repeat customers used: the sum of their weights
    in a weighted fit (an int when they are whole numbers).
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n: int | float


def _dot(u, v) -> float:
    """Sum of u * v without BLAS.

    np.dot on long vectors wakes OpenBLAS's thread pool, whose spinning
    threads made the fits several times slower on small machines.
    """
    return float(np.add.reduce(np.multiply(u, v)))


# --- RFM summary ----------------------------------------------------------------


def rfm(customer, date, amount, end_date=None, unit="M") -> pd.DataFrame:
    """RFM summary per customer: repeat purchases, recency, age T and mean repeat spend.

    ``customer``, ``date`` and ``amount`` are one row per transaction.
    Purchases by a customer on the same day are one transaction (amounts
    added). Transactions after ``end_date`` (default: the last date) are
    left out, and so are customers whose first purchase is after it.

    Returns one row per customer (in order of first appearance) with columns
    ``customer``, ``frequency`` (repeat transactions: all but the first),
    ``recency`` (time from the first to the last transaction), ``T`` (time
    from the first transaction to ``end_date``) and ``monetary_value``
    (mean value of the repeat transactions, 0 when frequency is 0). Times
    are in ``unit``: "D" days, "W" weeks (days / 7) or "M" months
    (days / (365.25 / 12), the default).
    """
    unit_days = _unit(unit)
    cols = read_rows(customer=("key", customer), date=("date", date), amount=("amount", amount))
    days = cols["date"].astype("datetime64[D]").view(np.int64)
    if end_date is None or _inputs.is_blank(end_date):
        end_day = int(days.max())
    else:
        end_day = _one_day("end_date", end_date)
        keep = days <= end_day
        if not keep.any():
            raise InputError("end_date", "is before every transaction", end_date)
        if not keep.all():
            cols = {name: cols[name][keep] for name in ("customer", "amount")}
            days = days[keep]

    ids = cols["customer"]
    first_day = int(days.min())
    span = end_day - first_day + 1
    base = _small_int_base(ids, span)
    if base is None:
        codes, customers = pd.factorize(ids)
        key = codes.astype(np.int64)
        del codes
    else:
        # Whole-number ids in a narrow range are their own codes: no hashing.
        key = ids.astype(np.int64)
        key -= base
    key *= span
    key += days
    key -= first_day
    del days
    key, order = _sort_key(key)
    amount = cols["amount"][order]
    # One entry per customer-day (same-day purchases summed), by customer then day.
    day_starts = np.flatnonzero(_changes(key))
    spend = np.add.reduceat(amount, day_starts)
    day_key = key[day_starts]
    del key, amount
    cust = day_key // span
    day = day_key - cust * span
    del day_key

    starts = np.flatnonzero(_changes(cust))
    ends = np.r_[starts[1:], len(cust)] - 1
    frequency = ends - starts
    spend[starts] = 0.0
    repeat_total = np.add.reduceat(spend, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0)
    first, last = day[starts], day[ends]
    out = {
        "customer": None,
        "frequency": frequency.astype(np.int64),
        "recency": (last - first) / unit_days,
        "T": (span - 1 - first) / unit_days,
        "monetary_value": monetary,
    }
    if base is None:
        out["customer"] = np.asarray(customers)[cust[starts]]
    else:
        out["customer"] = (cust[starts].astype(np.int64) + base).astype(ids.dtype)
        # Rows are by id; put them in order of each customer's first row.
        first_row = np.minimum.reduceat(order, day_starts[starts])
        appearance = np.argsort(first_row)
        out = {name: values[appearance] for name, values in out.items()}
    return pd.DataFrame(out)


def _small_int_base(ids: np.ndarray, span: int) -> int | None:
    """The smallest id when ids are integers whose (id - smallest) * span fits in 32 bits."""
    if ids.dtype.kind not in "iu" or len(ids) == 0:
        return None
    low, high = int(ids.min()), int(ids.max())
    if high >= 2**63 or (high - low + 1) * span > 2**32:
        return None
    return low


def _changes(values: np.ndarray) -> np.ndarray:
    """True where an entry differs from the one before it (and at the first)."""
    change = np.empty(len(values), dtype=bool)
    change[:1] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    return change


def _sort_key(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A non-negative int64 key sorted, and the stable order that sorts it.

    Overwrites ``key``. When key and row number fit in 32 bits each, the key
    is sorted as key << 32 | row in place (about twice as fast as
    np.argsort), and the sorted key and the order are the two 32-bit halves
    of the result, read without copying.
    """
    n = len(key)
    if sys.byteorder == "little" and n < 2**32 and (n == 0 or int(key.max()) < 2**32):
        packed = key.view(np.uint64)
        packed <<= np.uint64(32)
        packed |= np.arange(n, dtype=np.uint64)
        packed.sort()
        halves = packed.view(np.uint32)
        return halves[1::2], halves[0::2]
    order = np.argsort(key, kind="stable")
    return key[order], order


def _argsort(key: np.ndarray) -> np.ndarray:
    """Indices that sort a non-negative int64 key.

    When key and row number fit in 32 bits each, sorting key << 32 | row and
    keeping the low half is about twice as fast as np.argsort.
    """
    n = len(key)
    if n < 2**32 and (n == 0 or int(key.max()) < 2**32):
        packed = key.astype(np.uint64)
        packed <<= np.uint64(32)
        packed |= np.arange(n, dtype=np.uint64)
        packed.sort()
        packed &= np.uint64(0xFFFFFFFF)
        return packed.view(np.int64)
    return np.argsort(key)


# --- BG/NBD ---------------------------------------------------------------------


def _rfm_arrays(frequency, recency, T, weights=None):
    """Validated frequency, recency, T and weights (None when not given) of one table."""
    columns = {
        "frequency": ("amount", frequency),
        "recency": ("amount", recency),
        "T": ("amount", T),
    }
    if weights is not None:
        columns["weights"] = ("amount", weights)
    cols = read_rows(**columns)
    x, t_x, big_t = cols["frequency"], cols["recency"], cols["T"]
    bad = x != np.floor(x)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError("frequency", "is not a whole number", float(x[i]), item_number(cols, i))
    bad = t_x > big_t * (1 + 1e-12)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            "recency", f"is later than T ({big_t[i]:g})", float(t_x[i]), item_number(cols, i)
        )
    return x, t_x, big_t, cols.get("weights")


def _weighted_rows(weights: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """The rows of weight > 0 of the columns, then their weights.

    Raises ``EmptyInputError`` naming ``weights`` when every weight is 0.
    """
    keep = weights > 0
    if not keep.any():
        raise EmptyInputError("weights", "has no row with a weight greater than 0")
    if keep.all():
        return (*columns, weights)
    return tuple(column[keep] for column in (*columns, weights))


def _count(total: float) -> int | float:
    """A sum of weights as the ``n`` of a fit: an int when it is a whole number."""
    return int(total) if float(total).is_integer() else float(total)


def distinct_rows(*columns) -> tuple[np.ndarray, ...]:
    """The distinct rows of equal-length columns, and how often each occurs.

    ``distinct_rows(frequency, recency, T)`` returns ``(frequency, recency,
    T, weights)`` and ``distinct_rows(frequency, monetary_value)`` returns
    ``(frequency, monetary_value, weights)``: float columns of the distinct
    rows, in ascending order of the first column, then the second..., and
    int64 counts, ready for the ``weights`` of ``fit_bgnbd`` and
    ``fit_gamma_gamma``. Rows holding NaN are never merged.

    The result is that of ``numpy.unique(numpy.column_stack(columns),
    axis=0, return_counts=True)``, by a lexsort: ten times faster on a
    million rows than unique's sort of whole rows.
    """
    if not columns:
        raise TypeError("distinct_rows needs at least one column")
    arrays = [np.asarray(column, dtype=float).ravel() for column in columns]
    length = len(arrays[0])
    for number, array in enumerate(arrays[1:], start=2):
        if len(array) != length:
            raise InputError(
                f"column {number}",
                f"has {len(array)} items but column 1 has {length}; "
                "the columns must be the same length",
            )
    order = np.lexsort(arrays[::-1])
    ordered = [array[order] for array in arrays]
    del order
    new_row = np.zeros(length, dtype=bool)
    new_row[:1] = True
    for array in ordered:
        new_row[1:] |= array[1:] != array[:-1]
    starts = np.flatnonzero(new_row)
    counts = np.diff(np.append(starts, length)).astype(np.int64)
    return (*(array[starts] for array in ordered), counts)


# Below this many customers, merging identical histories costs more than it saves.
_MERGE_ABOVE = 20_000


class _BGNBDData:
    """Customers grouped for fast likelihood evaluations.

    Rows with identical (x, t_x, T) are merged with a weight (the sum of
    their ``weight``, 1 each when None); terms that depend on x alone are
    computed once per distinct x. ``n`` is the number of customers, the sum
    of the weights, as a float.
    """

    def __init__(self, x, t_x, big_t, weight=None):
        if weight is None:
            if len(x) > _MERGE_ABOVE:
                counts = pd.DataFrame({"x": x, "t": t_x, "T": big_t}).value_counts(sort=False)
                index = counts.index
                x = index.get_level_values(0).to_numpy(dtype=float)
                t_x = index.get_level_values(1).to_numpy(dtype=float)
                big_t = index.get_level_values(2).to_numpy(dtype=float)
                weight = counts.to_numpy(dtype=float)
            else:
                weight = np.ones(len(x))
        else:
            weight = np.asarray(weight, dtype=float)
            if len(x) > _MERGE_ABOVE:
                frame = pd.DataFrame({"x": x, "t": t_x, "T": big_t, "w": weight})
                sums = frame.groupby(["x", "t", "T"], sort=False)["w"].sum()
                index = sums.index
                x = index.get_level_values(0).to_numpy(dtype=float)
                t_x = index.get_level_values(1).to_numpy(dtype=float)
                big_t = index.get_level_values(2).to_numpy(dtype=float)
                weight = sums.to_numpy(dtype=float)
        # A float: n * term and ll / n give the same floats as with the int count.
        self.n = float(weight.sum())
        self.sum_x = float(_dot(weight, x))
        zero = x == 0
        self.t0, self.w0 = big_t[zero], weight[zero]
        self.x, self.t, self.T, self.w = x[~zero], t_x[~zero], big_t[~zero], weight[~zero]
        self.ux, inv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inv, weights=weight)

    def scaled(self, scale: float) -> _BGNBDData:
        out = object.__new__(_BGNBDData)
        out.__dict__.update(self.__dict__)
        out.t0, out.t, out.T = self.t0 / scale, self.t / scale, self.T / scale
        return out

    def neg_ll(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """Minus the log-likelihood and its gradient in log-parameter space."""
        r, alpha, a, b = np.exp(log_params)
        ux, wx = self.ux, self.wx
        # Terms of x alone: ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x) - ln B(a, b).
        ll = _dot(wx, gammaln(r + ux) + betaln(a, b + ux))
        ll += self.n * (r * np.log(alpha) - gammaln(r) - betaln(a, b))
        d_r = _dot(wx, digamma(r + ux)) + self.n * (np.log(alpha) - digamma(r))
        d_alpha = self.n * r / alpha
        psi_ab = digamma(a + b)
        d_a = _dot(wx, psi_ab - digamma(a + b + ux))
        d_b = _dot(wx, digamma(b + ux) - digamma(a + b + ux)) + self.n * (psi_ab - digamma(b))

        # Customers without repeat purchases: -(r) ln(alpha + T).
        log_t0 = np.log(alpha + self.t0)
        ll -= r * _dot(self.w0, log_t0)
        d_r -= _dot(self.w0, log_t0)
        d_alpha -= r * _dot(self.w0, 1.0 / (alpha + self.t0))

        # Repeat customers: ln[ (alpha+T)^-(r+x) + a/(b+x-1) (alpha+t_x)^-(r+x) ].
        x, w = self.x, self.w
        rx = r + x
        log_big = np.log(alpha + self.T)
        log_small = np.log(alpha + self.t)
        bx1 = b + x - 1.0
        a3 = -rx * log_big
        a4 = np.log(a) - np.log(bx1) - rx * log_small
        # logaddexp(a3, a4) and the weight of a4 in it, in fewer passes than np.logaddexp.
        gap = a4 - a3
        share4 = expit(gap)
        share3 = 1.0 - share4
        both = a3 + np.maximum(gap, 0.0) + np.log1p(np.exp(-np.abs(gap)))
        ll += _dot(w, both)
        d_r -= _dot(w, share3 * log_big + share4 * log_small)
        d_alpha -= _dot(w, rx * (share3 / (alpha + self.T) + share4 / (alpha + self.t)))
        d_a += _dot(w, share4) / a
        d_b -= _dot(w, share4 / bx1)

        grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
        return -ll / self.n, -grad / self.n


def fit_bgnbd(frequency, recency, T, weights=None) -> BGNBDParams:
    """Fit the BG/NBD purchase model by maximum likelihood.

    ``frequency`` (repeat purchases), ``recency`` (time of the last purchase
    since the first) and ``T`` (time since the first purchase) are one row
    per customer, as ``rfm`` returns them. Returns ``BGNBDParams(r, alpha,
    a, b, log_likelihood, n)``; ``alpha`` is in the time unit of the inputs.
    Raises ``FitError`` when the fit does not converge to finite parameters.

    ``weights`` (optional, numbers >= 0, one per row) is the number of
    customers each row stands for, e.g. the counts of the distinct rows
    (``distinct_rows``): the fit is that on the rows repeated that many
    times, and ``n`` is the sum of the weights. Rows of weight 0 are left
    out (their values must still be valid).
    """
    x, t_x, big_t, w = _rfm_arrays(frequency, recency, T, weights)
    if w is not None:
        x, t_x, big_t, w = _weighted_rows(w, x, t_x, big_t)
    if not (x > 0).any():
        raise FitError(
            "BG/NBD needs customers with repeat purchases (frequency > 0); there are none"
        )
    data = _BGNBDData(x, t_x, big_t, w)
    # Fitting on times scaled to mean T 1 keeps alpha near 1 and the problem well conditioned.
    if w is None:
        scale = float(np.mean(big_t)) or 1.0
    else:
        scale = _dot(w, big_t) / data.n or 1.0
    scaled = data.scaled(scale)
    start = np.zeros(4)
    log_params = _minimize(scaled.neg_ll, start, "BG/NBD")
    r, alpha, a, b = np.exp(log_params)
    alpha *= scale
    params = np.log([r, alpha, a, b])
    ll = -data.neg_ll(params)[0] * data.n
    if not np.isfinite(ll):
        raise FitError("BG/NBD fit gave a non-finite log-likelihood")
    n = len(x) if w is None else _count(data.n)
    return BGNBDParams(float(r), float(alpha), float(a), float(b), float(ll), n)


def _minimize(fun, start: np.ndarray, model: str) -> np.ndarray:
    """Minimise fun (value and gradient) over log-parameters with BFGS.

    BFGS rather than L-BFGS-B: scipy's L-BFGS-B calls LAPACK through
    OpenBLAS, whose idle threads spin and made these 3-4 parameter fits up
    to 7x slower, and erratic, on a 2-core machine. The log-parameters are
    clipped to +-_LOG_BOUND (the objective is flat beyond), which keeps
    every evaluation finite.
    """

    # Imported here: scipy.optimize takes 0.12 s to import, and a report
    # without purchases (or a cell that does not fit) never needs it.
    from scipy.optimize import minimize

    def clipped(log_params):
        inside = np.abs(log_params) <= _LOG_BOUND
        value, grad = fun(np.clip(log_params, -_LOG_BOUND, _LOG_BOUND))
        return value, np.where(inside, grad, 0.0)

    with np.errstate(all="ignore"):
        result = minimize(
            clipped, start, jac=True, method="BFGS", options={"maxiter": 1000, "gtol": 1e-8}
        )
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitError(f"{model} fit gave non-finite parameters")
    if not result.success:
        # BFGS reports "precision loss" when it cannot improve at the optimum; a tiny gradient is fine.
        if not np.all(np.abs(result.jac) < 1e-6):
            raise FitError(f"{model} fit did not converge: {result.message}")
    if np.any(np.abs(result.x) > _LOG_ABSURD):
        raise FitError(
            f"{model} fit has no finite optimum (a parameter runs off to 0 or infinity); "
            "the data do not support the model"
        )
    return result.x


def prob_alive(params: BGNBDParams, frequency, recency, T):
    """Probability that a customer is still active (has not dropped out), BG/NBD."""
    x, t_x, big_t = _model_inputs(frequency=frequency, recency=recency, T=T)
    return _inputs.result(_prob_alive(params, x, t_x, big_t))


def _prob_alive(params: BGNBDParams, x, t_x, big_t):
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds = (
            np.log(a)
            - np.log(np.where(repeat, b + x - 1.0, 1.0))
            + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        )
    return np.where(repeat, expit(-log_odds), 1.0)


def expected_purchases(params: BGNBDParams, t, frequency, recency, T):
    """Expected purchases in the next ``t`` time units given a customer's history, BG/NBD.

    The conditional expectation E[Y(t) | x, t_x, T] of Fader, Hardie & Lee
    (2005), eq. (10), for ``frequency`` x, ``recency`` t_x and age ``T``.
    """
    horizon, x, t_x, big_t = _model_inputs(t=t, frequency=frequency, recency=recency, T=T)
    return _inputs.result(_expected_purchases(params, horizon, x, t_x, big_t))


def _expected_purchases(params: BGNBDParams, t, x, t_x, big_t):
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1.0) < 1e-9:
        # The formula's 0/0 at a = 1 has a finite limit; step just beside it.
        a = 1.0 + 1e-9
    z = t / (alpha + big_t + t)
    # Euler's transformation of eq. (10)'s ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)
    # to (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): same value, no huge power times a huge series.
    c = a + b + x - 1.0
    term = (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    expected = c / (a - 1.0) * (1.0 - term)
    return expected * _prob_alive(params, x, t_x, big_t)


def _model_inputs(**arrays):
    values = {}
    for name, data in arrays.items():
        values[name] = _inputs.quantity(name, data)
        if np.isnan(values[name]).any():
            raise InputError(name, "has a blank value")
    out = _inputs.broadcast(**values)
    names = list(arrays)
    if "recency" in names:
        t_x, big_t = out[names.index("recency")], out[names.index("T")]
        if np.any(t_x > big_t * (1 + 1e-12)):
            raise InputError("recency", "is later than T")
    return out


# --- Gamma-Gamma -----------------------------------------------------------------


class _GammaGammaData:
    """Repeat customers prepared for fast likelihood evaluations.

    The gamma-function terms depend on x alone, so they are computed once per
    distinct x; the terms in ln zbar and ln x do not depend on the parameters
    and are summed once. Only ln(gamma + x zbar) is computed per customer.
    With ``weight`` (customers per row) every sum over customers is weighted
    and ``n`` is the sum of the weights.
    """

    def __init__(self, x, zbar, weight=None):
        self.x, self.zbar, self.w = x, zbar, weight
        self.ux, inverse = np.unique(x, return_inverse=True)
        log_z = np.log(zbar)
        if weight is None:
            self.n = len(x)
            self.wx = np.bincount(inverse).astype(float)
            self.sum_log_z = float(np.sum(log_z))
            self.sum_x_log_z = float(_dot(x, log_z))
        else:
            self.n = float(np.sum(weight))
            self.wx = np.bincount(inverse, weights=weight)
            # Weight x frequency per row: the weight of the sums of x ln(...).
            self.xw = x * weight
            self.sum_log_z = float(_dot(weight, log_z))
            self.sum_x_log_z = float(_dot(self.xw, log_z))
        self.sum_x_log_x = float(_dot(self.wx * self.ux, np.log(self.ux)))

    def neg_ll(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """Minus the mean log-likelihood and its gradient in log-parameter space."""
        p, q, gamma = np.exp(log_params)
        ux, wx, x, n = self.ux, self.wx, self.x, self.n
        pux = p * ux
        spread = gamma + x * self.zbar
        log_spread = np.log(spread)
        inv_spread = 1.0 / spread
        if self.w is None:
            sum_log_spread = np.sum(log_spread)
            sum_x_log_spread = _dot(x, log_spread)
            sum_x_inv_spread = _dot(x, inv_spread)
            sum_inv_spread = np.sum(inv_spread)
        else:
            sum_log_spread = _dot(self.w, log_spread)
            sum_x_log_spread = _dot(self.xw, log_spread)
            sum_x_inv_spread = _dot(self.xw, inv_spread)
            sum_inv_spread = _dot(self.w, inv_spread)
        ll = (
            _dot(wx, gammaln(pux + q) - gammaln(pux))
            + p * (self.sum_x_log_z + self.sum_x_log_x - sum_x_log_spread)
            - self.sum_log_z
            - q * sum_log_spread
            + n * (q * np.log(gamma) - gammaln(q))
        )
        psi_pq = digamma(pux + q)
        d_p = (
            _dot(wx * ux, psi_pq - digamma(pux))
            + self.sum_x_log_z
            + self.sum_x_log_x
            - sum_x_log_spread
        )
        d_q = _dot(wx, psi_pq) - sum_log_spread + n * (np.log(gamma) - digamma(q))
        d_gamma = n * q / gamma - p * sum_x_inv_spread - q * sum_inv_spread
        grad = np.array([d_p * p, d_q * q, d_gamma * gamma])
        return -ll / n, -grad / n


def fit_gamma_gamma(frequency, monetary_value, weights=None) -> GammaGammaParams:
    """Fit the Gamma-Gamma spend model by maximum likelihood.

    ``frequency`` (repeat purchases) and ``monetary_value`` (mean value of
    the repeat purchases) are one row per customer, as ``rfm`` returns them.
    Only customers with frequency > 0 enter the fit; their monetary value
    must be > 0. Returns ``GammaGammaParams(p, q, gamma, log_likelihood, n)``
    with n the customers used. Raises ``FitError`` when the fit does not
    converge to finite parameters.

    ``weights`` (optional, numbers >= 0, one per row) is the number of
    customers each row stands for, e.g. the counts of the distinct rows
    (``distinct_rows``): the fit is that on the rows repeated that many
    times, and ``n`` is the sum of the weights of the repeat customers.
    Rows of weight 0 are left out (their values must still be valid).
    """
    columns = {"frequency": ("amount", frequency), "monetary_value": ("amount", monetary_value)}
    if weights is not None:
        columns["weights"] = ("amount", weights)
    cols = read_rows(**columns)
    x, zbar = cols["frequency"], cols["monetary_value"]
    bad = x != np.floor(x)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError("frequency", "is not a whole number", float(x[i]), item_number(cols, i))
    repeat = x > 0
    if not repeat.any():
        raise EmptyInputError("frequency", "has no customer with repeat purchases (frequency > 0)")
    rows = np.flatnonzero(repeat)
    x, zbar = x[repeat], zbar[repeat]
    bad = zbar <= 0
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            "monetary_value",
            "must be greater than 0 for a customer with repeat purchases",
            float(zbar[i]),
            item_number(cols, int(rows[i])),
        )
    if weights is None:
        w = None
        n = len(x)
        # Fitting on spend scaled to mean 1 keeps gamma near 1.
        scale = float(np.mean(zbar))
    else:
        all_weights = cols["weights"]
        if not (all_weights > 0).any():
            raise EmptyInputError("weights", "has no row with a weight greater than 0")
        w = all_weights[repeat]
        if not (w > 0).any():
            raise EmptyInputError(
                "frequency", "has no customer with repeat purchases (frequency > 0)"
            )
        x, zbar, w = _weighted_rows(w, x, zbar)
        n = float(np.sum(w))
        scale = _dot(w, zbar) / n
    log_params = _minimize(_GammaGammaData(x, zbar / scale, w).neg_ll, np.zeros(3), "Gamma-Gamma")
    p, q, gamma = np.exp(log_params)
    gamma *= scale
    ll = -_GammaGammaData(x, zbar, w).neg_ll(np.log([p, q, gamma]))[0] * n
    return GammaGammaParams(float(p), float(q), float(gamma), float(ll), _count(n))


def expected_average_spend(params: GammaGammaParams, frequency, monetary_value):
    """Expected mean spend per future transaction, Gamma-Gamma.

    p (gamma + x zbar) / (p x + q - 1) for a customer with ``frequency`` x
    and ``monetary_value`` zbar; a customer with no repeat purchases gets the
    population mean p gamma / (q - 1). Needs q > 1 (else the mean spend is
    infinite: ``FitError``).
    """
    x, zbar = _model_inputs(frequency=frequency, monetary_value=monetary_value)
    return _inputs.result(_expected_spend(params, x, zbar))


def _expected_spend(params: GammaGammaParams, x, zbar):
    p, q, gamma = params.p, params.q, params.gamma
    if q <= 1.0:
        raise FitError(f"Gamma-Gamma q = {q:.4g} <= 1, so the expected spend is infinite")
    zbar = np.where(x > 0, zbar, 0.0)
    return p * (gamma + x * zbar) / (p * x + q - 1.0)


# --- CLV ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CLVModel:
    """Predictions per customer (as ``predict_clv`` returns them) and the fitted models."""

    predictions: pd.DataFrame
    bgnbd: BGNBDParams
    gamma_gamma: GammaGammaParams


def predict_clv(
    customer, date, amount, horizon, discount=0.0, unit="M", end_date=None
) -> pd.DataFrame:
    """Customer lifetime value over a horizon from transactions: BG/NBD x Gamma-Gamma.

    Per customer: frequency, recency, T, mean repeat spend, P(alive),
    expected purchases and spend over the horizon, and CLV (see
    ``fit_clv_model`` for the method).
    """
    return fit_clv_model(customer, date, amount, horizon, discount, unit, end_date).predictions


def fit_clv_model(
    customer, date, amount, horizon, discount=0.0, unit="M", end_date=None
) -> CLVModel:
    """Fit BG/NBD and Gamma-Gamma on transactions and predict CLV over a horizon.

    Summarises the transactions with ``rfm`` (same ``end_date`` and
    ``unit``), fits BG/NBD on every customer and Gamma-Gamma on those with
    repeat purchases, and predicts per customer over the next ``horizon``
    time units.

    CLV = expected spend per transaction x discounted expected purchases:
    the horizon is cut into unit periods (the last one shorter if the
    horizon is fractional), each period's expected purchases are
    E[Y(k)] - E[Y(k-1)] from the model, and period k is discounted by
    (1 + discount)^-k, ``discount`` being the rate per unit period (e.g.
    weekly when unit is "W"; 0, the default, means no discounting).

    Returns a DataFrame with columns ``customer``, ``frequency``,
    ``recency``, ``T``, ``monetary_value``, ``p_alive``,
    ``expected_purchases`` (undiscounted, over the horizon),
    ``expected_spend`` (per transaction) and ``clv``.
    """
    span = _inputs.scalar("horizon", horizon, positive=True)
    rate = _inputs.scalar("discount", discount, nonnegative=True)
    summary = rfm(customer, date, amount, end_date=end_date, unit=unit)
    return clv_from_summary(summary, span, rate)


def clv_from_summary(summary: pd.DataFrame, horizon, discount=0.0) -> CLVModel:
    """:func:`fit_clv_model` from an RFM summary (the columns ``rfm``
    returns, one row per customer, times in the unit of ``horizon`` and
    ``discount``), as the engine's Orders reduction gives it."""
    span = _inputs.scalar("horizon", horizon, positive=True)
    rate = _inputs.scalar("discount", discount, nonnegative=True)
    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy()
    big_t = summary["T"].to_numpy()
    zbar = summary["monetary_value"].to_numpy()

    bgnbd = fit_bgnbd(x, t_x, big_t)
    spenders = (x > 0) & (zbar > 0)
    if not spenders.any():
        raise FitError("no customer has repeat purchases with a positive amount to fit spend on")
    spend_params = fit_gamma_gamma(x[spenders], zbar[spenders])

    # Customers with the same history get the same prediction: compute each history once.
    histories = pd.DataFrame({"x": x, "t": t_x, "T": big_t})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(histories))
    ux = uniques.get_level_values(0).to_numpy(dtype=float)
    ut = uniques.get_level_values(1).to_numpy(dtype=float)
    u_big = uniques.get_level_values(2).to_numpy(dtype=float)

    alive = _prob_alive(bgnbd, ux, ut, u_big)[codes]
    purchases = _expected_purchases(bgnbd, span, ux, ut, u_big)
    if rate == 0.0:
        discounted = purchases
    else:
        steps = np.minimum(np.arange(1, int(np.ceil(span)) + 1, dtype=float), span)
        discounted = np.zeros(len(ux))
        before = np.zeros(len(ux))
        for step in steps:
            cumulative = _expected_purchases(bgnbd, step, ux, ut, u_big)
            discounted += (cumulative - before) / (1.0 + rate) ** step
            before = cumulative
    spend = _expected_spend(spend_params, x, zbar)

    out = summary.copy()
    out["p_alive"] = alive
    out["expected_purchases"] = purchases[codes]
    out["expected_spend"] = spend
    out["clv"] = discounted[codes] * spend
    return CLVModel(out, bgnbd, spend_params)
