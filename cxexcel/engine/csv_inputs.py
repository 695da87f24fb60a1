"""CSV inputs read and checked by the engine (DuckDB) where the result is
provably the in-memory path's: the same rows, values and messages.

The in-memory path reads a CSV file with pandas and converts every cell in
Python (:mod:`cxexcel.tables.validate`); for a million rows that is most of
``cxexcel report``'s time. This road is for the Responses and Subscriptions
tables of a UTF-8 file whose header already names the table's columns.

:func:`load`, once :func:`cxexcel.tables._csv.inspect` has made its checks
(size, encoding, NUL characters, line length, delimiter, comment lines):

1. The file's bytes are checked where pandas and DuckDB could read them
   differently: every quote character must follow RFC 4180 (open a cell,
   close it, or be doubled inside it: pandas reads ``"a" "b"`` as
   ``a "b"``, DuckDB as ``a b``), every carriage return must end a line
   with a line feed, and comment lines must hold no quote.
2. One statement has DuckDB read the file with explicit options (the
   delimiter found, RFC 4180 double quotes, no header, every column as
   text, strict mode) and convert each cell the way the validator does, for
   the forms where the two provably agree (ISO dates and times with an
   optional UTC offset, months such as 2024-01, plain decimal numbers,
   text trimmed of Python's whitespace), into a typed temporary table; a cell in any other form is
   *unsure*.
3. Counts prove that DuckDB split the records and cells as pandas does: the
   file's bytes, delimiters and line endings must be those of the cells
   read, one delimiter between cells, one line ending per record and the
   quote characters around and inside quoted cells. DuckDB quietly drops
   what pandas reads or refuses (a blank line, a delimiter at the end of a
   row, spaces around a quoted cell); each of those breaks a count.

Any DuckDB error, a count that does not add up, or a header other than the
one the file was recognised by: None, and pandas reads the file as before,
with its messages, while the sources are collected.

:func:`check_csv`, when the table is validated: without unsure cells the
typed table is the clean table. Otherwise the rows holding unsure cells (at
most ``MAX_UNSURE``), with the first good row of each column, go through
the validator itself, in file order: every bad cell is an unsure one, so its
problems are the table's, word for word. If it finds none, the unsure cells
are good in a form this road does not convert (an Excel serial number,
03/04/2024 with ``--dates``, a decimal comma ...), and the in-memory path
reads the file.
"""

from __future__ import annotations

import dataclasses
import logging
import mmap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import TableError
from ..tables.schema import NUMBER_LIMIT, Column, TableSchema
from .backend import Engine, quiet, temporary_name

__all__ = ["CsvTable", "load", "check_csv", "MAX_UNSURE", "WHITESPACE"]

logger = logging.getLogger(__name__)

#: Rows with cells this road does not convert that the validator is given;
#: beyond it the in-memory path reads the file (a column of serial numbers).
MAX_UNSURE = 10_000
#: Files wider than this are read the in-memory way (the statements grow
#: with the columns).
MAX_COLUMNS = 1_000

#: Python's whitespace (``str.strip()``, and Arrow's ``utf8_trim_whitespace``
#: the validator uses): the code points for which ``str.isspace()`` is true.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"  # an RE2 class
_WS_CHARS = "concat(" + ", ".join(f"chr({ord(c)})" for c in WHITESPACE) + ")"
_WS_CODES = ", ".join(str(ord(c)) for c in WHITESPACE)

_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_LOCAL = rf"{_DATE}(?:[ T]{_TIME})?"
#: A date as it is written most often: cast as it is.
_PLAIN_DATE = _LOCAL
#: Any date this road reads: padded, with a UTC offset, which the validator
#: drops (the date stays the one it was written in).
_ANY_DATE = rf"^{_WS}*({_LOCAL}) *(?:Z|[+-][0-9]{{2}}:?[0-9]{{2}})?{_WS}*$"
#: A month (2024-01), the 1st of it to the validator, padded or not.
_MONTH = r"[0-9]{4}-[0-9]{2}"
_ANY_MONTH = rf"^{_WS}*({_MONTH}){_WS}*$"
_NUMBER = r"[0-9]{1,15}(?:\.[0-9]{1,15})?"
_WHOLE = r"[0-9]{1,15}"

