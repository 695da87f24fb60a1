"""The number rules of MRR from billing data (BILLING.md) and its settings.

The table work (subscriptions and invoice lines into customer-months) is
engine expressions in :mod:`cxexcel.engine.billing`; this module holds what
those expressions are built from: the months a billing period lasts, the
currencies Stripe writes without minor units, the statuses that count and
the settings a user chooses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..errors import InputError

__all__ = [
    "ZERO_DECIMAL_CURRENCIES",
    "INTERVAL_MONTHS",
    "COUNTED_STATUSES",
    "NO_MRR_STATUSES",
    "NOT_COUNTED_INVOICES",
    "CHURN_AT",
    "PAST_DUE",
    "BillingSettings",
    "monthly_amount",
    "minor_unit_divisor",
    "invoice_months",
]

#: Currencies Stripe writes in whole units, not in a minor unit (Stripe's
#: list of zero-decimal currencies): their amounts are not divided by 100.
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)

#: Months in one billing interval: a year is 12, a week 12/52 of a month
#: (a weekly amount is x 52/12 a month), a day 12/365.
INTERVAL_MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}

#: Statuses whose subscriptions count while they run (``past_due`` unless
#: ``past_due="exclude"``); ``canceled`` counts until it ended.
COUNTED_STATUSES = ("active", "past_due", "canceled")

#: Statuses without MRR: trials not converted yet, failed first payments,
#: subscriptions not paid or paused.
NO_MRR_STATUSES = ("trialing", "incomplete", "incomplete_expired", "unpaid", "paused")

#: Invoice statuses whose lines are not revenue.
NOT_COUNTED_INVOICES = ("void", "draft", "uncollectible")

CHURN_AT = ("end", "cancel")
PAST_DUE = ("count", "exclude")


@dataclass(frozen=True)
class BillingSettings:
    """How billing data becomes MRR; every field has BILLING.md's default.

    - ``currency``: the reporting currency (ISO code such as ``"USD"``);
      None: the currency with the most MRR.
    - ``as_of``: the day the data is measured at (nothing counts after
      it; the last month is measured then); None: the latest date in the data.
    - ``churn_at``: ``"end"`` (a canceled subscription churns when it ends,
      at the end of its paid period) or ``"cancel"`` (when it was canceled).
    - ``past_due``: ``"count"`` (a customer behind on payment is still a
      customer) or ``"exclude"``.
    """

    currency: str | None = None
    as_of: dt.date | None = None
    churn_at: str = "end"
    past_due: str = "count"

    def __post_init__(self):
        object.__setattr__(self, "currency", _currency(self.currency))
        object.__setattr__(self, "as_of", _as_of(self.as_of))
        object.__setattr__(self, "churn_at", _choice("churn_at", self.churn_at, CHURN_AT))
        object.__setattr__(self, "past_due", _choice("past_due", self.past_due, PAST_DUE))

    @classmethod
    def of(cls, settings=None, **changes) -> BillingSettings:
        """Settings from ``settings`` (a BillingSettings, a mapping of its
        fields as a config file gives them, or None) with ``changes`` applied
        (None values left out)."""
        if settings is None:
            base = {}
        elif isinstance(settings, BillingSettings):
            base = {name: getattr(settings, name) for name in _FIELDS}
        elif hasattr(settings, "items"):
            base = {}
            for key, value in settings.items():
                name = str(key).replace("-", "_")
                if name not in _FIELDS:
                    raise InputError(
                        "billing settings",
                        f"{key!r} is not a setting (use {', '.join(_FIELDS)})",
                    )
                base[name] = value
        else:
            raise InputError(
                "billing settings", f"expected settings, got {type(settings).__name__}"
            )
        base.update({key: value for key, value in changes.items() if value is not None})
        return cls(**base)


_FIELDS = ("currency", "as_of", "churn_at", "past_due")


def _currency(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    if len(text) != 3 or not text.isalpha() or not text.isascii():
        raise InputError("currency", "is not a currency code such as USD or EUR", value)
    return text


def _as_of(value) -> dt.date | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise InputError("as_of", "is not a date such as 2025-06-30", value)
    return stamp.date()


def _choice(name: str, value, choices: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in choices:
        raise InputError(name, f"must be {' or '.join(choices)}", value)
    return text


def minor_unit_divisor(currency: str | None) -> int:
    """What an amount in ``currency``'s minor unit is divided by: 100, or 1
    for a zero-decimal currency (JPY ...)."""
    return 1 if (currency or "").upper() in ZERO_DECIMAL_CURRENCIES else 100


def monthly_amount(amount: float, interval: str, interval_count: float = 1, quantity: float = 1):
    """A per-period, per-unit price as monthly recurring revenue: $1,188 a
    year x 2 is 198 a month, $10 a week is 43.33."""
    months = INTERVAL_MONTHS[interval] * interval_count
    return amount * quantity / months


#: Days of a service period from which it is counted in whole months.
FULL_PERIOD_DAYS = 28


def invoice_months(days: float) -> int:
    """The whole calendar months a service period of ``days`` days pays for
    (nearest, at least 1); periods under 28 days are prorations, scaled by days."""
    return max(1, round(days * 12 / 365.25))
