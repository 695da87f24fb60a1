"""A Parquet file's statistics are compared with its rows before DuckDB may
skip row groups by them; a file whose statistics lie is read without them.

The lying files are written by pyarrow and then patched in their footer
only (the statistics' bytes), as a crafted or damaged file would be.
"""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
import sys
from pathlib import Path

import ibis
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ibis.expr.types import Table

from cxexcel.engine import connect, parquet_statistics
from cxexcel.tables import read_checked


def subscriptions(path: Path, amounts: list[float], **options) -> Path:
    table = pa.table(
        {
            "customer_id": [f"C{i}" for i in range(len(amounts))],
            "month": [dt.date(2024, 1 + i % 3, 1) for i in range(len(amounts))],
            "mrr": amounts,
        }
    )
    pq.write_table(table, path, compression="NONE", **options)
    return path


def patched_footer(path: Path, old: bytes, new: bytes) -> Path:
    """``path`` with every ``old`` in its footer (the statistics) made ``new``."""
    data = bytearray(path.read_bytes())
    length = struct.unpack("<I", data[-8:-4])[0]
    start = len(data) - 8 - length
    footer = bytes(data[start:-8])
    assert old in footer and len(old) == len(new)
    data[start:-8] = footer.replace(old, new)
    path.write_bytes(bytes(data))
    return path


def double(value: float) -> bytes:
    return struct.pack("<d", value)


def holds(path: Path) -> bool:
    """Whether the engine's check of the file (as the only table of its
    folder) leaves the statistics trusted; the check must run on the engine."""
    engine = connect()
    tables, problems = read_checked(path, engine=engine)
    assert isinstance(next(iter(tables.values())), Table), problems
    return not pushdown_off(engine)


def pushdown_off(engine) -> bool:
    return "filter_pushdown" in disabled(engine)


def disabled(engine) -> str:
    return engine.backend.raw_sql("SELECT current_setting('disabled_optimizers')").fetchall()[0][0]


def test_the_statistics_pyarrow_writes_hold(tmp_path):
    # Nulls, NaN, texts, dates and times of day, in row groups of uneven sizes.
    path = tmp_path / "Responses.parquet"
    rows = 2_500
    table = pa.table(
        {
            "date": [dt.datetime(2024, 1, 1) + dt.timedelta(hours=7 * i) for i in range(rows)],
            "nps": [None if i % 7 == 0 else i % 11 for i in range(rows)],
            "csat": [float("nan") if i % 13 == 0 else float(1 + i % 5) for i in range(rows)],
            "customer_id": [None if i % 5 == 0 else f"C{i % 97}é" for i in range(rows)],
        }
    )
    with pq.ParquetWriter(path, table.schema) as writer:
        for start, stop in ((0, 1_000), (1_000, 1_100), (1_100, rows)):
            writer.write_table(table.slice(start, stop - start), row_group_size=700)
    assert pq.ParquetFile(path).metadata.num_row_groups == 5
    assert holds(path)


def test_a_file_without_statistics_holds(tmp_path):
    path = subscriptions(tmp_path / "Subscriptions.parquet", [5.0, 6.0], write_statistics=False)
    assert holds(path)


@pytest.mark.parametrize(
    ("amounts", "old", "new"),
    [
        ([5.0, 2.0, 6.0], double(2.0), double(4.0)),  # a minimum above a row
        ([5.0, 6.0, 10.0], double(10.0), double(7.0)),  # a maximum below a row
    ],
    ids=["minimum", "maximum"],
)
def test_an_amount_outside_its_statistics_is_found(tmp_path, amounts, old, new):
    path = patched_footer(subscriptions(tmp_path / "Subscriptions.parquet", amounts), old, new)
    assert not holds(path)


def test_each_row_is_held_to_its_own_row_groups_bounds(tmp_path):
    # Groups [1, 2] and [8, 9]: the first said to end at 1.5. The file's
    # bounds taken together (1 to 9) hold every row; the first group's do not.
    amounts = [1.0, 2.0, 8.0, 9.0]
    path = subscriptions(tmp_path / "Subscriptions.parquet", amounts, row_group_size=2)
    assert holds(path)
    patched_footer(path, double(2.0), double(1.5))
    assert pq.ParquetFile(path).metadata.row_group(0).column(2).statistics.max == 1.5
    assert not holds(path)


