"""Reading a worksheet's cells with python-calamine, exactly as the openpyxl
reader reads them, or not at all.

python-calamine parses a sheet ten times faster than openpyxl, but it is a
different parser: it trims text, unescapes ``_x000D_``, places a cell by its
reference where openpyxl uses the row element, takes XML that expat
refuses, reads an error cell as "", ... So calamine is only handed a sheet
once ``scan`` has shown that the sheet's XML has the plain form spreadsheet
programs write, for which both readers give the same cells, and only its
formulas' texts are taken (``t="str"``; a sheet without them is not handed
to calamine at all): numbers, types, dates, shared and inline strings,
empty cells and the table's shape come from the scan and from openpyxl's
own rules. Whatever ``scan`` cannot vouch for raises ``Unsure``, and the
caller reads the workbook with openpyxl, so that the answer (tables,
messages, warnings) does not change.

``scan`` checks the sheet data with numpy, tag by tag, without Python code
per cell (the form of the tags in ``_sheettags``, the numbers, read as
openpyxl reads them, in ``_plainnumbers``). It requires (else ``Unsure``):

- UTF-8 without DTD, comments or CDATA in the part; no processing
  instructions, ``&#`` references, control characters, carriage returns or
  ``_x00HH_`` escapes in the sheet data, and only the five XML entities;
- outside ``<sheetData>``, XML that defusedxml and openpyxl's own sheet
  parser read without error (checked with them), in the main namespace;
- inside it only ``row``, ``c``, ``f``, ``v``, ``is`` and ``t``, unprefixed,
  nested as the schema has them, no space between them; every row and cell
  with its ``r``, cell attributes ``r s t cm vm`` in that order, row and
  formula attributes from the schema in one of the orders writers use;
  rows ascending, each cell in the row its reference names, columns
  ascending within a row;
- numbers written plainly (``-12.5E3``), booleans ``0``/``1``, shared-string
  indexes that exist, no ``t="d"`` cells, error values starting with ``#``,
  no row longer than 8 MiB (nor its start tag than 32 KiB);
- no sheet whose cells span a range calamine would allocate in full for
  far fewer cells (two cells at A1 and XFD1048576).

Besides the cells it gives what openpyxl's ``SheetFilter`` pass gives
(formula cells without a saved value, the date-formatted 60 read as a
number, empty formatted rows left out) and each row's width.
"""

from __future__ import annotations

import codecs
import io
import re
import threading
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np

from . import _plainnumbers, _sheettags
from ._sheetfilter import MAX_CARRY, MAX_MISSING, MissingValues
from ._sheettags import Unsure
from ._sheettags import digits as _digits
from ._sheettags import match as _match

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_MAIN_B = MAIN.encode()

# What a cell holds after its formula.
C_END, V, V_SC, IS, IS_SC = range(5)

# Cell types (the t attribute).
T_N, T_S, T_B, T_E, T_STR, T_INL = range(6)

# Where a cell's value comes from (openpyxl's value; cells without one are left out).
K_INT, K_BIGINT, K_FLOAT, K_DATE, K_SHARED, K_BOOL = range(1, 7)
K_ERROR, K_STR, K_EMPTY_TEXT, K_RAW_TEXT = range(7, 11)
_FROM_CALAMINE = (K_STR,)

#: calamine allocates its whole range: a sheet whose range is this many times
#: larger than its cells (and than _GRID_FLOOR) is read by openpyxl.
_GRID_SPARSENESS = 4
_GRID_FLOOR = 4_000_000
#: Bytes past the sheet data that numpy may read (zeros).
_PAD = 64


_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\b([^>]*)\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT = re.compile(rb"<worksheet\b[^>]*>")

