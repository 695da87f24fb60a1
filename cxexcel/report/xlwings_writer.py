"""Render a :class:`~cxexcel.report.model.Report` into an open xlwings Book.

The twin of the openpyxl writer: same model, same three passes (cells,
conditional formats, charts, plus the sheet settings), but into a live
workbook — Excel on the desktop through classic xlwings, or Excel on
Windows, Mac and the web through xlwings Server, where ``book`` is the
remote Book and every write becomes an action that the add-in applies.

Ownership: the sheets named exactly like the builder's sheets
(:data:`REPORT_SHEET_NAMES`: ``CX Summary``, ``CX Surveys``, ``CX Revenue``,
``CX Customers``, ``CX Cohorts``, ``CX CLV``) belong to cxexcel, whatever
they hold. :func:`write_book` deletes those and writes the report's sheets
where the first of them stood (at the end of the workbook the first time).
No other sheet — also none of the user's that merely starts with ``CX``,
such as ``CX Budget`` — is read, written, moved or renamed. Before deleting
anything it refuses when one of those sheets holds an input table (the
tables the report was just built from would be lost).

Writes are batched, since on Excel on the web every action is a round trip:
all values of a sheet are one 2-D write (empty cells included); number
formats and styles go out once per rectangle of cells that share them, and
column widths once per run of neighbouring columns of the same width. With
xlwings' own actions that is still one action per property and rectangle;
given ``format_callback`` (the cxexcel add-in's :data:`SHEET_FORMAT_CALLBACK`,
as the ribbon's Build passes it), the number formats, styles and column widths
of a whole sheet go out as one action instead (:func:`sheet_formats`), which
the add-in's JavaScript applies in a single round trip.

Text from the data never becomes a formula. A string that Excel would not
keep as that exact text when typed — one starting with ``=``, ``+``, ``-``,
``@`` or ``'``, or one that reads as a number, date, time, boolean or error
code (``007``, ``1/2``, ``TRUE``, ``#N/A``) — is written with a leading
apostrophe, Excel's text marker: the cell then holds the string itself, as
text. Only a :class:`~cxexcel.report.model.Formula` is written as a formula.

What the remote (Office.js) engine cannot do, and what is done instead:

* tab colours: Office.js' xlwings actions have no tab colour, so
  :attr:`Sheet.tab_color <cxexcel.report.model.Sheet.tab_color>` is left
  out on every engine (the sheets look the same on every route);
* series colours: the remote engine cannot address a new chart's series
  before the next round trip, so there they keep Excel's colours (desktop
  Excel and the file get the model's); dashed lines are the file's only;
* print settings (landscape, one page wide, header rows repeated on every
  page) and category labels placed below the plot: xlwings' actions have
  none of them, so the file alone carries them;
* a chart is drawn from one rectangle of neighbouring series columns; a
  series the model places further right, past a column that is not one of
  the chart's, is left out, since the remote engine has no action that adds
  a series to a chart (:func:`chart_series_drawn`);
* chart series are named by the header cell above their values (the
  builder's tables have one); a series without one keeps Excel's default
  name on the remote engine, which cannot address a new chart's series;
* column widths are in points there, characters on the desktop: widths from
  the model (characters) are converted with Excel's default-font rule,
  ``points = (7 * characters + 5) * 0.75``.
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping

from ..errors import SourceError
from ..tables.schema import normalise_name
from . import model
from .build import SHEET_BUILDERS
from .model import (
    Cell,
    CellRange,
    CellStyle,
    CellValueRule,
    Chart,
    ColorScale,
    DataBar,
    Formula,
    Report,
    Sheet,
)

__all__ = [
    "REPORT_SHEET_NAMES",
    "SHEET_FORMAT_CALLBACK",
    "write_book",
    "sheet_formats",
    "owned_sheet_names",
    "input_tables_on_owned_sheets",
    "input_table_problems",
    "excel_value",
    "column_points",
    "chart_series_drawn",
]

#: The sheets cxexcel owns: every name the builder can produce, in tab order
#: (each sheet module's ``NAME``, in the order of ``build.SHEET_BUILDERS``).
#: A sheet of one of these names is replaced on every run, whatever it holds;
#: no other sheet is touched.
REPORT_SHEET_NAMES: tuple[str, ...] = tuple(
    sys.modules[builder.__module__].NAME for builder in SHEET_BUILDERS
)

#: The JavaScript function the cxexcel add-in registers with xlwings
#: (``cxFormatSheet`` in ``cxexcel/addin/static/js/ribbon.js``): called
#: through ``book.app.macro(...)`` with :func:`sheet_formats` of one sheet, it
#: applies them all and syncs once.
SHEET_FORMAT_CALLBACK = "cxFormatSheet"

_CHART_TYPES = {
    "column": "column_clustered",
    "bar": "bar_clustered",
    "line": "line_markers",
    "stacked_column": "column_stacked",
}

_OPERATORS = {
    "equal": "equal_to",
    "notEqual": "not_equal_to",
    "greaterThan": "greater_than",
    "greaterThanOrEqual": "greater_than_or_equal",
    "lessThan": "less_than",
    "lessThanOrEqual": "less_than_or_equal",
    "between": "between",
}

# Strings that Excel, like a user typing them, would turn into something
# other than that text: numbers (also with currency, thousands separators,
# percent or an exponent), dates and times, booleans and error codes.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_NOT_KEPT_AS_TEXT = re.compile(
    r"""^\s*(?:
        \(?[-+]?[$€£¥]?\s*(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*%?\)?
      | \d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:[ap]m?)?
      | \d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]m?)?
      | \d{1,2}[-\s/]+"""
    + _MONTH
    + r"""(?:[-\s/,]+\d{1,4})?
      | """
    + _MONTH
    + r"""[-\s/]+\d{1,4}(?:[-\s/,]+\d{1,4})?
      | true | false
      | \#(?:null!|div/0!|value!|ref!|name\?|num!|n/a|getting_data|spill!|calc!|field!|blocked!|connect!|busy!|unknown!)
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def owned_sheet_names(book) -> list[str]:
    """Names of the sheets in ``book`` that cxexcel owns (:data:`REPORT_SHEET_NAMES`), in tab order."""
    return [sheet.name for sheet in book.sheets if sheet.name in REPORT_SHEET_NAMES]


