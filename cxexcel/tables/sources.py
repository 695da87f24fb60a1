"""Finding input tables in what a caller passes: workbook files, CSV and
Parquet files, folders, openpyxl Workbooks, xlwings Books and mappings of
DataFrames. Each table found comes back as a ``RawTable``: its header cells,
its body as an object DataFrame, and where it lives, to name cells in errors.
A Parquet file's body is read when needed (the engine may check the file
where it lies), and in a read with an engine, a CSV file of a table the
engine checks may come back as DuckDB read it (:mod:`cxexcel.engine.csv_inputs`);
:func:`load` reads either into memory.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import itertools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils.cell import get_column_letter, range_boundaries

from ..errors import SourceError, TableError
from . import _csv, _sniff, _workbook, _xlsx, profiles
from .reading import Reading
from .schema import SCHEMAS, normalise_name

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
FILE_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv", ".parquet")
#: Spreadsheet files cxexcel does not read: refused with what to do, also
#: when found in a folder.
OTHER_SPREADSHEET_SUFFIXES = (".xls", ".xlsb", ".ods", ".fods", ".numbers")

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


#: The engine of the read under way and the schemas it checks against, if
#: any: it may read the CSV files of the tables it checks (:func:`_csv_in_engine`).
ENGINE: contextvars.ContextVar = contextvars.ContextVar("engine", default=None)

#: How cells are read unless a profile or mapping says otherwise: the
#: caller's date setting (``read_tables(dates=...)``), set while reading.
_PLAIN = Reading()
READING: contextvars.ContextVar[Reading] = contextvars.ContextVar("reading", default=_PLAIN)


@dataclass
class RawTable:
    """A table as found: header cells, body cells (object DataFrame with
    columns 0..n-1) and its place, which names cells in errors; ``notes``
    says what was read in a way the user should know of (one line each)."""

    name: str
    header: list
    body: pd.DataFrame | None
    place: SheetPlace | FilePlace
    notes: list[str] = field(default_factory=list)
    #: A Parquet file not read yet (``body`` None): the engine may check it
    #: where it lies, else :func:`load` reads it.
    parquet: Path | None = None
    #: How to read cells that do not say what they are (dates, decimal commas).
    reading: Reading = field(default_factory=lambda: READING.get())
    #: A CSV file DuckDB has read (``body`` None): the engine checks it
    #: (:mod:`cxexcel.engine.csv_inputs`), else :func:`load` reads it.
    csv: object | None = None


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
        with profiles.using(_mapping_sheet(source, "workbook")):
            found = [_recognised_item(i) for i in _from_openpyxl(source, "workbook", None)]
        yield from found
    elif _is_xlwings_book(source):
        yield from _from_xlwings_book(source)
    elif isinstance(source, Mapping):
        yield from _from_mapping(source)
    else:
        raise SourceError(
            f"cannot read tables from {type(source).__name__}: pass a file or folder path, "
            "an openpyxl Workbook, an xlwings Book or a dict of DataFrames"
        )


# -- files and folders --------------------------------------------------------


def _from_path(path: Path, explicit: bool) -> Iterator[RawTable | TableError]:
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _from_folder(path)
        return
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        yield from _from_workbook_file(path)
        return
    if suffix in OTHER_SPREADSHEET_SUFFIXES:
        raise _other_spreadsheet(path)
    if suffix not in FILE_SUFFIXES:
        raise SourceError(
            f"{path.name}: not a table file (use .xlsx, .xlsm, .csv or .parquet, or a folder)"
        )
    name = table_name(path.stem)
    if name is None and _header_profile(path, suffix, explicit) is None:
        if explicit:
            raise SourceError(
                f"{path.name}: the file name names no input table and its columns are not "
                f"an export cxexcel knows (name it after one of {', '.join(SCHEMAS)})"
            )
        _skip(path, "its name names no table and its columns are no export cxexcel knows")
        return
    label = name or path.stem
    encoding = profiles.encoding_for(path.name)
    raw = _from_csv(path, label, encoding) if suffix == ".csv" else _from_parquet(path, label)
    yield _recognised(raw, name)


def _header_profile(path: Path, suffix: str, explicit: bool) -> profiles.Profile | None:
    """The import profile the header of a file not named after a table
    matches, or None; a file in a folder that cannot be read then is skipped
    (it names no table), one given by name says why."""
    rows = None
    try:
        if suffix == ".csv":
            rows = _csv.first_rows(path, SAMPLE_ROWS, profiles.encoding_for(path.name))
            header = rows[0] if rows else []
        else:
            import pyarrow.parquet as pq

            header = pq.read_schema(path).names
    except Exception:
        if explicit:
            raise
        return None
    return profiles.recognise(header, rows=rows, source=path.name)


#: Rows (the header first) a profile's ``shape`` sees to recognise an export.
SAMPLE_ROWS = 6


def _recognised_item(item: RawTable | TableError) -> RawTable | TableError:
    if isinstance(item, TableError):
        return item
    try:
        return _recognised(item, item.name)
    except TableError as error:
        return error


def _recognised(raw: RawTable, name: str | None, source: str | None = None) -> RawTable:
    """``raw`` as the input table it is: converted by the import profile its
    header matches (see :mod:`.profiles`), else as found."""
    if source is None:
        source = raw.place.file if isinstance(raw.place, FilePlace) else raw.place.sheet
    rows = None
    if raw.body is not None:
        rows = [list(raw.header), *raw.body.head(SAMPLE_ROWS - 1).values.tolist()]
    profile = profiles.recognise(raw.header, name, rows=rows, source=source)
    if profile is None:
        return raw
    return profile.convert(load(raw))


def _from_folder(folder: Path) -> Iterator[RawTable | TableError]:
    """The tables of a folder's files; a file that cannot be read is an
    error of its own, and the other files are still read."""
    wanted = (*FILE_SUFFIXES, *OTHER_SPREADSHEET_SUFFIXES)
    for child in sorted(folder.iterdir()):
        if child.is_file() and child.suffix.lower() in wanted:
            if not child.name.startswith("~$"):  # Excel's lock files
                try:
                    yield from _from_path(child, explicit=False)
                except TableError as error:
                    yield error
        elif child.is_file() and not child.name.startswith((".", "~$")):
            _skip(child, "not a table file: .xlsx, .xlsm, .csv or .parquet are read")


_SKIPPED: contextvars.ContextVar[list | None] = contextvars.ContextVar("skipped", default=None)


@contextlib.contextmanager
def recording_skips():
    """Within the block, the files of folders that are not read are listed
    in the yielded list as (path, why)."""
    found: list = []
    token = _SKIPPED.set(found)
    try:
        yield found
    finally:
        _SKIPPED.reset(token)


def _skip(path: Path, why: str) -> None:
    skipped = _SKIPPED.get()
    if skipped is not None:
        skipped.append((path, why))


def _other_spreadsheet(path: Path) -> SourceError:
    """Why a spreadsheet of another format (.xls, .ods ...) is not read,
    from what the file really holds, whatever its name says."""
    kind = _sniff.sniff(path)
    if kind.name == "zip":
        try:
            with _workbook.open_workbook(path):
                pass
        except SourceError as error:
            return error
        return SourceError(
            f"{path.name}: it is an Excel workbook (.xlsx) with a {path.suffix} ending; "
            "rename it to .xlsx"
        )
    if kind.name == "text" and path.suffix.lower() == ".fods":
        kind = _sniff.Kind("fods", "a flat OpenDocument spreadsheet (.fods)")
    reading = "a spreadsheet"
    return SourceError(_sniff.message(path.name, kind, reading))


def _from_csv(path: Path, name: str, encoding: str | None = None) -> RawTable:
    layout = _csv.inspect(path, name, encoding)
    deferred = _csv_in_engine(path, name, layout)
    if deferred is not None:
        return deferred
    return _csv_table(path, name, layout, _csv.read_frame(path, name, layout))


def _csv_table(path: Path, name: str, layout: _csv.Layout, frame: pd.DataFrame) -> RawTable:
    header = frame.iloc[0].tolist()
    body = frame.iloc[1:].reset_index(drop=True).astype(object)
    body.columns = range(body.shape[1])
    return RawTable(
        name, header, body, _csv_place(path, name, layout), reading=_csv_reading(layout)
    )


def _csv_place(path: Path, name: str, layout: _csv.Layout) -> FilePlace:
    return FilePlace(
        name, path.name, first_row=layout.skip + 2, header_row=layout.skip + 1, origin=str(path)
    )


def _csv_reading(layout: _csv.Layout) -> Reading:
    # Excel writes ;-separated CSV where the comma is the decimal mark.
    return dataclasses.replace(READING.get(), decimal="," if layout.delimiter != "," else ".")


def _csv_in_engine(path: Path, name: str, layout: _csv.Layout) -> RawTable | None:
    """The CSV file as DuckDB read and converted it, not yet checked, when a
    read with an engine is under way and the file is a Responses or
    Subscriptions table in cxexcel's own columns (no import profile converts
    it); None to read it into memory."""
    using = ENGINE.get()
    if using is None:
        return None
    engine, schemas = using
    from ..engine.inputs import ENGINE_TABLES

    if name not in ENGINE_TABLES or name not in schemas:
        return None
    header = _csv.split_header(layout)
    named = {column.name for cell in header if (column := schemas[name].column(cell))}
    if not set(schemas[name].required) <= named:
        return None
    if profiles.recognise(header, name, source=path.name) is not None:
        return None  # a mapping's rule
    from ..engine.csv_inputs import load as load_csv

    reading = _csv_reading(layout)
    read = load_csv(engine, path, layout, header, schemas[name], reading)
    if read is None:
        return None
    place = _csv_place(path, name, layout)
    return RawTable(name, header, None, place, reading=reading, csv=read)


def _from_parquet(path: Path, name: str) -> RawTable:
    """The file's header now (its schema); the rows when :func:`load` reads them."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises many kinds for a bad file
        raise SourceError(f"{path.name}: cannot be read as Parquet ({exc})", table=name) from exc
    place = FilePlace(name, path.name, first_row=1, header_row=None, origin=str(path))
    return RawTable(name, list(names), None, place, parquet=path)


