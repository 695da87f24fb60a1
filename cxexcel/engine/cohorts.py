"""Activity rows (one per customer and date) reduced to cohort counts, from
which :func:`cxexcel.metrics.summaries.cohorts_from_counts` builds the matrix
of :func:`cxexcel.metrics.cohorts`.

Definitions as ``cohorts``: a customer's cohort is the period of their first
date; a customer is active in a period with at least one row in it. The
engine numbers the periods ("M" months since January 1970, "Q" quarters,
"W" weeks starting on Monday, counted from Monday 1970-01-05, as
``cohorts.period_index`` does) and counts, per cohort and periods since its
start, the distinct active customers: one row per (cohort, age), at most a
triangle of periods x periods, whatever the number of customers.

For the Subscriptions table pass only its paying rows (MRR above 0), as the
``CX Cohorts`` sheet does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import pandas as pd
from ibis.expr.types import Column, Table

from ..errors import EmptyInputError
from ..metrics.summaries import cohorts_from_counts, period_code
from ._time import month_index
from .orders import day_number

if TYPE_CHECKING:
    from .backend import Engine

__all__ = ["period_number", "cohort_activity", "cohort_matrix"]

# 1970-01-05 was a Monday: weeks counted from it start on Monday (as the core's).
_MONDAY_EPOCH_DAYS = 4


def period_number(date: Column, period: str = "M") -> Column:
    """The period ``date`` falls in as a number, as ``cohorts.period_index``
    numbers it: months since January 1970 ("M"), quarters ("Q") or weeks
    starting on Monday ("W")."""
    code = period_code(period)
    if code == "W":
        return (day_number(date) - _MONDAY_EPOCH_DAYS) // 7
    months = month_index(date)
    return months if code == "M" else months // 3


def cohort_activity(
    activity: Table, period: str = "M", customer: str = "customer_id", date: str = "date"
) -> Table:
    """Active customers per cohort and age: ``cohort`` (number of the cohort's
    first period), ``age`` (periods since it, 0 first) and ``active`` (distinct
    customers of the cohort with a row in that period)."""
    numbered = activity.select(
        customer=activity[customer], period=period_number(activity[date], period)
    ).distinct()
    window = ibis.window(group_by=numbered.customer)
    marked = numbered.mutate(cohort=numbered.period.min().over(window))
    return marked.group_by(["cohort", (marked.period - marked.cohort).name("age")]).aggregate(
        active=marked.count()
    )


def cohort_matrix(
    engine: Engine,
    activity: Table,
    period: str = "M",
    customer: str = "customer_id",
    date: str = "date",
) -> pd.DataFrame:
    """:func:`cxexcel.metrics.cohorts` of ``activity``'s ``customer`` and ``date``
    columns, run on ``engine``: the same DataFrame (cohort, size, 0, 1, ...)."""
    code = period_code(period)
    counts = engine.execute(cohort_activity(activity, code, customer, date))
    if len(counts) == 0:
        raise EmptyInputError("customer")
    return cohorts_from_counts(counts["cohort"], counts["age"], counts["active"], code)
