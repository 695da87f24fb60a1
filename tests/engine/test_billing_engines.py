"""MRR from billing data is the same table on DuckDB, PostgreSQL and Spark:
the generated Stripe export (snapshot, coupons, EUR and JPY with rates) and
invoice lines with a proration, run on each engine."""

from __future__ import annotations

import pandas as pd
import pytest
from billing import stripe_export  # tests/billing, beside this package

from cxexcel.engine import Engine, connect
from cxexcel.engine.billing import billing_mrr
from cxexcel.metrics.billing import BillingSettings
from cxexcel.report._survey_facts import frame_for_engine
from cxexcel.tables import read_tables


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe")
    rows = stripe_export.generate(n=120, seed=3)
    for row in rows[:10]:
        row["Coupon"] = "HALF3"
    stripe_export.write(rows, folder / "subscriptions.csv")
    stripe_export.write_rates(folder / "Rates.csv")
    (folder / "Coupons.csv").write_text(
        "id,percent_off,duration,duration_in_months\nHALF3,50,repeating,3\n"
    )
    (folder / "InvoiceLines.csv").write_text(
        "invoice_id,subscription_id,customer_id,amount,currency,period_start,period_end,status\n"
        "in_1,sub_x,cus_x,50,usd,2025-01-01,2025-02-01,paid\n"
        "in_1,sub_x,cus_x,27.42,usd,2025-01-15,2025-02-01,paid\n"
        "in_2,sub_x,cus_x,100,usd,2025-02-01,2025-03-01,open\n"
        "in_3,sub_y,cus_y,1200,usd,2025-01-15,2026-01-15,paid\n"
        "in_4,sub_y,cus_y,99,usd,2025-02-01,2025-03-01,void\n"
    )
    tables = read_tables(folder, billing={"as_of": "2025-06-30"})
    return {
        name: tables[name] for name in ("BillingSubscriptions", "InvoiceLines", "Rates", "Coupons")
    }


def mrr_table(engine: Engine, inputs: dict) -> pd.DataFrame:
    given = {
        name: engine.from_frame(name, frame_for_engine(frame)) for name, frame in inputs.items()
    }
    result = billing_mrr(
        engine,
        subscriptions=given["BillingSubscriptions"],
        invoices=given["InvoiceLines"],
        rates=given["Rates"],
        coupons=given["Coupons"],
        settings=BillingSettings(as_of="2025-06-30"),
    )
    return result.frame(engine), result.warnings


def test_the_same_table_on_every_engine(backend, inputs):
    want, want_warnings = mrr_table(connect(), inputs)
    got, warnings = mrr_table(Engine(backend), inputs)
    assert len(want) > 500
    assert warnings == want_warnings
    pd.testing.assert_frame_equal(
        got.drop(columns=["mrr", "fx"]), want.drop(columns=["mrr", "fx"]), check_dtype=False
    )
    assert (got["mrr"] - want["mrr"]).abs().max() < 1e-9
    assert (got["fx"] - want["fx"]).abs().max() < 1e-9
    x = want[want["customer_id"] == "cus_x"].set_index("month")["mrr"]
    assert x.loc["2025-01-01"] == pytest.approx(100.0, abs=0.005)
