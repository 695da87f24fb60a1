"""The ``CX Accounts`` sheet: survey answers joined to revenue, and the accounts behind them.

From Responses (with ``customer_id`` and ``nps``) joined by customer to
Subscriptions:

* MRR by the NPS group of each customer's latest answer — the detractors'
  MRR is the MRR at risk;
* NPS by MRR band (the customer's MRR in the month of the answer), with its
  margin of error and a bar chart;
* churn after answering: of the answers given while paying, the share whose
  customer paid nothing :data:`HORIZON` months later, by NPS group;
* the detractors paying now, most MRR first, with their latest comment.

From Subscriptions alone: the customers who churned or contracted in the
latest month, most MRR lost first. Both lists hold at most :data:`LIMIT`
accounts and are Excel Tables, with filter buttons. The reductions run on the engine (:mod:`cxexcel.engine.accounts`).
"""

from __future__ import annotations

import pandas as pd

from .. import metrics
from ..engine import accounts as reductions
from ..metrics.counted import nps_counts, nps_moe_counts
from . import model
from ._facts import Facts, figure, month_label, py_datetime
from ._layout import Canvas
from .model import Cell, Column

NAME = "CX Accounts"

#: Accounts shown in each drill-down list.
LIMIT = 50
#: Months after an answer at which churn is read.
HORIZON = 3
#: MRR band edges (a customer's MRR in the month of the answer).
BAND_EDGES = (100.0, 250.0, 500.0, 1000.0)
BAND_LABELS = ("Under $100", "$100-249", "$250-499", "$500-999", "$1,000 and more")
GROUPS = (
    ("detractor", "Detractors (0-6)"),
    ("passive", "Passives (7-8)"),
    ("promoter", "Promoters (9-10)"),
)


def joins_surveys(facts: Facts) -> bool:
    """Whether Responses can be joined to Subscriptions by customer."""
    return (
        facts.has("Responses", "Subscriptions")
        and facts.survey.present("nps")
        and "customer_id" in facts.engine_table("Responses").columns
    )


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Subscriptions"):
        return None
    canvas = Canvas(NAME, tab_color="BF9000")
    latest = month_label(facts.customer_months["month"].iloc[-1])
    joined = joins_surveys(facts)
    canvas.title(
        NAME,
        (
            "Survey answers joined to revenue by customer, and the accounts behind "
            f"the figures; MRR as of {latest}."
            if joined
            else f"The accounts behind the latest month's losses ({latest})."
        ),
    )
    canvas.freeze = (canvas.row, 2)
    if joined:
        responses = facts.engine_table("Responses")
        months = facts.paying_month_table
        latest_now = facts.table_once("latest_answers", _latest_answers(facts, responses, months))
        outcomes = facts.engine.execute(
            reductions.answer_outcomes(responses, months, HORIZON, BAND_EDGES, facts.last_slot)
        )
        _mrr_by_group(canvas, facts, latest_now, latest)
        _nps_by_band(canvas, outcomes)
        _churn_after(canvas, outcomes)
        _detractors(canvas, facts, responses, latest_now, latest)
    _lost(canvas, facts, latest)
    return canvas.sheet()


def _latest_answers(facts: Facts, responses, months):
    """Each paying customer's latest answer: by grouping where the embedded
    DuckDB can (the rows' order known), else by a window."""
    if "_row" in responses.columns and facts.engine.define_macros(reductions.ORDER_KEY_MACROS):
        return reductions.latest_paying_keys(responses, months, facts.last_slot)
    return reductions.latest_paying_answers(responses, months, facts.last_slot)


def _mrr_by_group(canvas: Canvas, facts: Facts, latest_now, latest: str) -> None:
    totals = facts.engine.execute(reductions.mrr_by_latest_group(latest_now))
    by_group = {row.group: row for row in totals.itertuples(index=False)}
    total_mrr = float(facts.customer_months["mrr"].iloc[-1])
    at_risk = float(by_group["detractor"].mrr) if "detractor" in by_group else 0.0
    canvas.section(
        "MRR at risk",
        f"Customers paying in {latest} by the NPS group of their latest answer; "
        "the detractors' MRR is the MRR at risk.",
    )
    canvas.add(Cell(canvas.row, 1, "MRR at risk", None, model.LABEL))
    canvas.add(Cell(canvas.row, 2, at_risk, model.CURRENCY, model.KPI_VALUE))
    canvas.add(
        Cell(
            canvas.row,
            3,
            at_risk / total_mrr if total_mrr else None,
            model.PERCENT,
            model.KPI_DETAIL,
        )
    )
    canvas.row += 2
    rows = []
    for key, label in GROUPS:
        row = by_group.get(key)
        customers = int(row.customers) if row is not None else 0
        mrr = float(row.mrr) if row is not None else 0.0
        rows.append((label, customers, mrr, mrr / total_mrr if total_mrr else None))
    columns = (
        Column("Latest answer"),
        Column("Customers", model.INTEGER),
        Column("MRR", model.CURRENCY),
        Column("Share of MRR", model.PERCENT),
    )
    canvas.table(columns, rows)


