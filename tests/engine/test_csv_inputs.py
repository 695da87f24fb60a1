"""CSV inputs read and checked by the engine (cxexcel.engine.csv_inputs).

Every test compares the two roads on the same folder: ``read_checked``
without an engine (pandas and the in-memory validator) and with one (DuckDB
where it can show it reads the file alike, else the in-memory path). The
tables must hold the same values in the same rows and the problems must be
the same, word for word; and each test says which road the file takes, so
a test cannot pass by always declining.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.expr.types import Table

import cxexcel.engine.csv_inputs as csv_inputs
import cxexcel.tables as tables_module
from cxexcel import engine as engines
from cxexcel.sample_data import generate
from cxexcel.tables import read_checked

ROOT = Path(__file__).resolve().parents[2]

ENGINE = "engine"  # DuckDB read it and the engine checked it
DECLINED = "declined"  # DuckDB read it, but the check left it to the in-memory path
IN_MEMORY = "in memory"  # DuckDB's reading was not used (refused, or not shown alike)


@pytest.fixture(scope="module")
def engine():
    return engines.connect()


@pytest.fixture(scope="module")
def sample():
    return generate()


class Roads:
    """Which road each CSV table took in a read, seen from the two calls
    that decide it: ``csv_inputs.load`` (DuckDB read it alike, or not) and
    the in-memory ``load`` of a table DuckDB had read (the check declined)."""

    def __init__(self, monkeypatch):
        self.read: dict[str, bool] = {}
        self.declined: set[str] = set()
        real_read, real_load = csv_inputs.load, tables_module.load

        def read(engine, path, layout, header, schema, reading):
            result = real_read(engine, path, layout, header, schema, reading)
            self.read[schema.name] = result is not None
            return result

        def load(raw):
            if raw.csv is not None:
                self.declined.add(raw.name)
            return real_load(raw)

        monkeypatch.setattr(csv_inputs, "load", read)
        monkeypatch.setattr(tables_module, "load", load)

    def of(self, table: str) -> str:
        if not self.read.get(table):
            return IN_MEMORY
        return DECLINED if table in self.declined else ENGINE

    def clear(self) -> None:
        self.read.clear()
        self.declined.clear()


@pytest.fixture
def roads(monkeypatch):
    return Roads(monkeypatch)


def materialised(engine, table) -> pd.DataFrame:
    if isinstance(table, Table):
        frame = engine.execute(table.order_by("_row"))
        return frame.drop(columns="_row").reset_index(drop=True)
    return table


def same_values(a: pd.Series, b: pd.Series) -> bool:
    both_blank = a.isna().to_numpy() & b.isna().to_numpy()
    equal = (a.to_numpy(dtype=object) == b.to_numpy(dtype=object)) | both_blank
    return bool(np.all(equal))


def problems(errors) -> list[tuple]:
    return [(str(e), e.table, e.column, e.row, e.cell) for e in errors]


def compare(folder: Path, engine, **options) -> dict:
    """Read ``folder`` both ways; assert the same tables and problems (or the
    same failure); the tables read with the engine, materialised."""
    outcomes = []
    for chosen in (None, engine):
        try:
            outcomes.append(read_checked(folder, engine=chosen, **options))
        except Exception as error:  # noqa: BLE001 - it must be the same either road
            outcomes.append(error)
    if isinstance(outcomes[0], Exception) or isinstance(outcomes[1], Exception):
        assert [type(o).__name__ for o in outcomes] == [type(outcomes[0]).__name__] * 2
        assert str(outcomes[1]) == str(outcomes[0])
        return {}
    (expected, expected_errors), (got, got_errors) = outcomes
    assert problems(got_errors) == problems(expected_errors)
    assert got.keys() == expected.keys()
    frames = {}
    for name, frame in expected.items():
        mine = materialised(engine, got[name])
        assert list(mine.columns) == list(frame.columns), name
        assert len(mine) == len(frame), name
        for column in frame.columns:
            assert same_values(mine[column], frame[column]), (name, column)
        frames[name] = mine
    return frames


def folder_with(tmp_path: Path, name: str, content: bytes | str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    (folder / name).write_bytes(data)
    return folder


# -- the sample tables --------------------------------------------------------


def test_the_sample_tables_as_csv_take_the_engine_road(tmp_path, sample, engine, roads):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, frame in sample.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    compare(folder, engine)
    assert roads.of("Responses") == ENGINE
    assert roads.of("Subscriptions") == ENGINE
    got, _ = read_checked(folder, engine=engine)
    assert isinstance(got["Responses"], Table) and isinstance(got["Subscriptions"], Table)
    assert isinstance(got["Orders"], pd.DataFrame)  # small tables stay in memory


def test_the_report_is_the_same_either_road(tmp_path, sample, engine, roads):
    import openpyxl

    from cxexcel.report.build import build_report
    from cxexcel.report.openpyxl_writer import write_workbook
    from cxexcel.tables import read_tables

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("Responses", "Subscriptions"):
        sample[name].to_csv(folder / f"{name}.csv", index=False)
    books = []
    for tables in (read_tables(folder), read_tables(folder, engine=engine)):
        path = tmp_path / f"out{len(books)}.xlsx"
        write_workbook(build_report(tables, engine=engine), path)
        book = openpyxl.load_workbook(path)
        books.append(
            {
                (sheet.title, cell.coordinate): cell.value
                for sheet in book.worksheets
                for row in sheet.iter_rows()
                for cell in row
                if cell.value is not None
            }
        )
    assert roads.of("Responses") == ENGINE and roads.of("Subscriptions") == ENGINE
    assert books[0] == books[1]


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_million_rows_written_as_the_bench_writes_them_take_the_engine_road(
    tmp_path, engine, roads
):
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    scale = _bench_module()
    parquet = tmp_path / "Responses.parquet"
    scale.write_responses(parquet, 1_000_000, seed=1)
    folder = tmp_path / "in"
    folder.mkdir()
    pcsv.write_csv(pq.read_table(parquet), folder / "Responses.csv")
    got, errors = read_checked(folder, engine=engine)
    assert errors == []
    assert roads.of("Responses") == ENGINE
    table = got["Responses"]
    assert isinstance(table, Table)
    # File order survives DuckDB's parallel read: rows sampled across the file.
    rows = engine.execute(table.filter(table["_row"] % 99_991 == 0).order_by("_row"))
    expected = pq.read_table(parquet).to_pandas().iloc[rows["_row"].to_numpy()]
    assert (rows["date"].to_numpy() == expected["date"].to_numpy()).all()
    assert rows["customer_id"].tolist() == expected["customer_id"].tolist()
    assert same_values(rows["nps"], expected["nps"].astype(float).reset_index(drop=True))


# -- files that take the engine road ------------------------------------------

HEADER = "date,nps,csat,ces,customer_id,segment,comment"

ENGINE_CASES = {
    "plain": f"{HEADER}\n2024-01-31,9,5,7,C1,SMB,fine\n2024-02-01,0,1,1,C2,SMB,\n",
    "crlf": f"{HEADER}\r\n2024-01-31,9,5,7,C1,SMB,fine\r\n2024-02-01,0,,,C2,,\r\n",
    "no final line break": f"{HEADER}\n2024-01-31,9,5,7,C1,SMB,fine",
    "byte-order mark": "\ufeff" + f"{HEADER}\n2024-01-31,9,5,7,C1,SMB,fine\n",
    "quoted cells": (
        f"{HEADER}\n"
        '"2024-01-31","9","5","7","C1","SMB","Good, but ""slow"""\n'
        '2024-02-01,8,,,"C2","","two\nlines"\n'
    ),
    "times and offsets": (
        f"{HEADER}\n"
        "2024-01-31 23:30,9,,,C1,,\n"
        "2024-01-31T23:30:15,9,,,C1,,\n"
        "2024-01-31 23:30:15.123456,9,,,C1,,\n"
        "2024-01-31T23:30-05:00,9,,,C1,,\n"
        "2024-01-31 23:30:00 +0530,9,,,C1,,\n"
        "2024-01-31Z,9,,,C1,,\n"
    ),
    "padding": (
        f"{HEADER}\n"
        " 2024-01-31\t, 9 ,5\t,\t7,  C1 ,\u3000SMB\u00a0,\u2003\n"
        "\u00a02024-02-01\u3000,7,,,\tC2\t,,\n"
    ),
    "blank rows keep file numbers": f"{HEADER}\n2024-01-31,9,,,C1,,\n,,,,,,\n , ,,\t,,,\n2024-02-01,7,,,C2,,\n",
    "trailing blank lines": f"{HEADER}\n2024-01-31,9,,,C1,,\n\n\n",
    "comment lines": f"# Report: NPS\n# Range: 2024\n\n{HEADER}\n2024-01-31,9,,,C1,,\n",
    "extra column": "date,note,nps\n2024-01-31,x,9\n2024-02-01,,7\n",
    "header in another order and case": "NPS,Customer ID,Date\n9,C1,2024-01-31\n",
    "semicolons": "date;nps;csat\n2024-01-31;9;5\n2024-02-01;7;\n",
    "tabs": "date\tnps\tcsat\n2024-01-31\t9\t5\n",
    "decimal fraction score": f"{HEADER}\n2024-01-31,9.0,5.00,,C1,,\n",
    "non-ASCII text": f"{HEADER}\n2024-01-31,9,,,Zoë,Café,Très bien ✓\n",
}


