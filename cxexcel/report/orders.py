"""The ``CX Orders`` sheet: what the Orders table says on its own.

Key figures over all orders — revenue, orders, customers, average order
value, orders per customer per year and the historical CLV (what a customer
spent on average over the data's span: ``clv(AOV, orders per customer per
year, years)``, so it needs no model and holds even when the models of CX
CLV cannot be fitted) — then revenue, orders, AOV and customers by month,
new (first order that month) against returning, with a stacked column chart
of the revenue of each. The reduction runs on the engine
(:mod:`cxexcel.engine.order_months`).
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..engine.order_months import order_month_totals
from ..metrics.cohorts import period_start
from . import model
from ._facts import Facts, figure, month_label, py_datetime
from ._layout import Canvas
from .model import Cell, Column

NAME = "CX Orders"

DAYS_PER_YEAR = 365.25


def month_totals(facts: Facts):
    """The Orders totals per month, oldest first (``slot``, orders, revenue, customers, new...)."""
    frame = facts.engine.execute(order_month_totals(facts.engine_table("Orders")))
    return frame.sort_values("slot").reset_index(drop=True)


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Orders"):
        return None
    orders = facts.tables["Orders"]
    months = month_totals(facts)
    if months.empty:
        return None
    first, last = orders["date"].min(), orders["date"].max()
    canvas = Canvas(NAME, tab_color="7030A0")
    canvas.title(
        NAME,
        f"{int(months['orders'].sum()):,} orders from {month_label(first)} to {month_label(last)}: "
        "revenue, order value and new against returning customers.",
    )
    canvas.freeze = (canvas.row, 2)
    _key_figures(canvas, orders, months, first, last)
    _by_month(canvas, months)
    return canvas.sheet()


def _key_figures(canvas: Canvas, orders, months, first, last) -> None:
    revenue = float(months["revenue"].sum())
    count = int(months["orders"].sum())
    customers = int(
        orders.dropna(subset=["customer_id", "date", "amount"])["customer_id"].nunique()
    )
    years = max((last - first).days + 1, 1) / DAYS_PER_YEAR
    aov = revenue / count if count else None
    per_year = count / customers / years if customers else None
    historical = figure(metrics.clv, aov, per_year, years) if aov and per_year else None
    canvas.section(
        "Key figures",
        "All orders. Historical CLV: what a customer spent on average over the data's "
        "span (AOV x orders per customer per year x years); CX CLV predicts the next "
        "12 months with fitted models.",
    )
    rows = [
        ("Revenue", revenue, model.CURRENCY),
        ("Orders", count, model.INTEGER),
        ("Customers", customers, model.INTEGER),
        ("Average order value", aov, model.CURRENCY_CENTS),
        ("Orders per customer per year", per_year, model.DECIMAL_2),
        ("Historical CLV", historical, model.CURRENCY_CENTS),
    ]
    for label, value, fmt in rows:
        canvas.add(Cell(canvas.row, 1, label, None, model.LABEL))
        canvas.add(Cell(canvas.row, 2, value, fmt, model.KPI_VALUE))
        canvas.row += 1
    canvas.add(
        Cell(
            canvas.row,
            1,
            f"over {years:.1f} years ({month_label(first)} to {month_label(last)})",
            None,
            model.NOTE,
        )
    )
    canvas.row += 2
    canvas.width(1, 30.0)


def _by_month(canvas: Canvas, months) -> None:
    canvas.section(
        "By month",
        "New: customers whose first order falls in the month; returning: customers who "
        "ordered before. AOV = revenue / orders.",
    )
    rows = []
    for r in months.itertuples(index=False):
        new_customers, customers = int(r.new_customers), int(r.customers)
        rows.append(
            (
                py_datetime(period_start(np.array([int(r.slot)]), "M")[0]),
                int(r.orders),
                float(r.revenue),
                float(r.revenue) / int(r.orders) if r.orders else None,
                customers,
                new_customers,
                customers - new_customers,
                float(r.new_revenue),
                float(r.revenue) - float(r.new_revenue),
            )
        )
    columns = (
        Column("Month", model.MONTH),
        Column("Orders", model.INTEGER),
        Column("Revenue", model.CURRENCY),
        Column("AOV", model.CURRENCY_CENTS),
        Column("Customers", model.INTEGER),
        Column("New customers", model.INTEGER),
        Column("Returning customers", model.INTEGER),
        Column("Revenue from new", model.CURRENCY),
        Column("Revenue from returning", model.CURRENCY),
    )
    table = canvas.table(columns, rows)
    canvas.chart_beside(
        table,
        "stacked_column",
        "Revenue: new against returning customers",
        "Month",
        ["Revenue from new", "Revenue from returning"],
        names={"Revenue from new": "New", "Revenue from returning": "Returning"},
        y_number_format="$#,##0",
        colors={"Revenue from new": "2E75B6", "Revenue from returning": "70AD47"},
    )
