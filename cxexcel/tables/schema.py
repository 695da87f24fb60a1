"""The input tables cxexcel reads (METRICS.md §5): their columns, which are
required, and what each column holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "Column",
    "TableSchema",
    "SCHEMAS",
    "REPORT_TABLES",
    "BILLING_TABLES",
    "TARGET_METRICS",
    "normalise_name",
    "canonical_metric",
    "NUMBER_LIMIT",
]

#: Column kinds: what a cell of the column may hold.
KINDS = ("date", "month", "number", "amount", "count", "score", "text", "metric")

#: Numbers, amounts and counts must be smaller than this in size. Far above
#: any real revenue or count, it keeps sums of millions of rows finite and
#: whole numbers exact in float64 (below 2**53).
NUMBER_LIMIT = 1e15


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``kind`` is one of:

    - ``date``: a date (Excel date, serial number or ISO text such as 2024-01-31)
    - ``month``: a date, normalised to the first day of its month
    - ``number``: any number
    - ``amount``: a number that is 0 or more (money, minutes)
    - ``count``: a whole number that is 0 or more
    - ``score``: a whole-number rating within ``scale`` (low, high)
    - ``text``: text; numbers are kept as text (``1001`` becomes ``"1001"``)
    - ``metric``: the name of a KPI from ``TARGET_METRICS``
    """

    name: str
    kind: str
    required: bool = False
    scale: tuple[int, int] | None = None
    description: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if (self.kind == "score") != (self.scale is not None):
            raise ValueError("a score column needs a scale, and only a score column")

    @property
    def rule(self) -> str:
        """What a valid cell holds, in words, e.g. ``a whole number 0-10``."""
        if self.kind == "score":
            low, high = self.scale
            return f"a whole number {low}-{high}"
        return {
            "date": "a date such as 2024-01-31",
            "month": "a month such as 2024-01 or a date in it",
            "number": "a number",
            "amount": "a number 0 or more",
            "count": "a whole number 0 or more",
            "text": "text",
            "metric": "a KPI name (" + ", ".join(TARGET_METRICS) + ")",
        }[self.kind]


