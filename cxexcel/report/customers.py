"""The ``CX Customers`` sheet: churn, retention, repeat purchases, engagement and cost.

Sections (each only when its table is present): key figures; churn and
retention by month (``Subscriptions``: a customer is active in a month with
MRR above 0); engagement by month (``Engagement``: DAU/MAU, email open and
click rates, time on site); acquisition and retention cost by month
(``Spend``: CAC, CRC per active customer, CAC payback in months of ARPA).

Monthly engagement figures pool the month's rows: DAU/MAU is the sum of DAU
over the sum of MAU, rates are summed opens or clicks over summed deliveries,
and time on site is weighted by sessions. Each figure uses only the rows
where both its numerator and its denominator are filled in, and appears only
when there are such rows (the optional Engagement columns may be missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metrics
from . import model
from ._facts import Facts, figure, month_floor, month_label, per_row, py_datetime
from ._layout import Canvas
from .model import Cell, Column

NAME = "CX Customers"


#: The engagement figures: (key, header, numerator, denominator, core function).
#: ``minutes`` is sessions x avg_session_minutes of a row.
ENGAGEMENT_FIGURES = (
    ("stickiness", "DAU/MAU", "dau", "mau", metrics.stickiness),
    ("open_rate", "Open rate", "opens", "emails_delivered", metrics.open_rate),
    ("click_rate", "Click rate", "clicks", "emails_delivered", metrics.click_rate),
    ("time_on_site", "Time on site (min)", "minutes", "sessions", metrics.time_on_site),
)


def engagement_by_month(facts: Facts) -> pd.DataFrame:
    """Per month, each figure's summed numerator and denominator (``<key>_num``,
    ``<key>_den``) over the rows where both are present.

    A row with a blank numerator or denominator (or a column missing from the
    table) adds nothing to that figure — not even its denominator, which
    would otherwise pull the rate down. A sum with no rows behind it is NaN.
    """
    frame = facts.tables["Engagement"]

    def column(name: str) -> np.ndarray:
        if name not in frame.columns:
            return np.full(len(frame), np.nan)
        return frame[name].to_numpy(dtype=float, na_value=np.nan)

    source = {
        name: column(name)
        for name in ("dau", "mau", "sessions", "emails_delivered", "opens", "clicks")
    }
    source["minutes"] = source["sessions"] * column("avg_session_minutes")
    sums = pd.DataFrame({"month": month_floor(frame["date"])})
    for key, _, numerator, denominator, _ in ENGAGEMENT_FIGURES:
        top, bottom = source[numerator], source[denominator]
        both = ~np.isnan(top) & ~np.isnan(bottom)
        sums[f"{key}_num"] = np.where(both, top, np.nan)
        sums[f"{key}_den"] = np.where(both, bottom, np.nan)
    return sums.groupby("month", sort=True).sum(min_count=1).reset_index()


def engagement_rates(sums: pd.DataFrame) -> dict[str, list[float | None]]:
    """Each figure per row of ``sums`` (None where it has no rows or a zero denominator)."""
    out = {}
    for key, _, _, _, function in ENGAGEMENT_FIGURES:
        top = sums[f"{key}_num"].to_numpy(dtype=float)
        bottom = sums[f"{key}_den"].to_numpy(dtype=float)
        out[key] = per_row(function, ~np.isnan(top) & (bottom > 0), top, bottom)
    return out


def spend_by_month(facts: Facts) -> pd.DataFrame:
    """Spend per month with CAC, CRC and CAC payback (the latter two need Subscriptions)."""
    spend = facts.tables["Spend"]
    frame = pd.DataFrame({"month": month_floor(spend["month"])})
    for name in ("sales_marketing_cost", "new_customers", "retention_cost"):
        frame[name] = spend[name].to_numpy(dtype=float) if name in spend else np.nan
    frame = frame.groupby("month", sort=True).sum(min_count=1).reset_index()
    if facts.has("Subscriptions"):
        active = facts.customer_months.set_index("month")
        frame["customers"] = frame["month"].map(active["end"]).to_numpy(dtype=float)
        frame["arpa"] = frame["month"].map(active["arpa"]).to_numpy(dtype=float)
    else:
        frame["customers"] = np.nan
        frame["arpa"] = np.nan
    cost, new = frame["sales_marketing_cost"].to_numpy(), frame["new_customers"].to_numpy()
    frame["cac"] = per_row(metrics.cac, (new > 0) & ~np.isnan(cost), cost, new)
    customers = frame["customers"].to_numpy()
    retention_cost = frame["retention_cost"].to_numpy()
    frame["crc"] = per_row(
        metrics.crc, (customers > 0) & ~np.isnan(retention_cost), retention_cost, customers
    )
    cac = frame["cac"].to_numpy(dtype=float)
    arpa = frame["arpa"].to_numpy()
    frame["payback"] = per_row(metrics.cac_payback, ~np.isnan(cac) & (arpa > 0), cac, arpa)
    return frame


def repeat_rate(facts: Facts) -> float | None:
    """``repeat_rate`` over the customers of the Orders table."""
    orders = facts.tables["Orders"]
    return figure(metrics.repeat_rate, orders["customer_id"].dropna().to_numpy())


def engagement_totals(facts: Facts) -> dict[str, float | None]:
    """Each engagement figure over all months of the Engagement table (pooled rows)."""
    sums = engagement_by_month(facts).sum(min_count=1, numeric_only=True)
    rates = engagement_rates(pd.DataFrame([sums]))
    return {key: values[0] for key, values in rates.items()}


def total_cac(facts: Facts) -> float | None:
    """``cac`` of all months of Spend: summed cost / summed new customers."""
    spend = facts.tables["Spend"]
    return figure(
        metrics.cac,
        float(spend["sales_marketing_cost"].sum()),
        float(spend["new_customers"].sum()),
    )


def cac_payback(facts: Facts, cac: float | None) -> float | None:
    """``cac_payback`` of ``cac`` in months of the latest month's ARPA (Subscriptions)."""
    arpa = facts.customer_months["arpa"].iloc[-1]
    if cac is None or not arpa > 0:
        return None
    return figure(metrics.cac_payback, cac, arpa)


