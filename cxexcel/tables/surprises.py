"""What is valid in the input tables but may not be what the user meant,
said as notes rather than left silent: customer-months given in several
rows (the report adds them up) and amounts that look like cents."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["surprises", "CENTS_COLUMNS"]

#: The money columns checked for amounts that look like cents.
CENTS_COLUMNS = (("Subscriptions", "mrr"), ("Orders", "amount"), ("Spend", "sales_marketing_cost"))


def surprises(tables: dict) -> list[str]:
    """One note per surprise in the clean ``tables`` (DataFrames only; engine
    tables are left alone, to not load them)."""
    notes = []
    subscriptions = tables.get("Subscriptions")
    if isinstance(subscriptions, pd.DataFrame):
        notes.extend(_repeated_months(subscriptions))
    for table, column in CENTS_COLUMNS:
        frame = tables.get(table)
        if isinstance(frame, pd.DataFrame) and column in frame:
            note = _cents(table, column, frame[column])
            if note:
                notes.append(note)
    return notes


def _repeated_months(frame: pd.DataFrame) -> list[str]:
    counts = frame.groupby(["customer_id", "month"], sort=True).size()
    repeated = counts[counts > 1]
    if repeated.empty:
        return []
    (customer, month), rows = next(iter(repeated.items()))
    n = len(repeated)
    return [
        f"Subscriptions: {n:,} customer-month{'s appear' if n > 1 else ' appears'} in more than one "
        f"row (e.g. {customer}, {month:%Y-%m}: {rows} rows); the report adds up the MRR of "
        "each customer-month's rows (one row per customer and month is expected: check for "
        "an export listed twice)"
    ]


def _cents(table: str, column: str, values: pd.Series) -> str | None:
    """A note if every amount is a whole number of at least 100, most end in
    00, 49, 50, 95 or 99, and their median is 1,000 or more: prices in cents."""
    numbers = values.dropna().to_numpy(dtype=float)
    numbers = numbers[numbers > 0]
    if len(numbers) < 5 or not np.all(numbers == np.floor(numbers)) or numbers.min() < 100:
        return None
    endings = np.isin(numbers.astype(np.int64) % 100, (0, 49, 50, 95, 99)).mean()
    if endings < 0.6 or np.median(numbers) < 1000:
        return None
    example = int(np.median(numbers))
    return (
        f"{table}: every {column} is a whole number, most end in 00 or 99 (median {example:,}): "
        f"if they are cents, divide them by 100 (in a mapping file: units = {{ {column} = "
        '"cents" })'
    )