_NUMBER_KINDS = ("number", "amount", "count", "score")
_NULLS = {"date": "TIMESTAMP", "month": "TIMESTAMP", "text": "VARCHAR"}
_ACCOUNTS = ("_bytes", "_quotes", "_delimiters", "_lines")


@dataclass
class CsvTable:
    """A CSV file DuckDB has read and converted into the typed temporary
    table ``name`` (row 0 the header), with what :func:`check_csv` decides on."""

    engine: Engine
    path: Path
    layout: object  # cxexcel.tables._csv.Layout
    name: str
    schema: TableSchema
    reading: object  # cxexcel.tables.reading.Reading
    cells: dict[int, Column]  # the schema's columns, by position in the file
    rows: int = 0  # body rows, blank ones too
    kept: int = 0  # rows not blank
    unsure: int = 0  # kept rows with an unsure cell
    comma: bool = False  # a number cell holds a comma (with a decimal-comma reading)
    others: list[str] = field(default_factory=list)  # more temporary tables and views

    def drop(self) -> None:
        """Free the temporary tables."""
        with quiet():
            for name in reversed([self.name, *self.others]):
                kind = "VIEW" if name.endswith("_view") else "TABLE"
                self.engine.backend.raw_sql(f"DROP {kind} IF EXISTS {_ident(name)}")


def load(
    engine: Engine, path: Path, layout, header: list[str], schema: TableSchema, reading
) -> CsvTable | None:
    """``path`` read and converted by DuckDB as the in-memory path would read
    it, or None where that cannot be shown (see the module docstring);
    ``header`` is the header the file was recognised by, ``reading`` how its
    cells are read."""
    if engine.name != "duckdb" or layout.encoding not in ("utf-8", "utf-8-sig"):
        return None
    if layout.columns > MAX_COLUMNS or any(c in str(path) for c in "*?[]{}"):
        return None  # DuckDB would read such a path as a pattern of files
    cells = _columns(header, schema)
    if cells is None:
        return None
    try:
        region = _region(path, layout)
    except (OSError, ValueError):  # gone or emptied since it was inspected
        return None
    if region is None:
        return None
    read = CsvTable(engine, path, layout, temporary_name(schema.name), schema, reading, cells)
    comma = reading.decimal == ","
    try:
        with quiet():
            first = engine.backend.raw_sql(f"SELECT * FROM {_source(read)} LIMIT 1").fetchall()
            if [[c if c is not None else "" for c in row] for row in first] != [list(header)]:
                return None
            engine.backend.raw_sql(_typed_sql(read, region.newline, comma))
            facts = engine.backend.raw_sql(_facts_sql(read, comma)).fetchall()[0]
            for name in (*_ACCOUNTS, *(["_comma"] if comma else [])):
                engine.backend.raw_sql(f"ALTER TABLE {_ident(read.name)} DROP COLUMN {name}")
    except Exception:  # DuckDB refuses the file: pandas reads it, with its messages
        logger.debug("DuckDB did not read %s", path, exc_info=True)
        read.drop()
        return None
    records, octets, quoted, delimiters, newlines, kept, unsure, found_comma = facts
    n = layout.columns
    ends = records - (0 if region.finished else 1)
    exact = (
        records >= 1
        # Each quote character in a cell is doubled in the file and a quoted
        # cell has two more: the file's quote characters less the cells' are
        # the bytes of the file not in any cell, delimiter or line ending.
        and region.size
        == octets + records * (n - 1) + ends * len(region.newline) + (region.quotes - quoted)
        and region.delimiters == records * (n - 1) + delimiters
        and region.newlines == ends + newlines
    )
    if not exact:
        logger.debug("DuckDB did not read %s as pandas would: read in memory", path)
        read.drop()
        return None
    read.rows, read.kept, read.unsure, read.comma = records - 1, kept, unsure, bool(found_comma)
    return read


def _columns(header: list[str], schema: TableSchema) -> dict[int, Column] | None:
    """The schema's columns by position in the header; None where the
    in-memory path has a message for the header (a column twice, a required
    one missing)."""
    cells: dict[int, Column] = {}
    for position, cell in enumerate(header):
        column = schema.column(cell)
        if column is not None:
            if column in cells.values():
                return None
            cells[position] = column
    names = {column.name for column in cells.values()}
    if not set(schema.required) <= names or (schema.one_of and not names & set(schema.one_of)):
        return None
    return cells


