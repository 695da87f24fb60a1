"""Calling ``=CX.*`` functions the way Excel does: the request body of
xlwings' custom-functions code, sent to ``POST /xlwings/custom-functions-call``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

CALL_PATH = "/xlwings/custom-functions-call"


def serial(value: object) -> object:
    """A date as Excel holds it (serial number, 1900 system); other values unchanged."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        return (value.replace(tzinfo=None) - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    return value


def excel_cell(value: object) -> object:
    """One cell as Excel sends it: blanks as "", dates as serial numbers."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    return serial(value)


def excel_argument(value: object) -> object:
    """A core-call argument as Excel sends it: a 2-D matrix of cells, or
    ``None`` for an omitted optional argument. A 1-D sequence is a column."""
    if value is None:
        return None
    if isinstance(value, (pd.Series, pd.Index)):
        value = value.tolist()
    if isinstance(value, np.ndarray):
        value = value.tolist() if value.ndim else value.item()
    if not isinstance(value, (list, tuple)):
        return [[excel_cell(value)]]
    rows = value if value and isinstance(value[0], (list, tuple)) else [[cell] for cell in value]
    return [[excel_cell(cell) for cell in row] for row in rows]


def plain_result(value: object) -> object:
    """A result cell as a plain value: Excel's rich values (dates) by their number."""
    if isinstance(value, list):
        return [plain_result(cell) for cell in value]
    if isinstance(value, dict) and "basicValue" in value:
        return value["basicValue"]
    return value


def request_body(func_name: str, *args: object) -> dict:
    """The JSON body Excel sends for ``=CX.<FUNC_NAME>(args...)``."""
    return {
        "client": "Office.js",
        "func_name": func_name,
        "args": [excel_argument(arg) for arg in args],
        "caller_address": "[Book1.xlsx]Sheet1!B2",
        "culture_info_name": "en-US",
        "date_format": "m/d/yyyy",
        "version": "0.37.8",
        "runtime": "1.4",
    }


def error_cell(code: str) -> dict:
    """An error cell as Office.js passes it to a custom function."""
    kinds = {"#N/A": "NotAvailable", "#DIV/0!": "Div0", "#VALUE!": "Value", "#REF!": "Ref"}
    return {"type": "Error", "basicValue": code, "errorType": kinds[code]}


def close(actual: object, expected: object, tolerance: float) -> bool:
    """Cell values equal up to ``tolerance`` (numbers), exactly otherwise."""
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(close(a, e, tolerance) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return isinstance(actual, (int, float)) and abs(actual - expected) <= tolerance
    return actual == expected
