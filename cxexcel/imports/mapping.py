"""A user's own mapping: which file or sheet is which input table, which of
its headers is which column, and how to read its values. For exports no
profile knows, or to override one.

As a TOML file (``cxexcel report --map FILE``, ``read_tables(...,
mapping="map.toml")``)::

    encoding = "cp1252"            # optional: CSV encoding for all files
    dates = "day-first"            # optional: day-first, month-first, unix, unix-ms

    [[table]]
    source = "nps-*.csv"           # file or sheet name; * and ? as wildcards
    table = "Responses"
    dates = "month-first"          # or date_format = "%d.%m.%Y %H:%M"
    columns = { date = "Submitted", nps = "Q1", comment = "Why?" }
    values.csat = { "Very happy" = 5, "Happy" = 4, "Unhappy" = 2 }
    units = { amount = "cents" }   # cents: divided by 100
    keep = { Status = ["complete"] }    # rows kept: the column holds one of these
    drop = { Channel = ["test"] }       # rows left out

The same as a dict of that shape (a Python argument), and as a ``Mapping``
sheet or Excel Table in a workbook (for the ribbon), one row per column:
``source | table | column | header`` and optionally ``dates``,
``units``, ``value`` and ``becomes`` (a row with a value and what it
becomes maps that answer).
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Mapping as _Dict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, TableError
from ..tables.profiles import Profile
from ..tables.reading import DATE_SETTINGS, Reading
from ..tables.schema import SCHEMAS, normalise_name
from ..tables.sources import RawTable, table_name
from ._common import cells, column_of, converted, plural

__all__ = ["Mapping", "Rule", "load_mapping"]

_UNITS = {"cents": 100, "pence": 100, "thousands": 0.001}


@dataclass
class Rule:
    """One file or sheet -> one input table."""

    source: str
    table: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    keep: dict[str, list] = field(default_factory=dict)
    drop: dict[str, list] = field(default_factory=dict)
    reading: Reading = field(default_factory=Reading)
    encoding: str | None = None

    def matches(self, source: str | None) -> bool:
        if source is None:
            return False
        pattern = self.source.casefold()
        name = source.casefold()
        return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(
            name.rsplit(".", 1)[0], pattern
        )


@dataclass
class Mapping:
    """A set of :class:`Rule`; ``origin`` names where it came from in notes and errors."""

    rules: list[Rule]
    origin: str = "mapping"

    def profile_for(self, source: str | None, header: list) -> Profile | None:
        for rule in self.rules:
            if rule.matches(source):
                return Profile(
                    f"{self.origin}: {rule.source}",
                    rule.table,
                    (),
                    lambda raw, rule=rule: self._convert(raw, rule),
                    priority=100,
                )
        return None

    def encoding_for(self, source: str | None) -> str | None:
        for rule in self.rules:
            if rule.matches(source) and rule.encoding:
                return rule.encoding
        return None

    def _convert(self, raw: RawTable, rule: Rule) -> RawTable:
        schema = SCHEMAS[rule.table]
        header = raw.header
        positions: dict[str, int] = {}
        for column, wanted in rule.columns.items():
            position = column_of(header, wanted)
            if position is None:
                found = ", ".join(
                    str(h).strip() for h in header if h is not None and str(h).strip()
                )
                raise TableError(
                    f'{raw.place.label}: the mapping ({self.origin}) maps "{wanted}" to '
                    f"{rule.table}.{column}, but there is no such column (columns found: {found})",
                    table=rule.table,
                    column=column,
                )
            positions[column] = position
        taken = set(positions.values())
        for position, cell in enumerate(header):
            column = schema.column(cell)
            if column is not None and column.name not in positions and position not in taken:
                positions[column.name] = position
        rows = np.arange(len(raw.body))
        keep = np.ones(len(rows), dtype=bool)
        for filters, wanted in ((rule.keep, True), (rule.drop, False)):
            for name, allowed in filters.items():
                position = column_of(header, name)
                if position is None:
                    raise TableError(
                        f'{raw.place.label}: the mapping ({self.origin}) filters on "{name}", '
                        "which is not a column there",
                        table=rule.table,
                    )
                accepted = {_key(v) for v in allowed}
                inside = np.array([_key(v) in accepted for v in cells(raw, position)], dtype=bool)
                keep &= inside if wanted else ~inside
        rows = rows[keep]
        columns = {}
        for name in schema.column_names:
            if name not in positions:
                continue
            position = positions[name]
            values = cells(raw, position, rows).copy()
            labels = {_key(k): v for k, v in rule.values.get(name, {}).items()}
            if labels:
                values = np.array([labels.get(_key(v), v) for v in values], dtype=object)
            divisor = _UNITS.get(str(rule.units.get(name, "")).casefold())
            if divisor:
                values = np.array([_scaled(v, divisor) for v in values], dtype=object)
            columns[name] = (position, values)
        left = len(raw.body) - len(rows)
        note = (
            f"{raw.place.label}: mapping {self.origin} -> {rule.table}, "
            f"{plural(len(rows), 'row')}"
            + (f" ({plural(left, 'row')} filtered out)" if left else "")
        )
        if not columns:
            columns = {schema.column_names[0]: (None, [None] * len(rows))}
        reading = Reading(
            day_first=rule.reading.day_first
            if rule.reading.day_first is not None
            else raw.reading.day_first,
            date_format=rule.reading.date_format or raw.reading.date_format,
            decimal=raw.reading.decimal,
        )
        return converted(raw, rule.table, columns, rows=rows, note=note, reading=reading)


def _key(value) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _scaled(value, divisor):
    try:
        if isinstance(value, str):
            number = float(value.strip())
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            return value
    except ValueError:
        return value
    return number / divisor


def _reading(settings: _Dict, where: str, base: Reading | None = None) -> Reading:
    base = base or Reading()
    day_first, date_format = base.day_first, base.date_format
    dates = settings.get("dates")
    if dates is not None:
        if dates not in DATE_SETTINGS:
            raise InputError(
                "mapping", f"{where}: dates = {dates!r}: use one of {', '.join(DATE_SETTINGS)}"
            )
        chosen = DATE_SETTINGS[dates]
        day_first = chosen.get("day_first", day_first)
        date_format = chosen.get("date_format", date_format)
    if "day_first" in settings:
        day_first = bool(settings["day_first"])
    if settings.get("date_format"):
        date_format = str(settings["date_format"])
    return Reading(day_first=day_first, date_format=date_format)


def from_dict(config: _Dict, origin: str = "mapping") -> Mapping:
    """A :class:`Mapping` from the TOML file's shape (see the module docstring)."""
    if not isinstance(config, _Dict):
        raise InputError(
            "mapping",
            f"must be a table of settings and [[table]] rules; got {type(config).__name__}",
        )
    base = _reading(config, origin)
    rules = []
    entries = config.get("table", [])
    if isinstance(entries, _Dict):
        entries = [entries]
    for number, entry in enumerate(entries, start=1):
        where = f"{origin}, [[table]] {number}"
        if not isinstance(entry, _Dict):
            raise InputError("mapping", f"{where}: each [[table]] is a table of settings")
        source = entry.get("source") or entry.get("file") or entry.get("sheet")
        table = table_name(entry.get("table"))
        if not isinstance(source, str) or not source:
            raise InputError("mapping", f'{where}: give source = "FILE OR SHEET NAME"')
        if table is None:
            raise InputError(
                "mapping",
                f"{where}: table = {entry.get('table')!r} is not one of {', '.join(SCHEMAS)}",
            )
        schema = SCHEMAS[table]
        columns = {}
        for column, header in dict(entry.get("columns", {})).items():
            known = schema.column(column)
            if known is None:
                raise InputError(
                    "mapping",
                    f"{where}: {column!r} is not a column of {table} ({', '.join(schema.column_names)})",
                )
            columns[known.name] = str(header)
        values = {}
        for column, labels in dict(entry.get("values", {})).items():
            known = schema.column(column)
            if known is None or not isinstance(labels, _Dict):
                raise InputError(
                    "mapping", f"{where}: values.{column} must map answers of a {table} column"
                )
            values[known.name] = dict(labels)
        units = {}
        for column, unit in dict(entry.get("units", {})).items():
            known = schema.column(column)
            if known is None or str(unit).casefold() not in _UNITS:
                raise InputError(
                    "mapping", f"{where}: units.{column} = {unit!r}: use one of {', '.join(_UNITS)}"
                )
            units[known.name] = str(unit)
        filters = {}
        for kind in ("keep", "drop"):
            chosen = {}
            for name, allowed in dict(entry.get(kind, {})).items():
                chosen[str(name)] = list(allowed) if isinstance(allowed, list) else [allowed]
            filters[kind] = chosen
        rules.append(
            Rule(
                source,
                table,
                columns,
                values,
                units,
                filters["keep"],
                filters["drop"],
                _reading(entry, where, base),
                entry.get("encoding") or config.get("encoding"),
            )
        )
    return Mapping(rules, origin)