def key_figures(facts: Facts) -> list[tuple[str, float | None, str, str]]:
    """(label, value, number format, what it covers) for the key-figure block."""
    out = []
    if facts.has("Orders"):
        orders = facts.tables["Orders"]
        out.append(
            (
                "Repeat purchase rate",
                repeat_rate(facts),
                model.PERCENT,
                f"customers with 2+ orders / customers, {len(orders):,} orders",
            )
        )
    if facts.has("Engagement"):
        rates = engagement_totals(facts)
        period = "all months of Engagement"
        out += [
            ("DAU/MAU", rates["stickiness"], model.PERCENT, f"summed DAU / MAU, {period}"),
            ("Email open rate", rates["open_rate"], model.PERCENT, period),
            ("Email click rate", rates["click_rate"], model.PERCENT, period),
            (
                "Time on site (min)",
                rates["time_on_site"],
                model.MINUTES,
                f"per session, {period}",
            ),
        ]
    if facts.has("Spend"):
        cac = total_cac(facts)
        out.append(("CAC", cac, model.CURRENCY_CENTS, "all months of Spend"))
        if facts.has("Subscriptions"):
            by_month = spend_by_month(facts).dropna(subset=["crc"])
            if len(by_month):
                last = by_month.iloc[-1]
                out.append(
                    (
                        "CRC",
                        float(last["crc"]),
                        model.CURRENCY_CENTS,
                        f"retention cost / active customers, {month_label(last['month'])}",
                    )
                )
            payback = cac_payback(facts, cac)
            if payback is not None:
                out.append(
                    (
                        "CAC payback",
                        payback,
                        model.MONTHS,
                        "CAC / ARPA of the latest month, in months",
                    )
                )
    return [item for item in out if item[1] is not None]


def build(facts: Facts) -> model.Sheet | None:
    present = [t for t in ("Subscriptions", "Orders", "Engagement", "Spend") if facts.has(t)]
    if not present:
        return None
    canvas = Canvas(NAME, tab_color="C55A11")
    canvas.title(
        NAME, f"Customer churn, retention, engagement and cost, from: {', '.join(present)}."
    )
    canvas.freeze = (canvas.row, 2)

    figures = key_figures(facts)
    if figures:
        canvas.section("Key figures")
        for label, value, fmt, covers in figures:
            canvas.add(Cell(canvas.row, 1, label, None, model.LABEL))
            canvas.add(Cell(canvas.row, 2, value, fmt, model.KPI_VALUE))
            canvas.add(Cell(canvas.row, 3, covers, None, model.NOTE))
            canvas.row += 1
        canvas.row += 1
        canvas.width(1, 22.0)

    if facts.has("Subscriptions"):
        _churn(canvas, facts)
    if facts.has("Engagement"):
        _engagement(canvas, facts)
    if facts.has("Spend"):
        _spend(canvas, facts)
    return canvas.sheet()


