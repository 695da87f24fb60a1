"""Turning a table as found into a clean DataFrame, or into the list of
what is wrong with it.

Validation is per column and vectorised; for each column the first bad
row is reported, so a table with one systematic mistake gives one error
per column rather than thousands.
"""

from __future__ import annotations

import datetime as dt
import re
from numbers import Integral, Real

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from ..errors import TableError
from .reading import Reading, decimal_comma, epoch_dates, more_dates
from .schema import NUMBER_LIMIT, Column, TableSchema, canonical_metric
from .sources import RawTable

_PLAIN = Reading()

# Excel's 1900 date system counts 1900 as a leap year (Lotus 1-2-3's bug):
# serial 1 is 1900-01-01, 59 is 1900-02-28, 60 the fictitious 1900-02-29 and
# 61 is 1900-03-01. Day 0 is 1899-12-30 from 61 on, 1899-12-31 below 60.
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_LEAP_DAY = 60
_LAST_SERIAL = 109574  # 2199-12-31
_FIRST_DATE = pd.Timestamp("1900-01-01")
_END_DATES = pd.Timestamp("2200-01-01")  # dates must come before this
DATETIME = "datetime64[ns]"
LEAP_DAY_MESSAGE = (
    "is 1900-02-29, a date that exists only in Excel's 1900 date system; "
    "use 59 (1900-02-28) or 61 (1900-03-01)"
)
"""What is wrong with the serial number 60 (the same words as ``cxexcel.excel.convert``)."""
_LIMIT = f"{NUMBER_LIMIT:.0e}".replace("e+", "e")  # 1e15
_SERIAL_RANGE = f"Excel serial numbers run from 1 (1900-01-01) to {_LAST_SERIAL} (2199-12-31)"

# Each conversion below has a vectorised path for columns whose cells are
# all of one kind (all text, all numbers, all dates; blanks aside) and falls
# back to the plain per-cell code (the ``_reference`` functions) for mixed
# columns. Both give the same result; tests check that with _FAST = False.
_FAST = True

# pandas' infer_dtype names of cell mixes with no str (and no bool) in them.
_NO_TEXT = frozenset(
    {
        "empty",
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
        "complex",
        "datetime",
        "datetime64",
        "date",
        "timedelta",
        "time",
        "period",
        "interval",
        "bytes",
    }
)
_REAL = frozenset({"integer", "floating", "mixed-integer-float"})
_DATETIMES = frozenset({"datetime", "datetime64", "date"})


def validate(
    raw: RawTable, schema: TableSchema, every: int = 1
) -> tuple[pd.DataFrame | None, list[TableError]]:
    """The clean table (None if anything is wrong) and every problem found:
    for each column its first ``every`` bad rows (the last of them says how
    many more there are)."""
    place = raw.place
    errors: list[TableError] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    if all(h is None or not str(h).strip() for h in raw.header) and raw.body.empty:
        message = f"{place.label}: the table is empty (no header row and no data)"
        return None, [TableError(message, table=schema.name)]
    for position, header in enumerate(raw.header):
        column = schema.column(header)
        if column is None:
            continue
        shown = str(header).strip()
        if column.name in positions:
            where, row, cell = place.header_cell(position, shown)
            first = place.header_cell(positions[column.name], headers[column.name])[0]
            errors.append(
                TableError(
                    f'{where}: duplicate column "{shown}" (the same column as {first}; '
                    "column names ignore case, spaces and _)",
                    table=schema.name,
                    column=column.name,
                    row=row,
                    cell=cell,
                )
            )
            continue
        positions[column.name] = position
        headers[column.name] = shown
    for name in schema.required:
        if name not in positions:
            errors.append(_missing(place.label, schema, name, raw.header))
    if schema.one_of and not any(name in positions for name in schema.one_of):
        wanted = ", ".join(f'"{n}"' for n in schema.one_of)
        errors.append(
            TableError(
                f"{place.label}: needs at least one of the columns {wanted}",
                table=schema.name,
            )
        )

    body = raw.body
    blanks = {pos: _blank_mask(body[pos]) for pos in body.columns}
    if blanks:
        keep = ~np.logical_and.reduce(list(blanks.values()))
    else:
        keep = np.zeros(len(body), dtype=bool)
    if not keep.any():
        errors.append(
            TableError(
                f"{place.label}: the table has a header but no data rows",
                table=schema.name,
            )
        )
        return None, errors
    kept_rows = np.flatnonzero(keep)

    out: dict[str, pd.Series] = {}
    for column in schema.columns:
        if column.name not in positions:
            out[column.name] = _empty(column, len(kept_rows))
            continue
        position = positions[column.name]
        values = body[position].to_numpy(dtype=object)[kept_rows]
        blank = blanks[position][kept_rows]
        result, problems = _convert(column, values, blank, raw.reading)
        if column.required:
            problems.insert(0, (blank, lambda v, c=column: f"empty cell ({c.name} is required)"))
        if every > 1:
            errors.extend(
                _problems(
                    problems, values, kept_rows, column, position, headers, place, schema, every
                )
            )
        else:
            error = _first_problem(
                problems, values, kept_rows, column, position, headers, place, schema
            )
            if error is not None:
                errors.append(error)
        out[column.name] = result
    failed = {error.column for error in errors}
    for part, whole in schema.at_most:
        if {part, whole} <= positions.keys() and not {part, whole} & failed:
            error = _above_whole(out, part, whole, positions, headers, kept_rows, place, schema)
            if error is not None:
                errors.append(error)
    if errors:
        return None, errors
    return pd.DataFrame(out), errors


