"""The two writers agree: the openpyxl file and the xlwings writer's actions
on a remote Book (as Excel sends it) carry the same values and number
formats, cell by cell, on every sheet — and the same frozen panes,
conditional-format ranges and chart positions. Both shapes of the actions
are checked: xlwings' own actions (one per property and rectangle), and one
``cxFormatSheet`` call per sheet as the ribbon's Build sends them (the add-in's
JavaScript that applies it is checked in tests/excel/test_format_callback.py).

Values are compared the way Excel holds them: an action value ``'text`` is
the text ``text`` (the apostrophe is Excel's text marker, not part of the
value), an action value ``=...`` is a formula, an ISO date string is a
date; in the file, a cell of type ``f`` is a formula and ``s`` is text.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "excel"))

from remote_book import (  # noqa: E402
    FORMAT_CALLBACK,
    Replay,
    cell_name,
    payload_from_tables,
    remote_book,
)

from cxexcel.report import build_report, write_workbook  # noqa: E402
from cxexcel.report.xlwings_writer import write_book  # noqa: E402
from cxexcel.sample_data import generate  # noqa: E402

HYPERLINK = '=HYPERLINK("http://x","y")'
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2})?$")


@pytest.fixture(
    scope="module",
    params=[(7, None), (11, None), (7, FORMAT_CALLBACK), (11, FORMAT_CALLBACK)],
    ids=["seed7", "seed11", "seed7-callback", "seed11-callback"],
)
def both(request, tmp_path_factory):
    """The same report through both writers: (openpyxl workbook, replay of the actions)."""
    seed, format_callback = request.param
    tables = generate(seed=seed, customers=80)
    responses = tables["Responses"].copy()
    detractors = responses.index[responses["nps"] <= 6]
    responses.loc[responses.loc[detractors, "date"].idxmax(), "comment"] = HYPERLINK
    tables = {**tables, "Responses": responses}
    report = build_report(tables)
    path = tmp_path_factory.mktemp("parity") / "report.xlsx"
    write_workbook(report, path)
    payload = payload_from_tables(tables)
    book = remote_book(payload)
    write_book(report, book, format_callback=format_callback)
    return report, openpyxl.load_workbook(path), Replay(payload, book.json()["actions"])


def _from_file(cell) -> tuple[str, object] | None:
    value = cell.value
    if value is None or value == "":
        return None
    if cell.data_type == "f":
        return ("formula", str(value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return ("date", value.date().isoformat())
        return ("date", value.isoformat(sep=" "))
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    if isinstance(value, (int, float)):
        return ("number", float(value))
    return ("text", str(value))


def _from_action(value) -> tuple[str, object] | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if value.startswith("'"):
        return ("text", value[1:])
    if value.startswith("="):
        return ("formula", value)
    if _ISO.match(value):
        return ("date", value.replace("T", " "))
    return ("text", value)


def _file_cells(sheet) -> dict[str, tuple[str, object]]:
    return {
        cell.coordinate: kind
        for row in sheet.iter_rows()
        for cell in row
        if (kind := _from_file(cell)) is not None
    }


def test_same_sheets_in_the_same_order(both):
    report, workbook, replay = both
    assert workbook.sheetnames == report.sheet_names
    assert [name for name in replay.sheet_names if name.startswith("CX ")] == report.sheet_names


def test_same_values_cell_by_cell(both):
    report, workbook, replay = both
    for name in report.sheet_names:
        from_file = _file_cells(workbook[name])
        from_actions = {
            address: kind
            for address, value in replay.values.get(name, {}).items()
            if (kind := _from_action(value)) is not None
        }
        assert from_actions.keys() == from_file.keys(), name
        for address, expected in from_file.items():
            got = from_actions[address]
            if expected[0] == "number" and got[0] == "number":
                assert got[1] == pytest.approx(expected[1], rel=1e-12, abs=1e-12), (name, address)
            else:
                assert got == expected, (name, address)


def test_same_number_formats_cell_by_cell(both):
    report, workbook, replay = both
    for name in report.sheet_names:
        from_file = {
            cell.coordinate: cell.number_format
            for row in workbook[name].iter_rows()
            for cell in row
            if cell.number_format != "General"
        }
        from_actions = {
            address: fmt
            for address, fmt in replay.number_formats.get(name, {}).items()
            if fmt != "General"
        }
        assert from_actions == from_file, name


def test_same_fills_and_bold_cells(both):
    report, workbook, replay = both
    for name in report.sheet_names:
        styles = replay.styles.get(name, {})
        fills = {
            address: style["fill"].lstrip("#").upper()
            for address, style in styles.items()
            if "fill" in style
        }
        bold = {address for address, style in styles.items() if style.get("bold") is True}
        cells = [cell for row in workbook[name].iter_rows() for cell in row]
        file_fills = {
            cell.coordinate: cell.fill.fgColor.rgb[-6:].upper()
            for cell in cells
            if cell.fill.fill_type == "solid"
        }
        file_bold = {cell.coordinate for cell in cells if cell.font.b}
        assert fills == file_fills, name
        assert bold == file_bold, name


def test_same_fonts_alignment_and_wrapping(both):
    # Italic, size, font colour, alignment and wrapping: what the file sets
    # beyond Excel's defaults, the actions set on exactly those cells.
    report, workbook, replay = both
    for name in report.sheet_names:
        from_file = {}
        for row in workbook[name].iter_rows():
            for cell in row:
                look = {}
                if cell.font.i:
                    look["italic"] = True
                if cell.font.sz is not None and cell.font.sz != 11:
                    look["size"] = float(cell.font.sz)
                color = cell.font.color
                if color is not None and color.type == "rgb" and color.rgb != "FF000000":
                    look["color"] = "#" + color.rgb[-6:].upper()
                if cell.alignment.horizontal:
                    look["horizontalAlignment"] = cell.alignment.horizontal.capitalize()
                if cell.alignment.wrap_text:
                    look["wrapText"] = True
                if look:
                    from_file[cell.coordinate] = look
        from_actions = {}
        for address, style in replay.styles.get(name, {}).items():
            look = {
                key: float(value) if key == "size" else value
                for key, value in style.items()
                if key in ("italic", "size", "color", "horizontalAlignment", "wrapText")
            }
            if "color" in look:
                look["color"] = look["color"].upper()
            if look:
                from_actions[address] = look
        assert from_actions == from_file, name


def test_formula_like_comment_is_text_in_both(both):
    report, workbook, replay = both
    in_file = [
        (sheet.title, cell.coordinate, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == HYPERLINK
    ]
    assert in_file and all(data_type == "s" for _, _, data_type in in_file)
    for name, address, _ in in_file:
        assert replay.values[name][address] == "'" + HYPERLINK


def test_same_frozen_panes(both):
    report, workbook, replay = both
    for name in report.sheet_names:
        frozen = [a["args"][0] for a in replay.on(name) if a["func"] == "freezePaneAtRange"]
        top_left = workbook[name].freeze_panes
        assert _scroll_start(frozen) == top_left, name


def test_same_conditional_format_ranges(both):
    report, workbook, replay = both
    for name in report.sheet_names:
        in_file = sorted(
            str(rng)
            for rule in workbook[name].conditional_formatting
            for rng in [rule.sqref]
            for _ in rule.rules
        )
        in_actions = sorted(
            _area(a) for a in replay.on(name) if a["func"] == "addConditionalFormat"
        )
        assert in_actions == in_file, name


def test_charts_draw_the_file_series_from_the_first(both):
    """Each chart shows the file's series, values, names and categories —
    all of them where they sit in neighbouring columns, else those up to the
    first gap (see ``chart_series_drawn``)."""
    report, workbook, replay = both
    for name in report.sheet_names:
        drawn = _drawn_series(replay.on(name))
        for chart in workbook[name]._charts:
            in_file = _file_series(chart)
            in_book = drawn[_anchor(chart)]
            assert in_book and in_book == in_file[: len(in_book)], (name, _anchor(chart))


def test_every_chart_is_drawn_with_all_its_series(both):
    """The builder lays each chart's series side by side, so none is left out."""
    report, workbook, replay = both
    for name in report.sheet_names:
        drawn = _drawn_series(replay.on(name))
        for chart in workbook[name]._charts:
            assert drawn[_anchor(chart)] == _file_series(chart), (name, _anchor(chart))