def _nps_by_band(canvas: Canvas, outcomes: pd.DataFrame) -> None:
    counts = outcomes.groupby(["band", "score"], as_index=False)["n"].sum()
    canvas.section(
        "NPS by MRR band",
        "Each answer in the band of the customer's MRR in the month of the answer "
        "(answers of customers paying nothing then are left out).",
    )
    rows = []
    for band, label in enumerate(BAND_LABELS):
        part = counts[counts["band"] == band]
        n = int(part["n"].sum())
        score, weight = part["score"].to_numpy(float), part["n"].to_numpy(float)
        rows.append(
            (
                label,
                n,
                figure(nps_counts, score, weight) if n else None,
                figure(nps_moe_counts, score, weight) if n else None,
            )
        )
    columns = (
        Column("MRR band"),
        Column("Answers", model.INTEGER),
        Column("NPS", model.NPS),
        Column("Margin of error", model.NPS),
    )
    table = canvas.table(columns, rows)
    canvas.chart_beside(
        table, "bar", "NPS by MRR band", "MRR band", ["NPS"], y_title="NPS", height=200.0
    )


def _churn_after(canvas: Canvas, outcomes: pd.DataFrame) -> None:
    known = outcomes[outcomes["known"] == 1]
    given = known.groupby("group")["n"].sum()
    churned = (known["n"] * known["churned"]).groupby(known["group"]).sum()
    canvas.section(
        f"Churn {HORIZON} months after answering",
        f"Answers given while paying, at least {HORIZON} months before the last month: "
        f"the share whose customer paid nothing {HORIZON} months later.",
    )
    rows = []
    for key, label in GROUPS:
        answers, lost = int(given.get(key, 0)), int(churned.get(key, 0))
        rows.append(
            (label, answers, lost, figure(metrics.churn, answers, lost) if answers else None)
        )
    columns = (
        Column("Answer"),
        Column("Answers", model.INTEGER),
        Column("Churned", model.INTEGER),
        Column("Churn rate", model.PERCENT),
    )
    table = canvas.table(columns, rows)
    canvas.chart_beside(
        table,
        "column",
        f"Churn {HORIZON} months after answering",
        "Answer",
        ["Churn rate"],
        y_number_format="0%",
        height=200.0,
    )


def _detractors(canvas: Canvas, facts: Facts, responses, latest_now, latest: str) -> None:
    frame = facts.engine.execute(reductions.detractor_accounts(latest_now, LIMIT))
    if "_row" in frame.columns and len(frame):  # their date and text from Responses
        details = facts.engine.execute(reductions.answer_details(responses, frame["_row"]))
        frame = frame.merge(details, on="_row", how="left").drop(columns="_row")
    canvas.section(
        "Detractors paying now",
        f"Customers paying in {latest} whose latest answer is a detractor's, most MRR "
        f"first ({len(frame)} shown, at most {LIMIT}).",
    )
    extra = [c for c in ("segment", "comment") if c in frame.columns]
    columns = [
        Column("Customer"),
        Column("MRR", model.CURRENCY),
        Column("Answered", model.DATE),
        Column("NPS", model.INTEGER),
    ]
    columns += [Column(c.capitalize()) for c in extra]
    rows = []
    for record in frame.itertuples(index=False):
        row = [record.customer_id, float(record.mrr), py_datetime(record.date), int(record.score)]
        row += [_text(getattr(record, c)) for c in extra]
        rows.append(row)
    canvas.table(columns, rows, runs_on="comment" in extra, excel_table="CX_Detractors")


def _lost(canvas: Canvas, facts: Facts, latest: str) -> None:
    lost = reductions.lost_accounts(facts.paying_month_table, LIMIT, facts.last_slot)
    frame = facts.engine.execute(lost)
    canvas.section(
        f"Churned or contracted in {latest}",
        f"Customers paying less in {latest} than the month before, most MRR lost first "
        f"({len(frame)} shown, at most {LIMIT}).",
    )
    rows = [
        (
            r.customer_id,
            float(r.before),
            float(r.now),
            float(r.change),
            "churned" if r.now == 0 else "contracted",
        )
        for r in frame.itertuples(index=False)
    ]
    columns = (
        Column("Customer"),
        Column("MRR before", model.CURRENCY),
        Column("MRR now", model.CURRENCY),
        Column("Change", '"$"#,##0;[Red]-"$"#,##0'),
        Column("Movement"),
    )
    canvas.table(columns, rows, excel_table="CX_Lost_MRR")


def _text(value, limit: int = 255):
    value = model.clean_value(value)
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    if isinstance(value, float) and pd.isna(value):
        return None
    return value
