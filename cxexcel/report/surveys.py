"""The ``CX Surveys`` sheet: NPS, CSAT and CES from the ``Responses`` table.

Sections: the NPS breakdown (promoters, passives, detractors), the 0-10
distribution with a column chart, NPS with its margin of error, CSAT and CES
by month with a line chart, the same by segment with a bar chart, and the
verbatim comments of detractors and promoters — the
:data:`COMMENTS_PER_GROUP` most recent of each, newest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import metrics
from . import model
from ._facts import Facts, figure, month_label, py_datetime
from ._layout import Canvas
from .model import Cell, Column, Formula, address, clean_value

NAME = "CX Surveys"

#: Comments shown per group (detractors, promoters): the most recent ones.
COMMENTS_PER_GROUP = 200
#: Segments shown, the ones with most responses first.
MAX_SEGMENTS = 50
#: Longest comment written; Excel cells hold at most 32,767 characters.
MAX_COMMENT = 2000


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Responses"):
        return None
    responses = facts.responses
    canvas = Canvas(NAME, tab_color="2E75B6")
    first, last = responses["date"].iloc[0], responses["date"].iloc[-1]
    canvas.title(
        NAME,
        f"{len(responses):,} survey responses from {month_label(first)} to {month_label(last)}.",
    )
    canvas.freeze = (canvas.row, 1)
    scores = facts.column("Responses", "nps")
    if scores is not None:
        _nps_breakdown(canvas, scores)
        _distribution(canvas, scores)
    _by_month(canvas, facts)
    if facts.column("Responses", "segment") is not None:
        _by_segment(canvas, facts)
    if scores is not None and facts.column("Responses", "comment") is not None:
        _comments(canvas, facts)
    return canvas.sheet()


def _nps_breakdown(canvas: Canvas, scores: pd.Series) -> None:
    canvas.section("NPS breakdown", "All responses; margin of error at 95% confidence.")
    table = metrics.nps_table(scores)
    counts = table[table["share"].notna()]
    rows = [
        (group, int(count), float(share)) for group, count, share in counts.itertuples(index=False)
    ]
    columns = (Column("Group"), Column("Responses", model.INTEGER), Column("Share", model.PERCENT))
    canvas.table(columns, rows, widths=(26.0, 12.0, 12.0), advance=True)
    for group, value, _ in table[table["share"].isna()].itertuples(index=False):
        canvas.add(Cell(canvas.row, 1, group, None, model.LABEL))
        canvas.add(Cell(canvas.row, 2, float(value), model.NPS, model.KPI_VALUE))
        canvas.row += 1
    canvas.row += 1


def _distribution(canvas: Canvas, scores: pd.Series) -> None:
    canvas.section("NPS distribution (0-10)")
    counts = np.bincount(scores.dropna().to_numpy(dtype=np.int64), minlength=11)[:11]
    groups = ["Detractor"] * 7 + ["Passive"] * 2 + ["Promoter"] * 2
    rows = [(score, int(counts[score]), groups[score]) for score in range(11)]
    columns = (Column("Score"), Column("Responses", model.INTEGER), Column("Group"))
    table = canvas.table(columns, rows, widths=(26.0, 12.0, 12.0), advance=True)
    canvas.chart_beside(
        table,
        "column",
        "NPS distribution",
        "Score",
        ["Responses"],
        x_title="Score (0-10)",
        y_title="Responses",
    )


def _group_figures(frame: pd.DataFrame, has: dict[str, bool]) -> dict[str, object]:
    out: dict[str, object] = {}
    if has["nps"]:
        scores = frame["nps"].to_numpy(dtype=float)
        out["n"] = int(np.count_nonzero(~np.isnan(scores)))
        out["nps"] = figure(metrics.nps, scores)
        out["moe"] = figure(metrics.nps_moe, scores)
    if has["csat"]:
        out["csat"] = figure(metrics.csat, frame["csat"].to_numpy(dtype=float))
    if has["ces"]:
        out["ces"] = figure(metrics.ces, frame["ces"].to_numpy(dtype=float))
    return out


def _present(facts: Facts) -> dict[str, bool]:
    return {name: facts.column("Responses", name) is not None for name in ("nps", "csat", "ces")}


def _by_month(canvas: Canvas, facts: Facts) -> None:
    has = _present(facts)
    responses = facts.responses
    canvas.section(
        "By month",
        "NPS with its 95% margin of error (low = NPS - margin, high = NPS + margin), "
        "CSAT (top-2-box share) and CES (mean ease rating).",
    )
    columns = [Column("Month", model.MONTH)]
    if has["nps"]:
        columns += [
            Column("Responses", model.INTEGER),
            Column("NPS", model.NPS),
            Column("Low", model.NPS),
            Column("High", model.NPS),
            Column("Margin of error", model.NPS),
        ]
    if has["csat"]:
        columns.append(Column("CSAT", model.PERCENT))
    if has["ces"]:
        columns.append(Column("CES", model.DECIMAL_2))
    months = responses["month"].to_numpy()
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    bounds = np.r_[starts, len(months)]
    first_row = canvas.row + 1
    headers = [c.header for c in columns]
    nps_col = 1 + headers.index("NPS") if has["nps"] else 0
    moe_col = 1 + headers.index("Margin of error") if has["nps"] else 0
    rows = []
    for index, (begin, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        group = _group_figures(responses.iloc[begin:end], has)
        row = [py_datetime(months[begin])]
        if has["nps"]:
            r = first_row + index
            # NPS, Low and High sit side by side so every chart engine can draw them as one block.
            nps_cell, moe_cell = address(r, nps_col), address(r, moe_col)
            value, moe = group["nps"], group["moe"]
            both = value is not None and moe is not None
            row += [
                group["n"],
                value,
                Formula(f"={nps_cell}-{moe_cell}", value - moe) if both else None,
                Formula(f"={nps_cell}+{moe_cell}", value + moe) if both else None,
                moe,
            ]
        if has["csat"]:
            row.append(group["csat"])
        if has["ces"]:
            row.append(group["ces"])
        rows.append(row)
    widths = [12.0] + [14.0] * (len(columns) - 1)
    table = canvas.table(columns, rows, widths=widths)
    if has["nps"]:
        canvas.chart_beside(
            table,
            "line",
            "NPS by month with 95% margin of error",
            "Month",
            ["NPS", "Low", "High"],
            y_title="NPS",
            y_number_format="0",
        )
    elif has["csat"]:
        canvas.chart_beside(table, "line", "CSAT by month", "Month", ["CSAT"], y_number_format="0%")


def _by_segment(canvas: Canvas, facts: Facts) -> None:
    has = _present(facts)
    responses = facts.responses
    segments = responses["segment"].astype("string").fillna("(none)")
    # Rows of each segment by position (no label look-ups: pandas' get_group
    # fails on a one-row grouping); most responses first, ties in order of
    # first appearance.
    codes, labels = pd.factorize(segments.to_numpy(dtype=object), sort=False)
    counts = np.bincount(codes, minlength=len(labels))
    order = np.argsort(-counts, kind="stable")[:MAX_SEGMENTS]
    by_segment = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(counts)]
    shown = (
        f"The {MAX_SEGMENTS} segments with most responses."
        if len(labels) > MAX_SEGMENTS
        else "All segments, most responses first."
    )
    canvas.section("By segment", shown)
    columns = [Column("Segment")]
    if has["nps"]:
        columns += [
            Column("Responses", model.INTEGER),
            Column("NPS", model.NPS),
            Column("Margin of error", model.NPS),
        ]
    if has["csat"]:
        columns.append(Column("CSAT", model.PERCENT))
    if has["ces"]:
        columns.append(Column("CES", model.DECIMAL_2))
    rows = []
    for code in order:
        members = by_segment[bounds[code] : bounds[code + 1]]
        group = _group_figures(responses.iloc[members], has)
        row = [str(labels[code])]
        if has["nps"]:
            row += [group["n"], group["nps"], group["moe"]]
        if has["csat"]:
            row.append(group["csat"])
        if has["ces"]:
            row.append(group["ces"])
        rows.append(row)
    widths = [24.0] + [14.0] * (len(columns) - 1)
    table = canvas.table(columns, rows, widths=widths)
    if has["nps"]:
        canvas.chart_beside(
            table, "bar", "NPS by segment", "Segment", ["NPS"], y_title="NPS", y_number_format="0"
        )
    elif has["csat"]:
        canvas.chart_beside(
            table, "bar", "CSAT by segment", "Segment", ["CSAT"], y_number_format="0%"
        )


def comment_rows(facts: Facts, promoters: bool) -> pd.DataFrame:
    """The comments shown for one group: most recent first, at most COMMENTS_PER_GROUP."""
    responses = facts.responses
    scores = responses["nps"].to_numpy(dtype=float)
    group = scores >= 9 if promoters else scores <= 6
    text = responses["comment"].astype("string").str.strip()
    has_text = (text.notna() & (text != "")).fillna(False).to_numpy(dtype=bool)
    picked = np.flatnonzero(group & has_text)[::-1][:COMMENTS_PER_GROUP]
    return responses.iloc[picked]


def _comments(canvas: Canvas, facts: Facts) -> None:
    for promoters, title in (
        (False, "Detractor comments (0-6)"),
        (True, "Promoter comments (9-10)"),
    ):
        picked = comment_rows(facts, promoters)
        canvas.section(
            title, f"The {COMMENTS_PER_GROUP} most recent, newest first ({len(picked)} shown)."
        )
        columns = [Column("Date", model.DATE), Column("NPS", model.INTEGER)]
        extra = [c for c in ("segment", "customer_id") if c in picked.columns]
        columns += [Column(c.replace("_", " ").capitalize()) for c in extra]
        columns.append(Column("Comment", None, model.WRAPPED))
        rows = []
        for record in picked.itertuples(index=False):
            row = [py_datetime(record.date), int(record.nps)]
            row += [_text(getattr(record, c)) for c in extra]
            row.append(_text(record.comment, MAX_COMMENT))
            rows.append(row)
        widths = [12.0, 8.0] + [14.0] * len(extra) + [80.0]
        canvas.table(columns, rows, widths=widths)


def _text(value, limit: int = 255):
    value = clean_value(value)
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value
