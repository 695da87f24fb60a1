"""Revenue retention: ARR, annualized churn, and the retention tables read
from one row per customer-month (customer, month, MRR), as ``mrr_movements``
reads them.

A customer is *active* (paying) in a month when their MRR there, all rows of
that customer and month added up, is above 0. Every calendar month from the
first to the last in the data counts, and a customer with no row in a month
has MRR 0 there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ._inputs import quantity, result, scalar, values
from .cohorts import period_start
from .movements import paying_months

__all__ = [
    "arr",
    "annualized_churn",
    "revenue_retention",
    "revenue_cohorts",
    "churn_table",
    "retention_from_totals",
    "RETENTION_COLUMNS",
    "CHURN_COLUMNS",
]

RETENTION_COLUMNS = ["month", "base_mrr", "mrr_now", "nrr", "grr"]

CHURN_COLUMNS = [
    "month",
    "starting_customers",
    "new",
    "reactivated",
    "churned",
    "ending_customers",
    "churn_rate",
]


def arr(mrr):
    """Annual recurring revenue: 12 x monthly recurring revenue.

    ``mrr`` is one MRR figure or a range of monthly recurring amounts (one per
    customer, say), which are added up first. Blanks are ignored.
    """
    return float(12 * values("mrr", mrr, low=0).sum())


def annualized_churn(churn, periods=12):
    """Annualized churn: 1 - (1 - churn) ^ periods.

    ``churn`` is the churn rate per period (a monthly rate from 0 to 1 by
    default), one rate or a range of them (one result per rate, blank for a
    blank). ``periods`` is the number of periods in a year: 12 for monthly
    rates (the default), 4 for quarterly, 52 for weekly.
    """
    rate = quantity("churn", churn)
    over = rate > 1
    if over.any():
        index = int(np.argmax(over.ravel()))
        position = index + 1 if rate.size > 1 else None
        raise InputError("churn", "must be a rate from 0 to 1", rate.ravel()[index], position)
    count = scalar("periods", periods, positive=True)
    return result(1 - (1 - rate) ** count)


def retention_from_totals(base_mrr, mrr_now, kept_mrr) -> tuple[np.ndarray, np.ndarray]:
    """NRR and GRR from the totals of :func:`revenue_retention`: mrr_now /
    base_mrr and kept_mrr / base_mrr (kept: each customer's MRR now at most
    at their base MRR), NaN where base_mrr is 0."""
    base = np.asarray(base_mrr, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        nrr = np.where(base > 0, np.asarray(mrr_now, dtype=float) / base, np.nan)
        grr = np.where(base > 0, np.asarray(kept_mrr, dtype=float) / base, np.nan)
    return nrr, grr


def _window(window) -> int:
    number = scalar("window", window)
    if number < 1 or not float(number).is_integer():
        raise InputError("window", "must be a whole number of months, at least 1", number)
    return int(number)


def revenue_retention(customer, month, mrr, window=12) -> pd.DataFrame:
    """Net and gross revenue retention per month over a window of months.

    ``customer``, ``month`` and ``mrr`` are one row per customer-month (any
    date inside the month names the month; rows of the same customer and
    month are added up; a customer with no row in a month has MRR 0 there).
    For each month m, the base is the customers paying (MRR > 0) in month
    m - window: ``base_mrr`` is their MRR then, ``mrr_now`` the same
    customers' MRR in month m (0 for those who left). ``nrr`` = mrr_now /
    base_mrr; ``grr`` counts each customer's MRR now at most at their base
    MRR, so expansion is left out: sum of min(MRR now, MRR then) / base_mrr.
    Customers who are new since m - window are not in either. ``window`` is
    a whole number of months (default 12: year-over-year; 1 gives the
    monthly NRR and GRR of the MRR movements).

    Returns one row per month from the first month with a month ``window``
    months earlier in the data through the last month (no rows when the data
    spans ``window`` months or fewer), with columns ``month`` (first day of
    the month), ``base_mrr``, ``mrr_now``, ``nrr``, ``grr``; nrr and grr are
    blank (NaN) where base_mrr is 0.
    """
    cust, slot, amount, first_month, n_months = paying_months(customer, month, mrr)
    lag = _window(window)
    if n_months <= lag:
        return _frame(RETENTION_COLUMNS, first_month, np.arange(0), {})

    # Each paying customer-month is the base of the month `lag` months later.
    key = cust * n_months + slot
    based = slot + lag < n_months
    target = key[based] + lag
    where = np.minimum(np.searchsorted(key, target), len(key) - 1)
    found = key[where] == target
    then = amount[based]
    now = np.where(found, amount[where], 0.0)
    month_of = slot[based] + lag

    def total(weights):
        return np.bincount(month_of, weights=weights, minlength=n_months)[lag:].astype(float)

    base = total(then)
    mrr_now = total(now)
    kept = total(np.minimum(now, then))
    with np.errstate(divide="ignore", invalid="ignore"):
        nrr = np.where(base > 0, mrr_now / base, np.nan)
        grr = np.where(base > 0, kept / base, np.nan)
    data = {"base_mrr": base, "mrr_now": mrr_now, "nrr": nrr, "grr": grr}
    return _frame(RETENTION_COLUMNS, first_month, np.arange(lag, n_months), data)


def revenue_cohorts(customer, month, mrr) -> pd.DataFrame:
    """Net revenue retention by cohort: each cohort's MRR in later months / its first-month MRR.

    ``customer``, ``month`` and ``mrr`` are one row per customer-month (rows
    of the same customer and month are added up; no row means MRR 0). A
    customer's cohort is the month of their first MRR above 0; customers who
    never pay are in no cohort.

    Returns one row per cohort, oldest first, with columns ``cohort`` (first
    day of the cohort's month), ``mrr`` (the cohort's MRR in that month) and
    ``0, 1, 2, ...`` (integer column names: months since the cohort's start)
    holding the cohort's total MRR in that month / its month-0 MRR. Column 0
    is always 1; expansion can take later months above 1. Cells after the
    last month in the data are NaN (blank), not 0.
    """
    cust, slot, amount, first_month, n_months = paying_months(customer, month, mrr)
    first_row = np.ones(len(cust), dtype=bool)
    first_row[1:] = cust[1:] != cust[:-1]
    # Rows are sorted by customer, so each row's customer's first row is the last start so far.
    start = slot[first_row][np.cumsum(first_row) - 1]
    # Only the months in which some cohort starts get a row.
    present, row = np.unique(start, return_inverse=True)
    cells = row.astype(np.int64) * n_months + (slot - start)
    totals = np.bincount(cells, weights=amount, minlength=len(present) * n_months)
    totals = totals.astype(float).reshape(len(present), n_months)
    base = totals[:, 0]
    shares = totals / base[:, None]
    observed = np.arange(n_months)[None, :] < (n_months - present)[:, None]
    shares = np.where(observed, shares, np.nan)

    frame = pd.DataFrame(shares, columns=list(range(n_months)))
    frame.insert(0, "mrr", base)
    frame.insert(0, "cohort", period_start(present + first_month, "M"))
    return frame


def churn_table(customer, month, mrr) -> pd.DataFrame:
    """Customer churn per month from MRR rows: starting, new, reactivated, churned, ending, churn rate.

    ``customer``, ``month`` and ``mrr`` are one row per customer-month (rows
    of the same customer and month are added up; no row means MRR 0). A
    customer is active in a month with MRR above 0. Every calendar month from
    the first to the last in the data gets a row (in a month without rows
    nobody is active). ``starting_customers`` were active the month before;
    ``new`` are active for the first time; ``reactivated`` are active again
    after one or more inactive months; ``churned`` were active the month
    before but not now; ``ending_customers`` are active now, so ending =
    starting + new + reactivated - churned. ``churn_rate`` = churned /
    starting_customers, blank (NaN) when nobody was active the month before.
    """
    cust, slot, _, first_month, n_months = paying_months(customer, month, mrr)
    same_prev = np.zeros(len(slot), dtype=bool)
    same_prev[1:] = cust[1:] == cust[:-1]
    continued = np.zeros(len(slot), dtype=bool)
    continued[1:] = same_prev[1:] & (slot[:-1] == slot[1:] - 1)
    stays = np.zeros(len(slot), dtype=bool)
    stays[:-1] = continued[1:]
    # A customer churns the month after an active month unless they are active in it too.
    churns = ~stays & (slot + 1 < n_months)

    def count(where):
        return np.bincount(where, minlength=n_months).astype(np.int64)

    ending = count(slot)
    starting = np.concatenate([[0], ending[:-1]]).astype(np.int64)
    churned = count(slot[churns] + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(starting > 0, churned / np.maximum(starting, 1), np.nan)
    data = {
        "starting_customers": starting,
        "new": count(slot[~same_prev]),
        "reactivated": count(slot[same_prev & ~continued]),
        "churned": churned,
        "ending_customers": ending,
        "churn_rate": rate,
    }
    return _frame(CHURN_COLUMNS, first_month, np.arange(n_months), data)


def _frame(columns, first_month, slots, data) -> pd.DataFrame:
    """A per-month table: ``month`` (first day) for ``slots``, then ``data`` (empty: no rows)."""
    frame = pd.DataFrame({"month": period_start(slots + first_month, "M")})
    for name in columns[1:]:
        frame[name] = data.get(name, np.array([], dtype=float))
    return frame