def _source(read: CsvTable) -> str:
    """SQL: the file as DuckDB reads it, every column as text."""
    layout = read.layout
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(layout.columns))
    options = (
        f"columns = {{{columns}}}, header = false, auto_detect = false, "
        f"delim = {_literal(layout.delimiter)}, quote = '\"', escape = '\"', "
        f"skip = {layout.skip}, strict_mode = true, null_padding = false, encoding = 'utf-8'"
    )
    return f"read_csv({_literal(str(read.path))}, {options})"


@dataclass(frozen=True)
class _Region:
    """The part of a CSV file holding the header and the rows: its size and
    how many quote characters, delimiters and line endings it holds."""

    size: int
    newline: bytes
    finished: bool  # it ends with a line ending
    quotes: int
    delimiters: int
    newlines: int


def _region(path: Path, layout) -> _Region | None:
    """The table's bytes after the byte-order mark and the comment lines,
    without blank lines at the end (pandas reads them as blank rows, which
    are skipped; DuckDB skips them). None where pandas and DuckDB may read
    quotes or line endings differently: a quote character in a comment line
    (pandas reads it as the start of a quoted cell), a carriage return not
    followed by a line feed, or a quote that does not follow RFC 4180."""
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
        first = start
        for _ in range(layout.skip):
            found = data.find(b"\n", start)
            if found < 0:
                return None
            start = found + 1
        if data.find(b'"', first, start) >= 0:
            return None
        newline = b"\r\n" if data.find(b"\r", start) >= 0 else b"\n"
        end = len(data)
        while end - start > 2 * len(newline) and data[end - 2 * len(newline) : end] == newline * 2:
            end -= len(newline)
        view = np.frombuffer(data, dtype=np.uint8)
        try:
            counts = _bytes_counted(view, start, end, ord(layout.delimiter), newline == b"\r\n")
        finally:
            del view  # the mmap cannot close while an array holds it
        if counts is None:
            return None
        quotes, delimiters, newlines = counts
        return _Region(
            size=end - start,
            newline=newline,
            finished=data[end - len(newline) : end] == newline,
            quotes=quotes,
            delimiters=delimiters,
            newlines=newlines,
        )


_CHUNK = 16 << 20
_QUOTE, _LF, _CR = ord('"'), ord("\n"), ord("\r")


def _bytes_counted(view, start: int, end: int, delimiter: int, crlf: bool):
    """(quote characters, delimiters, line endings) of ``view[start:end]``;
    None if a carriage return is not followed by a line feed, or a quote
    does not follow RFC 4180 (see :func:`_strict_quotes`)."""
    quotes = delimiters = newlines = 0
    before_open = np.zeros(256, dtype=bool)
    before_open[[delimiter, _LF, _QUOTE]] = True
    after_close = np.zeros(256, dtype=bool)
    after_close[[delimiter, _LF, _CR, _QUOTE]] = True
    for at in range(start, end, _CHUNK):
        part = view[at : min(at + _CHUNK, end)]
        where = np.flatnonzero(part == _QUOTE) + at
        if not _strict_quotes(view, where, quotes, start, end, before_open, after_close):
            return None
        quotes += len(where)
        delimiters += int(np.count_nonzero(part == delimiter))
        if crlf:
            returns = np.flatnonzero(part == _CR) + at
            if len(returns) and (returns[-1] + 1 >= end or not (view[returns + 1] == _LF).all()):
                return None
            newlines += len(returns)
        else:
            newlines += int(np.count_nonzero(part == _LF))
    return (quotes, delimiters, newlines) if quotes % 2 == 0 else None


def _strict_quotes(view, where, before: int, start, end, before_open, after_close) -> bool:
    """Whether the quote characters at ``where`` (``before`` more come
    earlier in the region ``start`` to ``end``) follow RFC 4180, where
    pandas and DuckDB read them alike: counted in file order, an even one
    opens a cell (at its start, or right after the odd one before it: a
    quote doubled inside the cell), an odd one closes it (before a
    delimiter, a line ending, the end or the next quote). Elsewhere the two
    differ: pandas reads ``"a" "b"`` as ``a "b"``, DuckDB as ``a b``."""
    opens, closes = (where[0::2], where[1::2]) if before % 2 == 0 else (where[1::2], where[0::2])
    opens = opens[opens > start]  # a cell may open at the start
    closes = closes[closes < end - 1]  # and close at the end
    return bool(before_open[view[opens - 1]].all() and after_close[view[closes + 1]].all())