def test_same_chart_anchors(both):
    report, workbook, replay = both
    for name in report.sheet_names:
        in_file = sorted(
            cell_name(chart.anchor._from.row, chart.anchor._from.col)
            for chart in workbook[name]._charts
        )
        in_actions = sorted(
            a["args"][9].replace("$", "") for a in replay.on(name) if a["func"] == "addChart"
        )
        assert in_actions == in_file, name


def _drawn_series(actions: list[dict]) -> dict[str, list[tuple[str, str, str]]]:
    """Chart anchor -> (values, name, categories) per series, as Excel reads the actions:
    one series per column of the source, named by its header cell when the
    source starts above the categories."""
    charts, added = {}, []
    for action in actions:
        if action["func"] == "addChart":
            added.append(action)
        elif action["func"] == "setChartXAxisValues":
            source = added[action["args"][0]]
            categories = action["args"][2]
            first_row, last_row = re.findall(r"\$(\d+)", categories)
            top_col, top_row, last_col, _ = re.fullmatch(
                r"\$([A-Z]+)\$(\d+):?\$?([A-Z]*)\$?(\d*)", source["args"][3]
            ).groups()
            has_header = int(top_row) < int(first_row)
            series = []
            for number in range(_column_number(top_col), _column_number(last_col or top_col) + 1):
                col = cell_name(0, number - 1)[:-1]
                series.append(
                    (
                        f"${col}${first_row}:${col}${last_row}",
                        f"${col}${top_row}" if has_header else None,
                        categories,
                    )
                )
            charts[source["args"][9].replace("$", "")] = series
    return charts