def load_mapping(mapping) -> Mapping | None:
    """A :class:`Mapping` from a Mapping, a TOML file path or a dict (None stays None)."""
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, _Dict):
        return from_dict(mapping)
    path = Path(mapping)
    try:
        if path.stat().st_size > 1_000_000:
            raise InputError("mapping", f"{path}: a mapping file of more than 1 MB is not one")
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            "mapping", f"{path}: cannot be read as a TOML mapping file ({error})"
        ) from None
    return from_dict(config, path.name)


def from_rows(rows: list[dict], origin: str) -> Mapping:
    """A :class:`Mapping` from a workbook's Mapping table: one dict per row
    (source, table, column, header, and optionally dates, units, value, becomes)."""
    config: dict = {"table": []}
    by_source: dict[tuple, dict] = {}
    for row in rows:
        get = {normalise_name(k): v for k, v in row.items()}
        source, table = get.get("source"), get.get("table")
        if not source or not table:
            continue
        entry = by_source.setdefault(
            (str(source), str(table)),
            {"source": str(source), "table": str(table), "columns": {}, "values": {}, "units": {}},
        )
        column = get.get("column")
        if column and get.get("header"):
            entry["columns"][str(column)] = str(get["header"])
        if column and get.get("value") is not None and get.get("becomes") is not None:
            entry["values"].setdefault(str(column), {})[str(get["value"])] = get["becomes"]
        if column and get.get("units"):
            entry["units"][str(column)] = str(get["units"])
        if get.get("dates"):
            entry["dates"] = str(get["dates"])
    config["table"] = list(by_source.values())
    return from_dict(config, origin)
