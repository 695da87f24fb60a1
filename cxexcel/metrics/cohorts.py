"""Cohort retention matrix from activity or order rows.

This module also holds the row-table reading shared by the table analytics
(``movements``, ``cohorts``, ``clv_models``): columns of one table passed as
separate ranges, validated together so an error names the argument, the bad
value and its item number.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, InputError
from ._inputs import flatten, is_blank, to_floats

__all__ = ["cohorts", "cohort_table", "PERIODS"]

#: Period codes: "W" weeks starting on Monday, "M" calendar months, "Q" calendar quarters.
PERIODS = ("W", "M", "Q")

# 1970-01-05 was a Monday: week numbers count from it so weeks start on Monday.
_MONDAY_EPOCH_DAYS = 4

#: Key of ``read_rows``' result marking which items were kept as rows.
ITEM = "_item"


def cohorts(customer, date, period="M") -> pd.DataFrame:
    """Cohort retention: share of each first-period cohort active in later periods.

    ``customer`` and ``date`` are one row per activity or order. A customer's
    cohort is the period of their first date; a customer is active in a
    period when they have at least one row in it. ``period`` is "W" (weeks
    starting on Monday), "M" (calendar months, the default) or "Q" (calendar
    quarters).

    Returns one row per cohort, oldest first, with columns ``cohort`` (the
    first day of the cohort's period), ``size`` (customers in the cohort) and
    ``0, 1, 2, ...`` (integer column names: periods since the cohort's start)
    holding the share of the cohort active in that period. Column 0 is always
    1. Cells after the last period in the data are NaN (blank), not 0.
    """
    code = _period_code(period)
    cols = read_rows(customer=("key", customer), date=("date", date))
    codes, _ = pd.factorize(cols["customer"])
    index = period_index(cols["date"], code)

    first = np.full(codes.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, index)
    start = index.min()
    age = index - first[codes]
    n_periods = int(index.max() - start) + 1

    # Count each customer once per active period.
    pair = np.unique(codes.astype(np.int64) * n_periods + age)
    pair_customer = pair // n_periods
    pair_age = pair % n_periods
    pair_cohort = first[pair_customer] - start
    active = np.zeros((n_periods, n_periods), dtype=np.int64)
    np.add.at(active, (pair_cohort, pair_age), 1)
    sizes = np.bincount(first - start, minlength=n_periods)

    present = sizes > 0
    shares = active[present] / sizes[present, None]
    offsets = np.flatnonzero(present)
    observed = np.arange(n_periods)[None, :] < (n_periods - offsets)[:, None]
    shares = np.where(observed, shares, np.nan)

    frame = pd.DataFrame(shares, columns=list(range(n_periods)))
    frame.insert(0, "size", sizes[present])
    frame.insert(0, "cohort", period_start(offsets + start, code))
    return frame


def cohort_table(customer, date, period="M") -> list[list]:
    """The cohort matrix as rows of plain values, header row first.

    Same content as ``cohorts``: the header is ``["cohort", "size", 0, 1, ...]``;
    dates are ``datetime.datetime`` and cells outside the observed periods
    are ``None``.
    """
    frame = cohorts(customer, date, period)
    rows: list[list] = [list(frame.columns)]
    for record in frame.itertuples(index=False):
        cells = [record[0].to_pydatetime(), int(record[1])]
        cells.extend(None if np.isnan(v) else float(v) for v in record[2:])
        rows.append(cells)
    return rows


def _period_code(period) -> str:
    code = choice("period", period, PERIODS, default="M")
    if code is None:
        raise InputError("period", 'must be "W", "M" or "Q"', _one(period))
    return code


def choice(name: str, value, codes, default: str):
    """The code a one-letter option names (case-insensitive, a 1x1 range is
    accepted, blank gives the default), or None if it names none of ``codes``."""
    value = _one(value)
    if is_blank(value):
        return default
    code = value.strip().upper() if isinstance(value, str) else None
    return code if code in codes else None


def _one(value):
    items = flatten(value)
    return items[0] if len(items) == 1 else value


def period_index(dates: np.ndarray, code: str) -> np.ndarray:
    """Integer number of the week, month or quarter each datetime64 falls in."""
    if code == "W":
        days = dates.astype("datetime64[D]").astype(np.int64)
        return (days - _MONDAY_EPOCH_DAYS) // 7
    months = dates.astype("datetime64[M]").astype(np.int64)
    return months if code == "M" else months // 3


def period_start(index: np.ndarray, code: str) -> pd.DatetimeIndex:
    """First day of the periods numbered by ``period_index``."""
    index = np.asarray(index, dtype=np.int64)
    if code == "W":
        days = index * 7 + _MONDAY_EPOCH_DAYS
        return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"))
    months = index if code == "M" else index * 3
    return pd.DatetimeIndex(months.astype("datetime64[M]").astype("datetime64[ns]"))


# --- reading a table given as separate column ranges -------------------------


def read_rows(**columns: tuple[str, object]) -> dict[str, np.ndarray]:
    """Validate columns of one table and return them without all-blank rows.

    Each keyword is ``name=(kind, data)`` with kind ``"key"`` (any non-blank
    value, e.g. a customer id), ``"date"`` (datetime-like, returned as
    datetime64[ns]), ``"amount"`` (a number >= 0) or ``"flag"`` (0/1 or
    TRUE/FALSE, returned as 0.0/1.0). Rows where every column is blank are
    dropped; a blank among filled cells, a bad value, or columns of different
    lengths raise ``InputError`` naming the argument; no rows at all raise
    ``EmptyInputError`` naming the first argument. The entry ``ITEM`` marks
    the kept rows among the items; ``item_number`` turns a row back into
    the item number for a later error message.
    """
    parsed = {}
    for name, (kind, data) in columns.items():
        parsed[name] = _READERS[kind](name, data)
    names = list(parsed)
    first = names[0]
    length = len(parsed[first][0])
    for name in names[1:]:
        if len(parsed[name][0]) != length:
            raise InputError(
                name,
                f"has {len(parsed[name][0])} items but {first} has {length}; "
                "the columns must be the same length",
            )
    blank_all = np.ones(length, dtype=bool)
    for _, blank in parsed.values():
        blank_all &= blank
    keep = ~blank_all
    if not keep.any():
        raise EmptyInputError(first)
    for name in names:
        hole = parsed[name][1] & keep
        if hole.any():
            position = int(np.argmax(hole)) + 1
            error = InputError(
                name, f"item {position} is blank but other columns of its row are not"
            )
            error.position = position
            raise error
    if keep.all():
        rows = {name: values for name, (values, _) in parsed.items()}
    else:
        rows = {name: values[keep] for name, (values, _) in parsed.items()}
    rows[ITEM] = keep
    return rows


def item_number(rows: dict[str, np.ndarray], index: int) -> int:
    """1-based item number in the caller's ranges of row ``index`` of ``read_rows``' result."""
    return int(np.flatnonzero(rows[ITEM])[index]) + 1


def _numeric_array(data) -> np.ndarray | None:
    """The data as a 1-D numpy array when it already is numeric, else None."""
    if isinstance(data, (pd.Series, pd.Index)) and data.dtype.kind in "iuf":
        return data.to_numpy().ravel()
    if isinstance(data, np.ndarray) and data.dtype.kind in "iuf":
        return data.ravel()
    return None


def _read_key(name: str, data) -> tuple[np.ndarray, np.ndarray]:
    array = _numeric_array(data)
    if array is not None:
        blank = np.isnan(array) if array.dtype.kind == "f" else np.zeros(len(array), dtype=bool)
        return array, blank
    items = flatten(data)
    values = np.empty(len(items), dtype=object)
    # Ids mixing numbers and text: 1, 1.0 and "1" are one customer, as in the input tables.
    values[:] = [_key_text(v) for v in items]
    blank = np.fromiter((is_blank(v) for v in items), dtype=bool, count=len(items))
    return values, blank


def _key_text(value):
    """A customer id as text: whole numbers without a decimal point, text trimmed."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Real) and not isinstance(value, bool) and value == value:
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return value


def _read_amount(name: str, data) -> tuple[np.ndarray, np.ndarray]:
    array = _numeric_array(data)
    if array is not None:
        array = array.astype(float, copy=False)
        if np.isinf(array).any():
            position = int(np.argmax(np.isinf(array))) + 1
            raise InputError(name, "is not a finite number", float(array[position - 1]), position)
        items = None
    else:
        array, items = to_floats(name, data)
    blank = np.isnan(array)
    negative = array < 0
    if negative.any():
        index = int(np.argmax(negative))
        value = items[index] if items is not None else float(array[index])
        raise InputError(name, "is negative", value, index + 1)
    return array, blank


def _read_flag(name: str, data) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(data, (np.ndarray, pd.Series)) and data.dtype.kind == "b":
        array = np.asarray(data, dtype=float).ravel()
        return array, np.zeros(len(array), dtype=bool)
    items = flatten(data)
    array = np.empty(len(items), dtype=float)
    for index, value in enumerate(items):
        if is_blank(value):
            array[index] = np.nan
        elif isinstance(value, (bool, np.bool_)):
            array[index] = float(value)
        elif isinstance(value, Real) and float(value) in (0.0, 1.0):
            array[index] = float(value)
        else:
            raise InputError(name, "is not 0/1 or TRUE/FALSE", value, index + 1)
    return array, np.isnan(array)


def _read_date(name: str, data) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(data, (pd.Series, pd.Index)) and data.dtype.kind == "M":
        index = pd.DatetimeIndex(data)
        if index.tz is not None:
            index = index.tz_localize(None)
        array = index.to_numpy(dtype="datetime64[ns]")
        return array, np.isnat(array)
    if isinstance(data, np.ndarray) and data.dtype.kind == "M":
        array = data.ravel().astype("datetime64[ns]")
        return array, np.isnat(array)
    items = flatten(data)
    blank = np.fromiter((is_blank(v) for v in items), dtype=bool, count=len(items))
    for index, value in enumerate(items):
        if not blank[index] and isinstance(value, (Real, np.bool_)) and not _is_datetime(value):
            raise InputError(name, "is not a date", value, index + 1)
    present = np.flatnonzero(~blank)
    objects = np.empty(len(present), dtype=object)
    objects[:] = [items[i] for i in present]
    parsed = _to_datetime(objects)
    array = np.full(len(items), np.datetime64("NaT"), dtype="datetime64[ns]")
    array[present] = parsed
    failed = np.isnat(array) & ~blank
    if failed.any():
        index = int(np.argmax(failed))
        raise InputError(name, "is not a date", items[index], index + 1)
    return array, blank


def _is_datetime(value) -> bool:
    return isinstance(value, (np.datetime64, pd.Timestamp))


def _to_datetime(objects: np.ndarray) -> np.ndarray:
    """Parse datetime-likes; unparseable items become NaT."""
    if len(objects) == 0:
        return np.array([], dtype="datetime64[ns]")
    try:
        with warnings.catch_warnings():
            # Mixed formats fall back to per-item parsing, which is what is wanted here.
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(objects, errors="coerce")
        if parsed.tz is not None:
            parsed = parsed.tz_localize(None)
        out = parsed.to_numpy(dtype="datetime64[ns]")
    except (TypeError, ValueError, OverflowError):
        out = np.full(len(objects), np.datetime64("NaT"), dtype="datetime64[ns]")
    missing = np.flatnonzero(np.isnat(out))
    for i in missing:
        out[i] = _one_datetime(objects[i])
    return out


def _one_datetime(value) -> np.datetime64:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return np.datetime64("NaT")
    if stamp is pd.NaT:
        return np.datetime64("NaT")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.to_datetime64().astype("datetime64[ns]")


_READERS = {"key": _read_key, "date": _read_date, "amount": _read_amount, "flag": _read_flag}
