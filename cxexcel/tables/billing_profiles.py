"""Import profiles of billing exports (BILLING.md): a billing system's
subscriptions or invoice lines, recognised by their header, become the
``BillingSubscriptions`` or ``InvoiceLines`` table, from which reading
derives the Subscriptions table.

- Stripe's subscriptions export as the Dashboard writes it (``id``,
  ``Customer ID``, ``Plan``, ``Quantity``, ``Currency``, ``Interval``,
  ``Amount`` in the currency's minor unit, ``Status``, ``Start (UTC)`` or
  ``Start Date (UTC)``, ``Trial End (UTC)``, ``Canceled At (UTC)``,
  ``Ended At (UTC)``, ``Current Period Start/End (UTC)``, ``Coupon`` ...).
- Stripe's invoice line items by their API / Sigma field names
  (``invoice_id``, ``amount``, ``period_start``, ``period_end``,
  ``subscription``, ``customer``): amounts in minor units.
- Generic subscriptions (``customer_id``, ``amount``, ``interval``,
  ``start`` ...) and invoice lines (``customer_id``, ``amount``,
  ``period_start``, ``period_end`` ...) in cxexcel's column names, in major
  units, under any file name (``subscriptions.csv`` included).

A header cell matches a column case-, space-, ``_``- and ``-``-blind, with
a trailing ``(UTC)`` ignored.
"""

from __future__ import annotations

import dataclasses
import math
import re

import pandas as pd

from . import profiles
from .schema import SCHEMAS, normalise_name
from .sources import RawTable

__all__ = ["STRIPE_SUBSCRIPTIONS", "STRIPE_INVOICE_LINES"]


def _key(cell) -> str:
    return normalise_name(re.sub(r"\(\s*utc\s*\)\s*$", "", str(cell or ""), flags=re.I))


def _converted(
    raw: RawTable, table: str, aliases: dict[str, tuple[str, ...]], extra: dict | None = None
) -> RawTable:
    """``raw`` as ``table``: each column's first header cell among its aliases
    renamed to it (others that would name one of its columns set aside),
    ``extra`` columns appended with one value throughout."""
    keys = [_key(cell) for cell in raw.header]
    header = list(raw.header)
    taken: set[int] = set()
    for column, names in aliases.items():
        for name in names:
            wanted = _key(name)
            found = [i for i, key in enumerate(keys) if key == wanted and i not in taken]
            if found:
                header[found[0]] = column
                taken.add(found[0])
                break
    columns = {normalise_name(c) for c in SCHEMAS[table].column_names}
    for i, cell in enumerate(header):
        if i not in taken and normalise_name(cell) in columns:
            header[i] = f"{cell} (not used)"
    body = raw.body.copy()
    for column, value in (extra or {}).items():
        header.append(column)
        body[len(header) - 1] = value
    place = dataclasses.replace(raw.place, table=table)
    return RawTable(table, header, body, place, notes=list(raw.notes))


def _column(raw: RawTable, *names: str) -> pd.Series | None:
    wanted = {_key(name) for name in names}
    for position, cell in enumerate(raw.header):
        if _key(cell) in wanted:
            return raw.body[position]
    return None


def _currencies(raw: RawTable) -> str:
    column = _column(raw, "Currency", "currency")
    if column is None:
        return ""
    found = sorted({str(v).strip().upper() for v in column if isinstance(v, str) and v.strip()})
    return ", " + ", ".join(found) if found else ""


def _whole_numbers(column: pd.Series | None) -> bool:
    """Whether every filled cell of ``column`` is a whole number (as minor units are)."""
    if column is None:
        return True
    for value in column:
        try:
            number = float(str(value).replace(",", "")) if isinstance(value, str) else value
        except ValueError:
            continue  # the table check names a cell that is not a number
        if isinstance(number, (int, float)) and math.isfinite(number) and number != int(number):
            return False
    return True


