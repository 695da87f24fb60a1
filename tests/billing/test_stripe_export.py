"""A folder with Stripe's subscriptions.csv just works: a generated export of
a few hundred subscriptions (trials, annual plans, quantities, cancellations,
past_due, EUR and JPY) gives the MRR by month computed independently."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from cxexcel.cli import main
from cxexcel.tables import read_tables

from . import stripe_export

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def rows():
    return stripe_export.generate()


@pytest.fixture
def folder(tmp_path, rows):
    folder = tmp_path / "stripe"
    folder.mkdir()
    stripe_export.write(rows, folder / "subscriptions.csv")
    stripe_export.write_rates(folder / "Rates.csv")
    return folder


def by_month(subs: pd.DataFrame) -> dict[str, float]:
    grouped = subs.groupby(subs["month"].dt.strftime("%Y-%m"))["mrr"].sum()
    return {month: value for month, value in grouped.items() if value}


def test_the_export_has_the_mix_it_claims(rows):
    statuses = {row["Status"] for row in rows}
    assert {"active", "canceled", "trialing", "past_due"} <= statuses
    assert {row["Interval"] for row in rows} == {"month", "year", "week"}
    assert {row["Currency"] for row in rows} == {"usd", "eur", "jpy"}
    assert len(rows) > 250


@pytest.mark.parametrize("past_due", ["count", "exclude"])
def test_mrr_by_month_equals_an_independent_computation(folder, rows, past_due):
    notes: list[str] = []
    tables = read_tables(folder, notes=notes, billing={"as_of": AS_OF, "past_due": past_due})
    got = by_month(tables["Subscriptions"])
    expected = stripe_export.expected_mrr(rows, AS_OF, past_due=past_due == "count")
    assert sorted(got) == sorted(expected)
    for month, value in expected.items():
        assert got[month] == pytest.approx(value, abs=1e-6), month
    assert notes[0].startswith(
        f"subscriptions.csv: Stripe subscriptions export -> Subscriptions, {len(rows)} subscriptions, EUR, JPY, USD"
    )
    assert "in USD (the one currency the Rates table converts into)" in notes[1]


def test_plan_currency_and_fx_are_carried(folder):
    subs = read_tables(folder, billing={"as_of": AS_OF})["Subscriptions"]
    assert set(subs["plan"]) == {"price_basic", "price_pro", "price_team"}
    assert set(subs["currency"]) == {"USD", "EUR", "JPY"}
    eur = subs[subs["currency"] == "EUR"]
    # EUR rates move in 2024-04, 2024-09 and 2025-02 only.
    moved = set(eur.loc[eur["fx"].abs() > 1e-9, "month"].dt.strftime("%Y-%m"))
    assert moved and moved <= {"2024-04", "2024-09", "2025-02"}


def test_default_as_of_is_the_latest_date_in_the_export(folder, rows):
    notes: list[str] = []
    read_tables(folder, notes=notes)
    latest = max(
        row[column][:10]
        for row in rows
        for column in (
            "Start (UTC)",
            "Current Period Start (UTC)",
            "Canceled At (UTC)",
            "Ended At (UTC)",
        )
        if row[column]
    )
    assert notes[1].endswith(f"as of {latest}")


def test_cxexcel_report_on_the_folder(folder, tmp_path, capsys, rows):
    out = tmp_path / "out.xlsx"
    assert main(["report", str(folder), "-o", str(out), "--as-of", "2025-06-30"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        "cxexcel: note: subscriptions.csv: Stripe subscriptions export -> Subscriptions, "
        f"{len(rows)} subscriptions"
    )
    assert any("snapshot has no history of plan changes" in line for line in err)
    assert any("trialing" in line and "not counted" in line for line in err)
    book = openpyxl.load_workbook(out)
    assert "CX Revenue" in book.sheetnames
    cells = [v for row in book["CX Revenue"].iter_rows(values_only=True) for v in row if v]
    # EUR rates move: an FX movement column; the source and rules in words.
    assert "FX" in cells and "Source of MRR" in cells
    assert "Made from billing data: subscriptions.csv, by the rules of docs/billing.md." in cells
    assert any(str(v).startswith("Rule: MRR in USD") for v in cells)
    assert any("no history of plan changes" in str(v) for v in cells)
    rows = list(book["CX Revenue"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if "FX" in row)
    names = list(rows[top])
    checked = 0
    for row in rows[top + 1 :]:
        if not isinstance(row[names.index("Starting MRR")], (int, float)):
            break
        value = dict(zip(names, row, strict=True))
        # Contraction and churned are shown negative.
        flows = sum(value[n] for n in ("Starting MRR", "New", "Expansion", "Reactivation"))
        flows += value["Contraction"] + value["Churned"] + value["FX"]
        assert flows == pytest.approx(value["Ending MRR"], abs=1e-6)
        checked += 1
    assert checked >= 12


def test_cli_settings_and_their_errors(folder, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    assert main(["report", str(folder), "-o", str(out), "--currency", "EUR"]) == 2
    assert "no exchange rate for USD" in capsys.readouterr().err
    assert main(["report", str(folder), "-o", str(out), "--as-of", "soon"]) == 2
    assert 'as_of: "soon" is not a date' in capsys.readouterr().err
    config = tmp_path / "cx.toml"
    config.write_text('[billing]\nchurn_at = "cancel"\npast_due = "exclude"\nas_of = 2025-06-30\n')
    assert main(["report", str(folder), "-o", str(out), "--config", str(config)]) == 0
    config.write_text('[billing]\nchurn = "cancel"\n')
    assert main(["report", str(folder), "-o", str(out), "-f", "--config", str(config)]) == 2
    assert "'churn' is not a setting" in capsys.readouterr().err
    assert not (folder / "out.xlsx").exists()


def test_an_export_without_the_utc_suffixes_is_recognised(tmp_path, rows):
    usd = [row for row in rows if row["Currency"] == "usd"][:40]
    folder = tmp_path / "plain"
    folder.mkdir()
    path = stripe_export.write(usd, folder / "export.csv")
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace(" (UTC)", ""), *lines[1:]]) + "\n")
    notes: list[str] = []
    tables = read_tables(folder, notes=notes, billing={"as_of": AS_OF})
    assert (
        notes[0]
        == "export.csv: Stripe subscriptions export -> Subscriptions, 40 subscriptions, USD"
    )
    got = by_month(tables["Subscriptions"])
    expected = stripe_export.expected_mrr(usd, AS_OF)
    assert sorted(got) == sorted(expected)
    assert all(got[m] == pytest.approx(v, abs=1e-6) for m, v in expected.items())
