"""BILLING.md's worked examples, each a test: billing tables in, the
Subscriptions table (customer x month MRR) out, through read_tables."""

from __future__ import annotations

import pandas as pd
import pytest

from cxexcel.errors import InputError, TableError
from cxexcel.metrics import mrr_movements
from cxexcel.tables import read_tables


def subscription(**fields) -> dict:
    row = {
        "subscription_id": "sub_1",
        "customer_id": "cus_1",
        "amount": 49,
        "currency": "USD",
        "interval": "month",
        "status": "active",
        "start": "2025-01-10",
    }
    row.update(fields)
    return row


def mrr(*rows, as_of="2025-06-30", notes=None, **tables) -> dict[str, float]:
    """Month (YYYY-MM) -> MRR of the customers summed, from subscription rows."""
    inputs = {name: pd.DataFrame(value) for name, value in tables.items() if name[0].isupper()}
    if rows:
        inputs["BillingSubscriptions"] = pd.DataFrame(list(rows))
    settings = {key: value for key, value in tables.items() if not key[0].isupper()}
    settings["as_of"] = as_of
    read = read_tables(inputs, billing=settings, notes=notes)
    subs = read["Subscriptions"]
    by_month = subs.groupby(subs["month"].dt.strftime("%Y-%m"))["mrr"].sum()
    return {month: round(value, 2) for month, value in by_month.items() if value}


def test_monthly():
    assert mrr(subscription()) == {f"2025-0{m}": 49.0 for m in range(1, 7)}


def test_annual_in_stripe_minor_units():
    row = subscription(amount=118800, interval="year", quantity=2, minor_units=1)
    assert set(mrr(row).values()) == {198.0}


def test_weekly():
    assert set(mrr(subscription(amount=10, interval="week")).values()) == {43.33}


def test_interval_count_quarterly():
    row = subscription(amount=300, interval="month", interval_count=3)
    assert set(mrr(row).values()) == {100.0}


def test_trial():
    row = subscription(amount=99, start="2025-03-20", trial_end="2025-04-03")
    got = mrr(row)
    assert "2025-03" not in got and got["2025-04"] == 99


def test_trialing_status_has_no_mrr():
    notes: list[str] = []
    row = subscription(status="trialing", trial_end="2025-07-20")
    with pytest.raises(KeyError):  # no customer-month at all: an empty table
        mrr(row, subscription(subscription_id="s2", customer_id="c2", status="trialing"))["2025-01"]
    assert mrr(row, subscription(subscription_id="s2", customer_id="c2"), notes=notes)
    assert any("1 trialing" in note for note in notes)


CANCELED = subscription(
    amount=99, status="canceled", canceled_at="2025-04-20", ended_at="2025-05-10"
)


def test_churn_at_end():
    got = mrr(CANCELED)
    assert got["2025-04"] == 99 and "2025-05" not in got


def test_churn_at_cancel():
    got = mrr(CANCELED, churn_at="cancel")
    assert got["2025-03"] == 99 and "2025-04" not in got and "2025-05" not in got


def test_cancel_at_period_end_without_an_end_is_still_active():
    row = subscription(amount=99, canceled_at="2025-04-20")
    assert mrr(row)["2025-06"] == 99


def test_starts_and_ends_in_one_month_never_shows():
    row = subscription(status="canceled", start="2025-02-02", ended_at="2025-02-20")
    row2 = subscription(subscription_id="s2", customer_id="c2")
    assert mrr(row, row2) == {f"2025-0{m}": 49.0 for m in range(1, 7)}


def test_coupon_20_percent_forever():
    coupons = [{"id": "TWENTY", "percent_off": 20, "duration": "forever"}]
    row = subscription(amount=100, coupon="TWENTY")
    assert set(mrr(row, Coupons=coupons).values()) == {80.0}


def test_coupon_50_percent_for_3_months():
    coupons = [{"id": "HALF3", "percent_off": 50, "duration": "repeating", "duration_in_months": 3}]
    row = subscription(amount=100, start="2025-01-05", coupon="HALF3")
    got = mrr(row, Coupons=coupons, as_of="2025-04-30")
    assert got == {"2025-01": 50, "2025-02": 50, "2025-03": 50, "2025-04": 100}


def test_coupon_once_is_not_mrr():
    coupons = [{"id": "ONCE", "percent_off": 50, "duration": "once"}]
    assert set(mrr(subscription(amount=100, coupon="ONCE"), Coupons=coupons).values()) == {100}


def test_amount_off_coupon_in_minor_units_per_bill():
    coupons = [{"id": "TEN", "amount_off": 1000, "currency": "usd", "duration": "forever"}]
    row = subscription(amount=1200, interval="year", coupon="TEN")
    assert set(mrr(row, Coupons=coupons).values()) == {round((1200 - 10) / 12, 2)}