def check_csv(
    engine: Engine, raw, schema: TableSchema, validate, every: int = 1
) -> tuple[object | None, list[TableError]] | None:
    """The clean table of the CSV input ``raw`` (its ``csv`` read by
    :func:`load`) and its problems, as the in-memory path finds them; None
    where the in-memory path must read the file. ``validate`` is the
    in-memory validator, run on the rows this road does not convert."""
    read: CsvTable = raw.csv
    if schema != read.schema or raw.reading != read.reading:
        read.drop()  # not what the table was converted for
        return None
    try:
        result = _checked(engine, read, raw, validate, every)
    except BaseException:
        read.drop()
        raise
    if result is None or result[0] is None:
        read.drop()
    return result


def _checked(engine, read: CsvTable, raw, validate, every):
    schema = read.schema
    if not read.kept:
        message = f"{raw.place.label}: the table has a header but no data rows"
        return None, [TableError(message, table=schema.name)]
    if read.comma:
        # A decimal comma in any cell makes the validator read every cell of
        # that column so ("1.234" is 1234 there): the in-memory path does it.
        return None
    if read.unsure:
        if read.unsure > MAX_UNSURE:
            return None
        problems = _revalidated(engine, read, raw, validate, every)
        # Without problems, the unsure cells are good in a form this road
        # does not convert: the in-memory path converts them.
        return (None, problems) if problems else None
    positions = {column.name: i for i, column in read.cells.items()}
    columns = [
        f'"v{positions[c.name]}" AS "{c.name}"'
        if c.name in positions
        else f'CAST(NULL AS {_NULLS.get(c.kind, "DOUBLE")}) AS "{c.name}"'
        for c in schema.columns
    ]
    kept = f" AND {_kept(read)}" if read.kept < read.rows else ""
    view = f"{read.name}_view"
    read.others.append(view)
    with quiet():
        engine.backend.raw_sql(
            f"CREATE TEMPORARY VIEW {_ident(view)} AS SELECT {', '.join(columns)}, "
            f"rowid - 1 AS _row FROM {_ident(read.name)} WHERE rowid > 0{kept}"
        )
        return engine.backend.table(view), []


def _revalidated(engine, read: CsvTable, raw, validate, every) -> list[TableError]:
    """The validator's problems on the rows with unsure cells and the first
    good row of each column (so that a column the validator reads as a
    whole, such as dates with and without a time zone, holds the kinds of
    cells it holds in the file), in file order, numbered as in the file.
    The cells are read again, as text (only here are they needed)."""
    text = f"{read.name}_cells"
    read.others.append(text)
    firsts = ", ".join(
        f"min(rowid) FILTER ({_good(column, _value(column, f'c{i}'))})"
        for i, column in read.cells.items()
    )
    with quiet():
        engine.backend.raw_sql(
            f"CREATE TEMPORARY TABLE {_ident(text)} AS SELECT * FROM {_source(read)}"
        )
        count, *goods = engine.backend.raw_sql(
            f"SELECT count(*), {firsts} FROM {_ident(text)} WHERE rowid > 0"
        ).fetchall()[0]
        if count != read.rows:
            raise RuntimeError(f"{read.path.name} changed while it was read")
        listed = ", ".join(str(int(row)) for row in goods if row is not None) or "NULL"
        rows = engine.backend.raw_sql(
            f"SELECT rowid - 1 AS _row, * FROM {_ident(text)} WHERE rowid IN "
            f"(SELECT rowid FROM {_ident(read.name)} "
            f"WHERE rowid > 0 AND {_kept(read)} AND {_unsure(read)}) "
            f"OR rowid IN ({listed}) ORDER BY rowid"
        ).fetchall()
    numbers = tuple(int(row[0]) for row in rows)
    # pandas reads an empty cell as "" (the file is read with na_filter off).
    body = pd.DataFrame(
        [["" if cell is None else cell for cell in row[1:]] for row in rows],
        columns=range(read.layout.columns),
        dtype=object,
    )
    place = _Rows(raw.place, numbers)
    some = dataclasses.replace(raw, body=body, place=place, csv=None)
    _, problems = validate(some, read.schema, every=every)
    return problems


