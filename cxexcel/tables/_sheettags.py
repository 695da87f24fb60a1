"""The plain form of a worksheet's rows, checked tag by tag with numpy.

``_calamine`` hands a sheet to calamine only if its sheet data has the
plain form spreadsheet programs write, for which calamine and openpyxl
read the same cells: rows of cells, each cell with an optional formula and
an optional value or inline string, nothing between the elements but the
text of a formula, a value or an inline string, each tag spelt in one of a
few ways. ``grammar()`` is that form as a regular expression.

``check`` decides the same without running the expression over the bytes
(0.18 s for a sheet of 21 MiB): each "<" must start a tag spelt as the
grammar allows, which tells which of its 18 tokens the tag is; no
character may come between a tag and the next "<" unless the tag is
``<f>``, ``<v>`` or ``<t>``; and each token must be one the grammar allows
after the token before it. Those pairs decide the grammar exactly: each
token occurs once in it (a local language), so a sequence it matches is
one whose first and last tokens and neighbouring pairs it allows. The
tests run ``check`` against ``grammar()`` on random and broken rows.

Cell tags are the one difference: the grammar lets any character but
"<" and ">" into them, and ``_calamine`` then allows only the attributes
``r s t cm vm``, in that order; ``check`` takes the end of each cell tag
from that parse.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Unsure(Exception):
    """Not the plain form (``_calamine`` reads the workbook with openpyxl)."""


def attributes(*orders: list[bytes]) -> bytes:
    """A regex of a tag's attributes, each optional, in one of ``orders``
    (so that none can come twice)."""
    return (
        b"(?:"
        + b"|".join(
            b"".join(b"(?: " + name + b'="[^"<>&]*+")?' for name in order) for order in orders
        )
        + b")"
    )


ROW_SCHEMA = [b"spans", b"s", b"customFormat", b"ht", b"hidden", b"customHeight"]
ROW_SCHEMA += [b"outlineLevel", b"collapsed", b"thickTop", b"thickBot", b"ph", b"x14ac:dyDescent"]
ROW_OPENPYXL = [b"hidden", b"outlineLevel", b"collapsed", b"ht", b"customFormat"]
ROW_OPENPYXL += [b"customHeight", b"s", b"thickBot", b"thickTop", b"spans"]
F_SCHEMA = [b"t", b"aca", b"ref", b"dt2D", b"dtr", b"del1", b"del2", b"r1", b"r2", b"ca"]
F_SCHEMA += [b"si", b"bx"]
F_REF_FIRST = [b"t", b"ref", b"aca", b"ca", b"si", b"dt2D", b"dtr", b"del1", b"del2"]
F_REF_FIRST += [b"r1", b"r2", b"bx"]

_ROW_ATTRIBUTES = attributes(ROW_SCHEMA, ROW_OPENPYXL)
_F_ATTRIBUTES = attributes(F_SCHEMA, F_REF_FIRST)


def grammar(cell: bytes = rb"<c [^<>]*+") -> re.Pattern:
    """The plain sheet data as a regular expression (matched whole, and
    possessively: in linear time); ``cell`` is a cell's tag up to its ">"."""
    formula = rb"(?:<f" + _F_ATTRIBUTES + rb" ?>[^<]*+</f>|<f(?= )" + _F_ATTRIBUTES + rb" ?/>)?"
    value = (
        rb"(?:<v>[^<]*+</v>|<v ?/>"
        rb'|<is>(?:<t(?: xml:space="preserve")?>[^<]*+</t>|<t ?/>)?</is>|<is ?/>)?'
    )
    cells = cell + rb"(?:(?<=/)>|>" + formula + value + rb"</c>)"
    row = (
        rb'<row r="[1-9][0-9]{0,6}"' + _ROW_ATTRIBUTES + rb"(?: ?/>| ?>(?:" + cells + rb")*+</row>)"
    )
    return re.compile(rb"(?:" + row + rb")*+")


# The tokens of the grammar, and those each may be followed by.
ROW_OPEN, ROW_EMPTY, ROW_CLOSE, C_OPEN, C_EMPTY, C_CLOSE = range(6)
F_OPEN, F_EMPTY, F_CLOSE, V_OPEN, V_EMPTY, V_CLOSE = range(6, 12)
IS_OPEN, IS_EMPTY, IS_CLOSE, T_OPEN, T_EMPTY, T_CLOSE = range(12, 18)
_VALUES = (V_OPEN, V_EMPTY, IS_OPEN, IS_EMPTY, C_CLOSE)
_FOLLOW = [
    ((C_OPEN,), (F_OPEN, F_EMPTY, *_VALUES)),
    ((F_EMPTY, F_CLOSE), _VALUES),
    ((F_OPEN,), (F_CLOSE,)),
    ((V_OPEN,), (V_CLOSE,)),
    ((V_EMPTY, V_CLOSE, IS_EMPTY, IS_CLOSE), (C_CLOSE,)),
    ((IS_OPEN,), (T_OPEN, T_EMPTY, IS_CLOSE)),
    ((T_OPEN,), (T_CLOSE,)),
    ((T_EMPTY, T_CLOSE), (IS_CLOSE,)),
    ((ROW_OPEN, C_EMPTY, C_CLOSE), (C_OPEN, C_EMPTY, ROW_CLOSE)),
    ((ROW_EMPTY, ROW_CLOSE), (ROW_OPEN, ROW_EMPTY)),
]
_FIRST = (ROW_OPEN, ROW_EMPTY)
_LAST = (ROW_EMPTY, ROW_CLOSE)