@pytest.mark.parametrize("case", ENGINE_CASES, ids=list(ENGINE_CASES))
def test_files_the_engine_reads_as_in_memory(tmp_path, engine, roads, case):
    folder = folder_with(tmp_path, "Responses.csv", ENGINE_CASES[case])
    compare(folder, engine)
    assert roads.of("Responses") == ENGINE


def test_subscriptions_months_and_amounts(tmp_path, engine, roads):
    content = (
        "customer_id,month,mrr,plan,fx\n"
        "C1,2024-01,29,Starter,\n"
        "C1, 2024-02 ,29.99,Starter,-1.5\n"
        "C1,2024-3,29.99,Starter,\n"  # a one-digit month is not a form the engine reads
    )
    folder = folder_with(tmp_path, "Subscriptions.csv", content)
    compare(folder, engine)
    assert roads.of("Subscriptions") == DECLINED
    roads.clear()
    folder = folder_with(tmp_path, "Subscriptions.csv", content.rsplit("C1,2024-3", 1)[0])
    compare(folder, engine)
    assert roads.of("Subscriptions") == ENGINE
    roads.clear()
    content = (
        "customer_id,month,mrr,plan,fx\n"
        "C1,2024-01-15,29,Starter,\n"
        "C1,2024-02-01 10:00,29.99,Starter,-1.5\n"
        "C2,2024-02-01,0,Pro,0\n"
    )
    folder = folder_with(tmp_path, "Subscriptions.csv", content)
    frames = compare(folder, engine)
    assert roads.of("Subscriptions") == ENGINE
    assert frames["Subscriptions"]["month"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-01"),
    ]


