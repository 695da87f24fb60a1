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
]

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


@dataclass
class Replay:
    """What a list of actions would do to the workbook in ``payload``.

    Sheets are tracked by position, as the JavaScript resolves them, so
    ``located`` pairs every action with the name of the sheet it lands on
    (``None`` for book-level actions such as ``alert``). ``values`` and
    ``number_formats`` map sheet name -> A1 cell -> what was last written
    there; ``sheet_names`` is the sheet order at the end.
    """

    payload: dict
    actions: list[dict]
    located: list[tuple[str | None, dict]] = field(init=False)
    sheet_names: list[str] = field(init=False)
    deleted: list[str] = field(init=False)
    added: list[str] = field(init=False)
    values: dict[str, dict[str, object]] = field(init=False)
    number_formats: dict[str, dict[str, str]] = field(init=False)

    def __post_init__(self):
        names = [sheet["name"] for sheet in self.payload["sheets"]]
        self.located, self.deleted, self.added = [], [], []
        self.values, self.number_formats = {}, {}
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
        self.sheet_names = names

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
