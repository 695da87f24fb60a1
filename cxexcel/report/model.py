"""The report model: a pure description of the metric sheets.

The builder (:mod:`cxexcel.report.build`) decides everything about the
layout — which sheets exist, where each block sits, number formats, colours,
widths — and describes it with the classes below. The writers (openpyxl for
files, xlwings for a live workbook) render that description as it stands and
make no layout decisions of their own.

Coordinates are 1-based ``(row, col)`` pairs, as in Excel (``A1`` is
``(1, 1)``). Colours are ``"RRGGBB"`` hex strings without ``#``. Sizes of
charts are in points (1/72 inch).

Cell values are numbers, ``str``, ``datetime.date``/``datetime.datetime``,
``None`` (an empty cell) or a :class:`Formula`. **A plain ``str`` is always
literal text**, even when it begins with ``=``, ``+``, ``-`` or ``@``:
writers must store it as text (see :func:`looks_like_formula`). The only
way to put a formula into a sheet is :class:`Formula`, which also carries
the value the builder expects Excel to compute, so tests and writers that
cannot recalculate can use it.

Every sheet renders in three passes, the same in every writer:

1. the cells from :meth:`Sheet.cells` (values, number formats, styles),
2. :attr:`Sheet.conditional_formats`,
3. :attr:`Sheet.charts`,

plus the sheet settings (freeze panes, column widths, tab colour).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "CellValue",
    "Formula",
    "CellStyle",
    "Cell",
    "Column",
    "Table",
    "KpiTile",
    "CellRange",
    "DataBar",
    "ColorScale",
    "CellValueRule",
    "ConditionalFormat",
    "ChartSeries",
    "Chart",
    "Sheet",
    "Report",
    "Block",
    "Status",
    "STATUS_COLORS",
    "EXCEL_TABLE_STYLE",
    "looks_like_formula",
    "column_letter",
    "address",
    "clean_value",
    "NUMBER",
    "INTEGER",
    "DECIMAL_1",
    "DECIMAL_2",
    "PERCENT",
    "NPS",
    "CURRENCY",
    "CURRENCY_CENTS",
    "MONTH",
    "DATE",
    "RATIO",
    "MONTHS",
    "MINUTES",
    "TEXT",
    "TITLE",
    "SUBTITLE",
    "SECTION",
    "HEADER",
    "LABEL",
    "NOTE",
    "KPI_VALUE",
    "KPI_DETAIL",
    "BODY",
    "WRAPPED",
]

# --- number formats (Excel format codes) ----------------------------------

NUMBER = "General"
INTEGER = "#,##0"
DECIMAL_1 = "0.0"
DECIMAL_2 = "0.00"
PERCENT = "0.0%"
NPS = "0.0"
CURRENCY = '"$"#,##0'
CURRENCY_CENTS = '"$"#,##0.00'
MONTH = "mmm yyyy"
DATE = "yyyy-mm-dd"
RATIO = '0.0"x"'
MONTHS = '0.0" mo"'
MINUTES = '0.0" min"'
TEXT = "@"


@dataclass(frozen=True)
class Formula:
    """An Excel formula, e.g. ``Formula("=C5/E5", expected=0.93)``.

    ``text`` starts with ``=`` and uses A1 references on the same sheet.
    ``expected`` is the value the builder computed for it (from the metric
    core), or ``None`` when it has none; it is what a recalculating
    application should show.
    """

    text: str
    expected: float | str | None = None

    def __post_init__(self):
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with '=': {self.text!r}")


CellValue = int | float | str | _dt.date | _dt.datetime | Formula | None


def looks_like_formula(text: str) -> bool:
    """True when Excel would take ``text`` typed into a cell as a formula.

    Writers store such text with an explicit text type (openpyxl:
    ``data_type = "s"`` plus ``quotePrefix``; xlwings: a leading apostrophe
    or the ``@`` number format) so that data never becomes a formula.
    """
    return bool(text) and text[0] in "=+-@"


#: Longest text a cell holds in Excel.
MAX_TEXT = 32767

# The characters XML 1.0 (and so .xlsx and Office.js) cannot carry in a cell.
_CONTROL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")


def cell_text(text: str) -> str:
    """Text as a cell can hold it: control characters dropped, cut at MAX_TEXT."""
    return _CONTROL_CHARACTERS.sub("", text)[:MAX_TEXT]


def clean_value(value: object) -> CellValue:
    """A value fit for a cell: NaN/NaT/pandas NA become ``None``, numpy
    scalars become Python numbers, pandas Timestamps become ``datetime``."""
    if value is None:
        return None
    if type(value).__module__ == "numpy":
        if type(value).__name__.startswith("datetime64"):
            import pandas as pd

            return clean_value(pd.Timestamp(value))
        value = value.item()  # numpy scalar -> Python scalar
    if isinstance(value, (Formula, str, bool)):
        return value
    if isinstance(value, _dt.datetime):
        # pandas.Timestamp is a datetime subclass; NaT is caught just below.
        if value != value:  # NaT
            return None
        return _dt.datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second
        )
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def column_letter(col: int) -> str:
    """Excel column letters of a 1-based column number (1 -> A, 28 -> AB)."""
    if col < 1:
        raise ValueError(f"columns start at 1, got {col}")
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def address(row: int, col: int, absolute: bool = False) -> str:
    """A1 address of a 1-based cell, ``$B$3`` style when ``absolute``."""
    if absolute:
        return f"${column_letter(col)}${row}"
    return f"{column_letter(col)}{row}"


# --- styles ----------------------------------------------------------------


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks. ``None`` fields keep the application's default."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    align: Literal["left", "center", "right"] | None = None
    wrap: bool = False
    border_bottom: bool = False


TITLE = CellStyle(bold=True, size=16, color="1F3864")
SUBTITLE = CellStyle(italic=True, color="595959")
SECTION = CellStyle(bold=True, size=12, color="1F3864")
HEADER = CellStyle(bold=True, color="FFFFFF", fill="1F3864")
LABEL = CellStyle(bold=True)
NOTE = CellStyle(italic=True, size=9, color="7F7F7F")
KPI_VALUE = CellStyle(bold=True, size=12)
KPI_DETAIL = CellStyle(color="595959")
BODY = CellStyle()
WRAPPED = CellStyle(wrap=True)

_CENTER = CellStyle(align="center")

#: Table style of the Excel Tables over drill-down lists: light, so the
#: builder's own header and cell styles show as on every other table.
EXCEL_TABLE_STYLE = "TableStyleLight1"

Status = Literal["green", "amber", "red"]

#: Fill colours of the status rules (light fills that keep black text legible).
STATUS_COLORS: dict[str, str] = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE"}


# --- blocks ----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell: a value with its number format and style."""

    row: int
    col: int
    value: CellValue
    number_format: str | None = None
    style: CellStyle | None = None

    @property
    def address(self) -> str:
        return address(self.row, self.col)

    def cells(self) -> Iterator[Cell]:
        yield self