def input_tables_on_owned_sheets(book, tables: Collection[str]) -> list[tuple[str, str]]:
    """(sheet, table) for each input table in ``tables`` that lives on a sheet
    :func:`write_book` would replace.

    ``tables`` are the names of the input tables read from ``book`` (the keys
    of :func:`cxexcel.tables.read_tables`). Names match as the reader matches
    them (case, spaces, ``_`` and ``-`` ignored): an Excel Table of such a
    name, or the owned sheet itself when it is named like one.
    """
    wanted = {normalise_name(name): name for name in tables}
    found = []
    for sheet in book.sheets:
        if sheet.name not in REPORT_SHEET_NAMES:
            continue
        if normalise_name(sheet.name) in wanted:
            found.append((sheet.name, wanted[normalise_name(sheet.name)]))
        for table in sheet.tables:
            if normalise_name(table.name) in wanted:
                found.append((sheet.name, table.name))
    return found


def input_table_problems(book, tables: Collection[str]) -> list[SourceError]:
    """One error per input table on a sheet :func:`write_book` would replace,
    naming the sheet and the table (empty when there is none)."""
    return [
        SourceError(
            f"the input table {table!r} is on the sheet {sheet!r}, which cxexcel "
            "replaces with its metric sheet of that name; move the table to another "
            "sheet or rename the sheet",
            table=table,
        )
        for sheet, table in input_tables_on_owned_sheets(book, tables)
    ]


def excel_value(value: model.CellValue) -> object:
    """A model value as it is handed to xlwings for a cell.

    A :class:`Formula` becomes its text; text loses control characters and
    is cut at :data:`model.MAX_TEXT` characters, and text that Excel would not
    keep as it is gets the ``'`` text marker; NaN and infinities become
    empty cells; everything else passes through (xlwings converts dates).
    """
    if isinstance(value, Formula):
        return value.text
    value = model.clean_value(value)
    if isinstance(value, str):
        value = model.cell_text(value)
        return "'" + value if _needs_text_marker(value) else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _needs_text_marker(text: str) -> bool:
    return (
        model.looks_like_formula(text)
        or text.startswith("'")
        or bool(_NOT_KEPT_AS_TEXT.match(text))
    )


def column_points(characters: float) -> float:
    """Width in points of a column ``characters`` wide in Excel's default font."""
    return round((7 * characters + 5) * 0.75, 2)