def load(raw: RawTable) -> RawTable:
    """``raw`` with its rows read (a Parquet file deferred by ``_from_parquet``,
    a CSV file DuckDB read but the engine did not check)."""
    if raw.body is not None:
        return raw
    if raw.csv is not None:
        read = raw.csv
        read.drop()
        frame = _csv.read_frame(read.path, raw.name, read.layout)
        loaded = _csv_table(read.path, raw.name, read.layout, frame)
        loaded.notes, loaded.reading = raw.notes, raw.reading
        return loaded
    path = raw.parquet
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds for a bad file
        raise SourceError(
            f"{path.name}: cannot be read as Parquet ({exc})", table=raw.name
        ) from exc
    loaded = _frame_table(raw.name, frame, raw.place)
    loaded.notes, loaded.reading = raw.notes, raw.reading
    return loaded


def _from_mapping(tables: Mapping) -> Iterator[RawTable]:
    for key, frame in tables.items():
        name = table_name(key)
        if name is None and not (
            isinstance(frame, pd.DataFrame)
            and profiles.recognise(list(frame.columns), source=str(key))
        ):
            continue
        if not isinstance(frame, pd.DataFrame):
            raise SourceError(f"{key}: expected a DataFrame, got {type(frame).__name__}")
        label = name or str(key)
        place = FilePlace(
            label, f"{label} (DataFrame)", first_row=1, header_row=None, origin="dict"
        )
        yield _recognised(_frame_table(label, frame, place), name, source=str(key))