def test_a_text_outside_its_statistics_is_found(tmp_path):
    path = subscriptions(tmp_path / "Subscriptions.parquet", [5.0, 6.0, 7.0])
    patched_footer(path, b"C0", b"C1")  # the minimum id said to be C1: row C0 is below it
    assert not holds(path)


def test_values_in_a_group_said_to_be_all_null_are_found(tmp_path):
    path = tmp_path / "Responses.parquet"
    dates = [dt.datetime(2024, 1, 1 + i) for i in range(4)]
    pq.write_table(pa.table({"date": dates, "nps": [3, 4, 5, 9]}), path, compression="NONE")
    assert holds(path)
    # Statistics field 3 (null_count, zigzag varint) right after nps's minimum: 0 -> 4.
    minimum = struct.pack("<q", 3)
    patched_footer(path, minimum + b"\x16\x00", minimum + b"\x16\x08")
    assert pq.ParquetFile(path).metadata.row_group(0).column(1).statistics.null_count == 4
    # DuckDB reads such a chunk as nulls without decoding it: the in-memory path reads it.
    tables, problems = read_checked(path, engine=connect())
    assert problems == []
    assert isinstance(tables["Responses"], pd.DataFrame)
    assert tables["Responses"]["nps"].tolist() == [3, 4, 5, 9]


def test_a_null_in_a_group_said_to_have_none_is_found(tmp_path):
    path = tmp_path / "Responses.parquet"
    dates = [dt.datetime(2024, 1, 1 + i) for i in range(4)]
    pq.write_table(pa.table({"date": dates, "nps": [3, None, 5, 9]}), path, compression="NONE")
    assert holds(path)
    minimum = struct.pack("<q", 3)
    patched_footer(path, minimum + b"\x16\x02", minimum + b"\x16\x00")  # null_count 1 -> 0
    assert not holds(path)


def test_a_column_said_to_be_all_null_outside_the_schema_sends_the_file_to_memory(tmp_path):
    # DuckDB would read the extra column as nulls: the row holding only it would look blank.
    path = tmp_path / "Responses.parquet"
    table = pa.table(
        {
            "date": [dt.datetime(2024, 1, 1), None],
            "nps": [7, None],
            "note": pa.array([None, 12345], pa.int64()),
        }
    )
    pq.write_table(table, path, compression="NONE")
    minimum = struct.pack("<q", 12345)
    patched_footer(path, minimum + b"\x16\x02", minimum + b"\x16\x04")  # null_count 1 -> 2
    assert pq.ParquetFile(path).metadata.row_group(0).column(2).statistics.null_count == 2
    tables, problems = read_checked(path, engine=connect())
    assert [str(p) for p in problems] == [
        "Responses.parquet row 2, column date: empty cell (date is required)"
    ]


def test_timestamps_in_nanoseconds_hold(tmp_path):
    path = tmp_path / "Responses.parquet"
    dates = pd.to_datetime(["2024-01-01 00:00:00.000000001", "2024-03-01 10:00:00.123456789"])
    pq.write_table(pa.table({"date": pa.array(dates, pa.timestamp("ns")), "nps": [3, 4]}), path)
    assert holds(path)


def test_the_newest_row_is_found_in_a_file_whose_dates_lie(tmp_path):
    # Row group 2 says its dates are from 2023 while they are from June 2025:
    # ORDER BY date DESC LIMIT 1 skipped it by its maximum, before distrust.
    n = 50_000
    dates = [dt.datetime(2024, 1, 1) + dt.timedelta(seconds=i) for i in range(n)]
    dates += [dt.datetime(2025, 6, 1) + dt.timedelta(seconds=i) for i in range(n)]
    table = pa.table(
        {"date": pa.array(dates, pa.timestamp("us")), "nps": [i % 11 for i in range(2 * n)]}
    )
    path = tmp_path / "Responses.parquet"
    pq.write_table(table, path, row_group_size=n, compression="NONE")

    def micros(moment: dt.datetime) -> bytes:
        return struct.pack("<q", int(moment.replace(tzinfo=dt.UTC).timestamp() * 1e6))

    patched_footer(path, micros(dates[n]), micros(dt.datetime(2023, 1, 1)))
    patched_footer(path, micros(dates[-1]), micros(dt.datetime(2023, 1, 2)))
    engine = connect()
    tables, problems = read_checked(path, engine=engine)
    assert problems == [] and pushdown_off(engine)
    responses = tables["Responses"]
    engine.backend.raw_sql("SET threads = 1")  # row group 1's bound is known before group 2
    newest = engine.execute(responses.order_by(ibis.desc("date")).limit(1))
    assert newest["date"].iloc[0] == pd.Timestamp(dates[-1])