def write_book(
    report: Report,
    book,
    input_tables: Collection[str] = (),
    *,
    format_callback: str | None = None,
) -> None:
    """Replace cxexcel's sheets in ``book`` with the sheets of ``report``.

    Every existing sheet named like one of :data:`REPORT_SHEET_NAMES` is
    deleted (also one this report no longer has), then the report's sheets
    are added in order at the place of the first deleted one (or at the end)
    and the first of them is activated. Every other sheet is left exactly as
    it was. ``book`` is an ``xlwings.Book`` on any engine.

    ``input_tables`` names the input tables the report was read from (the
    keys of :func:`cxexcel.tables.read_tables` for ``book``).

    ``format_callback`` names a JavaScript function registered in the add-in
    that applies :func:`sheet_formats` (:data:`SHEET_FORMAT_CALLBACK` in
    cxexcel's add-in): on a remote Book each sheet's cell formats and column
    widths then go out as one action rather than one per property and
    rectangle. ``None`` (the default) uses xlwings' own actions, which every
    add-in understands; on classic desktop Excel it is ignored.

    Raises :class:`~cxexcel.errors.SourceError`, before changing anything,
    when the report cannot go into this workbook: one of the sheets to be
    replaced holds one of ``input_tables``
    (:func:`input_tables_on_owned_sheets`); every sheet is one of cxexcel's
    (Excel keeps at least one sheet); or a sheet of the user's is named like
    a report sheet apart from case (``cx summary``), which Excel counts as
    the same name. Raises ``ValueError`` for a report sheet whose name is not
    one of :data:`REPORT_SHEET_NAMES`.
    """
    for sheet in report.sheets:
        if sheet.name not in REPORT_SHEET_NAMES:
            raise ValueError(
                f"report sheet {sheet.name!r} is not one of cxexcel's sheets {REPORT_SHEET_NAMES}"
            )
    _check_inputs(book, input_tables)
    _check_room(report, [sheet.name for sheet in book.sheets])
    previous = _remove_owned_sheets(book)
    written = []
    for sheet in report.sheets:
        if previous is None:
            target = book.sheets.add(sheet.name, before=book.sheets[0])
        else:
            target = book.sheets.add(sheet.name, after=previous)
        remote = _is_remote(book)
        _write_sheet(sheet, target, remote, format_callback if remote else None)
        written.append(target)
        previous = target
    if written:
        written[0].activate()


def _check_inputs(book, input_tables: Collection[str]) -> None:
    problems = input_table_problems(book, input_tables)
    if problems:
        raise SourceError("; ".join(str(problem) for problem in problems))


def _check_room(report: Report, names: list[str]) -> None:
    kept = [name for name in names if name not in REPORT_SHEET_NAMES]
    if not kept:
        raise SourceError(
            "every sheet of the workbook is one of cxexcel's metric sheets; "
            "Excel needs one other sheet to keep while they are replaced"
        )
    wanted = {name.casefold(): name for name in report.sheet_names}
    for name in kept:
        if name.casefold() in wanted:
            raise SourceError(
                f"the sheet {name!r} has the name of the metric sheet "
                f"{wanted[name.casefold()]!r} (Excel ignores case); rename it"
            )


def _remove_owned_sheets(book):
    """Delete the owned sheets; return the sheet new ones go after (None: at the front)."""
    sheets = list(book.sheets)
    owned = [sheet for sheet in sheets if sheet.name in REPORT_SHEET_NAMES]
    kept = [sheet.name for sheet in sheets if sheet.name not in REPORT_SHEET_NAMES]
    if not owned:
        return book.sheets[kept[-1]]
    before_first = [sheet.name for sheet in sheets[: owned[0].index - 1]]
    # Delete from the back, so that positions of the sheets still to go stay valid.
    for sheet in reversed(owned):
        sheet.delete()
    return book.sheets[before_first[-1]] if before_first else None


def _is_remote(book) -> bool:
    """True on xlwings Server and Lite (Office.js), False on classic desktop xlwings."""
    return book.app.engine.name != "excel"


