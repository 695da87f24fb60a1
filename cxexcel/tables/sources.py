"""Finding input tables in what a caller passes: workbook files, CSV and
Parquet files, folders, openpyxl Workbooks, xlwings Books and mappings of
DataFrames. Each table found comes back as a ``RawTable``: its header cells,
its body as an object DataFrame, and where it lives, to name cells in errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils.cell import get_column_letter, range_boundaries

from ..errors import SourceError, TableError
from . import _xlsx
from .schema import SCHEMAS, normalise_name

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
FILE_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv", ".parquet")

_TABLE_KEYS = {normalise_name(name): name for name in SCHEMAS}


@dataclass(frozen=True)
class SheetPlace:
    """A table on a worksheet: header cell row and first column (1-based)."""

    table: str
    sheet: str
    header_row: int
    first_column: int
    origin: str

    @property
    def label(self) -> str:
        if self.sheet.casefold() == self.table.casefold():
            return self.table
        return f"{self.table} (sheet {self.sheet})"

    def _cell(self, position: int, row: int) -> tuple[str, int, str]:
        cell = f"{_sheet_ref(self.sheet)}!{get_column_letter(self.first_column + position)}{row}"
        suffix = "" if self.sheet.casefold() == self.table.casefold() else f" (table {self.table})"
        return cell + suffix, row, cell

    def cell(self, position: int, body_index: int, header: str) -> tuple[str, int, str]:
        """(where, row, cell) of a body cell: column ``position``, body row ``body_index``."""
        return self._cell(position, self.header_row + 1 + body_index)

    def header_cell(self, position: int, header: str) -> tuple[str, int, str]:
        return self._cell(position, self.header_row)


@dataclass(frozen=True)
class FilePlace:
    """A table in a file (or DataFrame): rows are numbered from ``first_row``."""

    table: str
    file: str
    first_row: int
    header_row: int | None
    origin: str

    @property
    def label(self) -> str:
        return self.file

    def cell(self, position: int, body_index: int, header: str) -> tuple[str, int, None]:
        row = self.first_row + body_index
        return f"{self.file} row {row}, column {header}", row, None

    def header_cell(self, position: int, header: str) -> tuple[str, int | None, None]:
        if self.header_row is None:
            return f"{self.file} column {header}", None, None
        return f"{self.file} row {self.header_row}, column {header}", self.header_row, None


@dataclass
class RawTable:
    """A table as found: header cells, body cells (object DataFrame with
    columns 0..n-1) and its place, which names cells in errors."""

    name: str
    header: list
    body: pd.DataFrame
    place: SheetPlace | FilePlace


def table_name(name: object) -> str | None:
    """The canonical table name ``name`` stands for, or None."""
    return _TABLE_KEYS.get(normalise_name(name))


def collect(sources) -> Iterator[RawTable | TableError]:
    """Every input table in ``sources``, or a TableError (often a
    SourceError) for a source or table that cannot be read; the others are
    still read."""
    for source in sources:
        try:
            yield from _tables(source)
        except TableError as error:
            yield error


def _tables(source) -> Iterator[RawTable]:
    if isinstance(source, (str, os.PathLike)):
        yield from _from_path(Path(source), explicit=True)
    elif _is_openpyxl_workbook(source):
        yield from _from_openpyxl(source, "workbook", None)
    elif _is_xlwings_book(source):
        yield from _from_xlwings(source)
    elif isinstance(source, Mapping):
        yield from _from_mapping(source)
    else:
        raise SourceError(
            f"cannot read tables from {type(source).__name__}: pass a file or folder path, "
            "an openpyxl Workbook, an xlwings Book or a dict of DataFrames"
        )


# -- files and folders --------------------------------------------------------


def _from_path(path: Path, explicit: bool) -> Iterator[RawTable]:
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and child.suffix.lower() in FILE_SUFFIXES:
                if not child.name.startswith("~$"):  # Excel's lock files
                    yield from _from_path(child, explicit=False)
        return
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        yield from _from_workbook_file(path)
        return
    if suffix not in FILE_SUFFIXES:
        raise SourceError(
            f"{path.name}: not a table file (use .xlsx, .xlsm, .csv or .parquet, or a folder)"
        )
    name = table_name(path.stem)
    if name is None:
        if explicit:
            raise SourceError(
                f"{path.name}: the file name names no input table "
                f"(name it after one of {', '.join(SCHEMAS)})"
            )
        return
    if suffix == ".csv":
        yield _from_csv(path, name)
    else:
        yield _from_parquet(path, name)


def _from_csv(path: Path, name: str) -> RawTable:
    frame = None
    # Excel saves "CSV UTF-8" with a byte-order mark and plain "CSV" in the
    # Windows code page, so try both.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(
                path,
                header=None,
                # Every cell as a Python str (object), as validation wants
                # it: faster than pandas' Arrow-backed str dtype + astype.
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                encoding=encoding,
            )
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise SourceError(f"{path.name}: the file is empty", table=name) from None
        except (pd.errors.ParserError, OSError, ValueError) as exc:
            raise SourceError(f"{path.name}: cannot be read as CSV ({exc})", table=name) from exc
    if frame is None:
        raise SourceError(f"{path.name}: cannot be read as text", table=name)
    header = frame.iloc[0].tolist()
    body = frame.iloc[1:].reset_index(drop=True).astype(object)
    body.columns = range(body.shape[1])
    place = FilePlace(name, path.name, first_row=2, header_row=1, origin=str(path))
    return RawTable(name, header, body, place)


def _from_parquet(path: Path, name: str) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds for a bad file
        raise SourceError(f"{path.name}: cannot be read as Parquet ({exc})", table=name) from exc
    place = FilePlace(name, path.name, first_row=1, header_row=None, origin=str(path))
    return _frame_table(name, frame, place)


def _from_mapping(tables: Mapping) -> Iterator[RawTable]:
    for key, frame in tables.items():
        name = table_name(key)
        if name is None:
            continue
        if not isinstance(frame, pd.DataFrame):
            raise SourceError(f"{key}: expected a DataFrame, got {type(frame).__name__}")
        place = FilePlace(name, f"{name} (DataFrame)", first_row=1, header_row=None, origin="dict")
        yield _frame_table(name, frame, place)


def _frame_table(name: str, frame: pd.DataFrame, place: FilePlace) -> RawTable:
    body = frame.reset_index(drop=True).astype(object)
    header = list(body.columns)
    body.columns = range(body.shape[1])
    return RawTable(name, header, body, place)


# -- workbooks ----------------------------------------------------------------


def _from_workbook_file(path: Path) -> Iterator[RawTable]:
    import openpyxl

    try:
        parts = _xlsx.table_parts(path)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # not a zip, malformed XML, defusedxml's refusals ...
        raise SourceError(
            f"{path.name}: cannot be read as an Excel workbook ({_reason(exc)})"
        ) from exc
    try:
        # Materialise while the file is open: read-only mode streams from it.
        found = list(_from_openpyxl(workbook, path.name, parts))
    except Exception as exc:  # a damaged sheet part
        raise SourceError(
            f"{path.name}: cannot be read as an Excel workbook ({_reason(exc)})"
        ) from exc
    finally:
        workbook.close()
    yield from found


def _reason(exc: BaseException) -> str:
    """The first line of the innermost cause: openpyxl wraps the useful part."""
    while (exc.__cause__ or exc.__context__) is not None:
        exc = exc.__cause__ or exc.__context__
    if type(exc).__module__.startswith("defusedxml"):
        return f"it holds XML that is refused for safety: {type(exc).__name__}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _is_openpyxl_workbook(source) -> bool:
    from openpyxl import Workbook

    return isinstance(source, Workbook)


def _from_openpyxl(workbook, origin: str, parts: dict | None) -> Iterator[RawTable]:
    sheets = {ws.title: ws for ws in workbook.worksheets}
    if parts is None:
        parts = {
            title: [
                _xlsx.TablePart(
                    t.displayName or t.name, t.ref, t.headerRowCount or 0, t.totalsRowCount or 0
                )
                for t in getattr(ws, "tables", {}).values()
            ]
            for title, ws in sheets.items()
        }
    for name, title, part in _find(sheets, parts):
        ws = sheets[title]
        if isinstance(part, TableError):
            yield part
        elif part is not None:
            yield _listobject_table(name, title, part, origin, ws)
        else:
            yield _sheet_table(name, title, origin, _openpyxl_sheet_rows(ws))


def _openpyxl_sheet_rows(ws) -> Iterator[tuple]:
    if hasattr(ws, "reset_dimensions"):
        # Some writers record a wrong used range; read to the real end.
        ws.reset_dimensions()
    return ws.iter_rows(min_row=1, min_col=1, values_only=True)


def _listobject_table(name, title, part, origin, ws) -> RawTable:
    min_col, min_row, max_col, max_row = range_boundaries(part.ref)
    if not part.header_rows:
        return _no_header(name, title)
    rows = list(
        ws.iter_rows(
            min_row=min_row,
            max_row=max_row - part.totals_rows,
            min_col=min_col,
            max_col=max_col,
            values_only=True,
        )
    )
    return _raw(name, rows, SheetPlace(name, title, min_row, min_col, origin))


def _sheet_table(name, title, origin, rows) -> RawTable:
    """A table that fills a sheet: the first non-empty row is the header."""
    rows = iter(rows)
    header_row = 1
    for header_row, row in enumerate(rows, start=1):
        if any(not _blank_cell(v) for v in row):
            return _raw(name, [row, *rows], SheetPlace(name, title, header_row, 1, origin))
    return _raw(name, [()], SheetPlace(name, title, header_row, 1, origin))


def _raw(name: str, rows: list, place: SheetPlace) -> RawTable:
    width = max((len(row) for row in rows), default=0)
    rows = [tuple(row) + (None,) * (width - len(row)) for row in rows]
    header = list(rows[0]) if rows else []
    body = pd.DataFrame.from_records(rows[1:]) if len(rows) > 1 else pd.DataFrame()
    body = body.astype(object)
    body.columns = range(body.shape[1])
    return RawTable(name, header, body, place)


def _blank_cell(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find(sheets: dict, parts: dict) -> Iterator[tuple[str, str, object]]:
    """(table name, sheet title, what to read) for each input table: an Excel
    Table of that name first, else the sheet of that name, where "what to
    read" is a TablePart, None for the whole sheet, or a TableError.

    A sheet named after a table that holds Excel Tables reads its one Excel
    Table (not counting those named after other input tables); with
    several, it is unclear which to read, which is an error.
    """
    by_table = {}
    for title, sheet_parts in parts.items():
        for part in sheet_parts:
            name = table_name(part.name)
            if name and name not in by_table and title in sheets:
                by_table[name] = (title, part)
    by_sheet = {}
    for title in sheets:
        name = table_name(title)
        if name and name not in by_sheet:
            by_sheet[name] = title
    for name in SCHEMAS:
        if name in by_table:
            yield name, *by_table[name]
        elif name in by_sheet:
            title = by_sheet[name]
            own = parts.get(title, [])
            others = [p for p in own if table_name(p.name) is None]
            if not own:
                yield name, title, None
            elif len(others) == 1:
                yield name, title, others[0]
            elif len(others) > 1:
                listed = ", ".join(p.name for p in others)
                error = TableError(
                    f"{name}: sheet {title} holds several Excel Tables ({listed}); "
                    f'name the one to read "{name}"',
                    table=name,
                )
                yield name, title, error
            # A sheet that only holds other input tables is their container.


def _sheet_ref(title: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted if needed."""
    if title.replace("_", "").replace(".", "").isalnum() and not title[0].isdigit():
        return title
    return "'" + title.replace("'", "''") + "'"


