"""Input tables read and checked by the engine, never loaded into memory whole.

A Parquet file whose columns have the types the schema asks for (numbers for
numbers, dates or timestamps for dates, text or whole numbers for text) is
checked where it lies: one query finds, per column, the first row that
breaks a rule of :mod:`cxexcel.tables.validate`, and that one row is then
checked again by the validator itself, so the message is word for word the
one the in-memory path gives (table, column, row and value). The clean table
is an expression: canonical columns in schema order, blanks as nulls, months
on their first day, text trimmed, and ``_row`` (the row's position in the
file, for order).

Anything else (text in a number column, time zones, a column type not
listed) returns None, and the caller reads the file the usual way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
from ibis.expr.types import Column as IbisColumn
from ibis.expr.types import Table

from ..errors import TableError
from ..tables.schema import NUMBER_LIMIT, Column, TableSchema
from .backend import Engine
from .parquet_statistics import footer_statistics

__all__ = ["check_parquet", "check_table", "WarehousePlace", "ENGINE_TABLES"]

#: The tables worth keeping out of memory: the ones with a row per event.
ENGINE_TABLES = ("Responses", "Subscriptions")

_NUMBER_KINDS = ("number", "amount", "count", "score")
_FIRST_DATE = pd.Timestamp("1900-01-01")
_END_DATES = pd.Timestamp("2200-01-01")


def _checkable(column: Column, kind: dt.DataType) -> bool:
    if column.kind in _NUMBER_KINDS:
        return kind.is_integer() or kind.is_floating() or kind.is_decimal()
    if column.kind in ("date", "month"):
        return kind.is_date() or (kind.is_timestamp() and kind.timezone is None)
    if column.kind == "text":
        return kind.is_string() or kind.is_integer()
    return False


def _blank(value: IbisColumn) -> ibis.Value:
    """What the in-memory path reads as an empty cell: null, NaN, blank text."""
    kind = value.type()
    if kind.is_floating():
        return value.isnull() | value.isnan()
    if kind.is_string():
        # Only text that is empty or starts with a space or control character
        # can strip to nothing: TRIM runs on those rows alone (on every row it
        # was most of the check's time).
        return ibis.cases(
            (value.isnull(), True),
            (_opens_with_space(value), _strip(value) == ""),
            else_=False,
        )
    return value.isnull()


#: Python's whitespace (what ``str.strip()`` and so the in-memory path
#: remove): the ASCII ones and those beyond, by code point.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_WIDE_WHITESPACE = tuple(ord(c) for c in _WHITESPACE if ord(c) > 32)


def _space_code(code: ibis.Value) -> ibis.Value:
    """Whether a character's code is a control character, the space or
    other whitespace (a superset of :data:`_WHITESPACE`; 0 for no character)."""
    # A CASE whose first test settles most text (printable ASCII), so that
    # the code is computed once there and the rest runs on the rare others.
    return ibis.cases(
        (code.between(33, 127), False),
        else_=(code <= 32) | code.isin(_WIDE_WHITESPACE),
    )


def _opens_with_space(value: IbisColumn) -> ibis.Value:
    """Whether text is empty or its first character is :func:`_space_code`'s."""
    return _space_code(value.ascii_str())


def _strip(value: IbisColumn) -> ibis.Value:
    """Text without :data:`_WHITESPACE` around it, as ``str.strip()`` makes it
    (Ibis' ``strip()`` removes six ASCII characters only)."""
    # \x0B and \x0C as regex escapes: sqlglot writes the characters as \v and
    # \f in Spark SQL, which Spark reads as the letters v and f.
    others = _WHITESPACE.replace("\x0b", "").replace("\x0c", "")
    space = "[" + others + "\\x0B\\x0C]+"
    return value.re_replace("^" + space + "|" + space + "$", "")


def _bad(column: Column, value: IbisColumn) -> ibis.Value:
    """The union of the validator's problems for a filled cell of ``column``."""
    kind = value.type()
    if column.kind in _NUMBER_KINDS:
        number = value.cast("float64")
        if column.kind == "score":
            low, high = column.scale
            if kind.is_integer():  # whole already: the range alone
                return (value < low) | (value > high)
            # Not number != FLOOR(number): Ibis casts FLOOR to BIGINT, which
            # fails on a NaN blank (SQL evaluates the whole condition).
            return (number % 1 != 0) | (number < low) | (number > high)
        huge = ~(number.abs() < NUMBER_LIMIT)
        bad = huge
        if column.kind in ("amount", "count"):
            bad = bad | (number < 0)
        if column.kind == "count":
            rounded = number.round()
            tolerance = ibis.greatest(ibis.literal(1.0), number.abs()) * 1e-9
            bad = bad | ((number - rounded).abs() > tolerance)
        return bad
    if column.kind in ("date", "month"):
        stamp = value.cast("timestamp") if kind.is_date() else value
        return (stamp < _FIRST_DATE.to_pydatetime()) | (stamp >= _END_DATES.to_pydatetime())
    return ibis.literal(False)