# -- bad values: the in-memory message, from the engine road -------------------

BAD_VALUES = {
    "score above scale": ("nps", "11"),
    "score not whole": ("nps", "8.5"),
    "score as a word": ("nps", "ten"),
    "negative score": ("csat", "-1"),
    "csat zero": ("csat", "0"),
    "score with an exponent": ("ces", "1e1"),
    "score with an underscore": ("nps", "1_0"),
    "not a number": ("nps", "nan"),
    "blank date": ("date", ""),
    "whitespace date": ("date", "\u00a0 "),
    "date before 1900": ("date", "1899-12-31"),
    "date after 2199": ("date", "2200-01-01"),
    "no such day": ("date", "2024-02-30"),
    "hour 24": ("date", "2024-01-31 24:00:00"),
    "a word for a date": ("date", "soon"),
    "ambiguous date": ("date", "03/04/2024"),
}


@pytest.mark.parametrize("case", BAD_VALUES, ids=list(BAD_VALUES))
def test_a_bad_value_gets_the_in_memory_message(tmp_path, engine, roads, case):
    column, value = BAD_VALUES[case]
    rows = [
        {"date": "2024-01-31", "nps": "9", "csat": "5", "ces": "7", "customer_id": f"C{i}"}
        for i in range(40)
    ]
    rows[17][column] = value
    rows[31][column] = value  # a second bad row: counted with every > 1
    frame = pd.DataFrame(rows)
    folder = folder_with(tmp_path, "Responses.csv", frame.to_csv(index=False))
    compare(folder, engine)
    assert roads.of("Responses") == ENGINE
    _, errors = read_checked(folder, engine=engine)
    assert len(errors) == 1 and "row 19," in str(errors[0])
    compare(folder, engine, every=5)