#: The tags spelt one way: its token, and whether text may follow it.
_FIXED = [
    (b"</row>", ROW_CLOSE, False),
    (b"</c>", C_CLOSE, False),
    (b"<f>", F_OPEN, True),
    (b"</f>", F_CLOSE, False),
    (b"<v>", V_OPEN, True),
    (b"<v/>", V_EMPTY, False),
    (b"<v />", V_EMPTY, False),
    (b"</v>", V_CLOSE, False),
    (b"<is>", IS_OPEN, False),
    (b"<is/>", IS_EMPTY, False),
    (b"<is />", IS_EMPTY, False),
    (b"</is>", IS_CLOSE, False),
    (b"<t>", T_OPEN, True),
    (b'<t xml:space="preserve">', T_OPEN, True),
    (b"<t/>", T_EMPTY, False),
    (b"<t />", T_EMPTY, False),
    (b"</t>", T_CLOSE, False),
]
_ROW_TAIL = re.compile(_ROW_ATTRIBUTES + rb"(?: ?/>| ?>)")
_F_OPEN_TAG = re.compile(rb"<f" + _F_ATTRIBUTES + rb" ?>")
_F_EMPTY_TAG = re.compile(rb"<f(?= )" + _F_ATTRIBUTES + rb" ?/>")


class Rows(NamedTuple):
    """The row tags of sheet data: their indexes in ``lt``, the rows'
    numbers, and whether an attribute has the prefix ``x14ac:`` (which the
    worksheet must declare)."""

    at: np.ndarray
    numbers: np.ndarray
    prefixed: bool


def check(data, base: int, arr: np.ndarray, n: int, lt, b1, b2, cell_at, cell_end, cell_open):
    """Raise ``Unsure`` unless ``data[base:base + n]`` is plain sheet data;
    else return its ``Rows``.

    ``arr`` is those bytes with zeros after them (at least 64), ``lt`` the
    positions of its "<", ``b1`` and ``b2`` the two bytes after each;
    ``cell_at`` are the indexes in ``lt`` of the cell tags (``b1`` "c"),
    ``cell_end`` where each cell tag's ">" is and ``cell_open`` whether
    it is not self-closing, from the parse of its attributes.

    Every step is a comparison of whole arrays (cheap) where it can be: an
    index into them costs as much as twenty comparisons."""
    count = len(lt)
    if count == 0:
        if n:
            raise Unsure("text outside the cells")
        return Rows(np.zeros(0, np.intp), np.zeros(0, np.int64), False)
    if lt[0] != 0:
        raise Unsure("text outside the cells")
    following = np.empty_like(lt)
    following[:-1] = lt[1:]
    following[-1] = n
    gap = following - lt  # from each "<" to the next
    b3 = arr.take(lt + 3)
    tokens: list[np.ndarray | None] = [None] * 18  # where each token is (None: nowhere)
    by_gap: dict[int, np.ndarray] = {}
    first: dict[int, np.ndarray | None] = {}  # the tags by their first letter, if any
    for spelling, token, text in _FIXED:
        if spelling[1] not in first:
            letter = b1 == spelling[1]
            first[spelling[1]] = letter if letter.any() else None
        if first[spelling[1]] is None:
            continue
        mask = first[spelling[1]] & (b2 == spelling[2])
        if len(spelling) > 3:
            mask &= b3 == spelling[3]
        if not mask.any():
            continue
        if len(spelling) > 4:
            at = lt[np.flatnonzero(mask)] + 4
            if not np.all(match(arr, at, spelling[4:])):
                raise Unsure("an element that is not part of the plain sheet data")
        tokens[token] = mask if tokens[token] is None else tokens[token] | mask
        if not text:  # the next "<" right after the tag
            by_gap[len(spelling)] = by_gap.get(len(spelling), False) | mask
    for length, mask in by_gap.items():
        if not np.all(~mask | (gap == length)):
            raise Unsure("text between elements")
    # Cells: their tags' ends are known, and no text follows them.
    if not np.all(following[cell_at] == cell_end + 1):
        raise Unsure("text between elements")
    _mark(tokens, C_OPEN, cell_at[cell_open], count)
    _mark(tokens, C_EMPTY, cell_at[~cell_open], count)
    rows = _rows(data, base, arr, lt, following, b1 == _R, tokens)
    formulas = (b1 == _F) & (b2 == 0x20)
    if formulas.any():
        _formulas(data, base, arr, n, lt, following, formulas, tokens)
    # A tag of no token (spelt otherwise) fails here too: the first tag must
    # be a row, and each tag allows only tokens after it.
    if not _any(tokens, _FIRST, 0) or not _any(tokens, _LAST, -1):
        raise Unsure("elements out of place")
    for before, after in _FOLLOW:
        this = _any(tokens, before)
        if this is None or not this[:-1].any():
            continue
        allowed = _any(tokens, after)
        if allowed is None or not np.all(~this[:-1] | allowed[1:]):
            raise Unsure("elements out of place")
    return rows


