"""Placing blocks on a sheet: a cursor that stacks sections top to bottom.

Every sheet follows the same grid: a title and subtitle in rows 1-2, then
sections stacked downwards from column A, each a heading, a table and —
beside the table, one empty column to its right — an optional chart. The
cursor moves below whichever of the table and the chart ends lower.

Column widths come from what the columns hold: each column is as wide as
the longest header (in bold) or value (as its number format shows it) of
any table in it, at least the width a table asks for and at most
:data:`MAX_WIDTH`. Long free text (comments, notes) does not widen its
column: it is written in a table's last column and runs on into the empty
cells to its right, so one comment list does not stretch the tables above
it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from . import model
from .model import (
    Cell,
    CellRange,
    Chart,
    ChartSeries,
    Column,
    ConditionalFormat,
    Formula,
    KpiTile,
    Sheet,
    Table,
    clean_value,
)

#: Empty columns between a table and the chart beside it.
CHART_GAP = 1
#: Rows a chart of the default height covers (default rows are 15 pt high).
ROW_POINTS = 15.0
#: Widest column the builder sets, in characters.
MAX_WIDTH = 50.0
#: Characters of room around a cell's text (Excel's padding and a little air).
PADDING = 2.0
#: Bold header text is about this much wider than the same text in a body cell.
BOLD = 1.1


class Canvas:
    """Collects the blocks of one sheet while keeping track of the next free row."""

    def __init__(self, name: str, tab_color: str | None = None):
        self.name = name
        self.tab_color = tab_color
        self.blocks: list = []
        self.conditional_formats: list[ConditionalFormat] = []
        self.charts: list[Chart] = []
        self.widths: dict[int, float] = {}
        self.freeze: tuple[int, int] | None = None
        self.row = 1

    # --- text ------------------------------------------------------------

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.blocks.append(Cell(self.row, 1, text, None, model.TITLE))
        if subtitle:
            self.blocks.append(Cell(self.row + 1, 1, subtitle, None, model.SUBTITLE))
        self.row += 3

    def section(self, text: str, note: str | None = None) -> None:
        self.blocks.append(Cell(self.row, 1, text, None, model.SECTION))
        self.row += 1
        if note:
            self.blocks.append(Cell(self.row, 1, note, None, model.NOTE))
            self.row += 1

    def note(self, text: str) -> None:
        self.blocks.append(Cell(self.row, 1, text, None, model.NOTE))
        self.row += 2

    def add(self, block: Cell | KpiTile) -> None:
        """Place a cell or KPI tile at the position it names (values made plain Python).

        A number is given room in its column as its format shows it (text runs on)."""
        if isinstance(block, Cell):
            block = replace(block, value=clean_value(block.value))
            if not isinstance(block.value, str):
                scale = (block.style.size or 11.0) / 11.0 if block.style else 1.0
                needed = shown_width(block.value, block.number_format) * scale
                if needed:
                    self.width(block.col, needed)
        elif isinstance(block, KpiTile):
            block = replace(
                block,
                value=clean_value(block.value),
                detail=clean_value(block.detail),
                target=clean_value(block.target),
            )
        self.blocks.append(block)

    # --- tables and charts -----------------------------------------------

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence],
        widths: Sequence[float] | None = None,
        col: int = 1,
        advance: bool = True,
        runs_on: bool = False,
        excel_table: str | None = None,
    ) -> Table:
        """Place a table at the cursor; ``widths`` are the columns' minimum widths.

        Each column is made wide enough for its header and its values
        (:func:`shown_width`). With ``runs_on`` the last column holds free
        text that runs on into the empty cells to its right: only its header
        sets its width. ``excel_table`` makes it an Excel Table of that name
        (filter buttons on the header).
        """
        plain = tuple(tuple(clean_value(v) for v in r) for r in rows)
        table = Table(self.row, col, tuple(columns), plain, excel_table=excel_table)
        self.blocks.append(table)
        last = len(table.columns) - 1
        for offset, column in enumerate(table.columns):
            wanted = max(
                widths[offset] if widths else 8.0,
                len(column.header) * BOLD + PADDING,
            )
            if not (runs_on and offset == last):
                for values in plain:
                    wanted = max(wanted, shown_width(values[offset], column.number_format))
            self.width(col + offset, wanted)
        if advance:
            self.row = table.last_row + 2
        return table

    def chart_beside(
        self,
        table: Table,
        kind: str,
        title: str,
        category: str,
        series: Sequence[str],
        *,
        y_title: str | None = None,
        x_title: str | None = None,
        y_number_format: str | None = None,
        width: float = 480.0,
        height: float = 260.0,
        names: dict[str, str] | None = None,
        colors: dict[str, str] | None = None,
        dashed: Sequence[str] = (),
        y_min: float | None = None,
        y_max: float | None = None,
    ) -> Chart | None:
        """A chart of ``series`` (column headers of ``table``) against ``category``,
        anchored beside the table; the cursor moves below whichever ends lower.

        Returns None (and places nothing) when the table has no rows.
        """
        if not table.rows:
            return None
        names = names or {}
        colors = colors or {}
        chart = Chart(
            kind=kind,
            title=title,
            categories=table.data_range(category),
            series=tuple(
                ChartSeries(
                    names.get(h, h),
                    table.data_range(h),
                    table.header_cell(h),
                    color=colors.get(h),
                    dashed=h in dashed,
                )
                for h in series
            ),
            anchor=(table.row, table.last_col + 1 + CHART_GAP),
            width=width,
            height=height,
            x_title=x_title,
            y_title=y_title,
            y_number_format=y_number_format,
            y_min=y_min,
            y_max=y_max,
        )
        self.charts.append(chart)
        chart_rows = math.ceil(height / ROW_POINTS)
        self.row = max(self.row, table.row + chart_rows + 2)
        return chart

    def format(self, rule: ConditionalFormat) -> None:
        self.conditional_formats.append(rule)

    def width(self, col: int, characters: float) -> None:
        self.widths[col] = min(MAX_WIDTH, max(self.widths.get(col, 0.0), characters))

    def print_title_rows(self) -> tuple[int, int] | None:
        """The header row repeated on every printed page: that of the longest
        table when it holds two thirds of the sheet's rows (on a sheet of several
        long tables one header would head pages of the others: none)."""
        tables = [block for block in self.blocks if isinstance(block, Table)]
        if not tables:
            return None
        longest = max(tables, key=lambda table: len(table.rows))
        if len(longest.rows) * 3 < 2 * sum(len(table.rows) for table in tables):
            return None
        return (longest.row, longest.row)

    def sheet(self) -> Sheet:
        return Sheet(
            name=self.name,
            blocks=tuple(self.blocks),
            conditional_formats=tuple(self.conditional_formats),
            charts=tuple(self.charts),
            freeze=self.freeze,
            column_widths=dict(sorted(self.widths.items())),
            tab_color=self.tab_color,
            landscape=True,
            fit_to_width=True,
            print_title_rows=self.print_title_rows(),
        )


def shown_width(value: object, number_format: str | None) -> float:
    """Columns (characters) a value needs as its number format shows it."""
    if isinstance(value, Formula):
        value = value.expected
    if value is None or value == "":
        return 0.0
    if isinstance(value, str):
        return min(MAX_WIDTH, len(value) + PADDING)
    if isinstance(value, (dt.date, dt.datetime)):
        return (8.0 if number_format == model.MONTH else 10.0) + PADDING
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 10.0 + PADDING
    return len(_number_text(float(value), number_format or "General")) + PADDING


def _number_text(value: float, number_format: str) -> str:
    """About the text Excel shows for a number in the builder's formats."""
    if not math.isfinite(value):
        return "#NUM!"
    decimals = 0
    if "." in number_format:
        decimals = len(re.match(r"0*", number_format.split(".", 1)[1]).group(0))
    if "%" in number_format:
        text = f"{value * 100:,.{decimals}f}%"
    elif number_format == "General":
        text = f"{value:.10g}"
    else:
        text = f"{value:,.{decimals}f}" if "," in number_format else f"{value:.{decimals}f}"
    suffix = re.findall(r'"([^"]*)"', number_format)
    return text + "".join(suffix)


def column_range(table: Table, first: str, last: str) -> CellRange:
    """The data cells from column ``first`` to column ``last`` of a table."""
    return CellRange(
        table.first_data_row, table.column_index(first), table.last_row, table.column_index(last)
    )
