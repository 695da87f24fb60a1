"""Parquet inputs checked and reduced by the engine where they lie.

``read_tables(..., engine=...)`` gives Responses and Subscriptions from
Parquet files as engine tables; their clean columns equal the in-memory
path's, every bad value gets the in-memory path's message word for word,
and ``cxexcel report`` writes the same workbook either way.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from ibis.expr.types import Table

from cxexcel import engine as engines
from cxexcel.engine.inputs import ENGINE_TABLES
from cxexcel.errors import TableError
from cxexcel.sample_data import generate
from cxexcel.tables import check_tables, read_checked, read_tables


@pytest.fixture(scope="module")
def sample():
    return generate()


@pytest.fixture
def engine_only(monkeypatch):
    """Fail if the engine path lets Responses or Subscriptions be loaded into
    memory (the in-memory path's own calls, without an engine, still load)."""
    import cxexcel.tables as tables

    loading = tables.load

    def load(raw):
        if raw.name in ENGINE_TABLES and _engine_call.get("on"):
            raise AssertionError(f"{raw.name} was loaded into memory")
        return loading(raw)

    monkeypatch.setattr(tables, "load", load)
    return _engine_call


_engine_call: dict = {}


def read_in_engine(folder, engine):
    _engine_call["on"] = True
    try:
        return read_tables(folder, engine=engine)
    finally:
        _engine_call["on"] = False


def write(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def same_values(a: pd.Series, b: pd.Series) -> bool:
    both_blank = a.isna().to_numpy() & b.isna().to_numpy()
    equal = (a.to_numpy(dtype=object) == b.to_numpy(dtype=object)) | both_blank
    return bool(np.all(equal))


def test_engine_tables_hold_the_clean_columns_of_the_in_memory_path(tmp_path, sample, engine_only):
    folder = write(tmp_path / "in", sample)
    engine = engines.connect()
    checked = read_in_engine(folder, engine)
    in_memory = read_tables(folder)
    assert isinstance(checked["Responses"], Table)
    assert isinstance(checked["Subscriptions"], Table)
    assert isinstance(checked["Orders"], pd.DataFrame)  # small tables stay in memory
    for name in ("Responses", "Subscriptions"):
        frame = engine.execute(checked[name].order_by("_row"))
        assert frame["_row"].tolist() == list(range(len(frame)))
        expected = in_memory[name]
        assert list(frame.columns[:-1]) == list(expected.columns)
        for column in expected.columns:
            assert same_values(frame[column], expected[column]), (name, column)


def _padded(frame):
    out = frame.copy()
    out["segment"] = out["segment"].astype(object)
    out.loc[1, "segment"], out.loc[2, "segment"], out.loc[3, "segment"] = " SMB", "SMB\t", "  "
    out.loc[4, "comment"] = ""
    return out


#: Text around which Python's str.strip() (the in-memory path) removes
#: whitespace, ASCII or not, and text it keeps as it is.
WIDE_PADDING = [
    "\xa0SMB",
    "SMB\u3000",
    "\x1cSMB\x1f",
    "\u2028",
    "\u2000\u200a",
    "\x0bSMB\x0c",
    "\x01SMB",  # a control character that is not whitespace stays
    "\u200bSMB",  # a zero-width space is not whitespace either
    "S M B",
    "vtnrf fav",  # letters Spark once read as escapes
]


def _wide_padding(frame):
    out = frame.copy()
    out["segment"] = out["segment"].astype(object)
    for row, text in enumerate(WIDE_PADDING, start=1):
        out.loc[row, "segment"] = text
    return out


def _nan_scores(frame):
    out = frame.copy()
    out.loc[[0, 5], "nps"] = np.nan
    return out


def _blank_row(frame):
    blank = pd.DataFrame({c: [None] for c in frame.columns}).astype(frame.dtypes.to_dict())
    return pd.concat([frame.iloc[:7], blank, frame.iloc[7:]], ignore_index=True)


@pytest.mark.parametrize(
    "change",
    [_padded, _wide_padding, _nan_scores, _blank_row, lambda f: f],
    ids=["padded", "wide padding", "nan", "blank", "as is"],
)
def test_clean_columns_follow_the_data_as_in_memory(tmp_path, sample, change, engine_only):
    """The clean expression skips TRIM and NaN tests a column does not need;
    with or without them, the values are the in-memory path's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = change(sample["Responses"].head(300).reset_index(drop=True))
    folder = tmp_path / "in"
    folder.mkdir()
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    for name in ("nps", "csat", "ces"):  # blanks as NaN, not null, as some writers do
        column = pa.array(frame[name].to_numpy(dtype=float), from_pandas=False)
        arrow = arrow.set_column(arrow.schema.get_field_index(name), name, column)
    pq.write_table(arrow, folder / "Responses.parquet")
    engine = engines.connect()
    table = read_in_engine(folder, engine)["Responses"]
    checked = engine.execute(table.order_by("_row"))
    expected = read_tables(folder)["Responses"]
    assert len(checked) == len(expected) > 0
    for column in expected.columns:
        assert same_values(checked[column], expected[column]), column
        # A blank is null in the engine (a NaN would count as an answer there).
        filled = int(engine.execute(table[column].notnull().sum()))
        assert filled == int(expected[column].notna().sum()), column


def bad(sample, table: str, column: str, row: int, value, dtype=None) -> dict:
    frame = sample[table].copy()
    if dtype is not None:
        frame[column] = frame[column].astype(dtype)
    frame.loc[row, column] = value
    return {table: frame}


CASES = {
    "score above scale": ("Responses", "nps", 5, 11.0, None),
    "score not whole": ("Responses", "nps", 7, 8.5, None),
    "negative score": ("Responses", "csat", 9, -1.0, None),
    "csat zero": ("Responses", "csat", 3, 0.0, None),
    "negative mrr": ("Subscriptions", "mrr", 12, -5.0, None),
    "huge mrr": ("Subscriptions", "mrr", 14, 1e16, None),
    "infinite mrr": ("Subscriptions", "mrr", 15, np.inf, None),
    "blank customer": ("Subscriptions", "customer_id", 20, None, None),
    "blank month": ("Subscriptions", "month", 21, pd.NaT, None),
    "date before 1900": ("Responses", "date", 4, pd.Timestamp("1899-12-31"), None),
    "date after 2199": ("Responses", "date", 6, pd.Timestamp("2200-01-01"), None),
    "whitespace customer": ("Subscriptions", "customer_id", 8, "   ", None),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_value_gets_the_in_memory_message(tmp_path, sample, case, engine_only):
    table, column, row, value, dtype = CASES[case]
    folder = write(tmp_path / "in", bad(sample, table, column, row, value, dtype))
    with pytest.raises(TableError) as in_memory:
        read_tables(folder)
    with pytest.raises(TableError) as checked:
        read_in_engine(folder, engines.connect())
    assert str(checked.value) == str(in_memory.value)
    assert (checked.value.table, checked.value.column, checked.value.row) == (
        in_memory.value.table,
        in_memory.value.column,
        in_memory.value.row,
    )
    assert f"row {row + 1}," in str(checked.value)


@pytest.mark.parametrize("every", [1, 3, 5])
def test_several_bad_rows_per_column_are_named_as_in_memory(tmp_path, sample, every, engine_only):
    """cxexcel check --per-column N: the first N bad rows of each column, the
    last saying how many more, word for word the in-memory path's."""
    responses = sample["Responses"].copy()
    responses.loc[[3, 9, 40, 41, 90, 200, 201], "nps"] = 11.0
    responses.loc[[5, 60], "csat"] = 0.0
    responses.loc[7, "date"] = pd.NaT
    subscriptions = sample["Subscriptions"].copy()
    subscriptions.loc[[2, 4, 6, 8], "mrr"] = -5.0
    folder = write(tmp_path / "in", {"Responses": responses, "Subscriptions": subscriptions})
    _, in_memory = read_checked(folder, every=every)
    _engine_call["on"] = True
    try:
        tables, checked = read_checked(folder, engine=engines.connect(), every=every)
    finally:
        _engine_call["on"] = False
    assert [str(e) for e in checked] == [str(e) for e in in_memory]
    assert [(e.column, e.row) for e in checked] == [(e.column, e.row) for e in in_memory]
    assert len(checked) == min(every, 7) + min(every, 2) + 1 + min(every, 4)
    assert ("(and 4 more bad rows in nps)" in str(checked[every])) == (every == 3)


def test_check_reads_parquet_on_the_engine(tmp_path, sample, engine_only, capsys):
    """cxexcel check checks a Parquet table where it lies (never loading it)
    and counts its rows on the engine."""
    from cxexcel import cli

    folder = write(tmp_path / "in", {"Responses": sample["Responses"]})
    _engine_call["on"] = True
    try:
        code = cli.main(["check", str(folder)])
    finally:
        _engine_call["on"] = False
    assert code == 0
    assert f"Responses: {len(sample['Responses']):,} rows, no problems" in capsys.readouterr().out


def test_blank_rows_are_skipped_and_rows_keep_their_file_numbers(tmp_path, sample, engine_only):
    frame = sample["Subscriptions"].head(50).copy()
    blank = pd.DataFrame({c: [None] * 3 for c in frame.columns}).astype(frame.dtypes.to_dict())
    frame = pd.concat([frame.iloc[:10], blank, frame.iloc[10:]], ignore_index=True)
    frame.loc[30, "mrr"] = -1.0
    folder = write(tmp_path / "in", {"Subscriptions": frame})
    in_memory = check_tables(folder)
    with pytest.raises(TableError) as checked:
        read_in_engine(folder, engines.connect())
    assert [str(e) for e in in_memory] == [str(checked.value)]
    assert "row 31," in str(checked.value)


def test_whole_number_ids_and_nan_blanks_read_as_in_memory(tmp_path, sample, engine_only):
    frame = sample["Subscriptions"].head(200).copy()
    frame["customer_id"] = np.arange(len(frame)) % 37 + 1001
    frame.loc[5, "mrr"] = np.nan  # a blank amount: allowed in no row, named as in memory
    folder = write(tmp_path / "in", {"Subscriptions": frame})
    with pytest.raises(TableError) as in_memory:
        read_tables(folder)
    with pytest.raises(TableError) as checked:
        read_in_engine(folder, engines.connect())
    assert str(checked.value) == str(in_memory.value)
    frame.loc[5, "mrr"] = 10.0
    write(tmp_path / "in", {"Subscriptions": frame})
    engine = engines.connect()
    table = engine.execute(read_in_engine(folder, engine)["Subscriptions"].order_by("_row"))
    assert (
        table["customer_id"].tolist()
        == read_tables(folder)["Subscriptions"]["customer_id"].tolist()
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.assign(
            nps=f["nps"].map(lambda v: "" if pd.isna(v) else str(int(v))).where(f.index != 3, "ten")
        ),
        lambda f: f.assign(date=f["date"].dt.tz_localize("Europe/Berlin")),
    ],
    ids=["text in a score column", "dates with a time zone"],
)
def test_columns_the_engine_does_not_check_take_the_in_memory_path(tmp_path, sample, change):
    frame = change(sample["Responses"].copy())
    folder = write(tmp_path / "in", {"Responses": frame})
    in_memory = check_tables(folder)
    engine = engines.connect()
    try:
        result = read_tables(folder, engine=engine)
    except TableError as error:
        assert [str(e) for e in in_memory][:1] == [str(error)]
    else:
        assert in_memory == []
        assert isinstance(result["Responses"], pd.DataFrame)


def test_a_span_of_centuries_in_parquet_is_refused_as_in_memory(tmp_path, sample):
    frame = sample["Subscriptions"].copy()
    frame.loc[7, "month"] = pd.Timestamp("1901-03-01")
    frame.loc[9, "month"] = pd.Timestamp("2190-01-01")
    folder = write(tmp_path / "in", {"Subscriptions": frame})
    from cxexcel.report.build import build_report

    with pytest.raises(TableError) as in_memory:
        build_report(read_tables(folder))
    engine = engines.connect()
    with pytest.raises(TableError) as checked:
        build_report(read_tables(folder, engine=engine), engine=engine)
    assert str(checked.value) == str(in_memory.value)


def cells(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def test_the_report_from_parquet_equals_the_report_from_csv(tmp_path, sample):
    parquet = write(tmp_path / "parquet", sample)
    csv = tmp_path / "csv"
    csv.mkdir()
    for name, frame in sample.items():
        frame.to_csv(csv / f"{name}.csv", index=False)
    outputs = []
    for folder in (parquet, csv):
        out = tmp_path / f"{folder.name}.xlsx"
        done = subprocess.run(
            [sys.executable, "-m", "cxexcel", "report", str(folder), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(cells(out))
    parquet_cells, csv_cells = outputs
    assert parquet_cells.keys() == csv_cells.keys()
    for key, value in csv_cells.items():
        other = parquet_cells[key]
        if isinstance(value, float):
            assert other == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert other == value, key


def test_hostile_parquet_files_get_the_in_memory_answers(tmp_path, sample):
    import pyarrow as pa
    import pyarrow.parquet as pq

    cases = {}
    good = tmp_path / "good.parquet"
    sample["Responses"].to_parquet(good, index=False)
    data = good.read_bytes()
    cases["truncated"] = data[: len(data) // 2]
    cases["garbage"] = b"PAR1" + b"\x00" * 64 + b"PAR1"
    nested = pa.table({"date": pa.array([pd.Timestamp("2024-01-01")]), "nps": pa.array([[1, 2]])})
    path = tmp_path / "nested.parquet"
    pq.write_table(nested, path)
    cases["nested"] = path.read_bytes()
    empty = sample["Responses"].iloc[:0]
    empty.to_parquet(path, index=False)
    cases["no rows"] = path.read_bytes()
    clash = sample["Responses"].head(20).assign(file_row_number=range(20))
    clash.to_parquet(path, index=False)
    cases["a column named file_row_number"] = path.read_bytes()
    for label, content in cases.items():
        folder = tmp_path / label.replace(" ", "-")
        folder.mkdir()
        (folder / "Responses.parquet").write_bytes(content)
        expected = [str(e) for e in check_tables(folder)]
        try:
            read_tables(folder, engine=engines.connect())
        except TableError as error:
            assert expected[:1] == [str(error)], label
        else:
            assert expected == [], label


def test_the_last_character_on_duckdb_is_the_portable_one():
    """The check reads DuckDB's text[-1] for the last character, not RIGHT(text, 1)
    (half the time): the same code point, or '' for '', on awkward text."""
    import random

    import ibis

    from cxexcel.engine.inputs import _last_character

    rng = random.Random(5)
    pieces = ["a", " ", "\t", "\u3000", "\u0301", "é", "\U0001f600", "\u200d", "\x7f", "\xa0"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(3000)]
    table = ibis.memtable(pd.DataFrame({"s": [*texts, *WIDE_PADDING, None]}))
    picked = engines.connect().execute(
        table.select(
            fast=_last_character(table.s, True).ascii_str(),
            portable=_last_character(table.s, False).ascii_str(),
        )
    )
    expected = [ord(t[-1]) if t else 0 for t in [*texts, *WIDE_PADDING]]
    assert picked["fast"].iloc[:-1].astype(int).tolist() == expected
    assert picked["portable"].iloc[:-1].astype(int).tolist() == expected
    assert picked[["fast", "portable"]].iloc[-1].isna().all()


@pytest.mark.parametrize(
    ("day", "as_dates", "truncated"),
    [(1, True, False), (15, True, True), (1, False, True), (15, False, True)],
    ids=[
        "dates on the 1st",
        "dates on the 15th",
        "timestamps on the 1st",
        "timestamps on the 15th",
    ],
)
def test_months_on_their_first_day_are_not_truncated_again(
    tmp_path, sample, day, as_dates, truncated, engine_only
):
    """A Parquet month column of dates on the 1st is its own clean month (no
    DATE_TRUNC per row); any later day, or a timestamp column, is truncated;
    either way the months are the in-memory path's."""
    import ibis
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = sample["Subscriptions"].head(500).reset_index(drop=True)
    months = frame["month"].dt.to_period("M").dt.to_timestamp()
    months.iloc[7] = months.iloc[7] + pd.Timedelta(days=day - 1)
    arrow = pa.Table.from_pandas(frame.assign(month=months), preserve_index=False)
    if as_dates:
        column = arrow.column("month").cast(pa.date32())
        arrow = arrow.set_column(arrow.schema.get_field_index("month"), "month", column)
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(arrow, folder / "Subscriptions.parquet")
    engine = engines.connect()
    table = read_in_engine(folder, engine)["Subscriptions"]
    assert ("DATE_TRUNC" in ibis.to_sql(table)) is truncated
    checked = engine.execute(table.order_by("_row"))
    expected = read_tables(folder)["Subscriptions"]
    assert same_values(checked["month"], expected["month"])
    assert checked["month"].iloc[7] == months.iloc[7].to_period("M").to_timestamp()
