"""Billing data (subscriptions, invoice lines, rates, coupons) turned into the
Subscriptions table, one row per customer and month with its MRR, by the
rules of BILLING.md, as Ibis expressions: the same on DuckDB, Spark and
PostgreSQL.

Each subscription or invoice line is reduced to a monthly amount and the
months it counts in (``first`` to ``last``, as month numbers), then
unnested into one row per month. A month counts when the subscription is
active at its last instant; the as-of month at the as-of day's end
(``cutoff``, the first instant after it): start < end of month <= end.
Rates convert each currency into the reporting one, the last known rate
carried forward; ``fx`` is the part of a row's MRR that comes from the rate's
change since the month before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import Table

from ..errors import TableError
from ..metrics.billing import (
    FULL_PERIOD_DAYS,
    INTERVAL_MONTHS,
    NO_MRR_STATUSES,
    NOT_COUNTED_INVOICES,
    ZERO_DECIMAL_CURRENCIES,
    BillingSettings,
)
from ._time import EPOCH_YEAR, month_index
from .backend import Engine

__all__ = ["BillingMRR", "billing_mrr", "OUTPUT_COLUMNS"]

#: The columns of the Subscriptions table made here.
OUTPUT_COLUMNS = ("customer_id", "month", "mrr", "plan", "currency", "segment", "fx")

_ROW_COLUMNS = ("customer_id", "plan", "segment", "currency", "slot", "native")


@dataclass
class BillingMRR:
    """The Subscriptions table made from billing data, and what to tell the user.

    ``table``: an engine table of :data:`OUTPUT_COLUMNS` (``month`` a date);
    ``currency``: the reporting currency (None when the data names none);
    ``as_of``: the day measured at; ``warnings``: one line each (unknown
    coupons, statuses not counted ...); ``rules``: the rules applied, in
    words, for the report.
    """

    table: Table
    currency: str | None
    as_of: dt.date
    warnings: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    #: Why ``currency`` is the reporting currency, e.g. "the currency with the most MRR".
    currency_reason: str = ""

    def frame(self, engine: Engine) -> pd.DataFrame:
        """The table as a DataFrame in the Subscriptions table's shape, by customer and month."""
        frame = engine.execute(self.table)
        frame = frame.sort_values(["customer_id", "month", "plan", "currency"], ignore_index=True)
        out = pd.DataFrame(
            {
                "customer_id": _texts(frame["customer_id"]),
                "month": pd.to_datetime(frame["month"]).astype("datetime64[ns]"),
                "mrr": frame["mrr"].astype(float).to_numpy(),
                "plan": _texts(frame["plan"]),
                "currency": _texts(frame["currency"]),
                "segment": _texts(frame["segment"]),
                "fx": frame["fx"].astype(float).to_numpy(),
            }
        )
        return out


def _texts(series: pd.Series) -> pd.Series:
    """Text cells as ``str``, blanks as NaN (the validated tables' text columns)."""
    values = [value if isinstance(value, str) else np.nan for value in series]
    return pd.Series(values, dtype="str")


