"""Catalogue entry of MRR from billing data (``cxexcel.tables.billing``, the
rules of docs/billing.md run on the engine).

The example figures are worked out by hand in its ``source`` text.
"""

from __future__ import annotations

import pandas as pd

from .catalog import Example, register

HAND = "hand-checked"


def _month(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def mrr_from_subscriptions(
    customer, start, end, amount, interval, quantity=None, trial_end=None, as_of=None
):
    """:func:`cxexcel.tables.billing.mrr_from_subscriptions`, imported on first
    use (the catalogue loads without the table readers and their openpyxl)."""
    from .tables.billing import mrr_from_subscriptions as run

    return run(customer, start, end, amount, interval, quantity, trial_end, as_of)


register(
    "MRR_FROM_SUBSCRIPTIONS",
    mrr_from_subscriptions,
    "MRR by customer and month from one row per subscription (a billing export): "
    "amount x quantity a month, trials and ended months left out.",
    [
        ("customer", "Customer id of each subscription.", "text"),
        ("start", "When each subscription started.", "dates"),
        ("end", "When each ended (blank: still active).", "dates"),
        ("amount", "Price per billing period and unit, before tax (e.g. 1188 a year)."),
        (
            "interval",
            "Billing period: day, week, month or year (one for all, or one per row).",
            "text",
        ),
        ("quantity", "Units (seats) of each subscription; blank: 1."),
        ("trial_end", "When each trial ends (MRR starts then); blank: no trial.", "dates"),
        ("as_of", "Measure at this day (default: the latest start or end).", "dates"),
    ],
    "Revenue",
    (
        Example(
            (
                ["a", "b", "c"],
                ["2025-01-10", "2025-02-01", "2025-03-20"],
                [None, "2025-04-15", None],
                [49, 1188, 99],
                ["month", "year", "month"],
                [1, 2, 1],
                [None, None, "2025-04-03"],
                "2025-04-30",
            ),
            [
                ["customer_id", "month", "mrr"],
                ["a", _month("2025-01-01"), 49],
                ["a", _month("2025-02-01"), 49],
                ["a", _month("2025-03-01"), 49],
                ["a", _month("2025-04-01"), 49],
                ["b", _month("2025-02-01"), 198],
                ["b", _month("2025-03-01"), 198],
                ["c", _month("2025-04-01"), 99],
            ],
            HAND + ": a 49 a month Jan-Apr; b 1188 x 2 / 12 = 198 while active at a month's end "
            "(ended Apr 15: Feb, Mar); c's trial ends Apr 3, so 99 from April",
        ),
    ),
    returns="table",
)
