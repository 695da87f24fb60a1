"""Turning what callers pass (numbers, sequences, arrays, Series, Excel's
nested lists) into validated numpy arrays, with errors that name the
argument, the first bad value and its position.

Positions are 1-based item numbers over the flattened input in row-major
order, blanks included, so "item 37" of a one-column range is its 37th cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import chain
from numbers import Real

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, InputError, ZeroDenominatorError


def is_blank(value: object) -> bool:
    """True for what Excel users see as an empty cell: None, NaN, NaT, pandas' NA, ''."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip() == ""
    return value is pd.NaT or value is pd.NA or (isinstance(value, np.floating) and np.isnan(value))


def flatten(data: object) -> list:
    """All items of ``data`` in row-major order; a scalar becomes a one-item list."""
    if isinstance(data, np.ndarray):
        return data.ravel().tolist()
    if isinstance(data, pd.DataFrame):
        return data.to_numpy(dtype=object).ravel().tolist()
    if isinstance(data, (pd.Series, pd.Index)):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        if data and isinstance(data[0], list) and all(type(row) is list for row in data):
            rows = chain.from_iterable(data)  # an Excel range: a list of row lists
            flat = list(rows)
            if not any(type(item) in _NESTED for item in flat):
                return flat
            return flatten(flat)
        if any(isinstance(item, (list, tuple, np.ndarray, pd.Series)) for item in data):
            out: list = []
            for item in data:
                out.extend(flatten(item))
            return out
        return list(data)
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, dict)):
        return flatten(list(data))
    return [data]


_NESTED = {list, tuple, np.ndarray, pd.Series}
_PLAIN_NUMBERS = {float, int, type(None), np.float64, np.float32, np.int64, np.int32}


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _first_bad(name: str, items: list) -> InputError:
    for index, value in enumerate(items, start=1):
        position = index if len(items) > 1 else None
        if is_blank(value):
            continue
        if not _is_number(value):
            return InputError(name, "is not a number", value, position)
        if math.isinf(float(value)):
            return InputError(name, "is not a finite number", value, position)
    raise AssertionError("no bad item found")  # pragma: no cover - callers check first