# -- xlwings ------------------------------------------------------------------


def _is_xlwings_book(source) -> bool:
    # Duck-typed so that xlwings is imported only by whoever made the Book.
    return hasattr(source, "sheets") and hasattr(source, "fullname") and hasattr(source, "app")


def _from_xlwings(book) -> Iterator[RawTable | TableError]:
    origin = str(getattr(book, "name", "book"))
    try:
        sheets = {sheet.name: sheet for sheet in book.sheets}
        tables = {title: {t.name: t for t in sheet.tables} for title, sheet in sheets.items()}
    except Exception as exc:  # whatever the engine raises (COM, remote, Lite)
        raise SourceError(f"{origin}: cannot list the sheets and tables ({exc})") from exc
    parts = {
        title: [_xlsx.TablePart(t_name, "", 1, 0) for t_name in sheet_tables]
        for title, sheet_tables in tables.items()
    }
    for name, title, part in _find(sheets, parts):
        if isinstance(part, TableError):
            yield part
            continue
        try:
            if part is not None:
                yield _xlwings_table(name, title, tables[title][part.name], origin)
            else:
                yield _xlwings_sheet(name, title, sheets[title], origin)
        except TableError as error:
            yield error
        except Exception as exc:
            yield SourceError(f"{origin}: cannot read sheet {title} ({exc})", table=name)


def _xlwings_table(name, title, table, origin) -> RawTable | TableError:
    if not table.show_headers:
        return _no_header(name, title)
    area = table.range
    rows = _xlwings_values(area)
    if table.show_totals:
        rows = rows[:-1]
    return _raw(name, rows, SheetPlace(name, title, area.row, area.column, origin))


def _xlwings_sheet(name, title, sheet, origin) -> RawTable:
    area = sheet.used_range
    raw = _sheet_table(name, title, origin, _xlwings_values(area))
    # _sheet_table counts rows from the used range's top; make them sheet rows.
    raw.place = SheetPlace(name, title, area.row + raw.place.header_row - 1, area.column, origin)
    return raw


def _no_header(name: str, title: str) -> TableError:
    return TableError(
        f"{name} (sheet {title}): the Excel Table has no header row; turn on its header row",
        table=name,
    )


def _xlwings_values(area) -> list:
    values = area.options(ndim=2).value
    return [tuple(row) for row in values]