def billing_mrr(
    engine: Engine,
    *,
    subscriptions: Table | None = None,
    invoices: Table | None = None,
    rates: Table | None = None,
    coupons: Table | None = None,
    settings: BillingSettings | None = None,
) -> BillingMRR:
    """The Subscriptions table from billing tables on ``engine``.

    ``subscriptions`` (a snapshot, BillingSubscriptions' columns) and/or
    ``invoices`` (InvoiceLines' columns): a subscription with invoice lines
    is measured from them (its history), the others from the snapshot.
    ``rates`` (Rates) convert other currencies; ``coupons`` (Coupons)
    describe the discounts the snapshot names. Raises a ``TableError`` for
    a currency without a rate (naming it and the first month that needs it)
    or an interval that is not day, week, month or year.
    """
    settings = settings or BillingSettings()
    if subscriptions is None and invoices is None:
        raise ValueError("give subscriptions or invoices")
    warnings: list[str] = []
    rules: list[str] = []
    as_of = settings.as_of or _latest_day(engine, subscriptions, invoices)
    cutoff = ibis.literal(pd.Timestamp(as_of) + pd.Timedelta(days=1))
    last_month = (as_of.year - EPOCH_YEAR) * 12 + as_of.month - 1

    parts = []
    if invoices is not None:
        parts.append(_invoice_rows(engine, invoices, cutoff, last_month, warnings))
    if subscriptions is not None:
        if invoices is not None and "subscription_id" in subscriptions.columns:
            billed = invoices.filter(invoices.subscription_id.notnull()).select("subscription_id")
            billed = billed.distinct().rename(billed_id="subscription_id")
            subscriptions = subscriptions.anti_join(
                billed, subscriptions.subscription_id == billed.billed_id
            )
        parts.append(
            _snapshot_rows(engine, subscriptions, coupons, settings, cutoff, last_month, warnings)
        )
        if invoices is None:
            warnings.append(
                "a subscriptions snapshot has no history of plan changes: every past month "
                "gets the plan and price each subscription has now, so expansion and "
                "contraction show only from invoice lines"
            )
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.union(part)
    _zero_decimal_note(engine, (subscriptions, invoices), warnings)

    currency, how = _reporting_currency(engine, rows, rates, settings)
    table = _converted(engine, rows, rates, currency)
    rules.extend(_rules(subscriptions is not None, invoices is not None, settings, as_of))
    if currency is not None:
        rules.append(f"MRR in {currency} ({how})")
    return BillingMRR(table, currency, as_of, warnings, rules, how)


# -- the as-of day ------------------------------------------------------------------


def _latest_day(engine: Engine, subscriptions: Table | None, invoices: Table | None) -> dt.date:
    """The day of the latest event in the data: a start, renewal, cancellation
    or end of a subscription, the start of an invoice line's period (trial
    and period ends lie ahead)."""
    wanted = (
        (subscriptions, ("start", "current_period_start", "canceled_at", "ended_at")),
        (invoices, ("period_start",)),
    )
    values = []
    for table, names in wanted:
        if table is None:
            continue
        present = [name for name in names if name in table.columns]
        if present:
            found = engine.execute(table.aggregate([table[n].max().name(n) for n in present]))
            values += [v for v in found.iloc[0].tolist() if not pd.isna(v)]
    if not values:
        raise TableError("the billing tables hold no dates to measure MRR at", table="Billing")
    return pd.Timestamp(max(pd.Timestamp(v) for v in values)).date()


# -- subscriptions (a snapshot) ---------------------------------------------------------


def _trimmed(column):
    """``column`` without spaces around it. (Ibis' strip() on Spark also
    strips the letters v, t, n, r and f: its escapes reach Spark's TRIM as letters.)"""
    return column.re_replace(r"^\s+|\s+$", "")


def _upper(column):
    cleaned = _trimmed(column).upper()
    return ibis.ifelse(cleaned == "", ibis.null(), cleaned)


def _divisor(currency, minor_units):
    """100 for an amount in a minor unit (cents), 1 for major units or a zero-decimal currency."""
    minor = minor_units.fill_null(0) > 0
    zero_decimal = currency.isin(sorted(ZERO_DECIMAL_CURRENCIES)).fill_null(False)
    return ibis.ifelse(minor & ~zero_decimal, 100.0, 1.0)


def _months_per_period(interval, count):
    months = ibis.cases(*((interval == name, value) for name, value in INTERVAL_MONTHS.items()))
    return months * count.fill_null(1).cast("float64")


def _month_span(start, end, cutoff, last_month: int):
    """(first, last) month numbers in which a run from ``start`` to ``end``
    (null: still running) is active at the month's end; last < first: none."""
    first = ibis.ifelse(start < cutoff, month_index(start), last_month + 1)
    open_end = end.isnull() | (end >= cutoff)
    last = ibis.ifelse(open_end, last_month, month_index(end) - 1)
    return first.cast("int64"), last.cast("int64")