def test_bad_mrr_and_blank_required_cells(tmp_path, engine, roads):
    content = (
        "customer_id,month,mrr\n"
        "C1,2024-01-01,29\n"
        "C2,2024-01-01,-5\n"
        ",2024-01-01,10\n"
        "C3,,10\n"
        "C4,2024-01-01,1e16\n"
        "C5,2024-01-01,999999999999999.99\n"
        "C6,2024-01-01,\n"
        ",,\n"
    )
    folder = folder_with(tmp_path, "Subscriptions.csv", content)
    compare(folder, engine)
    compare(folder, engine, every=3)
    assert roads.of("Subscriptions") == ENGINE


def test_good_cells_in_forms_the_engine_does_not_convert_are_left_to_memory(
    tmp_path, engine, roads
):
    for dates in ("45322", "20240131", '"Jan 4, 2024"', "03/04/2024"):
        folder = folder_with(tmp_path, "Responses.csv", f"date,nps\n2024-01-31,9\n{dates},7\n")
        compare(folder, engine, dates="day-first")
        assert roads.of("Responses") == DECLINED, dates
        roads.clear()


def test_a_decimal_comma_leaves_the_file_to_memory(tmp_path, engine, roads):
    content = "customer_id;month;mrr\nC1;2024-01-01;1.500\nC2;2024-01-01;29,5\n"
    folder = folder_with(tmp_path, "Subscriptions.csv", content)
    frames = compare(folder, engine)
    assert roads.of("Subscriptions") == DECLINED
    assert frames["Subscriptions"]["mrr"].tolist() == [1500.0, 29.5]


def test_time_zones_mixed_with_plain_dates_read_as_in_memory(tmp_path, engine, roads):
    """An ISO date with an offset pandas keeps (+05) beside dates without
    one: the validator sees a good row with the unsure one, and reads both."""
    content = "date,nps\n2024-01-31,9\n2024-01-31T10:00+05,7\n"
    folder = folder_with(tmp_path, "Responses.csv", content)
    compare(folder, engine)
    assert roads.of("Responses") in (ENGINE, DECLINED)


# -- hostile files: the same refusal as before --------------------------------


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