def _frame_table(name: str, frame: pd.DataFrame, place: FilePlace) -> RawTable:
    body = frame.reset_index(drop=True).astype(object)
    header = list(body.columns)
    body.columns = range(body.shape[1])
    return RawTable(name, header, body, place)


# -- workbooks ----------------------------------------------------------------


def _from_workbook_file(path: Path) -> Iterator[RawTable | TableError]:
    """The input tables of a workbook file, read with python-calamine where
    ``_calamine`` vouches that it reads them as openpyxl does (the same
    tables, values and messages), else with openpyxl."""
    if _workbook.reader() == "calamine":
        from ._calamine import Unsure

        try:
            found = _from_calamine(path)
        except Unsure as why:
            import logging

            logging.getLogger("cxexcel.tables").debug(
                "%s: read with openpyxl, not python-calamine: %s", path.name, why
            )
            found = None
        if found is not None:
            yield from map(_recognised_item, found)
            return
    yield from _from_openpyxl_file(path)


def _from_openpyxl_file(path: Path) -> list[RawTable | TableError]:
    """The workbook's tables, read with openpyxl."""
    with _workbook.open_workbook(path) as opened:
        # Materialise while the file is open: read-only mode streams from it.
        with profiles.using(_mapping_sheet(opened.workbook, path.name)):
            found = [
                _check_formulas(item, opened, path.name)
                for item in _from_openpyxl(opened.workbook, path.name, opened.table_parts())
            ]
            return list(map(_recognised_item, found))


