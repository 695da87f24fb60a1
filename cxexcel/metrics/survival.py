"""Kaplan-Meier retention curve with a Greenwood confidence band."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from . import _inputs
from .cohorts import read_rows

__all__ = ["survival", "median_lifetime", "survival_from_counts", "median_from_curve"]


def survival(duration, churned, confidence=0.95) -> pd.DataFrame:
    """Kaplan-Meier retention curve: share of customers still retained after each tenure.

    ``duration`` is each customer's tenure (any time unit, >= 0) and
    ``churned`` 1/TRUE if the customer churned at that tenure or 0/FALSE if
    they are still a customer (censored: known retained up to that tenure).

    Returns one row per distinct tenure in the data, in increasing order,
    with columns ``time``, ``at_risk`` (customers with tenure >= time),
    ``events`` (churned at time), ``censored`` (still customers at time),
    ``survival`` (Kaplan-Meier estimate of the share retained beyond time),
    ``lower`` and ``upper`` (the ``confidence`` band). The band is the
    log-log ("exponential Greenwood") interval: Greenwood's variance of
    log(-log S), as R's ``survfit(conf.type="log-log")`` and lifelines use;
    it always stays inside [0, 1]. Before the first churn the band is 1 to 1;
    once the estimate reaches 0 the band is undefined (NaN).
    """
    level = confidence_level(confidence)
    cols = read_rows(duration=("amount", duration), churned=("flag", churned))
    time, inverse = np.unique(cols["duration"], return_inverse=True)
    events = np.bincount(inverse, weights=cols["churned"], minlength=len(time))
    total = np.bincount(inverse, minlength=len(time)).astype(float)
    return _curve(time, events, total, level)


def survival_from_counts(duration, churned, n, confidence=0.95) -> pd.DataFrame:
    """``survival`` of customers counted per (duration, churned) pair: ``n``
    customers of each pair, as the engine's tenure counts give them. The
    same table as ``survival`` on one row per customer."""
    level = confidence_level(confidence)
    duration = np.asarray(duration, dtype=float)
    churned = np.asarray(churned, dtype=float)
    n = np.asarray(n, dtype=float)
    if not (duration.shape == churned.shape == n.shape):
        raise InputError("n", "must have one count per (duration, churned) pair")
    if (duration < 0).any() or np.isnan(duration).any():
        raise InputError("duration", "must be 0 or more in every pair")
    if not np.isin(churned, (0.0, 1.0)).all() or (n < 0).any() or (n != np.round(n)).any():
        raise InputError("churned", "must be 0 or 1, with whole counts n >= 0")
    if n.sum() == 0:
        raise _inputs.EmptyInputError("duration")
    time, inverse = np.unique(duration, return_inverse=True)
    events = np.bincount(inverse, weights=churned * n, minlength=len(time))
    total = np.bincount(inverse, weights=n, minlength=len(time))
    keep = total > 0
    return _curve(time[keep], events[keep], total[keep], level)


def _curve(time, events, total, level) -> pd.DataFrame:
    """The Kaplan-Meier table from customers per distinct tenure (``total``)
    and those of them who churned (``events``)."""
    at_risk = total[::-1].cumsum()[::-1]
    censored = total - events

    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1.0 - events / at_risk
        surv = np.cumprod(factor)
        # Greenwood: Var(log S) = sum d / (n (n - d)); infinite once S hits 0.
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_s = np.log(surv)
        z = _normal_quantile(0.5 + level / 2.0)
        spread = z * np.sqrt(greenwood) / np.abs(log_s)
        lower = surv ** np.exp(spread)
        upper = surv ** np.exp(-spread)
    before_first = np.cumsum(events) == 0
    lower[before_first] = 1.0
    upper[before_first] = 1.0
    gone = surv <= 0
    surv[gone] = 0.0
    lower[gone] = np.nan
    upper[gone] = np.nan

    return pd.DataFrame(
        {
            "time": time,
            "at_risk": at_risk.astype(np.int64),
            "events": events.astype(np.int64),
            "censored": censored.astype(np.int64),
            "survival": surv,
            "lower": np.clip(lower, 0.0, 1.0),
            "upper": np.clip(upper, 0.0, 1.0),
        }
    )


def median_lifetime(duration, churned) -> float | None:
    """Median customer lifetime: the first tenure at which Kaplan-Meier retention is <= 50%.

    Same arguments as ``survival``. Returns None when retention never falls
    to 50% within the data (the median is then longer than the longest
    tenure observed).
    """
    return median_from_curve(survival(duration, churned))


def median_from_curve(table: pd.DataFrame) -> float | None:
    """``median_lifetime`` from a ``survival`` table already computed."""
    reached = table["survival"].to_numpy() <= 0.5
    if not reached.any():
        return None
    return float(table["time"].to_numpy()[np.argmax(reached)])


def confidence_level(confidence) -> float:
    if isinstance(confidence, bool):
        raise InputError("confidence", "is not a number", confidence)
    level = _inputs.scalar("confidence", confidence)
    if not 0.0 < level < 1.0:
        raise InputError("confidence", "must be between 0 and 1 (e.g. 0.95)", confidence)
    return level


def _normal_quantile(p: float) -> float:
    """The standard normal quantile of ``p``: scipy's, but the 95% interval's
    (the sheets' level) as its constant, so that a report need not import
    scipy (0.2 s) for it."""
    if p == 0.975:
        return 1.959963984540054  # scipy.special.ndtri(0.975), to the last bit
    from scipy.special import ndtri

    return float(ndtri(p))
