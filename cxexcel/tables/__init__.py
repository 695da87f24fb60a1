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
from . import profiles
from .reading import DATE_SETTINGS, Reading
from .schema import (
    NUMBER_LIMIT,
    SCHEMAS,
    TARGET_METRICS,
    Column,
    TableSchema,
    canonical_metric,
    normalise_name,
)
from .sources import ENGINE, READING, RawTable, collect, load, recording_skips, table_name
from .surprises import surprises
from .validate import validate

logger = logging.getLogger(__name__)

__all__ = [
    "SCHEMAS",
    "TARGET_METRICS",
    "Column",
    "TableSchema",
    "read_tables",
    "read_checked",
    "read_warehouse",
    "check_tables",
    "canonical_metric",
    "normalise_name",
]

Scales = Mapping[str, tuple[int, int]] | None


def read_tables(
    *sources,
    scales: Scales = None,
    notes: list[str] | None = None,
    engine=None,
    mapping=None,
    dates: str | None = None,
    skipped: list | None = None,
    billing=None,
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
    Responses and Subscriptions tables of Parquet files where they lie, and
    read those of CSV files in cxexcel's own columns where it reads them as
    pandas would (:mod:`cxexcel.engine.csv_inputs`), with the same messages;
    those come back as engine tables (Ibis expressions of the clean columns
    and ``_row``, the row's place in the file), not DataFrames, so a table
    larger than memory is never loaded.

    Exports of the tools cxexcel knows (Delighted, SurveyMonkey, Qualtrics,
    Typeform, HubSpot, Mailchimp, Shopify, GA4: docs/imports.md) are found by
    their headers and converted, with a line in ``notes`` for each.
    ``mapping`` (a TOML file path, a dict of the same shape, or a
    :class:`cxexcel.imports.Mapping`) says which file or sheet is which
    table and how to read it, for anything else. ``dates`` reads dates such
    as 03/04/2024 ``"day-first"`` or ``"month-first"`` (refused as
    ambiguous otherwise), or numbers as Unix timestamps (``"unix"``,
    ``"unix-ms"``); any other text is a ``strftime`` format.
    Billing data (a billing system's subscriptions export, invoice lines,
    with ``Rates`` and ``Coupons``; see docs/billing.md) without a
    Subscriptions table becomes the Subscriptions table by the rules of
    BILLING.md; ``billing`` sets them: a
    :class:`cxexcel.metrics.billing.BillingSettings` or a mapping of its
    fields (``currency``, ``as_of``, ``churn_at``, ``past_due``). Its
    warnings (statuses not counted, unknown coupons ...) go to ``notes``.

    Raises the first problem as a ``TableError`` (``SourceError`` for a
    file that cannot be read); ``check_tables`` and ``read_checked`` list
    them all. ``skipped``, a list, gets (path, why) for each file in a folder that
    was not read.
    """
    tables, errors = _read(
        sources, scales, notes, engine, mapping, dates, skipped=skipped, billing=billing
    )
    if errors:
        raise errors[0]
    return tables


def check_tables(
    *sources,
    scales: Scales = None,
    mapping=None,
    dates: str | None = None,
    notes: list[str] | None = None,
    every: int = 1,
    billing=None,
) -> list[TableError]:
    """Every problem with the input tables in ``sources`` (empty if none).

    Takes the same arguments as ``read_tables``. Each problem is a
    ``TableError`` whose message names the table, column and row (as a cell
    address such as ``Responses!C214`` for workbooks, ``Responses.csv row
    214, column nps`` for files), with ``table``, ``column``, ``row`` and
    ``cell`` attributes. For each column the first ``every`` bad rows are
    listed (the first only, by default).
    """
    return _read(sources, scales, notes, None, mapping, dates, every, billing=billing)[1]


def read_checked(
    *sources,
    scales: Scales = None,
    notes: list[str] | None = None,
    engine=None,
    mapping=None,
    dates: str | None = None,
    every: int = 1,
    skipped: list | None = None,
    billing=None,
) -> tuple[dict, list[TableError]]:
    """``read_tables``'s tables (those without problems) and every problem
    (up to ``every`` bad rows per column), without raising: for a command
    that reports them all."""
    return _read(sources, scales, notes, engine, mapping, dates, every, skipped, billing)


def _date_reading(dates: str | None) -> dict:
    """The :class:`Reading` fields the ``dates`` argument sets."""
    if dates is None:
        return {}
    if isinstance(dates, str) and dates in DATE_SETTINGS:
        return DATE_SETTINGS[dates]
    if not isinstance(dates, str) or "%" not in dates:
        raise InputError(
            "dates",
            f"{dates!r} is not one of {', '.join(DATE_SETTINGS)} "
            "nor a strftime format such as %d.%m.%Y",
        )
    return {"date_format": dates}


def _read(
    sources,
    scales: Scales,
    notes: list[str] | None = None,
    engine=None,
    mapping=None,
    dates: str | None = None,
    every: int = 1,
    skipped: list | None = None,
    billing=None,
) -> tuple[dict[str, pd.DataFrame], list[TableError]]:
    from ..metrics.billing import BillingSettings

    schemas = _with_scales(scales)
    settings = BillingSettings.of(billing)
    chosen = _date_reading(dates)
    if mapping is not None:
        from ..imports import load_mapping

        mapping = load_mapping(mapping)
    token = READING.set(Reading(**chosen))
    engine_token = ENGINE.set((engine, schemas) if engine is not None else None)
    try:
        with profiles.using(mapping), recording_skips() as skips:
            items = list(collect(sources))
    finally:
        ENGINE.reset(engine_token)
        READING.reset(token)
    if skipped is not None:
        skipped.extend(skips)
    tables, errors, found = _read_found(items, schemas, notes, engine, chosen, every)
    if not errors:
        _billing(tables, found, settings, engine, notes, errors)
    if notes is not None:
        notes.extend(surprises(tables))
    return tables, errors


#: Tables of one row per day that several exports may each hold part of
#: (GA4's users and sessions, an email tool's campaigns): joined by day when
#: their columns do not overlap.
_JOINED_BY_DAY = {"Engagement": "date"}


def _read_found(items, schemas, notes, engine, chosen, every):
    found: dict[str, RawTable] = {}
    more: dict[str, list[RawTable]] = {}
    errors: list[TableError] = []
    for item in items:
        if isinstance(item, TableError):
            errors.append(item)
            continue
        if item.name in found and item.name in _JOINED_BY_DAY:
            if chosen:
                item.reading = dataclasses.replace(item.reading, **chosen)
            more.setdefault(item.name, []).append(item)
            if notes is not None:
                notes.extend(item.notes)
            continue
        if item.name in found:
            errors.append(
                TableError(
                    f"{item.name} is found twice: {_where(found[item.name])} and {_where(item)}; "
                    "keep one of them",
                    table=item.name,
                )
            )
            if item.csv is not None:
                item.csv.drop()  # the engine's copy of a table not read
            continue
        if chosen:
            item.reading = dataclasses.replace(item.reading, **chosen)
        found[item.name] = item
        if notes is not None:
            notes.extend(item.notes)
    tables: dict[str, pd.DataFrame] = {}
    for name, schema in schemas.items():
        if name not in found:
            continue
        raw = found[name]
        if raw.body is None and engine is not None:
            checked = _engine_check(engine, raw, schema, every)
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
        frame, problems = validate(raw, schema, every=every)
        errors.extend(problems)
        for other in more.get(name, []):
            frame = _joined(frame, raw, other, schema, errors, every)
        if frame is not None:
            tables[name] = frame
    return tables, errors, found


def _joined(frame, raw: RawTable, other: RawTable, schema, errors: list, every: int):
    """``frame`` (of ``raw``) joined by day with the table ``other`` when
    their filled columns do not overlap; else the error that the table is
    found twice. None if either has problems."""
    key = _JOINED_BY_DAY[schema.name]
    second, problems = validate(other, schema, every=every)
    errors.extend(problems)
    if frame is None or second is None:
        return None
    filled = {c for c in frame.columns if c != key and frame[c].notna().any()}
    added = {c for c in second.columns if c != key and second[c].notna().any()}
    if filled & added or frame[key].duplicated().any() or second[key].duplicated().any():
        shared = ", ".join(sorted(filled & added)) or f"the same {key} in several rows"
        errors.append(
            TableError(
                f"{schema.name} is found twice: {_where(raw)} and {_where(other)} ({shared} in "
                "both); keep one of them",
                table=schema.name,
            )
        )
        return None
    joined = frame[[key, *filled]].merge(second[[key, *added]], on=key, how="outer")
    joined = joined.sort_values(key, kind="stable").reset_index(drop=True)
    return joined.reindex(columns=schema.column_names).astype(frame.dtypes.to_dict())


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


def _engine_check(engine, raw: RawTable, schema: TableSchema, every: int = 1):
    """(clean engine table or None, problems) of a Parquet or CSV input the
    engine can check where it lies (naming ``every`` bad rows per column);
    None to read it into memory instead."""
    from ..engine.inputs import ENGINE_TABLES, check_parquet

    if raw.name not in ENGINE_TABLES:
        return None
    try:
        if raw.csv is not None:
            from ..engine.csv_inputs import check_csv

            return check_csv(engine, raw, schema, validate, every)
        return check_parquet(engine, raw.parquet, raw, schema, validate, every)
    except Exception:  # a file the engine cannot read: the in-memory path says why
        logger.debug("the engine could not check %s", raw.place.origin, exc_info=True)
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