def _mapping_sheet(workbook, origin: str):
    """The mapping of a workbook's ``Mapping`` sheet (see
    :mod:`cxexcel.imports.mapping`), for the sheets of that workbook; None
    if it has none."""
    sheet = next((ws for ws in workbook.worksheets if ws.title.casefold() == "mapping"), None)
    if sheet is None:
        return None
    from ..imports.mapping import from_rows

    rows = [r for r in sheet.iter_rows(values_only=True) if any(not _blank_cell(v) for v in r)]
    if not rows:
        return None
    header = [str(v).strip() if v is not None else "" for v in rows[0]]
    records = [dict(zip(header, row, strict=False)) for row in rows[1:]]
    return from_rows(records, f"{origin} (sheet {sheet.title})")


def _candidate_sheets(sheets: dict[str, _xlsx.SheetPart]) -> set[str]:
    """The parts of the sheets that may hold input tables (see ``_find``)."""
    return {sheet.path for title, sheet in sheets.items() if sheet.tables or table_name(title)}


def _from_calamine(path: Path) -> list[RawTable | TableError]:
    """The workbook's tables, as ``_from_workbook_file`` reads them with
    openpyxl, read with python-calamine; SourceError for a file the shared
    checks refuse (not a workbook, unsafe to unpack), ``Unsure`` for
    anything the calamine reader cannot vouch for."""
    from ._calamine import Unsure

    with _workbook.open_checked(path, _candidate_sheets) as checked:
        if any(
            not table_name(title)
            and (not sheet.tables or any(table_name(t.name) is None for t in sheet.tables))
            for title, sheet in checked.sheets.items()
        ):
            # An export pasted into a sheet or Excel Table of another name, or
            # a Mapping sheet: the openpyxl path recognises them by header.
            raise Unsure("a sheet or Excel Table not named after an input table")
        try:
            return _calamine_tables(checked, path.name)
        except Unsure:
            raise
        except Exception as exc:  # a surprise: openpyxl reads the file
            raise Unsure(f"{type(exc).__name__}: {exc}") from exc