def _file_series(chart) -> list[tuple[str, str, str]]:
    def local(ref):
        return None if ref is None else ref.split("!")[-1]

    return [
        (
            local(item.val.numRef.f),
            local(item.tx.strRef.f) if item.tx is not None and item.tx.strRef is not None else None,
            local((item.cat.numRef or item.cat.strRef).f),
        )
        for item in chart.series
    ]


def _anchor(chart) -> str:
    return cell_name(chart.anchor._from.row, chart.anchor._from.col)


def _area(action: dict) -> str:
    top, left = action["start_row"], action["start_column"]
    first = cell_name(top, left)
    if action["row_count"] == 1 and action["column_count"] == 1:
        return first
    return f"{first}:{cell_name(top + action['row_count'] - 1, left + action['column_count'] - 1)}"


def _scroll_start(frozen: list[str]) -> str | None:
    """The first scrolling cell (openpyxl's ``freeze_panes``) for a ``freezePaneAtRange``."""
    if not frozen:
        return None
    (area,) = frozen
    last = area.split(":")[-1]
    if last.isdigit():  # rows "1:3"
        return f"A{int(last) + 1}"
    if last.isalpha():  # columns "A:B"
        return cell_name(0, _column_number(last))
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", last).groups()
    return cell_name(int(digits), _column_number(letters))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def test_same_excel_tables(both):
    report, workbook, replay = both
    in_file = {
        (ws.title, table.displayName, table.ref, table.tableStyleInfo.name)
        for ws in workbook.worksheets
        for table in ws.tables.values()
    }
    from_actions = set()
    for name in report.sheet_names:
        for action in replay.on(name):
            if action["func"] == "addTable":
                address, has_headers, style, table = action["args"]
                assert has_headers is True
                from_actions.add((name, table, address.replace("$", ""), style))
    assert in_file == from_actions
    assert {t[1] for t in in_file} == {"CX_Detractors", "CX_Lost_MRR"}
