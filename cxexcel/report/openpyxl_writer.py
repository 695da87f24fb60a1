"""Render a :class:`~cxexcel.report.model.Report` to an .xlsx file with openpyxl.

The headless twin of the xlwings writer: the same three passes per sheet
(cells, conditional formats, charts) plus the sheet settings, and no layout
decisions — every position, format and colour comes from the model.

* Text is always written as text: a ``str`` that starts with ``=``, ``+``,
  ``-`` or ``@`` gets ``data_type = "s"`` and the quote prefix, so it is
  stored as a shared string and never as a formula. Only
  :class:`~cxexcel.report.model.Formula` becomes a formula.
* Characters that XML cannot hold (control characters) are dropped from
  text, and text is cut at Excel's 32,767-character cell limit.
* The file is written atomically: to a temporary file in the destination
  folder, then moved over the destination with ``os.replace``. A failure
  leaves the destination as it was.
* Every formula carries its result, as Excel saves it: openpyxl stores
  formulas without one, so readers that do not calculate (pandas, openpyxl's
  ``data_only``, file previews, viewers) would show blanks. The writer puts
  each :class:`~cxexcel.report.model.Formula`'s ``expected`` value (computed
  by the metric core) into the saved sheet as the formula's cached result,
  and the workbook still asks the application to recalculate on load, so
  Excel and LibreOffice show their own results and keep them live (a
  changed target moves Progress and Status).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.series import SeriesLabel, StrRef
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableStyleInfo

from .model import (
    EXCEL_TABLE_STYLE,
    Cell,
    CellStyle,
    CellValueRule,
    Chart,
    ColorScale,
    DataBar,
    Formula,
    Report,
    Sheet,
    cell_text,
    column_letter,
    looks_like_formula,
)

__all__ = ["write_workbook", "workbook_bytes", "render_workbook", "formula_results"]

POINTS_PER_CM = 72 / 2.54

_OPERATORS = {
    "equal": "equal",
    "notEqual": "notEqual",
    "greaterThan": "greaterThan",
    "greaterThanOrEqual": "greaterThanOrEqual",
    "lessThan": "lessThan",
    "lessThanOrEqual": "lessThanOrEqual",
    "between": "between",
}


def write_workbook(report: Report, path: str | os.PathLike) -> Path:
    """Write ``report`` to ``path`` (.xlsx) atomically; returns the path."""
    target = Path(path)
    content = workbook_bytes(report)
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        Path(temporary).write_bytes(content)
        _default_permissions(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def workbook_bytes(report: Report) -> bytes:
    """The .xlsx file of ``report``, with every formula's result cached in it."""
    content = io.BytesIO()
    render_workbook(report).save(content)
    return _cache_formula_results(content.getvalue(), report)


