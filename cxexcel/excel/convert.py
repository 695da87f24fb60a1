"""Adapters between Excel values and the metric core.

Excel hands a custom function each argument as a 2-D list of cell values
(a single cell arrives unwrapped, an omitted optional argument as the
function's default, ``OMITTED``): blank cells are ``""`` (``None`` on the
classic route), error cells are ``{"type": "Error", "basicValue":
"#N/A", ...}`` (Office.js) or their text, dates are serial numbers. This
module turns such an argument into what the core takes, calls the core, and
turns the answer back into cell values:

- ``argument(value, kind)``: one Excel argument as a core input;
- ``result(value)``: a core result (float, text, array, DataFrame) as cell
  values: inside a spill NaN is a blank cell (a value that does not exist,
  such as a cohort month not yet observed) and an infinity ``#NUM!``; a
  single result that is NaN or infinite is ``#NUM!``;
- ``call(entry, args)``: all of it for one catalogue entry, raising
  ``ExcelError`` (which knows its ``#DIV/0!`` etc.) instead of a core error.

Optional arguments: the Excel functions (``udfs``) declare ``OMITTED`` as
the Python default of every optional parameter, so xlwings hands it over
for an argument left out of the formula, which ``call`` tells apart from a
blank cell. Both take the catalogue default, except that a blank cell for
an argument whose default ``None`` switches the core to another formula
(``CX.MRR(B1, B2)`` with B2 blank) reaches the core as a blank cell, which
gives ``#N/A``: the user meant to give a value.

Error cells in an argument are not skipped: like Excel's own functions, the
result is that same error, with a message naming the argument and the item.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd
from xlwings import XlwingsError

from ..catalog import Arg, Function
from ..errors import CxError, InputError, _show

__all__ = [
    "EXCEL_ERRORS",
    "OMITTED",
    "ExcelError",
    "argument",
    "result",
    "call",
    "serial_to_datetime",
    "datetime_to_serial",
]

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
"""The error values a cell can hold (``#GETTING_DATA`` and friends are transient)."""

# Excel's 1900 date system counts 1900 as a leap year (Lotus 1-2-3's bug):
# serial 1 is 1900-01-01, 59 is 1900-02-28, 60 the fictitious 1900-02-29 and
# 61 is 1900-03-01. So day 0 is 1899-12-31 for serials below 60 and
# 1899-12-30 from 61 on.
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of serials 61 and up
_EARLY_EPOCH = dt.datetime(1899, 12, 31)  # day 0 of serials 1 to 59
_LEAP_DAY = 60  # 1900-02-29, a date only Excel has
_FIRST_DATE = dt.datetime(1900, 1, 1)  # serial 1
_FIRST_EXACT = dt.datetime(1900, 3, 1)  # serial 61: from here on serials count from _EXCEL_EPOCH
_LAST_DAY = dt.datetime(2199, 12, 31)
_END_DATES = _LAST_DAY + dt.timedelta(days=1)  # dates must come before this
_LAST_SERIAL = (_LAST_DAY - _EXCEL_EPOCH).days  # 109574
_DATE_RANGE = f"Excel serial numbers run from 1 (1900-01-01) to {_LAST_SERIAL} (2199-12-31)"
LEAP_DAY_MESSAGE = (
    "is 1900-02-29, a date that exists only in Excel's 1900 date system; "
    "use 59 (1900-02-28) or 61 (1900-03-01)"
)
"""What is wrong with the serial number 60 (follows the value in a message)."""
# ISO dates: YYYY-MM-DD with an optional time, or YYYY-MM for a month.
_ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?)?")
_NUMBER_TYPES = frozenset({int, float, type(None)})

# Optional arguments whose default None stands for a value the core works out
# itself (CSAT's threshold: scale_max - 1), not for another formula: a blank
# cell takes that default like any other. Every other "range"/"value"
# argument with the default None switches formula; tests/excel/test_convert.py
# lists them, so a new one gets a decision.
BLANK_TAKES_DEFAULT = frozenset(
    {
        ("CSAT", "threshold"),
        ("CSAT_CI", "threshold"),
        ("NPS_SAMPLE_SIZE", "population"),
        ("MRR_MOVEMENTS", "fx"),  # blank: no fx movement
        ("MRR_FROM_SUBSCRIPTIONS", "quantity"),  # blank: 1 each
    }
)

logger = logging.getLogger(__name__)


