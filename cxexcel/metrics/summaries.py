"""Core tables assembled from small summaries computed elsewhere (e.g. by ``cxexcel.engine``).

The engine reduces big tables to a few numbers per customer, per group or
per cohort; the functions here turn those into the very tables the core
computes from the rows, so each definition still lives in one place:

- :func:`rfm_from_days`: the RFM summary of :func:`cxexcel.metrics.rfm` from
  each customer's first and last purchase day, number of purchase days and
  the total of the repeat days (days counted from 1970-01-01);
- :func:`distinct_from_days`: the distinct (frequency, recency, T) rows of
  that summary with how many customers share each, for weighted fits;
- :func:`cohorts_from_counts`: the matrix of :func:`cxexcel.metrics.cohorts`
  from active-customer counts per cohort and periods since its start;
- :func:`tenures_from_counts`: the per-customer tenures and churn flags that
  :func:`cxexcel.metrics.survival` takes, from counts per (tenure, churned).

The small helpers :func:`unit_days`, :func:`end_day_number` and
:func:`period_code` read the options exactly as ``rfm`` and ``cohorts`` do,
so a caller can check them before any work is done.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, InputError
from . import _inputs
from ._periods import one_day as _one_day
from ._periods import unit_length as _unit
from .cohorts import _period_code, period_start

__all__ = [
    "unit_days",
    "end_day_number",
    "period_code",
    "rfm_from_days",
    "distinct_from_days",
    "cohorts_from_counts",
    "tenures_from_counts",
]


def unit_days(unit="M") -> float:
    """Days per time unit as ``rfm`` reads ``unit``: "D" 1, "W" 7, "M" 365.25 / 12."""
    return _unit(unit)


def end_day_number(end_date) -> int | None:
    """``end_date`` as whole days since 1970-01-01 (as ``rfm`` reads it), None when blank."""
    if end_date is None or _inputs.is_blank(end_date):
        return None
    return _one_day("end_date", end_date)


def period_code(period="M") -> str:
    """The period code ("W", "M" or "Q") ``cohorts`` reads from ``period``."""
    return _period_code(period)


def _ints(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).ravel()


def rfm_from_days(
    customer, first_day, last_day, days, repeat_total, end_day=None, unit="M"
) -> pd.DataFrame:
    """The RFM summary of :func:`cxexcel.metrics.rfm`, one row per customer given.

    Per customer (one entry each, in the order given): ``first_day`` and
    ``last_day`` of purchase and ``end_day`` as whole days since 1970-01-01,
    ``days`` the number of distinct purchase days (same-day purchases are
    one transaction) and ``repeat_total`` the amount of all purchase days
    but the first. ``end_day`` defaults to the last ``last_day``; purchases
    after it must already be left out.

    Returns the columns of ``rfm``: ``customer``, ``frequency`` (days - 1),
    ``recency`` ((last - first) / unit), ``T`` ((end - first) / unit) and
    ``monetary_value`` (repeat_total / frequency, 0 without repeats).
    """
    scale = unit_days(unit)
    customer = np.asarray(customer).ravel()
    first, last, count = _ints(first_day), _ints(last_day), _ints(days)
    total = np.asarray(repeat_total, dtype=float).ravel()
    if len(customer) == 0:
        raise EmptyInputError("customer")
    end = int(last.max()) if end_day is None else int(end_day)
    frequency = count - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, total / np.maximum(frequency, 1), 0.0)
    return pd.DataFrame(
        {
            "customer": customer,
            "frequency": frequency,
            "recency": (last - first) / scale,
            "T": (end - first) / scale,
            "monetary_value": monetary,
        }
    )


def distinct_from_days(frequency, recency_days, T_days, n, unit="M") -> pd.DataFrame:
    """Distinct RFM rows and their weights: ``frequency``, ``recency``, ``T`` (in
    ``unit``, from whole days as :func:`rfm_from_days`) and ``n`` customers,
    sorted by frequency, recency and T. Rows that fall together are added up."""
    scale = unit_days(unit)
    frame = pd.DataFrame(
        {
            "frequency": _ints(frequency),
            "recency_days": _ints(recency_days),
            "T_days": _ints(T_days),
            "n": _ints(n),
        }
    )
    frame = frame.groupby(["frequency", "recency_days", "T_days"], sort=True, as_index=False)[
        "n"
    ].sum()
    return pd.DataFrame(
        {
            "frequency": frame["frequency"].to_numpy(np.int64),
            "recency": frame["recency_days"].to_numpy(np.int64) / scale,
            "T": frame["T_days"].to_numpy(np.int64) / scale,
            "n": frame["n"].to_numpy(np.int64),
        }
    )


def cohorts_from_counts(cohort, age, active, period="M") -> pd.DataFrame:
    """The cohort matrix of :func:`cxexcel.metrics.cohorts` from activity counts.

    Each entry: a ``cohort`` (the number of its first period, as
    ``cohorts.period_index`` numbers them), ``age`` (periods since that
    start, 0 for the first) and ``active`` (distinct customers of the cohort
    active then; entries of one cohort and age are added). The cohort's size
    is its count at age 0. The periods run from the first cohort to the last
    period with activity; cells after that are NaN, cells observed without
    activity are 0.
    """
    code = period_code(period)
    cohort, age, active = _ints(cohort), _ints(age), _ints(active)
    if len(cohort) == 0:
        raise EmptyInputError("customer")
    if (age < 0).any():
        raise InputError("age", "is negative", int(age[np.argmax(age < 0)]))
    start = int(cohort.min())
    n_periods = int((cohort + age).max()) - start + 1
    cohorts, row = np.unique(cohort, return_inverse=True)
    counts = np.zeros((len(cohorts), n_periods), dtype=np.int64)
    np.add.at(counts, (row, age), active)
    sizes = counts[:, 0]
    if (sizes <= 0).any():
        bad = int(cohorts[np.argmax(sizes <= 0)])
        raise InputError("active", "has no count at age 0 for a cohort", bad)
    offsets = cohorts - start
    observed = np.arange(n_periods)[None, :] < (n_periods - offsets)[:, None]
    shares = np.where(observed, counts / sizes[:, None], np.nan)
    frame = pd.DataFrame(shares, columns=list(range(n_periods)))
    frame.insert(0, "size", sizes)
    frame.insert(0, "cohort", period_start(cohorts, code))
    return frame


def tenures_from_counts(duration, churned, n) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer ``duration`` and ``churned`` (as floats) for
    :func:`cxexcel.metrics.survival`, from ``n`` customers per (duration,
    churned) pair: each pair repeated ``n`` times."""
    repeats = _ints(n)
    duration = np.repeat(np.asarray(duration, dtype=float).ravel(), repeats)
    churned = np.repeat(np.asarray(churned, dtype=float).ravel(), repeats)
    return duration, churned