def _write_sheet(sheet: Sheet, target, remote: bool, format_callback: str | None) -> None:
    cells = sheet.cell_map()
    if cells:
        _write_values(target, cells)
    if format_callback is not None:
        formats = sheet_formats(sheet)
        if formats["numberFormats"] or formats["styles"] or formats["columnWidths"]:
            target.book.app.macro(format_callback)(formats)
    else:
        _write_formats(sheet, cells, target, remote)
    if sheet.freeze is not None:
        frozen = _frozen_range(*sheet.freeze)
        if frozen:
            target.freeze_panes.freeze_at(frozen)
    for rule in sheet.conditional_formats:
        _add_conditional_format(target, rule)
    names: set[str] = set()
    for chart in sheet.charts:
        _add_chart(target, chart, names, remote)
    for table in sheet.excel_tables:
        target.tables.add(
            source=target.range(table.area.address),
            name=table.excel_table,
            table_style_name=model.EXCEL_TABLE_STYLE,
            has_headers=True,
        )


def _write_formats(sheet: Sheet, cells: Mapping[tuple[int, int], Cell], target, remote: bool):
    """Number formats, styles and column widths with xlwings' own actions."""
    formats = {key: cell.number_format for key, cell in cells.items() if cell.number_format}
    for number_format, area in _rectangles(formats):
        target.range(area.address).number_format = number_format
    styles = {key: cell.style for key, cell in cells.items() if _has_effect(cell.style)}
    for style, area in _rectangles(styles):
        _apply_style(target.range(area.address), style, area)
    for first, last, width in _width_runs(sheet.column_widths):
        # Office.js measures column widths in points, desktop Excel in characters.
        target.range(_columns(first, last)).column_width = column_points(width) if remote else width


def sheet_formats(sheet: Sheet) -> dict:
    """The number formats, styles and column widths of ``sheet`` in one
    JSON-ready description, for the add-in's :data:`SHEET_FORMAT_CALLBACK`.

    Cells sharing a format are covered by rectangles, as with xlwings' own
    actions, and rectangles of one format are listed together::

        {"sheet": "CX Summary",
         "numberFormats": [{"format": "0.0%", "ranges": ["B5", "C5:C9"]}],
         "styles": [{"style": {"bold": True, "color": "#FFFFFF",
                               "fill": "#1F3864"}, "ranges": ["A3:F3"]}],
         "columnWidths": [{"columns": "A:A", "points": 129.75}]}

    Style keys are Office.js' names: ``bold``, ``italic``, ``size``,
    ``color`` (font), ``fill``, ``horizontalAlignment``,
    ``verticalAlignment``, ``wrapText`` and ``borders`` (the sides that get a
    continuous line); widths are in points (:func:`column_points`).
    """
    cells = sheet.cell_map()
    number_formats: dict[str, list[str]] = defaultdict(list)
    for number_format, area in _rectangles(
        {key: cell.number_format for key, cell in cells.items() if cell.number_format}
    ):
        number_formats[number_format].append(area.address)
    styles: dict[tuple, list[str]] = defaultdict(list)
    for style, area in _rectangles(
        {key: cell.style for key, cell in cells.items() if _has_effect(cell.style)}
    ):
        office = _office_style(style, area)
        styles[tuple(sorted((key, _hashable(value)) for key, value in office.items()))].append(
            area.address
        )
    return {
        "sheet": sheet.name,
        "numberFormats": [
            {"format": number_format, "ranges": ranges}
            for number_format, ranges in number_formats.items()
        ],
        "styles": [
            {"style": {key: _listed(value) for key, value in style}, "ranges": ranges}
            for style, ranges in styles.items()
        ],
        "columnWidths": [
            {"columns": _columns(first, last), "points": column_points(width)}
            for first, last, width in _width_runs(sheet.column_widths)
        ],
    }


def _office_style(style: CellStyle, area: CellRange) -> dict:
    """``style`` in Office.js' vocabulary, as :func:`_apply_style` writes it."""
    office: dict = {}
    if style.bold:
        office["bold"] = True
    if style.italic:
        office["italic"] = True
    if style.size is not None:
        office["size"] = style.size
    if style.color is not None:
        office["color"] = "#" + style.color
    if style.fill is not None:
        office["fill"] = "#" + style.fill
    if style.align is not None:
        office["horizontalAlignment"] = style.align.capitalize()
    if style.wrap:
        office["wrapText"] = True
    if style.align is not None or style.wrap:
        office["verticalAlignment"] = "Top"
    if style.border_bottom:
        office["borders"] = ["EdgeBottom"] + (["InsideHorizontal"] if area.rows > 1 else [])
    return office


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _listed(value):
    return list(value) if isinstance(value, tuple) else value