def _calamine_tables(checked, display: str) -> list[RawTable | TableError]:
    import numpy as np

    from . import _calamine as cal

    book = checked.workbook
    sheets = {ws.title: ws for ws in book.worksheets}
    plan = list(_find(sheets, checked.table_parts()))
    needed = list(dict.fromkeys(t for _, t, part in plan if not isinstance(part, TableError)))
    paths = {}
    for title in needed:
        part = checked.sheets.get(title)
        path = getattr(sheets[title], "_worksheet_path", None)
        if part is None or part.path != path or path not in checked.parts:
            raise cal.Unsure("a sheet openpyxl finds elsewhere")
        paths[title] = path
    strings = len(checked.strings)
    prepared = [cal.prepare(checked.parts[paths[title]]) for title in needed]
    if not all(cal.grid_allowed(p.cells, p.box) for p in prepared):
        raise cal.Unsure("a sparse sheet: calamine would allocate its whole range")
    calamine = cal.CalamineRead(prepared, strings)  # reads texts while the sheets are scanned
    try:
        scans = {
            title: cal.scan(p, strings, book._date_formats, book._timedelta_formats)
            for title, p in zip(needed, prepared, strict=True)
        }
        del prepared
        texts = np.empty(strings, dtype=object)
        texts[:] = checked.strings
        missing = {paths[title]: scans[title].missing for title in needed}
        opened = _workbook.OpenWorkbook(book, checked.sheets, missing)
        grids: dict[str, tuple] = {}
        found = []
        for name, title, part in plan:
            if isinstance(part, TableError):
                found.append(part)
                continue
            scanned = scans[title]
            if title not in grids:
                grids[title] = cal.grid(calamine.sheet(needed.index(title)), scanned)
                cal.check_dates(scanned, book)
            cells = _CalamineCells(scanned, grids[title], texts, book)
            if part is not None:
                item = _calamine_listobject(name, title, part, display, cells)
            else:
                item = _calamine_sheet_table(name, title, display, cells)
            found.append(_check_formulas(item, opened, display))
        return found
    finally:
        calamine.wait()


class _CalamineCells:
    """The cells of a scanned sheet, their values computed as openpyxl's."""

    def __init__(self, scanned, grid, texts, book):
        self.scanned = scanned
        self.grid = grid
        self.texts = texts
        self.book = book

    def block(self, first_row: int, last_row: int, first_col: int, width: int):
        """The values of rows first_row..last_row, columns first_col and the
        ``width - 1`` after it, as a 2-D object array (None where empty), and
        the dates among them as datetime64 (NaT elsewhere)."""
        import numpy as np

        from . import _calamine as cal

        scanned = self.scanned
        shape = (max(last_row - first_row + 1, 0), width)
        out = np.full(shape, None, dtype=object)
        dates = np.full(shape, np.datetime64("NaT"), "datetime64[us]")
        if out.size == 0:
            return out, dates
        low = np.searchsorted(scanned.cell_row, first_row, "left")
        high = np.searchsorted(scanned.cell_row, last_row, "right")
        which = np.arange(low, high)
        cols = scanned.cell_col[which]
        which = which[(cols >= first_col) & (cols < first_col + width)]
        values, stamps = cal.values(scanned, which, self.grid, self.texts, self.book)
        where = scanned.cell_row[which] - first_row, scanned.cell_col[which] - first_col
        out[where] = values
        dates[where] = stamps
        return out, dates

    def row_has_value(self, row: int) -> bool:
        """Whether a cell of sheet row ``row`` is not blank (``_blank_cell``)."""
        width = int(self.scanned.cell_col.max()) if len(self.scanned.cell_col) else 0
        return any(not _blank_cell(v) for v in self.block(row, row, 1, width)[0][0])


