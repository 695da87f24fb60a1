"""The Subscriptions table derived from billing tables while reading.

When the inputs hold billing data (``BillingSubscriptions`` and/or
``InvoiceLines``, with ``Rates`` and ``Coupons`` where given) and no
Subscriptions table, the engine turns them into one by BILLING.md's rules.
What the user should know (the reporting currency, statuses not counted,
unknown coupons, the snapshot caveat) comes back as notes; the source and
the rules in words ride along in the table's ``attrs["billing"]`` for the
report's CX Revenue sheet.
"""

from __future__ import annotations

import pandas as pd

from ..metrics.billing import BillingSettings

__all__ = [
    "derive_subscriptions",
    "billing_settings",
    "is_billing_note",
    "mrr_from_subscriptions",
    "BILLING_SOURCES",
]

#: What the notes of billing data say, so a command (the ribbon, a check)
#: can pick them out of the other notes.
_NOTE_MARKS = (" -> Subscriptions", "Subscriptions from billing data", "billing: ")


def is_billing_note(note: str) -> bool:
    """Whether ``note`` (a line of ``read_tables``' notes) is about billing data."""
    return any(mark in note for mark in _NOTE_MARKS)


#: The billing tables MRR is measured from (Rates and Coupons only help).
BILLING_SOURCES = ("BillingSubscriptions", "InvoiceLines")


def derive_subscriptions(
    tables: dict, settings: BillingSettings | None, engine=None, sources: dict | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """(the Subscriptions DataFrame, note lines) from the billing tables in
    ``tables`` (validated DataFrames). ``sources`` names where each table
    came from, for the notes. Raises a ``TableError`` for a currency
    without a rate or a bad interval."""
    from ..engine import connect
    from ..engine.billing import billing_mrr
    from ..report._survey_facts import frame_for_engine

    engine = engine if engine is not None else connect()
    given = {}
    for name in ("BillingSubscriptions", "InvoiceLines", "Rates", "Coupons"):
        if name in tables:
            given[name] = engine.from_frame(name, frame_for_engine(tables[name]))
    result = billing_mrr(
        engine,
        subscriptions=given.get("BillingSubscriptions"),
        invoices=given.get("InvoiceLines"),
        rates=given.get("Rates"),
        coupons=given.get("Coupons"),
        settings=settings,
    )
    frame = result.frame(engine)
    sources = sources or {}
    used = [sources.get(name, name) for name in BILLING_SOURCES if name in tables]
    customers = frame.loc[frame["mrr"] > 0, "customer_id"].nunique()
    span = ""
    if len(frame):
        first, last = frame["month"].min(), frame["month"].max()
        span = f", {first:%Y-%m} to {last:%Y-%m}"
    currency = f", in {result.currency} ({result.currency_reason})" if result.currency else ""
    summary = (
        f"Subscriptions from billing data ({' and '.join(used)}): "
        f"{customers} paying customers{span}{currency}, as of {result.as_of.isoformat()}"
    )
    notes = [summary, *(f"billing: {line}" for line in result.warnings)]
    frame.attrs["billing"] = {
        "source": " and ".join(used),
        "currency": result.currency,
        "as_of": result.as_of.isoformat(),
        "rules": list(result.rules),
        "warnings": list(result.warnings),
    }
    return frame, notes


def billing_settings(config=None, **flags) -> BillingSettings:
    """The billing settings of a TOML file's ``[billing]`` section (``config``,
    a path, or None) with ``flags`` (None: not given) applied over them.
    Raises ``ValueError`` (an ``InputError`` for a bad value) naming the file
    or the setting."""
    from pathlib import Path

    section = {}
    if config is not None:
        import tomllib

        path = Path(config)
        try:
            if path.stat().st_size > 1_000_000:
                raise ValueError(f"{path}: a settings file of more than 1 MB is not one")
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"{path}: cannot be read as a TOML settings file ({error})") from None
        section = loaded.get("billing", {})
        if not isinstance(section, dict):
            raise ValueError(f"{path}: [billing] must be a section of settings")
    return BillingSettings.of(section, **flags)


def mrr_from_subscriptions(
    customer, start, end, amount, interval, quantity=None, trial_end=None, as_of=None
) -> pd.DataFrame:
    """Customer x month MRR (the Subscriptions table's customer_id, month,
    mrr) from one row per subscription, by the rules of docs/billing.md.

    ``amount`` is the price per billing period and unit (major units, before
    tax); ``interval`` day, week, month or year (one for all rows, or one per
    row); ``end`` when each ended (blank: still active); ``quantity`` units
    (blank: 1); ``trial_end`` when a trial ends (MRR starts then); ``as_of``
    the day measured at (default: the latest start or end). A month counts a
    subscription active at its last day. Raises ``InputError`` naming the
    argument and item of a bad value.
    """
    import numpy as np

    from ..errors import InputError
    from ..metrics._inputs import flatten, is_blank
    from ..metrics.billing import INTERVAL_MONTHS
    from ..metrics.cohorts import ITEM, _read_date, read_rows

    cols = read_rows(customer=("key", customer), start=("date", start), amount=("amount", amount))
    kept = cols[ITEM]
    n = int(kept.sum())

    def optional_dates(name, data):
        if data is None:
            return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        values, _ = _read_date(name, data)
        return _same_length(name, values, len(kept))[kept]

    ends = optional_dates("end", end)
    trials = optional_dates("trial_end", trial_end)
    intervals = [str(v).strip().lower() if not is_blank(v) else "" for v in flatten(interval)]
    if len(intervals) == 1:
        intervals = intervals * len(kept)
    intervals = np.array(_same_length("interval", intervals, len(kept)), dtype=object)[kept]
    for position, value in enumerate(intervals):
        if value not in INTERVAL_MONTHS:
            item = int(np.flatnonzero(kept)[position]) + 1
            raise InputError("interval", "is not day, week, month or year", value, item)
    if quantity is None:
        quantities = np.ones(n)
    else:
        from ..metrics.cohorts import _read_amount

        values, _ = _read_amount("quantity", quantity)
        quantities = np.nan_to_num(_same_length("quantity", values, len(kept))[kept], nan=1.0)
    if as_of is not None:
        as_of = BillingSettings(as_of=_one_date(as_of)).as_of
    frame = pd.DataFrame(
        {
            "subscription_id": [f"row {i + 1}" for i in np.flatnonzero(kept)],
            "customer_id": cols["customer"],
            "amount": cols["amount"],
            "interval": intervals.astype(str),
            "quantity": quantities,
            "status": np.where(np.isnat(ends), "active", "canceled"),
            "start": cols["start"],
            "trial_end": trials,
            "ended_at": ends,
        }
    )
    from . import read_tables

    tables = read_tables({"BillingSubscriptions": frame}, billing={"as_of": as_of})
    subs = tables["Subscriptions"]
    if not len(subs):
        raise InputError("start", "no subscription is active at the end of a month up to as_of")
    out = subs.groupby(["customer_id", "month"], sort=False, as_index=False)["mrr"].sum()
    return out.reset_index(drop=True)


def _same_length(name: str, values, length: int):
    from ..errors import InputError

    if len(values) != length:
        raise InputError(
            name,
            f"has {len(values)} items but customer has {length}; the columns must be the same length",
        )
    return values


def _one_date(value):
    """A single date argument (a one-cell range gives a list)."""
    from ..metrics._inputs import flatten

    items = flatten(value) if isinstance(value, (list, tuple)) else [value]
    if len(items) != 1:
        from ..errors import InputError

        raise InputError("as_of", "must be one date")
    return items[0]
