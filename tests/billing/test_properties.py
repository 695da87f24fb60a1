"""Property tests of MRR from billing data: a subscription's months add up to
its monthly amount x its active months; the movement identity holds with fx,
and the engine's movements equal the core's."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxexcel.engine import connect
from cxexcel.engine.subscriptions import subscription_totals
from cxexcel.metrics import mrr_movements
from cxexcel.metrics.billing import INTERVAL_MONTHS
from cxexcel.metrics.movements import MOVEMENT_TOTALS, movements_from_totals
from cxexcel.tables import read_tables

AS_OF = dt.date(2025, 12, 31)
FIRST = dt.datetime(2023, 1, 1)


def active_months(start: dt.datetime, end: dt.datetime | None) -> int:
    """Months whose last instant lies in [start, end), counted one by one."""
    count, year, month = 0, 2022, 1
    cutoff = dt.datetime.combine(AS_OF, dt.time()) + dt.timedelta(days=1)
    while (year, month) <= (AS_OF.year, AS_OF.month):
        at = min(dt.datetime(year + month // 12, month % 12 + 1, 1), cutoff)
        if start < at and (end is None or end >= at):
            count += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return count


subscription = st.fixed_dictionaries(
    {
        "amount": st.integers(1, 1_000_000),
        "interval": st.sampled_from(sorted(INTERVAL_MONTHS)),
        "interval_count": st.integers(1, 3),
        "quantity": st.integers(1, 12),
        "start": st.integers(0, 1000).map(lambda d: FIRST + dt.timedelta(days=d, hours=d % 24)),
        "days": st.one_of(st.none(), st.integers(0, 900)),
    }
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(subscription, min_size=1, max_size=6))
def test_a_subscriptions_months_sum_to_its_monthly_amount_times_its_active_months(subs):
    rows = []
    for i, sub in enumerate(subs):
        end = None if sub["days"] is None else sub["start"] + dt.timedelta(days=sub["days"])
        rows.append(
            {
                "subscription_id": f"s{i}",
                "customer_id": f"c{i}",
                "amount": sub["amount"],
                "interval": sub["interval"],
                "interval_count": sub["interval_count"],
                "quantity": sub["quantity"],
                "status": "canceled" if end is not None else "active",
                "start": sub["start"],
                "ended_at": end,
                "canceled_at": end,
            }
        )
    frame = pd.DataFrame(rows)
    frame["ended_at"] = pd.to_datetime(frame["ended_at"])
    frame["canceled_at"] = pd.to_datetime(frame["canceled_at"])
    tables = read_tables({"BillingSubscriptions": frame}, billing={"as_of": AS_OF})
    got = tables["Subscriptions"].groupby("customer_id")["mrr"].agg(["sum", "count"])
    for row, sub in zip(rows, subs, strict=True):
        months = INTERVAL_MONTHS[sub["interval"]] * sub["interval_count"]
        monthly = sub["amount"] * sub["quantity"] / months
        n = active_months(row["start"], row["ended_at"])
        if n == 0:
            assert row["customer_id"] not in got.index
            continue
        assert got.loc[row["customer_id"], "count"] == n
        assert got.loc[row["customer_id"], "sum"] == pytest.approx(monthly * n, rel=1e-12)


def multi_currency(seed: int) -> pd.DataFrame:
    """The Subscriptions table of random EUR, GBP and USD subscriptions with
    rates that move every month."""
    rng = np.random.default_rng(seed)
    n = 60
    starts = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    ended = [
        s + pd.Timedelta(days=int(d)) if rng.random() < 0.4 else pd.NaT
        for s, d in zip(starts, rng.integers(20, 400, n), strict=True)
    ]
    subs = pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(n)],
            "customer_id": [f"c{i % 40}" for i in range(n)],
            "amount": rng.integers(10, 500, n).astype(float),
            "currency": rng.choice(["USD", "EUR", "GBP"], n),
            "interval": rng.choice(["month", "year"], n, p=[0.8, 0.2]),
            "status": ["canceled" if not pd.isna(e) else "active" for e in ended],
            "start": starts,
            "ended_at": ended,
        }
    )
    months = pd.date_range("2024-01-01", "2025-06-01", freq="MS")
    rates = pd.DataFrame(
        [
            {"month": m, "currency": c, "rate": base + 0.05 * np.sin(i + seed)}
            for i, m in enumerate(months)
            for c, base in (("EUR", 1.1), ("GBP", 1.27))
        ]
    )
    tables = read_tables(
        {"BillingSubscriptions": subs, "Rates": rates},
        billing={"as_of": "2025-06-30", "currency": "USD"},
    )
    return tables["Subscriptions"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_movement_identity_holds_with_fx_and_the_engine_equals_the_core(seed):
    subs = multi_currency(seed)
    assert (subs["fx"].abs() > 0.01).any()
    core = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"], subs["fx"])
    flows = (
        core["starting_mrr"]
        + core["new"]
        + core["expansion"]
        + core["reactivation"]
        - core["contraction"]
        - core["churned"]
        + core["fx"]
    )
    assert np.allclose(flows, core["ending_mrr"], atol=1e-9)
    engine = connect()
    totals = subscription_totals(engine, engine.from_frame("Subscriptions", subs))
    got = movements_from_totals(
        totals.first_month,
        totals.n_months,
        totals.months["slot"],
        {name: totals.months[name] for name in (*MOVEMENT_TOTALS, "fx")},
    )
    assert list(got.columns) == list(core.columns)
    for column in core.columns[1:]:
        assert np.allclose(got[column], core[column], atol=1e-9), column
    # Without fx the same change is expansion and contraction: fx is taken out of them.
    plain = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"])
    assert np.allclose(plain["ending_mrr"], core["ending_mrr"])
    assert (plain["expansion"] - plain["contraction"]).sum() == pytest.approx(
        (core["expansion"] - core["contraction"] + core["fx"]).sum()
    )


def test_the_fx_worked_example_is_an_fx_movement_not_contraction():
    subs = pd.DataFrame(
        [
            {"customer_id": "cus_1", "amount": 100, "currency": "EUR", "interval": "month"}
            | {"start": "2025-01-05"}
        ]
    )
    rates = pd.DataFrame(
        {"month": ["2025-01", "2025-02"], "currency": ["EUR", "EUR"], "rate": [1.10, 1.05]}
    )
    table = read_tables(
        {"BillingSubscriptions": subs, "Rates": rates},
        billing={"as_of": "2025-02-28", "currency": "USD"},
    )["Subscriptions"]
    moves = mrr_movements(table["customer_id"], table["month"], table["mrr"], table["fx"])
    feb = moves.iloc[1]
    assert feb["ending_mrr"] == pytest.approx(105)
    assert feb["fx"] == pytest.approx(-5)
    assert feb["expansion"] == 0 and feb["contraction"] == 0