def _calamine_listobject(name, title, part, origin, cells: _CalamineCells):
    """``_listobject_table`` over the scanned cells: the rows openpyxl's
    ``iter_rows`` yields for the Excel Table's range, totals row left out."""
    from ._calamine import Unsure

    try:
        min_col, min_row, max_col, max_row = range_boundaries(part.ref)
    except Exception as exc:  # openpyxl raises it, and says why
        raise Unsure("a table range") from exc
    if not part.header_rows:
        return _no_header(name, title)
    if None in (min_col, min_row, max_col, max_row):
        raise Unsure("an open table range")
    last = max_row - part.totals_rows
    if min_row < 1 or min_col < 1 or max_col < min_col or last < 1:
        raise Unsure("a table range openpyxl reads otherwise")
    rows = cells.scanned.rows
    # ReadOnlyWorksheet._cells_by_row: rows from min_row on, up to the last
    # row it reads in the range, or to the range's end if the sheet goes on.
    beyond = bool(len(rows)) and int(rows[-1]) > last
    inside = rows[(rows >= min_row) & (rows <= last)]
    end = last if beyond else (int(inside[-1]) if len(inside) else min_row - 1)
    if not beyond:
        cells.scanned.check_tail()  # the read reaches the sheet's end
    block, dates = cells.block(min_row, end, min_col, max_col - min_col + 1)
    return _raw_block(name, block, dates, SheetPlace(name, title, min_row, min_col, origin))


def _calamine_sheet_table(name, title, origin, cells: _CalamineCells):
    """``_sheet_table`` over the scanned cells: from the first row with a
    value to the last row, as wide as its widest row."""
    import numpy as np

    scanned = cells.scanned
    scanned.check_tail()  # the sheet is read to its end
    rows, widths = scanned.rows, scanned.widths
    header_row = None
    for row in rows.tolist():
        if cells.row_has_value(row):
            header_row = row
            break
    if header_row is None:
        last = int(rows[-1]) if len(rows) else 1
        empty = np.empty((1, 0), object)
        return _raw_block(name, empty, None, SheetPlace(name, title, last, 1, origin))
    last = int(rows[-1])
    width = int(widths[rows >= header_row].max())
    block, dates = cells.block(header_row, last, 1, width)
    return _raw_block(name, block, dates, SheetPlace(name, title, header_row, 1, origin))


def _raw_block(name: str, block, dates, place: SheetPlace) -> RawTable:
    """``_raw`` of the rows of ``block`` (a 2-D object array, each row as
    wide); ``dates`` holds its dates as datetime64 (see ``_objects``)."""
    header = block[0].tolist() if len(block) else []
    body = _objects(block[1:], dates[1:]) if len(block) > 1 else pd.DataFrame().astype(object)
    body.columns = range(body.shape[1])
    return RawTable(name, header, body, place)


def _objects(rows, dates) -> pd.DataFrame:
    """``pd.DataFrame.from_records(rows.tolist()).astype(object)`` of a 2-D
    object array, as ``_raw`` builds a body: a column of one kind of value
    (and empty cells) is converted here as pandas converts it, without the
    round trip; a table with any other column goes through pandas. ``dates``
    holds the datetimes of ``rows`` as datetime64 where they were made so."""
    import numpy as np
    from pandas.api.types import infer_dtype

    columns = {}
    for j in range(rows.shape[1]):
        column = rows[:, j]
        empty = pd.isna(column)
        kind = infer_dtype(column, skipna=True)
        if kind in ("empty", "boolean"):
            columns[j] = column  # pandas keeps these as they are
        elif kind == "string":
            columns[j] = np.where(empty, np.nan, column)
        elif kind in ("integer", "floating", "mixed-integer-float"):
            if kind != "floating" and not _int64s(column[~empty]):
                return _slow_objects(rows)  # uint64 or object in pandas
            if kind == "integer" and not empty.any():
                columns[j] = column
            else:
                columns[j] = np.where(empty, np.nan, column).astype(float).astype(object)
        elif kind == "datetime" and not np.any(np.isnat(dates[:, j]) & ~empty):
            columns[j] = _box_dates(dates[:, j])
        else:
            return _slow_objects(rows)
    return pd.DataFrame(columns, index=pd.RangeIndex(rows.shape[0]), dtype=object)


