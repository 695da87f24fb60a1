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
import logging
import math
from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ..errors import InputError, SourceError, TableError
from .schema import (
    NUMBER_LIMIT,
    SCHEMAS,
    TARGET_METRICS,
    Column,
    TableSchema,
    canonical_metric,
    normalise_name,
)
from .sources import RawTable, collect, load, table_name
from .validate import validate

logger = logging.getLogger(__name__)

__all__ = [
    "SCHEMAS",
    "TARGET_METRICS",
    "Column",
    "TableSchema",
    "read_tables",
    "read_warehouse",
    "check_tables",
    "canonical_metric",
    "normalise_name",
]

Scales = Mapping[str, tuple[int, int]] | None


def read_tables(
    *sources, scales: Scales = None, notes: list[str] | None = None, engine=None, billing=None
) -> dict[str, pd.DataFrame]:
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

    ``scales`` changes a score's scale, e.g. ``{"csat": (1, 10)}``: keys
    are score columns (``nps``, ``csat``, ``ces``, matched like headers),
    values two whole numbers low < high; anything else raises an
    ``InputError`` naming ``scales``.

    ``notes``, a list, gets one line for each thing read that the user
    should know of though it is not an error (formula cells in a comment
    column that have no saved value and read as blank).

    ``engine`` (a :class:`cxexcel.engine.Engine`) lets the engine check the
    Responses and Subscriptions tables of Parquet files where they lie, with
    the same messages; those come back as engine tables (Ibis expressions of
    the clean columns and ``_row``, the row's place in the file), not
    DataFrames, so a table larger than memory is never loaded.

    Billing data (a billing system's subscriptions export, invoice lines,
    with ``Rates`` and ``Coupons``; see docs/billing.md) without a
    Subscriptions table becomes the Subscriptions table by the rules of
    BILLING.md; ``billing`` sets them: a
    :class:`cxexcel.metrics.billing.BillingSettings` or a mapping of its
    fields (``currency``, ``as_of``, ``churn_at``, ``past_due``). Its
    warnings (statuses not counted, unknown coupons ...) go to ``notes``.

    Raises the first problem as a ``TableError`` (``SourceError`` for a
    file that cannot be read); ``check_tables`` lists them all.
    """
    tables, errors = _read(sources, scales, notes, engine, billing)
    if errors:
        raise errors[0]
    return tables


def check_tables(*sources, scales: Scales = None, billing=None) -> list[TableError]:
    """Every problem with the input tables in ``sources`` (empty if none).

    Takes the same arguments as ``read_tables``. Each problem is a
    ``TableError`` whose message names the table, column and row (as a cell
    address such as ``Responses!C214`` for workbooks, ``Responses.csv row
    214, column nps`` for files), with ``table``, ``column``, ``row`` and
    ``cell`` attributes. For each column only the first bad row is listed.
    """
    return _read(sources, scales, billing=billing)[1]


def _read(
    sources, scales: Scales, notes: list[str] | None = None, engine=None, billing=None
) -> tuple[dict[str, pd.DataFrame], list[TableError]]:
    from ..metrics.billing import BillingSettings

    schemas = _with_scales(scales)
    settings = BillingSettings.of(billing)
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
        if notes is not None:
            notes.extend(item.notes)
    tables: dict[str, pd.DataFrame] = {}
    for name, schema in schemas.items():
        if name not in found:
            continue
        raw = found[name]
        if raw.body is None and engine is not None:
            checked = _engine_check(engine, raw, schema)
            if checked is not None:
                table, problems = checked
                errors.extend(problems)
                if table is not None:
                    tables[name] = table
                continue
        try:
            raw = load(raw)
        except TableError as error:
            errors.append(error)
            continue
        frame, problems = validate(raw, schema)
        errors.extend(problems)
        if frame is not None:
            tables[name] = frame
    if not errors:
        _billing(tables, found, settings, engine, notes, errors)
    return tables, errors


def _billing(tables: dict, found: dict, settings, engine, notes, errors) -> None:
    """The Subscriptions table from the billing tables among ``tables``, if any."""
    from .billing import BILLING_SOURCES, derive_subscriptions

    if not any(name in tables for name in BILLING_SOURCES):
        return
    if "Subscriptions" in tables:
        if notes is not None:
            notes.append(
                "the billing tables are not used: a Subscriptions table is given "
                f"({_where(found['Subscriptions'])})"
            )
        return
    sources = {name: raw.place.label for name, raw in found.items()}
    try:
        frame, lines = derive_subscriptions(tables, settings, engine, sources)
    except TableError as error:
        errors.append(error)
        return
    ordered = {name: tables[name] for name in SCHEMAS if name in tables}
    ordered["Subscriptions"] = frame
    tables.clear()
    tables.update({name: ordered[name] for name in SCHEMAS if name in ordered})
    if notes is not None:
        notes.extend(lines)


def read_warehouse(engine, tables: Mapping[str, str], *, scales: Scales = None) -> dict:
    """Input tables that live in a warehouse, checked there by ``engine``.

    ``tables`` maps input tables to warehouse tables, e.g.
    ``{"Responses": "analytics.nps_answers"}`` (``schema.table``, or a bare
    table name). Each comes back as an engine table of its clean columns,
    as ``read_tables(..., engine=...)`` gives Parquet inputs, after the same
    checks; a bad row is named by its values, as warehouse rows have no
    numbers. Responses and Subscriptions stay in the warehouse (engine
    tables); the other tables come back as DataFrames. Raises the first
    problem as a ``TableError``.
    """
    from ..engine.inputs import ENGINE_TABLES, check_table

    schemas = _with_scales(scales)
    out: dict = {}
    errors: list[TableError] = []
    for key, qualified in tables.items():
        name = table_name(key)
        if name is None:
            errors.append(SourceError(f"{key}: not an input table (one of {', '.join(SCHEMAS)})"))
            continue
        try:
            source = _warehouse_table(engine, str(qualified))
        except Exception as error:  # each backend raises its own kind
            errors.append(
                SourceError(
                    f"{name}: cannot read the warehouse table {qualified} "
                    f"({type(error).__name__}: {' '.join(str(error).split())[:200]})",
                    table=name,
                )
            )
            continue
        table, problems = check_table(engine, source, str(qualified), schemas[name], validate)
        errors.extend(problems)
        if table is not None:
            # The tables with a row per event stay in the warehouse; the small
            # ones (Spend, Targets ...) come over whole, as from a file.
            out[name] = table if name in ENGINE_TABLES else _fetch(engine, table)
    if errors:
        raise errors[0]
    return out


def _fetch(engine, table) -> pd.DataFrame:
    frame = engine.execute(table)
    return frame.reset_index(drop=True)


def _warehouse_table(engine, qualified: str):
    from ..engine.backend import quiet

    database, _, table = qualified.rpartition(".")
    with quiet():
        if database:
            return engine.backend.table(table, database=database)
        return engine.backend.table(table)


def _engine_check(engine, raw: RawTable, schema: TableSchema):
    """(clean engine table or None, problems) of a Parquet input the engine can
    check where it lies; None to read it into memory instead."""
    from ..engine.inputs import ENGINE_TABLES, check_parquet

    if raw.name not in ENGINE_TABLES:
        return None
    try:
        return check_parquet(engine, raw.parquet, raw, schema, validate)
    except Exception:  # a file the engine cannot read: the in-memory path says why
        logger.debug("the engine could not check %s", raw.parquet, exc_info=True)
        return None


def _where(raw: RawTable) -> str:
    place = raw.place
    sheet = getattr(place, "sheet", None)
    return f"{place.origin} (sheet {sheet})" if sheet is not None else place.origin


def _with_scales(scales: Scales) -> dict[str, TableSchema]:
    """The schemas with the score scales ``scales`` sets; an ``InputError``
    (argument ``scales``) names what is wrong with a bad one."""
    if scales is None:
        return SCHEMAS
    if not isinstance(scales, Mapping):
        raise InputError(
            "scales",
            f"must map score columns to (low, high), e.g. {_EXAMPLE}; got {_brief(scales)}",
        )
    schemas = dict(SCHEMAS)
    seen: dict[str, object] = {}
    for key, scale in scales.items():
        found = (
            [
                (name, column)
                for name, schema in SCHEMAS.items()
                if (column := schema.column(key)) is not None and column.kind == "score"
            ]
            if isinstance(key, str)
            else []
        )
        if not found:
            raise InputError(
                "scales", f"{_brief(key)} is not a score column (nps, csat or ces); e.g. {_EXAMPLE}"
            )
        name, column = found[0]
        if column.name in seen:
            raise InputError(
                "scales", f"{_brief(seen[column.name])} and {_brief(key)} both set {column.name}"
            )
        seen[column.name] = key
        low, high = _scale(column.name, scale)
        schema = schemas[name]
        columns = tuple(
            dataclasses.replace(c, scale=(low, high)) if c.name == column.name else c
            for c in schema.columns
        )
        schemas[name] = dataclasses.replace(schema, columns=columns)
    return schemas


_EXAMPLE = '{"csat": (1, 10)}'


def _scale(name: str, scale: object) -> tuple[int, int]:
    """``scale`` as (low, high) whole numbers, low below high."""
    shown = _brief(scale)
    if isinstance(scale, np.ndarray):
        scale = scale.tolist()
    if isinstance(scale, (str, bytes)) or not isinstance(scale, Sequence) or len(scale) != 2:
        raise InputError("scales", f"{name} must be (low, high), e.g. (1, 10); got {shown}")
    bounds = []
    for bound in scale:
        if (
            isinstance(bound, (bool, np.bool_))
            or not isinstance(bound, Real)
            or not math.isfinite(float(bound))
            or not float(bound).is_integer()
            or abs(float(bound)) >= NUMBER_LIMIT
        ):
            raise InputError(
                "scales", f"{name} must be two whole numbers (low, high), e.g. (1, 10); got {shown}"
            )
        bounds.append(int(bound))
    low, high = bounds
    if low >= high:
        raise InputError(
            "scales", f"{name} must be (low, high) with low below high, e.g. (1, 10); got {shown}"
        )
    return low, high


def _brief(value: object) -> str:
    """``repr(value)``, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
