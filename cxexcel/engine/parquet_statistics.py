"""Whether a Parquet file's statistics hold for its rows.

DuckDB skips the row groups a filter cannot match by the statistics in the
file's footer: each column's minimum and maximum and its count of nulls
(and of NaN), and, for a test of equality, its bloom filter. A damaged or
crafted file whose statistics do not hold loses rows from a filtered query
without an error: a file that says its amounts are all 0 gave an MRR of 0.
So the input check (:mod:`cxexcel.engine.inputs`) holds every row it reads
to the statistics of its row group, in the same pass over the file;
where they do not hold, or cannot be compared (a bloom filter, too many
groups), the engine reads its files without them
(:meth:`cxexcel.engine.Engine.distrust_statistics`): slower, never wrong.

Only the rows the clean table keeps are compared (a row with every cell
blank is left out of it), so a claim about nulls is held to what a skip
needs: a group said to be all null has no value, a group said to have no
null has none.
"""

from __future__ import annotations

import datetime as _datetime
import re
from dataclasses import dataclass
from itertools import accumulate

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
from ibis.expr.types import Column as IbisColumn

from .backend import Engine

#: The column types whose statistics are compared (DuckDB's names, put into
#: the query that casts them); another type's are not, and the file is read
#: without them.
_COMPARABLE = re.compile(
    r"BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT"
    r"|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)|VARCHAR|DATE|TIME|TIMESTAMP(_S|_MS|_NS)?"
    r"|TIMESTAMP WITH TIME ZONE"
)
#: More row groups than this are not compared (the check names each one in
#: its query): such a file is read without its statistics.
MAX_ROW_GROUPS = 1024
#: The footer's fields per row group and column that :func:`footer_statistics` reads.
_FIELDS = ("col", "lo_old", "hi_old", "lo_new", "hi_new", "nulls", "nans")


@dataclass(frozen=True)
class Claims:
    """What a column's statistics claim, one item per row group: the least
    value (``low``) and the greatest (``high``), None where not stated, and
    whether the group is said to be all null, to have no null, to have no
    NaN and to be all NaN (with nulls)."""

    low: list
    high: list
    all_null: list[bool]
    no_null: list[bool]
    no_nan: list[bool]
    all_nan: list[bool]


@dataclass(frozen=True)
class FooterStatistics:
    """The statistics of a Parquet file's row groups: ``claims`` per column
    (file column name), and ``starts``, the first row of each group, then
    the file's row count. ``comparable``: False when the check cannot hold
    them to the rows (then the file is read without them). ``readable``:
    False when DuckDB cannot read the rows themselves right: it reads a
    column chunk said to be all null as nulls without decoding it, so such
    a claim is held to the chunk as pyarrow decodes it, and a file where it
    fails is left to the in-memory path."""

    claims: dict[str, Claims]
    starts: tuple[int, ...]
    comparable: bool = True
    readable: bool = True

    def group(self, row: IbisColumn) -> ibis.Value:
        """The row group of file row ``row`` (0-based): a search over the
        groups' first rows, as nested CASEs of depth log2 of the groups."""

        def search(low: int, high: int) -> ibis.Value:
            if high - low == 1:
                return ibis.literal(low, "int32")
            middle = (low + high) // 2
            return ibis.ifelse(row < self.starts[middle], search(low, middle), search(middle, high))

        return search(0, len(self.starts) - 1)

    def failures(self, columns: dict[str, IbisColumn], group: IbisColumn) -> ibis.Value:
        """1 where the row in row group ``group`` (:meth:`group`) breaks the
        statistics of ``columns`` (file column name: the row's value), else
        0: a value below the group's least or above its greatest (NaN aside),
        a value in a group said to be all null or all NaN, a null in a group
        said to have none, a NaN in a group said to have no NaN."""
        failures = []
        for name, value in columns.items():
            claims = self.claims.get(name)
            if claims is None:
                continue
            kind = value.type()
            floating = kind.is_floating()

            def per_group(items: list, of=kind) -> ibis.Value:
                # One value for every group (the common case) needs no lookup.
                if all(item == items[0] for item in items) and items[0] is not None:
                    return ibis.literal(items[0], of)
                return ibis.literal(items, dt.Array(of))[group]

            # A null value, or a group without a bound, makes a comparison
            # null, which the CASE below counts as no failure.
            if any(v is not None for v in claims.low):
                failures.append(value < per_group(claims.low))
            if any(v is not None for v in claims.high):
                above = value > per_group(claims.high)
                # NaN sorts above every number in DuckDB; its claims are apart.
                failures.append(above & ~value.isnan() if floating else above)
            if any(claims.all_null):
                failures.append(value.notnull() & per_group(claims.all_null, dt.boolean))
            if any(claims.no_null):
                failures.append(value.isnull() & per_group(claims.no_null, dt.boolean))
            if floating and any(claims.no_nan):
                failures.append(value.isnan() & per_group(claims.no_nan, dt.boolean))
            if floating and any(claims.all_nan):
                present = value.notnull() & ~value.isnan()
                failures.append(present & per_group(claims.all_nan, dt.boolean))
        failed = ibis.or_(*failures) if failures else ibis.literal(False)
        return ibis.ifelse(failed, 1, 0)