_ENTITIES = (b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&apos;")


@dataclass
class SheetScan:
    """A sheet part as openpyxl reads it.

    ``rows`` are the numbers of the rows openpyxl reads (empty formatted rows
    are left out, as ``SheetFilter`` leaves them out), ascending, and
    ``widths`` the column of each one's last cell. The cells with a value are
    in the ``cell_*`` arrays, in (row, column) order; ``kind`` says where
    the value comes from, ``number`` is a number cell's value. ``box`` is
    the bounding box of the cells calamine keeps (1-based rows and columns,
    inclusive), None if it keeps none.
    """

    data: bytes
    body_start: int
    body_end: int
    rows: np.ndarray
    widths: np.ndarray
    cell_row: np.ndarray
    cell_col: np.ndarray
    kind: np.ndarray
    style: np.ndarray
    text_start: np.ndarray
    text_end: np.ndarray
    shared: np.ndarray
    number: np.ndarray
    box: tuple[int, int, int, int] | None
    missing: MissingValues = field(default_factory=MissingValues)
    _tail_checked: bool = False

    def text(self, index: int) -> bytes:
        base = self.body_start
        return self.data[base + int(self.text_start[index]) : base + int(self.text_end[index])]

    def check_tail(self) -> None:
        """openpyxl parses what follows the sheet data when a read reaches
        the sheet's end: so do we (its errors and warnings)."""
        if not self._tail_checked:
            start = self.data.rfind(b"<sheetData", 0, self.body_start)
            end = self.body_end + 12 if self.body_end > self.body_start else self.body_start
            _parse_outside(self.data[:start] + b"<sheetData/>" + self.data[end:])
            self._tail_checked = True


def sheet_data(data: bytes) -> tuple[int, int]:
    """Where the content of the part's single ``<sheetData>`` starts and ends
    (a second one in the sheet data itself fails its grammar)."""
    at = data.find(b"<sheetData")
    if at < 0:
        raise Unsure("no sheetData")
    if data.startswith(b"<sheetData/>", at):
        start = end = at + 12
        after = end
    elif data.startswith(b"<sheetData>", at):
        start = at + 11
        end = data.rfind(b"</sheetData>")
        if end < start:
            raise Unsure("no end of sheetData")
        after = end + 12
    else:
        raise Unsure("sheetData with attributes")
    if data.find(b"sheetData", after) >= 0:
        raise Unsure("sheetData twice")
    return start, end


def grid_allowed(cells: int, box: tuple[int, int, int, int] | None) -> bool:
    """Whether calamine may allocate its range (``box``) for ``cells`` cells."""
    if box is None:
        return True
    top, left, bottom, right = box
    size = (bottom - top + 1) * (right - left + 1)
    return size <= max(_GRID_FLOOR, _GRID_SPARSENESS * cells)


#: The sheet data is scanned in chunks of whole rows of about this size: numpy
#: on arrays of a few MiB is much faster than on the whole (caches, and
#: memory a process touches for the first time is slow on some systems).
_CHUNK = 4 << 20


@dataclass
class _Chunk:
    """Rows ``data[start:end]``: where their tags are (``lt``, relative to
    start), the two bytes after each "<", and each cell tag's index in lt,
    reference, attributes (style and type), whether it is not self-closing
    and where its ">" is."""

    start: int
    end: int
    lt: np.ndarray
    b1: np.ndarray
    b2: np.ndarray
    cell_at: np.ndarray
    row: np.ndarray
    col: np.ndarray
    style: np.ndarray
    ctype: np.ndarray
    is_open: np.ndarray
    cell_end: np.ndarray


@dataclass
class Prepared:
    """A sheet part's tags and cell references, found before calamine is
    started: the bounding box of its cells bounds what calamine allocates.
    ``texts``: whether it may hold formulas' texts (``t="str"``), the only
    values calamine reads."""

    data: bytes
    start: int
    end: int
    chunks: list[_Chunk]
    cells: int
    box: tuple[int, int, int, int] | None
    texts: bool

    @property
    def body(self) -> memoryview:
        return memoryview(self.data)[self.start : self.end]


_ALLOWED_FIRST = np.zeros(256, bool)
_ALLOWED_FIRST[[ord(c) for c in "rcfvit/"]] = True


def prepare(data: bytes) -> Prepared:
    """Where the part's tags and cells are. calamine reads a cell from every
    element named c, prefixed or not, at its reference: all must be ``<c
    r="..."`` tags here, so that their box is the most calamine allocates."""
    start, end = sheet_data(data)
    chunks = []
    at = start
    while at < end:
        stop = min(at + _CHUNK, end)
        if stop < end:
            cut = data.find(b"<row", stop, end)
            stop = end if cut < 0 else cut
        chunks.append(_prepare(data, at, stop))
        at = stop
    cells = sum(len(chunk.cell_at) for chunk in chunks)
    box = None
    if cells:
        full = [chunk for chunk in chunks if len(chunk.cell_at)]
        box = (
            min(int(chunk.row.min()) for chunk in full),
            min(int(chunk.col.min()) for chunk in full),
            max(int(chunk.row.max()) for chunk in full),
            max(int(chunk.col.max()) for chunk in full),
        )
    texts = any(np.any(chunk.ctype == T_STR) for chunk in chunks)
    return Prepared(data, start, end, chunks, cells, box, texts)


def _bytes(data: bytes, start: int, end: int) -> np.ndarray:
    """``data[start:end]`` as a numpy array with _PAD zero bytes after it."""
    n = end - start
    arr = np.zeros(n + _PAD, np.uint8)
    arr[:n] = np.frombuffer(data, np.uint8, n, start)
    return arr


def _prepare(data: bytes, start: int, end: int) -> _Chunk:
    arr = _bytes(data, start, end)
    lt = np.flatnonzero(arr[: end - start] == 0x3C).astype(np.int32)
    b1, b2 = arr.take(lt + 1), arr.take(lt + 2)
    if not np.all(_ALLOWED_FIRST[b1]):
        raise Unsure("an element that is not part of the plain sheet data")
    cell_at = np.flatnonzero(b1 == _C).astype(np.int32)
    at = lt[cell_at]
    if not np.all((b2[cell_at] == 0x20) & _match(arr, at + 3, b'r="')):
        raise Unsure("a cell whose reference is not its first attribute")
    col = np.zeros(len(at), np.int32)
    nlet = np.zeros(len(at), np.int32)
    run = np.ones(len(at), bool)
    for k in range(3):
        letter = arr[at + 6 + k] - np.uint8(0x40)
        run &= (letter >= 1) & (letter <= 26)
        nlet += run
        col = np.where(run, col * 26 + letter, col)
    ndig, row = _digits(arr, at + 6 + nlet, 8)
    ref_end = at + 6 + nlet + ndig
    if np.any((nlet == 0) | (ndig == 0) | (ndig > 7) | (arr[ref_end] != 0x22)):
        raise Unsure("a cell reference")
    style, ctype, is_open, cell_end = _cell_attributes(arr, at, ref_end + 1)
    row = row.astype(np.int32)
    return _Chunk(start, end, lt, b1, b2, cell_at, row, col, style, ctype, is_open, cell_end)


def scan(prepared: Prepared, strings: int, date_styles, timedelta_styles) -> SheetScan:
    """The sheet part as openpyxl reads it (see the module docstring), or
    ``Unsure``; ``strings`` is the number of shared strings."""
    data, start, end = prepared.data, prepared.start, prepared.end
    outer = data.rfind(b"<sheetData", 0, start)
    head, tail = data[:outer], data[end:]
    for marker in (b"<!--", b"<![CDATA[", b"<!DOCTYPE", b"<!ENTITY"):
        if marker in head or marker in tail:  # SheetFilter passes such parts unfiltered
            raise Unsure(f"the part holds {marker!r}")
    _check_head(head)
    parts = [_scan(data, chunk, start, strings, set(date_styles)) for chunk in prepared.chunks]
    if any(part.prefixed for part in parts) and b"xmlns:x14ac=" not in _ROOT.search(head)[0]:
        raise Unsure("an undeclared prefix")
    return _joined(data, start, end, parts)


def _check_head(head: bytes) -> None:
    declaration = _DECLARATION.match(head)
    if declaration is not None:
        encoding = _ENCODING.search(declaration.group(1))
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            raise Unsure("not UTF-8")
    elif not head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        raise Unsure("not UTF-8")
    root = _ROOT.search(head)
    if root is None or b'xmlns="' + _MAIN_B + b'"' not in root.group(0):
        raise Unsure("root element")
    _parse_outside(head + b"<sheetData/></worksheet>", tree=True)


def _parse_outside(xml: bytes, tree: bool = False) -> None:
    """Parse ``xml`` (a sheet part without its rows) as openpyxl would."""
    from defusedxml.ElementTree import fromstring
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        if tree:
            root = fromstring(xml)
            if root.tag != f"{{{MAIN}}}worksheet":
                raise Unsure("not a worksheet")
            found = list(root.iter(f"{{{MAIN}}}sheetData"))
            if len(found) != 1 or root.find(f"{{{MAIN}}}sheetData") is not found[0]:
                raise Unsure("sheetData is not a child of the worksheet")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the parse below warns as openpyxl does
                WorkSheetParser(io.BytesIO(xml), []).parse_dimensions()
        for _ in WorkSheetParser(io.BytesIO(xml), [], data_only=True).parse():
            raise Unsure("rows outside sheetData")
    except Unsure:
        raise
    except Exception as exc:  # whatever openpyxl or defusedxml refuses
        raise Unsure(f"outside sheetData: {exc!r}") from exc


def _check_text(data: bytes, start: int, end: int, arr: np.ndarray) -> None:
    """The text of the rows holds nothing expat refuses (calamine takes it),
    nor what calamine reads otherwise (carriage returns)."""
    n = end - start
    raw = arr[:n]
    if n and raw.min() < 0x20 and np.any((raw < 0x20) & (raw != 0x09) & (raw != 0x0A)):
        raise Unsure("a control character or carriage return")
    if n and raw.max() >= 0x80:
        try:
            codecs.decode(memoryview(data)[start:end], "utf-8")
        except UnicodeDecodeError as exc:
            raise Unsure("not UTF-8") from exc
        if _found(arr, n, b"\xef\xbf\xbe") or _found(arr, n, b"\xef\xbf\xbf"):
            raise Unsure("U+FFFE or U+FFFF")
    if _found(arr, n, b"_x00"):
        raise Unsure("an _x00HH_ escape")
    if _found(arr, n, b"]]>"):
        raise Unsure("]]> in text")
    if data.find(b"&", start, end) >= 0:
        at = np.flatnonzero(raw == 0x26)
        ok = np.zeros(len(at), bool)
        for entity in _ENTITIES:
            ok |= _match(arr, at, entity)
        if not ok.all():
            raise Unsure("an entity other than the five of XML")


def _found(arr: np.ndarray, n: int, text: bytes) -> bool:
    """Whether ``text`` is in ``arr[:n]`` (a bytes.find of more than one
    byte takes ten times as long)."""
    first = arr[:n] == text[0]
    return bool(first.any()) and bool(np.any(_match(arr, np.flatnonzero(first), text)))


_O, _C, _F, _V, _I, _T, _S = (ord(c) for c in "/cfvits")


@dataclass
class _Part:
    """What ``_scan`` finds in a chunk (positions relative to the sheet data)."""

    numbers: np.ndarray
    rows: np.ndarray
    widths: np.ndarray
    row_lengths: np.ndarray
    cells: dict
    kept: tuple | None
    missing: list
    prefixed: bool  # a row attribute with the x14ac: prefix


def _scan(data: bytes, chunk: _Chunk, base: int, strings: int, date_styles: set[int]) -> _Part:
    """The chunk's rows and cells; ``base`` is where the sheet data starts."""
    start, end = chunk.start, chunk.end
    n = end - start
    arr = _bytes(data, start, end)
    _check_text(data, start, end, arr)
    lt, b1, b2 = chunk.lt, chunk.b1, chunk.b2
    cell_at, row_, col = chunk.cell_at, chunk.row, chunk.col
    style, ctype, is_open = chunk.style, chunk.ctype, chunk.is_open
    rows = _sheettags.check(data, start, arr, n, lt, b1, b2, cell_at, chunk.cell_end, is_open)
    row_at, number = rows.at, rows.numbers
    # The grammar holds: each "<" starts one of the tags it allows, and no
    # text lies between tags but the text of <v>, <t> and <f>.
    last_tag = len(lt) - 1

    # -- rows -----------------------------------------------------------------------
    if np.any(np.diff(number) <= 0):
        raise Unsure("rows out of order")
    if np.any(number > 1048576):
        raise Unsure("a row beyond the sheet")
    row_lengths = np.diff(np.append(lt[row_at], n))
    # SheetFilter looks at most 64 KiB ahead for a row's start tag.
    if np.any(np.append(lt, n)[row_at + 1] - lt[row_at] > 32768):
        raise Unsure("a very long row tag")

    # -- cells ------------------------------------------------------------------------
    own_row = np.searchsorted(row_at, cell_at) - 1
    if np.any(row_ != number[own_row]):
        raise Unsure("a cell outside its row")
    if np.any((own_row[1:] == own_row[:-1]) & (np.diff(col) <= 0)):
        raise Unsure("cells out of order")
    if np.any(col > 16384):
        raise Unsure("a column beyond the sheet")
    nxt = np.minimum(cell_at + 1, last_tag)

    # -- what each cell holds ---------------------------------------------------------
    has_formula = is_open & (b1[nxt] == _F)
    then = np.minimum(nxt + 1, last_tag)
    closes_f = (b1[then] == _O) & (b2[then] == _F)
    after = np.minimum(nxt + np.where(has_formula, np.where(closes_f, 2, 1), 0), last_tag)
    k1, k2 = b1[after], b2[after]
    content = np.full(len(cell_at), C_END, np.int8)
    content[is_open & (k1 == _V) & (k2 == 0x3E)] = V
    content[is_open & (k1 == _V) & (k2 != 0x3E)] = V_SC
    content[is_open & (k1 == _I) & (arr[lt[after] + 3] == 0x3E)] = IS
    content[is_open & (k1 == _I) & (arr[lt[after] + 3] != 0x3E)] = IS_SC
    text_start = np.zeros(len(cell_at), np.int64)
    text_end = np.zeros(len(cell_at), np.int64)
    with_v = np.flatnonzero(content == V)
    text_start[with_v] = lt[after[with_v]] + 3
    text_end[with_v] = lt[after[with_v] + 1]
    with_is = np.flatnonzero(content == IS)
    t_tag = after[with_is] + 1
    t_open = (b1[t_tag] == _T) & ((b2[t_tag] == 0x3E) | (arr[lt[t_tag] + 3] == ord("x")))
    with_t = with_is[t_open]
    t_tag = t_tag[t_open]
    preserved = np.zeros(len(cell_at), bool)
    preserved[with_t] = b2[t_tag] == 0x20
    text_start[with_t] = lt[t_tag] + np.where(preserved[with_t], 24, 3)
    text_end[with_t] = lt[t_tag + 1]
    has_text = np.zeros(len(cell_at), bool)
    has_text[with_t] = True

    kind, shared, cell_number, style = _kinds(
        arr, ctype, style, content, has_text, text_start, text_end, strings, date_styles
    )
    missing = _missing(row_, col, ctype, has_formula, content, text_start, text_end)

    # -- what SheetFilter leaves out: empty rows; trailing empty cells ----------------------
    # Cells are in order: a row's width is the column of its last cell with content.
    open_row, open_col = own_row[is_open], col[is_open]
    last = np.flatnonzero(np.append(open_row[1:] != open_row[:-1], len(open_row) > 0))
    keep = np.zeros(len(row_at), bool)
    keep[open_row[last]] = True
    widths = np.zeros(len(row_at), np.int64)
    widths[open_row[last]] = open_col[last]

    # -- the cells calamine keeps: a value it does not see as empty -------------------------
    length = text_end - text_start
    kept = (content == V) & ((length > 0) | (ctype == T_STR)) & (ctype != T_INL)
    kept |= (content == IS) & (ctype == T_INL)
    box = None
    if np.any(kept):
        r, c = row_[kept], col[kept]
        box = (int(r.min()), int(c.min()), int(r.max()), int(c.max()))

    value = kind != 0
    offset = start - base  # texts from the chunk's start: made from the sheet data's
    cells = {
        "cell_row": row_[value],
        "cell_col": col[value],
        "kind": kind[value],
        "style": style[value].astype(np.int32),
        "text_start": (text_start[value] + offset).astype(np.int32),
        "text_end": (text_end[value] + offset).astype(np.int32),
        "shared": shared[value].astype(np.int32),
        "number": cell_number[value],
    }
    return _Part(
        number, number[keep], widths[keep], row_lengths, cells, box, missing, rows.prefixed
    )


def _joined(data: bytes, start: int, end: int, parts: list[_Part]) -> SheetScan:
    """The scan of the whole sheet data from its chunks' scans."""
    if not parts:
        return _nothing(data, start, end)
    numbers = [part.numbers for part in parts if len(part.numbers)]
    for before, after in zip(numbers, numbers[1:], strict=False):
        if after[0] <= before[-1]:
            raise Unsure("rows out of order")
    if any(np.any(part.row_lengths > MAX_CARRY // 2) for part in parts):
        raise Unsure("a very long row")  # SheetFilter passes those through
    cells = {key: np.concatenate([part.cells[key] for part in parts]) for key in parts[0].cells}
    missing = MissingValues()
    for part in parts:
        missing.cells |= part.missing
    if len(missing.cells) >= MAX_MISSING:
        raise Unsure("very many formulas without a value")
    boxes = [part.kept for part in parts if part.kept is not None]
    box = None
    if boxes:
        box = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    return SheetScan(
        data=data,
        body_start=start,
        body_end=end,
        rows=np.concatenate([part.rows for part in parts]),
        widths=np.concatenate([part.widths for part in parts]),
        box=box,
        missing=missing,
        **cells,
    )


def _cell_attributes(arr, at, pos):
    """(style, type, not self-closing, where its ">" is) of each cell tag at
    ``at``, whose reference ends before ``pos``: the attributes after it
    must be ``s``, ``t``, ``cm`` and ``vm`` in that order, then ">" or "/>"
    (with a space before it or not)."""
    count = len(at)
    style = np.zeros(count, np.int32)
    ctype = np.full(count, T_N, np.uint8)
    more = np.flatnonzero(arr[pos] == 0x20)  # the cells with more attributes
    sub = pos[more]
    has_s = (arr[sub + 1] == _S) & (arr[sub + 2] == 0x3D) & (arr[sub + 3] == 0x22)
    if np.any(has_s):
        which = more[has_s]
        s_at = sub[has_s] + 4
        ns, style[which] = _digits(arr, s_at, 7)
        bad = (ns == 0) | (ns > 6) | (arr[s_at + ns] != 0x22) | ((ns > 1) & (arr[s_at] == 0x30))
        if np.any(bad):
            raise Unsure("a cell style")
        pos[which] = s_at + ns + 1
        sub = pos[more]
    has_t = (arr[sub] == 0x20) & (arr[sub + 1] == _T) & (arr[sub + 2] == 0x3D)
    has_t &= arr[sub + 3] == 0x22
    if np.any(has_t):
        which = more[has_t]
        found = np.zeros(len(which), bool)
        for name, value in _TYPES:
            hit = np.flatnonzero(~found)
            hit = hit[_match(arr, pos[which[hit]] + 4, name)]
            ctype[which[hit]] = value
            pos[which[hit]] += 4 + len(name)
            found[hit] = True
        if not found.all():
            raise Unsure("a cell type")
        sub = pos[more]
    for name in (b' cm="', b' vm="'):
        extra = np.flatnonzero((arr[sub] == 0x20) & (arr[sub + 1] == name[1]))
        if len(extra):
            which = more[extra]
            if not np.all(_match(arr, pos[which], name)):
                raise Unsure("a cell attribute")
            e_at = pos[which] + len(name)
            ne, _ = _digits(arr, e_at, 8)
            if np.any((ne == 0) | (arr[e_at + ne] != 0x22)):
                raise Unsure("a cell attribute")
            pos[which] = e_at + ne + 1
            sub = pos[more]
    pos[more] += arr[sub] == 0x20
    closed = (arr[pos] == _O) & (arr[pos + 1] == 0x3E)
    if not np.all((arr[pos] == 0x3E) | closed):
        raise Unsure("a cell attribute")
    return style, ctype, ~closed, pos + closed


_TYPES = [
    (b's"', T_S),
    (b'n"', T_N),
    (b'b"', T_B),
    (b'e"', T_E),
    (b'str"', T_STR),
    (b'inlineStr"', T_INL),
]


def _nothing(data, start, end) -> SheetScan:
    none = np.zeros(0, np.int64)
    return SheetScan(
        data,
        start,
        end,
        none,
        none,
        none,
        none,
        none.astype(np.uint8),
        none,
        none,
        none,
        none,
        none.astype(np.float64),
        None,
    )


def _kinds(arr, ctype, style, content, has_text, text_start, text_end, strings, date_styles):
    """(where each cell's value comes from, its shared-string index, its
    number, the style openpyxl sees: none on a 60 SheetFilter un-formats),
    checking that each value has the form both readers read alike."""
    count = len(ctype)
    kind = np.zeros(count, np.uint8)
    shared = np.zeros(count, np.int64)
    number = np.zeros(count, np.float64)
    length = text_end - text_start
    filled = (content == V) & (length > 0)
    if np.any(((content == IS) | (content == IS_SC)) & (ctype != T_INL)):
        raise Unsure("an inline string in a cell of another type")
    numbers = np.flatnonzero(filled & (ctype == T_N))
    if len(numbers):
        s, e = text_start[numbers], text_end[numbers]
        if int((e - s).max()) > _PAD - 8:
            raise Unsure("a long number")
        plain, is_float, number[numbers] = _plainnumbers.read(arr, s, e)
        if not plain.all():
            raise Unsure("a number not written plainly")
        big = ~is_float & ((e - s) - (arr[s] == 0x2D) > 15)
        kind[numbers] = np.where(is_float, K_FLOAT, np.where(big, K_BIGINT, K_INT))
        if date_styles:
            leap = _sixty(arr, s, e - s)
            if np.any(leap):
                style = style.copy()
                style[numbers[leap]] = 0
            dated = _among(style[numbers], date_styles)
            if np.any(dated & big):
                raise Unsure("a huge date")
            kind[numbers[dated]] = K_DATE
    indexes = np.flatnonzero(filled & (ctype == T_S))
    if len(indexes):
        s, e = text_start[indexes], text_end[indexes]
        ndig, value = _digits(arr, s, 11)
        if np.any((ndig != e - s) | (ndig > 10) | ((ndig > 1) & (arr[s] == 0x30))):
            raise Unsure("a shared-string index")
        if np.any(value >= strings):
            raise Unsure("a shared-string index beyond the table")
        kind[indexes] = K_SHARED
        shared[indexes] = value
    booleans = np.flatnonzero(filled & (ctype == T_B))
    if len(booleans):
        first = arr[text_start[booleans]]
        if np.any((length[booleans] != 1) | ((first != 0x30) & (first != 0x31))):
            raise Unsure("a boolean that is not 0 or 1")
        kind[booleans] = K_BOOL
    errors = np.flatnonzero(filled & (ctype == T_E))
    if len(errors):
        if np.any(arr[text_start[errors]] != 0x23):  # "#"
            raise Unsure("an error value")
        kind[errors] = K_ERROR
    kind[filled & (ctype == T_STR)] = K_STR
    inline = ctype == T_INL
    kind[inline & ((content == IS) | (content == IS_SC))] = K_EMPTY_TEXT
    # Inline strings (what openpyxl and pandas write for every text) are read
    # from the sheet data: its text is the XML text itself here (no character
    # references, escapes or carriage returns), which calamine would trim.
    kind[inline & has_text & (length > 0)] = K_RAW_TEXT
    return kind, shared, number, style


def _among(values: np.ndarray, choices) -> np.ndarray:
    """``np.isin(values, choices)``, faster for a few choices."""
    choices = sorted(choices)
    if len(choices) > 16:
        return np.isin(values, np.array(choices, np.int64))
    found = np.zeros(len(values), bool)
    for choice in choices:
        found |= values == choice
    return found


def _sixty(arr, start, length) -> np.ndarray:
    """The numbers SheetFilter takes the format off: 60 and 60.ddd (Excel's
    1900-02-29). Numbers are plain already, so besides those only "60.1E2"
    and the like start "60.", and they are not such numbers."""
    sixty = (arr[start] == 0x36) & (arr[start + 1] == 0x30)
    result = sixty & (length == 2)
    for i in np.flatnonzero(sixty & (length > 2) & (arr[start + 2] == 0x2E)):
        text = arr[start[i] : start[i] + length[i]].tobytes()
        result[i] = re.fullmatch(rb"60\.[0-9]*", text) is not None
    return result


def _missing(row, col, ctype, has_formula, content, text_start, text_end) -> set:
    """Formula cells without a saved value, as SheetFilter notes them."""
    if not np.any(has_formula):
        return set()
    no_value = (content != V) | (text_end <= text_start)
    typed = (ctype == T_STR) | (ctype == T_INL) | (ctype == T_S)
    where = np.flatnonzero(has_formula & no_value & ~typed)
    if len(where) >= MAX_MISSING:
        raise Unsure("very many formulas without a value")
    return set(zip(row[where].tolist(), col[where].tolist(), strict=True))


# -- calamine ---------------------------------------------------------------------------

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def package(bodies: list[memoryview], strings: int) -> bytes:
    """A stored (uncompressed) .xlsx for calamine holding ``bodies`` (sheet
    data, to be checked by ``scan``) as sheets s0, s1 ...

    Each sheet is its sheet data alone in a bare worksheet that starts with
    an empty ``<mergeCells>``: python-calamine reads a sheet a second time,
    to its end, for its merged cells, and this ends that read at once. There
    are no styles (calamine's numbers are not used: the scan reads them) and
    ``strings`` empty shared strings (their text is taken from openpyxl's
    table): calamine is used for the texts of formulas."""
    sheets = "".join(
        f'<sheet name="s{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(bodies))
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/s{i}.xml"/>'
        for i in range(len(bodies))
    )
    rels += f'<Relationship Id="rIdS" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    head = f'<worksheet xmlns="{MAIN}"><mergeCells></mergeCells><sheetData>'.encode()
    tail = b"</sheetData></worksheet>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PACKAGE}/relationships">{rels}</Relationships>',
        )
        archive.writestr(
            "xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">' + "<si></si>" * strings + "</sst>"
        )
        for i, body in enumerate(bodies):
            info = zipfile.ZipInfo(f"xl/worksheets/s{i}.xml", (2024, 1, 1, 0, 0, 0))
            info.file_size = len(head) + len(body) + len(tail)
            with archive.open(info, "w") as part:
                part.write(head)
                part.write(body)
                part.write(tail)
    return buffer.getvalue()


class CalamineRead:
    """python-calamine reading the sheets of ``prepared`` that may hold texts
    (the others it is not needed for), in a thread (it lets go of the GIL
    while it parses) while the caller scans them."""

    def __init__(self, prepared: list[Prepared], strings: int):
        self._read = [i for i, sheet in enumerate(prepared) if sheet.texts]
        self._sheets: dict[int, object] = {}
        self._error: BaseException | None = None
        self._thread = None
        if self._read:
            self._data = package([prepared[i].body for i in self._read], strings)
            self._thread = threading.Thread(target=self._run, name="cxexcel-calamine", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_filelike(io.BytesIO(self._data))
            self._data = b""
            self._sheets = {i: book.get_sheet_by_name(f"s{k}") for k, i in enumerate(self._read)}
            book.close()
        except BaseException as exc:  # anything calamine raises: openpyxl reads the file
            self._error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def sheet(self, index: int):
        """calamine's sheet ``prepared[index]``, None if it was not read."""
        self.wait()
        if self._error is not None:
            raise Unsure(f"calamine: {self._error!r}") from self._error
        return self._sheets.get(index)


def grid(sheet, scanned: SheetScan) -> tuple[np.ndarray, int, int]:
    """calamine's values of a sheet (a 2-D object array) and the row and
    column of its top-left cell; its range must be the scan's box. Without
    ``sheet`` (calamine did not read it) the scan must need none."""
    if sheet is None:
        if np.any(_among(scanned.kind, _FROM_CALAMINE)):
            raise Unsure("texts calamine did not read")
        return np.empty((0, 0), object), 1, 1
    start, end = sheet.start, sheet.end
    if scanned.box is None:
        if start is not None:
            raise Unsure("calamine found cells the scan did not")
        return np.empty((0, 0), object), 1, 1
    top, left, bottom, right = scanned.box
    if start is None or (start[0] + 1, start[1] + 1, end[0] + 1, end[1] + 1) != scanned.box:
        raise Unsure("calamine's range is not the scan's")
    rows = sheet.to_python()
    values = np.empty((bottom - top + 1, right - left + 1), object)
    if len(rows) != values.shape[0]:
        raise Unsure("calamine's rows")
    try:
        values[:] = rows
    except ValueError as exc:  # rows of another width
        raise Unsure("calamine's rows") from exc
    return values, top, left


def check_dates(scanned: SheetScan, book) -> None:
    """openpyxl warns (and reads "#VALUE!") for a date-formatted number
    beyond Python's dates in any row it reads: leave such sheets to it."""
    import datetime as dt

    dated = np.flatnonzero(scanned.kind == K_DATE)
    if not len(dated):
        return
    from openpyxl.utils.datetime import from_excel

    serials = scanned.number[dated]
    low = (dt.datetime.min - book.epoch).days + 2
    high = (dt.datetime(9999, 12, 30) - book.epoch).days
    timedelta = _among(scanned.style[dated], book._timedelta_formats)
    ok = np.where(timedelta, np.abs(serials) < 999_999_000, (serials > low) & (serials < high))
    for i in np.flatnonzero(~ok):  # near or beyond the ends: as openpyxl computes it
        try:
            from_excel(float(serials[i]), book.epoch, timedelta=bool(timedelta[i]))
        except (OverflowError, ValueError) as exc:
            raise Unsure("a date beyond Python's, which openpyxl warns of") from exc


# -- openpyxl's values ------------------------------------------------------------------


def values(scanned: SheetScan, which: np.ndarray, cal: tuple, strings: np.ndarray, book):
    """openpyxl's value of each of the scan's cells ``which`` (indexes), and
    the same dates as datetime64 (NaT for the other cells)."""
    from pandas.api.types import infer_dtype

    out = np.empty(len(which), object)
    stamps = np.full(len(which), np.datetime64("NaT"), "datetime64[us]")
    if len(which) == 0:
        return out, stamps
    kind = scanned.kind[which]
    from_cal = np.empty(len(which), object)
    need = _among(kind, _FROM_CALAMINE)
    if np.any(need):
        grid_, top, left = cal
        r = scanned.cell_row[which[need]] - top
        c = scanned.cell_col[which[need]] - left
        if np.any((r < 0) | (c < 0) | (r >= grid_.shape[0]) | (c >= grid_.shape[1])):
            raise Unsure("a cell outside calamine's range")
        from_cal[need] = grid_[r, c]
    for k in np.unique(kind).tolist():
        at = kind == k
        if k == K_INT:
            out[at] = scanned.number[which[at]].astype(np.int64).astype(object)
        elif k == K_FLOAT:
            out[at] = scanned.number[which[at]].astype(object)
        elif k == K_DATE:
            out[at], stamps[at] = _dates(scanned.number[which[at]], scanned.style[which[at]], book)
        elif k == K_STR:
            got = from_cal[at]
            if infer_dtype(got, skipna=False) != "string":
                raise Unsure("calamine read a text as something else")
            out[at] = np.where(got == "", None, got)  # openpyxl: an empty saved text is no value
        elif k == K_SHARED:
            out[at] = strings[scanned.shared[which[at]]]
        elif k == K_BOOL:
            at_byte = scanned.body_start + scanned.text_start[which[at]]
            ones = np.frombuffer(scanned.data, np.uint8)[at_byte] == 0x31
            out[at] = np.array([False, True], dtype=object)[ones.astype(np.int64)]
        elif k in (K_ERROR, K_RAW_TEXT):
            out[at] = _xml_texts(scanned, which[at])
        elif k == K_BIGINT:
            out[at] = [int(scanned.text(i)) for i in which[at]]
        elif k == K_EMPTY_TEXT:
            out[at] = ""
        else:
            raise Unsure("a cell kind")
    return out, stamps


def _xml_texts(scanned: SheetScan, cells: np.ndarray) -> list[str]:
    """The XML text of each of ``cells`` (the five entities replaced), a few
    hundred thousand cells to a decode: joined by NUL, which sheet data
    cannot hold (the scan refuses control characters), and split again."""
    texts: list[str] = []
    for first in range(0, len(cells), _TEXTS_AT_ONCE):
        texts.extend(_decoded(scanned, cells[first : first + _TEXTS_AT_ONCE]))
    return texts


#: Cells decoded together: bounds the joined copy of their texts.
_TEXTS_AT_ONCE = 1 << 18


def _decoded(scanned: SheetScan, cells: np.ndarray) -> list[str]:
    base = scanned.body_start
    data = scanned.data
    starts = (scanned.text_start[cells] + base).tolist()
    ends = (scanned.text_end[cells] + base).tolist()
    joined = b"\0".join([data[a:b] for a, b in zip(starts, ends, strict=True)])
    if joined.count(0) != len(cells) - 1:
        raise Unsure("a NUL in a text")
    try:
        text = joined.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unsure("a text that is not UTF-8") from exc
    if "&" in text:
        for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
            text = text.replace(entity, char)
        text = text.replace("&amp;", "&")
    return text.split("\0")


_MS_PER_DAY = 86_400_000
#: Serial numbers converted with numpy; the others by openpyxl's from_excel.
_FAST_LOW, _FAST_HIGH = 1.0, 2_900_000.0


def _dates(serials: np.ndarray, styles: np.ndarray, book) -> tuple[np.ndarray, np.ndarray]:
    """openpyxl's ``from_excel`` of each date-formatted number, and those of
    them computed with numpy (dates from 1900-01-01 to 9839, step for step as
    from_excel does) as datetime64 (NaT for the others)."""
    from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

    epoch = book.epoch
    timedelta = _among(styles, book._timedelta_formats)
    out = np.empty(len(serials), object)
    result = np.full(len(serials), np.datetime64("NaT"), "datetime64[us]")
    fast = (serials >= _FAST_LOW) & (serials < _FAST_HIGH) & ~timedelta
    if np.any(fast):
        v = serials[fast]
        day, fraction = np.divmod(v, 1.0)
        ms = np.rint((fraction * 86400.0) * 1000.0)  # round(fraction * SECS_PER_DAY * 1000)
        if epoch == WINDOWS_EPOCH:
            day = day + (v < 60)
        total = day.astype(np.int64) * _MS_PER_DAY + ms.astype(np.int64)
        stamps = (np.datetime64(epoch, "ms") + total.astype("timedelta64[ms]")).astype("M8[us]")
        distinct, inverse = np.unique(stamps, return_inverse=True)  # dates repeat: box each once
        out[fast] = distinct.astype(object)[inverse]
        result[fast] = stamps
    for i in np.flatnonzero(~fast):
        try:
            out[i] = from_excel(float(serials[i]), epoch, timedelta=bool(timedelta[i]))
        except (OverflowError, ValueError) as exc:  # openpyxl warns and reads "#VALUE!"
            raise Unsure("a date beyond Python's") from exc
    return out, result