@dataclass(frozen=True)
class _Rows:
    """A file place for some of a file's rows: body row ``i`` is the file's
    body row ``rows[i]``."""

    place: object
    rows: tuple[int, ...]

    @property
    def label(self) -> str:
        return self.place.label

    def cell(self, position: int, body_index: int, header: str):
        return self.place.cell(position, self.rows[body_index], header)

    def header_cell(self, position: int, header: str):
        return self.place.header_cell(position, header)


def _blank(cell: str) -> str:
    """SQL: the cell is empty or only whitespace, as the validator sees it."""
    return (
        f"({cell} IS NULL OR {cell} = '' OR "
        f"(ord({cell}) IN ({_WS_CODES}) AND regexp_full_match({cell}, '{_WS}+')))"
    )


def _padded(cell: str) -> str:
    """SQL: the (filled) cell starts or ends with whitespace. ``ord`` and
    ``substr`` count code points, as Python does (not grapheme clusters)."""
    return f"(ord({cell}) IN ({_WS_CODES}) OR ord(substr({cell}, -1)) IN ({_WS_CODES}))"


def _value(column: Column, cell: str) -> str:
    """SQL: the cell converted as the validator converts it, for the forms
    this road reads; NULL for a blank cell or any other form."""
    kind = column.kind
    if kind in ("date", "month"):
        return (
            f"CASE WHEN regexp_full_match({cell}, '{_PLAIN_DATE}') "
            f"THEN TRY_CAST({cell} AS TIMESTAMP) "
            f"WHEN regexp_full_match({cell}, '{_MONTH}') THEN TRY_CAST({cell} || '-01' AS TIMESTAMP) "
            f"ELSE coalesce("
            f"TRY_CAST(NULLIF(regexp_extract({cell}, '{_ANY_DATE}', 1), '') AS TIMESTAMP), "
            f"TRY_CAST(NULLIF(regexp_extract({cell}, '{_ANY_MONTH}', 1), '') || '-01' AS TIMESTAMP)"
            f") END"
        )
    if kind == "text":
        # Trimmed only where an end is whitespace (a TRIM of these 29
        # characters costs ~0.8 s per million cells).
        return (
            f"CASE WHEN {cell} = '' THEN NULL WHEN {_padded(cell)} "
            f"THEN NULLIF(trim({cell}, {_WS_CHARS}), '') ELSE {cell} END"
        )
    unsigned = _WHOLE if kind == "count" else _NUMBER
    # A minus sign with a fraction or a digit other than 0: pandas reads "-0"
    # as 0 or as -0.0 as the rest of its column has it (whole numbers or
    # not), "-0.0" as -0.0, which DuckDB reads too.
    fraction = "" if kind == "count" else r"|[0-9]{1,15}\.[0-9]{1,15}"
    signed = rf"-(?:0*[1-9][0-9]{{0,14}}{fraction})"
    pattern = f"(?:{unsigned}|{signed})"
    return (
        f"CASE WHEN regexp_full_match({cell}, '{unsigned}') THEN CAST({cell} AS DOUBLE) "
        f"WHEN regexp_full_match({cell}, '[ \\t]*{pattern}[ \\t]*') "
        f"THEN CAST(trim({cell}, chr(32) || chr(9)) AS DOUBLE) END"
    )


def _good(column: Column, value: str) -> str:
    """SQL: the converted ``value`` is a filled cell the validator accepts."""
    kind = column.kind
    if kind in ("date", "month"):
        span = "TIMESTAMP '1900-01-01'", "TIMESTAMP '2200-01-01'"
        return f"({value} >= {span[0]} AND {value} < {span[1]})"
    if kind == "text":
        return f"({value} IS NOT NULL)"
    if kind == "score":
        low, high = column.scale
        return f"({value} = floor({value}) AND {value} BETWEEN {low} AND {high})"
    if kind == "number":
        return f"(abs({value}) < {NUMBER_LIMIT!r})"
    return f"({value} >= 0 AND {value} < {NUMBER_LIMIT!r})"


