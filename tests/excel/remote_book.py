"""Remote-Book payloads as Excel sends them, and a replay of the actions sent back.

The xlwings Server route never touches Excel from Python: the task pane sends
the workbook as JSON (``getBookData`` in xlwings-server's
``static/js/custom-scripts/index.js``), Python answers with a list of actions,
and the JavaScript applies them. These helpers build such payloads from
DataFrames and interpret the answer, so tests can assert on what Excel would
be asked to do:

    payload = book_payload(table_sheet("Responses", frame))
    book = remote_book(payload)
    build_metric_sheets_in(book)
    replay = Replay(payload, book.json()["actions"])
    replay.values["CX Summary"]["A1"]

Importing this module sets ``XLWINGS_LICENSE_KEY=noncommercial`` (unless a key
is already set), which xlwings needs *before* it is imported to register the
remote engine.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
from dataclasses import dataclass, field

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import pandas as pd  # noqa: E402
import xlwings as xw  # noqa: E402

__all__ = [
    "excel_value",
    "table_sheet",
    "plain_sheet",
    "book_payload",
    "payload_from_tables",
    "remote_book",
    "Replay",
    "cell_name",
    "cells_of",
    "FORMAT_CALLBACK",
]

#: The add-in's JavaScript callback that applies a sheet's formats in one
#: action (``SHEET_FORMAT_CALLBACK`` of ``cxexcel.report.xlwings_writer``,
#: spelled out here so that a rename shows up as a failing test).
FORMAT_CALLBACK = "cxFormatSheet"

# xlwings' border sides (setBorderProperty) in Office.js' names.
_BORDER_SIDES = {"edge_bottom": "EdgeBottom", "inside_horizontal": "InsideHorizontal"}

_TABLE_STYLE = "TableStyleMedium2"


def excel_value(value):
    """One cell as Office.js reports it: dates as ISO strings, blanks as ``""``."""
    if value is None:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            return ""
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float) and math.isnan(number):
            return ""
        return number
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def cell_name(row: int, column: int) -> str:
    """A1 name of a 0-based (row, column)."""
    letters = ""
    number = column + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def cells_of(address: str) -> list[str]:
    """The A1 names of the cells of an address such as ``B2`` or ``A1:C3``."""
    corners = []
    for part in address.replace("$", "").split(":"):
        letters = part.rstrip("0123456789")
        corners.append((int(part[len(letters) :]) - 1, _column_number(letters)))
    (top, left), (bottom, right) = corners[0], corners[-1]
    return [cell_name(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]


def _address(top: int, left: int, rows: int, columns: int) -> str:
    first = cell_name(top, left)
    if rows == 1 and columns == 1:
        return first
    return f"{first}:{cell_name(top + rows - 1, left + columns - 1)}"


def _sheet(name: str, values: list[list], tables: list[dict]) -> dict:
    rows = len(values)
    columns = max((len(row) for row in values), default=0)
    empty = rows == 0 or columns == 0
    grid = [[""]] if empty else [row + [""] * (columns - len(row)) for row in values]
    return {
        "name": name,
        "visibility": "Visible",
        "show_gridlines": True,
        "print_area": None,
        "notes": [],
        "notes_supported": True,
        "used_range_address": None if empty else _address(0, 0, rows, columns),
        "used_range_row_count": 0 if empty else rows,
        "used_range_column_count": 0 if empty else columns,
        "values": grid,
        "pictures": [],
        "shapes": [],
        "charts": [],
        "tables": tables,
        "pivot_tables": [],
    }


def plain_sheet(name: str, values: list[list] | None = None) -> dict:
    """A sheet without Excel Tables; ``values`` is the grid from A1."""
    return _sheet(name, [[excel_value(v) for v in row] for row in values or []], [])


def table_sheet(name: str, frame: pd.DataFrame, table_name: str | None = None) -> dict:
    """A sheet holding ``frame`` as an Excel Table at A1 (header row included)."""
    header = [str(column) for column in frame.columns]
    body = [[excel_value(v) for v in row] for row in frame.itertuples(index=False)]
    rows, columns = len(body) + 1, len(header)
    table = {
        "name": table_name or name,
        "range_address": _address(0, 0, rows, columns),
        "row_count": rows,
        "column_count": columns,
        "columns": header,
        "header_row_range_address": _address(0, 0, 1, columns),
        "data_body_range_address": _address(1, 0, max(len(body), 1), columns),
        "total_row_range_address": None,
        "show_headers": True,
        "show_totals": False,
        "table_style": _TABLE_STYLE,
        "show_autofilter": True,
        "show_table_style_first_column": False,
        "show_table_style_last_column": False,
        "show_table_style_row_stripes": True,
        "show_table_style_column_stripes": False,
    }
    return _sheet(name, [header, *body], [table])


def book_payload(*sheets: dict, name: str = "Book1.xlsx", active: int = 0) -> dict:
    """The request body Excel sends for a script call, holding ``sheets``."""
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {
            "name": name,
            "active_sheet_index": active,
            "selection": "A1",
            "calculation": "Automatic",
        },
        "names": [],
        "sheets": list(sheets) or [plain_sheet("Sheet1")],
    }


def payload_from_tables(tables: dict[str, pd.DataFrame], *extra_sheets: dict) -> dict:
    """A book with one sheet per table (sheet and table named alike), then ``extra_sheets``."""
    return book_payload(
        *(table_sheet(name, frame) for name, frame in tables.items()), *extra_sheets
    )


def remote_book(payload: dict) -> xw.Book:
    """An ``xw.Book`` on the remote engine, over a copy of ``payload``."""
    return xw.Book(json=copy.deepcopy(payload))


def _border(args):
    side, attribute, value = args
    assert attribute == "line_style", args
    return f"border:{_BORDER_SIDES[side]}", value.capitalize()


# xlwings' own style actions -> (Office.js property, value).
_STYLE_ACTIONS = {
    "setFontProperty": lambda args: (args[0], args[1]),
    "setRangeColor": lambda args: ("fill", args[0]),
    "setHorizontalAlignment": lambda args: ("horizontalAlignment", args[0]),
    "setVerticalAlignment": lambda args: ("verticalAlignment", args[0]),
    "setWrapText": lambda args: ("wrapText", args[0]),
    "setBorderProperty": _border,
}


@dataclass
class Replay:
    """What a list of actions would do to the workbook in ``payload``.

    Sheets are tracked by position, as the JavaScript resolves them, so
    ``located`` pairs every action with the name of the sheet it lands on
    (``None`` for book-level actions such as ``alert``; the sheet a
    ``cxFormatSheet`` call names for that). ``values`` and ``number_formats``
    map sheet name -> A1 cell -> what was last written there; ``styles`` maps
    sheet name -> A1 cell -> Office.js property -> value (``bold``, ``size``,
    ``color``, ``fill``, ``horizontalAlignment``, ``wrapText``,
    ``border:EdgeBottom`` ...) and ``column_widths`` sheet name -> column
    letter -> points, whether xlwings' own actions or the add-in's
    ``cxFormatSheet`` callback set them; ``sheet_names`` is the sheet order
    at the end.
    """

    payload: dict
    actions: list[dict]
    located: list[tuple[str | None, dict]] = field(init=False)
    sheet_names: list[str] = field(init=False)
    deleted: list[str] = field(init=False)
    added: list[str] = field(init=False)
    values: dict[str, dict[str, object]] = field(init=False)
    number_formats: dict[str, dict[str, str]] = field(init=False)
    styles: dict[str, dict[str, dict[str, object]]] = field(init=False)
    column_widths: dict[str, dict[str, float]] = field(init=False)

    def __post_init__(self):
        names = [sheet["name"] for sheet in self.payload["sheets"]]
        self.located, self.deleted, self.added = [], [], []
        self.values, self.number_formats, self.styles, self.column_widths = {}, {}, {}, {}
        for action in self.actions:
            func, position = action["func"], action["sheet_position"]
            target = None if position is None else names[position]
            self.located.append((target, action))
            if func == "addSheet":
                index, name = action["args"]
                names.insert(index, name)
                self.added.append(name)
                self.located[-1] = (name, action)
            elif func == "sheetDelete":
                self.deleted.append(names.pop(position))
            elif func == "setSheetName":
                names[position] = action["args"][0]
            elif func == "setValues":
                self._spread(self.values, target, action, action["values"])
            elif func == "setNumberFormat":
                fmt = action["args"][0]
                rows, columns = action["row_count"], action["column_count"]
                self._spread(self.number_formats, target, action, [[fmt] * columns] * rows)
            elif func in _STYLE_ACTIONS:
                key, value = _STYLE_ACTIONS[func](action["args"])
                rows, columns = action["row_count"], action["column_count"]
                styles = self.styles.setdefault(target, {})
                for r in range(rows):
                    for c in range(columns):
                        cell = cell_name(action["start_row"] + r, action["start_column"] + c)
                        styles.setdefault(cell, {})[key] = value
            elif func == "setColumnWidth":
                widths = self.column_widths.setdefault(target, {})
                for c in range(action["column_count"]):
                    widths[cell_name(0, action["start_column"] + c)[:-1]] = action["args"][0]
            elif func == "runMacro" and action["args"][0] == FORMAT_CALLBACK:
                self.located[-1] = (action["args"][1]["sheet"], action)
                self._format_sheet(action["args"][1])
        self.sheet_names = names

    def _format_sheet(self, formats: dict) -> None:
        """What the add-in's cxFormatSheet does with ``formats`` (static/js/ribbon.js)."""
        sheet = formats["sheet"]
        number_formats = self.number_formats.setdefault(sheet, {})
        for entry in formats["numberFormats"]:
            for address in entry["ranges"]:
                for cell in cells_of(address):
                    number_formats[cell] = entry["format"]
        styles = self.styles.setdefault(sheet, {})
        for entry in formats["styles"]:
            style = dict(entry["style"])
            for side in style.pop("borders", []):
                style[f"border:{side}"] = "Continuous"
            for address in entry["ranges"]:
                for cell in cells_of(address):
                    styles.setdefault(cell, {}).update(style)
        widths = self.column_widths.setdefault(sheet, {})
        for entry in formats["columnWidths"]:
            first, last = (_column_number(letters) for letters in entry["columns"].split(":"))
            for column in range(first, last + 1):
                widths[cell_name(0, column)[:-1]] = entry["points"]

    @staticmethod
    def _spread(store, sheet, action, grid):
        cells = store.setdefault(sheet, {})
        top, left = action["start_row"], action["start_column"]
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                cells[cell_name(top + r, left + c)] = value

    def funcs(self) -> list[str]:
        """The action names in order."""
        return [action["func"] for action in self.actions]

    def on(self, sheet: str) -> list[dict]:
        """The actions that land on ``sheet``."""
        return [action for name, action in self.located if name == sheet]
