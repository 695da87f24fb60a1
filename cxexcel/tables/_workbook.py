"""Opening a workbook file (.xlsx/.xlsm) for reading, only once it is known
to be one and to be safe to unpack.

``open_workbook`` sniffs the file's first bytes (an .xls, an encrypted
workbook, a CSV or a PDF with an .xlsx name is refused, saying what it is
and what to do), checks its zip (``_zipguard``), and opens it with openpyxl
in read-only mode over the guarded zip, each worksheet read through a
``SheetFilter`` that skips empty rows and notes formulas without a saved
value. Every refusal is a one-line SourceError naming the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from . import _sniff, _xlsx, _zipguard
from ._sheetfilter import MissingValues, SheetFilter


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
