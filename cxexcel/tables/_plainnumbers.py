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


_STEP = _machine().ravel()  # the next state: _STEP[state * 8 + class]
_EXACT = 2**53  # an int: as a float, 2**53 + 1 would compare equal
_POWERS = 10.0 ** np.arange(23)  # exact doubles


def read(arr: np.ndarray, start: np.ndarray, end: np.ndarray):
    """For each text ``arr[start:end]`` (at most 255 bytes; ``arr`` padded
    with zeros past the longest): whether it is plain, whether openpyxl
    reads it as a float (it has a "." or an exponent), and its value (NaN
    for a text that is not plain and for an integer of more than 15 digits,
    which is left to ``int()``).

    The texts are taken shortest first, so that the k-th character of each
    text that has one is a tail of that order: no step reads past a text."""
    count = len(start)
    plain, is_float = np.zeros(count, bool), np.zeros(count, bool)
    value = np.full(count, np.nan)
    length = end - start
    if count == 0 or int(length.max()) == 0:
        return plain, is_float, value
    if int(length.max()) > 255:
        raise ValueError("a text of more than 255 bytes")
    order = np.argsort(length.astype(np.uint8), kind="stable")
    start, length = start[order], length[order]
    sorted_plain, sorted_float, sorted_value = _integers(arr, start, length)
    rest = np.flatnonzero(~sorted_plain)
    if len(rest):
        found = _decimals(arr, start[rest], length[rest])
        sorted_plain[rest], sorted_float[rest], sorted_value[rest] = found
    plain[order], is_float[order], value[order] = sorted_plain, sorted_float, sorted_value
    return plain, is_float, value


def _from(length: np.ndarray, width: int) -> np.ndarray:
    """For each k < width, where the texts longer than k begin (``length`` ascending)."""
    return np.searchsorted(length, np.arange(width), side="right")


def _integers(arr, start, length):
    """``read`` of the texts that are integers (digits, the first not a
    needless 0, perhaps after a "-"), with comparisons only; the others
    are not plain here. ``length`` ascending."""
    count = len(start)
    sign = arr.take(start) == 0x2D
    digits = length <= 16  # a "-" and 15 digits at most (longer: _decimals)
    total = np.zeros(count, np.int64)
    width = min(int(length[-1]), 16)
    for k, first in enumerate(_from(length, width).tolist()):
        digit = arr.take(start[first:] + k) - np.uint8(0x30)
        is_digit = digit < 10
        digits[first:] &= is_digit | sign[first:] if k == 0 else is_digit
        total[first:] = np.where(is_digit, total[first:] * 10 + digit, total[first:])
    lead = arr.take(start + sign)
    plain = digits & (length > sign) & ((lead != 0x30) | (length == sign + 1))
    value = np.where(sign, -total, total).astype(np.float64)
    value[~plain | (length - sign > 15)] = np.nan
    return plain, np.zeros(count, bool), value


def _decimals(arr, start, length):
    """``read`` of the other texts (``length`` ascending)."""
    count = len(start)
    state = np.zeros(count, np.uint8)
    mantissa = np.zeros(count, np.int64)
    figures = np.zeros(count, np.int64)  # digits in the mantissa
    fraction = np.zeros(count, np.int64)  # of which after the point
    exponent = np.zeros(count, np.int64)
    places = np.zeros(count, np.int64)  # digits in the exponent
    negative = np.zeros(count, bool)  # the exponent's
    for k, first in enumerate(_from(length, int(length[-1])).tolist()):
        byte = arr.take(start[first:] + k)
        now = _STEP.take(state[first:] * 8 + _CLASS.take(byte))
        state[first:] = now
        digit = byte - np.uint8(0x30)
        # The state says what the character was: 2, 3 a digit before the
        # point, 5 one after it, 7 the exponent's sign, 8 its digit.
        in_mantissa = (now == 2) | (now == 3) | (now == 5)
        before = mantissa[first:]
        mantissa[first:] = np.where(in_mantissa, before * 10 + digit, before)
        figures[first:] += in_mantissa
        fraction[first:] += now == 5
        in_exponent = now == 8
        before = exponent[first:]
        summed = in_exponent & (places[first:] < 6)
        exponent[first:] = np.where(summed, before * 10 + digit, before)
        places[first:] += in_exponent
        negative[first:] |= (now == 7) & (byte == 0x2D)
    dotted = (state == 5) | (state == 8)  # it ends in a fraction or an exponent
    plain = _STEP.take(state * 8 + _END) == _ACCEPT
    power = np.where(negative, -exponent, exponent) - fraction
    fast = plain & (figures <= 18) & (places < 6) & (np.abs(power) <= 22)
    fast &= mantissa <= _EXACT
    scale = _POWERS[np.minimum(np.abs(power), 22)]
    value = mantissa.astype(np.float64)
    value = np.where(power >= 0, value * scale, value / scale)
    value = np.where(arr.take(start) == 0x2D, -value, value)
    value[~plain | (~dotted & (figures > 15))] = np.nan  # an integer left to int()
    slow = np.flatnonzero(plain & ~fast & (dotted | (figures <= 15)))
    if len(slow):
        value[slow] = _floats(arr, start[slow], length[slow])
    return plain, dotted, value


def _floats(arr, start, length) -> list[float]:
    """``float()`` of each text, the texts joined by spaces and split at once."""
    sizes = length + 1
    offsets = np.cumsum(sizes) - sizes
    at = np.arange(int(sizes.sum())) + np.repeat(start - offsets, sizes)
    joined = arr.take(at)
    joined[offsets + length] = 0x20
    return list(map(float, joined.tobytes().split()))
