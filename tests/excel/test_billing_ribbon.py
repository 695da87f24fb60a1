"""The ribbon's build reads a Stripe subscriptions export pasted in as an
Excel Table like any input table (the remote Book of xlwings Server), and
says what it made of it in an alert."""

from __future__ import annotations

import asyncio

import pandas as pd
import xlwings as xw
from remote_book import Replay, book_payload, remote_book, table_sheet
from xlwings.server import custom_scripts_call

import cxexcel.excel.scripts as scripts
from cxexcel.tables import read_tables

HEADER = [
    "id",
    "Customer ID",
    "Plan",
    "Quantity",
    "Currency",
    "Interval",
    "Amount",
    "Status",
    "Start (UTC)",
    "Current Period End (UTC)",
    "Trial End (UTC)",
    "Canceled At (UTC)",
    "Ended At (UTC)",
]
ROWS = [
    ["sub_1", "cus_1", "price_a", 1, "usd", "month", 4900, "active", "2025-01-10 10:00"]
    + ["2025-07-10 10:00", None, None, None],
    ["sub_2", "cus_2", "price_b", 2, "usd", "year", 118800, "active", "2025-02-01 09:00"]
    + ["2026-02-01 09:00", None, None, None],
    ["sub_3", "cus_3", "price_a", 1, "usd", "month", 9900, "canceled", "2025-01-05 08:00"]
    + ["2025-05-05 08:00", None, "2025-04-20 12:00", "2025-05-05 08:00"],
    ["sub_4", "cus_4", "price_a", 1, "usd", "month", 9900, "trialing", "2025-06-20 08:00"]
    + ["2025-07-04 08:00", "2025-07-04 08:00", None, None],
]


def _export() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=HEADER)


def test_a_pasted_stripe_export_is_read_through_its_profile():
    book = remote_book(book_payload(table_sheet("Subscriptions", _export())))
    notes: list[str] = []
    subs = read_tables(book, notes=notes)["Subscriptions"]
    june = subs[subs["month"] == "2025-06-01"]
    assert dict(zip(june["customer_id"], june["mrr"], strict=True)) == {
        "cus_1": 49.0,
        "cus_2": 198.0,
    }
    assert notes[0].startswith("Subscriptions: Stripe subscriptions export -> Subscriptions, 4")


def test_build_makes_the_revenue_sheet_and_alerts_what_it_recognised():
    payload = book_payload(table_sheet("Subscriptions", _export(), table_name="StripeExport"))
    book = remote_book(payload)
    returned = asyncio.run(
        custom_scripts_call(scripts, "build_metric_sheets", typehint_to_value={xw.Book: book})
    )
    replay = Replay(payload, returned.json()["actions"])
    assert "CX Revenue" in replay.sheet_names
    alerts = [a for a in replay.actions if a["func"] == "alert"]
    assert len(alerts) == 1
    prompt, _title, _buttons, mode, _callback = alerts[0]["args"]
    assert mode == "info"
    assert "Stripe subscriptions export" in prompt
    assert "1 trialing" in prompt and "no history of plan changes" in prompt