def _snapshot_rows(engine, subs: Table, coupons, settings, cutoff, last_month, warnings) -> Table:
    status = _trimmed(subs.status).lower()
    interval = _trimmed(subs.interval).lower()
    subs = subs.mutate(
        _status=ibis.ifelse(status == "", ibis.null(), status),
        _interval=interval,
        _currency=_upper(subs.currency),
    )
    _check_intervals(engine, subs)
    not_counted = list(NO_MRR_STATUSES)
    if settings.past_due == "exclude":
        not_counted.append("past_due")
    counted = subs._status.isnull() | subs._status.isin(["active", "past_due", "canceled"])
    counted = counted & ~subs._status.isin(not_counted).fill_null(False)
    _status_warnings(engine, subs, counted, settings, warnings)
    subs = subs.filter(counted)

    trial = subs.trial_end.notnull() & (subs.trial_end > subs.start)
    start = ibis.ifelse(trial, subs.trial_end, subs.start)
    canceled_end = ibis.ifelse(subs._status == "canceled", subs.canceled_at, ibis.null())
    if settings.churn_at == "end":
        end = ibis.coalesce(subs.ended_at, canceled_end)
    else:
        end = ibis.coalesce(subs.canceled_at, subs.ended_at)
    first, last = _month_span(start, end, cutoff, last_month)
    period_months = _months_per_period(subs._interval, subs.interval_count)
    base = (
        subs.amount
        / _divisor(subs._currency, subs.minor_units)
        * subs.quantity.fill_null(1)
        / period_months
    )
    subs = subs.mutate(_first=first, _last=last, _base=base, _period=period_months)
    subs = subs.filter(subs._last >= subs._first)
    subs = _with_coupons(engine, subs, coupons, warnings)
    months = subs.mutate(slot=ibis.range(subs._first, subs._last + 1).unnest().cast("int64"))
    applies = months._forever | (months.slot < months._first + months._repeat_months)
    off = months._base * months._percent / 100 + months._amount_off
    native = ibis.ifelse(applies, ibis.greatest(months._base - off, 0.0), months._base)
    return months.select(
        customer_id=months.customer_id,
        plan=months.plan,
        segment=months.segment,
        currency=months._currency,
        slot=months.slot,
        native=native.cast("float64"),
    )


def _check_intervals(engine: Engine, subs: Table) -> None:
    bad = subs.filter(~subs._interval.isin(list(INTERVAL_MONTHS)).fill_null(True))
    found = engine.execute(bad.select("subscription_id", "customer_id", "interval").limit(1))
    if len(found):
        row = found.iloc[0]
        who = row["subscription_id"] if isinstance(row["subscription_id"], str) else None
        who = f"subscription {who}" if who else f"a subscription of customer {row['customer_id']}"
        raise TableError(
            f"BillingSubscriptions: {who} has interval {row['interval']!r}; "
            "use day, week, month or year",
            table="BillingSubscriptions",
            column="interval",
        )


def _status_warnings(engine, subs, counted, settings, warnings) -> None:
    skipped = subs.filter(~counted)
    counts = engine.execute(skipped.group_by("_status").aggregate(n=skipped.count()))
    if not len(counts):
        return
    counts = counts.sort_values("_status")
    known = set(NO_MRR_STATUSES) | {"past_due"}
    listed = ", ".join(f"{int(n)} {s}" for s, n in zip(counts["_status"], counts["n"], strict=True))
    unknown = sorted(set(counts["_status"]) - known)
    why = "past_due excluded by the past_due setting; " if settings.past_due == "exclude" else ""
    warnings.append(
        f"subscriptions not counted as MRR by their status: {listed} ({why}trialing, "
        "incomplete, incomplete_expired, unpaid and paused have no MRR"
        + (f"; {', '.join(unknown)}: not a status cxexcel knows" if unknown else "")
        + ")"
    )


