"""Reading and validating the input tables (METRICS.md §5).

This is the one place that reads ``Responses``, ``Subscriptions``,
``Orders``, ``Spend``, ``Engagement`` and ``Targets``: from workbook files
(.xlsx/.xlsm), CSV and Parquet files named after the table, folders of such
files, an openpyxl ``Workbook``, an xlwings ``Book`` (including the remote
Book of xlwings Server) or a dict of DataFrames.

``read_tables`` returns clean DataFrames or raises the first problem;
``check_tables`` lists every problem, for a "Validate tables" button.
See docs/tables.md for what each table holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from ..errors import TableError
from .schema import SCHEMAS, TARGET_METRICS, Column, TableSchema, canonical_metric, normalise_name
from .sources import RawTable, collect
from .validate import validate

__all__ = [
    "SCHEMAS",
    "TARGET_METRICS",
    "Column",
    "TableSchema",
    "read_tables",
    "check_tables",
    "canonical_metric",
    "normalise_name",
]

Scales = Mapping[str, tuple[int, int]] | None


def read_tables(*sources, scales: Scales = None) -> dict[str, pd.DataFrame]:
    """Read and validate the input tables found in ``sources``.

    Each source is a path (an .xlsx/.xlsm workbook, a .csv or .parquet file
    named after its table, or a folder of such files), an openpyxl Workbook,
    an xlwings Book, or a dict of DataFrames keyed by table name. Tables that
    are not present are simply left out of the result; unknown tables,
    sheets and columns are ignored.

    Each DataFrame has every column of its schema under its canonical name
    (absent optional columns are all blank), in schema order, with index
    0..n-1: dates and months as ``datetime64[ns]`` (months on the 1st), numbers,
    counts and scores as ``float64`` (blank = NaN), text as ``str`` (blank = NaN).

    ``scales`` changes a score's scale, e.g. ``{"csat": (1, 10)}``.

    Raises the first problem as a ``TableError`` (``SourceError`` for a
    file that cannot be read); ``check_tables`` lists them all.
    """
    tables, errors = _read(sources, scales)
    if errors:
        raise errors[0]
    return tables


def check_tables(*sources, scales: Scales = None) -> list[TableError]:
    """Every problem with the input tables in ``sources`` (empty if none).

    Takes the same arguments as ``read_tables``. Each problem is a
    ``TableError`` whose message names the table, column and row (as a cell
    address such as ``Responses!C214`` for workbooks, ``Responses.csv row
    214, column nps`` for files), with ``table``, ``column``, ``row`` and
    ``cell`` attributes. For each column only the first bad row is listed.
    """
    return _read(sources, scales)[1]


def _read(sources, scales: Scales) -> tuple[dict[str, pd.DataFrame], list[TableError]]:
    schemas = _with_scales(scales)
    found: dict[str, RawTable] = {}
    errors: list[TableError] = []
    for item in collect(sources):
        if isinstance(item, TableError):
            errors.append(item)
            continue
        if item.name in found:
            errors.append(
                TableError(
                    f"{item.name} is found twice: {_where(found[item.name])} and {_where(item)}; "
                    "keep one of them",
                    table=item.name,
                )
            )
            continue
        found[item.name] = item
    tables: dict[str, pd.DataFrame] = {}
    for name, schema in schemas.items():
        if name not in found:
            continue
        frame, problems = validate(found[name], schema)
        errors.extend(problems)
        if frame is not None:
            tables[name] = frame
    return tables, errors


def _where(raw: RawTable) -> str:
    place = raw.place
    sheet = getattr(place, "sheet", None)
    return f"{place.origin} (sheet {sheet})" if sheet is not None else place.origin


def _with_scales(scales: Scales) -> dict[str, TableSchema]:
    if not scales:
        return SCHEMAS
    schemas = dict(SCHEMAS)
    for key, scale in scales.items():
        for name, schema in schemas.items():
            column = schema.column(key)
            if column is None or column.kind != "score":
                continue
            low, high = (int(x) for x in scale)
            if low >= high:
                raise ValueError(f"scale for {column.name} must be (low, high), got {scale!r}")
            columns = tuple(
                dataclasses.replace(c, scale=(low, high)) if c is column else c
                for c in schema.columns
            )
            schemas[name] = dataclasses.replace(schema, columns=columns)
            break
        else:
            raise ValueError(f"{key!r} is not a score column (nps, csat or ces)")
    return schemas
