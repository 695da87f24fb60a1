"""How the cells of a table are to be read where a cell alone does not say:
which way round an ambiguous date such as 03/04/2024 is, a date format a
tool writes, Unix timestamps, and a decimal comma.

Dates that say what they are are always read: ISO dates and times (with a
UTC offset, which is dropped: the date stays the one it was written in),
Excel serial numbers, 8-digit dates (20240104, as Google Analytics writes
them) and dates with month names ("Jan 04, 2024 10:00 am", "4 January
2024"). Dates of numbers only with ``/``, ``.`` or ``-`` between day and
month (03/04/2024) are read only when ``day_first`` says which comes first,
as either is common and a wrong guess silently moves dates by months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Reading", "DATE_SETTINGS", "more_dates", "epoch_dates", "decimal_comma"]

#: The names ``dates=`` / ``--dates`` take, and what each sets.
DATE_SETTINGS = {
    "day-first": {"day_first": True},
    "month-first": {"day_first": False},
    "unix": {"date_format": "unix"},
    "unix-ms": {"date_format": "unix-ms"},
}


@dataclass(frozen=True)
class Reading:
    """What a table's cells need to be read right.

    ``day_first``: True for 03/04/2024 = 3 April (most of the world), False
    for 4 March (the US); None refuses such dates as ambiguous.
    ``date_format``: a ``strftime`` format such as ``"%d.%m.%Y %H:%M"`` tried
    after the formats above, or ``"unix"`` / ``"unix-ms"`` for numbers of
    seconds / milliseconds since 1970-01-01 (UTC). ``decimal``: ``","`` where
    numbers may be written 12,5 or 1.234,5 (CSV files separated by ``;`` or
    tabs, as European Excel writes them); a column is read so only if one of
    its cells has a decimal comma, so "1.5" stays 1.5 in other columns.
    """

    day_first: bool | None = None
    date_format: str | None = None
    decimal: str = "."

    @property
    def epoch(self) -> str | None:
        """``"s"`` or ``"ms"`` for Unix timestamps, else None."""
        return {"unix": "s", "unix-ms": "ms"}.get(self.date_format or "")


_WORDS = [
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M",
    "%B %d, %Y",
    "%b %d %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y %H:%M",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%a, %d %b %Y %H:%M:%S",
    "%A, %B %d, %Y",
]
_TIMES = ["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"]
_MONTH_NAME = re.compile(r"[A-Za-z]{3}")
# A trailing UTC offset or zone after a time of day ("... 10:00 am -0500", "... UTC").
_TRAILING_ZONE = re.compile(r"(\d(?:\s*[AaPp][Mm])?)\s*(?:Z|UTC|GMT|[+-]\d\d:?\d\d)$")


def _numeric_formats(day_first: bool) -> list[str]:
    formats = []
    for sep in ("/", ".", "-"):
        first, second = ("%d", "%m") if day_first else ("%m", "%d")
        for year in ("%Y", "%y"):
            formats.extend(f"{first}{sep}{second}{sep}{year}{time}" for time in _TIMES)
    return formats


def more_dates(text: pd.Series, reading: Reading) -> np.ndarray:
    """Dates of the text cells ``text`` (stripped; not ISO, not serials) in
    the other formats :class:`Reading` allows, NaT where none fits."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    if not len(text):
        return out
    values = text.astype(str).str.replace(_TRAILING_ZONE, r"\1", regex=True).to_numpy(dtype=object)
    formats: list[str] = []
    if reading.date_format and reading.epoch is None:
        formats.append(reading.date_format)
    if any(_MONTH_NAME.search(v) for v in values[:1000]) or any(
        _MONTH_NAME.search(v) for v in values
    ):
        formats.extend(_WORDS)
    if reading.day_first is not None:
        formats.extend(_numeric_formats(reading.day_first))
    todo = np.ones(len(values), dtype=bool)
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(
            pd.Series(values[todo], dtype=object), format=fmt, errors="coerce"
        ).to_numpy(dtype="datetime64[ns]")
        found = ~np.isnat(parsed)
        where = np.flatnonzero(todo)[found]
        out[where] = parsed[found]
        todo[where] = False
    return out


def epoch_dates(numbers: np.ndarray, unit: str) -> np.ndarray:
    """Unix timestamps (seconds or milliseconds since 1970, UTC) as dates,
    NaT where not finite or beyond 1900-2199."""
    numbers = np.asarray(numbers, dtype=float)
    with np.errstate(invalid="ignore"):
        scale = 1000 if unit == "s" else 1
        ok = np.isfinite(numbers) & (np.abs(numbers * scale) < 7.3e12)
    ms = np.where(ok, np.round(np.where(ok, numbers, 0) * scale), 0).astype("int64")
    stamps = np.datetime64("1970-01-01", "ms") + ms.astype("timedelta64[ms]")
    return np.where(ok, stamps.astype("datetime64[ns]"), np.datetime64("NaT"))


_COMMA_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?$")
_HAS_COMMA = re.compile(r"^[+-]?\d[\d.]*,\d+$")


def decimal_comma(values: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """``values`` with text numbers in decimal-comma form ("12,5",
    "1.234,50") rewritten with a decimal point, if any usable cell has a
    decimal comma; unchanged otherwise (vectorised by Arrow for text columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    where = np.flatnonzero(usable)
    try:
        texts = pc.utf8_trim_whitespace(pa.array(values[where], type=pa.large_string()))
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return _decimal_comma_cells(values, usable)
    if not pc.any(pc.match_substring_regex(texts, _HAS_COMMA.pattern)).as_py():
        return values
    numbers = pc.match_substring_regex(texts, _COMMA_NUMBER.pattern).to_numpy(zero_copy_only=False)
    fixed = pc.replace_substring(pc.replace_substring(texts, ".", ""), ",", ".")
    out = values.copy()
    chosen = where[numbers.astype(bool)]
    out[chosen] = fixed.to_numpy(zero_copy_only=False)[numbers.astype(bool)]
    return out


def _decimal_comma_cells(values: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """:func:`decimal_comma` cell by cell, for columns that are not all text."""
    texts = [(i, v.strip()) for i, v in enumerate(values) if usable[i] and isinstance(v, str)]
    if not any(_HAS_COMMA.match(t) for _, t in texts):
        return values
    out = values.copy()
    for index, text in texts:
        match = _COMMA_NUMBER.match(text)
        if match is not None:
            sign, whole, fraction = match.groups()
            out[index] = f"{sign}{whole.replace('.', '')}" + (f".{fraction}" if fraction else "")
    return out
