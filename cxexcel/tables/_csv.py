"""Reading a CSV file into a frame of text cells, in bounded memory.

Before pandas parses anything, one streaming pass over the file decides its
encoding (UTF-8 with or without the byte-order mark, UTF-16/32 with a
byte-order mark or plain little/big-endian UTF-16, else Windows-1252),
refuses what is not text (NUL characters, a workbook or PDF with a .csv
name), refuses a line longer than ``MAX_CSV_LINE`` characters as soon as it
is seen (so a 2 GiB file without line breaks costs one chunk, not gigabytes)
and finds the delimiter from the header line: ``,``, ``;`` (Excel in much
of Europe) or a tab. The file size is capped by ``MAX_CSV_BYTES``.

Lines starting with ``#`` before the header (Google Analytics writes the
report's name, property and date range so) are skipped, with blank lines
among them. An encoding other than those above is set by
``CXEXCEL_CSV_ENCODING`` (any name Python knows, e.g. ``iso-8859-15`` or
``shift_jis``), or the ``encoding`` argument (a mapping file's setting).
"""

from __future__ import annotations

import codecs
import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import SourceError
from . import _sniff
from ._limits import limit, setting, show_size

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")

_NOT_CSV = {"zip", "ole", "xls", "encrypted", "doc", "pdf", "parquet", "gzip", "rtf", "xml-2003"}
_ZIP_AS_CSV = _sniff.Kind(
    "zip",
    "a zip file, such as an Excel workbook, with a .csv name",
    "if it is a workbook, give it an .xlsx ending",
)


@dataclass(frozen=True)
class Layout:
    """How a CSV file is written: its encoding, delimiter and header line."""

    encoding: str
    delimiter: str
    header: str
    columns: int
    #: Comment lines (``#``) and blank lines before the header.
    skip: int = 0


def read_csv(path: Path, table: str, encoding: str | None = None) -> pd.DataFrame:
    """The cells of the CSV file ``path`` as str (header row included), or a
    SourceError naming the file (and ``table``) that says what to do."""
    return read_layout(path, table, encoding)[0]


def read_layout(path: Path, table: str, encoding: str | None = None) -> tuple[pd.DataFrame, Layout]:
    """:func:`read_csv` and the file's :class:`Layout`."""
    layout = inspect(path, table, encoding)
    return read_frame(path, table, layout), layout


def read_frame(path: Path, table: str, layout: Layout) -> pd.DataFrame:
    """The cells of ``path`` as :func:`read_csv` gives them, read with the
    ``layout`` :func:`inspect` found for it."""
    try:
        return pd.read_csv(
            path,
            header=None,
            skiprows=layout.skip,
            sep=layout.delimiter,
            # Every cell as a Python str (object), as validation wants
            # it: faster than pandas' Arrow-backed str dtype + astype.
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding=layout.encoding,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise SourceError(f"{path.name}: the file is empty", table=table) from None
    except pd.errors.ParserError as exc:
        raise SourceError(_parse_problem(path.name, exc, layout), table=table) from exc
    except (OSError, ValueError, UnicodeError) as exc:
        raise SourceError(f"{path.name}: cannot be read as CSV ({exc})", table=table) from exc


def header_cells(path: Path, table: str | None = None) -> list[str]:
    """The header cells of the CSV file ``path``, after :func:`inspect`'s checks."""
    return split_header(inspect(path, table))


def split_header(layout: Layout) -> list[str]:
    """The cells of ``layout``'s header line."""
    return next(csv.reader([layout.header], delimiter=layout.delimiter), [])


def first_rows(path: Path, count: int = 5, encoding: str | None = None) -> list[list[str]]:
    """The first ``count`` rows of ``path`` (the header first), after
    :func:`inspect`'s checks, to recognise an export by more than its header."""
    layout = inspect(path, None, encoding)
    with open(path, encoding=layout.encoding, newline="") as file:
        for _ in range(layout.skip):
            file.readline()
        rows = []
        for row in csv.reader(file, delimiter=layout.delimiter):
            rows.append(row)
            if len(rows) >= count:
                break
    return rows


def inspect(path: Path, table: str | None = None, encoding: str | None = None) -> Layout:
    """The layout of the CSV file ``path``, after the checks the module
    docstring lists (a SourceError for any that fails)."""
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path.name}: the file is empty", table=table)
    if size > limit("MAX_CSV_BYTES"):
        raise SourceError(
            f"{path.name}: the file is {show_size(size)}, more than the "
            f"{show_size(limit('MAX_CSV_BYTES'))} a CSV file may be "
            f"({setting('MAX_CSV_BYTES')}); split it, or save it as Parquet",
            table=table,
        )
    kind = _sniff.sniff(path)
    if kind.name in _NOT_CSV:
        shown = _ZIP_AS_CSV if kind.name == "zip" else kind
        raise SourceError(_sniff.message(path.name, shown, "CSV"), table=table)
    with open(path, "rb") as file:
        head = file.read(_sniff.HEAD_BYTES)
    encodings = _encodings(head, encoding or os.environ.get("CXEXCEL_CSV_ENCODING"), table)
    for encoding in encodings:
        try:
            header, skip = _scan(path, encoding, table)
        except UnicodeDecodeError as exc:
            error = exc
            continue
        delimiter, columns = _delimiter(header)
        if columns > limit("MAX_COLUMNS"):
            raise SourceError(
                f"{path.name}: the header has {columns:,} columns, more than the "
                f"{limit('MAX_COLUMNS'):,} allowed ({setting('MAX_COLUMNS')})",
                table=table,
            )
        return Layout(encoding, delimiter, header, columns, skip)
    if len(encodings) == 1 and encodings[0] not in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        raise SourceError(
            f"{path.name}: cannot be read as text: byte 0x{error.object[error.start]:02X} at "
            f"offset {error.start:,} is not {encodings[0]} (the encoding set for it); "
            "check the setting, or save the file as CSV UTF-8",
            table=table,
        )
    raise SourceError(
        f"{path.name}: cannot be read as text: byte 0x{error.object[error.start]:02X} at "
        f"offset {error.start:,} is neither UTF-8 nor Windows-1252; save it as CSV UTF-8 "
        "(or set its encoding: CXEXCEL_CSV_ENCODING, or encoding in a mapping file)",
        table=table,
    )


