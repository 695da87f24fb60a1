"""MRR, its movements and churn of the latest month by plan and by segment.

Shown on CX Revenue when the Subscriptions table carries a ``plan`` or
``segment`` column (optional columns of the table). Each group's figures
are the Subscriptions reductions of the engine run on that group's rows
alone (:func:`cxexcel.engine.subscriptions.subscription_totals`), so a
customer who moves to another plan counts as churned in the old one and new
in the new one. The :data:`MAX_GROUPS` groups with most MRR are shown; rows
without a value are left out.
"""

from __future__ import annotations

import ibis

from .. import metrics
from ..engine.subscriptions import subscription_totals
from . import model
from ._facts import Facts, figure, month_label
from ._layout import Canvas
from .model import Column

#: Groups shown per breakdown, those with most MRR over all months first.
MAX_GROUPS = 12
#: The optional Subscriptions columns broken down by, with their headers.
BREAKDOWNS = (("plan", "Plan"), ("segment", "Segment"))

SIGNED = '"$"#,##0;[Red]-"$"#,##0'


def present(facts: Facts) -> list[tuple[str, str]]:
    """The breakdown columns the Subscriptions table holds values in."""
    subs = facts.engine_table("Subscriptions")
    out = []
    for column, header in BREAKDOWNS:
        if column in subs.columns:
            count = facts.engine.execute(subs[column].notnull().sum())
            if count:
                out.append((column, header))
    return out


def group_figures(facts: Facts, column: str) -> list[dict]:
    """The latest month's figures of each group of ``column``, most MRR first."""
    subs = facts.engine_table("Subscriptions")
    valued = subs.filter(subs[column].notnull())
    groups = facts.engine.execute(
        valued.group_by(group=valued[column])
        .aggregate(total=valued.mrr.sum())
        .order_by([ibis.desc("total"), "group"])
        .limit(MAX_GROUPS)
    )
    whole = facts.subscription_totals
    latest = whole.first_month + whole.n_months - 1
    out = []
    for value in groups["group"]:
        totals = subscription_totals(facts.engine, subs.filter(subs[column] == value))
        months = totals.months.assign(month=totals.months["slot"] + totals.first_month)
        now = months[months["month"] == latest]
        before = months[months["month"] == latest - 1]
        start = int(before["paying"].iloc[0]) if len(before) else 0
        row = now.iloc[0] if len(now) else None

        def get(name: str, row=row) -> float:
            return float(row[name]) if row is not None else 0.0

        lost = int(get("lost"))
        out.append(
            {
                "group": str(value),
                "customers": int(get("paying")),
                "mrr": get("ending"),
                "new": get("new"),
                "expansion": get("expansion"),
                "reactivation": get("reactivation"),
                "contraction": -get("contraction"),
                "churned": -get("churned"),
                "churn": figure(metrics.churn, start, lost) if start else None,
            }
        )
    return out


def add(canvas: Canvas, facts: Facts) -> None:
    """The breakdown sections, when the table allows them."""
    latest = month_label(facts.customer_months["month"].iloc[-1])
    total = float(facts.customer_months["mrr"].iloc[-1])
    for column, header in present(facts):
        figures = group_figures(facts, column)
        canvas.section(
            f"By {column} ({latest})",
            f"MRR, movements and customer churn of {latest} by the {column} of each "
            "Subscriptions row; moving between groups counts as churned in one and new in "
            "the other.",
        )
        columns = (
            Column(header),
            Column("Customers", model.INTEGER),
            Column("MRR", model.CURRENCY),
            Column("Share of MRR", model.PERCENT),
            Column("New", SIGNED),
            Column("Expansion", SIGNED),
            Column("Reactivation", SIGNED),
            Column("Contraction", SIGNED),
            Column("Churned", SIGNED),
            Column("Churn", model.PERCENT),
        )
        rows = [
            (
                f["group"],
                f["customers"],
                f["mrr"],
                f["mrr"] / total if total else None,
                f["new"],
                f["expansion"],
                f["reactivation"],
                f["contraction"],
                f["churned"],
                f["churn"],
            )
            for f in figures
        ]
        table = canvas.table(columns, rows)
        canvas.chart_beside(
            table,
            "bar",
            f"MRR by {column}, {latest}",
            header,
            ["MRR"],
            y_number_format="$#,##0",
            height=max(160.0, 30.0 * len(rows) + 60.0),
        )