def to_floats(name: str, data: object) -> tuple[np.ndarray, list]:
    """All items of ``data`` as floats, blanks as NaN; text, booleans and
    infinities raise ``InputError``. Returns the array and the flat items."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiu":
        # Already numbers: no per-item checks; the array doubles as the items.
        array = data.astype(float, copy=False).ravel()
        if not np.isinf(array).any():
            return array, array
    items = flatten(data)
    types = set(map(type, items))
    if types <= _PLAIN_NUMBERS:
        # Fast path: None becomes NaN. Text never takes it: numpy would parse "10" and "nan".
        array = np.array(items, dtype=float)
        if not np.isinf(array).any():
            return array, items
    # Slow path: blanks that numpy rejects ("" or whitespace), or a bad value to report.
    array = np.empty(len(items), dtype=float)
    for index, value in enumerate(items):
        if is_blank(value):
            array[index] = np.nan
        elif _is_number(value) and not math.isinf(float(value)):
            array[index] = float(value)
        else:
            raise _first_bad(name, items)
    return array, items


def values(
    name: str,
    data: object,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    scale: str | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """The non-blank numbers of a range, validated.

    ``low``/``high`` bound every value (``scale`` words the bound in the
    message, e.g. "0-10"); ``integer`` requires whole numbers. An input with
    no values raises ``EmptyInputError`` unless ``allow_empty``.
    """
    array, items = to_floats(name, data)
    mask = ~np.isnan(array)
    if integer:
        bad = mask & (array != np.floor(np.where(mask, array, 0)))
        if bad.any():
            index = int(np.argmax(bad))
            raise InputError(name, "is not a whole-number score", items[index], index + 1)
    if low is not None or high is not None:
        bad = np.zeros_like(mask)
        if low is not None:
            bad |= mask & (array < low)
        if high is not None:
            bad |= mask & (array > high)
        if bad.any():
            index = int(np.argmax(bad))
            words = scale or _range_words(low, high)
            raise InputError(name, f"is outside {words}", items[index], index + 1)
    result = array[mask]
    if result.size == 0 and not allow_empty:
        raise EmptyInputError(name)
    return result


def _range_words(low: float | None, high: float | None) -> str:
    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if low is not None and high is not None:
        return f"{fmt(low)}-{fmt(high)}"
    if low is not None:
        return f"the allowed range (at least {fmt(low)})"
    return f"the allowed range (at most {fmt(high)})"


def quantity(
    name: str,
    data: object,
    *,
    nonnegative: bool = True,
    allow_blank: bool = False,
) -> np.ndarray:
    """A count or amount: one number or a range of them (kept in its shape).

    Blanks inside a range become NaN and give blank results; a lone blank
    is an ``EmptyInputError`` unless ``allow_blank``.
    """
    array, items = to_floats(name, data)
    shape = _shape_of(data)
    array = array.reshape(shape) if shape else array.reshape(())
    flat = array.ravel()
    if flat.size == 0 or (np.isnan(flat).all() and not allow_blank):
        raise EmptyInputError(name)
    if nonnegative:
        bad = ~np.isnan(flat) & (flat < 0)
        if bad.any():
            index = int(np.argmax(bad))
            raise InputError(
                name, "is negative", items[index], index + 1 if flat.size > 1 else None
            )
    return array


def _shape_of(data: object) -> tuple[int, ...]:
    """Shape of ``data`` for broadcasting: () for a scalar or a 1x1 range."""
    if isinstance(data, (np.ndarray, pd.Series, pd.DataFrame)):
        shape = np.shape(data)
    elif isinstance(data, (list, tuple)):
        if data and all(isinstance(row, (list, tuple)) for row in data):
            widths = {len(row) for row in data}
            shape = (len(data), widths.pop()) if len(widths) == 1 else (len(flatten(data)),)
        else:
            shape = (len(data),)
    else:
        return ()
    return () if int(np.prod(shape)) == 1 else tuple(shape)


def scalar(name: str, value: object, *, nonnegative: bool = False, positive: bool = False) -> float:
    """A single number (a 1x1 range is accepted)."""
    items = flatten(value)
    present = [v for v in items if not is_blank(v)]
    if not present:
        raise EmptyInputError(name)
    if len(items) != 1:
        raise InputError(name, f"must be a single value, not a range of {len(items)} cells")
    number = to_floats(name, present)[0][0]
    if positive and number <= 0:
        raise InputError(name, "must be greater than 0", present[0])
    if nonnegative and number < 0:
        raise InputError(name, "is negative", present[0])
    return float(number)


def broadcast(**arrays: np.ndarray) -> list[np.ndarray]:
    """Pair up the arguments of one call item by item.

    Each argument is a single value or a range; all ranges must hold the same
    number of cells, and are paired in order (a row of starts with a column
    of losses pairs first with first). Results take the first range's shape.
    """
    ranges = {name: a for name, a in arrays.items() if a.ndim > 0}
    if not ranges:
        return list(arrays.values())
    shape = next(iter(ranges.values())).shape
    size = int(np.prod(shape))
    if any(a.size != size for a in ranges.values()):
        sizes = ", ".join(f"{name} {a.size} cells" for name, a in ranges.items())
        raise InputError(
            next(iter(ranges)), f"ranges must be the same size or single values ({sizes})"
        )
    return [a.reshape(shape) if a.ndim > 0 else np.full(shape, float(a)) for a in arrays.values()]


def ratio(numerator: np.ndarray, denominator: np.ndarray, denominator_name: str):
    """numerator / denominator with a ``ZeroDenominatorError`` naming the argument."""
    numerator, denominator = np.broadcast_arrays(numerator, denominator)
    zero = denominator == 0
    if zero.any():
        position = int(np.argmax(zero.ravel())) + 1 if denominator.size > 1 else None
        raise ZeroDenominatorError(denominator_name, position=position)
    return result(numerator / denominator)


def result(array: np.ndarray):
    """A float for a single value, else the array (NaN where inputs were blank)."""
    array = np.asarray(array, dtype=float)
    return float(array) if array.ndim == 0 else array