def _above_whole(out, part, whole, positions, headers, kept_rows, place, schema):
    """The error for the rows where column ``part`` is more than ``whole``, if any:
    it names the first such cell and counts the other rows."""
    over = np.flatnonzero((out[part] > out[whole]).to_numpy(dtype=bool, na_value=False))
    if not len(over):
        return None
    index = int(over[0])
    where, row, cell = place.cell(positions[part], int(kept_rows[index]), headers[part])
    more = len(over) - 1
    also = f" (and {more} more row{'' if more == 1 else 's'})" if more else ""
    part_value, whole_value = out[part].iloc[index], out[whole].iloc[index]
    return TableError(
        f"{where}{also}: {part} {_show(part_value)} is more than {whole} {_show(whole_value)} "
        f"({part} must be at most {whole} in each row)",
        table=schema.name,
        column=part,
        row=row,
        cell=cell,
    )


def _missing(label: str, schema: TableSchema, name: str, header: list) -> TableError:
    found = ", ".join(str(h).strip() for h in header if h is not None and str(h).strip())
    return TableError(
        f'{label}: missing required column "{name}" (columns found: {found or "none"})',
        table=schema.name,
        column=name,
    )


def _problems(problems, values, kept_rows, column, position, headers, place, schema, every):
    """The first ``every`` bad cells of a column, each a TableError; the
    last says how many more bad rows the column has."""
    if not problems:
        return []
    union = np.logical_or.reduce([mask for mask, _ in problems])
    bad = np.flatnonzero(union)
    found = []
    for count, index in enumerate(bad[:every], start=1):
        message = next(message for mask, message in problems if mask[index])
        where, row, cell = place.cell(position, int(kept_rows[index]), headers[column.name])
        more = len(bad) - every if count == every and len(bad) > every else 0
        also = (
            f" (and {more:,} more bad row{'' if more == 1 else 's'} in {column.name})"
            if more
            else ""
        )
        found.append(
            TableError(
                f"{where}: {message(values[index])}{also}",
                table=schema.name,
                column=column.name,
                row=row,
                cell=cell,
            )
        )
    return found


def _first_problem(problems, values, kept_rows, column, position, headers, place, schema):
    if not problems:
        return None
    union = np.logical_or.reduce([mask for mask, _ in problems])
    if not union.any():
        return None
    index = int(np.argmax(union))
    message = next(message for mask, message in problems if mask[index])
    where, row, cell = place.cell(position, int(kept_rows[index]), headers[column.name])
    return TableError(
        f"{where}: {message(values[index])}",
        table=schema.name,
        column=column.name,
        row=row,
        cell=cell,
    )