def _int64s(values) -> bool:
    """Whether the ints among ``values`` all fit int64 (pandas' int column)."""
    import numpy as np

    try:
        numbers = values.astype(float)
    except (TypeError, ValueError, OverflowError):
        return False
    if len(numbers) == 0 or np.abs(numbers).max() < 2.0**62:
        return True  # (floats among them are not ints, and fit)
    ints = [v for v in values.tolist() if type(v) is int]
    return not ints or (min(ints) >= -(2**63) and max(ints) < 2**63)


def _slow_objects(rows) -> pd.DataFrame:
    import numpy as np

    frame = pd.DataFrame.from_records(rows.tolist())
    columns = {}
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        dtype = column.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "M":
            columns[j] = _box_dates(column.to_numpy())
        else:
            columns[j] = column.astype(object).to_numpy()
    return pd.DataFrame(columns, index=frame.index, dtype=object)


def _box_dates(stamps):
    """``Series(stamps).astype(object)``, boxing each distinct date once."""
    import numpy as np

    distinct, inverse = np.unique(stamps, return_inverse=True)
    boxed = pd.Series(distinct).astype(object).to_numpy()
    return boxed[inverse.reshape(-1)]


def _check_formulas(item, opened: _workbook.OpenWorkbook, display: str):
    """``item``, or a SourceError if a cell it reads holds a formula without
    a saved value (which would read as empty) where an empty cell would be
    an error or change a figure: a required column, or a number, score or
    date column. Optional text (a comment, a segment) reads as empty."""
    if not isinstance(item, RawTable) or not isinstance(item.place, SheetPlace):
        return item
    if item.name not in SCHEMAS:  # an export found by its header: its converter reads it
        return item
    place = item.place
    missing = opened.missing_values(place.sheet)
    if missing is None or not missing.cells:
        return item
    schema = SCHEMAS[item.name]
    columns = {
        place.first_column + position: position
        for position, header in enumerate(item.header)
        if _blank_matters(schema.column(header))
    }
    rows = range(place.header_row + 1, place.header_row + 1 + len(item.body))
    first = missing.first(rows, set(columns))
    if first is None:
        _note_blank_text(item, missing, rows, display)
        return item
    row, column = first
    where, _, cell = place.cell(columns[column], row - place.header_row - 1, "")
    return SourceError(
        f"{display}: {where} holds a formula with no saved value; open and save the file "
        "in Excel, or paste values",
        table=item.name,
        column=str(schema.column(item.header[columns[column]]).name),
        row=row,
        cell=cell,
    )


def _note_blank_text(item: RawTable, missing, rows: range, display: str) -> None:
    """Note formula cells without a saved value in optional text columns
    (a comment, a segment), which read as blank: the table is usable, but
    the user should know that those cells were not read."""
    place = item.place
    schema = SCHEMAS[item.name]
    columns = {
        place.first_column + position: position
        for position, header in enumerate(item.header)
        if schema.column(header) is not None
    }
    cells = sorted((r, c) for r, c in missing.cells if r in rows and c in columns)
    if not cells:
        return
    row, column = cells[0]
    where, _, _ = place.cell(columns[column], row - place.header_row - 1, "")
    more = len(cells) - 1
    others = f" and {more:,}{'+' if missing.incomplete else ''} more cells" if more else ""
    item.notes.append(
        f"{display}: {where}{others} hold formulas with no saved value and were read as "
        "blank; open and save the file in Excel, or paste values, to keep them"
        if more
        else f"{display}: {where} holds a formula with no saved value and was read as blank; "
        "open and save the file in Excel, or paste values, to keep it"
    )


def _blank_matters(column) -> bool:
    return column is not None and (column.required or column.kind != "text")


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
    used = set()
    for name, title, part in _find(sheets, parts):
        ws = sheets[title]
        used.add(title)
        if isinstance(part, TableError):
            yield part
        elif part is not None:
            yield _listobject_table(name, title, part, origin, ws)
        else:
            yield _sheet_table(name, title, origin, _openpyxl_sheet_rows(ws))
    yield from _exports_on_sheets(sheets, parts, used, origin)