@dataclass(frozen=True)
class TableSchema:
    """One input table: its name, its columns and its rules across columns.

    ``one_of`` lists columns of which at least one must be present (the
    score columns of ``Responses``); each of them is otherwise optional.
    ``at_most`` lists ``(part, whole)`` column pairs: in a row where both are
    filled, ``part`` must not be more than ``whole`` (opens of the emails
    delivered).
    """

    name: str
    columns: tuple[Column, ...]
    one_of: tuple[str, ...] = ()
    description: str = ""
    at_most: tuple[tuple[str, str], ...] = ()
    _by_key: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_key", {normalise_name(c.name): c for c in self.columns})
        names = set(self.column_names)
        for pair in self.at_most:
            if not set(pair) <= names:
                raise ValueError(f"{self.name}: at_most names an unknown column: {pair!r}")

    @property
    def column_names(self) -> list[str]:
        """The canonical column names, in order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """The columns that must be present (and filled in every row)."""
        return [c.name for c in self.columns if c.required]

    def column(self, header: object) -> Column | None:
        """The column a header cell names (case- and space-insensitively), if any."""
        return self._by_key.get(normalise_name(header))


def normalise_name(name: object) -> str:
    """The key names are matched by: lower case, without spaces, ``_`` or ``-``.

    ``"Customer ID"``, ``"customer_id"`` and ``"customerid"`` all give
    ``"customerid"``.
    """
    if name is None:
        return ""
    return re.sub(r"[\s_\-]+", "", str(name)).casefold()


#: The KPI names a ``Targets`` row may name, in their canonical spelling.
TARGET_METRICS: tuple[str, ...] = (
    "NPS",
    "CSAT",
    "CES",
    "CXI",
    "Churn",
    "Retention",
    "Repeat rate",
    "Stickiness",
    "Open rate",
    "Click rate",
    "MRR",
    "NRR",
    "GRR",
    "Quick ratio",
    "CLV",
    "CAC",
    "CLV:CAC",
    "CAC payback",
)

_METRIC_KEYS = {re.sub(r"[\s_\-:/]+", "", m).casefold(): m for m in TARGET_METRICS}


def canonical_metric(name: object) -> str | None:
    """The canonical spelling of a KPI name, or None if it is not one.

    Case, spaces, ``_``, ``-``, ``:`` and ``/`` are ignored, so ``clv:cac``,
    ``CLV/CAC`` and ``clv cac`` are all ``CLV:CAC``.
    """
    if not isinstance(name, str):
        return None
    return _METRIC_KEYS.get(re.sub(r"[\s_\-:/]+", "", name).casefold())


def _score(name: str, scale: tuple[int, int], description: str) -> Column:
    return Column(name, "score", scale=scale, description=description)


SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema
    for schema in (
        TableSchema(
            "Responses",
            (
                Column("date", "date", required=True, description="when the response came in"),
                _score("nps", (0, 10), "likelihood to recommend, 0-10"),
                _score("csat", (1, 5), "satisfaction rating, 1-5 by default"),
                _score("ces", (1, 7), "agreement that it was easy, 1-7"),
                Column("customer_id", "text", description="who answered"),
                Column("segment", "text", description="e.g. SMB, Mid-Market, Enterprise"),
                Column("comment", "text", description="the verbatim answer"),
            ),
            one_of=("nps", "csat", "ces"),
            description="survey responses, one row per response",
        ),
        TableSchema(
            "Subscriptions",
            (
                Column("customer_id", "text", required=True, description="the customer"),
                Column("month", "month", required=True, description="the month billed"),
                Column("mrr", "amount", required=True, description="recurring revenue that month"),
                Column("plan", "text", description="the plan the revenue is for"),
                Column("currency", "text", description="the currency billed (mrr is converted)"),
                Column("segment", "text", description="e.g. SMB, Mid-Market, Enterprise"),
                Column(
                    "fx",
                    "number",
                    description="the part of mrr's change since the month before that comes "
                    "from the exchange rate alone (billing data in other currencies)",
                ),
            ),
            description="one row per customer and month with recurring revenue",
        ),
        TableSchema(
            "Orders",
            (
                Column("customer_id", "text", required=True, description="the customer"),
                Column("date", "date", required=True, description="when the order was placed"),
                Column("amount", "amount", required=True, description="the order value"),
            ),
            description="one row per order (transaction)",
        ),
        TableSchema(
            "Spend",
            (
                Column("month", "month", required=True, description="the month"),
                Column(
                    "sales_marketing_cost",
                    "amount",
                    required=True,
                    description="sales and marketing cost of the month",
                ),
                Column(
                    "new_customers",
                    "count",
                    required=True,
                    description="customers acquired in the month",
                ),
                Column(
                    "retention_cost",
                    "amount",
                    description="cost of keeping existing customers",
                ),
            ),
            description="one row per month of acquisition and retention cost",
        ),
        TableSchema(
            "Engagement",
            (
                Column("date", "date", required=True, description="the day"),
                Column("dau", "count", description="daily active users"),
                Column("mau", "count", description="monthly active users (trailing 30 days)"),
                Column("sessions", "count", description="sessions that day"),
                Column("avg_session_minutes", "amount", description="mean session length"),
                Column("emails_delivered", "count", description="campaign emails delivered"),
                Column("opens", "count", description="campaign emails opened"),
                Column("clicks", "count", description="campaign emails clicked"),
            ),
            description="one row per day of product and email engagement",
            # Stickiness is dau / mau and the email rates are over the emails
            # delivered (clicks too: an email can be clicked with its open
            # not tracked, so clicks may exceed opens).
            at_most=(("dau", "mau"), ("opens", "emails_delivered"), ("clicks", "emails_delivered")),
        ),
        TableSchema(
            "Targets",
            (
                Column("metric", "metric", required=True, description="the KPI name"),
                Column("target", "number", required=True, description="the goal for it"),
            ),
            description="goals shown beside each KPI",
        ),
        TableSchema(
            "BillingSubscriptions",
            (
                Column("subscription_id", "text", description="the subscription"),
                Column("customer_id", "text", required=True, description="the customer"),
                Column("plan", "text", description="the plan (price) subscribed to"),
                Column(
                    "amount",
                    "amount",
                    required=True,
                    description="price per billing period and unit, before tax",
                ),
                Column("currency", "text", description="ISO code such as USD; blank: one currency"),
                Column("interval", "text", required=True, description="day, week, month or year"),
                Column("interval_count", "count", description="periods per bill (blank: 1)"),
                Column("quantity", "amount", description="units (seats); blank: 1"),
                Column("status", "text", description="active, past_due, canceled, trialing ..."),
                Column("start", "date", required=True, description="when it started"),
                Column("trial_end", "date", description="when its trial ends or ended"),
                Column("canceled_at", "date", description="when the customer canceled"),
                Column("ended_at", "date", description="when it ended (end of the paid period)"),
                Column("current_period_start", "date", description="start of the period billed"),
                Column("discount_percent", "amount", description="percent off, forever"),
                Column("coupon", "text", description="a coupon id of the Coupons table"),
                Column("segment", "text", description="e.g. SMB, Mid-Market, Enterprise"),
                Column(
                    "minor_units",
                    "count",
                    description="1: amount is in the currency's minor unit (cents), as Stripe "
                    "exports it; blank or 0: major units",
                ),
            ),
            description="a billing system's subscriptions, each as it is now (a snapshot)",
        ),
        TableSchema(
            "InvoiceLines",
            (
                Column("invoice_id", "text", description="the invoice"),
                Column("subscription_id", "text", description="the subscription billed"),
                Column("customer_id", "text", required=True, description="the customer"),
                Column("amount", "number", required=True, description="the line, before tax"),
                Column("discount", "number", description="discount on the line"),
                Column("tax", "number", description="tax on the line (never MRR)"),
                Column("currency", "text", description="ISO code such as USD; blank: one currency"),
                Column("period_start", "date", description="start of the service period"),
                Column("period_end", "date", description="end of the service period"),
                Column("status", "text", description="the invoice's: paid, open, void, draft ..."),
                Column("plan", "text", description="the plan billed"),
                Column("segment", "text", description="e.g. SMB, Mid-Market, Enterprise"),
                Column(
                    "minor_units",
                    "count",
                    description="1: amounts in the currency's minor unit (cents); blank: major",
                ),
            ),
            description="invoice lines with the service period each pays for (history)",
        ),
        TableSchema(
            "Rates",
            (
                Column("month", "month", required=True, description="the month"),
                Column("currency", "text", required=True, description="ISO code such as EUR"),
                Column(
                    "rate",
                    "amount",
                    required=True,
                    description="reporting-currency units per unit of currency that month",
                ),
            ),
            description="exchange rates, one per currency and month (carried forward)",
        ),
        TableSchema(
            "Coupons",
            (
                Column("id", "text", required=True, description="the coupon id"),
                Column("percent_off", "amount", description="percent off"),
                Column(
                    "amount_off",
                    "amount",
                    description="amount off each bill, in minor units (cents) as Stripe exports",
                ),
                Column("currency", "text", description="currency of amount_off"),
                Column("duration", "text", required=True, description="forever, repeating or once"),
                Column("duration_in_months", "count", description="months a repeating one lasts"),
            ),
            description="coupons (discounts), as Stripe's coupon export",
        ),
    )
}

#: The tables the report's sheets read.
REPORT_TABLES: tuple[str, ...] = (
    "Responses",
    "Subscriptions",
    "Orders",
    "Spend",
    "Engagement",
    "Targets",
)

#: The billing tables the Subscriptions table can be derived from (BILLING.md).
BILLING_TABLES: tuple[str, ...] = ("BillingSubscriptions", "InvoiceLines", "Rates", "Coupons")