def test_unknown_coupon_is_a_warning_and_mrr_counts_without_it():
    notes: list[str] = []
    assert set(mrr(subscription(amount=100, coupon="MYSTERY"), notes=notes).values()) == {100}
    assert any("MYSTERY" in note and "not described" in note for note in notes)


def test_discount_percent_column():
    assert set(mrr(subscription(amount=100, discount_percent=25)).values()) == {75.0}


def test_zero_decimal_currency_in_its_own_units_and_converted():
    row = subscription(amount=5000, currency="jpy", minor_units=1)
    notes: list[str] = []
    assert set(mrr(row, notes=notes).values()) == {5000.0}
    assert any(note.startswith("billing: JPY: zero-decimal currency") for note in notes)
    usd = subscription(subscription_id="s2", customer_id="c2", amount=4900, minor_units=1)
    rates = [{"month": "2025-01", "currency": "JPY", "rate": 0.0065}]
    got = mrr(row, usd, Rates=rates, currency="USD")
    assert set(got.values()) == {round(49 + 5000 * 0.0065, 2)}


def test_fx():
    row = subscription(amount=100, currency="EUR", start="2025-01-05")
    usd = subscription(subscription_id="s2", customer_id="c2", amount=10, start="2024-12-01")
    rates = [
        {"month": "2025-01", "currency": "EUR", "rate": 1.10},
        {"month": "2025-02", "currency": "EUR", "rate": 1.05},
    ]
    read = read_tables(
        {"BillingSubscriptions": pd.DataFrame([row, usd]), "Rates": pd.DataFrame(rates)},
        billing={"as_of": "2025-03-31"},
    )
    subs = read["Subscriptions"]
    eur = subs[subs["customer_id"] == "cus_1"]
    eur = eur.set_index(eur["month"].dt.strftime("%Y-%m"))
    assert eur["mrr"].round(6).to_dict() == {"2025-01": 110.0, "2025-02": 105.0, "2025-03": 105.0}
    assert eur["fx"].round(6).to_dict() == {"2025-01": 0.0, "2025-02": -5.0, "2025-03": 0.0}
    assert set(subs["currency"]) == {"EUR", "USD"}


def test_a_currency_without_a_rate_is_an_error_naming_it_and_its_first_month():
    row = subscription(amount=100, currency="EUR", start="2025-01-05")
    usd = subscription(subscription_id="s2", customer_id="c2", amount=1000)
    rates = [{"month": "2025-03", "currency": "EUR", "rate": 1.1}]
    with pytest.raises(TableError, match="no exchange rate for EUR in 2025-01"):
        mrr(row, usd, Rates=rates)
    with pytest.raises(TableError, match="EUR in 2025-01"):
        mrr(row, usd)


def test_rates_are_carried_forward():
    row = subscription(amount=100, currency="EUR", start="2025-01-05")
    rates = [{"month": "2024-11", "currency": "EUR", "rate": 1.2}]
    assert set(mrr(row, Rates=rates, currency="USD").values()) == {120.0}


def test_reporting_currency_default_is_the_one_with_most_mrr():
    notes: list[str] = []
    eur = subscription(amount=100, currency="EUR")
    usd = subscription(subscription_id="s2", customer_id="c2", amount=1000)
    rates = [{"month": "2025-01", "currency": "EUR", "rate": 1.1}]
    mrr(eur, usd, Rates=rates, notes=notes)
    assert any("in USD (" in note for note in notes)
    mrr(
        eur,
        usd,
        Rates=[{"month": "2025-01", "currency": "USD", "rate": 0.9}],
        notes=notes,
        currency="EUR",
    )


def test_past_due_counts_by_default_and_can_be_excluded():
    row = subscription(status="past_due")
    assert mrr(row)["2025-06"] == 49
    other = subscription(subscription_id="s2", customer_id="c2", amount=1)
    assert set(mrr(row, other, past_due="exclude").values()) == {1.0}


def test_unpaid_and_paused_do_not_count():
    notes: list[str] = []
    rows = [
        subscription(subscription_id="a", status="unpaid"),
        subscription(subscription_id="b", status="paused"),
        subscription(subscription_id="c", customer_id="c2", amount=7),
    ]
    assert set(mrr(*rows, notes=notes).values()) == {7.0}
    assert any("1 paused, 1 unpaid" in note for note in notes)


def test_nothing_counts_after_as_of():
    got = mrr(subscription(), as_of="2025-03-15")
    assert sorted(got) == ["2025-01", "2025-02", "2025-03"]
    later = subscription(subscription_id="s2", customer_id="c2", start="2025-03-20")
    assert mrr(subscription(), later, as_of="2025-03-15")["2025-03"] == 49


