"""MRR movements: how monthly recurring revenue changed, month by month."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputError
from ._inputs import to_floats
from .cohorts import ITEM, period_index, period_start, read_rows

__all__ = [
    "mrr_movements",
    "movements_from_totals",
    "with_opening_balance",
    "net_movement",
    "SIGNED_MOVEMENTS",
    "MOVEMENT_COLUMNS",
    "MOVEMENT_TOTALS",
    "PayingMonths",
    "paying_months",
]

MOVEMENT_COLUMNS = [
    "month",
    "starting_mrr",
    "new",
    "expansion",
    "contraction",
    "churned",
    "reactivation",
    "ending_mrr",
]


#: The per-month totals :func:`movements_from_totals` reads.
MOVEMENT_TOTALS = ("new", "expansion", "contraction", "churned", "reactivation", "ending")

#: A change of MRR left after its fx part is taken out counts as expansion
#: or contraction only beyond this (the rest is floating-point noise).
FX_NOISE = 1e-9

#: The columns with the ``fx`` movement (MRR changed by exchange rates alone).
MOVEMENT_COLUMNS_FX = [*MOVEMENT_COLUMNS[:-1], "fx", "ending_mrr"]


def mrr_movements(customer, month, mrr, fx=None) -> pd.DataFrame:
    """MRR movements per month: starting, new, expansion, contraction, churned, reactivation, ending.

    ``customer``, ``month`` and ``mrr`` are one row per customer-month (any
    date inside the month names the month); rows for the same customer and
    month are added up. Every calendar month from the first to the last in
    the data gets a row, and a customer with no row in a month has MRR 0
    there. Moving from 0 to a positive MRR is *new* the first time and
    *reactivation* after that; from positive to 0 is *churned* (the MRR
    lost); a rise or fall between positive amounts is *expansion* or
    *contraction*. Starting MRR of the first month is 0, of every later month
    the previous month's ending MRR, and every month satisfies
    ending = starting + new + expansion + reactivation - contraction - churned.

    ``fx`` (optional, one signed number per row; blank 0) is the part of
    each row's MRR that comes from an exchange rate's change since the month
    before (the Subscriptions table made from billing data in several
    currencies has it). A continuing customer's change of MRR is then split:
    the fx part is its own movement, ``fx`` (a column before
    ``ending_mrr``), the rest is expansion or contraction, and ending =
    starting + new + expansion + reactivation - contraction - churned + fx.

    Returns a DataFrame with columns ``month`` (first day of the month),
    ``starting_mrr``, ``new``, ``expansion``, ``contraction``, ``churned``,
    ``reactivation``, (``fx``,) ``ending_mrr``; movements other than fx are
    positive amounts.
    """
    months, fx_months = _paying_months(customer, month, mrr, fx)
    cust, slot, amount, first_month, n_months = months

    same_prev = np.zeros(len(slot), dtype=bool)
    same_prev[1:] = cust[1:] == cust[:-1]
    prev_slot = np.full(len(slot), -2, dtype=np.int64)
    prev_slot[1:] = slot[:-1]
    prev_amount = np.zeros(len(slot))
    prev_amount[1:] = amount[:-1]
    continued = same_prev & (prev_slot == slot - 1)

    same_next = np.zeros(len(slot), dtype=bool)
    same_next[:-1] = cust[1:] == cust[:-1]
    next_slot = np.full(len(slot), -2, dtype=np.int64)
    next_slot[:-1] = slot[1:]
    # A customer churns the month after a paying month unless they pay in it too.
    churns = ~(same_next & (next_slot == slot + 1)) & (slot + 1 < n_months)

    def total(mask, values, where=slot):
        # astype: bincount of nothing is an integer array.
        return np.bincount(where[mask], weights=values[mask], minlength=n_months).astype(float)

    moved = fx_months if fx_months is not None else np.zeros(len(slot))
    moved = np.where(continued, moved, 0.0)
    change = amount - prev_amount - moved
    change[(moved != 0) & (np.abs(change) <= FX_NOISE)] = 0.0
    totals = {
        "new": total(~same_prev, amount),
        "reactivation": total(same_prev & ~continued, amount),
        "expansion": total(continued & (change > 0), change),
        "contraction": total(continued & (change < 0), -change),
        "churned": total(churns, amount, slot + 1),
        "ending": total(np.ones(len(slot), dtype=bool), amount),
    }
    if fx is not None:
        totals["fx"] = total(np.ones(len(slot), dtype=bool), moved)
    return movements_from_totals(first_month, n_months, np.arange(n_months), totals)


def movements_from_totals(first_month: int, n_months: int, slots, totals) -> pd.DataFrame:
    """The MRR movements table from totals per month, as the engine returns them.

    ``slots`` are month numbers counted from ``first_month`` (0 to
    ``n_months`` - 1) and ``totals`` maps each of :data:`MOVEMENT_TOTALS` to
    one value per slot; months without a total have 0. Starting MRR is the
    previous month's ending MRR (0 in the first month). Same table as
    :func:`mrr_movements`; with an ``fx`` total, its ``fx`` column too.
    """
    slots = np.asarray(slots, dtype=np.int64)
    full = {}
    names = (*MOVEMENT_TOTALS, "fx") if "fx" in totals else MOVEMENT_TOTALS
    for name in names:
        column = np.zeros(n_months)
        np.add.at(column, slots, np.asarray(totals[name], dtype=float))
        full[name] = column
    ending = full["ending"]
    table = {
        "month": period_start(np.arange(n_months) + first_month, "M"),
        "starting_mrr": np.concatenate([[0.0], ending[:-1]]),
        "new": full["new"],
        "expansion": full["expansion"],
        "contraction": full["contraction"],
        "churned": full["churned"],
        "reactivation": full["reactivation"],
    }
    if "fx" in full:
        table["fx"] = full["fx"]
    table["ending_mrr"] = ending
    return pd.DataFrame(table)


#: Movements that add to MRR, and those shown as positive amounts that take from it.
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churned")
#: Movements that carry their own sign (e.g. ``fx``, a currency revaluation), if present.
SIGNED_MOVEMENTS = ("fx",)


def net_movement(movements: pd.DataFrame) -> np.ndarray:
    """Each month's net change of MRR from its movements:
    new + expansion + reactivation - contraction - churned (+ any signed
    movement the table has, such as ``fx``). The movement identity holds
    where starting MRR + net movement = ending MRR.
    """
    net = np.zeros(len(movements))
    for name in GAINS:
        net += movements[name].to_numpy(dtype=float)
    for name in LOSSES:
        net -= movements[name].to_numpy(dtype=float)
    for name in SIGNED_MOVEMENTS:
        if name in movements.columns:
            net += movements[name].to_numpy(dtype=float)
    return net


def with_opening_balance(movements: pd.DataFrame) -> pd.DataFrame:
    """The movements table with its first month as the opening balance.

    The data cannot tell what happened before its first month, so the MRR of
    that month is what the business started with, not new business: its
    starting MRR becomes its ending MRR and each of its movements 0 (every
    column other than ``month``, ``starting_mrr`` and ``ending_mrr``, so
    movements added later are covered too). Later months are unchanged, and
    every month still satisfies the movement identity.
    """
    out = movements.copy()
    if out.empty:
        return out
    first = out.index[0]
    moving = [c for c in out.columns if c not in ("month", "starting_mrr", "ending_mrr")]
    out.loc[first, moving] = 0.0
    out.loc[first, "starting_mrr"] = out.loc[first, "ending_mrr"]
    return out


class PayingMonths(NamedTuple):
    """The customer-months with MRR > 0, ordered by customer then month."""

    customer: np.ndarray  #: integer customer code (0, 1, ... in order of appearance)
    slot: np.ndarray  #: month number counted from the first month of the data (0)
    amount: np.ndarray  #: the customer's total MRR in that month (> 0)
    first_month: int  #: ``period_index`` number of the first month of the data
    n_months: int  #: calendar months from the first to the last month of the data


def paying_months(customer, month, mrr) -> PayingMonths:
    """Read one-row-per-customer-month columns as the MRR table functions do.

    The columns are validated by ``read_rows`` (customer a key, month a date,
    mrr an amount >= 0); rows of the same customer and month are added up and
    months with a total of 0 are left out. The months span every calendar
    month from the first to the last in the data, rows with MRR 0 included.
    """
    return _paying_months(customer, month, mrr, None)[0]


def _paying_months(customer, month, mrr, fx) -> tuple[PayingMonths, np.ndarray | None]:
    """:func:`paying_months` and, with ``fx``, each paying month's fx added up."""
    cols = read_rows(customer=("key", customer), month=("date", month), mrr=("amount", mrr))
    codes, _ = pd.factorize(cols["customer"])
    months = period_index(cols["month"], "M")
    first_month = int(months.min())
    n_months = int(months.max()) - first_month + 1
    slot = months - first_month

    # One value per customer-month, ordered by customer then month.
    key = codes.astype(np.int64) * n_months + slot
    key, inverse = np.unique(key, return_inverse=True)
    amount = np.bincount(inverse, weights=cols["mrr"], minlength=len(key))
    moved = None
    if fx is not None:
        values = _signed_numbers("fx", fx, len(cols[ITEM]))[cols[ITEM]]
        moved = np.bincount(inverse, weights=values, minlength=len(key))
    positive = amount > 0
    key, amount = key[positive], amount[positive]
    if moved is not None:
        moved = moved[positive]
    return PayingMonths(key // n_months, key % n_months, amount, first_month, n_months), moved


def _signed_numbers(name: str, data, length: int) -> np.ndarray:
    """Finite numbers of any sign, blanks as 0, ``length`` of them."""
    values, _ = to_floats(name, data)
    if len(values) != length:
        raise InputError(
            name,
            f"has {len(values)} items but customer has {length}; the columns must be the same length",
        )
    infinite = np.isinf(values)
    if infinite.any():
        position = int(np.argmax(infinite)) + 1
        raise InputError(name, "is not a finite number", float(values[position - 1]), position)
    return np.nan_to_num(values, nan=0.0)