def render_workbook(report: Report) -> Workbook:
    """The report as an in-memory openpyxl Workbook (one worksheet per sheet)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "cxexcel"
    workbook.calculation.fullCalcOnLoad = True
    styles = _StyleCache()
    for sheet in report.sheets:
        _render_sheet(workbook.create_sheet(sheet.name), sheet, styles)
    if not report.sheets:
        workbook.create_sheet("CX Summary")
    return workbook


def _render_sheet(ws, sheet: Sheet, styles: _StyleCache) -> None:
    for cell in sheet.cells():
        _write_cell(ws, cell, styles)
    for rule in sheet.conditional_formats:
        _add_conditional_format(ws, rule)
    for chart in sheet.charts:
        _add_chart(ws, sheet.name, chart)
    for table in sheet.excel_tables:
        ws.add_table(
            ExcelTable(
                displayName=table.excel_table,
                ref=table.area.address,
                tableStyleInfo=TableStyleInfo(name=EXCEL_TABLE_STYLE, showRowStripes=False),
            )
        )
    for col, width in sheet.column_widths.items():
        ws.column_dimensions[column_letter(col)].width = width
    if sheet.freeze is not None:
        ws.freeze_panes = ws.cell(*sheet.freeze)
    if sheet.tab_color:
        ws.sheet_properties.tabColor = sheet.tab_color
    if sheet.landscape:
        ws.page_setup.orientation = "landscape"
    if sheet.fit_to_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if sheet.print_title_rows is not None:
        first, last = sheet.print_title_rows
        ws.print_title_rows = f"{first}:{last}"


def _write_cell(ws, spec: Cell, styles: _StyleCache) -> None:
    value = spec.value
    cell = ws.cell(row=spec.row, column=spec.col)
    if isinstance(value, Formula):
        cell.value = value.text
    elif isinstance(value, str):
        text = cell_text(value)
        cell.value = text
        # openpyxl would type "=..." as a formula; data is never a formula.
        cell.data_type = "s"
        if looks_like_formula(text):
            cell.quotePrefix = True
    elif isinstance(value, dt.datetime) and value.tzinfo is not None:
        cell.value = value.replace(tzinfo=None)
    else:
        cell.value = value
    if spec.number_format:
        cell.number_format = spec.number_format
    if spec.style is not None:
        styles.apply(cell, spec.style)


class _StyleCache:
    """One set of openpyxl style objects per model style (they are immutable)."""

    def __init__(self):
        self._cache: dict[CellStyle, tuple] = {}

    def apply(self, cell, style: CellStyle) -> None:
        parts = self._cache.get(style)
        if parts is None:
            parts = self._cache[style] = self._make(style)
        font, fill, alignment, border = parts
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if border is not None:
            cell.border = border

    @staticmethod
    def _make(style: CellStyle) -> tuple:
        font = None
        if style.bold or style.italic or style.size or style.color:
            font = Font(bold=style.bold, italic=style.italic, size=style.size, color=style.color)
        fill = (
            PatternFill("solid", start_color=style.fill, end_color=style.fill)
            if style.fill
            else None
        )
        alignment = None
        if style.align or style.wrap:
            alignment = Alignment(horizontal=style.align, wrap_text=style.wrap, vertical="top")
        border = Border(bottom=Side(style="thin")) if style.border_bottom else None
        return font, fill, alignment, border


def _add_conditional_format(ws, rule) -> None:
    where = rule.range.address
    if isinstance(rule, DataBar):
        ws.conditional_formatting.add(
            where,
            DataBarRule(
                start_type="num",
                start_value=rule.minimum,
                end_type="num",
                end_value=rule.maximum,
                color=rule.color,
            ),
        )
    elif isinstance(rule, ColorScale):
        ws.conditional_formatting.add(
            where,
            ColorScaleRule(
                start_type="min",
                start_color=rule.low_color,
                mid_type="percentile",
                mid_value=rule.mid_percentile,
                mid_color=rule.mid_color,
                end_type="max",
                end_color=rule.high_color,
            ),
        )
    elif isinstance(rule, CellValueRule):
        font = Font(color=rule.font_color) if rule.font_color else None
        ws.conditional_formatting.add(
            where,
            CellIsRule(
                operator=_OPERATORS[rule.operator],
                formula=rule.formula_values(),
                fill=PatternFill("solid", start_color=rule.fill, end_color=rule.fill),
                font=font,
            ),
        )
    else:  # pragma: no cover - the model has no other kind
        raise TypeError(f"unknown conditional format {rule!r}")


def _add_chart(ws, sheet_name: str, spec: Chart) -> None:
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        if spec.kind == "stacked_column":
            chart.grouping = "stacked"
            chart.overlap = 100
    chart.title = spec.title
    chart.width = spec.width / POINTS_PER_CM
    chart.height = spec.height / POINTS_PER_CM
    for series_spec in spec.series:
        values = spec_reference(ws, series_spec.values)
        series = Series(values, title=series_spec.name)
        if series_spec.name_ref is not None:
            series.tx = SeriesLabel(strRef=StrRef(series_spec.name_ref.absolute(sheet_name)))
        if spec.kind == "line":
            series.smooth = False
            if series_spec.color:
                series.graphicalProperties.line.solidFill = series_spec.color
            if series_spec.dashed:
                series.graphicalProperties.line.dashStyle = "dash"
        elif series_spec.color:
            series.graphicalProperties.solidFill = series_spec.color
            series.graphicalProperties.line.solidFill = series_spec.color
        chart.series.append(series)
    chart.set_categories(spec_reference(ws, spec.categories))
    if spec.x_title:
        chart.x_axis.title = spec.x_title
    if spec.y_title:
        chart.y_axis.title = spec.y_title
    if spec.y_number_format:
        chart.y_axis.number_format = spec.y_number_format
    if spec.y_min is not None:
        chart.y_axis.scaling.min = spec.y_min
    if spec.y_max is not None:
        chart.y_axis.scaling.max = spec.y_max
    # Category labels below the plot area, not on the zero line through negative bars.
    chart.x_axis.tickLblPos = "low"
    # openpyxl >= 3.1 hides axes unless told otherwise.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if len(spec.series) == 1:
        chart.legend = None
    ws.add_chart(chart, spec.anchor_address)


def spec_reference(ws, cells) -> Reference:
    return Reference(
        ws,
        min_col=cells.first_col,
        min_row=cells.first_row,
        max_col=cells.last_col,
        max_row=cells.last_row,
    )


# A formula cell as openpyxl writes it: no type attribute, the formula, an empty value.
_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?)><f>([^<]*)</f><v ?/>')


def formula_results(sheet: Sheet) -> dict[str, object]:
    """The expected result of each formula cell of ``sheet``, by A1 address."""
    return {
        cell.address: cell.value.expected
        for cell in sheet.cell_map().values()
        if isinstance(cell.value, Formula) and cell.value.expected is not None
    }


def _cached(result: object) -> tuple[str, str] | None:
    """(type attribute, value text) of a cached formula result, None for none."""
    if isinstance(result, bool):
        return ' t="b"', str(int(result))
    if isinstance(result, (int, float)):
        if not math.isfinite(result):
            return None
        return "", repr(float(result)) if isinstance(result, float) else str(result)
    if isinstance(result, str):
        return ' t="str"', escape(result)
    return None


def _cache_formula_results(content: bytes, report: Report) -> bytes:
    """Write each formula's expected result into the saved file as its cached value.

    openpyxl names the worksheets ``sheet1.xml``, ``sheet2.xml``... in tab
    order and writes a formula cell as ``<c r=".."><f>..</f><v/></c>``; the
    empty value becomes the result (with ``t="str"`` for text results).
    """
    wanted = {
        f"xl/worksheets/sheet{number}.xml": formula_results(sheet)
        for number, sheet in enumerate(report.sheets, start=1)
    }
    wanted = {name: results for name, results in wanted.items() if results}
    if not wanted:
        return content
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            results = wanted.get(info.filename)
            if results is not None:
                data = _with_results(data.decode("utf-8"), results).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def _with_results(xml: str, results: dict[str, object]) -> str:
    def replace(match: re.Match) -> str:
        cached = _cached(results.get(match.group(1)))
        if cached is None:
            return match.group(0)
        kind, text = cached
        return f'<c r="{match.group(1)}"{match.group(2)}{kind}><f>{match.group(3)}</f><v>{text}</v>'

    return _FORMULA_CELL.sub(replace, xml)


def _default_permissions(path: str) -> None:
    # mkstemp creates the file readable by its owner only; give it the
    # permissions a plain new file would get under the current umask.
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
