"""Orders (``customer_id``, ``date``, ``amount``) reduced to totals per month.

A customer is *new* in the month of their first order and *returning* in
every later month they order in. Months are calendar months of ``date``
(:func:`cxexcel.engine._time.month_index`).
"""

from __future__ import annotations

import ibis
from ibis.expr.types import Table

from ._time import month_index

__all__ = ["order_month_totals"]


def order_month_totals(orders: Table) -> Table:
    """Per month (``slot``): ``orders``, ``revenue``, ``customers`` ordering,
    ``new_customers`` (first order that month) and ``new_revenue`` (their
    orders' amounts). Rows without a customer, date or amount are left out."""
    kept = orders.filter(
        orders.customer_id.notnull() & orders.date.notnull() & orders.amount.notnull()
    )
    numbered = kept.select(
        customer=kept.customer_id.cast("string"), slot=month_index(kept.date), amount=kept.amount
    )
    first = numbered.group_by(first_customer=numbered.customer).aggregate(
        first_slot=numbered.slot.min()
    )
    joined = numbered.inner_join(first, numbered.customer == first.first_customer)
    new = joined.slot == joined.first_slot
    return joined.group_by("slot").aggregate(
        orders=joined.count(),
        revenue=joined.amount.sum(),
        customers=joined.customer.nunique(),
        new_customers=ibis.ifelse(new, joined.customer, ibis.null()).nunique(),
        new_revenue=ibis.ifelse(new, joined.amount, 0.0).sum(),
    )