def _clean(column: Column, value: IbisColumn | None, found=None) -> ibis.Value:
    """The cell as the clean table holds it (blanks as null).

    ``found``, the check query's row, says whether the column holds NaN
    (:func:`_has_nan`), text with spaces around it (:func:`_has_padding`) or
    dates of a month past its first day (:func:`_has_later_days`); without
    them the clean value is the cell itself, which saves every later query a
    TRIM, CASE or DATE_TRUNC per row (most of a large table's cost)."""
    if value is None:
        kind = {"date": "timestamp", "month": "timestamp", "text": "string"}.get(
            column.kind, "float64"
        )
        return ibis.null().cast(kind)
    kind = value.type()
    if column.kind in _NUMBER_KINDS:
        number = value.cast("float64")
        if column.kind == "count":
            number = number.round().cast("float64")
        if kind.is_floating() and _flag(found, _has_nan, column):
            return ibis.ifelse(value.isnan(), ibis.null().cast("float64"), number)
        return number
    if column.kind in ("date", "month"):
        stamp = value.cast("timestamp")
        if column.kind == "month" and _flag(found, _has_later_days, column):
            return stamp.truncate("M")
        return stamp
    if not kind.is_string():
        return value.cast("string")
    text = _strip(value) if _flag(found, _has_padding, column) else value
    return text.nullif("")


def _has_nan(column: Column) -> str:
    return f"_cx_nan_{column.name}"


def _has_padding(column: Column) -> str:
    return f"_cx_pad_{column.name}"


def _has_later_days(column: Column) -> str:
    return f"_cx_days_{column.name}"


def _flag(found, name, column: Column) -> bool:
    """Whether the check found what ``name`` measures (True when unknown)."""
    if found is None or name(column) not in found:
        return True
    flag = found[name(column)]
    return bool(flag) if not pd.isna(flag) else False


@ibis.udf.scalar.builtin(name="array_extract")
def _character_at(text: str, index: int) -> str:
    """DuckDB's character of ``text`` at ``index`` (-1: the last; '' for '')."""


def _last_character(value: IbisColumn, duckdb: bool) -> ibis.Value:
    # DuckDB's RIGHT(text, 1) takes twice the time of its text[-1]: 0.2 s on
    # 20M cells. Both give the last code point, or '' for ''.
    return _character_at(value, -1) if duckdb else value.right(1)


def _facts(column: Column, value: IbisColumn, duckdb: bool = False) -> dict[str, ibis.Value]:
    """The measures :func:`_clean` reads, for the check query (``duckdb``:
    the engine is the embedded DuckDB)."""
    kind = value.type()
    if column.kind in _NUMBER_KINDS and kind.is_floating():
        return {_has_nan(column): ibis.ifelse(value.isnan(), 1, 0).max()}
    if column.kind == "month" and kind.is_date():
        # Months written on their first day (as billing exports and cxexcel
        # write them) need no DATE_TRUNC: 0.13 s a pass over 17M rows.
        return {_has_later_days(column): ibis.ifelse(value.day() != 1, 1, 0).max()}
    if column.kind == "text" and kind.is_string():
        # The first and last characters' codes, not value != strip(value): a
        # strip per row is what the clean table saves. A column flagged by a
        # control character that is not whitespace is stripped for nothing,
        # never left padded.
        first, last = value.ascii_str(), _last_character(value, duckdb).ascii_str()
        # Printable ASCII at both ends settles most text in one test.
        padded = ibis.cases(
            (value.isnull() | (first.between(33, 127) & last.between(33, 127)), 0),
            (_space_code(first) | _space_code(last), 1),
            else_=0,
        )
        return {_has_padding(column): padded.max()}
    return {}