def _encodings(head: bytes, chosen: str | None = None, table: str | None = None) -> tuple[str, ...]:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return (encoding,)
    if chosen:
        try:
            return (codecs.lookup(chosen).name,)
        except LookupError:
            raise SourceError(
                f"the CSV encoding {chosen!r} is not one Python knows "
                "(e.g. utf-8, cp1252, iso-8859-15, shift_jis)",
                table=table,
            ) from None
    utf16 = _sniff.utf16_without_bom(head)
    if utf16 is not None:
        return (utf16,)
    # Excel saves "CSV UTF-8" with a byte-order mark and plain "CSV" in the
    # Windows code page, so try both.
    return ("utf-8", "cp1252")


def _scan(path: Path, encoding: str, table: str | None) -> tuple[str, int]:
    """The header line of ``path`` read as ``encoding`` and the comment lines
    before it, after checking every line's length and that no NUL character
    occurs; streaming, chunk by chunk."""
    longest = limit("MAX_CSV_LINE")
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    header: str | None = None
    skip = 0
    carry = ""
    line = 1
    with open(path, "rb") as file:
        while True:
            chunk = file.read(CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            if "\x00" in text:
                at = line + (carry + text[: text.index("\x00")]).count("\n")
                raise SourceError(
                    f"{path.name}: line {at:,} holds a NUL character, so it is not a text "
                    "(CSV) file; export the table again as CSV UTF-8",
                    table=table,
                )
            text = carry + text
            if header is None and "\n" in text:
                lines = text.split("\n")[:-1]
                skip = _comment_lines(lines)
                if skip < len(lines):
                    header = lines[skip]
            too_long = _long_line(text, longest)
            if too_long is not None:
                raise _too_long(path, line + text.count("\n", 0, too_long), longest, table)
            end = text.rfind("\n") + 1
            line += text.count("\n", 0, end)
            carry = text[end:]
            if not chunk:
                break
    if header is None:
        header = carry
    return header.lstrip("\ufeff").rstrip("\r"), skip


def _long_line(text: str, longest: int) -> int | None:
    """Where the first line of ``text`` longer than ``longest`` characters
    starts, or None (the last line may be unfinished: it counts once it is
    too long already)."""
    start = 0
    while len(text) - start > longest:
        # The last line break within reach of this line's start: the lines
        # up to it are short enough; none means this line is too long.
        end = text.rfind("\n", start, start + longest + 1)
        if end < 0:
            return start
        start = end + 1
    return None


def _comment_lines(lines: list[str]) -> int:
    """How many of the first ``lines`` are a comment block (lines starting
    with ``#``, and blank lines among and after them) before the header."""
    if not _comment(lines[0].lstrip("\ufeff").strip()):
        return 0
    count = 0
    for line in lines:
        text = line.lstrip("\ufeff").strip()
        if text and not _comment(text):
            break
        count += 1
    return count


def _comment(text: str) -> bool:
    # "#," is a header whose first column is named "#" (Typeform's), not a comment.
    return text.startswith("#") and text[1:2] not in DELIMITERS


def _too_long(path: Path, line: int, longest: int, table: str | None) -> SourceError:
    return SourceError(
        f"{path.name}: line {line:,} is longer than {longest:,} characters "
        f"({setting('MAX_CSV_LINE')}); a CSV file has one row per line: check that it is "
        "one, or split the long line",
        table=table,
    )


def _delimiter(header: str) -> tuple[str, int]:
    """The delimiter the header line uses, and how many columns it names."""
    unquoted = _QUOTED.sub("", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the first
    return delimiter, counts[delimiter] + 1


def _parse_problem(display: str, exc: Exception, layout: Layout) -> str:
    separated = _DELIMITER_NAMES[layout.delimiter]
    match = _RAGGED.search(str(exc))
    if match is not None:
        expected, line, saw = match.groups()
        return (
            f"{display}: line {line} has {saw} fields but the header has {expected} "
            f"(fields separated by {separated}); quote the cells that hold a "
            f"{layout.delimiter!r}, or fix that line"
        )
    reason = " ".join(str(exc).split())
    return f"{display}: cannot be read as CSV with fields separated by {separated} ({reason})"
