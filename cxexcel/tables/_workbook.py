"""Opening a workbook file (.xlsx/.xlsm) for reading, only once it is known
to be one and to be safe to unpack.

``open_workbook`` sniffs the file's first bytes (an .xls, an encrypted
workbook, a CSV or a PDF with an .xlsx name is refused, saying what it is
and what to do), checks its zip (``_zipguard``), and opens it with openpyxl
in read-only mode over the guarded zip, each worksheet read through a
``SheetFilter`` that skips empty rows and notes formulas without a saved
value. Every refusal is a one-line SourceError naming the file.

``open_checked`` does the same for the python-calamine reader
(``_calamine``): the same sniff and zip guard, then openpyxl reads the
workbook's parts as under ``open_workbook`` (the workbook, its styles and
shared strings, each sheet's dimension), so that a file openpyxl refuses is
noticed; only the sheets that may hold input tables are not parsed by
openpyxl but read whole, for ``_calamine`` to check and hand to calamine.
Whatever it cannot vouch for raises ``_calamine.Unsure``: the caller then
reads the file with ``open_workbook``.

``reader()`` says which reads input tables: ``CXEXCEL_XLSX_READER`` is
``calamine`` (the default) or ``openpyxl``.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from . import _sniff, _xlsx, _zipguard
from ._calamine import MAIN, Unsure
from ._sheetfilter import MissingValues, SheetFilter

READERS = ("calamine", "openpyxl")
#: Sheet XML read into memory for calamine at most; beyond, openpyxl streams it.
MAX_CALAMINE_BYTES = 256 << 20


def reader() -> str:
    """The reader of .xlsx/.xlsm input tables, from ``CXEXCEL_XLSX_READER``."""
    text = os.environ.get("CXEXCEL_XLSX_READER", "").strip().lower()
    if not text:
        return READERS[0]
    if text not in READERS:
        raise SourceError(
            f"CXEXCEL_XLSX_READER={os.environ['CXEXCEL_XLSX_READER']!r} is not a reader: "
            f"use {' or '.join(READERS)}"
        )
    return text


@dataclass
class OpenWorkbook:
    """An open read-only openpyxl workbook and what was learnt opening it."""

    workbook: object
    sheets: dict[str, _xlsx.SheetPart]
    missing: dict[str, MissingValues] = field(default_factory=dict)

    def table_parts(self) -> dict[str, list[_xlsx.TablePart]]:
        return {title: sheet.tables for title, sheet in self.sheets.items()}

    def missing_values(self, title: str) -> MissingValues | None:
        """Formula cells without a saved value seen so far on sheet ``title``."""
        sheet = self.sheets.get(title)
        return self.missing.get(sheet.path) if sheet is not None else None


@contextlib.contextmanager
def open_workbook(path: Path) -> Iterator[OpenWorkbook]:
    """The workbook file ``path``, open (see the module docstring)."""
    display = path.name
    kind = _sniff.sniff(path)
    if kind.name != "zip":
        raise SourceError(_sniff.message(display, kind))
    archive = _zipguard.open_zip(path, display)
    try:
        opened = _open(archive, path, display)
    except BaseException:
        archive.close()
        raise
    try:
        yield opened
    except SourceError:
        raise
    except Exception as exc:  # a damaged sheet part, met while reading its rows
        raise failure(display, exc) from exc
    finally:
        opened.workbook.close()


def _open(archive: _zipguard.GuardedZip, path: Path, display: str) -> OpenWorkbook:
    from openpyxl.reader.excel import ExcelReader

    other = _zipguard.zip_kind(archive)
    if other is not None:
        raise SourceError(_sniff.message(display, other))
    try:
        sheets = _xlsx.sheet_parts(archive)
        missing = {sheet.path: MissingValues() for sheet in sheets.values()}
        for part, seen in missing.items():
            archive.filters[part] = lambda stream, seen=seen: SheetFilter(stream, seen)
        # A file object, not the path: openpyxl would refuse a name not
        # ending in .xlsx/.xlsm, and the content is already known to be one.
        with open(path, "rb") as file:
            reader = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
            # Read through the guarded zip, not the plain one ExcelReader opened.
            reader.archive.close()
        reader.archive = archive
        reader.valid_files = archive.namelist()
        reader.read()
    except Exception as exc:  # malformed XML, defusedxml's refusals ...
        raise failure(display, exc) from exc
    return OpenWorkbook(reader.wb, sheets, missing)


@dataclass
class CheckedWorkbook:
    """A workbook as ``open_checked`` reads it: openpyxl's read-only workbook
    (its sheets, epoch and date formats; not to be iterated), the sheets'
    parts, the shared strings as openpyxl reads them, and the XML of the
    candidate sheets."""

    workbook: object
    sheets: dict[str, _xlsx.SheetPart]
    strings: list
    parts: dict[str, bytes]

    def table_parts(self) -> dict[str, list[_xlsx.TablePart]]:
        return {title: sheet.tables for title, sheet in self.sheets.items()}


_EMPTY_SHEET = f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()


@contextlib.contextmanager
def open_checked(
    path: Path, candidates: Callable[[dict[str, _xlsx.SheetPart]], set[str]]
) -> Iterator[CheckedWorkbook]:
    """The workbook file ``path`` checked as ``open_workbook`` checks it (the
    same SourceError for what is not a workbook or not safe to unpack), the
    parts ``candidates(sheets)`` names read whole; ``Unsure`` otherwise."""
    from openpyxl.reader.excel import ExcelReader

    display = path.name
    kind = _sniff.sniff(path)
    if kind.name != "zip":
        raise SourceError(_sniff.message(display, kind))
    archive = _zipguard.open_zip(path, display)
    try:
        other = _zipguard.zip_kind(archive)
        if other is not None:
            raise SourceError(_sniff.message(display, other))
        try:
            sheets = _xlsx.sheet_parts(archive)
            wanted = sorted(candidates(sheets) & set(archive.namelist()))
            if sum(archive.getinfo(name).file_size for name in wanted) > MAX_CALAMINE_BYTES:
                raise Unsure("sheets too large to hold in memory")
            parts = {}
            for name in wanted:
                with archive.open(name) as stream:
                    parts[name] = stream.read()
            for sheet in sheets.values():
                if sheet.path in parts:
                    # openpyxl reads only its dimension here; _calamine checks it all.
                    archive.filters[sheet.path] = _empty_sheet
                else:
                    archive.filters[sheet.path] = lambda stream: SheetFilter(stream)
            with open(path, "rb") as file:
                excel = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
                excel.archive.close()
            excel.archive = archive
            excel.valid_files = archive.namelist()
            excel.read_strings = lambda: _read_strings(excel)
            excel.read()
        except Unsure:
            raise
        except Exception as exc:  # openpyxl refuses the file: open_workbook will say why
            raise Unsure(f"openpyxl: {exc!r}") from exc
        yield CheckedWorkbook(excel.wb, sheets, excel.shared_strings, parts)
    finally:
        archive.close()


def _empty_sheet(stream) -> io.BytesIO:
    stream.close()
    return io.BytesIO(_EMPTY_SHEET)


def _read_strings(excel) -> None:
    """``ExcelReader.read_strings``, with ``shared_strings``."""
    from openpyxl.xml.constants import SHARED_STRINGS

    found = excel.package.find(SHARED_STRINGS)
    if found is not None:
        with excel.archive.open(found.PartName[1:]) as src:
            excel.shared_strings = shared_strings(src.read())


def shared_strings(data: bytes) -> list[str]:
    """openpyxl's ``read_string_table`` of ``data`` (each ``<si>``'s text
    without its formatting and with "x005F_" taken out), faster: the plain
    ``<si><t>text</t></si>`` is read here, any other ``<si>`` by openpyxl."""
    from defusedxml.ElementTree import fromstring
    from openpyxl.cell.text import Text
    from openpyxl.reader.strings import read_string_table

    si, t = f"{{{MAIN}}}si", f"{{{MAIN}}}t"
    root = fromstring(data)
    items = list(root.iter(si))
    if sum(1 for child in root if child.tag == si) != len(items):
        return read_string_table(io.BytesIO(data))  # nested <si>: openpyxl's order
    strings = []
    for item in items:
        if len(item) == 1 and not item.attrib:
            text = item[0]
            if text.tag == t and len(text) == 0:
                value = text.text
                strings.append("" if value is None else value.replace("x005F_", ""))
                continue
        strings.append(Text.from_tree(item).content.replace("x005F_", ""))
    return strings


def failure(display: str, exc: BaseException) -> SourceError:
    """The SourceError for ``exc``, raised while reading the workbook ``display``:
    a SourceError in its chain of causes as it is, else one quoting the cause."""
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, SourceError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return SourceError(f"{display}: cannot be read as an Excel workbook ({_reason(exc)})")


def _reason(exc: BaseException) -> str:
    """The first line of the innermost cause: openpyxl wraps the useful part."""
    seen = {id(exc)}
    while (exc.__cause__ or exc.__context__) is not None:
        exc = exc.__cause__ or exc.__context__
        if id(exc) in seen:
            break
        seen.add(id(exc))
    if type(exc).__module__.startswith("defusedxml"):
        return f"it holds XML that is refused for safety: {type(exc).__name__}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