def check_parquet(
    engine: Engine,
    path,
    raw,
    schema: TableSchema,
    validate: Callable,
    every: int = 1,
) -> tuple[Table | None, list[TableError]] | None:
    """The clean table of a Parquet input and its problems, checked by
    ``engine``; None where the in-memory path must read it.

    ``raw`` is the file's RawTable without its body (header and place), and
    ``validate`` the in-memory validator, run on the rows found bad (the
    first ``every`` of each column).
    """
    source = engine.read_parquet(path, file_row_number=True)
    header = [c for c in source.columns if c != "file_row_number"]
    if header != list(raw.header):
        return None
    statistics = None
    if engine.name == "duckdb":
        read = [name for name in header if schema.column(name) is not None]
        statistics = footer_statistics(engine, path, read)
        if statistics is not None and not statistics.readable:
            return None  # DuckDB would read what the footer says, not the rows
        if statistics is not None and not statistics.comparable:
            engine.distrust_statistics()
            statistics = None
    return _check(
        engine, source, header, raw, schema, validate, "file_row_number", every, statistics
    )


def check_table(
    engine: Engine,
    source: Table,
    label: str,
    schema: TableSchema,
    validate: Callable,
    every: int = 1,
) -> tuple[Table | None, list[TableError]]:
    """The clean table of a warehouse table ``source`` (shown as ``label``) and
    its problems. A warehouse table has no row numbers: a bad row is named by
    its values of the schema's required columns. A column of a type the
    engine cannot check, or a missing column, is a problem of its own."""
    from ..tables.sources import RawTable

    header = list(source.columns)
    place = WarehousePlace(schema.name, label)
    raw = RawTable(schema.name, header, None, place)
    problems = []
    seen: set[str] = set()
    for name in header:
        column = schema.column(name)
        if column is None:
            continue
        if column.name in seen:
            problems.append(
                TableError(f"{label}: two columns are {column.name}", table=schema.name)
            )
        seen.add(column.name)
        if not _checkable(column, source[name].type()):
            problems.append(
                TableError(
                    f"{label}, column {name}: the engine cannot check {source[name].type()} "
                    f"values ({column.name} must be {column.rule}); cast the column in the "
                    "warehouse, or export the table to a file",
                    table=schema.name,
                    column=column.name,
                )
            )
    for name in schema.required:
        if name not in seen:
            found = ", ".join(header) or "none"
            problems.append(
                TableError(
                    f'{label}: missing required column "{name}" (columns found: {found})',
                    table=schema.name,
                    column=name,
                )
            )
    if schema.one_of and not seen & set(schema.one_of):
        wanted = ", ".join(f'"{n}"' for n in schema.one_of)
        problems.append(
            TableError(f"{label}: needs at least one of the columns {wanted}", table=schema.name)
        )
    if problems:
        return None, problems
    numbered = source.mutate(_cx_row=ibis.literal(0))
    return _check(engine, numbered, header, raw, schema, validate, None, every)


@dataclass(frozen=True)
class WarehousePlace:
    """Where a warehouse table's cells are: no row numbers, so a bad row is
    named by its key values (set by :func:`_recheck`)."""

    table: str
    file: str
    keys: str = ""
    origin: str = "warehouse"
    first_row: int = 0

    @property
    def label(self) -> str:
        return self.file

    def cell(self, position: int, body_index: int, header: str) -> tuple[str, None, None]:
        return f"{self.file}, the row with {self.keys}, column {header}", None, None

    def header_cell(self, position: int, header: str) -> tuple[str, None, None]:
        return f"{self.file} column {header}", None, None


