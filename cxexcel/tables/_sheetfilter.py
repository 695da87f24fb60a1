"""A stream over a worksheet's XML that leaves out its empty rows and notes
the formula cells that have no saved value.

A sheet formatted to its last row (a fill or a border on whole columns)
holds a ``<row>`` element for each of a million rows that hold nothing, and
openpyxl parses each one. ``SheetFilter`` drops such rows before openpyxl
sees them: a row is empty when it holds only self-closing cells (``<c
r="B7" s="2"/>``, a format without a value), and it is dropped only when
the row after it gives its own number (``r="..."``), so every row openpyxl
reads keeps its number, and the rows left out read as the empty rows they
were. Empty cells at the end of a row are dropped the same way. The XML is
rewritten with regular expressions over whole rows (the stream is cut
before a ``<row`` start); a part holding comments or CDATA, where that
would not be exact, passes through unchanged.

The same pass notes each cell that holds a formula (``<f>``) but no value
(no ``<v>``, or an empty one on a cell that is not text): a workbook
written by a program that does not calculate, whose formula cells read as
empty. ``MissingValues`` keeps where they are.

It also takes the format off a number cell holding the serial 60 (to
60.999...), Excel's fictitious 1900-02-29: formatted as a date, openpyxl
would read it as 1900-02-28, the same day as 59, and the validator could not
refuse it. Read as the plain number it is, a date column refuses it by name,
and any other column reads the same number it would have read anyway.
"""

from __future__ import annotations

import io
import re

from openpyxl.utils.cell import column_index_from_string

#: Bytes read from the part at a time.
CHUNK = 1 << 20
#: A row longer than this is passed through as it is, unfiltered.
MAX_CARRY = 16 << 20
#: Formula cells without a value that are remembered (the first ones).
MAX_MISSING = 100_000

_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix
_ROW_START = re.compile(rb"<" + _P + rb"row(?=[\s/>])")
_NUMBERED_ROW = rb"<" + _P + rb"row(?=[\s/>])[^>]*\sr\s*=\s*[\"']"
_EMPTY_CELL = rb"<" + _P + rb"c(?=[\s/>])[^>]*/>"
_EMPTY_ROW = re.compile(
    rb"<" + _P + rb"row(?=[\s/>])[^>]*"
    rb"(?:(?<=/)>|(?<!/)>(?:\s|" + _EMPTY_CELL + rb")*</" + _P + rb"row\s*>)"
    rb"\s*(?=" + _NUMBERED_ROW + rb"|</" + _P + rb"sheetData)"
)
_TRAILING_CELLS = re.compile(rb"(?:" + _EMPTY_CELL + rb"\s*)+(?=</" + _P + rb"row\s*>)")
_UNSAFE = (b"<![CDATA[", b"<!--")

_FORMULA = re.compile(rb"<" + _P + rb"f(?=[\s/>])")
_CELL_OPEN = re.compile(rb"<" + _P + rb"c(?=[\s>])[^>]*(?<!/)>")
_CELL_CLOSE = re.compile(rb"</" + _P + rb"c\s*>")
_VALUE = re.compile(rb"<" + _P + rb"v(?:\s[^>]*)?(?<!/)>\s*[^<\s]")
_CELL_REF = re.compile(rb"\sr\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})[\"']")
_CELL_TYPE = re.compile(rb"\st\s*=\s*[\"'](\w+)[\"']")
_STYLE = re.compile(rb"\ss\s*=\s*[\"']\d*[\"']")
_LEAP_DAY_CELL = re.compile(
    rb"<" + _P + rb"c(?=[\s>])[^>]*(?<!/)>"  # the cell's start tag
    rb"(?:\s*<" + _P + rb"f(?=[\s/>])[^>]*(?:/>|>[^<]*</" + _P + rb"f\s*>))?"  # a formula
    rb"\s*<" + _P + rb"v\s*>\s*60(?:\.\d*)?\s*</" + _P + rb"v\s*>"
)


class MissingValues:
    """Cells (row, column; 1-based) holding a formula without a saved value."""

    def __init__(self) -> None:
        self.cells: set[tuple[int, int]] = set()
        self.incomplete = False

    def add(self, row: int, column: int) -> None:
        if len(self.cells) < MAX_MISSING:
            self.cells.add((row, column))
        else:
            self.incomplete = True

    def first(self, rows: range, columns: set[int]) -> tuple[int, int] | None:
        """The first such cell (by row, then column) in ``rows`` and ``columns``."""
        found = [(r, c) for r, c in self.cells if r in rows and c in columns]
        return min(found) if found else None