def _churn(canvas: Canvas, facts: Facts) -> None:
    canvas.section(
        "Churn and retention by month",
        "Churn = lost / customers at the start; retention = (end - new) / start. "
        "New includes customers coming back.",
    )
    months = facts.customer_months
    columns = (
        Column("Month", model.MONTH),
        Column("Customers at start", model.INTEGER),
        Column("New", model.INTEGER),
        Column("Lost", model.INTEGER),
        Column("Customers at end", model.INTEGER),
        Column("Churn", model.PERCENT),
        Column("Retention", model.PERCENT),
    )
    rows = [
        (
            py_datetime(r.month),
            int(r.start),
            int(r.new),
            int(r.lost),
            int(r.end),
            r.churn,
            r.retention,
        )
        for r in months.itertuples(index=False)
    ]
    table = canvas.table(columns, rows, widths=(14.0, 12.0, 10.0, 10.0, 12.0, 10.0, 10.0))
    canvas.chart_beside(table, "line", "Churn by month", "Month", ["Churn"], y_number_format="0.0%")


def _engagement(canvas: Canvas, facts: Facts) -> None:
    sums = engagement_by_month(facts)
    rates = engagement_rates(sums)
    # A figure appears only when some row has both of its columns filled in.
    shown = [f for f in ENGAGEMENT_FIGURES if any(v is not None for v in rates[f[0]])]
    if not shown:
        canvas.section(
            "Engagement by month",
            "No engagement figure: it needs dau with mau, emails_delivered with opens "
            "or clicks, or sessions with avg_session_minutes on the same rows.",
        )
        canvas.row += 1
        return
    canvas.section(
        "Engagement by month",
        "Each figure pools the month's rows that have both of its columns filled in.",
    )
    columns = [Column("Month", model.MONTH)]
    columns += [
        Column(header, model.DECIMAL_1 if key == "time_on_site" else model.PERCENT)
        for key, header, *_ in shown
    ]
    rows = [
        (py_datetime(month), *(rates[key][i] for key, *_ in shown))
        for i, month in enumerate(sums["month"])
    ]
    widths = [14.0] + [12.0 if key in ("stickiness", "time_on_site") else 10.0 for key, *_ in shown]
    table = canvas.table(columns, rows, widths=widths)
    percents = [header for key, header, *_ in shown if key != "time_on_site"]
    if percents:
        canvas.chart_beside(
            table, "line", "Engagement by month", "Month", percents, y_number_format="0%"
        )
    else:
        canvas.chart_beside(
            table,
            "line",
            "Time on site by month",
            "Month",
            ["Time on site (min)"],
            y_number_format="0.0",
        )


def _spend(canvas: Canvas, facts: Facts) -> None:
    canvas.section(
        "Acquisition and retention cost by month",
        "CAC = sales & marketing cost / new customers; CRC = retention cost / active "
        "customers; payback = CAC / ARPA, in months.",
    )
    frame = spend_by_month(facts)
    columns = (
        Column("Month", model.MONTH),
        Column("Sales & marketing", model.CURRENCY),
        Column("New customers", model.INTEGER),
        Column("CAC", model.CURRENCY_CENTS),
        Column("Retention cost", model.CURRENCY),
        Column("Active customers", model.INTEGER),
        Column("CRC", model.CURRENCY_CENTS),
        Column("ARPA", model.CURRENCY_CENTS),
        Column("CAC payback (months)", model.DECIMAL_1),
    )
    rows = []
    for r in frame.itertuples(index=False):
        rows.append(
            (
                py_datetime(r.month),
                _num(r.sales_marketing_cost),
                _num(r.new_customers),
                _num(r.cac),
                _num(r.retention_cost),
                _num(r.customers),
                _num(r.crc),
                _num(r.arpa),
                _num(r.payback),
            )
        )
    table = canvas.table(columns, rows, widths=[14.0] + [12.0] * 8)
    canvas.chart_beside(table, "column", "CAC by month", "Month", ["CAC"], y_number_format="$#,##0")


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value