@dataclass(frozen=True)
class Column:
    """A table column: its header text and the number format of its values."""

    header: str
    number_format: str | None = None
    style: CellStyle | None = None


@dataclass(frozen=True)
class Table:
    """A header row at ``(row, col)`` and the data rows below it.

    ``rows`` holds one tuple of cell values per row, as many values as
    ``columns``. Values take their column's number format and style.
    ``excel_table`` names an Excel Table (filter buttons on the header, the
    light :data:`EXCEL_TABLE_STYLE`) over the table when it has rows; the
    name is unique in the workbook.
    """

    row: int
    col: int
    columns: tuple[Column, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    header_style: CellStyle | None = HEADER
    excel_table: str | None = None

    def __post_init__(self):
        if self.excel_table is not None:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", self.excel_table):
                raise ValueError(f"not a valid Excel Table name: {self.excel_table!r}")
            headers = [column.header for column in self.columns]
            if len({h.casefold() for h in headers}) != len(headers) or not all(headers):
                raise ValueError(f"an Excel Table needs distinct headers: {headers}")
        width = len(self.columns)
        for number, values in enumerate(self.rows, start=1):
            if len(values) != width:
                raise ValueError(f"table row {number} has {len(values)} values for {width} columns")

    @property
    def first_data_row(self) -> int:
        return self.row + 1

    @property
    def area(self) -> CellRange:
        """The header and data cells."""
        return CellRange(self.row, self.col, self.last_row, self.last_col)

    @property
    def last_row(self) -> int:
        """Last row of the table (the header row when there is no data)."""
        return self.row + len(self.rows)

    @property
    def last_col(self) -> int:
        return self.col + len(self.columns) - 1

    def column_index(self, header: str) -> int:
        """Sheet column number of the column with this header."""
        for offset, column in enumerate(self.columns):
            if column.header == header:
                return self.col + offset
        raise KeyError(header)

    def data_range(self, header: str) -> CellRange:
        """The data cells of one column (without its header)."""
        col = self.column_index(header)
        return CellRange(self.first_data_row, col, self.last_row, col)

    def header_cell(self, header: str) -> CellRange:
        """The header cell of one column, e.g. for a chart series name."""
        col = self.column_index(header)
        return CellRange(self.row, col, self.row, col)

    def cells(self) -> Iterator[Cell]:
        for offset, column in enumerate(self.columns):
            yield Cell(self.row, self.col + offset, column.header, None, self.header_style)
        for r, values in enumerate(self.rows, start=self.first_data_row):
            for offset, (column, value) in enumerate(zip(self.columns, values, strict=True)):
                yield Cell(r, self.col + offset, value, column.number_format, column.style)


@dataclass(frozen=True)
class KpiTile:
    """A key figure beside its target, laid out by the builder as one row.

    The builder gives each part its own column (``*_col`` fields), so the
    writers only render cells. ``progress`` is usually a :class:`Formula`
    (value / target, or target / value when lower is better) rendered with a
    data bar; ``status`` is ``"green"``, ``"amber"`` or ``"red"`` (or a
    formula yielding one of them) coloured by cell-value rules. ``note``
    says what the figure covers (e.g. the period).
    """

    row: int
    label: str
    value: CellValue
    number_format: str | None
    detail: CellValue = None
    detail_format: str | None = None
    target: CellValue = None
    progress: CellValue = None
    status: CellValue = None
    note: CellValue = None
    higher_is_better: bool = True
    label_col: int = 1
    value_col: int = 2
    detail_col: int = 3
    target_col: int = 4
    progress_col: int = 5
    status_col: int = 6
    note_col: int = 7
    label_style: CellStyle | None = LABEL
    value_style: CellStyle | None = KPI_VALUE
    detail_style: CellStyle | None = KPI_DETAIL

    @property
    def value_address(self) -> str:
        return address(self.row, self.value_col)

    @property
    def target_address(self) -> str:
        return address(self.row, self.target_col)

    @property
    def progress_address(self) -> str:
        return address(self.row, self.progress_col)

    def cells(self) -> Iterator[Cell]:
        yield Cell(self.row, self.label_col, self.label, None, self.label_style)
        yield Cell(self.row, self.value_col, self.value, self.number_format, self.value_style)
        yield Cell(self.row, self.detail_col, self.detail, self.detail_format, self.detail_style)
        yield Cell(self.row, self.target_col, self.target, self.number_format, None)
        yield Cell(self.row, self.progress_col, self.progress, "0%", None)
        yield Cell(self.row, self.status_col, self.status, None, _CENTER)
        yield Cell(self.row, self.note_col, self.note, None, NOTE)


Block = Cell | Table | KpiTile


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells on the same sheet, corners included."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def __post_init__(self):
        if self.last_row < self.first_row or self.last_col < self.first_col:
            raise ValueError(f"empty range {self!r}")

    @property
    def address(self) -> str:
        """``B3:B10`` (or ``B3`` for a single cell)."""
        start = address(self.first_row, self.first_col)
        if (self.first_row, self.first_col) == (self.last_row, self.last_col):
            return start
        return f"{start}:{address(self.last_row, self.last_col)}"

    def absolute(self, sheet: str | None = None) -> str:
        """``'CX Summary'!$B$3:$B$10``, the form chart references use."""
        start = address(self.first_row, self.first_col, absolute=True)
        end = address(self.last_row, self.last_col, absolute=True)
        ref = start if start == end else f"{start}:{end}"
        if sheet is None:
            return ref
        return "'" + sheet.replace("'", "''") + "'!" + ref

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def cols(self) -> int:
        return self.last_col - self.first_col + 1


@dataclass(frozen=True)
class DataBar:
    """A data bar scaled from ``minimum`` to ``maximum`` (fixed numbers)."""

    range: CellRange
    color: str = "5B9BD5"
    minimum: float = 0.0
    maximum: float = 1.0


@dataclass(frozen=True)
class ColorScale:
    """A 3-colour scale (heat map) from the lowest value through the
    ``mid_percentile`` to the highest."""

    range: CellRange
    low_color: str = "F8696B"
    mid_color: str = "FFEB84"
    high_color: str = "63BE7B"
    mid_percentile: float = 50.0


@dataclass(frozen=True)
class CellValueRule:
    """Fill (and optionally font colour) for cells whose value compares true.

    ``operator`` is one of ``equal``, ``notEqual``, ``greaterThan``,
    ``greaterThanOrEqual``, ``lessThan``, ``lessThanOrEqual``, ``between``;
    ``values`` are numbers or text (``between`` takes two). Text is compared
    as a string constant.
    """

    range: CellRange
    operator: Literal[
        "equal",
        "notEqual",
        "greaterThan",
        "greaterThanOrEqual",
        "lessThan",
        "lessThanOrEqual",
        "between",
    ]
    values: tuple[float | str, ...]
    fill: str
    font_color: str | None = None

    def __post_init__(self):
        wanted = 2 if self.operator == "between" else 1
        if len(self.values) != wanted:
            raise ValueError(f"{self.operator} takes {wanted} value(s)")

    def formula_values(self) -> list[str]:
        """The values as Excel formula operands: numbers as they are, text quoted."""
        out = []
        for value in self.values:
            if isinstance(value, str):
                out.append('"' + value.replace('"', '""') + '"')
            else:
                out.append(repr(float(value)) if not float(value).is_integer() else str(int(value)))
        return out


ConditionalFormat = DataBar | ColorScale | CellValueRule


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart: its values, and where its name comes from.

    ``name`` is the legend text; ``name_ref`` (a single cell, usually the
    table header) is the same text as a reference, preferred by writers that
    can link it. ``color`` (``"RRGGBB"``) fills its bars or draws its line,
    ``dashed`` draws a line dashed (a band's edges); None keeps the
    application's colour.
    """

    name: str
    values: CellRange
    name_ref: CellRange | None = None
    color: str | None = None
    dashed: bool = False


@dataclass(frozen=True)
class Chart:
    """A native chart whose series reference cells on the same sheet.

    ``kind``: ``column`` (vertical bars), ``bar`` (horizontal bars),
    ``line`` or ``stacked_column``. ``anchor`` is the top-left cell;
    ``width``/``height`` are in points.
    """

    kind: Literal["column", "bar", "line", "stacked_column"]
    title: str
    categories: CellRange
    series: tuple[ChartSeries, ...]
    anchor: tuple[int, int]
    width: float = 480.0
    height: float = 260.0
    x_title: str | None = None
    y_title: str | None = None
    y_number_format: str | None = None
    #: Fixed ends of the value axis (e.g. 0 and 1 for a share); None: automatic.
    y_min: float | None = None
    y_max: float | None = None

    @property
    def anchor_address(self) -> str:
        return address(*self.anchor)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its blocks, conditional formats, charts and settings.

    ``freeze`` is the top-left cell of the scrolling area (``(2, 1)`` keeps
    row 1 in view), or ``None``. ``column_widths`` maps 1-based column
    numbers to widths in characters. ``tab_color`` is ``"RRGGBB"`` or None.
    ``landscape`` and ``fit_to_width`` are print settings (pages across the
    sheet's full width); ``print_title_rows`` (first, last) are rows printed
    at the top of every page, the header of the sheet's longest table.
    Engines without page setup may leave them out.
    """

    name: str
    blocks: tuple[Block, ...] = ()
    conditional_formats: tuple[ConditionalFormat, ...] = ()
    charts: tuple[Chart, ...] = ()
    freeze: tuple[int, int] | None = None
    column_widths: dict[int, float] = field(default_factory=dict)
    tab_color: str | None = None
    landscape: bool = False
    fit_to_width: bool = False
    print_title_rows: tuple[int, int] | None = None

    def __post_init__(self):
        if len(self.name) > 31 or any(ch in self.name for ch in "[]:*?/\\"):
            raise ValueError(f"not a valid Excel sheet name: {self.name!r}")

    @property
    def excel_tables(self) -> list[Table]:
        """The tables that become Excel Tables (named, with rows)."""
        return [
            block
            for block in self.blocks
            if isinstance(block, Table) and block.excel_table and block.rows
        ]

    def cells(self) -> Iterator[Cell]:
        """Every cell the sheet writes, block by block, in row order within a block."""
        for block in self.blocks:
            yield from block.cells()

    def cell_map(self) -> dict[tuple[int, int], Cell]:
        """The cells keyed by ``(row, col)``; later blocks win on overlap."""
        return {(cell.row, cell.col): cell for cell in self.cells()}

    def find(self, label: str) -> KpiTile | None:
        """The KPI tile with this label, if the sheet has one."""
        for block in self.blocks:
            if isinstance(block, KpiTile) and block.label == label:
                return block
        return None


@dataclass(frozen=True)
class Report:
    """The whole set of metric sheets, in tab order."""

    sheets: tuple[Sheet, ...]

    @property
    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(sheet.name == name for sheet in self.sheets)
