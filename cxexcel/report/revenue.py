"""The ``CX Revenue`` sheet: MRR and its movements from the ``Subscriptions`` table.

Sections: the latest month's MRR, NRR, GRR, quick ratio and upsell share;
MRR, active customers and ARPA by month with a line chart; and the MRR
movements by month (new, expansion, reactivation, contraction, churned —
the last two shown as negative amounts so they stack below zero) with
NRR, GRR, quick ratio and upsell share per month and a stacked column
chart (expansion green, churn red). The first month is the opening
balance: its MRR is what the data starts with, so it has no movements
(:func:`~cxexcel.metrics.movements.with_opening_balance`). A month's rates
compare it with the month before; the first month has none.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..metrics.movements import with_opening_balance
from . import breakdowns, model
from ._facts import Facts, per_row, py_datetime
from ._layout import Canvas
from .model import Cell, Column

NAME = "CX Revenue"

SIGNED_CURRENCY = '"$"#,##0;[Red]-"$"#,##0'

#: Colours of the movement bars as finance readers expect them.
MOVEMENT_COLORS = {
    "New": "2E75B6",
    "Expansion": "70AD47",
    "Reactivation": "A9D18E",
    "Contraction": "F4B183",
    "Churned": "C00000",
}


def movement_rates(facts: Facts) -> dict[str, list[float | None]]:
    """NRR, GRR, quick ratio and upsell share per month of the movements."""
    moves = facts.movements
    start = moves["starting_mrr"].to_numpy(dtype=float)
    new, expansion = moves["new"].to_numpy(), moves["expansion"].to_numpy()
    contraction, churned = moves["contraction"].to_numpy(), moves["churned"].to_numpy()
    reactivation, ending = moves["reactivation"].to_numpy(), moves["ending_mrr"].to_numpy()
    has_start = start > 0
    losses = (contraction + churned) > 0
    return {
        "nrr": per_row(metrics.nrr, has_start, start, expansion, contraction, churned),
        "grr": per_row(metrics.grr, has_start, start, contraction, churned),
        "quick_ratio": per_row(
            metrics.quick_ratio, losses, new, expansion, contraction, churned, reactivation
        ),
        "upsell_share": per_row(metrics.upsell_share, ending > 0, expansion, ending),
    }


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Subscriptions"):
        return None
    months = facts.customer_months
    moves = facts.movements
    rates = movement_rates(facts)
    canvas = Canvas(NAME, tab_color="548235")
    canvas.title(
        NAME,
        f"Monthly recurring revenue of {int(months['end'].max()):,} customers at most, "
        f"{py_datetime(moves['month'].iloc[0]):%b %Y} to {py_datetime(moves['month'].iloc[-1]):%b %Y}.",
    )
    canvas.freeze = (canvas.row, 2)

    latest = f"{py_datetime(moves['month'].iloc[-1]):%b %Y}"
    canvas.section(f"Latest month ({latest})", "Rates compare the month with the month before.")
    figures = [
        ("MRR", float(months["mrr"].iloc[-1]), model.CURRENCY),
        ("NRR", rates["nrr"][-1], model.PERCENT),
        ("GRR", rates["grr"][-1], model.PERCENT),
        ("Quick ratio", rates["quick_ratio"][-1], model.DECIMAL_2),
        ("Upsell share", rates["upsell_share"][-1], model.PERCENT),
    ]
    for label, value, fmt in figures:
        canvas.add(Cell(canvas.row, 1, label, None, model.LABEL))
        canvas.add(Cell(canvas.row, 2, value, fmt, model.KPI_VALUE))
        canvas.row += 1
    canvas.row += 1

    canvas.section("MRR by month", "ARPA: mean MRR of the month's active customers.")
    rows = [
        (py_datetime(m), float(v), int(n), None if np.isnan(a) else float(a))
        for m, v, n, a in zip(
            months["month"], months["mrr"], months["end"], months["arpa"], strict=True
        )
    ]
    columns = (
        Column("Month", model.MONTH),
        Column("MRR", model.CURRENCY),
        Column("Active customers", model.INTEGER),
        Column("ARPA", model.CURRENCY_CENTS),
    )
    table = canvas.table(columns, rows, widths=(16.0, 14.0, 14.0, 14.0))
    canvas.chart_beside(table, "line", "MRR by month", "Month", ["MRR"], y_number_format="$#,##0")

    fx = "fx" in moves.columns  # billing data in several currencies whose rates moved
    canvas.section(
        "MRR movements",
        f"{py_datetime(moves['month'].iloc[0]):%b %Y} is the opening balance (the MRR the "
        "data starts with, not new business). Contraction and churned are shown negative. "
        "Ending = starting + new + expansion + reactivation - contraction - churned"
        + (" + FX (MRR changed by exchange rates alone)." if fx else "."),
    )
    columns = (
        Column("Month", model.MONTH),
        Column("Starting MRR", model.CURRENCY),
        Column("New", SIGNED_CURRENCY),
        Column("Expansion", SIGNED_CURRENCY),
        Column("Reactivation", SIGNED_CURRENCY),
        Column("Contraction", SIGNED_CURRENCY),
        Column("Churned", SIGNED_CURRENCY),
        *((Column("FX", SIGNED_CURRENCY),) if fx else ()),
        Column("Ending MRR", model.CURRENCY),
        Column("NRR", model.PERCENT),
        Column("GRR", model.PERCENT),
        Column("Quick ratio", model.DECIMAL_2),
        Column("Upsell share", model.PERCENT),
    )
    rows = []
    for index, move in enumerate(with_opening_balance(moves).itertuples(index=False)):
        rows.append(
            (
                py_datetime(move.month),
                float(move.starting_mrr),
                float(move.new),
                float(move.expansion),
                float(move.reactivation),
                -float(move.contraction),
                -float(move.churned),
                *((float(move.fx),) if fx else ()),
                float(move.ending_mrr),
                rates["nrr"][index],
                rates["grr"][index],
                rates["quick_ratio"][index],
                rates["upsell_share"][index],
            )
        )
    table = canvas.table(columns, rows, widths=[16.0] + [13.0] * (len(columns) - 1))
    canvas.chart_beside(
        table,
        "stacked_column",
        "MRR movements",
        "Month",
        ["New", "Expansion", "Reactivation", "Contraction", "Churned", *(["FX"] if fx else [])],
        y_title="MRR change",
        y_number_format="$#,##0",
        width=560.0,
        colors=MOVEMENT_COLORS,
    )
    breakdowns.add(canvas, facts)
    _billing_source(canvas, facts)
    return canvas.sheet()


def _billing_source(canvas: Canvas, facts: Facts) -> None:
    """Where the Subscriptions table came from when made from billing data,
    and the rules used, in words (cxexcel.tables.billing)."""
    billing = getattr(facts.tables.get("Subscriptions"), "attrs", {}).get("billing")
    if not billing:
        return
    canvas.row += 1
    canvas.section(
        "Source of MRR",
        f"Made from billing data: {billing['source']}, by the rules of docs/billing.md.",
    )
    lines = [f"Rule: {rule}" for rule in billing["rules"]]
    lines += [f"Note: {warning}" for warning in billing["warnings"]]
    for line in lines:
        canvas.add(Cell(canvas.row, 1, line, None, None))
        canvas.row += 1
