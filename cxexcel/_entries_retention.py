"""Catalogue entries of the revenue-retention functions (``metrics.mrr_retention``).

Every example figure is worked out by hand in its ``source`` text.
"""

from __future__ import annotations

import pandas as pd

from . import metrics as m
from .catalog import Example, register

HAND = "hand-checked"

CUSTOMER = ("customer", "Customer id of each row (one row per customer and month).", "text")
MONTH = ("month", "Month of each row (any date in the month).", "dates")
MRR = ("mrr", "Monthly recurring revenue of the customer in that month.")

# Four customers over January-April 2024, one row per customer and month:
#            Jan  Feb  Mar  Apr
#   a        100  120  150  200   expands every month
#   b         50   50    0    -   leaves in March (MRR 0)
#   c          -   80   60   60   new in February, contracts in March
#   d         40    -    -   40   leaves in February, comes back in April
# Paying MRR by month: Jan 190 (a, b, d), Feb 250 (a, b, c), Mar 210 (a, c), Apr 300.
SAMPLE = (
    ["a", "b", "d", "a", "b", "c", "a", "b", "c", "a", "c", "d"],
    ["2024-01-01"] * 3 + ["2024-02-01"] * 3 + ["2024-03-01"] * 3 + ["2024-04-01"] * 3,
    [100, 50, 40, 120, 50, 80, 150, 0, 60, 200, 60, 40],
)


def _month(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


register(
    "ARR",
    m.arr,
    "Annual recurring revenue: 12 x MRR (a range of monthly recurring amounts is added up first).",
    [("mrr", "Monthly recurring revenue: one figure or a range of amounts. Blanks are ignored.")],
    "Revenue",
    (
        Example((4000,), 48000.0, HAND + ": 12 x 4000"),
        Example(
            ([[1000], [2500], [None], [1500]],),
            60000.0,
            HAND + ": 12 x (1000 + 2500 + 1500), the blank left out",
        ),
    ),
)
register(
    "ANNUALIZED_CHURN",
    m.annualized_churn,
    "Annualized churn from a churn rate per period: 1 - (1 - churn) ^ periods (12 for monthly).",
    [
        ("churn", "Churn rate per period, 0 to 1 (one rate or a range of them)."),
        ("periods", "Periods in a year (default 12: monthly rates; 4 quarterly).", "value"),
    ],
    "Customers",
    (
        Example(
            (0.05,),
            0.4596399123,
            HAND + ": 0.95^4 = 0.81450625, 0.95^12 = 0.81450625^3 = 0.5403600877, 1 - that",
            1e-9,
        ),
        Example((0.1, 4), 0.3439, HAND + ": 1 - 0.9^4 = 1 - 0.6561"),
    ),
)
register(
    "REVENUE_RETENTION",
    m.revenue_retention,
    "Net and gross revenue retention per month of the customers paying window months before.",
    [
        CUSTOMER,
        MONTH,
        MRR,
        (
            "window",
            "Months back to the base month (default 12: year over year; 1: month over month).",
            "value",
        ),
    ],
    "Table analytics",
    (
        Example(
            (*SAMPLE, 2),
            [
                ["month", "base_mrr", "mrr_now", "nrr", "grr"],
                [_month("2024-03-01"), 190, 150, 150 / 190, 100 / 190],
                [_month("2024-04-01"), 250, 260, 1.04, 0.72],
            ],
            HAND + ": March's base is January's a 100, b 50, d 40 = 190; in March a pays 150 "
            "(counted at most 100 for GRR), b and d 0. April's base is February's a 120, "
            "b 50, c 80 = 250; in April a 200 (120 for GRR), b 0, c 60: 260 and 180",
        ),
        Example(
            (*SAMPLE, 1),
            [
                ["month", "base_mrr", "mrr_now", "nrr", "grr"],
                [_month("2024-02-01"), 190, 170, 170 / 190, 150 / 190],
                [_month("2024-03-01"), 250, 210, 0.84, 0.72],
                [_month("2024-04-01"), 210, 260, 260 / 210, 1.0],
            ],
            HAND + ": month over month; d's return in April is reactivation, in neither",
        ),
    ),
    returns="table",
)
register(
    "REVENUE_COHORTS",
    m.revenue_cohorts,
    "Net revenue retention by cohort: each cohort's MRR in later months / its first-month MRR.",
    [CUSTOMER, MONTH, MRR],
    "Table analytics",
    (
        Example(
            SAMPLE,
            [
                ["cohort", "mrr", "0", "1", "2", "3"],
                [_month("2024-01-01"), 190, 1.0, 170 / 190, 150 / 190, 240 / 190],
                [_month("2024-02-01"), 80, 1.0, 0.75, 0.75, None],
            ],
            HAND + ": January cohort a, b, d pays 190, then 170 (a 120, b 50), 150 (a), "
            "240 (a 200, d 40); February cohort c pays 80, then 60 and 60",
        ),
    ),
    returns="table",
)
register(
    "CHURN_TABLE",
    m.churn_table,
    "Customers per month from MRR rows: starting, new, reactivated, churned, ending, churn rate.",
    [CUSTOMER, MONTH, MRR],
    "Table analytics",
    (
        Example(
            SAMPLE,
            [
                ["month", "starting_customers", "new", "reactivated", "churned"]
                + ["ending_customers", "churn_rate"],
                [_month("2024-01-01"), 0, 3, 0, 0, 3, None],
                [_month("2024-02-01"), 3, 1, 0, 1, 3, 1 / 3],
                [_month("2024-03-01"), 3, 0, 0, 1, 2, 1 / 3],
                [_month("2024-04-01"), 2, 0, 1, 0, 3, 0.0],
            ],
            HAND + ": a, b, d start; c is new and d leaves in February; b leaves in March "
            "(MRR 0); d comes back in April",
        ),
    ),
    returns="table",
)
