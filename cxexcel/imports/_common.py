"""What the import profiles share: finding a tool's columns, reading its
value formats (answer labels, percent text, money text), and making the
input table, whose bad cells are still named where the user sees them in
the export (its file row or sheet cell, its own header)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import TableError
from ..tables.reading import Reading
from ..tables.schema import SCHEMAS, Column, normalise_name
from ..tables.sources import RawTable

__all__ = [
    "MappedPlace",
    "column_of",
    "columns_like",
    "converted",
    "score_labels",
    "leading_number",
    "percent",
    "money",
    "parse_column",
    "count_text",
]


@dataclass(frozen=True)
class MappedPlace:
    """The place of a converted table: its column ``i`` is the export's
    column ``positions[i]`` (header ``headers[i]``), its body row ``j`` the
    export's body row ``rows[j]``, so errors name the export's own cells."""

    inner: object
    table: str
    positions: tuple
    headers: tuple
    rows: np.ndarray

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def origin(self) -> str:
        return self.inner.origin

    def __getattr__(self, name):  # sheet, file ... of the export's place
        return getattr(self.inner, name)

    def cell(self, position: int, body_index: int, header: str):
        return self.inner.cell(
            self.positions[position], int(self.rows[body_index]), self.headers[position]
        )

    def header_cell(self, position: int, header: str):
        return self.inner.header_cell(self.positions[position], self.headers[position])


def column_of(header: list, *names: str) -> int | None:
    """The position of the first of ``names`` found in ``header`` (matched
    as headers are: case, spaces, ``_`` and ``-`` ignored), or None."""
    keys = [normalise_name(cell) for cell in header]
    for name in names:
        key = normalise_name(name)
        if key in keys:
            return keys.index(key)
    return None


def columns_like(header: list, pattern: str, skip: set | None = None) -> list[int]:
    """Positions of the header cells matching the regex ``pattern`` (case
    ignored), in order."""
    found = re.compile(pattern, re.IGNORECASE)
    return [
        i
        for i, cell in enumerate(header)
        if cell is not None and found.search(str(cell)) and (skip is None or i not in skip)
    ]


def converted(
    raw: RawTable,
    table: str,
    columns: dict[str, tuple[int, object]],
    rows: np.ndarray | None = None,
    note: str = "",
    reading: Reading | None = None,
    headers: dict[str, str] | None = None,
) -> RawTable:
    """The input table ``table`` made of ``columns`` (canonical name ->
    (export column position, cells: a list/array of ``len(rows)``)), with a
    place naming the export's cells, the export's notes plus ``note``."""
    if rows is None:
        rows = np.arange(len(raw.body))
    names = list(columns)
    positions = tuple(columns[name][0] for name in names)
    shown = tuple(
        (headers or {}).get(name)
        or (str(raw.header[position]).strip() if position is not None else name)
        for name, position in zip(names, positions, strict=True)
    )
    body = pd.DataFrame(
        {i: pd.Series(list(columns[name][1]), dtype=object) for i, name in enumerate(names)}
    )
    if body.empty:
        body = pd.DataFrame(columns=range(len(names)), dtype=object)
    place = MappedPlace(raw.place, table, positions, shown, np.asarray(rows))
    notes = list(raw.notes) + ([note] if note else [])
    return RawTable(table, names, body, place, notes=notes, reading=reading or raw.reading)


def cells(raw: RawTable, position: int | None, rows: np.ndarray | None = None) -> np.ndarray:
    """The export's cells of column ``position`` (all None if absent)."""
    n = len(raw.body) if rows is None else len(rows)
    if position is None:
        return np.full(n, None, dtype=object)
    values = raw.body[position].to_numpy(dtype=object)
    return values if rows is None else values[rows]


def _key(text: object) -> str:
    return " ".join(str(text).replace("\u2019", "'").split()).casefold()


def score_labels(values: np.ndarray, labels: dict[str, int]) -> np.ndarray:
    """Answer labels ("Very satisfied") as their scores; numbers and
    "10 - Extremely likely" as the number; a cell no label fits is kept,
    so validation names it."""
    table = {_key(k): v for k, v in labels.items()}
    out = values.copy()
    for index, value in enumerate(values):
        if isinstance(value, str) and value.strip():
            found = table.get(_key(value))
            if found is None:
                found = leading_number(value)
            if found is not None:
                out[index] = found
    return out


_LEADING = re.compile(r"^\s*(\d{1,2})(?:\s*(?:[-–:=(]|$)|\s+[A-Za-z])")


def leading_number(text: str) -> int | None:
    """10 of "10 - Extremely likely" / "10 (Extremely likely)", else None."""
    match = _LEADING.match(text)
    return int(match.group(1)) if match else None


_PERCENT = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*%\s*$")


def percent(value) -> float | None:
    """ "25.5%" as 0.255 (a number as is: 0.255), None if neither."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value):
        return float(value)
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1).replace(",", ".")) / 100
    return None


_MONEY = re.compile(r"^\s*([+-]?)\s*(?:[$€£¥]|[A-Z]{3}\s)?\s*([\d,]*\.?\d+)\s*(?:[A-Z]{3})?\s*$")


def money(value):
    """ "$1,234.50" / "1234.50 USD" as 1234.5; a number as is; other cells unchanged."""
    if isinstance(value, str):
        match = _MONEY.match(value)
        if match:
            sign, digits = match.groups()
            return float(sign + digits.replace(",", ""))
    return value


def count_text(value):
    """ "1,204" as 1204 (a count with thousands commas); other cells unchanged."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,3}(,\d{3})+\s*", value):
        return float(value.replace(",", ""))
    return value


def parse_column(
    raw: RawTable,
    position: int,
    kind: str,
    rows: np.ndarray | None = None,
    reading=None,
    values: np.ndarray | None = None,
):
    """The export's column ``position`` read as a ``kind`` column ("date",
    "amount", ...) by the validator's rules: (values, None) or (None, the
    TableError naming the first bad cell)."""
    from ..tables.validate import _blank_mask, _convert, _first_problem

    if values is None:
        values = cells(raw, position, rows)
    series = pd.Series(values, dtype=object)
    blank = _blank_mask(series)
    column = Column(str(raw.header[position]).strip(), kind)
    result, problems = _convert(column, values, blank, reading or raw.reading)
    kept = np.arange(len(values)) if rows is None else np.asarray(rows)
    error = _first_problem(
        problems,
        values,
        kept,
        column,
        position,
        {column.name: column.name},
        raw.place,
        SCHEMAS.get(raw.name) or _Named(raw.name),
    )
    return (None, error) if error is not None else (result, None)


@dataclass(frozen=True)
class _Named:
    name: str


def refuse(raw: RawTable, message: str, table: str) -> TableError:
    return TableError(f"{raw.place.label}: {message}", table=table)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