_R, _F = ord("r"), ord("f")


def _mark(tokens: list, token: int, where: np.ndarray, count: int) -> None:
    """Token ``token`` is at the indexes ``where``."""
    if len(where):
        if tokens[token] is None:
            tokens[token] = np.zeros(count, bool)
        tokens[token][where] = True


def _any(tokens: list, which: tuple[int, ...], at: int | None = None):
    """Where any of the tokens ``which`` is (None: nowhere), or whether one
    is at index ``at``."""
    found = [tokens[token] for token in which if tokens[token] is not None]
    if at is not None:
        return any(mask[at] for mask in found)
    if not found:
        return None
    mask = found[0]
    for other in found[1:]:
        mask = mask | other
    return mask


def _rows(data, base, arr, lt, following, mask, tokens) -> Rows:
    """The row tags: ``<row r="N"`` with N from 1 to 9999999, then known
    attributes, then ">" or "/>"."""
    rows = np.flatnonzero(mask)
    at = lt[rows]
    if not np.all(match(arr, at + 1, b'row r="')):
        raise Unsure("a row tag")
    count, numbers = digits(arr, at + 8, 7)
    if np.any((count == 0) | (arr[at + 8] == 0x30) | (arr[at + 8 + count] != 0x22)):
        raise Unsure("a row number")
    stop = following[rows]
    tails = distinct(data, base, arr, at + 9 + count, stop)
    for text in tails:
        if _ROW_TAIL.fullmatch(text) is None:
            raise Unsure("a row's attributes")
    # What follows the number is the rest of the tag: no "<" or ">" in it but its last.
    closed = arr[stop - 2] == 0x2F
    _mark(tokens, ROW_EMPTY, rows[closed], len(lt))
    _mark(tokens, ROW_OPEN, rows[~closed], len(lt))
    return Rows(rows, numbers, any(b" x14ac:" in text for text in tails))


def _formulas(data, base, arr, n, lt, following, mask, tokens) -> None:
    """The formula tags with attributes: a formula's text may hold ">", so
    each tag ends at the first ">" after it."""
    which = np.flatnonzero(mask)
    at = lt[which]
    gt = np.flatnonzero(arr[:n] == 0x3E)
    first = np.searchsorted(gt, at)
    if np.any(first >= len(gt)):
        raise Unsure("a formula tag")
    close = gt[first]
    if np.any(close >= following[which]):
        raise Unsure("a formula tag")
    for text in distinct(data, base, arr, at, close + 1):
        tag = _F_EMPTY_TAG if text.endswith(b"/>") else _F_OPEN_TAG
        if tag.fullmatch(text) is None:
            raise Unsure("a formula's attributes")
    empty = arr[close - 1] == 0x2F
    if not np.all(~empty | (following[which] == close + 1)):
        raise Unsure("text between elements")
    _mark(tokens, F_EMPTY, which[empty], len(lt))
    _mark(tokens, F_OPEN, which[~empty], len(lt))


def distinct(data, base: int, arr: np.ndarray, starts, stops, width: int = 64) -> set[bytes]:
    """The distinct strings ``data[base + start : base + stop]``: most of
    them repeat the one before (the same attributes on each row), which
    numpy finds; the others are sliced. ``arr`` is padded by ``width``."""
    lengths = stops - starts
    short = np.flatnonzero(lengths <= width)
    picked = [np.flatnonzero(lengths > width)]
    if len(short):
        size = max(int(lengths[short].max()), 1)
        windows = sliding_window_view(arr, size)[starts[short]]
        windows[np.arange(size) >= lengths[short, None]] = 0
        new = np.ones(len(short), bool)
        new[1:] = (windows[1:] != windows[:-1]).any(axis=1) | (
            lengths[short][1:] != lengths[short][:-1]
        )
        picked.append(short[new])
    view = memoryview(data)
    return {
        bytes(view[base + int(starts[i]) : base + int(stops[i])])
        for i in np.concatenate(picked).tolist()
    }


def match(arr: np.ndarray, at: np.ndarray, pattern: bytes) -> np.ndarray:
    """Whether ``pattern`` is at each position ``at`` (arr is padded with zeros)."""
    ok = arr[at] == pattern[0]
    for k in range(1, len(pattern)):
        ok &= arr[at + k] == pattern[k]
    return ok


def digits(arr: np.ndarray, at: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(number of digits, their value) at each position ``at``, at most ``width``."""
    count = np.zeros(len(at), np.int32)
    value = np.zeros(len(at), np.int64)
    run = np.ones(len(at), bool)
    for k in range(width):
        digit = arr[at + k] - np.uint8(0x30)
        run &= digit < 10
        if not run.any():
            break
        count += run
        value = np.where(run, value * 10 + digit, value)
    return count, value