def hold_statistics(engine: Engine, path) -> None:
    """Let ``engine`` read the Parquet file ``path`` by its statistics only
    where they hold, for a table read straight from a file
    (:meth:`cxexcel.engine.Engine.from_files`), which no input check holds
    to them: one pass over the file, and where a row breaks them, or they
    cannot be compared, the engine reads its files without them. Raises
    ValueError where DuckDB would read a column chunk as nulls because the
    footer says so while it holds values."""
    if engine.name != "duckdb":
        return
    table = engine.read_parquet(path, file_row_number=True)
    columns = [name for name in table.columns if name != "file_row_number"]
    statistics = footer_statistics(engine, path, columns)
    if statistics is None:
        return
    if not statistics.readable:
        raise ValueError(
            f"{path}: its footer says a column chunk holds only nulls, and it holds values"
        )
    if not statistics.comparable:
        engine.distrust_statistics()
        return
    rows = table.mutate(_cx_row_group=statistics.group(table["file_row_number"]))
    failed = statistics.failures({name: rows[name] for name in columns}, rows["_cx_row_group"])
    with engine.statistics_unused():
        found = engine.execute(failed.max())
    if not pd.isna(found) and int(found) == 1:  # None or NaN: no rows
        engine.distrust_statistics()


def footer_statistics(engine: Engine, path, columns: list[str]) -> FooterStatistics | None:
    """The statistics of ``columns`` in the footer of the Parquet file
    ``path``; None when it has none to compare."""
    path = str(path)
    rows = engine.backend.raw_sql(
        "SELECT row_group_id, row_group_num_rows, path_in_schema, stats_min, stats_max,"
        " stats_min_value, stats_max_value, stats_null_count, stats_nan_count,"
        " bloom_filter_offset IS NOT NULL, num_values FROM parquet_metadata(?)",
        parameters=[path],
    ).fetchall()
    frame = pd.DataFrame(rows, columns=["rg", "rows", *_FIELDS, "bloom", "values"])
    sizes = frame.groupby("rg")["rows"].max().sort_index()
    starts = [0, *accumulate(int(size) for size in sizes)]
    # Every column: a chunk read as nulls could make a row look blank.
    if not _all_null_claims_hold(path, frame):
        return FooterStatistics({}, tuple(starts), comparable=False, readable=False)
    frame = frame[frame["col"].isin(columns)]
    if not frame[list(_FIELDS[1:])].notna().any(axis=None) and not frame["bloom"].any():
        return None
    if (
        list(sizes.index) != list(range(len(sizes)))
        or len(sizes) > MAX_ROW_GROUPS
        or frame["bloom"].any()
        or not set(columns) <= set(frame["col"])
    ):
        return FooterStatistics({}, tuple(starts), comparable=False)
    types = dict(
        engine.backend.raw_sql(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
            parameters=[path],
        ).fetchall()
    )
    claims = {}
    for name, part in frame.groupby("col"):
        if not _COMPARABLE.fullmatch(types.get(name, "")):
            return FooterStatistics({}, tuple(starts), comparable=False)
        part = part.set_index("rg").reindex(range(len(sizes)))
        found = _claims(engine, part, types[name], sizes)
        if found is None:
            return FooterStatistics({}, tuple(starts), comparable=False)
        claims[name] = found
    return FooterStatistics(claims, tuple(starts))


