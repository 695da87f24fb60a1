"""The ``CX Cohorts`` sheet: cohort retention heat map and Kaplan-Meier curve.

Cohorts come from ``Subscriptions`` (a customer is active in a month with
MRR above 0) or, without it, from ``Orders`` (active in a month with an
order); cohort = month of first activity. The heat map is a 3-colour scale
over the shares.

The observation window is every row of the table — in ``Subscriptions``
rows with MRR 0 included, as on ``CX Customers`` and ``CX Revenue``: a
cohort's months up to the last month of the table are observed (0% when
nobody in it was active), later ones are blank.

The Kaplan-Meier curve needs ``Subscriptions``: a customer's tenure is the
number of months from their first to their last active month, and they
count as churned when that last active month is before the last month of
the table (otherwise censored: still a customer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics.summaries import cohorts_from_counts, tenures_from_counts
from ..metrics.survival import median_from_curve, survival_from_counts
from ..table_functions import cohorts as cohort_matrix
from . import model
from ._facts import Facts, month_floor, py_datetime, table_call
from ._layout import Canvas, column_range
from .model import Cell, ColorScale, Column

NAME = "CX Cohorts"

#: Cohorts the heat map shows (the latest ones): five years of monthly
#: cohorts, so the map's size does not grow with the span of the data.
MAX_COHORTS = 60


def activity(facts: Facts) -> tuple[pd.Series, pd.Series, str]:
    """Customer ids and dates of activity, and which table they come from."""
    if facts.has("Subscriptions"):
        subs = facts.tables["Subscriptions"]
        paying = subs["mrr"].to_numpy(dtype=float) > 0
        return subs["customer_id"][paying], subs["month"][paying], "Subscriptions"
    orders = facts.tables["Orders"]
    return orders["customer_id"], orders["date"], "Orders"


def _month_index(values) -> np.ndarray:
    """Months counted from 1970-01 (int64), from dates or month values."""
    return month_floor(pd.Series(values)).astype("datetime64[M]").astype(np.int64)


def last_observed_month(facts: Facts) -> int:
    """The last month of the activity's table over all its rows (as :func:`_month_index`):
    for Subscriptions rows with MRR 0 count, so a month in which everybody
    stopped paying is observed."""
    if facts.has("Subscriptions"):
        totals = facts.subscription_totals
        return totals.first_month + totals.n_months - 1
    return int(_month_index(facts.tables["Orders"]["date"]).max())


def tenures(facts: Facts) -> tuple[np.ndarray, np.ndarray]:
    """Months from first to last active month of each Subscriptions customer,
    and whether they churned (last active month before the last month of the
    table), from the engine's tenure counts."""
    counts = facts.subscription_activity.tenures
    return tenures_from_counts(counts["duration"], counts["churned"], counts["n"])


def observed_matrix(matrix: pd.DataFrame, last_month: int) -> pd.DataFrame:
    """The core's cohort matrix over the whole observation window.

    ``cohorts`` ends at the last month with activity; months after it up to
    ``last_month`` are observed too, with nobody active: their shares are 0
    (0 active customers of the cohort), and months after ``last_month`` stay
    blank (NaN).
    """
    cohort = _month_index(matrix["cohort"])
    n_periods = int(last_month - cohort.min()) + 1 if len(cohort) else 0
    shares = {}
    for period in range(n_periods):
        values = (
            matrix[period].to_numpy(dtype=float)
            if period in matrix.columns
            else np.full(len(matrix), np.nan)
        )
        observed = cohort + period <= last_month
        shares[period] = np.where(observed, np.nan_to_num(values, nan=0.0), np.nan)
    periods = pd.DataFrame(shares, index=matrix.index, columns=range(n_periods), dtype=float)
    return pd.concat([matrix[["cohort", "size"]], periods], axis=1)


def latest_cohorts(matrix: pd.DataFrame, last_month: int) -> pd.DataFrame:
    """The latest :data:`MAX_COHORTS` cohorts of ``matrix`` (sorted by cohort),
    with the months since their start up to ``last_month``."""
    shown = matrix.tail(MAX_COHORTS).reset_index(drop=True)
    return observed_matrix(shown, last_month)


