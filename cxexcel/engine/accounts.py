"""Survey answers joined to revenue by customer, and the accounts behind the figures.

Every function takes Ibis tables: ``responses`` (the Responses input table,
with ``customer_id``, ``date`` and ``nps``) and ``months``
(:func:`cxexcel.engine.subscriptions.customer_months`: one row per customer
and month with the month's MRR, or its paying rows alone,
:func:`~cxexcel.engine.subscriptions.paying_months`). A customer *pays* in a
month when that MRR is above 0. The results are small: counts per group, or
lists cut at a ``limit``. Where the data's last month matters it can be
given (``last``, a month number): paying months alone may end before it.

On the embedded DuckDB, where Responses has its row order (``_row``), each
customer's latest answer is found by a grouping rather than a window over
every answer (:func:`latest_paying_keys`): the same answer, for half the time.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
from ibis.expr.types import Table

from ._time import month_index
from .subscriptions import last_month

__all__ = [
    "answer_outcomes",
    "latest_answers",
    "latest_paying_answers",
    "latest_paying_keys",
    "answer_details",
    "ORDER_KEY_MACROS",
    "mrr_by_latest_group",
    "detractor_accounts",
    "lost_accounts",
    "nps_group",
]


def nps_group(score) -> ibis.Value:
    """``detractor`` (0-6), ``passive`` (7-8) or ``promoter`` (9-10) of an NPS score."""
    return ibis.cases((score <= 6, "detractor"), (score <= 8, "passive"), else_="promoter")


def _answered(responses: Table, months: Table) -> Table:
    """The NPS answers of known customers: ``customer_id``, ``slot`` (of the
    type of ``months.slot``, so a join compares them as they are), ``score``."""
    answered = responses.filter(responses.nps.notnull() & responses.customer_id.notnull())
    return answered.select(
        customer_id=answered.customer_id.cast("string"),
        slot=month_index(answered.date).cast(months.slot.type()),
        score=answered.nps,
    )


def _paid(months: Table) -> Table:
    return months.select(
        paid_customer=months.customer_id.cast("string"), paid_slot=months.slot, paid=months.mrr
    )


def answer_outcomes(
    responses: Table,
    months: Table,
    horizon: int,
    edges: tuple[float, ...],
    last: int | None = None,
) -> Table:
    """The NPS answers of Responses given while paying, counted per ``band`` (0 below
    ``edges[0]``, 1 from ``edges[0]`` below ``edges[1]``... by the MRR of the
    month of the answer), ``score`` (and its NPS ``group``), ``known`` (1 for an answer at least
    ``horizon`` months before the data's last month, ``last``: a month number,
    the last of ``months`` if not given) and ``churned`` (1 for a known answer
    whose customer paid nothing ``horizon`` months later): ``n``. One pass
    gives the NPS by MRR band (all rows) and the churn after answering (the
    known rows); answers of customers paying nothing that month are left out."""
    last = last_month(months, last)
    answered = _answered(responses, months)
    paid = _paid(months.filter(months.mrr > 0))
    paying = answered.inner_join(
        paid, [answered.customer_id == paid.paid_customer, answered.slot == paid.paid_slot]
    )
    band = ibis.literal(0)
    for edge in edges:
        band = band + ibis.ifelse(paying.paid >= edge, 1, 0)
    # The paid side's keys: the second join then cannot be moved before the
    # first (DuckDB would otherwise join every answer, paying or not, twice).
    paying = paying.select(
        "score", customer_id=paying.paid_customer, slot=paying.paid_slot, band=band
    )
    later = months.filter(months.mrr > 0)
    later = later.select(later_customer=later.customer_id.cast("string"), later_slot=later.slot)
    joined = paying.left_join(
        later,
        [paying.customer_id == later.later_customer, paying.slot + horizon == later.later_slot],
    )
    known = joined.slot + horizon <= last
    marked = joined.mutate(
        group=nps_group(joined.score),
        known=ibis.ifelse(known, 1, 0),
        churned=ibis.ifelse(known & joined.later_slot.isnull(), 1, 0),
    )
    return marked.group_by(["band", "score", "group", "known", "churned"]).aggregate(
        n=marked.count()
    )


def latest_answers(responses: Table) -> Table:
    """Each known customer's most recent NPS answer: ``customer_id``,
    ``date``, ``score`` (and ``comment``, ``segment`` where the table has them)."""
    answered = responses.filter(responses.nps.notnull() & responses.customer_id.notnull())
    order = [ibis.desc(answered.date)]
    if "_row" in answered.columns:
        order.append(ibis.desc(answered._row))
    window = ibis.window(group_by=answered.customer_id, order_by=order)
    ranked = answered.mutate(rank=ibis.row_number().over(window))
    extra = [c for c in ("segment", "comment") if c in answered.columns]
    newest = ranked.filter(ranked["rank"] == 0)
    return newest.select(
        customer_id=newest.customer_id.cast("string"),
        date=newest.date,
        score=newest.nps,
        **{c: newest[c] for c in extra},
    )


def _current_mrr(months: Table, last: int | None = None) -> Table:
    last = last_month(months, last)
    now = months.filter((months.slot == last) & (months.mrr > 0))
    return now.select(now_customer=now.customer_id.cast("string"), now_mrr=now.mrr)


def latest_paying_answers(responses: Table, months: Table, last: int | None = None) -> Table:
    """:func:`latest_answers` of the customers paying in the data's last month
    (``last``, a month number; the last of ``months`` if not given), with
    ``now_mrr``, their MRR then. Only those customers' answers are ranked."""
    now = _current_mrr(months, last)
    answered = responses.filter(responses.nps.notnull() & responses.customer_id.notnull())
    answered = answered.semi_join(now, answered.customer_id.cast("string") == now.now_customer)
    latest = latest_answers(answered)
    return latest.inner_join(now, latest.customer_id == now.now_customer).drop("now_customer")


