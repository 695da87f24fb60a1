"""The ``CX Surveys`` sheet: NPS, CSAT and CES from the ``Responses`` table.

Sections: the NPS breakdown (promoters, passives, detractors), the 0-10
distribution with a column chart, NPS with its margin of error, CSAT and CES
by month with a line chart — by quarter as well, charted there, when months
hold a median of fewer than :data:`MIN_MONTHLY_RESPONSES` NPS answers (a
month's NPS is then mostly noise) — the same by segment with a bar chart,
and the verbatim comments of detractors and promoters — the
:data:`COMMENTS_PER_GROUP` most recent of each, newest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics.cohorts import period_start
from ..metrics.counted import nps_table_counts
from . import model
from ._facts import Facts, month_label, py_datetime
from ._layout import Canvas
from ._survey_facts import SCORES, SurveyFacts
from .model import Cell, Column, Formula, address, clean_value

NAME = "CX Surveys"

#: Comments shown per group (detractors, promoters): the most recent ones,
#: a page of each (the drill-down lists hold them with their revenue).
COMMENTS_PER_GROUP = 25
#: Segments shown, the ones with most responses first.
MAX_SEGMENTS = 50
#: Below this median of NPS answers per month (a margin of error of about
#: +/-5 points and more), the NPS trend is charted by quarter.
MIN_MONTHLY_RESPONSES = 400
#: Longest comment written; Excel cells hold at most 32,767 characters.
MAX_COMMENT = 2000


def build(facts: Facts) -> model.Sheet | None:
    if not facts.has("Responses"):
        return None
    survey = facts.survey
    canvas = Canvas(NAME, tab_color="2E75B6")
    canvas.title(
        NAME,
        f"{survey.rows:,} survey responses from {month_label(survey.first_date)} "
        f"to {month_label(survey.last_date)}.",
    )
    canvas.freeze = (canvas.row, 1)
    if survey.present("nps"):
        _nps_breakdown(canvas, survey)
        _distribution(canvas, survey)
    _by_month(canvas, survey)
    if survey.present("segment"):
        _by_segment(canvas, survey)
    if survey.present("nps") and survey.present("comment"):
        _comments(canvas, survey)
    return canvas.sheet()


def _nps_breakdown(canvas: Canvas, survey: SurveyFacts) -> None:
    canvas.section("NPS breakdown", "All responses; margin of error at 95% confidence.")
    counts = survey.counts("nps")
    table = nps_table_counts(counts["score"], counts["n"])
    shares = table[table["share"].notna()]
    rows = [
        (group, int(count), float(share)) for group, count, share in shares.itertuples(index=False)
    ]
    columns = (Column("Group"), Column("Responses", model.INTEGER), Column("Share", model.PERCENT))
    canvas.table(columns, rows, widths=(26.0, 12.0, 12.0), advance=True)
    for group, value, _ in table[table["share"].isna()].itertuples(index=False):
        canvas.add(Cell(canvas.row, 1, group, None, model.LABEL))
        canvas.add(Cell(canvas.row, 2, float(value), model.NPS, model.KPI_VALUE))
        canvas.row += 1
    canvas.row += 1


def _distribution(canvas: Canvas, survey: SurveyFacts) -> None:
    canvas.section("NPS distribution (0-10)")
    counts = np.zeros(11, dtype=np.int64)
    tally = survey.counts("nps")
    np.add.at(counts, tally["score"].to_numpy(dtype=np.int64), tally["n"].to_numpy(np.int64))
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


def _group_figures(survey: SurveyFacts, has: dict[str, bool], by: str, key) -> dict[str, object]:
    """n, NPS, margin, CSAT and CES of the responses whose ``by`` is ``key``
    (or one of ``key`` when it is a set)."""
    keys = key if isinstance(key, (set, frozenset)) else {key}

    def counts(name: str) -> pd.DataFrame:
        frame = survey.counts(name, (by,))
        return frame[frame[by].isin(keys)]

    out: dict[str, object] = {}
    if has["nps"]:
        nps_counts = counts("nps")
        out["n"] = int(nps_counts["n"].sum())
        out["nps"] = survey.figure("nps", nps_counts)
        out["moe"] = survey.figure("moe", nps_counts)
    if has["csat"]:
        out["csat"] = survey.figure("csat", counts("csat"))
    if has["ces"]:
        out["ces"] = survey.figure("ces", counts("ces"))
    return out


def _present(survey: SurveyFacts) -> dict[str, bool]:
    return {name: survey.present(name) for name in SCORES}


def monthly_nps_responses(survey: SurveyFacts) -> float:
    """Median NPS answers per month with responses."""
    per_month = survey.counts("nps", ("slot",)).groupby("slot")["n"].sum()
    return float(per_month.median()) if len(per_month) else 0.0


def quarters(survey: SurveyFacts) -> list[tuple[str, frozenset[int]]]:
    """(label such as ``Q1 2024``, its month numbers) of the quarters with responses."""
    out: dict[int, set[int]] = {}
    for slot in survey.months:
        out.setdefault(slot // 3, set()).add(slot)
    return [
        (f"Q{quarter % 4 + 1} {1970 + quarter // 4}", frozenset(slots))
        for quarter, slots in sorted(out.items())
    ]


def _by_month(canvas: Canvas, survey: SurveyFacts) -> None:
    has = _present(survey)
    small = has["nps"] and monthly_nps_responses(survey) < MIN_MONTHLY_RESPONSES
    canvas.section(
        "By month",
        "NPS with its 95% margin of error (low = NPS - margin, high = NPS + margin), "
        "CSAT (top-2-box share) and CES (mean ease rating).",
    )
    periods = [
        (py_datetime(period_start(np.array([slot]), "M")[0]), slot) for slot in survey.months
    ]
    table = _period_table(canvas, survey, has, Column("Month", model.MONTH), periods)
    if has["nps"] and not small:
        _nps_chart(canvas, table, "Month", "NPS by month with 95% margin of error")
    elif has["csat"] and not has["nps"]:
        canvas.chart_beside(table, "line", "CSAT by month", "Month", ["CSAT"], y_number_format="0%")
    if small:
        median = monthly_nps_responses(survey)
        canvas.section(
            "By quarter",
            f"A month holds a median of {median:,.0f} NPS answers, too few for a steady "
            "figure (see the monthly margins), so the trend is shown by quarter, "
            "with its 95% margin of error.",
        )
        table = _period_table(canvas, survey, has, Column("Quarter"), quarters(survey))
        _nps_chart(canvas, table, "Quarter", "NPS by quarter with 95% margin of error")


def _nps_chart(canvas: Canvas, table: model.Table, category: str, title: str) -> None:
    canvas.chart_beside(
        table, "line", title, category, ["NPS", "Low", "High"], y_title="NPS", y_number_format="0"
    )


def _period_table(
    canvas: Canvas, survey: SurveyFacts, has: dict[str, bool], first: Column, periods
) -> model.Table:
    """One row per period: ``periods`` are (label, month number or set of them)."""
    columns = [first]
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
    first_row = canvas.row + 1
    headers = [c.header for c in columns]
    nps_col = 1 + headers.index("NPS") if has["nps"] else 0
    moe_col = 1 + headers.index("Margin of error") if has["nps"] else 0
    rows = []
    for index, (label, slots) in enumerate(periods):
        group = _group_figures(survey, has, "slot", slots)
        row = [label]
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
    return canvas.table(columns, rows, widths=widths)


def _by_segment(canvas: Canvas, survey: SurveyFacts) -> None:
    has = _present(survey)
    segments = survey.segments
    shown = (
        f"The {MAX_SEGMENTS} segments with most responses."
        if len(segments) > MAX_SEGMENTS
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
    for label, _ in segments[:MAX_SEGMENTS]:
        group = _group_figures(survey, has, "segment", label)
        row = [label]
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
    return facts.survey.latest_comments(promoters, COMMENTS_PER_GROUP)


def _comments(canvas: Canvas, survey: SurveyFacts) -> None:
    for promoters, title in (
        (False, "Detractor comments (0-6)"),
        (True, "Promoter comments (9-10)"),
    ):
        picked = survey.latest_comments(promoters, COMMENTS_PER_GROUP)
        canvas.section(
            title, f"The {COMMENTS_PER_GROUP} most recent, newest first ({len(picked)} shown)."
        )
        columns = [Column("Date", model.DATE), Column("NPS", model.INTEGER)]
        extra = [c for c in ("segment", "customer_id") if c in picked.columns]
        columns += [Column(c.replace("_", " ").capitalize()) for c in extra]
        columns.append(Column("Comment"))
        rows = []
        for record in picked.itertuples(index=False):
            row = [py_datetime(record.date), int(record.nps)]
            row += [_text(getattr(record, c)) for c in extra]
            row.append(_text(record.comment, MAX_COMMENT))
            rows.append(row)
        widths = [12.0, 8.0] + [12.0] * len(extra) + [12.0]
        canvas.table(columns, rows, widths=widths, runs_on=True)


def _text(value, limit: int = 255):
    value = clean_value(value)
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value