HOSTILE = {
    "NUL bytes": (f"{HEADER}\n2024-01-31,9,,,C\x001,,\n".encode(), IN_MEMORY),
    "invalid UTF-8": (f"{HEADER}\n2024-01-31,9,,,C1,,".encode() + b"\xff\xfe\xfa\n", IN_MEMORY),
    "a zip named .csv": (_zip_bytes(), IN_MEMORY),
    "too many fields": (b"date,nps\n2024-01-31,9\n2024-01-31,9,9\n", IN_MEMORY),
    "too few fields": (b"date,nps,csat\n2024-01-31,9,5\n2024-01-31,9\n", IN_MEMORY),
    "a delimiter at the end of a row": (b"date,nps\n2024-01-31,9,\n2024-02-01,7\n", IN_MEMORY),
    "two at the end of a row": (b"date,nps\n2024-01-31,9,,\n", IN_MEMORY),
    "a delimiter at the end of the header": (b"date,nps,\n2024-01-31,9\n", IN_MEMORY),
    "a quote left open": (b'date,nps\n2024-01-31,"9\n2024-02-01,7\n', IN_MEMORY),
    "a quote only": (b'date,nps\n",9\n', IN_MEMORY),
    "text after a closing quote": (b'date,nps\n"2024-01-31"x,9\n', IN_MEMORY),
    "a space before a quote": (b'date,nps,c\n2024-01-31,9, "x"\n', IN_MEMORY),
    "a space after a quote": (b'date,nps,c\n2024-01-31,9,"x" \n', IN_MEMORY),
    "a quote inside a cell": (b'date,nps,c\n2024-01-31,9,ab"c\n', IN_MEMORY),
    "quoted parts with a space between": (b'date,nps,c\n2024-01-31,9,"" ""\n', IN_MEMORY),
    "a blank line inside": (b"date,nps\n2024-01-31,9\n\n2024-02-01,7\n", IN_MEMORY),
    "mixed line endings": (b"date,nps\r\n2024-01-31,9\n2024-02-01,7\r\n", IN_MEMORY),
    "a bare carriage return": (b"date,nps\n2024-01-31,9\r2024-02-01,7\n", IN_MEMORY),
    "a line feed in a quoted cell of a CRLF file": (
        b'date,nps,c\r\n2024-01-31,9,"a\nb"\r\n2024-02-01,7,x\r\n',
        ENGINE,
    ),
    "quote in a comment line": (b'# "report\n# done"\ndate,nps\n2024-01-31,9\n', IN_MEMORY),
    "backslash before a quote": (b'date,nps,c\n2024-01-31,9,"a\\"b"\n', IN_MEMORY),
    "a column twice": (b"date,nps,NPS\n2024-01-31,9,9\n", IN_MEMORY),
    "no date column": (b"nps,csat\n9,5\n", IN_MEMORY),
    "no score column": (b"date,segment\n2024-01-31,SMB\n", IN_MEMORY),
    "only a header": (f"{HEADER}\n".encode(), ENGINE),
    "only blank rows": (f"{HEADER}\n,,,,,,\n , ,,,,,\n".encode(), ENGINE),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_files_get_the_in_memory_answers(tmp_path, engine, roads, case):
    content, road = HOSTILE[case]
    folder = folder_with(tmp_path, "Responses.csv", content)
    compare(folder, engine)
    assert roads.of("Responses") == road


def test_an_over_long_line_is_refused_before_duckdb_reads_it(tmp_path, engine, roads, monkeypatch):
    monkeypatch.setenv("CXEXCEL_MAX_CSV_LINE", "100")
    content = f"date,nps,comment\n2024-01-31,9,{'x' * 200}\n"
    folder = folder_with(tmp_path, "Responses.csv", content)
    compare(folder, engine)
    _, errors = read_checked(folder, engine=engine)
    assert "line 2 is longer than 100 characters" in str(errors[0])
    assert roads.read == {}  # refused by the check before DuckDB


def test_an_over_large_file_is_refused_before_duckdb_reads_it(tmp_path, engine, roads, monkeypatch):
    monkeypatch.setenv("CXEXCEL_MAX_CSV_BYTES", "64")
    folder = folder_with(tmp_path, "Responses.csv", f"{HEADER}\n" + "2024-01-31,9,,,C1,,\n" * 9)
    compare(folder, engine)
    assert roads.read == {}


def test_windows_1252_and_utf16_files_are_read_in_memory(tmp_path, engine, roads):
    text = f"{HEADER}\n2024-01-31,9,,,Zoë,Café,\n"
    for encoding in ("cp1252", "utf-16"):
        folder = folder_with(tmp_path, "Responses.csv", text.encode(encoding))
        frames = compare(folder, engine)
        assert frames["Responses"]["customer_id"].tolist() == ["Zoë"]
        assert roads.of("Responses") == IN_MEMORY  # DuckDB's reader is UTF-8
        roads.clear()


def test_a_path_duckdb_would_read_as_a_pattern_is_read_in_memory(tmp_path, engine, roads):
    folder = tmp_path / "in[1]"
    folder.mkdir()
    (folder / "Responses.csv").write_text(f"{HEADER}\n2024-01-31,9,,,C1,,\n")
    compare(folder, engine)
    assert roads.of("Responses") == IN_MEMORY


def test_no_temporary_tables_are_left_behind(tmp_path, engine, roads):
    def temporary():
        return engine.backend.raw_sql(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary"
        ).fetchall()[0][0]

    before = temporary()
    for content in (
        b"date,nps\n2024-01-31,9\n2024-01-31,9,9\n",  # DuckDB refuses it
        b"date,nps\n45322,7\n",  # declined
        b"date,nps\n2024-01-31,11\n",  # a bad value
    ):
        folder = folder_with(tmp_path, "Responses.csv", content)
        read_checked(folder, engine=engine)
    assert temporary() == before
    folder = folder_with(tmp_path, "Responses.csv", b"date,nps\n2024-01-31,9\n")
    got, _ = read_checked(folder, engine=engine)
    assert temporary() == before + 1  # the clean table, and only it


# -- generated files -----------------------------------------------------------

DATES = [
    "2024-01-31",
    "2024-01-31 10:20",
    "2024-01-31T10:20:30",
    "2024-01-31 10:20:30.5",
    "2024-01-31 10:20:30.123456",
    "2024-01-31 10:20:30.1234567",
    "2024-01-31T23:30-05:00",
    "2024-01-31 23:30 +0530",
    "2024-01-31Z",
    "2024-01-31 23:59:60",
    "2024-02-29",
    "2023-02-29",
    "1900-02-29",
    "2000-02-29",
    "1900-01-01",
    "2199-12-31 23:59:59.999999",
    "1899-12-31",
    "2200-01-01",
    "2024-13-01",
    "2024-00-10",
    "2024-1-31",
    "45322",
    "60",
    "20240131",
    "Jan 4, 2024",
    "03/04/2024",
    "2024-01-31 25:00",
    "2024-01-31 10:60",
    "2024-01",
    "2024-13",
    "1899-12",
    "2024-1",
    "2024-01Z",
]
NUMBERS = [
    "0", "7", "10", "5.0", "7.5", "11", "-1", "+7", "007", "1e1", "1_0", "nan", "inf",
    ".5", "5.", "1,5", "-0", "3.000000000000001", "999999999999999", "1.500", "29.99",
]  # fmt: skip
TEXTS = ["C1", "SMB", "Zoë", "a,b", 'say "hi"', "two\nlines", "x;y", "#1", "\\", "é"]
SPACES = ["", " ", "\t", "\u00a0", "\u3000", "\u2028", "\x1c", "\x0b", "\x85"]


@st.composite
def cells(draw, kind: str) -> str:
    core = draw(st.sampled_from({"date": DATES, "number": NUMBERS, "text": TEXTS}[kind]))
    if draw(st.integers(0, 5)) == 0:
        core = ""
    left, right = draw(st.sampled_from(SPACES)), draw(st.sampled_from(SPACES))
    if draw(st.booleans()):
        left = right = ""
    return left + core + right


def quoted(cell: str, delimiter: str, always: bool) -> str:
    if always or any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_files(draw) -> tuple[str, bytes]:
    table = draw(st.sampled_from(["Responses", "Subscriptions"]))
    if table == "Responses":
        columns = [("date", "date"), ("nps", "number"), ("csat", "number"), ("segment", "text")]
    else:
        columns = [
            ("customer_id", "text"),
            ("month", "date"),
            ("mrr", "number"),
            ("fx", "number"),
        ]
    if draw(st.booleans()):
        columns.append(("note", "text"))  # a column no schema names
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    always = draw(st.booleans())
    rows = draw(st.lists(st.tuples(*(cells(kind) for _, kind in columns)), min_size=1, max_size=8))
    lines = [delimiter.join(name for name, _ in columns)]
    lines += [delimiter.join(quoted(c, delimiter, always) for c in row) for row in rows]
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    if draw(st.integers(0, 4)) == 0:
        text = "# exported\n\n" + text
    data = text.encode("utf-8-sig" if draw(st.integers(0, 4)) == 0 else "utf-8")
    return f"{table}.csv", data


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=csv_files(), dates=st.sampled_from([None, "day-first", "unix"]))
def test_generated_files_read_the_same_either_road(tmp_path_factory, engine, file, dates):
    name, data = file
    folder = tmp_path_factory.mktemp("gen")
    (folder / name).write_bytes(data)
    compare(folder, engine, dates=dates)