def _check(engine, source, header, raw, schema, validate, row_column, every=1, statistics=None):
    """Check ``source`` (its ``header`` columns) against ``schema``; rows are
    ``row_column`` (a 0-based position), or unnumbered when it is None.
    ``every``: the bad rows named per column, as the in-memory validator's.
    ``statistics``: a Parquet file's footer statistics, held to its rows in
    the same pass (the engine reads the file without them if they fail)."""
    mapped: dict[str, tuple[int, str]] = {}
    for position, name in enumerate(header):
        column = schema.column(name)
        if column is None or column.name in mapped:
            if column is not None:
                return None  # a duplicate column: the in-memory path names both
            continue
        if not _checkable(column, source[name].type()):
            return None
        mapped[column.name] = (position, name)
    if any(name not in mapped for name in schema.required) or (
        schema.one_of and not any(name in mapped for name in schema.one_of)
    ):
        return None  # missing columns: the in-memory path's message, from the header alone

    filled = ~ibis.and_(*(_blank(source[name]) for name in header)) if header else None
    rows = source.filter(filled) if filled is not None else source
    if statistics is not None:  # each row's row group, worked out once
        rows = rows.mutate(**{_ROW_GROUP: statistics.group(rows[row_column])})
    measures = {"kept": rows.count()}
    bad_rows = {}
    for column in schema.columns:
        if column.name not in mapped:
            continue
        value = rows[mapped[column.name][1]]
        bad = ~_blank(value) & _bad(column, value)
        if column.required:
            bad = bad | _blank(value)
        bad_rows[column.name] = bad
        if row_column is not None:
            measures[column.name] = ibis.ifelse(bad, rows[row_column], None).min()
        else:
            measures[column.name] = ibis.ifelse(bad, 1, 0).max()
        if every > 1:
            measures[_bad_count(column)] = ibis.ifelse(bad, 1, 0).sum()
        measures.update(_facts(column, value, engine.name == "duckdb"))
    if statistics is not None:
        values = {name: rows[name] for _, name in mapped.values()}
        measures[_STATISTICS_FAILED] = statistics.failures(values, rows[_ROW_GROUP]).max()
    if statistics is None:
        found = engine.execute(rows.aggregate(**measures)).iloc[0]
    else:
        # Every row is read: the blank-row filter alone, pushed into the scan
        # of a one-column file, would skip groups by the statistics it checks.
        with engine.statistics_unused():
            found = engine.execute(rows.aggregate(**measures)).iloc[0]
        if int(found[_STATISTICS_FAILED]) == 1:
            engine.distrust_statistics()
    errors: list[TableError] = []
    if int(found["kept"]) == 0:
        errors.append(
            TableError(
                f"{raw.place.label}: the table has a header but no data rows", table=schema.name
            )
        )
        return None, errors
    for column in schema.columns:
        first = found.get(column.name)
        if (
            column.name not in mapped
            or first is None
            or pd.isna(first)
            or (row_column is None and int(first) == 0)
        ):
            continue
        if every == 1 and row_column is not None:
            found_rows = source.filter(source[row_column] == int(first))
        else:
            found_rows = rows.filter(bad_rows[column.name])
            if statistics is not None:
                found_rows = found_rows.drop(_ROW_GROUP)
            if row_column is not None:
                found_rows = found_rows.order_by(row_column)
            found_rows = found_rows.limit(every)
        cells = engine.execute(found_rows)
        problems = []
        for index in range(len(cells)):
            one = cells.iloc[[index]]
            row = int(one[row_column].iloc[0]) if row_column is not None else 0
            one = one.drop(columns=[row_column or "_cx_row"])
            problems.extend(_recheck(one, raw, schema, row, column.name, validate, mapped))
        more = int(found[_bad_count(column)]) - len(cells) if every > 1 else 0
        if more > 0 and problems:
            problems[-1] = _with_more(problems[-1], more, column.name)
        errors.extend(problems)
    if errors:
        return None, errors
    clean = {
        column.name: _clean(
            column, source[mapped[column.name][1]] if column.name in mapped else None, found
        )
        for column in schema.columns
    }
    # Without blank rows the clean table needs no filter (a Parquet count is cheap).
    every_row = filled is None or int(found["kept"]) == int(engine.execute(source.count()))
    table = source if every_row else source.filter(filled)
    if row_column is None:
        return table.select(**clean), []
    return table.select(**clean, _row=table[row_column]), []


_STATISTICS_FAILED = "_cx_statistics_failed"
_ROW_GROUP = "_cx_row_group"


def _bad_count(column: Column) -> str:
    return f"_cx_bad_{column.name}"


def _with_more(error: TableError, more: int, name: str) -> TableError:
    """``error`` saying how many more bad rows its column has, as the
    in-memory validator's last listed row does."""
    also = f" (and {more:,} more bad row{'' if more == 1 else 's'} in {name})"
    return TableError(str(error) + also, error.table, error.column, error.row, error.cell)


def _recheck(cells, raw, schema, row, name, validate, mapped) -> list[TableError]:
    """The validator's error for column ``name`` in ``cells``, one row of the
    table (file row ``row``, 0-based)."""
    import dataclasses

    body = cells.astype(object).where(cells.notna(), None)
    body.columns = range(body.shape[1])
    if isinstance(raw.place, WarehousePlace):
        keys = ", ".join(
            f"{key} {_shown(body.iloc[0, mapped[key][0]])}"
            for key in schema.required
            if key != name and key in mapped
        )
        place = dataclasses.replace(raw.place, keys=keys or "a bad value")
    else:
        place = dataclasses.replace(raw.place, first_row=raw.place.first_row + int(row))
    single = dataclasses.replace(raw, body=body.reset_index(drop=True), place=place)
    _, problems = validate(single, schema)
    return [error for error in problems if error.column == name]


def _shown(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return repr(value) if isinstance(value, str) else str(value)
