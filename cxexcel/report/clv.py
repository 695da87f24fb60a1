"""The ``CX CLV`` sheet: predicted customer lifetime value from the ``Orders`` table.

BG/NBD (repeat purchases) and Gamma-Gamma (spend per purchase) are fitted
on the orders with time in months (the RFM summary made by the engine, as
``CX.PREDICT_CLV`` makes it), and CLV is predicted over the next
:data:`HORIZON_MONTHS` months without discounting. Sections: the model
parameters, the distribution of P(alive) with a column chart, and the
:data:`TOP_CUSTOMERS` customers with the highest predicted CLV. When a fit
does not converge the sheet says so instead of showing numbers.
"""

from __future__ import annotations

import numpy as np

from ..errors import FitError
from ..table_functions import fit_clv_model
from . import model
from ._facts import Facts, month_label, table_call
from ._layout import Canvas
from .model import Column, clean_value

NAME = "CX CLV"
HORIZON_MONTHS = 12
TOP_CUSTOMERS = 50
#: The time unit of the fit: months, the default of CX.PREDICT_CLV and CX.RFM too.
UNIT = "M"

#: P(alive) bins: 0-10%, 10-20%, ..., 90-100%.
ALIVE_BINS = 10


def fit(facts: Facts):
    """(predictions, BG/NBD parameters, Gamma-Gamma parameters) for the Orders table."""
    orders = facts.tables["Orders"]
    columns = {
        "customer": orders["customer_id"],
        "date": orders["date"],
        "amount": orders["amount"],
    }
    fitted = table_call("Orders", fit_clv_model, **columns, horizon=HORIZON_MONTHS, unit=UNIT)
    predictions, bgnbd, gamma = fitted.predictions, fitted.bgnbd, fitted.gamma_gamma
    return predictions, bgnbd, gamma


def alive_distribution(p_alive: np.ndarray) -> list[tuple[str, int]]:
    """Customers per P(alive) bin; the last bin includes 100%."""
    edges = np.linspace(0.0, 1.0, ALIVE_BINS + 1)
    counts, _ = np.histogram(np.clip(p_alive, 0.0, 1.0), bins=edges)
    return [(f"{edges[i]:.0%}-{edges[i + 1]:.0%}", int(counts[i])) for i in range(ALIVE_BINS)]


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Orders"):
        return None
    orders = facts.tables["Orders"]
    canvas = Canvas(NAME, tab_color="BF8F00")
    canvas.title(
        NAME,
        f"Predicted {HORIZON_MONTHS}-month customer lifetime value from {len(orders):,} orders, "
        f"{month_label(orders['date'].min())} to {month_label(orders['date'].max())} "
        "(BG/NBD and Gamma-Gamma, time in months, no discounting).",
    )
    canvas.freeze = (canvas.row, 2)
    try:
        predictions, bgnbd, gamma = fit(facts)
    except FitError as error:
        canvas.section("The CLV models could not be fitted")
        canvas.note(f"{error}")
        canvas.note(
            "CX Orders shows the historical CLV (what a customer spent on average so far), "
            "which needs no model."
        )
        return canvas.sheet()

    canvas.section("Model parameters")
    purchases = f"BG/NBD ({bgnbd.n:,} customers)"
    spend = f"Gamma-Gamma ({gamma.n:,} repeat buyers)"
    rows = [
        (purchases, "r", bgnbd.r),
        (purchases, "alpha", bgnbd.alpha),
        (purchases, "a", bgnbd.a),
        (purchases, "b", bgnbd.b),
        (purchases, "log-likelihood", bgnbd.log_likelihood),
        (spend, "p", gamma.p),
        (spend, "q", gamma.q),
        (spend, "gamma", gamma.gamma),
        (spend, "log-likelihood", gamma.log_likelihood),
    ]
    columns = (Column("Model"), Column("Parameter"), Column("Value", "#,##0.0000"))
    canvas.table(columns, [(m, p, float(v)) for m, p, v in rows], widths=(30.0, 16.0, 14.0))

    canvas.section("P(alive) distribution", "Customers by modelled probability of still buying.")
    table = canvas.table(
        (Column("P(alive)"), Column("Customers", model.INTEGER)),
        alive_distribution(predictions["p_alive"].to_numpy()),
        widths=(14.0, 16.0),
    )
    canvas.chart_beside(
        table, "column", "P(alive) distribution", "P(alive)", ["Customers"], y_title="Customers"
    )

    canvas.section(
        f"Top {TOP_CUSTOMERS} customers by predicted CLV",
        f"Repeat purchases, recency and age in months; CLV over the next {HORIZON_MONTHS} months.",
    )
    top = predictions.sort_values("clv", ascending=False, kind="stable").head(TOP_CUSTOMERS)
    columns = (
        Column("Customer"),
        Column("Repeat purchases", model.INTEGER),
        Column("Recency (months)", model.DECIMAL_1),
        Column("Age (months)", model.DECIMAL_1),
        Column("Mean repeat spend", model.CURRENCY_CENTS),
        Column("P(alive)", model.PERCENT),
        Column("Expected purchases", model.DECIMAL_2),
        Column("Expected spend", model.CURRENCY_CENTS),
        Column("CLV", model.CURRENCY_CENTS),
    )
    rows = [
        (
            clean_value(r.customer),
            int(r.frequency),
            float(r.recency),
            float(r.T),
            float(r.monetary_value),
            float(r.p_alive),
            float(r.expected_purchases),
            float(r.expected_spend),
            float(r.clv),
        )
        for r in top.itertuples(index=False)
    ]
    canvas.table(
        columns, rows, widths=[14.0] + [max(12.0, len(c.header) + 2.0) for c in columns[1:]]
    )
    return canvas.sheet()