def _with_coupons(engine: Engine, subs: Table, coupons: Table | None, warnings) -> Table:
    """``subs`` with its discount: ``_percent``, ``_amount_off`` (a month's),
    ``_forever`` and ``_repeat_months``. A coupon no table describes is a warning."""
    coupon = _trimmed(subs.coupon)
    subs = subs.mutate(_coupon=ibis.ifelse(coupon == "", ibis.null(), coupon))
    own = subs.discount_percent.notnull()
    if coupons is None:
        described = subs.mutate(
            _c_percent=ibis.null("float64"),
            _c_amount=ibis.null("float64"),
            _c_currency=ibis.null("string"),
            _c_duration=ibis.null("string"),
            _c_months=ibis.null("float64"),
            _c_found=ibis.literal(False),
        )
    else:
        table = coupons.select(
            _c_id=_trimmed(coupons.id),
            _c_percent=coupons.percent_off.cast("float64"),
            _c_amount=coupons.amount_off.cast("float64"),
            _c_currency=_upper(coupons.currency),
            _c_duration=_trimmed(coupons.duration).lower(),
            _c_months=coupons.duration_in_months.cast("float64"),
            _c_found=ibis.literal(True),
        )
        # One row per coupon id: a repeated id must not count a subscription twice.
        table = table.group_by("_c_id").aggregate(
            **{name: table[name].max() for name in table.columns if name != "_c_id"}
        )
        described = subs.left_join(table, subs._coupon == table._c_id).drop("_c_id")
        described = described.mutate(_c_found=described._c_found.fill_null(False))
    unknown = described.filter(described._coupon.notnull() & ~own & ~described._c_found)
    names = engine.execute(unknown.select("_coupon").distinct().order_by("_coupon").limit(6))
    if len(names):
        shown = ", ".join(names["_coupon"].head(5))
        more = " ..." if len(names) > 5 else ""
        warnings.append(
            f"coupons not described (no Coupons row, no discount_percent): {shown}{more}; "
            "MRR is counted without them"
        )
    duration = described._c_duration
    coupon_applies = described._c_found & ~own
    forever = own | (coupon_applies & (duration == "forever"))
    repeat = ibis.ifelse(coupon_applies & (duration == "repeating"), described._c_months, 0.0)
    percent = ibis.coalesce(
        described.discount_percent.cast("float64"),
        ibis.ifelse(coupon_applies, described._c_percent, ibis.null()),
        0.0,
    )
    coupon_currency = ibis.coalesce(described._c_currency, described._currency)
    amount_off = ibis.ifelse(
        coupon_applies & described._c_amount.notnull(),
        described._c_amount / _divisor(coupon_currency, ibis.literal(1)) / described._period,
        0.0,
    )
    return described.mutate(
        _forever=forever.fill_null(False),
        _repeat_months=repeat.fill_null(0.0),
        _percent=percent,
        _amount_off=amount_off.fill_null(0.0),
    )


def _zero_decimal_note(engine: Engine, tables, warnings: list[str]) -> None:
    """Say which currencies in minor units were taken as whole units (JPY ...)."""
    found: set[str] = set()
    for table in tables:
        if table is None:
            continue
        currency = _upper(table.currency)
        zero = table.filter(
            (table.minor_units.fill_null(0) > 0)
            & currency.isin(sorted(ZERO_DECIMAL_CURRENCIES)).fill_null(False)
        )
        found |= set(engine.execute(zero.select(c=_upper(zero.currency)).distinct())["c"])
    if found:
        names = ", ".join(sorted(found))
        warnings.append(
            f"{names}: zero-decimal currency (Stripe's list), amounts taken as whole units, "
            "not divided by 100"
        )


# -- invoice lines (history) ------------------------------------------------------------