def _exports_on_sheets(sheets: dict, parts: dict, used: set, origin: str) -> Iterator[RawTable]:
    """Exports pasted into a workbook under a sheet or Excel Table name that
    names no input table, recognised by their header (and first rows); a
    sheet's rows are read on only once its first rows are recognised."""
    for title, ws in sheets.items():
        if title in used or table_name(title) is not None:
            continue
        own = [p for p in parts.get(title, []) if table_name(p.name) is None]
        if any(table_name(p.name) for p in parts.get(title, [])):
            continue  # a container of named tables
        if own:
            for part in own:
                if part.header_rows:
                    raw = _listobject_table(part.name, title, part, origin, ws)
                    if profiles.recognise(
                        raw.header,
                        rows=[raw.header, *raw.body.head(SAMPLE_ROWS - 1).values.tolist()],
                        source=part.name,
                    ) or profiles.recognise(raw.header, source=title):
                        yield raw
            continue
        rows = _openpyxl_sheet_rows(ws)
        consumed, sample = [], []
        for row in rows:
            consumed.append(row)
            if sample or any(not _blank_cell(v) for v in row):
                sample.append(list(row))
            if len(sample) >= SAMPLE_ROWS:
                break
        if not sample or profiles.recognise(sample[0], rows=sample, source=title) is None:
            continue
        yield _sheet_table(title, title, origin, itertools.chain(consumed, rows))


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


def _from_xlwings_book(book) -> list[RawTable | TableError]:
    """The tables of an xlwings Book, with the rules of its ``Mapping`` sheet
    (the sheets they name are read too, whatever their name)."""
    mapping = None
    try:
        sheet = next((s for s in book.sheets if s.name.casefold() == "mapping"), None)
        if sheet is not None:
            from ..imports.mapping import from_rows

            rows = [
                r for r in _xlwings_values(sheet.used_range) if any(not _blank_cell(v) for v in r)
            ]
            if rows:
                header = [str(v).strip() if v is not None else "" for v in rows[0]]
                records = [dict(zip(header, row, strict=False)) for row in rows[1:]]
                mapping = from_rows(
                    records, f"{getattr(book, 'name', 'book')} (sheet {sheet.name})"
                )
    except TableError:
        raise
    except Exception as exc:  # whatever the engine raises (COM, remote, Lite)
        raise SourceError(f"cannot read the Mapping sheet ({exc})") from exc
    with profiles.using(mapping):
        return [_recognised_item(item) for item in _from_xlwings(book, mapping)]


def _from_xlwings(book, mapping=None) -> Iterator[RawTable | TableError]:
    """The tables of an xlwings Book: those named after input tables, then
    sheets a mapping names or whose first rows are an export a profile knows."""
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
    used = {title for _, title, _ in _find(sheets, parts)}
    for title, sheet in sheets.items():
        if title in used or table_name(title) is not None or title.casefold() == "mapping":
            continue
        if any(table_name(t) for t in tables[title]):
            continue  # a container of named tables
        try:
            if (mapping is not None and mapping.profile_for(title, [])) or _xlwings_export(sheet):
                yield _xlwings_sheet(title, title, sheet, origin)
        except Exception as exc:  # whatever the engine raises (COM, remote, Lite)
            yield SourceError(f"{origin}: cannot read sheet {title} ({exc})")


def _xlwings_export(sheet) -> bool:
    """Whether a sheet named after no table holds an export a profile knows,
    from its first rows only (the rest is read once it is recognised)."""
    area = sheet.used_range
    rows = [list(r) for r in _xlwings_values(area[:SAMPLE_ROWS, :])]
    rows = [r for r in rows if any(not _blank_cell(v) for v in r)] or [[]]
    return profiles.recognise(rows[0], rows=rows, source=sheet.name) is not None


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
