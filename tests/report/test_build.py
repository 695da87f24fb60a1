"""build_report: which sheets appear, errors that name table/column/row, caps on sizes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sample_tables import make_tables, one_row_tables

from cxexcel.errors import TableError
from cxexcel.report import Report, build_report
from cxexcel.report._layout import BOLD, MAX_WIDTH, PADDING, shown_width
from cxexcel.report.model import Cell, Formula, KpiTile, Table
from cxexcel.report.openpyxl_writer import write_workbook
from cxexcel.report.surveys import COMMENTS_PER_GROUP
from cxexcel.tables import read_tables


def only(tables, *names):
    return {name: tables[name] for name in names}


#: Every sheet, in tab order: what all six tables make.
ALL_SHEETS = [
    "CX Summary",
    "CX Surveys",
    "CX Revenue",
    "CX Customers",
    "CX Cohorts",
    "CX CLV",
    "CX Orders",
    "CX Accounts",
    "CX Checks",
]


@pytest.mark.parametrize(
    ("names", "sheets"),
    [
        (("Responses",), ["CX Summary", "CX Surveys", "CX Checks"]),
        (
            ("Subscriptions",),
            ["CX Summary", "CX Revenue", "CX Customers", "CX Cohorts", "CX Accounts", "CX Checks"],
        ),
        (("Orders",), ["CX Summary", "CX Customers", "CX Cohorts", "CX CLV", "CX Orders"]),
        (("Engagement",), ["CX Summary", "CX Customers"]),
        (("Spend",), ["CX Summary", "CX Customers"]),
        (("Targets",), []),
        (
            ("Responses", "Subscriptions", "Orders", "Spend", "Engagement", "Targets"),
            ALL_SHEETS,
        ),
    ],
)
def test_sheets_appear_only_with_their_tables(tables, names, sheets):
    assert build_report(only(tables, *names)).sheet_names == sheets


def test_empty_tables_count_as_missing(tables):
    empty = {name: frame.iloc[:0] for name, frame in tables.items()}
    assert build_report(empty).sheet_names == []
    assert build_report({}) == Report(())


def test_summary_without_targets_has_no_progress(tables):
    report = build_report(only(tables, "Responses"))
    tile = report.sheet("CX Summary").find("NPS")
    assert tile.target is None and tile.progress is None and tile.status is None


def test_survey_sheet_without_optional_columns(tables):
    responses = tables["Responses"][["date", "csat"]]
    report = build_report({"Responses": responses})
    sheet = report.sheet("CX Surveys")
    headers = {c.value for c in sheet.cells() if isinstance(c.value, str)}
    assert "CSAT" in headers and "NPS" not in headers and "Segment" not in headers
    assert report.sheet("CX Summary").find("CSAT") is not None


def test_bad_score_names_table_column_and_row(tables):
    responses = tables["Responses"].copy()
    responses.loc[41, "nps"] = 11.0
    with pytest.raises(TableError) as caught:
        build_report({"Responses": responses})
    error = caught.value
    assert (error.table, error.column, error.row) == ("Responses", "nps", 43)
    assert "Responses" in str(error) and "nps" in str(error) and "row 43" in str(error)


def test_formula_like_comment_stays_plain_text(tables):
    sheet = build_report(tables).sheet("CX Surveys")
    texts = [c for c in sheet.cells() if c.value == '=HYPERLINK("http://x","y")']
    assert texts and all(isinstance(c.value, str) for c in texts)
    formulas = [c.value.text for c in sheet.cells() if isinstance(c.value, Formula)]
    assert all(not f.startswith("=HYPERLINK") for f in formulas)


def test_comments_are_capped_and_size_does_not_grow_with_rows():
    small = make_tables(seed=5, customers=60, months=6, responses=8_000)
    big = make_tables(seed=5, customers=60, months=6, responses=40_000)
    count = {}
    for name, tables in (("small", small), ("big", big)):
        sheet = build_report(only(tables, "Responses")).sheet("CX Surveys")
        count[name] = sum(1 for _ in sheet.cells())
        comment_tables = [
            b for b in sheet.blocks if isinstance(b, Table) and b.columns[-1].header == "Comment"
        ]
        assert len(comment_tables) == 2
        assert all(len(t.rows) <= COMMENTS_PER_GROUP for t in comment_tables)
    assert count["big"] == count["small"]


def test_report_values_are_plain_python(tables):
    allowed = (int, float, str, dt.datetime, Formula, type(None))
    for sheet in build_report(tables).sheets:
        for cell in sheet.cells():
            assert isinstance(cell.value, allowed), (sheet.name, cell)
            assert not isinstance(cell.value, (np.generic, pd.Timestamp)), (sheet.name, cell)
            if isinstance(cell.value, float):
                assert not np.isnan(cell.value), (sheet.name, cell)


def test_every_sheet_has_frozen_panes_and_widths(tables):
    for sheet in build_report(tables).sheets:
        assert sheet.freeze is not None
        assert sheet.column_widths
        assert sheet.tab_color
        cells = [b for b in sheet.blocks if isinstance(b, Cell)]
        assert cells[0].value == sheet.name  # the title


def test_summary_tiles_are_laid_out_in_one_column_set(tables):
    sheet = build_report(tables).sheet("CX Summary")
    tiles = [b for b in sheet.blocks if isinstance(b, KpiTile)]
    assert [t.label for t in tiles] == [
        "NPS",
        "CSAT",
        "CES",
        "Churn",
        "Retention",
        "MRR",
        "NRR",
        "CLV",
        "CAC",
        "CLV:CAC",
        "Repeat rate",
        "Stickiness",
        "Open rate",
        "Click rate",
        "GRR",
        "Quick ratio",
        "CAC payback",
        "ARR",
        "Customers",
        "Annualised churn",
    ]
    assert [t.row for t in tiles] == list(range(tiles[0].row, tiles[0].row + len(tiles)))


def test_summary_more_kpis_only_when_computable(tables):
    """Engagement with DAU and MAU only: Stickiness has a tile, open and click rate
    (no email columns) have none even with targets; Orders alone give Repeat rate."""
    engagement = tables["Engagement"][["date", "dau", "mau"]]
    targets = pd.DataFrame({"metric": ["Stickiness", "Open rate", "CXI"], "target": [0.3, 0.3, 10]})
    sheet = build_report({"Engagement": engagement, "Targets": targets}).sheet("CX Summary")
    tiles = [b for b in sheet.blocks if isinstance(b, KpiTile)]
    assert [t.label for t in tiles] == ["Stickiness"]
    assert tiles[0].target == 0.3 and tiles[0].status is not None
    sheet = build_report(only(tables, "Orders")).sheet("CX Summary")
    assert [b.label for b in sheet.blocks if isinstance(b, KpiTile)] == ["Repeat rate"]


@pytest.mark.parametrize(
    ("table", "column", "index", "value", "message"),
    [
        ("Subscriptions", "mrr", 10, -5.0, "-5 is negative"),
        ("Orders", "amount", 7, "ten", '"ten" is not a number'),
    ],
)
def test_bad_values_in_other_tables_name_table_column_and_row(
    tables, table, column, index, value, message
):
    frame = tables[table].copy()
    frame[column] = frame[column].astype(object)
    frame.loc[index, column] = value
    with pytest.raises(TableError) as caught:
        build_report({table: frame})
    assert (caught.value.table, caught.value.column, caught.value.row) == (table, column, index + 2)
    assert str(caught.value) == f"{table}, column {column}, row {index + 2}: {message}"


@pytest.mark.parametrize(
    ("names", "sheets"),
    [
        (("Responses",), ["CX Summary", "CX Surveys", "CX Checks"]),
        (
            ("Subscriptions",),
            ["CX Summary", "CX Revenue", "CX Customers", "CX Cohorts", "CX Accounts", "CX Checks"],
        ),
        (("Orders",), ["CX Summary", "CX Customers", "CX Cohorts", "CX CLV", "CX Orders"]),
        (("Spend",), ["CX Summary", "CX Customers"]),
        (("Engagement",), ["CX Summary", "CX Customers"]),
        (
            ("Responses", "Subscriptions", "Orders", "Spend", "Engagement", "Targets"),
            ALL_SHEETS,
        ),
    ],
)
def test_one_row_tables_build_and_write(names, sheets, tmp_path):
    tables = read_tables(only(one_row_tables(), *names))
    report = build_report(tables)
    assert report.sheet_names == sheets
    write_workbook(report, tmp_path / "one-row.xlsx")


def test_one_row_responses_with_a_segment():
    tables = read_tables(only(one_row_tables(), "Responses"))
    sheet = build_report(tables).sheet("CX Surveys")
    segments = next(
        b for b in sheet.blocks if isinstance(b, Table) and b.columns[0].header == "Segment"
    )
    # Segment, responses, NPS, margin of error, CSAT, CES
    assert segments.rows == (("SMB", 1, 100.0, 0.0, 1.0, 5.0),)


def engagement_headers(report) -> list[str]:
    sheet = report.sheet("CX Customers")
    table = next(
        (b for b in sheet.blocks if isinstance(b, Table) and b.columns[0].header == "Month"), None
    )
    return [] if table is None else [c.header for c in table.columns[1:]]


def key_figure_labels(report) -> set[str]:
    sheet = report.sheet("CX Customers")
    return {c.value for c in sheet.blocks if isinstance(c, Cell) and c.col == 1}


@pytest.mark.parametrize(
    ("columns", "shown"),
    [
        (("emails_delivered",), []),
        (("emails_delivered", "opens"), ["Open rate"]),
        (("dau", "mau", "sessions"), ["DAU/MAU"]),
        (("sessions", "avg_session_minutes"), ["Time on site (min)"]),
        (("dau",), []),
    ],
)
def test_engagement_without_optional_columns(columns, shown):
    full = one_row_tables()["Engagement"]
    tables = read_tables({"Engagement": full[["date", *columns]]})
    report = build_report(tables)
    assert engagement_headers(report) == shown
    labels = key_figure_labels(report)
    for header, label in (
        ("DAU/MAU", "DAU/MAU"),
        ("Open rate", "Email open rate"),
        ("Click rate", "Email click rate"),
        ("Time on site (min)", "Time on site (min)"),
    ):
        assert (label in labels) == (header in shown), label
    if not shown:
        assert any(
            isinstance(c, Cell) and str(c.value).startswith("No engagement figure")
            for c in report.sheet("CX Customers").blocks
        )


def test_headers_and_values_fit_their_columns(tables):
    """No cut header or label: every column is as wide as its bold header and
    its values as their number formats show them (free text in a table's last
    column of comments runs on into the empty cells beside it)."""
    for sheet in build_report(tables).sheets:
        for block in sheet.blocks:
            if not isinstance(block, Table):
                continue
            for offset, column in enumerate(block.columns):
                width = sheet.column_widths[block.col + offset]
                where = (sheet.name, column.header)
                assert width >= len(column.header) * BOLD + PADDING - 1e-9, where
                if column.header == "Comment":
                    continue
                for values in block.rows:
                    assert width >= min(
                        MAX_WIDTH, shown_width(values[offset], column.number_format)
                    ), (
                        *where,
                        values[offset],
                    )


def test_labels_seen_in_cut_form_fit(tables):
    report = build_report(tables)
    clv = report.sheet("CX CLV")
    label = next(
        c.value
        for c in clv.cells()
        if isinstance(c.value, str) and c.value.startswith("Gamma-Gamma")
    )
    assert clv.column_widths[1] >= len(label) + PADDING
    customers = report.sheet("CX Customers")
    for header in ("Active customers", "Sales & marketing"):
        (cell,) = [c for c in customers.cells() if c.value == header]
        assert customers.column_widths[cell.col] >= len(header) * BOLD + PADDING


def test_comment_lists_do_not_stretch_the_tables_above(tables):
    sheet = build_report(tables).sheet("CX Surveys")
    assert max(sheet.column_widths.values()) < 30


def test_charts_stand_beside_their_tables(tables):
    for sheet in build_report(tables).sheets:
        tables_by_row = {b.row: b for b in sheet.blocks if isinstance(b, Table)}
        for chart in sheet.charts:
            table = tables_by_row[chart.anchor[0]]
            assert chart.anchor[1] == table.last_col + 2, (sheet.name, chart.title)


def test_print_titles_repeat_the_header_of_a_sheets_main_table(tables):
    titled = 0
    for sheet in build_report(tables).sheets:
        found = [b for b in sheet.blocks if isinstance(b, Table)]
        longest = max(found, key=lambda t: len(t.rows))
        if len(longest.rows) * 3 >= 2 * sum(len(t.rows) for t in found):
            assert sheet.print_title_rows == (longest.row, longest.row), sheet.name
            titled += 1
        else:
            assert sheet.print_title_rows is None, sheet.name
    assert titled >= 2
