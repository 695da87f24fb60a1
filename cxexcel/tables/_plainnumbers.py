"""The numbers of a sheet's cells, checked and read as openpyxl reads them,
with numpy.

A number cell's text must be plain (``-?(0|[1-9][0-9]*)(\\.[0-9]+)?
([eE][-+]?[0-9]+)?``: no spaces, no "+", no needless zero, no "NaN"), so
that every reader reads the same number. openpyxl reads such a text with
``int()`` when it holds no "." or exponent, else with ``float()``; ``read``
gives the same values:

- an integer of at most 15 digits is its digits' value (exact);
- a decimal whose digits, without the point, make an integer M of at most
  2**53, with a power of ten 10**e of at most 22 either way, is M * 10**e
  or M / 10**-e in floating point: both numbers are exact, so one rounding
  gives the nearest double, which is what ``float()`` returns (the fast
  path of every correct strtod);
- any other is read with ``float()``, one by one.
"""

from __future__ import annotations

import numpy as np

# A plain number's characters: 0, 1-9, ".", e/E, "+", "-", anything else.
_CLASS = np.full(256, 7, np.uint8)
_CLASS[ord("0")] = 0
_CLASS[ord("1") : ord("9") + 1] = 1
_CLASS[ord(".")] = 2
_CLASS[ord("e")] = _CLASS[ord("E")] = 3
_CLASS[ord("+")] = 4
_CLASS[ord("-")] = 5
_END = 6
_ACCEPT, _REJECT = 9, 10


def _machine() -> np.ndarray:
    t = np.full((11, 8), _REJECT, np.uint8)
    t[0, 5], t[0, 0], t[0, 1] = 1, 2, 3  # start: sign, 0, 1-9
    t[1, 0], t[1, 1] = 2, 3  # after -
    t[2, 2], t[2, 3], t[2, _END] = 4, 6, _ACCEPT  # 0
    t[3, 0], t[3, 1], t[3, 2], t[3, 3], t[3, _END] = 3, 3, 4, 6, _ACCEPT  # digits
    t[4, 0], t[4, 1] = 5, 5  # after .
    t[5, 0], t[5, 1], t[5, 3], t[5, _END] = 5, 5, 6, _ACCEPT  # fraction
    t[6, 4], t[6, 5], t[6, 0], t[6, 1] = 7, 7, 8, 8  # after e
    t[7, 0], t[7, 1] = 8, 8  # after e sign
    t[8, 0], t[8, 1], t[8, _END] = 8, 8, _ACCEPT  # exponent
    t[_ACCEPT, _END] = _ACCEPT
    return t


_NUMBER = _machine()
_EXACT = 2.0**53
_POWERS = 10.0 ** np.arange(23)  # exact doubles


def read(arr: np.ndarray, start: np.ndarray, end: np.ndarray):
    """For each text ``arr[start:end]`` (``arr`` padded with zeros past the
    longest): whether it is plain, whether openpyxl reads it as a float
    (it has a "." or an exponent), and its value (NaN for a text that is not
    plain and for an integer of more than 15 digits, which is left to
    ``int()``)."""
    length = end - start
    width = int(length.max()) if len(length) else 0
    # Most are integers (digits, the first not a needless 0, perhaps after
    # a "-"): found and summed with comparisons; the machine reads the others.
    sign = arr.take(start) == 0x2D
    digits = np.ones(len(start), bool)
    total = np.zeros(len(start), np.int64)
    for k in range(width):
        digit = arr.take(start + k) - np.uint8(0x30)
        inside = k < length
        is_digit = digit < 10
        digits &= is_digit | ~inside | (sign if k == 0 else False)
        total = np.where(inside & is_digit, total * 10 + digit, total)
    lead = arr.take(start + sign)
    plain = digits & (length > sign) & ((lead != 0x30) | (length == sign + 1))
    value = np.where(sign, -total, total).astype(np.float64)
    value[plain & (length - sign > 15)] = np.nan
    is_float = np.zeros(len(start), bool)
    rest = np.flatnonzero(~plain)
    if len(rest):
        plain[rest], is_float[rest], value[rest] = _decimals(arr, start[rest], length[rest])
    return plain, is_float, value


def _decimals(arr, start, length):
    """``read`` of texts that are not plain integers."""
    count = len(start)
    state = np.zeros(count, np.uint8)
    dotted = np.zeros(count, bool)
    mantissa = np.zeros(count, np.int64)
    figures = np.zeros(count, np.int64)  # digits in the mantissa
    fraction = np.zeros(count, np.int64)  # of which after the point
    exponent = np.zeros(count, np.int64)
    places = np.zeros(count, np.int64)  # digits in the exponent
    point = np.zeros(count, bool)
    in_exponent = np.zeros(count, bool)
    negative_exponent = np.zeros(count, bool)
    for k in range(int(length.max()) + 1):
        inside = k < length
        byte = arr.take(start + k)
        cls = np.where(inside, _CLASS[byte], np.uint8(_END))
        dotted |= (cls == 2) | (cls == 3)
        state = _NUMBER[state, cls]
        digit = byte - np.uint8(0x30)
        is_digit = inside & (digit < 10)
        in_mantissa = is_digit & ~in_exponent
        mantissa = np.where(in_mantissa, mantissa * 10 + digit, mantissa)
        figures += in_mantissa
        fraction += in_mantissa & point
        is_exponent = is_digit & in_exponent
        exponent = np.where(is_exponent & (places < 6), exponent * 10 + digit, exponent)
        places += is_exponent
        point |= cls == 2
        negative_exponent |= in_exponent & (cls == 5)
        in_exponent |= cls == 3
    plain = state == _ACCEPT
    power = np.where(negative_exponent, -exponent, exponent) - fraction
    fast = plain & (figures <= 18) & (places < 6) & (np.abs(power) <= 22)
    fast &= mantissa <= _EXACT
    scale = _POWERS[np.minimum(np.abs(power), 22)]
    value = mantissa.astype(np.float64)
    value = np.where(power >= 0, value * scale, value / scale)
    value = np.where(arr.take(start) == 0x2D, -value, value)
    value[~plain] = np.nan
    for i in np.flatnonzero(plain & ~fast).tolist():
        begin = int(start[i])
        value[i] = float(arr[begin : begin + int(length[i])].tobytes())
    return plain, dotted, value