def _invoice_rows(engine: Engine, lines: Table, cutoff, last_month, warnings) -> Table:
    status = _trimmed(lines.status).lower()
    lines = lines.mutate(_status=status, _currency=_upper(lines.currency))
    void = lines._status.isin(list(NOT_COUNTED_INVOICES)).fill_null(False)
    recurring = lines.period_start.notnull() & lines.period_end.notnull()
    counts = engine.execute(
        lines.aggregate(
            void=ibis.ifelse(void, 1, 0).sum(),
            one_time=ibis.ifelse(~void & ~recurring, 1, 0).sum(),
        )
    )
    n_void, n_once = (int(counts[c].fillna(0).iloc[0]) for c in ("void", "one_time"))
    if n_void:
        warnings.append(
            f"{n_void} invoice line(s) of void, draft or uncollectible invoices not counted"
        )
    if n_once:
        warnings.append(
            f"{n_once} invoice line(s) without a service period are one-time revenue, not MRR"
        )
    lines = lines.filter(~void & recurring)
    seconds = lines.period_end.epoch_seconds() - lines.period_start.epoch_seconds()
    days = seconds.cast("float64") / 86400
    net = (lines.amount - lines.discount.fill_null(0)) / _divisor(
        lines._currency, lines.minor_units
    )
    first, last = _month_span(lines.period_start, lines.period_end, cutoff, last_month)
    whole = ibis.greatest((days * 12 / 365.25).round(0), 1.0)
    # A proration counts in the month whose end it covers, the one before its end's.
    covered_days = (lines.period_end.truncate("M") - ibis.interval(days=1)).day()
    monthly = ibis.ifelse(
        days >= FULL_PERIOD_DAYS, net / whole, net * covered_days.cast("float64") / days
    )
    lines = lines.mutate(_first=first, _last=last, _monthly=monthly.cast("float64"))
    lines = lines.filter((lines._last >= lines._first) & (days > 0))
    months = lines.mutate(slot=ibis.range(lines._first, lines._last + 1).unnest().cast("int64"))
    return months.select(
        customer_id=months.customer_id,
        plan=months.plan,
        segment=months.segment,
        currency=months._currency,
        slot=months.slot,
        native=months._monthly,
    )


# -- currencies ---------------------------------------------------------------------------


def _reporting_currency(engine, rows: Table, rates, settings) -> tuple[str | None, str]:
    if settings.currency is not None:
        return settings.currency, "the currency setting"
    named = rows.filter(rows.currency.notnull())
    totals = engine.execute(named.group_by("currency").aggregate(total=named.native.sum()))
    if not len(totals):
        return None, ""
    found = sorted(totals["currency"])
    if rates is not None:
        with_rates = set(engine.execute(rates.select(c=_upper(rates.currency)).distinct())["c"])
        without = [c for c in found if c not in with_rates]
        if len(without) == 1 and len(found) > 1:
            return without[0], "the one currency the Rates table converts into"
    totals = totals.sort_values(["total", "currency"], ascending=[False, True])
    if len(found) == 1:
        return found[0], "the only currency"
    return str(totals["currency"].iloc[0]), "the currency with the most MRR"