# -- blanks -------------------------------------------------------------------


def _blank_mask(series: pd.Series) -> np.ndarray:
    """Cells a user sees as empty: None, NaN, NaT, "" or only spaces."""
    if _FAST:
        values = series.to_numpy(dtype=object)
        blank = np.asarray(pd.isna(values), dtype=bool)
        filled = values[~blank]
        cells = _cell_kind(filled)
        if cells in _NO_TEXT:
            return blank
        if cells == "string":
            stripped = _strip(filled)
            if stripped is not None:
                blank[~blank] = pc.equal(pc.binary_length(stripped), 0).to_numpy(
                    zero_copy_only=False
                )
                return blank
    return _blank_mask_reference(series)


def _blank_mask_reference(series: pd.Series) -> np.ndarray:
    blank = np.asarray(pd.isna(series.to_numpy(dtype=object)), dtype=bool)
    try:
        spaces = series.str.strip().eq("")
    except AttributeError:  # no text in the column
        return blank
    return blank | spaces.to_numpy(dtype=bool, na_value=False)


def _empty(column: Column, n: int) -> pd.Series:
    if column.kind in ("date", "month"):
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype=DATETIME))
    if column.kind in ("text", "metric"):
        return pd.Series([None] * n, dtype="str")
    return pd.Series(np.full(n, np.nan))


def _cell_kind(filled: np.ndarray) -> str:
    """What the (non-null) cells hold, as pandas' ``infer_dtype`` names it:
    "string" if all are str, "integer", "floating", "datetime", "mixed", ..."""
    return infer_dtype(filled, skipna=False)