def build(facts: Facts) -> model.Sheet | None:
    if not (facts.has("Subscriptions") or facts.has("Orders")):
        return None
    source = "Subscriptions" if facts.has("Subscriptions") else "Orders"
    matrix = _cohort_matrix(facts, source)
    if matrix is None:
        return None
    canvas = Canvas(NAME, tab_color="7030A0")
    canvas.title(
        NAME, f"Monthly cohorts from {source}: share of each cohort active in later months."
    )
    canvas.freeze = (canvas.row, 3)
    _heat_map(canvas, matrix, source, last_observed_month(facts))
    if source == "Subscriptions":
        _survival(canvas, facts)
    return canvas.sheet()


def _cohort_matrix(facts: Facts, source: str) -> pd.DataFrame | None:
    """The monthly cohort matrix of the activity (None without any)."""
    if source == "Subscriptions":
        counts = facts.subscription_activity.cohorts
        if counts.empty:
            return None
        return cohorts_from_counts(counts["cohort"], counts["age"], counts["active"], "M")
    customer, dates, source = activity(facts)
    if len(customer) == 0:
        return None
    return table_call(source, cohort_matrix, customer=customer, date=dates, period="M")


def _heat_map(canvas: Canvas, matrix: pd.DataFrame, source: str, last_month: int) -> None:
    n_cohorts = len(matrix)
    matrix = latest_cohorts(matrix, last_month)
    periods = [c for c in matrix.columns if isinstance(c, (int, np.integer))]
    note = (
        f"Rows: cohorts by first active month ({source}); columns: months since then (M0 = first)."
    )
    if n_cohorts > len(matrix):
        note += f" The latest {len(matrix)} of {n_cohorts:,} cohorts."
    canvas.section("Cohort retention", note)
    columns = [Column("Cohort", model.MONTH), Column("Customers", model.INTEGER)]
    columns += [Column(f"M{p}", "0%") for p in periods]
    rows = []
    for record in matrix.itertuples(index=False):
        shares = [None if np.isnan(v) else float(v) for v in record[2:]]
        rows.append((py_datetime(record[0]), int(record[1]), *shares))
    widths = [12.0, 11.0] + [6.5] * len(periods)
    table = canvas.table(columns, rows, widths=widths)
    if rows and periods:
        canvas.format(ColorScale(column_range(table, "M0", f"M{periods[-1]}")))


def _survival(canvas: Canvas, facts: Facts) -> None:
    counts = facts.subscription_activity.tenures
    curve = survival_from_counts(counts["duration"], counts["churned"], counts["n"])
    median = median_from_curve(curve)
    canvas.section(
        "Kaplan-Meier retention curve",
        "Share of customers still subscribed after each number of months, "
        "with its 95% confidence band (Greenwood, log-log).",
    )
    canvas.add(Cell(canvas.row, 1, "Median lifetime (months)", None, model.LABEL))
    canvas.add(
        Cell(
            canvas.row,
            3,
            median if median is not None else "not reached",
            model.DECIMAL_1 if median is not None else None,
            model.KPI_VALUE,
        )
    )
    canvas.row += 2
    columns = (
        Column("Months", model.INTEGER),
        Column("At risk", model.INTEGER),
        Column("Churned", model.INTEGER),
        Column("Censored", model.INTEGER),
        Column("Retained", model.PERCENT),
        Column("Lower", model.PERCENT),
        Column("Upper", model.PERCENT),
    )
    # The curve starts at month 0 with every customer retained.
    everyone = int(counts["n"].sum())
    rows = [(0.0, everyone, 0, 0, 1.0, 1.0, 1.0)] + [
        (
            float(r.time),
            int(r.at_risk),
            int(r.events),
            int(r.censored),
            float(r.survival),
            None if np.isnan(r.lower) else float(r.lower),
            None if np.isnan(r.upper) else float(r.upper),
        )
        for r in curve.itertuples(index=False)
    ]
    table = canvas.table(columns, rows, widths=[12.0, 11.0] + [9.0] * 5)
    canvas.chart_beside(
        table,
        "line",
        "Kaplan-Meier retention",
        "Months",
        ["Retained", "Lower", "Upper"],
        x_title="Months since first payment",
        y_number_format="0%",
        y_min=0.0,
        y_max=1.0,
        colors={"Retained": "1F3864", "Lower": "9DC3E6", "Upper": "9DC3E6"},
        dashed=("Lower", "Upper"),
    )