class SheetFilter(io.RawIOBase):
    """The XML of ``raw`` (a worksheet part) without its empty rows."""

    def __init__(self, raw, missing: MissingValues | None = None):
        super().__init__()
        self._raw = raw
        self._missing = missing
        self._pending = b""
        self._out = b""
        self._at = 0
        self._eof = False
        self._exact = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        pieces = []
        while piece := self.read(CHUNK):
            pieces.append(piece)
        return b"".join(pieces)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        # A short read is allowed, and needed: a sheet that holds nothing
        # after its first rows must not be read to its end to fill ``size``.
        while len(self._out) == self._at and not self._eof:
            self._fill()
        data = self._out[self._at : self._at + size]
        self._at += len(data)
        return data

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()

    def _fill(self) -> None:
        chunk = self._raw.read(CHUNK)
        searched_from = max(len(self._pending) - 16, 0)
        self._pending += chunk
        if not chunk:
            self._eof = True
            segment, self._pending = self._pending, b""
        else:
            cut = _last_row_start(self._pending, searched_from, len(self._pending))
            if cut is not None and not _start_tag(self._pending[cut:]):
                # Its start tag is cut off: keep that row for the next segment,
                # and cut before the row ahead of it, whose tag is complete.
                cut = _last_row_start(self._pending, 0, cut) or cut
            if cut is None:
                if len(self._pending) <= MAX_CARRY:
                    return
                cut = len(self._pending)  # one giant row: pass it on as it is
            segment, self._pending = self._pending[:cut], self._pending[cut:]
        self._out = self._out[self._at :] + self._process(segment, _start_tag(self._pending))
        self._at = 0

    def _process(self, segment: bytes, following: bytes = b"") -> bytes:
        """``segment`` (whole rows) without its empty rows; ``following`` is the
        start tag of the row after it, so that its last row can go too."""
        if self._exact and any(marker in segment for marker in _UNSAFE):
            self._exact = False
        maybe_formula = b"f>" in segment or b"f " in segment
        if self._missing is not None and maybe_formula and _FORMULA.search(segment):
            _note_missing(segment, self._missing)
        if not self._exact:
            return segment
        if b">60" in segment:
            segment = _LEAP_DAY_CELL.sub(_unformatted, segment)
        filtered = _TRAILING_CELLS.sub(b"", _EMPTY_ROW.sub(b"", segment + following))
        # A lone start tag can neither match nor change: take it off again.
        if following and filtered.endswith(following):
            return filtered[: len(filtered) - len(following)]
        return segment if following else filtered


def _start_tag(data: bytes) -> bytes:
    """The start tag ``data`` begins with (b"" if it is not complete in 64 KiB)."""
    end = data.find(b">", 0, 1 << 16)
    return data[: end + 1] if end >= 0 else b""


def _last_row_start(data: bytes, start: int, end: int) -> int | None:
    """Where the last ``<row`` element starting in ``data[start:end]`` begins
    (None if none does, or only at 0)."""
    window = 1 << 16
    while True:
        begin = max(start, end - window)
        last = None
        for match in _ROW_START.finditer(data, begin, end):
            last = match.start()
        if last is not None or begin == start:
            return last if last else None
        window *= 4


def _unformatted(match: re.Match) -> bytes:
    """The number cell ``match`` without its format (its ``s`` attribute)."""
    cell = match.group(0)
    start = cell.find(b">") + 1
    kind = _CELL_TYPE.search(cell, 0, start)
    if kind is not None and kind.group(1) != b"n":
        return cell  # a shared string's index, an error, a boolean: not a number
    return _STYLE.sub(b"", cell[:start], count=1) + cell[start:]


def _note_missing(segment: bytes, missing: MissingValues) -> None:
    for formula in _FORMULA.finditer(segment):
        at = formula.start()
        opening = None
        search_end = at
        for _ in range(8):  # the cell's start tag is one of the last few tags before <f>
            start = segment.rfind(b"<", 0, search_end)
            if start < 0:
                break
            match = _CELL_OPEN.match(segment, start)
            if match is not None:
                opening = match
                break
            search_end = start
        if opening is None:
            continue
        closing = _CELL_CLOSE.search(segment, at)
        if closing is None:
            continue
        body = segment[opening.end() : closing.start()]
        if _VALUE.search(body):
            continue
        attributes = opening.group(0)
        kind = _CELL_TYPE.search(attributes)
        if kind is not None and kind.group(1) in (b"str", b"inlineStr", b"s"):
            continue  # a formula whose saved value is empty text
        ref = _CELL_REF.search(attributes)
        if ref is None:
            continue
        missing.add(int(ref.group(2)), column_index_from_string(ref.group(1).decode().upper()))
