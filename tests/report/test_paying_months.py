"""The report's paying months: made from the rows as they are when the
Subscriptions table has one row per customer and month, else from the
customer-months; the figures are the same either way, and the same as the
core's ``mrr_movements`` and ``revenue_retention`` on the whole table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxexcel.engine.subscriptions import one_row_per_month, paying_months, row_months
from cxexcel.metrics import mrr_movements
from cxexcel.metrics.mrr_retention import revenue_retention
from cxexcel.report._facts import Facts
from cxexcel.sample_data import generate


def one_row_each() -> pd.DataFrame:
    """The sample's customer-months (one row each), without the fx column."""
    subs = generate(seed=4, customers=120)["Subscriptions"]
    return subs[["customer_id", "month", "mrr", "segment"]].reset_index(drop=True)


def split_rows(subs: pd.DataFrame) -> pd.DataFrame:
    """Every third month paid in two rows (two plans)."""
    part = subs.iloc[::3].copy()
    part["mrr"] = part["mrr"] / 4
    out = subs.copy()
    out.loc[part.index, "mrr"] *= 0.75
    return pd.concat([out, part], ignore_index=True).sample(frac=1, random_state=1)


def zero_rows(subs: pd.DataFrame) -> pd.DataFrame:
    """Rows of 0 beside paying rows of the same month, and months of 0 alone."""
    extra = subs.iloc[::5].assign(mrr=0.0)
    gone = subs.iloc[1::7].assign(mrr=0.0)
    out = subs.drop(index=gone.index)
    return pd.concat([out, gone, extra], ignore_index=True)


def mid_month(subs: pd.DataFrame) -> pd.DataFrame:
    """Some rows dated within the month rather than on its first day, one
    of them a second row of a customer's month."""
    out = subs.copy()
    out.loc[::4, "month"] = out.loc[::4, "month"] + pd.Timedelta(days=14)
    second = out.iloc[[10]].assign(month=out["month"].iloc[10] + pd.Timedelta(days=3))
    return pd.concat([out, second], ignore_index=True)


CASES = {
    "one row each": (one_row_each, True),
    "split rows": (lambda: split_rows(one_row_each()), False),
    "rows of 0": (lambda: zero_rows(one_row_each()), True),
    "within the month": (lambda: mid_month(one_row_each()), False),
}


def figures(facts: Facts) -> dict:
    activity = facts.subscription_activity
    return {
        "movements": facts.movements,
        "customers": facts.customer_months,
        "trailing": facts.trailing_retention,
        "cohorts": activity.cohorts.sort_values(["cohort", "age"], ignore_index=True),
        "tenures": activity.tenures,
    }


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rows_or_customer_months_give_the_same_figures(case):
    make, rows_are_months = CASES[case]
    subs = make()
    facts = Facts({"Subscriptions": subs})
    grouped = Facts({"Subscriptions": subs.assign(fx=0.0)})  # fx: always the grouped road
    got, want = figures(facts), figures(grouped)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_dtype=False, obj=name)
    paying = facts.engine.execute(facts.paying_month_table.count())
    by_month = subs.assign(month=subs["month"].dt.to_period("M"))
    by_month = by_month.groupby(["customer_id", "month"])["mrr"].sum()
    assert paying == int((by_month > 0).sum())
    # Which road: the check on the rows' paying months says whether they are
    # the customer-months.
    table = facts.engine_table("Subscriptions")
    rows = paying_months(row_months(table))
    ok = facts.engine.execute(one_row_per_month(table, rows))["ok"].iloc[0]
    assert ok == (1 if rows_are_months else 0)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_figures_are_the_core_figures(case):
    subs = CASES[case][0]()
    facts = Facts({"Subscriptions": subs})
    want = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"])
    got = facts.movements
    assert list(got["month"]) == list(want["month"])
    for column in want.columns[1:]:
        assert np.allclose(got[column], want[column], atol=1e-9), column
    retention = revenue_retention(subs["customer_id"], subs["month"], subs["mrr"], 12)
    retention = retention[retention["base_mrr"] > 0]
    trailing = facts.trailing_retention.assign(month=got["month"]).set_index("month")
    assert len(retention) > 0
    for name in ("nrr", "grr"):
        expected = retention.set_index("month")[name]
        assert np.allclose(trailing.loc[expected.index, name], expected, atol=1e-9), name


def test_a_row_below_0_or_fx_on_a_row_of_0_takes_the_grouped_road():
    """The input check refuses amounts below 0, but the reductions take any
    table: a credit row would be dropped from its month on the rows' road."""
    subs = one_row_each()
    facts = Facts({"Subscriptions": subs})
    engine = facts.engine
    for changed in (
        pd.concat([subs, subs.iloc[[3]].assign(mrr=-5.0)], ignore_index=True),
        pd.concat([subs.assign(fx=0.0), subs.iloc[[3]].assign(mrr=0.0, fx=1.5)], ignore_index=True),
    ):
        table = engine.from_frame("Subscriptions", changed)
        ok = engine.execute(one_row_per_month(table, paying_months(row_months(table))))
        assert ok["ok"].iloc[0] == 0
