"""Adapters between Excel values and the metric core.

Excel hands a custom function each argument as a 2-D list of cell values
(a single cell arrives unwrapped, an omitted optional argument as ``None``):
blank cells are ``""``, error cells are ``{"type": "Error", "basicValue":
"#N/A", ...}`` (Office.js) or their text, dates are serial numbers. This
module turns such an argument into what the core takes, calls the core, and
turns the answer back into cell values:

- ``argument(value, kind)``: one Excel argument as a core input;
- ``result(value)``: a core result (float, text, array, DataFrame) as cell
  values, with NaN shown as a blank cell;
- ``call(entry, args)``: all of it for one catalogue entry, raising
  ``ExcelError`` (which knows its ``#DIV/0!`` etc.) instead of a core error.

Error cells in an argument are not skipped: like Excel's own functions, the
result is that same error, with a message naming the argument and the item.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd
from xlwings import XlwingsError

from ..catalog import Function
from ..errors import CxError

__all__ = ["EXCEL_ERRORS", "ExcelError", "argument", "result", "call", "serial_to_datetime"]

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
"""The error values a cell can hold (``#GETTING_DATA`` and friends are transient)."""

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER_TYPES = frozenset({int, float, type(None)})


class ExcelError(XlwingsError):
    """A function's answer is an Excel error: ``code`` (e.g. ``#DIV/0!``) and a message.

    It subclasses ``XlwingsError`` so that even a stock xlwings server answers
    HTTP 400 with the message (shown as ``#VALUE!``); ``cxexcel.server`` adds
    the code to the answer so Excel shows the right error.
    """

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)

    @classmethod
    def from_core(cls, error: CxError) -> ExcelError:
        """The Excel error a core error becomes."""
        return cls(error.excel_code, str(error))


def serial_to_datetime(serial: float) -> dt.datetime:
    """Excel's date serial number (1900 date system) as a datetime."""
    return _EXCEL_EPOCH + dt.timedelta(days=float(serial))


def _error_code(value: object) -> str | None:
    """The Excel error a cell value stands for, if it is one."""
    if isinstance(value, dict):
        if value.get("type") == "Error":
            return str(value.get("basicValue") or "#VALUE!")
        return None
    if isinstance(value, str) and value in EXCEL_ERRORS:
        return value
    return None


def _cell(value: object) -> object:
    """One cell as the core sees it: blanks become None, rich values their plain value."""
    if value == "":
        return None
    if isinstance(value, dict):
        return value.get("basicValue")
    return value


def _raise_first_error(name: str, items: Sequence) -> None:
    for position, value in enumerate(items, start=1):
        code = _error_code(value)
        if code is not None:
            where = f" at item {position}" if len(items) > 1 else ""
            raise ExcelError(code, f"{name}: the cell{where} is the error {code}")


def argument(value: object, kind: str = "range", name: str = "argument") -> object:
    """One Excel argument as a core input.

    ``range`` and ``value`` arguments of plain numbers and blanks become a
    float array in the range's shape (NaN for blanks), which is the fast path
    for large ranges; anything else keeps its cells (blanks as ``None``) for
    the core to validate. ``dates`` become datetimes, ``text`` stays as text.
    Ranges of dates and text are flattened row by row.
    """
    if not isinstance(value, list):
        _raise_first_error(name, [value])
        cell = _cell(value)
        if kind == "dates" and isinstance(cell, (int, float)) and not isinstance(cell, bool):
            return serial_to_datetime(cell)
        return cell
    rows = value if value and isinstance(value[0], list) else [value]
    if kind in ("range", "value"):
        flat = list(chain.from_iterable(rows))
        width = len(rows[0])
        # Excel sends rectangular ranges; the size check guards hand-made input.
        if len(flat) == len(rows) * width:
            types = set(map(type, flat))
            if str in types:  # blank cells arrive as ""
                flat = [None if cell == "" else cell for cell in flat]
                types = set(map(type, flat))
            if types <= _NUMBER_TYPES:
                return np.array(flat, dtype=float).reshape(len(rows), width)
        _raise_first_error(name, flat)
        return [[_cell(cell) for cell in row] for row in rows]
    flat = list(chain.from_iterable(rows))
    _raise_first_error(name, flat)
    cells = [_cell(cell) for cell in flat]
    if kind == "dates":
        return pd.Series(
            [
                serial_to_datetime(c)
                if isinstance(c, (int, float)) and not isinstance(c, bool)
                else c
                for c in cells
            ],
            dtype=object,
        ).infer_objects()
    return cells


def _plain(value: object) -> object:
    """A cell value Excel can hold: NaN and NaT become blank, infinities ``#NUM!``,
    numpy scalars Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return float(value) if math.isfinite(value) else "#NUM!"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def result(value: object) -> object:
    """A core result as Excel cell values.

    A number or text is one cell; an array spills in its shape (a 1-D array
    as a column) with blanks where the inputs were blank; a DataFrame spills
    with a header row and without its index.
    """
    if isinstance(value, pd.DataFrame):
        header = [str(column) for column in value.columns]
        rows = value.astype(object).to_numpy().tolist()
        return [header] + [[_plain(cell) for cell in row] for row in rows]
    if isinstance(value, pd.Series):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _plain(value.item())
        if value.ndim == 1:
            value = value.reshape(-1, 1)
        return [[_plain(cell) for cell in row] for row in value.astype(object).tolist()]
    if isinstance(value, (list, tuple)):
        return [[_plain(cell) for cell in row] for row in value]
    if isinstance(value, float) and math.isinf(value):
        raise ExcelError("#NUM!", "the result is too large for Excel (infinite)")
    return _plain(value)


def call(entry: Function, args: Sequence) -> object:
    """Call a catalogue function with Excel arguments and return Excel values.

    A core error becomes an ``ExcelError`` with the error's Excel code and
    its message (which names the argument and the bad value).
    """
    inputs = []
    for value, spec in zip(args, entry.args, strict=True):
        converted = None if value is None else argument(value, spec.kind, spec.name)
        # An omitted optional argument, or one pointing at a blank cell, takes its default.
        inputs.append(spec.default if converted is None and spec.optional else converted)
    try:
        value = entry.function(*inputs)
    except CxError as error:
        raise ExcelError.from_core(error) from error
    try:
        return result(value)
    except ExcelError as error:
        raise ExcelError(error.code, f"{entry.excel_name}: {error.message}") from None
