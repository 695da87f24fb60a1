"""Small, seeded input tables in the canonical form ``read_tables`` returns."""

from __future__ import annotations

import numpy as np
import pandas as pd

TRICKY_COMMENTS = [
    '=HYPERLINK("http://x","y")',
    "+1 would buy again",
    "-- not happy --",
    "@support never answered",
    "Great service",
    "Slow delivery, but friendly staff",
]


def make_tables(
    seed: int = 3,
    customers: int = 300,
    months: int = 12,
    responses: int = 1500,
    start: str = "2024-01",
) -> dict[str, pd.DataFrame]:
    """All six tables with plausible values; every comment kind appears."""
    rng = np.random.default_rng(seed)
    month_index = pd.date_range(start, periods=months, freq="MS")

    # Subscriptions: each customer joins in some month and may churn later.
    join = rng.integers(0, months, customers)
    life = rng.geometric(0.08, customers)
    base = rng.choice([29.0, 49.0, 99.0, 199.0], customers)
    rows_c, rows_m, rows_v = [], [], []
    for c in range(customers):
        for m in range(join[c], min(months, join[c] + life[c])):
            step = 1.0 + 0.1 * rng.integers(-1, 2) if m > join[c] else 1.0
            base[c] = max(9.0, base[c] * step)
            rows_c.append(f"C{c:05d}")
            rows_m.append(month_index[m])
            rows_v.append(round(base[c], 2))
    subscriptions = pd.DataFrame({"customer_id": rows_c, "month": rows_m, "mrr": rows_v})

    days = pd.to_datetime(start) + pd.to_timedelta(rng.integers(0, months * 30, responses), "D")
    nps = rng.choice(np.arange(11), responses, p=[0.02] * 5 + [0.05] * 2 + [0.15] * 2 + [0.25] * 2)
    comment = np.where(
        rng.random(responses) < 0.4, rng.choice(TRICKY_COMMENTS, responses), None
    ).astype(object)
    comment[0] = TRICKY_COMMENTS[0]
    nps[0] = 2
    responses_frame = pd.DataFrame(
        {
            "date": days,
            "nps": nps.astype(float),
            "csat": rng.integers(1, 6, responses).astype(float),
            "ces": rng.integers(1, 8, responses).astype(float),
            "customer_id": [f"C{c:05d}" for c in rng.integers(0, customers, responses)],
            "segment": rng.choice(["SMB", "Mid-market", "Enterprise"], responses),
            "comment": comment,
        }
    )
    responses_frame.loc[5, "csat"] = np.nan

    # Orders: each customer buys at their own rate until they drop out (BG/NBD-like).
    rate = rng.gamma(0.8, 1 / 20.0, customers)  # purchases per day
    alive_days = rng.exponential(months * 20.0, customers)
    first_day = rng.integers(0, months * 15, customers)
    spend_scale = 1.0 / rng.gamma(4.0, 1 / 60.0, customers)  # Gamma-Gamma-like mean spend
    order_rows = []
    for c in range(customers):
        day = float(first_day[c])
        stop = min(months * 30 - 1, first_day[c] + alive_days[c])
        while day <= stop:
            order_rows.append(
                (f"C{c:05d}", int(day), round(float(rng.gamma(3.0, spend_scale[c] / 3.0)), 2))
            )
            day += rng.exponential(1 / rate[c])
    orders = pd.DataFrame(order_rows, columns=["customer_id", "day", "amount"])
    orders.insert(1, "date", pd.to_datetime(start) + pd.to_timedelta(orders.pop("day"), "D"))
    spend = pd.DataFrame(
        {
            "month": month_index,
            "sales_marketing_cost": rng.uniform(5000, 9000, months).round(0),
            "new_customers": rng.integers(10, 40, months).astype(float),
            "retention_cost": rng.uniform(1000, 2000, months).round(0),
        }
    )
    n_days = months * 30
    dates = pd.date_range(start, periods=n_days, freq="D")
    mau = rng.integers(800, 1000, n_days).astype(float)
    delivered = rng.integers(900, 1100, n_days).astype(float)
    opens = np.floor(delivered * rng.uniform(0.2, 0.4, n_days))
    engagement = pd.DataFrame(
        {
            "date": dates,
            "dau": np.floor(mau * rng.uniform(0.1, 0.3, n_days)),
            "mau": mau,
            "sessions": rng.integers(300, 600, n_days).astype(float),
            "avg_session_minutes": rng.uniform(3, 9, n_days).round(1),
            "emails_delivered": delivered,
            "opens": opens,
            "clicks": np.floor(opens * rng.uniform(0.1, 0.3, n_days)),
        }
    )
    targets = pd.DataFrame(
        {
            "metric": [
                "NPS",
                "CSAT",
                "CES",
                "Churn",
                "Retention",
                "MRR",
                "NRR",
                "CLV",
                "CAC",
                "CLV:CAC",
            ],
            "target": [50, 0.8, 5.5, 0.05, 0.95, 20000, 1.0, 2000, 300, 3],
        }
    )
    return {
        "Responses": responses_frame,
        "Subscriptions": subscriptions,
        "Orders": orders,
        "Spend": spend,
        "Engagement": engagement,
        "Targets": targets,
    }


def one_row_tables() -> dict[str, pd.DataFrame]:
    """Every table kind with a single data row (one month of Subscriptions, one order, ...)."""
    day = pd.Timestamp("2024-01-05")
    month = pd.Timestamp("2024-01-01")
    return {
        "Responses": pd.DataFrame(
            {
                "date": [day],
                "nps": [9.0],
                "csat": [4.0],
                "ces": [5.0],
                "customer_id": ["c1"],
                "segment": ["SMB"],
                "comment": ["great"],
            }
        ),
        "Subscriptions": pd.DataFrame({"customer_id": ["c1"], "month": [month], "mrr": [100.0]}),
        "Orders": pd.DataFrame({"customer_id": ["c1"], "date": [day], "amount": [50.0]}),
        "Spend": pd.DataFrame(
            {
                "month": [month],
                "sales_marketing_cost": [1000.0],
                "new_customers": [1.0],
                "retention_cost": [100.0],
            }
        ),
        "Engagement": pd.DataFrame(
            {
                "date": [day],
                "dau": [10.0],
                "mau": [100.0],
                "sessions": [20.0],
                "avg_session_minutes": [3.5],
                "emails_delivered": [100.0],
                "opens": [20.0],
                "clicks": [5.0],
            }
        ),
        "Targets": pd.DataFrame({"metric": ["NPS"], "target": [30.0]}),
    }