_STRIPE_SUBSCRIPTION_COLUMNS = {
    "subscription_id": ("id", "Subscription ID"),
    "customer_id": ("Customer ID", "Customer"),
    "plan": ("Plan", "Plan ID", "Price ID", "Product"),
    "amount": ("Amount", "Plan Amount"),
    "currency": ("Currency",),
    "interval": ("Interval", "Plan Interval"),
    "interval_count": ("Interval Count", "Plan Interval Count"),
    "quantity": ("Quantity",),
    "status": ("Status",),
    "start": ("Start", "Start Date", "Created"),
    "trial_end": ("Trial End",),
    "canceled_at": ("Canceled At",),
    "ended_at": ("Ended At",),
    "current_period_start": ("Current Period Start",),
    "coupon": ("Coupon", "Coupon ID"),
    "segment": ("segment (metadata)", "Segment"),
}


def _stripe_subscriptions(raw: RawTable) -> RawTable:
    minor = _whole_numbers(_column(raw, "Amount", "Plan Amount"))
    converted = _converted(
        raw, "BillingSubscriptions", _STRIPE_SUBSCRIPTION_COLUMNS, {"minor_units": int(minor)}
    )
    converted.notes.append(
        f"{raw.place.label}: Stripe subscriptions export -> Subscriptions, "
        f"{len(raw.body)} subscriptions{_currencies(raw)}"
        + ("" if minor else " (Amount has cents after a point: read as whole units)")
    )
    return converted


_STRIPE_LINE_COLUMNS = {
    "invoice_id": ("invoice_id", "invoice", "Invoice ID"),
    "subscription_id": ("subscription", "subscription_id"),
    "customer_id": ("customer", "customer_id", "Customer ID"),
    "amount": ("amount",),
    "discount": ("discount_amount", "discount"),
    "tax": ("tax", "tax_amount"),
    "currency": ("currency",),
    "period_start": ("period_start", "Period Start"),
    "period_end": ("period_end", "Period End"),
    "status": ("invoice_status", "status"),
    "plan": ("price_id", "plan_id", "plan"),
}


def _stripe_invoice_lines(raw: RawTable) -> RawTable:
    converted = _converted(raw, "InvoiceLines", _STRIPE_LINE_COLUMNS, {"minor_units": 1})
    converted.notes.append(
        f"{raw.place.label}: Stripe invoice line items -> Subscriptions, "
        f"{len(raw.body)} lines{_currencies(raw)}"
    )
    return converted


def _generic(table: str, what: str, unit: str):
    def convert(raw: RawTable) -> RawTable:
        aliases = {name: (name,) for name in SCHEMAS[table].column_names}
        converted = _converted(raw, table, aliases)
        converted.notes.append(
            f"{raw.place.label}: {what} -> Subscriptions, {len(raw.body)} {unit}{_currencies(raw)}"
        )
        return converted

    return convert


@dataclasses.dataclass(frozen=True)
class _UtcBlindProfile(profiles.Profile):
    """A profile whose identifying headers match with a trailing ``(UTC)`` ignored."""

    def matches(self, header, rows=None) -> bool:
        keys = {_key(cell) for cell in header}
        if not all(_key(name) in keys for name in self.headers):
            return False
        return self.shape is None or rows is None or bool(self.shape(rows))


STRIPE_SUBSCRIPTIONS = profiles.register(
    _UtcBlindProfile(
        "Stripe subscriptions export",
        "BillingSubscriptions",
        ("id", "Customer ID", "Interval", "Amount", "Status", "Current Period End"),
        _stripe_subscriptions,
        priority=1,
    )
)

STRIPE_INVOICE_LINES = profiles.register(
    profiles.Profile(
        "Stripe invoice line items",
        "InvoiceLines",
        ("invoice_id", "amount", "period_start", "period_end", "customer"),
        _stripe_invoice_lines,
        priority=1,
    )
)

profiles.register(
    profiles.Profile(
        "Generic subscriptions table",
        "BillingSubscriptions",
        ("customer_id", "amount", "interval", "start"),
        _generic("BillingSubscriptions", "subscriptions table", "subscriptions"),
    )
)

profiles.register(
    profiles.Profile(
        "Generic invoice lines",
        "InvoiceLines",
        ("customer_id", "amount", "period_start", "period_end"),
        _generic("InvoiceLines", "invoice lines", "lines"),
    )
)