def test_an_unknown_interval_is_an_error_naming_the_subscription():
    with pytest.raises(TableError, match="sub_1 has interval 'fortnight'"):
        mrr(subscription(interval="fortnight"))


def test_bad_settings_name_the_setting():
    with pytest.raises(InputError, match="churn_at"):
        mrr(subscription(), churn_at="later")
    with pytest.raises(InputError, match="past_due"):
        mrr(subscription(), past_due="maybe")
    with pytest.raises(InputError, match="as_of"):
        mrr(subscription(), as_of="soon")


# -- invoices -----------------------------------------------------------------------


def line(amount, start, end, **fields) -> dict:
    row = {
        "invoice_id": "in_1",
        "subscription_id": "sub_1",
        "customer_id": "cus_1",
        "amount": amount,
        "currency": "USD",
        "period_start": start,
        "period_end": end,
        "status": "paid",
    }
    row.update(fields)
    return row


def test_invoice_annual_spread_over_its_months():
    got = mrr(InvoiceLines=[line(1200, "2025-01-15", "2026-01-15")], as_of="2026-03-31")
    assert got == {f"2025-{m:02d}": 100.0 for m in range(1, 13)}


def test_upgrade_by_invoice_with_a_proration():
    lines = [
        line(50, "2024-12-01", "2025-01-01"),
        line(50, "2025-01-01", "2025-02-01"),
        line(27.42, "2025-01-15", "2025-02-01"),
        line(100, "2025-02-01", "2025-03-01"),
    ]
    read = read_tables({"InvoiceLines": pd.DataFrame(lines)}, billing={"as_of": "2025-02-28"})
    subs = read["Subscriptions"]
    by_month = subs.groupby(subs["month"].dt.strftime("%Y-%m"))["mrr"].sum()
    assert by_month["2024-12"] == pytest.approx(50)
    assert by_month["2025-01"] == pytest.approx(100.00, abs=0.005)
    assert by_month["2025-02"] == pytest.approx(100)
    moves = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"]).set_index("month")
    assert moves.loc["2025-01-01", "expansion"] == pytest.approx(50, abs=0.005)
    assert moves.loc["2025-01-01", "new"] == 0


def test_void_draft_uncollectible_invoices_do_not_count():
    notes: list[str] = []
    lines = [
        line(100, "2025-01-01", "2025-02-01", status="void"),
        line(100, "2025-01-01", "2025-02-01", status="draft", customer_id="c2"),
        line(100, "2025-01-01", "2025-02-01", status="uncollectible", customer_id="c3"),
        line(10, "2025-01-01", "2025-02-01", status="open", customer_id="c4"),
    ]
    assert mrr(InvoiceLines=lines, notes=notes, as_of="2025-01-31") == {"2025-01": 10.0}
    assert any("3 invoice line(s)" in note for note in notes)


def test_one_time_lines_and_tax_are_not_mrr():
    lines = [
        line(100, "2025-01-01", "2025-02-01", tax=20),
        line(500, None, None, customer_id="c2"),
    ]
    assert mrr(InvoiceLines=lines, as_of="2025-01-31") == {"2025-01": 100.0}


def test_invoice_discount_is_deducted():
    lines = [line(100, "2025-01-01", "2025-02-01", discount=30)]
    assert mrr(InvoiceLines=lines, as_of="2025-01-31") == {"2025-01": 70.0}


def test_subscriptions_with_invoices_are_measured_from_them():
    lines = [line(60, "2025-05-01", "2025-06-01"), line(80, "2025-06-01", "2025-07-01")]
    snapshot = [subscription(amount=80), subscription(subscription_id="s2", customer_id="c2")]
    got = mrr(*snapshot, InvoiceLines=lines)
    assert got["2025-05"] == 60 + 49 and got["2025-06"] == 80 + 49


def test_a_given_subscriptions_table_wins_over_billing_tables():
    notes: list[str] = []
    given = pd.DataFrame({"customer_id": ["x"], "month": ["2025-01-01"], "mrr": [5]})
    snapshot = pd.DataFrame([subscription()])
    tables = read_tables({"Subscriptions": given, "BillingSubscriptions": snapshot}, notes=notes)
    assert tables["Subscriptions"]["mrr"].tolist() == [5.0]
    assert any("billing tables are not used" in note for note in notes)


def test_a_coupon_listed_twice_counts_once():
    coupons = [{"id": "TWENTY", "percent_off": 20, "duration": "forever"}] * 2
    assert set(mrr(subscription(amount=100, coupon="TWENTY"), Coupons=coupons).values()) == {80}