FRAGMENTS = ["2024-01-31", "7", ",", ",", '"', '""', "\n", "\n", "\r\n", "\r", " ", "x", "#"]
#: Cells as writers quote them, and cells no writer should write.
GOOD_FIELDS = ["7", "2024-01-31", "x", "", " ", '"7"', '"x"', '"a,b"', '"a""b"', '""', '"a\nb"']
ODD_FIELDS = ['"', 'x"y', '"x" ', ' "x"', '"x"y', "\r", '"a\r\nb"', '"" ""']
ENDINGS = ["\n", "\r\n", "\r", "\n\n", ",\n", ""]


@st.composite
def odd_rows(draw) -> str:
    """Rows of cells as writers write them (half the files), or with cells,
    row widths and line endings no writer should write."""
    clean = draw(st.booleans())
    fields = GOOD_FIELDS if clean else GOOD_FIELDS + ODD_FIELDS
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        width = 3 if clean else draw(st.sampled_from([3, 3, 3, 2, 4]))
        ending = newline if clean else draw(st.sampled_from([newline, *ENDINGS]))
        lines.append(",".join(draw(st.sampled_from(fields)) for _ in range(width)) + ending)
    return "date,nps,c" + newline + "".join(lines)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(odd_rows())
def test_rows_of_odd_cells_parse_the_same_either_road(tmp_path_factory, engine, text):
    """Files the engine road reads must read alike, however their cells are
    quoted and their lines end."""
    folder = tmp_path_factory.mktemp("rows")
    (folder / "Responses.csv").write_bytes(text.encode())
    compare(folder, engine)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_any_text_after_a_header_parses_the_same_either_road(tmp_path_factory, engine, parts):
    """Whatever follows the header (quotes anywhere, stray line endings,
    delimiters at the ends of rows, blank lines), the result is pandas'."""
    folder = tmp_path_factory.mktemp("any")
    (folder / "Responses.csv").write_bytes(("date,nps,c\n" + "".join(parts)).encode())
    compare(folder, engine)


def test_the_whitespace_is_pythons():
    assert csv_inputs.WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def test_a_table_found_twice_is_refused_as_in_memory(tmp_path, engine, roads):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "Responses.csv").write_text(f"{HEADER}\n2024-01-31,9,,,C1,,\n")
    (folder / "responses.CSV").write_text(f"{HEADER}\n2024-01-31,9,,,C1,,\n")
    compare(folder, engine)
    before = engine.backend.raw_sql(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary"
    ).fetchall()[0][0]
    _, errors = read_checked(folder, engine=engine)
    assert "Responses is found twice" in str(errors[0])
    after = engine.backend.raw_sql(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary"
    ).fetchall()[0][0]
    assert after == before + 1  # the first file's table (read, then refused with the error)