def _columns(first: int, last: int) -> str:
    return f"{model.column_letter(first)}:{model.column_letter(last)}"


def _write_values(target, cells: Mapping[tuple[int, int], Cell]) -> None:
    """One 2-D write covering every cell of the sheet (the cells between them empty)."""
    top = min(row for row, _ in cells)
    left = min(col for _, col in cells)
    bottom = max(row for row, _ in cells)
    right = max(col for _, col in cells)
    grid = [
        [
            excel_value(cells[(row, col)].value) if (row, col) in cells else None
            for col in range(left, right + 1)
        ]
        for row in range(top, bottom + 1)
    ]
    target.range(CellRange(top, left, bottom, right).address).value = grid


def _width_runs(widths: Mapping[int, float]) -> list[tuple[int, int, float]]:
    """(first column, last column, width) for each run of neighbouring columns of one width."""
    runs: list[tuple[int, int, float]] = []
    for column, width in sorted(widths.items()):
        if runs and runs[-1][1] == column - 1 and runs[-1][2] == width:
            runs[-1] = (runs[-1][0], column, width)
        else:
            runs.append((column, column, width))
    return runs


def _rectangles(
    values: Mapping[tuple[int, int], Hashable],
) -> list[tuple[Hashable, CellRange]]:
    """Cover the cells with rectangles of equal value: runs down each column,
    then runs that repeat in neighbouring columns joined side by side."""
    by_column: dict[int, list[int]] = defaultdict(list)
    for row, col in values:
        by_column[col].append(row)
    runs: dict[tuple[Hashable, int, int], list[int]] = defaultdict(list)
    for col, rows in by_column.items():
        rows.sort()
        start = previous = rows[0]
        for row in rows[1:] + [None]:
            if (
                row is not None
                and row == previous + 1
                and values[(row, col)] == values[(start, col)]
            ):
                previous = row
                continue
            runs[(values[(start, col)], start, previous)].append(col)
            if row is not None:
                start = previous = row
    out = []
    for (value, first_row, last_row), cols in runs.items():
        cols.sort()
        first = last = cols[0]
        for col in cols[1:] + [None]:
            if col is not None and col == last + 1:
                last = col
                continue
            out.append((value, CellRange(first_row, first, last_row, last)))
            if col is not None:
                first = last = col
    out.sort(key=lambda item: (item[1].first_row, item[1].first_col))
    return out


def _has_effect(style: CellStyle | None) -> bool:
    return style is not None and style != CellStyle()


def _apply_style(rng, style: CellStyle, area: CellRange) -> None:
    if style.bold:
        rng.font.bold = True
    if style.italic:
        rng.font.italic = True
    if style.size is not None:
        rng.font.size = style.size
    if style.color is not None:
        rng.font.color = "#" + style.color
    if style.fill is not None:
        rng.color = "#" + style.fill
    if style.align is not None:
        rng.horizontal_alignment = style.align
    if style.wrap:
        rng.wrap_text = True
    if style.align is not None or style.wrap:
        # Aligned and wrapped text sits at the top, as in the file writer.
        rng.vertical_alignment = "top"
    if style.border_bottom:
        # Every cell of the rectangle gets its bottom border, as in the file writer.
        sides = ["edge_bottom"] + (["inside_horizontal"] if area.rows > 1 else [])
        rng.borders.set(sides, line_style="continuous")


def _frozen_range(row: int, col: int) -> str | None:
    """The frozen cells for a scrolling area starting at ``(row, col)``."""
    if row > 1 and col > 1:
        return f"A1:{model.address(row - 1, col - 1)}"
    if row > 1:
        return f"1:{row - 1}"
    if col > 1:
        letter = model.column_letter(col - 1)
        return f"A:{letter}"
    return None


