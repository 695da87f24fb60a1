"""Survey answers joined to revenue by customer, and the accounts behind the figures.

Every function takes Ibis tables: ``responses`` (the Responses input table,
with ``customer_id``, ``date`` and ``nps``) and ``months``
(:func:`cxexcel.engine.subscriptions.customer_months`: one row per customer
and month with the month's MRR). A customer *pays* in a month when that MRR
is above 0. The results are small: counts per group, or lists cut at a
``limit``.
"""

from __future__ import annotations

import ibis
from ibis.expr.types import Table

from ._time import month_index

__all__ = [
    "answers_with_mrr",
    "score_counts_by_band",
    "churn_after_answer",
    "latest_answers",
    "mrr_by_latest_group",
    "detractor_accounts",
    "lost_accounts",
    "nps_group",
]


def nps_group(score) -> ibis.Value:
    """``detractor`` (0-6), ``passive`` (7-8) or ``promoter`` (9-10) of an NPS score."""
    return ibis.cases((score <= 6, "detractor"), (score <= 8, "passive"), else_="promoter")


def answers_with_mrr(responses: Table, months: Table) -> Table:
    """Each NPS answer of a known customer with the customer's MRR in the month
    of the answer (0 when they paid nothing then): ``customer_id``, ``slot``,
    ``score``, ``mrr``."""
    answered = responses.filter(responses.nps.notnull() & responses.customer_id.notnull())
    answered = answered.select(
        customer_id=answered.customer_id.cast("string"),
        slot=month_index(answered.date),
        score=answered.nps,
    )
    paid = months.select(
        paid_customer=months.customer_id.cast("string"), paid_slot=months.slot, paid=months.mrr
    )
    joined = answered.left_join(
        paid,
        [answered.customer_id == paid.paid_customer, answered.slot == paid.paid_slot],
    )
    return joined.select(
        "customer_id", "slot", "score", mrr=ibis.greatest(joined.paid.fill_null(0.0), 0.0)
    )


def score_counts_by_band(answers: Table, edges: tuple[float, ...]) -> Table:
    """Answers per MRR band and score: ``band`` (0 below ``edges[0]``, 1 from
    ``edges[0]`` below ``edges[1]``... ), ``score``, ``n``. Answers of
    customers paying nothing that month are left out."""
    paying = answers.filter(answers.mrr > 0)
    band = ibis.literal(0)
    for edge in edges:
        band = band + ibis.ifelse(paying.mrr >= edge, 1, 0)
    banded = paying.mutate(band=band)
    return banded.group_by(["band", "score"]).aggregate(n=banded.count())


def churn_after_answer(answers: Table, months: Table, horizon: int) -> Table:
    """Per NPS group: ``answers`` given while paying, at least ``horizon``
    months before the data's last month, and ``churned``: of those, the ones
    whose customer paid nothing ``horizon`` months later."""
    last = months.slot.max().as_scalar()
    paying = months.filter(months.mrr > 0)
    later = paying.select(later_customer=paying.customer_id.cast("string"), later_slot=paying.slot)
    base = answers.filter((answers.mrr > 0) & (answers.slot + horizon <= last))
    joined = base.left_join(
        later,
        [base.customer_id == later.later_customer, base.slot + horizon == later.later_slot],
    )
    joined = joined.mutate(group=nps_group(joined.score))
    return joined.group_by("group").aggregate(
        answers=joined.count(), churned=joined.later_slot.isnull().sum()
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


def _current_mrr(months: Table) -> Table:
    last = months.slot.max().as_scalar()
    now = months.filter((months.slot == last) & (months.mrr > 0))
    return now.select(now_customer=now.customer_id.cast("string"), now_mrr=now.mrr)


def mrr_by_latest_group(responses: Table, months: Table) -> Table:
    """Per NPS group of the customers' latest answers: ``customers`` paying in
    the data's last month and their ``mrr`` then."""
    latest = latest_answers(responses)
    now = _current_mrr(months)
    joined = latest.inner_join(now, latest.customer_id == now.now_customer)
    joined = joined.mutate(group=nps_group(joined.score))
    return joined.group_by("group").aggregate(customers=joined.count(), mrr=joined.now_mrr.sum())


def detractor_accounts(responses: Table, months: Table, limit: int) -> Table:
    """Customers paying in the data's last month whose latest answer is a
    detractor's, most MRR first (at most ``limit``): ``customer_id``,
    ``mrr``, ``date``, ``score`` and ``segment``, ``comment`` where present."""
    latest = latest_answers(responses)
    now = _current_mrr(months)
    joined = latest.inner_join(now, latest.customer_id == now.now_customer)
    detractors = joined.filter(joined.score <= 6)
    extra = [c for c in ("segment", "comment") if c in latest.columns]
    ordered = detractors.order_by([ibis.desc("now_mrr"), "customer_id"]).limit(limit)
    return ordered.select("customer_id", "date", "score", *extra, mrr=ordered.now_mrr)


def lost_accounts(months: Table, limit: int) -> Table:
    """Customers who churned (paid nothing) or contracted (paid less, above 0)
    in the data's last month against the month before, most MRR lost first
    (at most ``limit``): ``customer_id``, ``before``, ``now``, ``change``."""
    last = months.slot.max().as_scalar()
    before = months.filter((months.slot == last - 1) & (months.mrr > 0))
    before = before.select(customer_id=before.customer_id.cast("string"), before=before.mrr)
    now = _current_mrr(months)
    joined = before.left_join(now, before.customer_id == now.now_customer)
    joined = joined.mutate(now=joined.now_mrr.fill_null(0.0))
    lost = joined.filter(joined.now < joined.before)
    lost = lost.mutate(change=lost.now - lost.before)
    ordered = lost.order_by(["change", "customer_id"]).limit(limit)
    return ordered.select("customer_id", "before", "now", "change")