def _converted(engine: Engine, rows: Table, rates: Table | None, currency: str | None) -> Table:
    """The rows in the reporting currency, summed per customer, month,
    plan, currency and segment, with ``fx``."""
    if currency is not None:
        rows = rows.mutate(currency=rows.currency.fill_null(currency))
    other = rows.filter(rows.currency != currency) if currency is not None else None
    if other is None:
        looked = rows.mutate(rate=ibis.literal(1.0), prev_rate=ibis.literal(1.0))
    else:
        needed = other.select("currency", "slot").distinct()
        wanted = needed.union(needed.mutate(slot=needed.slot - 1)).distinct()
        found = _rates_at(rates, wanted, currency)
        _check_rates(engine, other, found)
        prev = found.rename(prev_slot="slot", prev_rate="rate", prev_currency="currency")
        prev = prev.mutate(prev_slot=prev.prev_slot + 1)
        looked = rows.left_join(
            found, (rows.currency == found.currency) & (rows.slot == found.slot)
        ).select(*_ROW_COLUMNS, "rate")
        looked = looked.left_join(
            prev, (looked.currency == prev.prev_currency) & (looked.slot == prev.prev_slot)
        ).select(*_ROW_COLUMNS, "rate", "prev_rate")
        own = looked.currency == currency
        looked = looked.mutate(
            rate=ibis.ifelse(own, 1.0, looked.rate),
            prev_rate=ibis.ifelse(own, 1.0, looked.prev_rate),
        )
    fx = ibis.ifelse(
        looked.prev_rate.notnull(), looked.native * (looked.rate - looked.prev_rate), 0.0
    )
    looked = looked.mutate(_mrr=looked.native * looked.rate, _fx=fx)
    grouped = looked.group_by(["customer_id", "slot", "plan", "currency", "segment"]).aggregate(
        mrr=looked._mrr.sum(), fx=looked._fx.sum()
    )
    year = (grouped.slot // 12 + EPOCH_YEAR).cast("int32")
    month = (grouped.slot % 12 + 1).cast("int32")
    return grouped.select(
        customer_id=grouped.customer_id,
        month=ibis.date(year, month, ibis.literal(1, "int32")),
        mrr=ibis.greatest(grouped.mrr, 0.0),
        plan=grouped.plan,
        currency=grouped.currency,
        segment=grouped.segment,
        fx=grouped.fx,
    )


def _rates_at(rates: Table | None, wanted: Table, currency: str | None) -> Table:
    """For each (currency, slot) of ``wanted``, the last rate at or before that month."""
    if rates is None:
        return wanted.mutate(rate=ibis.null("float64"))
    table = rates.select(
        r_currency=_upper(rates.currency),
        r_slot=month_index(rates.month).cast("int64"),
        r_rate=rates.rate.cast("float64"),
    )
    table = table.group_by(["r_currency", "r_slot"]).aggregate(r_rate=table.r_rate.max())
    pairs = wanted.left_join(
        table, (wanted.currency == table.r_currency) & (table.r_slot <= wanted.slot)
    )
    latest = pairs.group_by(["currency", "slot"]).aggregate(at=pairs.r_slot.max())
    joined = latest.left_join(
        table, (latest.currency == table.r_currency) & (latest.at == table.r_slot)
    )
    return joined.select("currency", "slot", rate=joined.r_rate)


def _check_rates(engine: Engine, other: Table, found: Table) -> None:
    joined = other.left_join(
        found, (other.currency == found.currency) & (other.slot == found.slot)
    ).select(currency=other.currency, slot=other.slot, rate=found.rate)
    missing = joined.filter(joined.rate.isnull())
    first = engine.execute(
        missing.group_by("currency").aggregate(first=missing.slot.min()).order_by(["first"])
    )
    if len(first):
        name, slot = first["currency"].iloc[0], int(first["first"].iloc[0])
        month = f"{EPOCH_YEAR + slot // 12}-{slot % 12 + 1:02d}"
        raise TableError(
            f"Rates: no exchange rate for {name} in {month}, the first month with {name} MRR; "
            f"add a Rates row (month {month}, currency {name}, rate) or set the reporting "
            "currency",
            table="Rates",
            column="rate",
        )


def _rules(snapshot: bool, invoices: bool, settings: BillingSettings, as_of: dt.date) -> list[str]:
    rules = []
    if invoices:
        rules.append(
            "invoice lines: each line's amount after discount, before tax, spread over its "
            "service period (whole months; prorations scaled by days); void, draft and "
            "uncollectible invoices and one-time lines not counted"
        )
    if snapshot:
        past_due = "past_due counts" if settings.past_due == "count" else "past_due excluded"
        churn = (
            "at the end of the paid period"
            if settings.churn_at == "end"
            else "when it was canceled"
        )
        rules.append(
            "subscriptions: amount x quantity a month (a year / 12, a week x 52/12), before "
            f"tax, after coupons; trials not counted; active and canceled count, {past_due}; "
            f"churn {churn}"
        )
    rules.append(f"each month as at its last day, the last one as of {as_of.isoformat()}")
    return rules
