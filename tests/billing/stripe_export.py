"""A generated Stripe subscriptions export (the Dashboard's columns) and an
independent computation of its MRR by month, for the tests."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HEADER = [
    "id",
    "Customer ID",
    "Customer Email",
    "Plan",
    "Product",
    "Quantity",
    "Currency",
    "Interval",
    "Amount",
    "Status",
    "Created (UTC)",
    "Start (UTC)",
    "Current Period Start (UTC)",
    "Current Period End (UTC)",
    "Trial Start (UTC)",
    "Trial End (UTC)",
    "Coupon",
    "Canceled At (UTC)",
    "Cancel At Period End",
    "Ended At (UTC)",
]

PLANS = [("price_basic", "Basic", 2900), ("price_pro", "Pro", 9900), ("price_team", "Team", 24900)]
EUR_RATES = {"2024-01": 1.09, "2024-04": 1.07, "2024-09": 1.11, "2025-02": 1.04}


def _stamp(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def generate(n: int = 300, seed: int = 7, as_of=dt.datetime(2025, 6, 30, 23, 0)) -> list[dict]:
    """``n`` subscriptions started in 2024-2025: monthly, annual and weekly
    plans, quantities, trials, cancellations, past_due and unpaid ones, EUR
    and JPY beside USD."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        plan, product, cents = rng.choice(PLANS)
        currency = rng.choices(["usd", "eur", "jpy"], [0.8, 0.15, 0.05])[0]
        interval = rng.choices(["month", "year", "week"], [0.7, 0.25, 0.05])[0]
        amount = cents * (10 if interval == "year" else 1)
        if interval == "week":
            amount = cents // 4
        if currency == "jpy":
            amount = amount // 100 * 150  # yen, in whole units
        start = dt.datetime(2024, 1, 1) + dt.timedelta(
            days=rng.randrange(0, 540), hours=rng.randrange(24), minutes=rng.randrange(60)
        )
        trial_end = start + dt.timedelta(days=14) if rng.random() < 0.25 else None
        paid_from = trial_end or start
        status = "active"
        canceled = ended = None
        if rng.random() < 0.25:
            canceled = paid_from + dt.timedelta(days=rng.randrange(20, 300))
            months = 12 if interval == "year" else 1
            ended = _add_months(canceled, months) if interval != "week" else canceled
            ended += dt.timedelta(days=rng.randrange(0, 5))
        if trial_end is not None and trial_end > as_of:
            status = "trialing"
        elif canceled is not None and canceled > as_of:
            canceled = ended = None
        elif ended is not None and ended > as_of:
            ended = None  # canceled at period end: still active
        elif ended is not None:
            status = "canceled"
        elif rng.random() < 0.06:
            status = "past_due"
        elif rng.random() < 0.03:
            status = "unpaid"
        if start > as_of:
            continue
        rows.append(
            {
                "id": f"sub_{i:04d}",
                "Customer ID": f"cus_{i // 2:04d}" if i % 7 == 0 else f"cus_{i:04d}x",
                "Customer Email": f"user{i}@example.com",
                "Plan": plan,
                "Product": product,
                "Quantity": str(rng.choice([1, 1, 1, 2, 3, 5])),
                "Currency": currency,
                "Interval": interval,
                "Amount": str(amount),
                "Status": status,
                "Created (UTC)": _stamp(start),
                "Start (UTC)": _stamp(start),
                "Current Period Start (UTC)": _stamp(min(as_of, paid_from)),
                "Current Period End (UTC)": _stamp(_add_months(paid_from, 1)),
                "Trial Start (UTC)": _stamp(start if trial_end else None),
                "Trial End (UTC)": _stamp(trial_end),
                "Coupon": "",
                "Canceled At (UTC)": _stamp(canceled),
                "Cancel At Period End": "true" if canceled and not ended else "false",
                "Ended At (UTC)": _stamp(ended),
            }
        )
    return rows


def write(rows: list[dict], path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_rates(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write("month,currency,rate\n")
        for month, rate in EUR_RATES.items():
            handle.write(f"{month},EUR,{rate}\n")
        handle.write("2023-12,JPY,0.0066\n")
    return path


def expected_mrr(rows: list[dict], as_of: dt.date, past_due: bool = True) -> dict[str, float]:
    """MRR in USD by month (YYYY-MM), computed here subscription by subscription."""
    parse = lambda text: dt.datetime.strptime(text, "%Y-%m-%d %H:%M") if text else None  # noqa: E731
    cutoff = dt.datetime.combine(as_of, dt.time()) + dt.timedelta(days=1)
    totals: dict[str, float] = {}
    for row in rows:
        if row["Status"] in ("trialing", "unpaid") or (
            row["Status"] == "past_due" and not past_due
        ):
            continue
        start = parse(row["Start (UTC)"])
        trial = parse(row["Trial End (UTC)"])
        if trial and trial > start:
            start = trial
        end = parse(row["Ended At (UTC)"])
        per_month = {"month": 1, "year": 12, "week": 12 / 52}[row["Interval"]]
        amount = int(row["Amount"]) * int(row["Quantity"]) / per_month
        currency = row["Currency"].upper()
        if currency != "JPY":
            amount /= 100
        year, month = 2024, 1
        while (year, month) <= (as_of.year, as_of.month):
            next_first = dt.datetime(year + month // 12, month % 12 + 1, 1)
            at = min(next_first, cutoff)
            if start < at and (end is None or end >= at):
                key = f"{year}-{month:02d}"
                rate = 1.0
                if currency == "EUR":
                    rate = [r for m, r in sorted(EUR_RATES.items()) if m <= key][-1]
                elif currency == "JPY":
                    rate = 0.0066
                totals[key] = totals.get(key, 0.0) + amount * rate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return totals
