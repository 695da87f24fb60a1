"""The catalogue's entries: one ``register`` call per ``=CX.*`` function.

Examples marked "METRICS.md (source)" are the worked examples of the source
articles; the others are hand-checked figures.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd

from . import metrics as m
from . import table_functions as tf
from .catalog import Example, register

SOURCE = "METRICS.md (source)"
HAND = "hand-checked"

# Ten NPS answers: 7 promoters, 2 passives, 1 detractor (70% and 10%).
NPS_SAMPLE = [[10], [10], [9], [9], [10], [9], [10], [7], [8], [3]]

# -- 1. Survey -----------------------------------------------------------------

register(
    "NPS",
    m.nps,
    "Net Promoter Score from 0-10 answers: % promoters minus % detractors (-100 to 100).",
    [
        (
            "scores",
            "The 0-10 answers to 'How likely are you to recommend us?'. Blanks are ignored.",
        ),
        ("promoter_min", "Lowest score that counts as a promoter (default 9).", "value"),
        ("detractor_max", "Highest score that counts as a detractor (default 6).", "value"),
    ],
    "Survey",
    (
        Example((NPS_SAMPLE,), 60.0, SOURCE + ": 70% promoters, 10% detractors give 60"),
        Example(([[10, 3, 1, 7]], 7, 4), 0.0, HAND + ": cut-offs as parameters"),
    ),
)
register(
    "NPS_MOE",
    m.nps_moe,
    "Margin of error of the NPS, in points, at a confidence level (default 95%).",
    [
        ("scores", "The 0-10 answers. Blanks are ignored."),
        ("confidence", "Confidence level between 0 and 1 (default 0.95).", "value"),
    ],
    "Survey",
    (
        Example(
            (NPS_SAMPLE,),
            41.1125514,
            HAND + ": p=0.7, d=0.1, n=10: 100 x 1.959964 x sqrt((0.8 - 0.36) / 10)",
            1e-6,
        ),
    ),
)
register(
    "NPS_TEST",
    m.nps_test,
    "Two-sided p-value that two groups' NPS differ (adjusted Wald test).",
    [
        ("scores_a", "The 0-10 answers of the first group."),
        ("scores_b", "The 0-10 answers of the second group."),
    ],
    "Survey",
    (
        Example((NPS_SAMPLE, NPS_SAMPLE), 1.0, HAND + ": a sample against itself"),
        Example(
            ([[10]] * 8 + [[3]] * 2, [[3]] * 8 + [[10]] * 2),
            0.00408262,
            HAND + ": n'=13, p'=8.75/13, d'=2.75/13 and mirrored, z=2.8717",
            1e-6,
        ),
    ),
)
register(
    "NPS_TABLE",
    m.nps_table,
    "Table of promoters, passives and detractors (counts and shares), n, NPS and its margin of error.",
    [("scores", "The 0-10 answers. Blanks are ignored.")],
    "Survey",
    (
        Example(
            (NPS_SAMPLE,),
            [
                ["group", "count", "share"],
                ["Promoters (9-10)", 7, 0.7],
                ["Passives (7-8)", 2, 0.2],
                ["Detractors (0-6)", 1, 0.1],
                ["Responses", 10, 1.0],
                ["NPS", 60.0, None],
                ["NPS margin of error (95%)", 41.1125514, None],
            ],
            HAND,
            1e-6,
        ),
    ),
    returns="table",
)
register(
    "CSAT",
    m.csat,
    "Customer Satisfaction: share of ratings at or above the threshold (default top-2-box).",
    [
        ("scores", "Ratings from 1 to scale_max. Blanks are ignored."),
        (
            "threshold",
            "Lowest satisfied rating (default: scale_max - 1, the top two boxes).",
            "value",
        ),
        ("scale_max", "Highest rating on the scale (default 5).", "value"),
    ],
    "Survey",
    (
        Example(([[5]] * 250 + [[4]] * 150 + [[2]] * 100,), 0.8, SOURCE + ": 400 satisfied of 500"),
        Example(([[6], [10], [5], [1]], 6, 10), 0.5, SOURCE + ": a 1-10 scale, 6 or more"),
    ),
)
register(
    "CES",
    m.ces,
    "Customer Effort Score: mean agreement (1 to scale_max) that it was easy. Higher is easier.",
    [
        ("scores", "Agreement ratings from 1 to scale_max. Blanks are ignored."),
        ("scale_max", "Highest rating on the scale (default 7).", "value"),
    ],
    "Survey",
    (Example(([[7], [6], [5], [2]],), 5.0, HAND),),
)
register(
    "CXI",
    m.cxi,
    "Customer Experience Index (-100 to 100) from four ranges of 1-5 ratings.",
    [
        ("effort", "1-5 ratings of how easy it was."),
        ("empathy", "1-5 ratings of how well the customer felt understood as a person."),
        ("understanding", "1-5 ratings of how well their needs were understood."),
        ("efficiency", "1-5 ratings of how efficiently they were served."),
    ],
    "Survey",
    (
        Example(
            (
                [[5], [4], [1], [3]],
                [[5], [5], [5], [5]],
                [[1], [2], [3], [3]],
                [[4], [4], [2], [3]],
            ),
            25.0,
            HAND + ": components 25, 100, -50, 25",
        ),
    ),
)

# -- 2. Customers ----------------------------------------------------------------

register(
    "CHURN",
    m.churn,
    "Customer churn rate: customers lost in the period / customers at its start.",
    [
        ("start", "Customers at the start of the period (a number or a range, one per period)."),
        ("lost", "Customers lost during the period (new customers are not counted)."),
    ],
    "Customers",
    (
        Example((1000, 50), 0.05, SOURCE + ": 50 lost of 1,000"),
        Example((100, 5), 0.05, SOURCE + ": 100 at start, 5 lost, 10 won: 5/100, not 5/110"),
    ),
)
register(
    "RETENTION",
    m.retention,
    "Customer retention rate: (customers at the end - new customers) / customers at the start.",
    [
        ("start", "Customers at the start of the period."),
        ("end", "Customers at the end of the period."),
        ("new", "Customers won during the period."),
    ],
    "Customers",
    (Example((100, 105, 10), 0.95, HAND + ": 100 at start, 5 lost, 10 won"),),
)
register(
    "REPEAT_RATE",
    m.repeat_rate,
    "Repeat purchase rate: customers with 2+ orders / all customers (two counts, or a range of order customer ids).",
    [
        (
            "repeat_customers",
            "Customers with two or more orders, or a range of order customer ids.",
        ),
        ("customers", "All customers (leave out when giving order customer ids).", "value"),
    ],
    "Customers",
    (
        Example((200, 1000), 0.2, SOURCE + ": 200 of 1,000"),
        Example(([["a"], ["b"], ["a"], ["c"], [17], [17.0]],), 0.5, HAND + ": ids a, 17 repeat"),
    ),
)
register(
    "STICKINESS",
    m.stickiness,
    "Stickiness: daily active users / monthly active users (DAU/MAU).",
    [("dau", "Daily active users (average)."), ("mau", "Monthly active users.")],
    "Customers",
    (Example((2000, 10000), 0.2, HAND),),
)
register(
    "OPEN_RATE",
    m.open_rate,
    "Email open rate of a campaign to current customers: opened / delivered.",
    [("opens", "Emails opened."), ("delivered", "Emails delivered.")],
    "Customers",
    (Example((250, 1000), 0.25, HAND),),
)
register(
    "CLICK_RATE",
    m.click_rate,
    "Email click rate of a campaign to current customers: clicked / delivered.",
    [("clicks", "Emails with a click."), ("delivered", "Emails delivered.")],
    "Customers",
    (Example((30, 1000), 0.03, HAND),),
)
register(
    "TIME_ON_SITE",
    m.time_on_site,
    "Mean time on site: a range of visit durations, or total time and number of visitors.",
    [
        ("durations", "Visit durations (e.g. minutes), or the total time when visitors is given."),
        ("visitors", "Number of visitors (leave out when giving durations).", "value"),
    ],
    "Customers",
    (
        Example((200, 10), 20.0, SOURCE + ": 10 visitors averaging 20 minutes"),
        Example(([[10], [30], [20]],), 20.0, HAND),
    ),
)

# -- 3. Revenue and value -----------------------------------------------------------

register(
    "CLV",
    m.clv,
    "Customer lifetime value: average purchase value x purchases per year x lifespan in years.",
    [
        ("apv", "Average purchase value."),
        ("apf", "Average purchase frequency (purchases per year)."),
        ("acl", "Average customer lifespan (years)."),
    ],
    "Revenue",
    (Example((50, 4, 5), 1000.0, SOURCE + ": $50 x 4 x 5"),),
)
register(
    "CLV_CHURN",
    m.clv_churn,
    "Subscription CLV: ARPA x gross margin / churn rate (churn per the same period as ARPA).",
    [
        ("arpa", "Average revenue per account per period."),
        ("churn", "Churn rate per the same period (0 to 1)."),
        ("gross_margin", "Gross margin as a fraction (default 1).", "value"),
    ],
    "Revenue",
    (Example((100, 0.05, 0.8), 1600.0, HAND + ": 100 x 0.8 / 0.05"),),
)
register(
    "CAC",
    m.cac,
    "Customer acquisition cost: sales and marketing cost / customers acquired.",
    [
        ("cost", "Sales and marketing cost of the period."),
        ("new_customers", "Customers acquired in the period."),
    ],
    "Revenue",
    (Example((50000, 250), 200.0, HAND),),
)
register(
    "CLV_CAC",
    m.clv_cac,
    "CLV:CAC ratio. 3 or more is healthy, about 2 a slim profit, 1 or less a loss.",
    [("clv", "Customer lifetime value."), ("cac", "Customer acquisition cost.")],
    "Revenue",
    (Example((1000, 250), 4.0, HAND),),
)
register(
    "CLV_CAC_RATING",
    m.clv_cac_rating,
    'The CLV:CAC ratio rated: "healthy" (3 or more), "slim" (above 1), "loss" (1 or less).',
    [("clv", "Customer lifetime value."), ("cac", "Customer acquisition cost.")],
    "Revenue",
    (
        Example((1000, 250), "healthy", HAND),
        Example((500, 250), "slim", HAND),
        Example((250, 250), "loss", HAND),
    ),
)
register(
    "PROFIT_PER_CUSTOMER",
    m.profit_per_customer,
    "Profit per customer: CLV - CAC.",
    [("clv", "Customer lifetime value."), ("cac", "Customer acquisition cost.")],
    "Revenue",
    (Example((1000, 250), 750.0, HAND),),
)
register(
    "CAC_PAYBACK",
    m.cac_payback,
    "Months to earn back CAC: CAC / (monthly ARPA x gross margin).",
    [
        ("cac", "Customer acquisition cost."),
        ("arpa", "Average monthly revenue per account."),
        ("gross_margin", "Gross margin as a fraction (default 1).", "value"),
    ],
    "Revenue",
    (Example((1200, 100, 0.8), 15.0, HAND),),
)
register(
    "MRR",
    m.mrr,
    "Monthly recurring revenue: customers x average revenue per customer, or the sum of monthly amounts.",
    [
        ("customers", "Active customers, or a range of monthly recurring amounts."),
        ("arpc", "Average monthly revenue per customer (leave out when giving amounts).", "value"),
    ],
    "Revenue",
    (
        Example((100, 50), 5000.0, SOURCE + ": 100 x $50"),
        Example(([[1000], [2500], [None], [1500]],), 5000.0, HAND),
    ),
)
register(
    "EXPANSION_MRR",
    m.expansion_mrr,
    "MRR plus average monthly revenue from non-recurring purchases (upsell, cross-sell, add-ons).",
    [
        ("customers", "Active customers."),
        ("arpc", "Average monthly revenue per customer."),
        ("nonrecurring", "Average monthly revenue from non-recurring purchases."),
    ],
    "Revenue",
    (Example((100, 50, 700), 5700.0, HAND),),
)
register(
    "GROWTH_MRR",
    m.growth_mrr,
    "MRR growth from existing customers: MRR now - MRR before (ranges are added up).",
    [
        ("mrr_now", "This period's MRR of existing customers."),
        ("mrr_before", "The previous period's MRR of the same customers."),
    ],
    "Revenue",
    (Example(([[60], [50]], [[50], [40]]), 20.0, HAND),),
)
register(
    "CRC",
    m.crc,
    "Customer retention cost per customer: retention spend / customers.",
    [("retention_cost", "Spend on keeping customers."), ("customers", "Customers served.")],
    "Revenue",
    (Example((20000, 1000), 20.0, HAND),),
)
register(
    "UPSELL_SHARE",
    m.upsell_share,
    "Upsell revenue as a share of total revenue (10-30% young companies, 50%+ mature ones).",
    [("upsell_revenue", "Revenue from upsells."), ("total_revenue", "Total revenue.")],
    "Revenue",
    (Example((30000, 120000), 0.25, HAND),),
)
register(
    "EXISTING_REVENUE_SHARE",
    m.existing_revenue_share,
    "Share of revenue from existing customers (30% on average, 50% for top performers).",
    [("existing_revenue", "Revenue from existing customers."), ("total_revenue", "Total revenue.")],
    "Revenue",
    (Example((60000, 120000), 0.5, HAND),),
)
register(
    "CLV_PER_CAPEX",
    m.clv_per_capex,
    "CLV per dollar of capital expenditure.",
    [("clv", "Customer lifetime value."), ("capex", "Capital expenditure per customer.")],
    "Revenue",
    (Example((1000, 400), 2.5, HAND),),
)
register(
    "NRR",
    m.nrr,
    "Net revenue retention: (start MRR + expansion - contraction - churned) / start MRR.",
    [
        ("start_mrr", "MRR at the start of the period."),
        ("expansion", "MRR added by existing customers."),
        ("contraction", "MRR lost to downgrades."),
        ("churned", "MRR lost to customers who left."),
    ],
    "Revenue",
    (Example((10000, 1500, 300, 700), 1.05, HAND),),
)
register(
    "GRR",
    m.grr,
    "Gross revenue retention: (start MRR - contraction - churned) / start MRR.",
    [
        ("start_mrr", "MRR at the start of the period."),
        ("contraction", "MRR lost to downgrades."),
        ("churned", "MRR lost to customers who left."),
    ],
    "Revenue",
    (Example((10000, 300, 700), 0.9, HAND),),
)
register(
    "QUICK_RATIO",
    m.quick_ratio,
    "SaaS quick ratio: (new + expansion + reactivation MRR) / (contraction + churned MRR).",
    [
        ("new", "MRR from new customers."),
        ("expansion", "MRR added by existing customers."),
        ("contraction", "MRR lost to downgrades."),
        ("churned", "MRR lost to customers who left."),
        ("reactivation", "MRR from returning customers (default 0).", "value"),
    ],
    "Revenue",
    (Example((3000, 1500, 300, 700, 500), 5.0, HAND),),
)

# -- 4. Table analytics -------------------------------------------------------------


def btyd_sample(customers=150, weeks=30, seed=2005):
    """Transactions simulated from the BG/NBD and Gamma-Gamma processes (seeded).

    Each customer buys at a Gamma-distributed weekly rate, drops out after any
    purchase with a Beta-distributed probability, and spends Gamma amounts
    around a Gamma-Gamma distributed mean. Returns (customer, date, amount).
    """
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    ids, dates, amounts = [], [], []
    for i in range(1, customers + 1):
        rate = rng.gammavariate(0.6, 1 / 4.0)
        drop = rng.betavariate(0.8, 2.5)
        spend = rng.gammavariate(6.0, 1 / rng.gammavariate(3.7, 1 / 15.0))
        day = rng.randrange(0, 28)
        while day <= weeks * 7:
            ids.append(f"C{i:03d}")
            dates.append((start + dt.timedelta(days=day)).isoformat())
            amounts.append(round(rng.gammavariate(6.0, spend / 6.0), 2))
            if rng.random() < drop:
                break
            day += max(1, round(rng.expovariate(rate) * 7)) if rate > 0 else 10**6
    return ids, dates, amounts


def _timestamp(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# Freireich et al. (1963) 6-MP remission times in weeks, 1 = relapse, 0 = censored.
FREIREICH_WEEKS = [6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
FREIREICH_RELAPSE = [1] * 9 + [0] * 12

register(
    "MRR_MOVEMENTS",
    tf.mrr_movements,
    "Monthly MRR movements: starting MRR, new, expansion, contraction, churned, reactivation, ending MRR.",
    [
        ("customer", "Customer id of each row (one row per customer and month).", "text"),
        ("month", "Month of each row (any date in the month).", "dates"),
        ("mrr", "Monthly recurring revenue of the customer in that month."),
        (
            "fx",
            "Optional: the part of each row's MRR that comes from an exchange rate's change "
            "since the month before (the fx column of CX.MRR_FROM_SUBSCRIPTIONS); adds an fx "
            "movement before ending_mrr. Blanks are 0.",
        ),
    ],
    "Table analytics",
    (
        Example(
            (
                ["a", "b", "a", "b", "c", "a", "c"],
                ["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01", "2024-02-01"]
                + ["2024-04-01", "2024-04-01"],
                [100, 50, 120, 0, 80, 120, 60],
            ),
            [
                ["month", "starting_mrr", "new", "expansion", "contraction"]
                + ["churned", "reactivation", "ending_mrr"],
                [_timestamp("2024-01-01"), 0, 150, 0, 0, 0, 0, 150],
                [_timestamp("2024-02-01"), 150, 80, 20, 0, 50, 0, 200],
                [_timestamp("2024-03-01"), 200, 0, 0, 0, 200, 0, 0],
                [_timestamp("2024-04-01"), 0, 0, 0, 0, 0, 180, 180],
            ],
            HAND + ": b leaves in February, nobody pays in March, a and c come back in April",
        ),
        Example(
            (
                ["a", "b", "a", "b"],
                ["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"],
                [110, 50, 105, 60],
                [0, 0, -5, 0],
            ),
            [
                ["month", "starting_mrr", "new", "expansion", "contraction"]
                + ["churned", "reactivation", "fx", "ending_mrr"],
                [_timestamp("2025-01-01"), 0, 160, 0, 0, 0, 0, 0, 160],
                [_timestamp("2025-02-01"), 160, 0, 10, 0, 0, 0, -5, 165],
            ],
            HAND
            + ": a pays EUR 100 at 1.10 then 1.05 USD (fx -5, not contraction); b expands by 10",
        ),
    ),
    returns="table",
)
register(
    "COHORTS",
    tf.cohorts,
    "Cohort retention matrix: first-period cohorts by periods since start, as shares active.",
    [
        ("customer", "Customer id of each activity or order row.", "text"),
        ("date", "Date of each row.", "dates"),
        ("period", 'Cohort period: "M" month (default), "W" week, "Q" quarter.', "text"),
    ],
    "Table analytics",
    (
        Example(
            (
                ["a", "b", "a", "c", "b", "c"],
                [
                    "2024-01-05",
                    "2024-01-20",
                    "2024-02-03",
                    "2024-02-10",
                    "2024-03-01",
                    "2024-03-15",
                ],
            ),
            [
                ["cohort", "size", "0", "1", "2"],
                [_timestamp("2024-01-01"), 2, 1.0, 0.5, 0.5],
                [_timestamp("2024-02-01"), 1, 1.0, 1.0, None],
            ],
            HAND + ": a active in months 0-1, b in 0 and 2; c in 0-1",
        ),
    ),
    returns="table",
)
register(
    "SURVIVAL",
    tf.survival,
    "Kaplan-Meier retention curve with its Greenwood (log-log) confidence band.",
    [
        ("duration", "Tenure of each customer (e.g. months)."),
        ("churned", "1 if the customer churned, 0 if still active (censored)."),
        ("confidence", "Confidence level of the band (default 0.95).", "value"),
    ],
    "Table analytics",
    (
        Example(
            (FREIREICH_WEEKS, FREIREICH_RELAPSE),
            [
                ["time", "at_risk", "events", "censored", "survival", "lower", "upper"],
                [6, 21, 3, 1, 0.857143, 0.619718, 0.951552],
                [7, 17, 1, 0, 0.806723, 0.563147, 0.922809],
                [9, 16, 0, 1, 0.806723, 0.563147, 0.922809],
                [10, 15, 1, 1, 0.752941, 0.503200, 0.889362],
            ],
            "Freireich et al. (1963) 6-MP arm; S(t) as in Kleinbaum & Klein, "
            "band as R survfit(conf.type='log-log')",
            1e-6,
            partial=True,
        ),
    ),
    returns="table",
)
register(
    "RFM",
    tf.rfm,
    "Per customer: repeat purchases (frequency), recency, age T and mean repeat spend.",
    [
        ("customer", "Customer id of each transaction.", "text"),
        ("date", "Date of each transaction (same-day purchases count as one).", "dates"),
        ("amount", "Value of each transaction."),
        (
            "end_date",
            "End of the observation period (default: the last transaction date).",
            "dates",
        ),
        (
            "unit",
            'Time unit of recency and T: "M" months (default, as on the CX CLV sheet), '
            '"W" weeks, "D" days.',
            "text",
        ),
    ],
    "Table analytics",
    (
        Example(
            (
                ["a", "a", "a", "b", "c", "c"],
                [
                    "2024-01-01",
                    "2024-01-08",
                    "2024-01-22",
                    "2024-01-03",
                    "2024-01-05",
                    "2024-01-05",
                ],
                [10, 20, 30, 5, 7, 8],
                "2024-01-29",
                "W",
            ),
            [
                ["customer", "frequency", "recency", "T", "monetary_value"],
                ["a", 2, 3.0, 4.0, 25.0],
                ["b", 0, 0.0, 26 / 7, 0.0],
                ["c", 0, 0.0, 24 / 7, 0.0],
            ],
            HAND + ": a buys on days 0, 7 and 21 of 28; c's two purchases are one day",
        ),
    ),
    returns="table",
)
register(
    "PREDICT_CLV",
    tf.predict_clv,
    "Predicted CLV per customer from transactions: BG/NBD purchases x Gamma-Gamma spend.",
    [
        ("customer", "Customer id of each transaction.", "text"),
        ("date", "Date of each transaction.", "dates"),
        ("amount", "Value of each transaction."),
        ("horizon", "How far ahead to predict, in time units (e.g. 12 months).", "value"),
        ("discount", "Discount rate per time unit (default 0: none).", "value"),
        (
            "unit",
            'Time unit of horizon, discount, recency and T: "M" months (default, as on '
            'the CX CLV sheet), "W" weeks, "D" days.',
            "text",
        ),
        (
            "end_date",
            "End of the observation period (default: the last transaction date).",
            "dates",
        ),
    ],
    "Table analytics",
    (
        Example(
            (*btyd_sample(), 12, 0.0, "W", "2024-07-28"),
            [
                ["customer", "frequency", "recency", "T", "monetary_value"]
                + ["p_alive", "expected_purchases", "expected_spend", "clv"],
                ["C001", 4, 27.571429, 29.857143, 7.7225, 0.850073, 1.261390, 9.943712, 12.542903],
                ["C002", 1, 4.714286, 28.571429, 14.82, 0.224764, 0.107225, 20.408983, 2.188352],
                ["C003", 0, 0.0, 29.285714, 0.0, 1.0, 0.118284, 38.155519, 4.513184],
            ],
            "lifetimes 0.11.3 (BetaGeoFitter, GammaGammaFitter) on the same simulated data",
            1e-5,
            partial=True,
        ),
    ),
    returns="table",
)
