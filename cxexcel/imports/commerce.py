"""Shopify's orders export -> Orders.

Shopify writes one row per line item; the order's own fields (Email,
Financial Status, Total, Refunded Amount, Currency, Created at ...) are
filled on its first row only. Each order becomes one row: customer (the
email, else the phone), the date it was placed and its total less what was
refunded. Orders that brought no money are left out and counted in the note:
voided, pending, authorized (not captured), expired and cancelled ones, and
those refunded in full. Orders without an email or phone (a walk-in sale at
a point of sale, a guest without contact details) have no customer to
follow over time, so they are left out too, with their number and amount.
Amounts in more than one currency are refused: they cannot be added without
exchange rates.
"""

from __future__ import annotations

import numpy as np

from ..errors import TableError
from ..tables.profiles import Profile, register
from ..tables.sources import RawTable
from ._common import cells, column_of, converted, money, parse_column, plural

_NO_MONEY = {"voided", "pending", "authorized", "expired", "unpaid"}


def _filled(value) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and np.isnan(value))
        and str(value).strip() != ""
    )


def _shopify(raw: RawTable) -> RawTable:
    header = raw.header
    at = {
        key: column_of(header, *names)
        for key, names in {
            "name": ("Name",),
            "email": ("Email",),
            "phone": ("Phone", "Billing Phone", "Shipping Phone"),
            "status": ("Financial Status",),
            "total": ("Total",),
            "refunded": ("Refunded Amount",),
            "currency": ("Currency",),
            "created": ("Created at", "Paid at"),
            "cancelled": ("Cancelled at",),
        }.items()
    }
    names = cells(raw, at["name"])
    status = cells(raw, at["status"])
    # An order's first row carries its fields; the others only line items.
    first: dict[str, int] = {}
    for index, (name, state) in enumerate(zip(names, status, strict=True)):
        if _filled(name) and _filled(state) and str(name) not in first:
            first[str(name).strip()] = index
    rows = np.array(sorted(first.values()), dtype=int)
    if not len(rows):
        raise TableError(
            f"{raw.place.label}: a Shopify orders export with no orders", table="Orders"
        )
    state = np.array([str(v).strip().casefold() for v in cells(raw, at["status"], rows)])
    cancelled = np.array([_filled(v) for v in cells(raw, at["cancelled"], rows)])
    no_money = np.isin(state, list(_NO_MONEY)) | cancelled
    totals, error = parse_column(
        raw,
        at["total"],
        "amount",
        rows=rows,
        values=np.array([money(v) for v in cells(raw, at["total"], rows)], dtype=object),
    )
    if error is not None:
        raise error
    refunded = np.zeros(len(rows))
    if at["refunded"] is not None:
        values = np.array([money(v) for v in cells(raw, at["refunded"], rows)], dtype=object)
        parsed, error = parse_column(raw, at["refunded"], "amount", rows=rows, values=values)
        if error is not None:
            raise error
        refunded = np.nan_to_num(parsed.to_numpy(dtype=float))
    amount = totals.to_numpy(dtype=float) - refunded
    in_full = ~no_money & (amount <= 0)
    emails = cells(raw, at["email"], rows)
    phones = cells(raw, at["phone"], rows)
    customer = np.array(
        [
            str(e).strip().casefold() if _filled(e) else (str(p).strip() if _filled(p) else None)
            for e, p in zip(emails, phones, strict=True)
        ],
        dtype=object,
    )
    anonymous = ~no_money & ~in_full & np.array([c is None for c in customer])
    keep = ~no_money & ~in_full & ~anonymous
    currencies = sorted(
        {str(c).strip().upper() for c in cells(raw, at["currency"], rows[keep]) if _filled(c)}
    )
    if len(currencies) > 1:
        raise TableError(
            f"{raw.place.label}: Shopify orders in {len(currencies)} currencies "
            f"({', '.join(currencies)}); amounts in different currencies cannot be added up "
            "without exchange rates: export one currency per file (a store per file), or "
            "convert the amounts first",
            table="Orders",
            column="Currency",
        )
    kept = rows[keep]
    columns = {
        "customer_id": (at["email"], customer[keep]),
        "date": (at["created"], cells(raw, at["created"], kept)),
        "amount": (at["total"], [round(a, 2) for a in amount[keep]]),
    }
    left = []
    if no_money.any():
        left.append(f"{plural(int(no_money.sum()), 'voided, pending or cancelled order')}")
    if in_full.any():
        left.append(f"{plural(int(in_full.sum()), 'order')} refunded in full")
    if anonymous.any():
        left.append(
            f"{plural(int(anonymous.sum()), 'order')} without an email or phone "
            f"({sum(amount[anonymous]):,.2f})"
        )
    partly = int((~no_money & (refunded > 0) & keep).sum())
    currency = f", {currencies[0]}" if currencies else ""
    note = (
        f"{raw.place.label}: Shopify orders export -> Orders, {plural(int(keep.sum()), 'order')} "
        f"from {plural(len(raw.body), 'line-item row')}{currency}"
        + (f"; refunds subtracted from {plural(partly, 'order')}" if partly else "")
        + (f"; left out: {', '.join(left)}" if left else "")
    )
    return converted(raw, "Orders", columns, rows=kept, note=note)


register(
    Profile(
        "Shopify orders export",
        "Orders",
        ("Name", "Financial Status", "Lineitem quantity", "Total"),
        _shopify,
        priority=1,
    )
)