def _all_null_claims_hold(path: str, frame: pd.DataFrame) -> bool:
    """Whether every column chunk the statistics call all null (``frame``:
    one row per row group and column) holds no value as pyarrow decodes it.
    A chunk pyarrow cannot decode raises, and the in-memory path says why."""
    said = frame[
        frame["nulls"].notna()
        & ((frame["nulls"] == frame["rows"]) | (frame["nulls"] == frame["values"]))
    ]
    if said.empty:
        return True
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as file:
        for group, name in zip(said["rg"], said["col"], strict=True):
            chunk = file.read_row_group(int(group), columns=[name]).column(0)
            if chunk.null_count != len(chunk):
                return False
    return True


def _claims(engine: Engine, part: pd.DataFrame, kind: str, sizes: pd.Series) -> Claims | None:
    """A column's :class:`Claims` from its statistics as text (``part``, one
    row per row group), cast to its type ``kind`` by DuckDB; None where a
    stated bound does not cast (it cannot be compared)."""
    texts = {f: [None if pd.isna(v) else str(v) for v in part[f]] for f in _FIELDS[1:5]}
    cast = (
        f"SELECT greatest(TRY_CAST(lo_old AS {kind}), TRY_CAST(lo_new AS {kind})),"
        f" least(TRY_CAST(hi_old AS {kind}), TRY_CAST(hi_new AS {kind})),"
        f" (lo_old IS NOT NULL AND TRY_CAST(lo_old AS {kind}) IS NULL)"
        f" OR (lo_new IS NOT NULL AND TRY_CAST(lo_new AS {kind}) IS NULL)"
        f" OR (hi_old IS NOT NULL AND TRY_CAST(hi_old AS {kind}) IS NULL)"
        f" OR (hi_new IS NOT NULL AND TRY_CAST(hi_new AS {kind}) IS NULL)"
        " FROM (SELECT unnest(?::VARCHAR[]) AS lo_old, unnest(?::VARCHAR[]) AS hi_old,"
        " unnest(?::VARCHAR[]) AS lo_new, unnest(?::VARCHAR[]) AS hi_new,"
        " generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i"
    )
    lists = [texts[f] for f in _FIELDS[1:5]]
    bounds = engine.backend.raw_sql(cast, parameters=[*lists, lists[0]]).fetchall()
    if any(unreadable for _, _, unreadable in bounds):
        return None
    low, high = [b[0] for b in bounds], [b[1] for b in bounds]
    if kind == "TIMESTAMP_NS":  # Python's datetime keeps microseconds: widen by one
        step = _datetime.timedelta(microseconds=1)
        low = [None if v is None else v - step for v in low]
        high = [None if v is None else v + step for v in high]
    rows = [int(n) for n in sizes]
    nulls = [None if pd.isna(v) else int(v) for v in part["nulls"]]
    nans = [None if pd.isna(v) else int(v) for v in part["nans"]]
    return Claims(
        low=low,
        high=high,
        all_null=[n is not None and n == r for n, r in zip(nulls, rows, strict=True)],
        no_null=[n == 0 for n in nulls],
        no_nan=[n == 0 for n in nans],
        all_nan=[
            n is not None and n + (u or 0) == r for n, u, r in zip(nans, nulls, rows, strict=True)
        ],
    )
