"""Input tables in a warehouse: checked and reduced where they live.

The sample data is loaded into a DuckDB database file, a real PostgreSQL
server and Spark (local mode), under other names (``analytics.*``); the
workbook built from each is the same, cell for cell, and its figures equal
the workbook built from the same tables as files. ``cxexcel report
--source URL --table NAME=TABLE`` does it from the command line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ibis
import openpyxl
import pandas as pd
import pytest

from cxexcel.engine import Engine
from cxexcel.errors import TableError
from cxexcel.report import build_report, write_workbook
from cxexcel.sample_data import generate
from cxexcel.tables import read_tables, read_warehouse

NAMES = {
    "Responses": "analytics.nps_answers",
    "Subscriptions": "analytics.customer_months",
    "Spend": "analytics.marketing_spend",
}
COMMENT_SECTIONS = ("Detractor comments (0-6)", "Promoter comments (9-10)")


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    tables = generate()
    return {name: tables[name] for name in NAMES}


def load(con, tables: dict[str, pd.DataFrame]) -> None:
    """The tables into schema/database ``analytics`` of ``con``."""
    if con.name == "pyspark":
        con.raw_sql("CREATE DATABASE IF NOT EXISTS analytics")
    else:
        con.raw_sql("CREATE SCHEMA IF NOT EXISTS analytics")
    for name, frame in tables.items():
        table = NAMES[name].split(".")[1]
        con.create_table(table, frame, database="analytics", overwrite=True)


def cells(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def workbook_from(engine: Engine, out: Path) -> dict:
    tables = read_warehouse(engine, NAMES)
    assert {name: isinstance(t, pd.DataFrame) for name, t in tables.items()} == {
        "Responses": False,
        "Subscriptions": False,
        "Spend": True,
    }
    write_workbook(build_report(tables, engine=engine), out)
    return cells(out)


def without_comments(values: dict) -> dict:
    """The cells above the comment lists of CX Surveys, and every other sheet."""
    starts = [
        int("".join(ch for ch in coordinate if ch.isdigit()))
        for (sheet, coordinate), value in values.items()
        if sheet == "CX Surveys" and value in COMMENT_SECTIONS
    ]
    first = min(starts) if starts else 10**9

    def row(coordinate: str) -> int:
        return int("".join(ch for ch in coordinate if ch.isdigit()))

    return {
        key: value for key, value in values.items() if key[0] != "CX Surveys" or row(key[1]) < first
    }


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, float):
            assert b[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert b[key] == value, key


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory, sample) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    con = ibis.duckdb.connect(str(path))
    load(con, sample)
    con.disconnect()
    return path


@pytest.fixture(scope="module")
def file_workbook(tmp_path_factory, sample) -> dict:
    folder = tmp_path_factory.mktemp("files")
    for name, frame in sample.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    out = folder / "files.xlsx"
    write_workbook(build_report(read_tables(folder)), out)
    return cells(out)


def test_duckdb_postgres_and_spark_make_the_same_workbook(
    tmp_path, duckdb_file, postgres_con, spark_con, sample, file_workbook
):
    books = {}
    duck = ibis.duckdb.connect(str(duckdb_file), read_only=True)
    for label, con in (("duckdb", duck), ("postgres", postgres_con), ("spark", spark_con)):
        if label != "duckdb":
            load(con, sample)
        books[label] = workbook_from(Engine(con), tmp_path / f"{label}.xlsx")
    assert_same(books["duckdb"], books["postgres"])
    assert_same(books["duckdb"], books["spark"])
    # The figures are those of the files; only the order of comments written
    # the same day may differ (a warehouse table has no row order).
    assert_same(without_comments(file_workbook), without_comments(books["duckdb"]))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cxexcel", "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_command_reads_a_postgres_warehouse(tmp_path, postgres_con, postgres_params, sample):
    load(postgres_con, sample)
    url = (
        f"postgres://{postgres_params['user']}@{postgres_params['host']}:"
        f"{postgres_params['port']}/{postgres_params['database']}"
    )
    out = tmp_path / "pg.xlsx"
    flags = [f"--table={name}={table}" for name, table in NAMES.items()]
    done = run_cli("--source", url, *flags, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    config = tmp_path / "tables.toml"
    lines = [f'source = "{url}"', "[tables]"]
    lines += [f'{name} = "{table}"' for name, table in NAMES.items()]
    config.write_text("\n".join(lines) + "\n")
    again = tmp_path / "pg-config.xlsx"
    done = run_cli("--tables", str(config), "-o", str(again))
    assert done.returncode == 0, done.stderr
    assert cells(out) == cells(again)
    assert openpyxl.load_workbook(out).sheetnames[:3] == ["CX Summary", "CX Surveys", "CX Revenue"]


def test_a_bad_value_in_a_warehouse_names_table_column_and_row(postgres_con, sample):
    frame = sample["Responses"].copy()
    frame.loc[17, "nps"] = 11.0
    postgres_con.raw_sql("CREATE SCHEMA IF NOT EXISTS broken")
    postgres_con.create_table("answers", frame, database="broken", overwrite=True)
    with pytest.raises(TableError) as raised:
        read_warehouse(Engine(postgres_con), {"Responses": "broken.answers"})
    message = str(raised.value)
    assert message.startswith("broken.answers, the row with date ")
    assert message.endswith(", column nps: 11 is not a score (nps must be a whole number 0-10)")
    assert (raised.value.table, raised.value.column) == ("Responses", "nps")


@pytest.mark.parametrize("where", ["postgres", "spark"])
def test_text_is_stripped_and_blank_as_in_memory(request, where, sample, tmp_path):
    """Python's whitespace, ASCII or not, around text and alone in a cell."""
    from tests.engine.test_inputs import WIDE_PADDING

    con = request.getfixturevalue(f"{where}_con")
    frame = sample["Responses"].head(40).reset_index(drop=True)
    frame["segment"] = frame["segment"].astype(object)
    for row, text in enumerate(WIDE_PADDING):
        frame.loc[row, "segment"] = text
    frame.loc[len(WIDE_PADDING), "comment"] = "\u3000 \t"
    load(con, {"Responses": frame})
    table = read_warehouse(Engine(con), {"Responses": NAMES["Responses"]})["Responses"]
    got = con.execute(table).sort_values("date", kind="stable")
    frame.to_csv(tmp_path / "Responses.csv", index=False)
    expected = read_tables(tmp_path)["Responses"].sort_values("date", kind="stable")
    for column in ("segment", "comment"):
        assert _texts(got[column]) == _texts(expected[column]), column


def _texts(column: pd.Series) -> list:
    return [None if pd.isna(value) else value for value in column]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--table", "Responses=analytics.nps_answers"], "give the warehouse with --source"),
        (["--source", "duckdb://"], "--source needs --table NAME=TABLE"),
        (["--source", "duckdb://", "--table", "Responses"], "write NAME=TABLE"),
        (["--source", "duckdb://", "--table", "Nope=x"], "Nope: not an input table"),
        (
            ["--source", "duckdb://", "--table", "Responses=analytics.missing"],
            "Responses: cannot read the warehouse table analytics.missing",
        ),
        (
            ["--source", "postgres://nobody@127.0.0.1:1/none", "--table", "Responses=x"],
            "cannot connect to postgres://127.0.0.1:1/none",
        ),
    ],
)
def test_bad_warehouse_arguments_are_one_line_and_exit_2(tmp_path, flags, message):
    out = tmp_path / "out.xlsx"
    done = run_cli(*flags, "-o", str(out))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert message in done.stderr
    assert not out.exists()