def _add_conditional_format(target, rule: model.ConditionalFormat) -> None:
    formats = target.range(rule.range.address).conditional_formats
    if isinstance(rule, DataBar):
        formats.add_data_bar(
            "#" + rule.color,
            minimum=rule.minimum,
            maximum=rule.maximum,
            threshold_type="number",
        )
    elif isinstance(rule, ColorScale):
        colors = ["#" + rule.low_color, "#" + rule.mid_color, "#" + rule.high_color]
        if rule.mid_percentile == 50:
            formats.add_color_scale(colors)
        else:
            # Percentiles 0 and 100 are the lowest and highest values.
            formats.add_color_scale(
                colors, thresholds=[0, rule.mid_percentile, 100], threshold_type="percentile"
            )
    elif isinstance(rule, CellValueRule):
        operands = rule.formula_values()
        formats.add_cell_value(
            _OPERATORS[rule.operator],
            operands[0],
            operands[1] if len(operands) > 1 else None,
            fill_color="#" + rule.fill,
            font_color=None if rule.font_color is None else "#" + rule.font_color,
        )
    else:
        raise TypeError(f"unknown conditional format {rule!r}")


def _add_chart(target, chart: Chart, names: set[str], remote: bool) -> None:
    source, has_header, drawn = _chart_source(chart)
    made = target.charts.add(
        chart_type=_CHART_TYPES[chart.kind],
        source=target.range(source.address),
        plot_by="columns",
        name=_unique(chart.title or "Chart", names),
        anchor=target.range(chart.anchor_address),
        width=chart.width,
        height=chart.height,
    )
    # Set explicitly: numeric categories (NPS scores 0-10) would otherwise be
    # taken for a series of their own.
    made.set_x_axis_values(target.range(chart.categories.address))
    made.title = chart.title
    if not has_header and not remote:
        # Remote engines cannot address a chart's series before the next round
        # trip; there, series without a header cell keep Excel's names.
        for number, series in enumerate(chart.series[:drawn]):
            made.series[number].name = series.name
    if len(chart.series) == 1:
        made.legend.visible = False
    if chart.x_title:
        made.category_axis.title = chart.x_title
    value_axis = {
        name: value
        for name, value in (
            ("title", chart.y_title),
            ("number_format", chart.y_number_format),
            ("minimum_scale", chart.y_min),
            ("maximum_scale", chart.y_max),
        )
        if value is not None
    }
    if value_axis:
        # One action for all of the axis' settings.
        made.value_axis.set(**value_axis)
    if not remote:
        for number, series in enumerate(chart.series[:drawn]):
            if series.color is not None:
                color = "#" + series.color
                if chart.kind == "line":
                    made.series[number].line_color = color
                else:
                    made.series[number].fill_color = color


def _chart_source(chart: Chart) -> tuple[CellRange, bool, int]:
    """The range a chart is drawn from, whether it starts with a header row
    naming the series, and how many of the model's series it holds.

    A chart's source is one rectangle: a block of neighbouring columns, one
    series each, which Excel reads into exactly those series. Series of the
    model that lie further right, beyond a column that is not one of them,
    cannot join that rectangle — xlwings has no action to add a series to a
    chart on the remote engine — so the chart shows the series up to there
    (see :func:`chart_series_drawn`).
    """
    cats = chart.categories
    first = chart.series[0].values
    drawn = chart_series_drawn(chart)
    if drawn == 0:
        raise ValueError(
            f"chart {chart.title!r}: its first series must be one column as long as its categories"
        )
    series = chart.series[:drawn]
    has_header = first.first_row > 1 and all(
        item.name_ref is not None
        and (item.name_ref.first_row, item.name_ref.first_col)
        == (first.first_row - 1, item.values.first_col)
        for item in series
    )
    top = first.first_row - 1 if has_header else first.first_row
    last_col = series[-1].values.first_col
    return CellRange(top, first.first_col, cats.last_row, last_col), has_header, drawn


def chart_series_drawn(chart: Chart) -> int:
    """How many of ``chart``'s series, from the first, the xlwings writer draws:
    those in neighbouring single columns beside each other, each as long as
    the categories. The builder lays every chart out so that this is all of them.
    """
    cats = chart.categories
    count = 0
    for number, series in enumerate(chart.series):
        values = series.values
        if values.cols != 1 or (values.first_row, values.last_row) != (
            cats.first_row,
            cats.last_row,
        ):
            break
        if number and values.first_col != chart.series[number - 1].values.first_col + 1:
            break
        count += 1
    return count


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name[:250], 2
    while candidate.casefold() in taken:
        candidate, number = f"{name[:245]} ({number})", number + 1
    taken.add(candidate.casefold())
    return candidate
