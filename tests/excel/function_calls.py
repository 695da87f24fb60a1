"""Calling ``=CX.*`` functions the way Excel does: the request body of
xlwings' custom-functions code, sent to ``POST /xlwings/custom-functions-call``.
"""

from __future__ import annotations

import numpy as np

CALL_PATH = "/xlwings/custom-functions-call"


def excel_argument(value: object) -> object:
    """A core-call argument as Excel sends it: a 2-D matrix of cells
    (blanks as ""), or ``None`` for an omitted optional argument."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [["" if value is None else value]]
    rows = value if value and isinstance(value[0], (list, tuple)) else [value]
    return [["" if cell is None else cell for cell in row] for row in rows]


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
