"""Subscriptions (one row per customer and month with its MRR) reduced to
tenure counts for the Kaplan-Meier curve of the ``CX Cohorts`` sheet.

Definitions as ``cxexcel.report.cohorts.tenures``: a customer is active in a
month with a row whose MRR is above 0; their tenure is the number of months
from their first to their last active month (both counted, so at least 1);
they churned when that last active month is before the last month of the
table (all its rows, MRR 0 included), otherwise they are censored. The
engine returns how many customers share each (duration, churned) pair,
a few rows per month of the span;
:func:`cxexcel.metrics.summaries.tenures_from_counts` gives back per-customer
arrays for :func:`cxexcel.metrics.survival`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import Table

from ._time import month_index

if TYPE_CHECKING:
    from .backend import Engine

__all__ = ["tenure_groups", "tenure_counts"]


def tenure_groups(subscriptions: Table) -> Table:
    """Customers per tenure: ``duration`` (months, first to last active month
    counted), ``churned`` (1 when the last active month is before the table's
    last month, else 0) and ``n`` (customers)."""
    numbered = subscriptions.select(
        customer_id=subscriptions.customer_id,
        slot=month_index(subscriptions.month),
        mrr=subscriptions.mrr,
    )
    last = numbered.aggregate(last_slot=numbered.slot.max())
    paying = numbered.filter(numbered.mrr > 0)
    spans = paying.group_by("customer_id").aggregate(
        first=paying.slot.min(), final=paying.slot.max()
    )
    spans = spans.cross_join(last)
    return spans.group_by(
        duration=spans.final - spans.first + 1,
        churned=ibis.ifelse(spans.final < spans.last_slot, 1, 0),
    ).aggregate(n=spans.count())


def tenure_counts(engine: Engine, subscriptions: Table) -> pd.DataFrame:
    """Run :func:`tenure_groups` on ``engine``: columns ``duration``, ``churned``
    and ``n`` (int64), sorted by duration then churned; no rows without a
    paying month."""
    counts = engine.execute(tenure_groups(subscriptions))
    counts = counts.astype({"duration": np.int64, "churned": np.int64, "n": np.int64})
    counts = counts.sort_values(["duration", "churned"], ignore_index=True)
    return counts[["duration", "churned", "n"]]