def test_too_many_row_groups_are_not_compared(tmp_path, monkeypatch):
    path = subscriptions(tmp_path / "Subscriptions.parquet", [5.0, 6.0, 7.0], row_group_size=1)
    assert holds(path)
    monkeypatch.setattr(parquet_statistics, "MAX_ROW_GROUPS", 2)
    assert not holds(path)


def test_distrusting_statistics_turns_the_pushdowns_off():
    engine = connect()
    assert not pushdown_off(engine)
    engine.distrust_statistics()
    assert pushdown_off(engine)
    assert "statistics_propagation" in disabled(engine)


def summary(folder: Path) -> dict:
    out = folder / "out.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "cxexcel", "report", str(folder), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out)["CX Summary"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}


def test_a_file_saying_its_amounts_are_all_0_gives_the_true_mrr(tmp_path):
    # Whole amounts: a maximum of doubles skips nothing, as a NaN may lie
    # beyond it (parquet_can_have_nan); one of integers does.
    amounts = [5, 6, 7, 8, 9, 10]
    honest, lying = tmp_path / "honest", tmp_path / "lying"
    honest.mkdir()
    lying.mkdir()
    subscriptions(honest / "Subscriptions.parquet", amounts)
    path = subscriptions(lying / "Subscriptions.parquet", amounts)
    patched_footer(path, struct.pack("<q", 5), struct.pack("<q", 0))
    patched_footer(path, struct.pack("<q", 10), struct.pack("<q", 0))
    assert not holds(path)
    # Without the comparison DuckDB skipped the row group for "mrr > 0": MRR 0
    # (checked with the comparison's result ignored).
    expected = summary(honest)
    assert expected["MRR"] == 17 and expected["Customers"] == 2
    assert summary(lying) == expected


def test_a_lying_file_is_refused_where_its_rows_are_bad(tmp_path):
    path = subscriptions(tmp_path / "Subscriptions.parquet", [5.0, -7.0, 6.0])
    patched_footer(path, double(-7.0), double(1.0))
    done = subprocess.run(
        [sys.executable, "-m", "cxexcel", "report", str(tmp_path), "-o", str(tmp_path / "o.xlsx")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Subscriptions.parquet row 2, column mrr: -7 is negative" in done.stderr
    assert not (tmp_path / "o.xlsx").exists()


def early_customers(path: Path) -> list:
    """[rows of customers C0 and C1, whether the engine distrusts statistics]."""
    engine = connect()
    table = engine.from_files("Subscriptions", path)
    return [
        int(engine.execute(table.filter(table.customer_id < "C2").count())),
        pushdown_off(engine),
    ]


def test_a_table_read_straight_from_a_file_is_read_by_statistics_that_hold(tmp_path):
    amounts = [5.0, 6.0, 7.0, 8.0]
    honest = subscriptions(tmp_path / "honest.parquet", amounts)
    assert early_customers(honest) == [2, False]
    lying = subscriptions(tmp_path / "lying.parquet", amounts)
    patched_footer(lying, b"C0", b"C9")  # the least id said to be C9
    # Without the comparison DuckDB skipped the row group for "customer_id < 'C2'": 0 rows.
    assert early_customers(lying) == [2, True]
    # A glob over both: each file is held to its own statistics.
    assert early_customers(tmp_path / "*.parquet") == [4, True]


def test_a_chunk_said_to_be_all_null_is_refused_straight_from_a_file(tmp_path):
    path = tmp_path / "Responses.parquet"
    dates = [dt.datetime(2024, 1, 1 + i) for i in range(4)]
    pq.write_table(pa.table({"date": dates, "nps": [3, 4, 5, 9]}), path, compression="NONE")
    minimum = struct.pack("<q", 3)
    patched_footer(path, minimum + b"\x16\x00", minimum + b"\x16\x08")
    with pytest.raises(ValueError, match="holds only nulls"):
        connect().from_files("Responses", path)