#: The DuckDB macro :func:`latest_paying_keys` needs (made temporary, so a
#: database file is left as it was): an answer's place in time order as one
#: 128-bit number (the microsecond of its date, then its row).
ORDER_KEY_MACROS = (
    "CREATE OR REPLACE TEMP MACRO cx_order_key(d, r) AS "
    "CAST(epoch_us(d) AS HUGEINT) * 1099511627776 + r",
)


@ibis.udf.scalar.builtin(name="cx_order_key")
def _order_key(date: dt.timestamp, row: dt.int64) -> dt.Decimal(38, 0):
    """An answer's date and row (below 2**40) as one number in their order."""


# DuckDB's arg_max: Ibis writes its argmax as FIRST(... ORDER BY ...), an
# ordered aggregate that sorts every group (0.2 s more on 4.6M answers).
@ibis.udf.agg.builtin(name="arg_max")
def _score_at_max(score: dt.float64, key: dt.Decimal(38, 0)) -> dt.float64:
    """The score of the row with the largest key."""


@ibis.udf.agg.builtin(name="arg_max")
def _row_at_max(row: dt.int64, key: dt.Decimal(38, 0)) -> dt.int64:
    """The row number of the row with the largest key."""


def latest_paying_keys(responses: Table, months: Table, last: int | None = None) -> Table:
    """Each latest answer of :func:`latest_paying_answers` as ``customer_id``,
    ``score``, ``_row`` (its row in Responses) and ``now_mrr``, found by
    grouping on the embedded DuckDB (with :data:`ORDER_KEY_MACROS` defined):
    the newest date and, of answers of the same date, the last row, as the
    window's order. :func:`answer_details` brings the rest of a few rows."""
    now = _current_mrr(months, last)
    answered = responses.filter(responses.nps.notnull() & responses.customer_id.notnull())
    answered = answered.mutate(customer_id=answered.customer_id.cast("string"))
    answered = answered.semi_join(now, answered.customer_id == now.now_customer)
    key = _order_key(answered.date, answered._row)
    top = answered.group_by("customer_id").aggregate(
        score=_score_at_max(answered.nps, key), _row=_row_at_max(answered._row, key)
    )
    return top.inner_join(now, top.customer_id == now.now_customer).drop("now_customer")


def answer_details(responses: Table, rows: list[int]) -> Table:
    """The ``date`` (and ``segment``, ``comment`` where the table has them)
    of the answers at ``rows`` of Responses (its ``_row``), with ``_row``."""
    extra = [c for c in ("segment", "comment") if c in responses.columns]
    picked = responses.filter(responses._row.isin([int(row) for row in rows]))
    return picked.select("_row", "date", *extra)


def mrr_by_latest_group(latest: Table) -> Table:
    """Per NPS group of :func:`latest_paying_answers`: ``customers`` and their
    ``mrr`` in the data's last month."""
    grouped = latest.mutate(group=nps_group(latest.score))
    return grouped.group_by("group").aggregate(customers=grouped.count(), mrr=grouped.now_mrr.sum())


def detractor_accounts(latest: Table, limit: int) -> Table:
    """The customers of :func:`latest_paying_answers` (or
    :func:`latest_paying_keys`) whose latest answer is a detractor's, most MRR
    first (at most ``limit``): ``customer_id``, ``mrr``, ``score`` and those of
    ``date``, ``segment``, ``comment`` and ``_row`` the table has."""
    detractors = latest.filter(latest.score <= 6)
    extra = [c for c in ("date", "segment", "comment", "_row") if c in latest.columns]
    ordered = detractors.order_by([ibis.desc("now_mrr"), "customer_id"]).limit(limit)
    return ordered.select("customer_id", "score", *extra, mrr=ordered.now_mrr)


def lost_accounts(months: Table, limit: int, last: int | None = None) -> Table:
    """Customers who churned (paid nothing) or contracted (paid less, above 0)
    in the data's last month (``last``, a month number; the last of
    ``months`` if not given) against the month before, most MRR lost first
    (at most ``limit``): ``customer_id``, ``before``, ``now``, ``change``."""
    before = months.filter((months.slot == last_month(months, last) - 1) & (months.mrr > 0))
    before = before.select(customer_id=before.customer_id.cast("string"), before=before.mrr)
    now = _current_mrr(months, last)
    joined = before.left_join(now, before.customer_id == now.now_customer)
    joined = joined.mutate(now=joined.now_mrr.fill_null(0.0))
    lost = joined.filter(joined.now < joined.before)
    lost = lost.mutate(change=lost.now - lost.before)
    ordered = lost.order_by(["change", "customer_id"]).limit(limit)
    return ordered.select("customer_id", "before", "now", "change")
