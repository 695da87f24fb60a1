"""Orders (one row per transaction: ``customer_id``, ``date``, ``amount``)
reduced to the RFM summary of :func:`cxexcel.metrics.rfm`.

Definitions as ``rfm``: a customer's purchases on one calendar day are one
transaction (amounts added); transactions after ``end_date`` are left out
(so are customers who first buy after it); ``end_date`` defaults to the
last transaction date. The engine computes per customer the first and last
purchase day, the number of purchase days and the amount of the repeat days
(every day but the first), days counted from 1970-01-01;
:func:`cxexcel.metrics.summaries.rfm_from_days` turns them into frequency,
recency, T and monetary value in the unit asked for.

Days: a timestamp's calendar day (time of day dropped) as
``DATE - DATE '1970-01-01'`` (``date().delta(..., unit="day")``), which
DuckDB, PostgreSQL and Spark compute alike. On Spark a timestamp's day is
read in the session time zone (``spark.sql.session.timezone``), as Spark
shows the timestamp.

Customer ids are compared as the backend stores them (text is not trimmed,
``1`` and ``"1"`` differ): clean ids first (validation is elsewhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import pandas as pd
from ibis.expr.types import Column, Table

from ..errors import EmptyInputError, InputError
from ..metrics.summaries import distinct_from_days, end_day_number, rfm_from_days, unit_days
from ._time import EPOCH_YEAR

if TYPE_CHECKING:
    from .backend import Engine

__all__ = [
    "day_number",
    "customer_days",
    "customer_summary",
    "summary_counts",
    "rfm_summary",
    "distinct_summaries",
]

#: The columns :func:`rfm_summary` returns, as :func:`cxexcel.metrics.rfm` does.
RFM_COLUMNS = ("customer", "frequency", "recency", "T", "monetary_value")


def day_number(date: Column) -> Column:
    """The calendar day of a date or timestamp as whole days since 1970-01-01."""
    day = date.date() if date.type().is_timestamp() else date
    return day.delta(ibis.date(EPOCH_YEAR, 1, 1), unit="day")


def customer_days(orders: Table, end_day: int | None = None) -> Table:
    """One row per customer and purchase day: ``customer_id``, ``day`` (days since
    1970-01-01) and ``spend`` (the day's amounts added); days after ``end_day`` left out."""
    dated = orders.select(
        customer_id=orders.customer_id,
        day=day_number(orders.date),
        amount=orders.amount.cast("float64"),
    )
    if end_day is not None:
        dated = dated.filter(dated.day <= int(end_day))
    return dated.group_by(["customer_id", "day"]).aggregate(spend=dated.amount.sum())


def customer_summary(days: Table) -> Table:
    """One row per customer of :func:`customer_days`: ``customer_id``,
    ``first_day``, ``last_day``, ``days`` (purchase days) and ``repeat_total``
    (the spend of every purchase day but the first)."""
    window = ibis.window(group_by=days.customer_id)
    marked = days.mutate(first=days.day.min().over(window))
    repeat = ibis.ifelse(marked.day > marked.first, marked.spend, ibis.literal(0.0))
    return marked.group_by("customer_id").aggregate(
        first_day=marked.day.min(),
        last_day=marked.day.max(),
        days=marked.count(),
        repeat_total=repeat.sum(),
    )


def summary_counts(days: Table, end_day: int | None = None) -> Table:
    """The distinct RFM rows of :func:`customer_days` in whole days:
    ``frequency`` (purchase days - 1), ``recency_days`` (last - first day),
    ``T_days`` (``end_day``, default the last day of all, minus the first day)
    and ``n`` (customers)."""
    spans = days.group_by("customer_id").aggregate(
        first_day=days.day.min(), last_day=days.day.max(), days=days.count()
    )
    if end_day is None:
        spans = spans.cross_join(days.aggregate(end_day=days.day.max()))
        end = spans.end_day
    else:
        end = ibis.literal(int(end_day), type="int64")
    return spans.group_by(
        frequency=spans.days - 1,
        recency_days=spans.last_day - spans.first_day,
        T_days=end - spans.first_day,
    ).aggregate(n=spans.count())


def _check_empty(engine: Engine, orders: Table, end_date) -> None:
    """Raise what ``rfm`` raises when no transaction is left: none at all, or
    none on or before ``end_date``."""
    if end_date is not None and int(engine.execute(orders.count())) > 0:
        raise InputError("end_date", "is before every transaction", end_date)
    raise EmptyInputError("customer")


def rfm_summary(engine: Engine, orders: Table, end_date=None, unit="M") -> pd.DataFrame:
    """:func:`cxexcel.metrics.rfm` of the Orders table, run on ``engine``.

    Same columns and values as ``rfm``; the customers are sorted by id
    (``rfm`` keeps the order of first appearance, which a database table
    does not have).
    """
    unit_days(unit)
    end_day = end_day_number(end_date)
    summary = engine.execute(customer_summary(customer_days(orders, end_day)))
    if len(summary) == 0:
        _check_empty(engine, orders, None if end_day is None else end_date)
    summary = summary.sort_values("customer_id", kind="stable", ignore_index=True)
    return rfm_from_days(
        summary["customer_id"].to_numpy(),
        summary["first_day"],
        summary["last_day"],
        summary["days"],
        summary["repeat_total"],
        end_day=end_day,
        unit=unit,
    )


def distinct_summaries(engine: Engine, orders: Table, end_date=None, unit="M") -> pd.DataFrame:
    """The distinct (``frequency``, ``recency``, ``T``) rows of :func:`rfm_summary`
    with ``n``, the customers having each (counted in the engine), sorted by
    frequency, recency and T: the inputs of a weighted BG/NBD fit."""
    unit_days(unit)
    end_day = end_day_number(end_date)
    counts = engine.execute(summary_counts(customer_days(orders, end_day), end_day))
    if len(counts) == 0:
        _check_empty(engine, orders, None if end_day is None else end_date)
    return distinct_from_days(
        counts["frequency"], counts["recency_days"], counts["T_days"], counts["n"], unit=unit
    )
