"""Billing exports recognised by their headers, under any file name."""

from __future__ import annotations

import pytest

from cxexcel.tables import profiles, read_tables


def by_month(subs) -> dict[str, float]:
    grouped = subs.groupby(subs["month"].dt.strftime("%Y-%m"))["mrr"].sum()
    return {month: round(value, 2) for month, value in grouped.items() if value}


def test_stripe_invoice_line_items_in_minor_units(tmp_path):
    (tmp_path / "lines.csv").write_text(
        "id,invoice_id,customer,subscription,amount,currency,period_start,period_end,proration\n"
        "il_1,in_1,cus_1,sub_1,5000,usd,2025-01-01,2025-02-01,false\n"
        "il_2,in_1,cus_1,sub_1,2742,usd,2025-01-15,2025-02-01,true\n"
        "il_3,in_2,cus_1,sub_1,10000,usd,2025-02-01,2025-03-01,false\n"
        "il_4,in_3,cus_2,sub_2,600000,jpy,2025-01-10,2026-01-10,false\n"
    )
    (tmp_path / "Rates.csv").write_text("month,currency,rate\n2024-12,USD,150\n")
    notes: list[str] = []
    tables = read_tables(tmp_path, notes=notes, billing={"as_of": "2025-02-28"})
    assert notes[0] == "lines.csv: Stripe invoice line items -> Subscriptions, 4 lines, JPY, USD"
    assert "in JPY (the one currency the Rates table converts into)" in notes[1]
    # Yen are whole units (600,000 a year: 50,000 a month); cents are divided by 100.
    got = by_month(tables["Subscriptions"])
    assert got["2025-01"] == pytest.approx(50000 + 150 * (50 + 27.42 * 31 / 17), abs=0.01)
    assert got["2025-02"] == pytest.approx(50000 + 150 * 100, abs=0.01)
    assert any("JPY: zero-decimal currency" in note for note in notes)


def test_stripe_invoice_line_items_give_the_upgrade_example(tmp_path):
    (tmp_path / "lines.csv").write_text(
        "invoice_id,customer,subscription,amount,currency,period_start,period_end\n"
        "in_1,cus_1,sub_1,5000,usd,2025-01-01,2025-02-01\n"
        "in_1,cus_1,sub_1,2742,usd,2025-01-15,2025-02-01\n"
        "in_2,cus_1,sub_1,10000,usd,2025-02-01,2025-03-01\n"
    )
    subs = read_tables(tmp_path, billing={"as_of": "2025-02-28"})["Subscriptions"]
    assert by_month(subs) == {"2025-01": 100.0, "2025-02": 100.0}


def test_a_generic_subscriptions_file_named_subscriptions(tmp_path):
    (tmp_path / "subscriptions.csv").write_text(
        "subscription_id,customer_id,plan,amount,currency,interval,quantity,start,segment\n"
        "s1,c1,Pro,1200,EUR,year,1,2025-01-03,SMB\n"
        "s2,c2,Basic,30,EUR,month,3,2025-02-10,Enterprise\n"
    )
    notes: list[str] = []
    subs = read_tables(tmp_path, notes=notes, billing={"as_of": "2025-03-31"})["Subscriptions"]
    assert (
        notes[0] == "subscriptions.csv: subscriptions table -> Subscriptions, 2 subscriptions, EUR"
    )
    assert by_month(subs) == {"2025-01": 100.0, "2025-02": 190.0, "2025-03": 190.0}
    assert set(subs["segment"]) == {"SMB", "Enterprise"} and set(subs["plan"]) == {"Pro", "Basic"}


def test_generic_invoice_lines_under_another_name(tmp_path):
    (tmp_path / "billing-history.csv").write_text(
        "customer_id,amount,tax,period_start,period_end,status\n"
        "c1,300,60,2025-01-01,2025-04-01,paid\n"
        "c1,300,60,2025-04-01,2025-07-01,void\n"
    )
    subs = read_tables(tmp_path, billing={"as_of": "2025-05-31"})["Subscriptions"]
    assert by_month(subs) == {"2025-01": 100.0, "2025-02": 100.0, "2025-03": 100.0}


def test_the_billing_profiles_are_registered():
    names = {profile.name for profile in profiles.profiles()}
    assert {
        "Stripe subscriptions export",
        "Stripe invoice line items",
        "Generic subscriptions table",
        "Generic invoice lines",
    } <= names


def test_a_sheet_of_other_data_beside_the_tables_is_left_alone(tmp_path):
    # Every profile is asked with the header and the first rows; the Stripe
    # subscriptions profile (headers matched without "(UTC)") must take both.
    (tmp_path / "Responses.csv").write_text("date,nps\n2025-01-02,9\n2025-01-03,4\n")
    (tmp_path / "notes.csv").write_text("topic,owner\nrenewals,Ann\n")
    notes: list[str] = []
    tables = read_tables(tmp_path, notes=notes)
    assert list(tables) == ["Responses"]
    header = ["id", "Customer ID", "Interval", "Amount", "Status", "Current Period End (UTC)"]
    stripe = next(p for p in profiles.profiles() if p.name == "Stripe subscriptions export")
    assert stripe.matches(header, [["sub_1", "cus_1", "month", "10", "active", "2025-02-01"]])
    assert not stripe.matches(["topic", "owner"], [["renewals", "Ann"]])