def _typed_sql(read: CsvTable, newline: bytes, comma: bool) -> str:
    """The statement that makes the typed table from the file: each column's
    value (``v`` and its position: NULL for a blank cell, NaN or an infinite
    date for an unsure one), ``_other`` (a column no schema names is filled,
    if there is one), the row's counts for :func:`load` and, with a
    decimal-comma reading, ``_comma`` (a number cell holds a comma). Which
    rows are blank or unsure is told by :func:`_kept` and :func:`_unsure`
    from these, so the statement adds no flag per row."""
    n, cells = read.layout.columns, read.cells
    inner = [
        *(f"c{i}" for i in range(n)),
        "concat(" + ", ".join(f"c{i}" for i in range(n)) + ") AS _r",
    ]
    inner += [f'{_value(column, f"c{i}")} AS "v{i}"' for i, column in cells.items()]
    outer = []
    for i, column in cells.items():
        value, cell = f'"v{i}"', f"c{i}"
        if column.kind == "text":
            outer.append(value)
            continue
        # Most cells are decided by the first test: a value the validator accepts.
        unsure = "'infinity'::TIMESTAMP" if column.kind in ("date", "month") else "'NaN'::DOUBLE"
        good = value if column.kind != "month" else f"date_trunc('month', {value})"
        outer.append(
            f"CASE WHEN {_good(column, value)} THEN {good} WHEN {_blank(cell)} THEN NULL "
            f'ELSE {unsure} END AS "v{i}"'
        )
    others = [i for i in range(n) if i not in cells]
    if others:
        outer.append("NOT (" + " AND ".join(_blank(f"c{i}") for i in others) + ") AS _other")
    outer += _row_counts(read.layout, newline)
    if comma:
        numbers = [f"contains(c{i}, ',')" for i, c in cells.items() if c.kind in _NUMBER_KINDS]
        outer.append(f"coalesce({' OR '.join(numbers) or 'false'}, false) AS _comma")
    return (
        f"CREATE TEMPORARY TABLE {_ident(read.name)} AS SELECT {', '.join(outer)} "
        f"FROM (SELECT {', '.join(inner)} FROM {_source(read)})"
    )


def _kept(read: CsvTable) -> str:
    """SQL on the typed table: the row is not blank (some cell is filled)."""
    filled = [f'"v{i}" IS NOT NULL' for i in read.cells]
    if len(read.cells) < read.layout.columns:
        filled.append("_other")
    return "(" + " OR ".join(filled) + ")"


def _unsure(read: CsvTable) -> str:
    """SQL on the typed table: a cell of the row is unsure (the validator
    may read it otherwise, or refuse it), or a required one is blank."""
    tests = []
    for i, column in read.cells.items():
        value = f'"v{i}"'
        if column.kind in ("date", "month"):
            tests.append(f"isinf({value})")
        elif column.kind != "text":
            tests.append(f"isnan({value})")
        if column.required:
            tests.append(f"{value} IS NULL")
    return "(" + (" OR ".join(tests) or "false") + ")"


def _row_counts(layout, newline: bytes) -> list[str]:
    """SQL: the bytes, quote characters, delimiters and line endings of the
    row's cells (``_r``, the cells end to end: one string to measure per row,
    not one per cell)."""
    delimiter = "chr(9)" if layout.delimiter == "\t" else _literal(layout.delimiter)
    ending = "chr(13) || chr(10)" if newline == b"\r\n" else "chr(10)"

    def inside(text: str, width: int, name: str) -> str:
        count = f"(strlen(_r) - strlen(replace(_r, {text}, ''))) // {width}"
        return f"CASE WHEN contains(_r, {text}) THEN {count} ELSE 0 END AS {name}"

    return [
        "coalesce(strlen(_r), 0) AS _bytes",
        inside("'\"'", 1, "_quotes"),
        inside(delimiter, 1, "_delimiters"),
        inside(ending, len(newline), "_lines"),
    ]


def _facts_sql(read: CsvTable, comma: bool) -> str:
    """The query of (records, bytes, quote characters, delimiters and line
    endings of the cells, kept rows, unsure rows, a comma in a number)."""
    body = "rowid > 0"
    parts = [
        "count(*)",
        *(f"coalesce(sum({name}), 0)" for name in _ACCOUNTS),
        f"count(*) FILTER ({body} AND {_kept(read)})",
        f"count(*) FILTER ({body} AND {_kept(read)} AND {_unsure(read)})",
        f"coalesce(bool_or(_comma) FILTER ({body}), false)" if comma else "false",
    ]
    return f"SELECT {', '.join(parts)} FROM {_ident(read.name)}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
