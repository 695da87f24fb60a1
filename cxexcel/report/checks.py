"""The ``CX Checks`` sheet: the report's figures reconciled, each with PASS or FAIL.

Three reconciliations, each a table whose Difference and Result are live
formulas over the figures beside them (so a reader sees how each verdict is
reached):

* the movement identity, per month: starting MRR + new + expansion +
  reactivation - contraction - churned (+ any signed movement such as
  ``fx``) = ending MRR, on the movements CX Revenue shows;
* MRR by month, as CX Revenue shows it (paying customer-months), against the
  Subscriptions rows of the month added up as they are;
* rows read per table against the rows the reductions used (Responses and
  Subscriptions, reduced on the engine).

A difference within :data:`TOLERANCE` (half a cent, half a row) passes. The
first rows say how many checks pass.
"""

from __future__ import annotations

import numpy as np

from ..metrics.cohorts import period_start
from ..metrics.movements import net_movement
from . import model
from ._facts import Facts, py_datetime
from ._layout import Canvas
from .model import Cell, CellValueRule, Column, Formula, address

NAME = "CX Checks"

#: Largest difference that still passes: half a cent of MRR, half a row.
TOLERANCE = 0.005

PASS, FAIL = "PASS", "FAIL"
_RESULT_FILLS = {PASS: model.STATUS_COLORS["green"], FAIL: model.STATUS_COLORS["red"]}
SIGNED = '"$"#,##0.00;[Red]-"$"#,##0.00'


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Subscriptions") and not facts.has("Responses"):
        return None
    canvas = Canvas(NAME, tab_color="7F7F7F")
    canvas.title(
        NAME,
        "The report's figures reconciled: each difference is worked out beside its "
        "figures, and passes within half a cent (or half a row).",
    )
    verdict_row = canvas.row
    canvas.row += 2
    canvas.freeze = (canvas.row, 1)
    results: list[str] = []
    if facts.has("Subscriptions"):
        results += _movement_identity(canvas, facts)
        results += _mrr_against_rows(canvas, facts)
    results += _rows(canvas, facts)
    failed = results.count(FAIL)
    verdict = (
        f"All {len(results)} checks pass."
        if not failed
        else f"{failed} of {len(results)} checks fail: see the rows marked FAIL."
    )
    canvas.add(Cell(verdict_row, 1, PASS if not failed else FAIL, None, model.KPI_VALUE))
    canvas.add(Cell(verdict_row, 2, verdict, None, model.LABEL))
    canvas.format(_result_rule(model.CellRange(verdict_row, 1, verdict_row, 1), PASS))
    canvas.format(_result_rule(model.CellRange(verdict_row, 1, verdict_row, 1), FAIL))
    return canvas.sheet()


def result(difference: float) -> str:
    """PASS when ``difference`` is within :data:`TOLERANCE`, else FAIL."""
    return PASS if abs(difference) <= TOLERANCE else FAIL


def _result_formula(difference_cell: str) -> str:
    return f'=IF(ABS({difference_cell})<={TOLERANCE:g},"{PASS}","{FAIL}")'


def _result_rule(cells: model.CellRange, verdict: str) -> CellValueRule:
    return CellValueRule(cells, "equal", (verdict,), _RESULT_FILLS[verdict])


def _checked_table(canvas: Canvas, columns, figures, left: int, right: int) -> list[str]:
    """A table of ``figures`` with Difference and Result as formulas.

    Each row of ``figures`` is (label, *numbers); Difference is number
    ``left`` (1-based) minus the numbers from ``right`` on, added up.
    Returns the rows' results.
    """
    first = canvas.row + 1
    rows, verdicts = [], []
    for index, (label, *numbers) in enumerate(figures):
        r = first + index
        minuend = address(r, 1 + left)
        subtrahend = "+".join(address(r, 1 + k) for k in range(right, len(numbers) + 1))
        # Rounded to a millionth, in the formula too: sums of cents leave float
        # noise (1.8e-12) that applications would show differently.
        difference = round(numbers[left - 1] - sum(numbers[right - 1 :]), 6) + 0.0
        verdict = result(difference)
        verdicts.append(verdict)
        diff_cell = address(r, 2 + len(numbers))
        rows.append(
            (
                label,
                *numbers,
                Formula(f"=ROUND({minuend}-({subtrahend}),6)", difference),
                Formula(_result_formula(diff_cell), verdict),
            )
        )
    table = canvas.table(columns, rows)
    results = model.CellRange(first, table.last_col, max(first, table.last_row), table.last_col)
    if rows:
        canvas.format(_result_rule(results, PASS))
        canvas.format(_result_rule(results, FAIL))
    return verdicts


def _movement_identity(canvas: Canvas, facts: Facts) -> list[str]:
    moves = facts.movements
    canvas.section(
        "Movement identity per month",
        "Ending MRR = starting MRR + net movement (new + expansion + reactivation - "
        "contraction - churned), the movements of CX Revenue before the opening balance.",
    )
    net = net_movement(moves)
    figures = [
        (py_datetime(m.month), float(m.ending_mrr), float(m.starting_mrr), float(n))
        for m, n in zip(moves.itertuples(index=False), net, strict=True)
    ]
    columns = (
        Column("Month", model.MONTH),
        Column("Ending MRR", model.CURRENCY_CENTS),
        Column("Starting MRR", model.CURRENCY_CENTS),
        Column("Net movement", SIGNED),
        Column("Difference", SIGNED),
        Column("Result"),
    )
    return _checked_table(canvas, columns, figures, left=1, right=2)


def _mrr_against_rows(canvas: Canvas, facts: Facts) -> list[str]:
    canvas.section(
        "MRR by month against the Subscriptions rows",
        "MRR as CX Revenue shows it (the paying customer-months) against the month's rows "
        "added up as they are.",
    )
    months = facts.customer_months
    rows = facts.subscription_rows
    by_slot = {
        int(slot): float(mrr)
        for slot, mrr in zip(rows["slot"], rows["mrr"], strict=True)
        if slot == slot  # not null
    }
    first = facts.subscription_totals.first_month
    slots = sorted(set(by_slot) | set(range(first, first + len(months))))
    shown = dict(zip(range(first, first + len(months)), months["mrr"].astype(float), strict=True))
    figures = [
        (
            py_datetime(period_start(np.array([slot]), "M")[0]),
            shown.get(slot, 0.0),
            by_slot.get(slot, 0.0),
        )
        for slot in slots
    ]
    columns = (
        Column("Month", model.MONTH),
        Column("MRR (CX Revenue)", model.CURRENCY_CENTS),
        Column("Sum of rows", model.CURRENCY_CENTS),
        Column("Difference", SIGNED),
        Column("Result"),
    )
    return _checked_table(canvas, columns, figures, left=1, right=2)


def _rows(canvas: Canvas, facts: Facts) -> list[str]:
    canvas.section(
        "Rows read against rows used",
        "Rows of each table as read, against the rows the engine's reductions counted.",
    )
    figures = []
    if facts.has("Responses"):
        figures.append(("Responses", facts.rows_read("Responses"), facts.survey.rows))
    if facts.has("Subscriptions"):
        used = facts.subscription_rows
        used = int(used.loc[used["slot"].notna(), "rows"].sum())
        figures.append(("Subscriptions", facts.rows_read("Subscriptions"), used))
    columns = (
        Column("Table"),
        Column("Rows read", model.INTEGER),
        Column("Rows used", model.INTEGER),
        Column("Difference", model.INTEGER),
        Column("Result"),
    )
    return _checked_table(canvas, columns, figures, left=1, right=2)
