"""Placing blocks on a sheet: a cursor that stacks sections top to bottom.

Every sheet follows the same grid: a title and subtitle in rows 1-2, then
sections stacked downwards from column A, each a heading, a table and —
beside the table, from column :data:`CHART_COL` — an optional chart. The
cursor moves below whichever of the table and the chart ends lower.
"""

from __future__ import annotations

import math
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
    KpiTile,
    Sheet,
    Table,
    clean_value,
)

#: First column of charts placed beside a table.
CHART_COL = 11
#: Rows a chart of the default height covers (default rows are 15 pt high).
ROW_POINTS = 15.0
#: Widest column the builder sets, in characters.
MAX_WIDTH = 80.0


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
        """Place a cell or KPI tile at the position it names (values made plain Python)."""
        if isinstance(block, Cell):
            block = replace(block, value=clean_value(block.value))
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
    ) -> Table:
        """Place a table at the cursor; ``widths`` are the columns' minimum widths."""
        plain = tuple(tuple(clean_value(v) for v in r) for r in rows)
        table = Table(self.row, col, tuple(columns), plain)
        self.blocks.append(table)
        for offset, column in enumerate(table.columns):
            wanted = widths[offset] if widths else max(10.0, len(column.header) + 2.0)
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
    ) -> Chart | None:
        """A chart of ``series`` (column headers of ``table``) against ``category``,
        anchored beside the table; the cursor moves below whichever ends lower.

        Returns None (and places nothing) when the table has no rows.
        """
        if not table.rows:
            return None
        names = names or {}
        chart = Chart(
            kind=kind,
            title=title,
            categories=table.data_range(category),
            series=tuple(
                ChartSeries(names.get(h, h), table.data_range(h), table.header_cell(h))
                for h in series
            ),
            anchor=(table.row, max(CHART_COL, table.last_col + 2)),
            width=width,
            height=height,
            x_title=x_title,
            y_title=y_title,
            y_number_format=y_number_format,
        )
        self.charts.append(chart)
        chart_rows = math.ceil(height / ROW_POINTS)
        self.row = max(self.row, table.row + chart_rows + 2)
        return chart

    def format(self, rule: ConditionalFormat) -> None:
        self.conditional_formats.append(rule)

    def width(self, col: int, characters: float) -> None:
        self.widths[col] = min(MAX_WIDTH, max(self.widths.get(col, 0.0), characters))

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
        )


def column_range(table: Table, first: str, last: str) -> CellRange:
    """The data cells from column ``first`` to column ``last`` of a table."""
    return CellRange(
        table.first_data_row, table.column_index(first), table.last_row, table.column_index(last)
    )
