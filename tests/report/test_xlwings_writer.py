"""The xlwings writer on xlwings' remote Book: the actions it would send to Excel."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "excel"))

import pandas as pd  # noqa: E402
from remote_book import Replay, book_payload, plain_sheet, remote_book, table_sheet  # noqa: E402

from cxexcel.errors import SourceError  # noqa: E402
from cxexcel.report import model as m  # noqa: E402
from cxexcel.report.build import SHEET_BUILDERS, build_report  # noqa: E402
from cxexcel.report.xlwings_writer import (  # noqa: E402
    REPORT_SHEET_NAMES,
    SHEET_FORMAT_CALLBACK,
    _rectangles,
    chart_series_drawn,
    column_points,
    excel_value,
    input_tables_on_owned_sheets,
    owned_sheet_names,
    sheet_formats,
    write_book,
)
from cxexcel.sample_data import generate  # noqa: E402


def _table() -> m.Table:
    return m.Table(
        row=3,
        col=1,
        columns=(
            m.Column("Month", m.MONTH),
            m.Column("NPS", m.NPS),
            m.Column("CSAT", m.PERCENT),
        ),
        rows=(
            (dt.date(2024, 1, 1), 12.5, 0.8),
            (dt.date(2024, 2, 1), -3.0, 0.7),
            (dt.date(2024, 3, 1), 20.0, None),
        ),
    )


def _report(name: str = "CX Surveys", **sheet) -> m.Report:
    table = _table()
    defaults = dict(
        blocks=(m.Cell(1, 1, "Surveys", style=m.TITLE), table),
        conditional_formats=(
            m.DataBar(table.data_range("CSAT"), minimum=0.0, maximum=1.0),
            m.ColorScale(table.data_range("NPS"), mid_percentile=40.0),
            m.CellValueRule(table.data_range("NPS"), "lessThan", (0,), "FFC7CE", "9C0006"),
            m.CellValueRule(m.CellRange(1, 6, 1, 6), "equal", ("red",), "FFC7CE"),
        ),
        charts=(
            m.Chart(
                "line",
                "NPS and CSAT",
                table.data_range("Month"),
                (
                    m.ChartSeries("NPS", table.data_range("NPS"), table.header_cell("NPS")),
                    m.ChartSeries("CSAT", table.data_range("CSAT"), table.header_cell("CSAT")),
                ),
                anchor=(3, 6),
                y_title="Score",
            ),
        ),
        freeze=(4, 2),
        column_widths={1: 14, 3: 9.5},
    )
    defaults.update(sheet)
    return m.Report((m.Sheet(name, **defaults),))


def _write(report: m.Report, *sheets: dict) -> Replay:
    payload = book_payload(*(sheets or (plain_sheet("Data", [["x"]]),)))
    book = remote_book(payload)
    write_book(report, book)
    return Replay(payload, book.json()["actions"])


def test_all_values_of_a_sheet_are_one_write():
    replay = _write(_report())
    (write,) = [a for a in replay.on("CX Surveys") if a["func"] == "setValues"]
    assert (write["start_row"], write["start_column"]) == (0, 0)
    table = [row[:3] for row in write["values"][2:6]]
    assert table[0] == ["Month", "NPS", "CSAT"]
    assert table[1] == ["2024-01-01", 12.5, 0.8]
    # A missing value is an empty cell, not the text "None" or "nan".
    assert table[3] == ["2024-03-01", 20.0, ""]


def test_number_formats_go_out_once_per_column_run():
    replay = _write(_report())
    formats = [a for a in replay.on("CX Surveys") if a["func"] == "setNumberFormat"]
    assert sorted((a["args"][0], a["start_column"], a["row_count"]) for a in formats) == [
        ("0.0", 1, 3),
        ("0.0%", 2, 3),
        ("mmm yyyy", 0, 3),
    ]
    assert replay.number_formats["CX Surveys"]["C5"] == m.PERCENT


def test_styles_header_fill_font_and_bottom_border():
    replay = _write(_report())
    header = [a for a in replay.on("CX Surveys") if a["start_row"] == 2 and a["row_count"] == 1]
    funcs = {(a["func"], tuple(a["args"])) for a in header}
    assert ("setRangeColor", ("#1F3864",)) in funcs
    assert ("setFontProperty", ("bold", True)) in funcs
    assert ("setFontProperty", ("color", "#FFFFFF")) in funcs
    # The header's fill sets it apart; a bottom border is drawn where a style asks for one.
    assert not [a for a in header if a["func"] == "setBorderProperty"]
    ruled = m.CellStyle(bold=True, border_bottom=True)
    cells = (m.Cell(1, 1, "a", None, ruled), m.Cell(2, 1, "b", None, ruled))
    ruled_replay = _write(m.Report((m.Sheet("CX Surveys", blocks=cells),)))
    borders = [a for a in ruled_replay.on("CX Surveys") if a["func"] == "setBorderProperty"]
    assert {tuple(a["args"]) for a in borders} == {
        ("edge_bottom", "line_style", "continuous"),
        ("inside_horizontal", "line_style", "continuous"),
    }
    title = [a for a in replay.on("CX Surveys") if a["func"] == "setFontProperty"]
    assert {"args": ["size", 16], "start_row": 0} in [
        {"args": a["args"], "start_row": a["start_row"]} for a in title
    ]


def test_sheet_formats_list_the_rectangles_of_one_format_together():
    header = m.CellStyle(bold=True, color="FFFFFF", fill="1F3864")
    ruled = m.CellStyle(bold=True, border_bottom=True)
    cells = (
        m.Cell(1, 1, "a", "0.0%", header),
        m.Cell(1, 2, "b", "0.0%", header),
        m.Cell(4, 1, "c", "0.0%", header),
        m.Cell(6, 3, "d", None, ruled),
        m.Cell(7, 3, "e", None, ruled),
        m.Cell(8, 5, "f", None, m.CellStyle(align="center", wrap=True)),
    )
    sheet = m.Sheet("CX Surveys", blocks=cells, column_widths={1: 14, 2: 14, 4: 9.5})
    assert sheet_formats(sheet) == {
        "sheet": "CX Surveys",
        "numberFormats": [{"format": "0.0%", "ranges": ["A1:B1", "A4"]}],
        "styles": [
            {
                "style": {"bold": True, "color": "#FFFFFF", "fill": "#1F3864"},
                "ranges": ["A1:B1", "A4"],
            },
            {
                "style": {"bold": True, "borders": ["EdgeBottom", "InsideHorizontal"]},
                "ranges": ["C6:C7"],
            },
            {
                "style": {
                    "horizontalAlignment": "Center",
                    "verticalAlignment": "Top",
                    "wrapText": True,
                },
                "ranges": ["E8"],
            },
        ],
        "columnWidths": [
            {"columns": "A:B", "points": column_points(14)},
            {"columns": "D:D", "points": column_points(9.5)},
        ],
    }


def test_with_the_callback_a_sheet_formats_in_one_action():
    book = remote_book(book_payload(plain_sheet("Data", [["x"]])))
    write_book(_report(), book, format_callback=SHEET_FORMAT_CALLBACK)
    replay = Replay(book_payload(plain_sheet("Data", [["x"]])), book.json()["actions"])
    funcs = [a["func"] for a in replay.on("CX Surveys")]
    assert funcs.count("runMacro") == 1
    assert not {"setNumberFormat", "setFontProperty", "setColumnWidth"} & set(funcs)
    assert replay.number_formats["CX Surveys"]["C5"] == m.PERCENT
    assert replay.column_widths["CX Surveys"] == {"A": column_points(14), "C": column_points(9.5)}


def test_freeze_panes_and_column_widths_in_points():
    replay = _write(_report())
    actions = replay.on("CX Surveys")
    assert [a["args"] for a in actions if a["func"] == "freezePaneAtRange"] == [["A1:A3"]]
    widths = {a["start_column"]: a["args"][0] for a in actions if a["func"] == "setColumnWidth"}
    assert widths == {0: column_points(14), 2: column_points(9.5)}
    # Excel's default column of 8.43 characters is 64 px = 48 pt.
    assert column_points(8.43) == pytest.approx(48, abs=0.1)


@pytest.mark.parametrize(
    ("freeze", "frozen"),
    [((2, 1), "1:1"), ((1, 3), "A:B"), ((5, 3), "A1:B4")],
)
def test_freeze_top_left_of_scrolling_area_becomes_the_frozen_cells(freeze, frozen):
    replay = _write(_report(freeze=freeze, charts=(), conditional_formats=()))
    assert [a["args"] for a in replay.actions if a["func"] == "freezePaneAtRange"] == [[frozen]]


def test_conditional_formats_data_bar_color_scale_cell_value():
    replay = _write(_report())
    rules = [a["args"][0] for a in replay.on("CX Surveys") if a["func"] == "addConditionalFormat"]
    bar, scale, below, text = rules
    assert bar["type"] == "DataBar" and bar["thresholds"] == [0.0, 1.0]
    assert bar["threshold_types"] == ["Number", "Number"]
    assert scale["type"] == "ColorScale"
    assert scale["threshold_types"] == ["Percentile"] * 3
    assert scale["thresholds"] == [0, 40.0, 100]
    assert (below["operator"], below["formula1"], below["fill_color"], below["font_color"]) == (
        "LessThan",
        "0",
        "#ffc7ce",
        "#9c0006",
    )
    assert (text["operator"], text["formula1"]) == ("EqualTo", '"red"')


def test_chart_from_series_columns_with_header_and_explicit_categories():
    replay = _write(_report())
    actions = replay.on("CX Surveys")
    (add,) = [a for a in actions if a["func"] == "addChart"]
    name, kind, sheet, source = add["args"][:4]
    assert (name, kind, sheet, source) == ("NPS and CSAT", "LineMarkers", "CX Surveys", "$B$3:$C$6")
    assert add["args"][9] == "$F$3"  # anchor
    assert add["args"][8] == "Columns"
    (x_axis,) = [a for a in actions if a["func"] == "setChartXAxisValues"]
    assert x_axis["args"][1:] == ["CX Surveys", "$A$4:$A$6"]
    assert ["setChartTitle", "setChartAxis"] <= [
        a["func"] for a in actions if "Chart" in a["func"]
    ][2:]


def test_chart_without_header_takes_the_values_only():
    table = _table()
    chart = m.Chart(
        "column",
        "NPS",
        table.data_range("Month"),
        (m.ChartSeries("Net Promoter Score", table.data_range("NPS")),),
        anchor=(10, 1),
    )
    replay = _write(_report(charts=(chart,)))
    (add,) = [a for a in replay.actions if a["func"] == "addChart"]
    # Values only: a text cell above would be read as the series name.
    assert add["args"][3] == "$B$4:$B$6"
    assert add["args"][1] == "ColumnClustered"


def test_chart_draws_the_series_in_neighbouring_columns_from_the_first():
    table = m.Table(
        1,
        1,
        tuple(m.Column(name) for name in ["Month", "NPS", "Margin", "Low", "High"]),
        ((dt.date(2024, 1, 1), 10.0, 5.0, 5.0, 15.0), (dt.date(2024, 2, 1), 12.0, 4.0, 8.0, 16.0)),
    )

    def chart(*names):
        series = tuple(m.ChartSeries(n, table.data_range(n), table.header_cell(n)) for n in names)
        return m.Chart("line", "NPS", table.data_range("Month"), series, anchor=(5, 1))

    assert chart_series_drawn(chart("NPS", "Margin", "Low")) == 3
    assert chart_series_drawn(chart("Low", "High")) == 2
    # Margin sits between NPS and Low: Low and High cannot join NPS's rectangle.
    scattered = chart("NPS", "Low", "High")
    assert chart_series_drawn(scattered) == 1
    replay = _write(_report(blocks=(table,), charts=(scattered,), conditional_formats=()))
    (add,) = [a for a in replay.actions if a["func"] == "addChart"]
    assert add["args"][3] == "$B$1:$B$3"
    # The margin column is never drawn as if it were a series of the chart.
    assert "$C$" not in add["args"][3]


def test_chart_whose_first_series_is_not_a_column_is_refused():
    table = _table()
    wide = m.ChartSeries("x", m.CellRange(4, 2, 6, 3))
    chart = m.Chart("line", "x", table.data_range("Month"), (wide,), anchor=(10, 1))
    with pytest.raises(ValueError, match="first series"):
        _write(_report(charts=(chart,)))


def test_single_series_chart_has_no_legend():
    table = _table()
    chart = m.Chart(
        "column",
        "NPS",
        table.data_range("Month"),
        (m.ChartSeries("NPS", table.data_range("NPS"), table.header_cell("NPS")),),
        anchor=(10, 1),
    )
    replay = _write(_report(charts=(chart,)))
    legends = [a["args"] for a in replay.actions if a["func"] == "setChartLegend"]
    assert legends == [[0, "visible", False]]


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "+44 20 1234",
        "-1",
        "-- great service",
        "@everyone",
        "'quoted'",
        "007",
        "1,234.5",
        "12%",
        "$1,000",
        "1/2",
        "2024-01-31",
        "12:30",
        "3 Jan",
        "Jan 2024",
        "TRUE",
        "#N/A",
        "1e5",
    ],
)
def test_text_excel_would_reinterpret_gets_the_text_marker(text):
    assert excel_value(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["Great service", "C0042", "SMB", "Net Promoter Score", "2024 plan", "a=b", ""]
)
def test_ordinary_text_is_written_as_it_is(text):
    assert excel_value(text) == text


def test_values_formulas_and_blanks():
    assert excel_value(m.Formula("=B4/C4", expected=0.5)) == "=B4/C4"
    assert excel_value(float("nan")) is None
    assert excel_value(float("inf")) is None
    assert excel_value(None) is None
    assert excel_value(True) is True
    assert excel_value(dt.date(2024, 1, 1)) == dt.date(2024, 1, 1)


def test_comment_that_looks_like_a_formula_arrives_as_text():
    comment = '=HYPERLINK("http://x","y")'
    table = m.Table(1, 1, (m.Column("Comment"),), ((comment,), ("fine",)))
    replay = _write(_report(blocks=(table,), charts=(), conditional_formats=()))
    assert replay.values["CX Surveys"]["A2"] == "'" + comment
    assert replay.values["CX Surveys"]["A3"] == "fine"
    assert not [a for a in replay.actions if a["func"] in {"setFormula", "setFormulaArray"}]


def test_formula_cells_are_written_as_formulas():
    cell = m.Cell(2, 2, m.Formula("=1+1", expected=2))
    replay = _write(_report(blocks=(cell,), charts=(), conditional_formats=()))
    assert replay.values["CX Surveys"]["B2"] == "=1+1"


def test_rerun_replaces_owned_sheets_in_place_and_touches_nothing_else():
    sheets = (
        plain_sheet("Data", [["x"]]),
        plain_sheet("CX Summary", [["old"]]),
        plain_sheet("Notes", [["mine"]]),
        plain_sheet("CX Surveys", [["old"]]),
        plain_sheet("cx lowercase is not ours"),
    )
    report = m.Report((_report("CX Summary").sheets[0], _report("CX Surveys").sheets[0]))
    replay = _write(report, *sheets)
    assert replay.deleted == ["CX Surveys", "CX Summary"]
    assert replay.added == ["CX Summary", "CX Surveys"]
    assert replay.sheet_names == [
        "Data",
        "CX Summary",
        "CX Surveys",
        "Notes",
        "cx lowercase is not ours",
    ]
    touched = {name for name, _ in replay.located if name is not None}
    assert touched == {"CX Summary", "CX Surveys"}
    assert replay.actions[-1]["func"] == "activateSheet"
    assert replay.located[-1][0] == "CX Summary"


def test_first_build_goes_to_the_end():
    replay = _write(_report(), plain_sheet("Data"), plain_sheet("Other"))
    assert replay.sheet_names == ["Data", "Other", "CX Surveys"]
    assert replay.deleted == []


def test_owned_sheets_first_in_the_book_are_replaced_at_the_front():
    replay = _write(_report(), plain_sheet("CX Surveys"), plain_sheet("Data"))
    assert replay.sheet_names == ["CX Surveys", "Data"]
    assert set(name for name, _ in replay.located if name) == {"CX Surveys"}


def test_owned_sheet_names():
    book = remote_book(
        book_payload(
            plain_sheet("CX Summary"),
            plain_sheet("CX Budget"),
            plain_sheet("B"),
            plain_sheet("CX CLV"),
            plain_sheet("cx surveys"),
        )
    )
    assert owned_sheet_names(book) == ["CX Summary", "CX CLV"]


def test_owned_names_are_every_sheet_the_builder_can_produce():
    # All input tables: every sheet, in tab order.
    assert tuple(build_report(generate(seed=3, customers=80)).sheet_names) == REPORT_SHEET_NAMES
    assert len(REPORT_SHEET_NAMES) == len(SHEET_BUILDERS) == 9


def test_user_sheets_named_cx_something_are_left_alone():
    sheets = (
        plain_sheet("Data", [["x"]]),
        plain_sheet("CX Budget", [["my budget", 123]]),
        plain_sheet("CX Surveys", [["old"]]),
        plain_sheet("CX Input", [["mine"]]),
        plain_sheet("CX CLV", [["old, not in this report"]]),
    )
    replay = _write(_report("CX Surveys"), *sheets)
    # Every sheet of cxexcel's names goes, also one this report does not write.
    assert replay.deleted == ["CX CLV", "CX Surveys"]
    assert replay.added == ["CX Surveys"]
    assert replay.sheet_names == ["Data", "CX Budget", "CX Surveys", "CX Input"]
    assert replay.on("CX Budget") == replay.on("CX Input") == replay.on("Data") == []
    assert [action["func"] for action in replay.on("CX CLV")] == ["sheetDelete"]


def test_a_report_sheet_not_of_cxexcels_names_is_refused_before_any_write():
    payload = book_payload(plain_sheet("Data"), plain_sheet("CX Old"))
    for name in ("Summary", "CX Old", "CX Budget"):
        book = remote_book(payload)
        with pytest.raises(ValueError, match="not one of cxexcel's sheets"):
            write_book(_report(name), book)
        assert book.json()["actions"] == []


def test_a_book_of_only_cx_sheets_is_refused_before_any_write():
    book = remote_book(book_payload(plain_sheet("CX Surveys"), plain_sheet("CX Summary")))
    with pytest.raises(SourceError, match="one other sheet"):
        write_book(_report(), book)
    assert book.json()["actions"] == []


def test_a_book_of_user_cx_sheets_has_room():
    replay = _write(_report(), plain_sheet("CX Budget"))
    assert replay.sheet_names == ["CX Budget", "CX Surveys"]
    assert replay.deleted == []


def test_a_user_sheet_named_like_a_report_sheet_but_for_case_is_refused():
    book = remote_book(book_payload(plain_sheet("Data"), plain_sheet("cx surveys")))
    with pytest.raises(SourceError, match="'cx surveys'"):
        write_book(_report(), book)
    assert book.json()["actions"] == []


def _responses_on(sheet: str, table: str = "Responses") -> dict:
    frame = pd.DataFrame({"date": ["2024-01-05"], "nps": [9]})
    return table_sheet(sheet, frame, table_name=table)


@pytest.mark.parametrize("table", ["Responses", "responses", "RESPONSES"])
def test_an_input_table_on_a_sheet_to_be_replaced_is_refused_before_any_write(table):
    payload = book_payload(plain_sheet("Data"), _responses_on("CX Summary", table))
    book = remote_book(payload)
    assert input_tables_on_owned_sheets(book, ["Responses"]) == [("CX Summary", table)]
    with pytest.raises(SourceError) as raised:
        write_book(_report(), book, input_tables=["Responses", "Targets"])
    assert f"'{table}'" in str(raised.value) and "'CX Summary'" in str(raised.value)
    assert book.json()["actions"] == []


def test_input_tables_elsewhere_or_other_tables_on_owned_sheets_do_not_stop_a_build():
    payload = book_payload(
        _responses_on("CX Input"),
        # A table that is not an input table on a sheet cxexcel owns: replaced.
        _responses_on("CX Summary", table="MyPivotSource"),
    )
    book = remote_book(payload)
    assert input_tables_on_owned_sheets(book, ["Responses"]) == []
    write_book(_report(), book, input_tables=["Responses"])
    replay = Replay(payload, book.json()["actions"])
    assert replay.deleted == ["CX Summary"]
    assert replay.sheet_names == ["CX Input", "CX Surveys"]


@given(
    st.dictionaries(
        st.tuples(st.integers(1, 8), st.integers(1, 6)),
        st.sampled_from(["a", "b", "c"]),
        max_size=40,
    )
)
def test_rectangles_cover_each_cell_once_with_its_value(cells):
    covered = {}
    for value, area in _rectangles(cells):
        for row in range(area.first_row, area.last_row + 1):
            for col in range(area.first_col, area.last_col + 1):
                assert (row, col) not in covered
                covered[(row, col)] = value
    assert covered == cells


def test_text_is_cleaned_as_the_file_writer_cleans_it():
    from cxexcel.report.model import MAX_TEXT, cell_text
    from cxexcel.report.xlwings_writer import excel_value

    raw = "bell\x07 tab\t" + "x" * (MAX_TEXT + 10)
    assert excel_value(raw) == cell_text(raw)
    assert excel_value(raw).startswith("bell tab\t") and len(excel_value(raw)) == MAX_TEXT