class _Omitted:
    """The type of ``OMITTED``: an optional argument left out of the formula."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = _Omitted()
"""The Python default of optional parameters of the Excel functions: xlwings
passes it for an argument left out of the formula (JSON ``null`` on the
server route, a missing argument on the classic route)."""


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


def _serial_problem(serial: float) -> str | None:
    """Why ``serial`` is not an Excel date of 1900-01-01 .. 2199-12-31, or None."""
    if not (math.isfinite(serial) and 1 <= serial < _LAST_SERIAL + 1):
        return f"is not a date ({_DATE_RANGE})"
    if math.floor(serial) == _LEAP_DAY:
        return LEAP_DAY_MESSAGE
    return None


def serial_to_datetime(serial: float) -> dt.datetime:
    """Excel's date serial number (1900 date system) as a datetime, exactly as
    Excel shows it: 1 is 1900-01-01, 59 is 1900-02-28, 61 is 1900-03-01,
    109574 is 2199-12-31; a fraction is the time of day (to the millisecond).

    Raises ``InputError`` (argument ``serial``) for a number outside 1 to
    109574.99..., and for 60, Excel's fictitious 1900-02-29.
    """
    value = float(serial)
    problem = _serial_problem(value)
    if problem is not None:
        raise InputError("serial", problem, value)
    epoch = _EARLY_EPOCH if value < _LEAP_DAY else _EXCEL_EPOCH
    return epoch + dt.timedelta(milliseconds=round(value * 86_400_000))


def datetime_to_serial(value: dt.date) -> float:
    """A date or datetime as Excel's date serial number (1900 date system),
    the inverse of ``serial_to_datetime``: 1900-01-01 is 1, 1900-02-28 is 59,
    1900-03-01 is 61. A time zone is dropped (the wall-clock time kept).

    Raises ``InputError`` (argument ``date``) for dates outside 1900-01-01 to
    2199-12-31.
    """
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    moment = stamp.to_pydatetime(warn=False)
    if not _FIRST_DATE <= moment < _END_DATES:
        raise InputError(
            "date", "is outside Excel's dates (1900-01-01 to 2199-12-31)", stamp.isoformat()
        )
    epoch = _EARLY_EPOCH if moment < _FIRST_EXACT else _EXCEL_EPOCH
    return (moment - epoch) / dt.timedelta(days=1)


def _early_dates_as_serials(value: object) -> object:
    """A core result with its dates before 1900-03-01 as Excel serial numbers.

    The Office.js route (xlwings Server and Lite) turns a datetime into a
    serial number counting from 1899-12-30, which is one too many before
    1900-03-01 (Excel's fictitious 1900-02-29 lies between). Such a date is
    therefore handed over as its exact serial number (``datetime_to_serial``),
    which every route shows as that day, and so is every other date of its
    column, so that the column is all of one kind. Columns of later dates
    stay datetimes, which Excel formats as dates.
    """
    if isinstance(value, pd.DataFrame):
        frame = value
        for position in range(value.shape[1]):
            column = _early_series(value.iloc[:, position])
            if column is not None:
                if frame is value:
                    frame = value.copy()
                frame.isetitem(position, column)
        return frame
    if isinstance(value, pd.Series):
        column = _early_series(value)
        return value if column is None else column
    if isinstance(value, np.ndarray) and value.dtype.kind in "MO":
        column = _early_series(pd.Series(value.ravel()))
        if column is None:
            return value
        return column.to_numpy(dtype=object).reshape(value.shape)
    return datetime_to_serial(value) if _is_early(value) else value


def _is_early(value: object) -> bool:
    """A date or datetime (not NaT) before 1900-03-01."""
    if not isinstance(value, (dt.date, np.datetime64)) or pd.isna(value):
        return False
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize(None) if stamp.tzinfo is not None else stamp) < _FIRST_EXACT


def _early_series(column: pd.Series) -> pd.Series | None:
    """``column`` with all its dates as serial numbers (an object Series) if
    any of them is before 1900-03-01, else None."""
    if column.dtype.kind == "M" or isinstance(column.dtype, pd.DatetimeTZDtype):
        stamps = column.dt.tz_localize(None) if column.dt.tz is not None else column
        early = (stamps.notna() & (stamps < _FIRST_EXACT)).to_numpy(dtype=bool)
    elif column.dtype == object:
        early = np.fromiter((_is_early(cell) for cell in column), bool, len(column))
    else:
        return None
    if not early.any():
        return None
    cells = column.astype(object).to_numpy(copy=True)
    dates = np.fromiter(
        (isinstance(cell, (dt.date, np.datetime64)) and not pd.isna(cell) for cell in cells),
        bool,
        len(cells),
    )
    cells[dates] = [datetime_to_serial(cell) for cell in cells[dates]]
    return pd.Series(cells, index=column.index, name=column.name, dtype=object)


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


def _not_a_date(name: str, value: object, position: int | None, why: str) -> ExcelError:
    where = f" at item {position}" if position is not None else ""
    return ExcelError("#VALUE!", f"{name}: {_show(value)}{where} is not a date ({why})")


def _date(cell: object, name: str, position: int | None) -> object:
    """One cell of a ``dates`` argument: a serial number or ISO text as a datetime.

    Serial numbers are read as Excel shows them (``serial_to_datetime``).
    Serial numbers outside 1 (1900-01-01) to 2199-12-31, 60 (Excel's
    fictitious 1900-02-29) and text other than
    ``YYYY-MM-DD`` (``05/02/2024`` is May or February depending on the
    workbook's locale) are refused; blanks and anything else are left for
    the core to judge.
    """
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        problem = _serial_problem(float(cell))
        if problem is not None:
            where = f" at item {position}" if position is not None else ""
            raise ExcelError("#VALUE!", f"{name}: {_show(cell)}{where} {problem}")
        return serial_to_datetime(cell)
    if isinstance(cell, str) and cell.strip():
        text = cell.strip()
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            parsed = dt.datetime.fromisoformat(text if text.count("-") > 1 else text + "-01")
        except ValueError:
            raise _not_a_date(name, cell, position, "use a date cell or YYYY-MM-DD text") from None
        if not _FIRST_DATE <= parsed < _END_DATES:
            raise _not_a_date(name, cell, position, "dates run from 1900-01-01 to 2199-12-31")
        return parsed
    return cell


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
    the core to validate. ``dates`` (serial numbers, or ISO text
    ``YYYY-MM-DD``) become datetimes, ``text`` stays as text. Ranges of dates
    and text are flattened row by row.
    """
    if not isinstance(value, list):
        _raise_first_error(name, [value])
        cell = _cell(value)
        return _date(cell, name, None) if kind == "dates" else cell
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
        many = len(cells) > 1
        dates = [_date(c, name, k if many else None) for k, c in enumerate(cells, start=1)]
        return pd.Series(dates, dtype=object).infer_objects()
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
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        if math.isnan(value):
            raise ExcelError("#NUM!", "the result is not a number (NaN)")
        raise ExcelError("#NUM!", "the result is too large for Excel (infinite)")
    return _plain(value)


def _is_blank_cell(value: object) -> bool:
    """A blank cell: ``""`` or ``None``, alone or as a one-cell range."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value is None or (isinstance(value, str) and value == "")


def _optional(entry: Function, spec: Arg, value: object) -> object:
    """An optional argument as the core takes it (see the module docstring)."""
    if value is OMITTED or value is None:
        return spec.default
    if not _is_blank_cell(value):
        return argument(value, spec.kind, spec.name)
    if (
        spec.default is None
        and spec.kind in ("range", "value")
        and (entry.name, spec.name) not in BLANK_TAKES_DEFAULT
    ):
        return [[None]]  # the core says "<name>: has no values (all blank)"
    return spec.default


def call(entry: Function, args: Sequence) -> object:
    """Call a catalogue function with Excel arguments and return Excel values.

    A core error becomes an ``ExcelError`` with the error's Excel code and
    its message (which names the argument and the bad value). Any other
    exception (a bug, or input nobody foresaw) becomes ``#VALUE!`` naming
    the function, with the traceback in the log.
    """
    try:
        inputs = [
            _optional(entry, spec, value)
            if spec.optional
            else (None if value is None else argument(value, spec.kind, spec.name))
            for value, spec in zip(args, entry.args, strict=True)
        ]
        value = _early_dates_as_serials(entry.function(*inputs))
    except ExcelError:
        raise
    except CxError as error:
        raise ExcelError.from_core(error) from error
    except Exception as error:
        raise _unexpected(entry, error) from error
    try:
        return result(value)
    except ExcelError as error:
        raise ExcelError(error.code, f"{entry.excel_name}: {error.message}") from None
    except Exception as error:
        raise _unexpected(entry, error) from error


def _unexpected(entry: Function, error: Exception) -> ExcelError:
    """``#VALUE!`` for an exception that is not a core error: a bug, or input
    nobody foresaw. The user sees which function failed and why in short;
    the traceback goes to the log (the server's console)."""
    logger.error("%s failed unexpectedly", entry.excel_name, exc_info=error)
    detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if len(detail) > 200:
        detail = detail[:197] + "..."
    return ExcelError("#VALUE!", f"{entry.excel_name}: could not be computed ({detail})")