def _strip(texts: np.ndarray) -> pa.Array | None:
    """``str.strip()`` of every cell of an array of str, as an Arrow array
    (Arrow's whitespace is Python's, checked for every code point in the
    tests), or None if Arrow cannot hold them (lone surrogates)."""
    try:
        array = pa.array(texts, type=pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return None
    return pc.utf8_trim_whitespace(array)


# -- conversions --------------------------------------------------------------


def _convert(column: Column, values: np.ndarray, blank: np.ndarray, reading: Reading = _PLAIN):
    """(clean Series, [(bad mask, message(value))...]) for one column."""
    kind = column.kind
    if kind in ("date", "month"):
        return _dates(column, values, blank, reading)
    if kind in ("text", "metric"):
        return _texts(column, values, blank)
    if reading.decimal == ",":
        values = decimal_comma(values, ~blank)
    return _numbers(column, values, blank)


def _numbers(column: Column, values: np.ndarray, blank: np.ndarray):
    numbers, not_number = _to_floats(values, blank)
    rule = f"({column.name} must be {column.rule})"
    valid = ~blank & ~not_number
    if column.kind == "score":
        low, high = column.scale
        bad = valid & ((numbers != np.floor(numbers)) | (numbers < low) | (numbers > high))
        return pd.Series(numbers), [
            (not_number | bad, lambda v: f"{_show(v)} is not a score {rule}")
        ]
    # Text such as "1e309" is a number, just one beyond float64.
    overflow = _overflowing_text(values, not_number)
    not_number &= ~overflow
    negative = (valid & (numbers < 0)) | _starts_with_minus(values, overflow)
    huge = overflow | (valid & ~(np.abs(numbers) < NUMBER_LIMIT))
    valid &= ~huge
    numbers = np.where(huge, np.nan, numbers)
    problems = [(not_number, lambda v: f"{_show(v)} is not a number {rule}")]
    if column.kind in ("amount", "count"):
        problems.append((negative, lambda v: f"{_show(v)} is negative {rule}"))
        limit = f"({column.name} must be below {_LIMIT})"
    else:
        limit = f"({column.name} must be between -{_LIMIT} and {_LIMIT})"
    problems.append((huge, lambda v: f"{_show(v)} is too large {limit}"))
    if column.kind == "count":
        whole = np.abs(numbers - np.round(numbers)) <= 1e-9 * np.maximum(1, np.abs(numbers))
        problems.append((valid & ~whole, lambda v: f"{_show(v)} is not a whole number {rule}"))
        numbers = np.where(valid, np.round(numbers), numbers)
    return pd.Series(numbers), problems


def _overflowing_text(values: np.ndarray, not_number: np.ndarray) -> np.ndarray:
    """The cells among ``not_number`` that are text of a finite number too
    large for float64 ("1e309", "-2e400"), not "inf" or "nan"."""
    overflow = np.zeros(len(values), dtype=bool)
    for index in np.flatnonzero(not_number):
        value = values[index]
        if not isinstance(value, str):
            continue
        text = value.strip()
        if any(word in text.casefold() for word in ("inf", "nan")) or "_" in text:
            continue
        try:
            overflow[index] = np.isinf(float(text))
        except ValueError:
            pass
    return overflow


def _starts_with_minus(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """The cells of ``among`` that are text starting with a minus sign."""
    minus = np.zeros(len(values), dtype=bool)
    for index in np.flatnonzero(among):
        minus[index] = isinstance(values[index], str) and values[index].strip().startswith("-")
    return minus


def _to_floats(values: np.ndarray, blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN for blanks and bad cells) and the mask of non-blank cells
    that are not numbers. Numeric text such as " 12.5 " counts as a number."""
    n = len(values)
    cells = _cell_kind(values[~pd.isna(values)]) if _FAST else None
    try:
        # Fast path: a column of real numbers (None already NaN). A column
        # with text or booleans (which np.array would take) is not one.
        if cells in ("string", "boolean"):
            raise TypeError
        numbers = np.array(values, dtype=float)
        if cells in _NO_TEXT or not any(isinstance(v, (bool, np.bool_, str)) for v in values):
            not_number = ~blank & ~np.isfinite(numbers)
            numbers[not_number | blank] = np.nan
            return numbers, not_number
    except (TypeError, ValueError):
        pass
    series = pd.Series(values, dtype=object)
    if cells == "string":
        # Every filled cell is text: none is a bool or a date.
        usable = ~blank
    else:
        is_bool = np.fromiter((isinstance(v, (bool, np.bool_)) for v in values), bool, n)
        is_time = np.fromiter(
            (isinstance(v, (dt.date, dt.time, pd.Timestamp)) for v in values), bool, n
        )
        usable = ~blank & ~is_bool & ~is_time
    numbers = np.array(pd.to_numeric(series.where(usable, None), errors="coerce"), dtype=float)
    not_number = ~blank & (~usable | ~np.isfinite(numbers))
    numbers[not_number | blank] = np.nan
    return numbers, not_number


def _dates(column: Column, values: np.ndarray, blank: np.ndarray, reading: Reading = _PLAIN):
    n = len(values)
    result = np.full(n, np.datetime64("NaT"), dtype=DATETIME)
    cells = _cell_kind(values[~blank]) if _FAST else None
    stripped = None
    if cells == "string":
        stripped = _strip(values[~blank])
    if stripped is not None:
        is_number, is_text, is_other = np.zeros(n, bool), ~blank, np.zeros(n, bool)
    elif cells in _REAL:
        is_number, is_text, is_other = ~blank, np.zeros(n, bool), np.zeros(n, bool)
    elif cells in _DATETIMES:
        is_number, is_text, is_other = np.zeros(n, bool), np.zeros(n, bool), ~blank
    else:
        is_number = (
            np.fromiter(
                (isinstance(v, Real) and not isinstance(v, (bool, np.bool_)) for v in values),
                bool,
                n,
            )
            & ~blank
        )
        is_text = np.fromiter((isinstance(v, str) for v in values), bool, n) & ~blank
        is_other = ~blank & ~is_number & ~is_text
    bad_serial = np.zeros(n, dtype=bool)
    leap_day = np.zeros(n, dtype=bool)
    if is_number.any():
        serial = np.array(values[is_number], dtype=float)
        if reading.epoch:
            result[is_number] = epoch_dates(serial, reading.epoch)
        else:
            result[is_number], bad_serial[is_number], leap_day[is_number] = _serials(serial)
    if is_text.any():
        if stripped is not None:
            text = pd.Series(stripped.to_numpy(zero_copy_only=False), dtype=object)
        else:
            text = pd.Series(values[is_text], dtype=object).str.strip()
        # A date belongs to the day and month it was written in: drop a UTC offset
        # rather than convert, so 2024-01-31T23:30-05:00 stays in January.
        local, serial_like = _offsets_dropped(text, stripped)
        parsed = _iso_dates(local)
        # A number that is not an ISO date ("45322" but not "2024") is a serial
        # number, as in a CSV file saved from Excel.
        numeric = np.isnat(parsed) & serial_like
        if reading.epoch:
            numeric = serial_like
            parsed[numeric] = epoch_dates(text[numeric].astype(float).to_numpy(), reading.epoch)
        elif numeric.any():
            where = np.flatnonzero(is_text)[numeric]
            serial = text[numeric].astype(float).to_numpy()
            parsed[numeric], bad_serial[where], leap_day[where] = _serials(serial)
        # Other formats (month names, 03/04/2024 with a day-first setting ...)
        # only for the cells ISO and serial numbers did not read.
        rest = np.isnat(parsed) & ~numeric
        if rest.any():
            parsed[rest] = more_dates(text[rest], reading)
        result[is_text] = parsed
    if is_other.any():
        local = [_local_time(v) for v in values[is_other]]
        parsed = pd.to_datetime(pd.Series(local, dtype=object), errors="coerce")
        result[is_other] = parsed.to_numpy(dtype=DATETIME)
    stamps = pd.Series(result)
    out_of_range = ((stamps < _FIRST_DATE) | (stamps >= _END_DATES)).to_numpy()
    not_date = ~blank & stamps.isna().to_numpy() & ~bad_serial & ~leap_day
    time_only = np.zeros(n, dtype=bool)
    for index in np.flatnonzero(not_date):
        value = values[index]
        if isinstance(value, dt.time):  # a date cell below serial 1, as openpyxl reads it
            not_date[index], time_only[index] = False, True
            continue
        year = _year_of(value)  # a date beyond pandas' range (year 2262)
        if year is not None and not 1900 <= year <= 2199:
            not_date[index], out_of_range[index] = False, True
    bad = ~blank & (stamps.isna().to_numpy() | out_of_range)
    stamps = stamps.where(~bad)
    if column.kind == "month":
        stamps = stamps.dt.to_period("M").dt.to_timestamp().astype(DATETIME)
    rule = f"({column.name} must be {column.rule})"
    span = f"({column.name} must be a date from 1900-01-01 to 2199-12-31)"
    return stamps.astype(DATETIME), [
        (not_date, lambda v: f"{_show(v)} is not a date {rule}"),
        (bad_serial, lambda v: f"{_show(v)} is not a date ({_SERIAL_RANGE})"),
        (leap_day, lambda v: f"{_show(v)} {LEAP_DAY_MESSAGE}"),
        (~blank & out_of_range, lambda v: f"{_show(v)} is outside Excel's dates {span}"),
        (
            time_only,
            lambda v: (
                f"{_show(v)} is a time of day without a date "
                f"(a date cell below 1, before 1900-01-01; {column.name} must be {column.rule})"
            ),
        ),
    ]


_SERIAL_TEXT = r"[+-]?[0-9]{1,15}(?:\.[0-9]+)?"


def _serials(serial: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Excel serial numbers as datetime64 (NaT where refused), the mask of
    numbers outside 1 .. 109574.99... and the mask of 60 (1900-02-29)."""
    with np.errstate(invalid="ignore"):
        in_range = np.isfinite(serial) & (serial >= 1) & (serial < _LAST_SERIAL + 1)
    leap = in_range & (np.floor(serial) == _LEAP_DAY)
    ok = in_range & ~leap
    days = np.where(ok, serial, 0) + (serial < _LEAP_DAY)  # below 60: one day later
    # Serial dates count days; the fraction is the time of day (to the ms).
    offsets = np.round(days * 86_400_000).astype("int64").astype("timedelta64[ms]")
    converted = (_EXCEL_EPOCH + offsets).astype(DATETIME)
    return np.where(ok, converted, np.datetime64("NaT")), ~in_range, leap


# A "Z" or "+hh:mm" / "-hhmm" offset after a time of day or a full date.
_UTC_OFFSET = r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?|\d{4}-\d\d-\d\d)\s*(?:Z|[+-]\d\d:?\d\d)$"
# The same two patterns for Arrow (RE2) on ASCII text, where they match what
# Python's do: \d is [0-9] and \s Python's ASCII whitespace (with \v, \x1c-\x1f).
_SPACE = r"[ \t\n\r\f\v\x1c-\x1f]"
_UTC_OFFSET_RE2 = (
    r"([0-9][0-9]:[0-9][0-9](?::[0-9][0-9](?:\.[0-9]+)?)?|[0-9]{4}-[0-9][0-9]-[0-9][0-9])"
    + _SPACE
    + r"*(?:Z|[+-][0-9][0-9]:?[0-9][0-9])$"
)
_SERIAL_TEXT_RE2 = rf"^(?:{_SERIAL_TEXT})$"


def _offsets_dropped(text: pd.Series, stripped: pa.Array | None) -> tuple[pd.Series, np.ndarray]:
    """``text`` with a trailing UTC offset removed, and which cells look like
    serial numbers: by Arrow on all-ASCII columns (a million dates in a
    fraction of a second), else by Python's ``re``."""
    if _FAST and stripped is not None and pc.all(pc.string_is_ascii(stripped)).as_py():
        local = pc.replace_substring_regex(stripped, pattern=_UTC_OFFSET_RE2, replacement=r"\1")
        serial = pc.match_substring_regex(stripped, pattern=_SERIAL_TEXT_RE2)
        return (
            pd.Series(local.to_numpy(zero_copy_only=False), dtype=object),
            serial.to_numpy(zero_copy_only=False).astype(bool),
        )
    local = text.str.replace(_UTC_OFFSET, r"\1", regex=True)
    return local, text.str.fullmatch(_SERIAL_TEXT).to_numpy(dtype=bool)


def _iso_dates(local: pd.Series) -> np.ndarray:
    """ISO dates (their offsets dropped) as wall-clock times, NaT for other text.

    An offset the patterns do not drop (``T10Z``) makes pandas keep a time
    zone: the time is read as written all the same. pandas refuses a column
    mixing such dates with dates without one; then those offsets are dropped
    and the column read again, and only if pandas still refuses it is each
    cell read alone."""
    try:
        parsed = _iso(local)
    except ValueError:
        try:
            parsed = _iso(_kept_offsets_dropped(local))
        except ValueError:
            parsed = pd.Series([_wall_clock(_iso(value)) for value in local], dtype=DATETIME)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy(dtype=DATETIME, copy=True)


# The offsets pandas keeps that _UTC_OFFSET leaves (``+05``, a time of hours
# alone): dropped before a second bulk parse, so a column mixing them with plain
# dates is still read in one call, not cell by cell (~50 us a cell). Only
# offsets pandas reads (hours to 23, minutes to 59), after the whitespace it
# allows, in ASCII digits: a cell it would refuse stays refused.
_KEPT_OFFSET = (
    r"([T ][0-9][0-9](?::[0-9][0-9](?::[0-9][0-9](?:\.[0-9]+)?)?)?)"
    r"[ \t\n\r\f\v]*(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)$"
)


def _kept_offsets_dropped(local: pd.Series) -> pd.Series:
    """``local`` without the offsets of _KEPT_OFFSET: by Arrow on ASCII text
    (the pattern means the same to RE2 as to Python's ``re``)."""
    if _FAST:
        texts = pa.array(local, type=pa.string(), from_pandas=True)
        if pc.all(pc.string_is_ascii(texts)).as_py():
            dropped = pc.replace_substring_regex(texts, pattern=_KEPT_OFFSET, replacement=r"\1")
            return pd.Series(dropped.to_numpy(zero_copy_only=False), dtype=object)
    return local.str.replace(_KEPT_OFFSET, r"\1", regex=True)


def _iso(values):
    return pd.to_datetime(values, format="ISO8601", errors="coerce")


def _wall_clock(stamp):
    """A parsed date without its time zone, its time of day as written."""
    if stamp is pd.NaT or getattr(stamp, "tzinfo", None) is None:
        return stamp
    return stamp.tz_localize(None)


_ISO_YEAR = re.compile(r"\s*([0-9]{4})-[0-9]{2}(-[0-9]{2})?([ T]|\s*$)")


def _year_of(value) -> int | None:
    """The year of a date object, or of text that starts like an ISO date."""
    if isinstance(value, dt.date):
        return value.year
    if isinstance(value, str):
        match = _ISO_YEAR.match(value)
        return int(match.group(1)) if match else None
    return None


def _local_time(value):
    """A date or time object with its time zone dropped (its wall-clock time kept)."""
    tzinfo = getattr(value, "tzinfo", None)
    return value.replace(tzinfo=None) if tzinfo is not None else value


def _texts(column: Column, values: np.ndarray, blank: np.ndarray):
    text = _as_texts(values, blank) if _FAST else None
    if text is None:
        text = [None if b else _as_text(v) for v, b in zip(values, blank, strict=True)]
    problems = []
    if column.kind == "metric":
        canonical = [None if t is None else canonical_metric(t) for t in text]
        unknown = np.array(
            [t is not None and c is None for t, c in zip(text, canonical, strict=True)]
        )
        rule = f"({column.name} must be {column.rule})"
        problems.append((unknown, lambda v: f"{_show(v)} is not a KPI name {rule}"))
        seen: set[str] = set()
        repeated = np.zeros(len(text), dtype=bool)
        for index, name in enumerate(canonical):
            if name is not None:
                repeated[index] = name in seen
                seen.add(name)
        problems.append((repeated, lambda v: f"{_show(v)} has a target already in an earlier row"))
        text = canonical
    return pd.Series(text, dtype="str"), problems


def _as_texts(values: np.ndarray, blank: np.ndarray) -> np.ndarray | None:
    """``_as_text`` of each filled cell (None for blanks), vectorised for
    columns of text or of numbers; None for other columns."""
    filled = values[~blank]
    cells = _cell_kind(filled)
    if cells == "string":
        stripped = _strip(filled)
        if stripped is None:
            return None
        converted = stripped.to_numpy(zero_copy_only=False)
    elif cells in _REAL:
        converted = _whole_numbers_as_text(filled)
    else:
        return None
    text = np.full(len(values), None, dtype=object)
    text[~blank] = converted
    return text


def _whole_numbers_as_text(numbers: np.ndarray) -> np.ndarray:
    """``_as_text`` of each of an object array of ints and floats: whole
    numbers (within int64) in one go, any other cell one by one."""
    with np.errstate(invalid="ignore", over="ignore"):
        floats = np.array(numbers, dtype=float)
        whole = np.isfinite(floats) & (floats == np.floor(floats)) & (np.abs(floats) < 2.0**63)
        ints = np.where(whole, floats, 0).astype(np.int64)
    # A big int (or a float32) may not survive the trip through float64:
    # keep only cells whose value is exactly the int64.
    whole &= ints.astype(object) == numbers
    text = ints.astype(str).astype(object)
    for index in np.flatnonzero(~whole):
        text[index] = _as_text(numbers[index])
    return text


def _as_text(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)) and value == pd.Timestamp(value).normalize():
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _show(value) -> str:
    """A bad value as the user would recognise it in a cell."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Real) and not isinstance(value, Integral):
        number = float(value)
        if number.is_integer() and abs(number) < NUMBER_LIMIT:
            return str(int(number))
        if abs(number) >= NUMBER_LIMIT:
            return f"{number:g}"  # 1.7e+308, not 309 digits
    if isinstance(value, (dt.datetime, dt.date)):
        return _as_text(value)
    return str(value)
