"""The ``cxexcel`` command: report, demo and serve; outputs that never destroy inputs."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "report"))

from sample_tables import make_tables  # noqa: E402

from cxexcel import cli  # noqa: E402

ALL_SHEETS = [
    "CX Summary",
    "CX Surveys",
    "CX Revenue",
    "CX Customers",
    "CX Cohorts",
    "CX CLV",
    "CX Orders",
    "CX Accounts",
    "CX Checks",
]


@pytest.fixture(scope="module")
def small_tables() -> dict[str, pd.DataFrame]:
    return make_tables(seed=4, customers=120, months=8, responses=600)


def write_csvs(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_xlsx(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def digests(*paths: Path) -> dict[Path, str]:
    files = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_from_a_folder_of_csv_files(tmp_path, capsys, small_tables):
    folder = write_csvs(tmp_path / "in", small_tables)
    before = digests(folder)
    out = tmp_path / "report.xlsx"
    code, stdout, stderr = run(capsys, "report", folder, "--output", out)
    assert (code, stderr) == (0, "")
    assert stdout.startswith(f"wrote {out}")
    assert openpyxl.load_workbook(out).sheetnames == ALL_SHEETS
    assert digests(folder) == before


def test_report_from_an_xlsx_and_from_single_files(tmp_path, capsys, small_tables):
    book = write_xlsx(tmp_path / "tables.xlsx", small_tables)
    before = digests(book)
    code, _, stderr = run(capsys, "report", book, "-o", tmp_path / "a.xlsx")
    # The sample comments that look like formulas are written by pandas as
    # formulas without a saved value: one note line says so, nothing else.
    assert code == 0
    assert stderr.startswith("cxexcel: note: tables.xlsx: Responses!")
    assert stderr.count("\n") == 1
    assert "hold formulas with no saved value" in stderr
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").sheetnames == ALL_SHEETS
    assert digests(book) == before

    folder = write_csvs(tmp_path / "csv", small_tables)
    responses = folder / "Responses.csv"
    subscriptions = tmp_path / "Subscriptions.parquet"
    small_tables["Subscriptions"].to_parquet(subscriptions)
    code, _, stderr = run(capsys, "report", responses, subscriptions, "-o", tmp_path / "b.xlsx")
    assert (code, stderr) == (0, "")
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").sheetnames == [
        "CX Summary",
        "CX Surveys",
        "CX Revenue",
        "CX Customers",
        "CX Cohorts",
        "CX Accounts",
        "CX Checks",
    ]


def _break(kind: str, folder: Path) -> tuple[str, list[str]]:
    """Spoil one table in ``folder``; returns (table, words the error must contain)."""
    if kind == "missing column":
        frame = pd.read_csv(folder / "Subscriptions.csv").drop(columns=["mrr"])
        frame.to_csv(folder / "Subscriptions.csv", index=False)
        return "Subscriptions", ["Subscriptions", "mrr"]
    if kind == "text in a number column":
        frame = pd.read_csv(folder / "Subscriptions.csv")
        frame["mrr"] = frame["mrr"].astype(object)
        frame.loc[4, "mrr"] = "ten"
        frame.to_csv(folder / "Subscriptions.csv", index=False)
        return "Subscriptions", ["Subscriptions", "ten", "6"]
    if kind == "duplicate header":
        text = (folder / "Orders.csv").read_text().splitlines()
        text[0] = text[0].replace("amount", "date")
        (folder / "Orders.csv").write_text("\n".join(text) + "\n")
        return "Orders", ["Orders", "date"]
    if kind == "empty table":
        header = (folder / "Spend.csv").read_text().splitlines()[0]
        (folder / "Spend.csv").write_text(header + "\n")
        return "Spend", ["Spend"]
    if kind == "score out of range":
        frame = pd.read_csv(folder / "Responses.csv")
        frame.loc[9, "nps"] = 11
        frame.to_csv(folder / "Responses.csv", index=False)
        return "Responses", ["Responses", "nps", "11"]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "missing column",
        "text in a number column",
        "duplicate header",
        "empty table",
        "score out of range",
    ],
)
def test_bad_tables_exit_2_with_one_line_naming_the_problem(tmp_path, capsys, small_tables, kind):
    folder = write_csvs(tmp_path / "in", small_tables)
    table, words = _break(kind, folder)
    before = digests(folder)
    out = tmp_path / "report.xlsx"
    code, stdout, stderr = run(capsys, "report", folder, "--output", out)
    assert code == 2
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("cxexcel: error: ")
    for word in words:
        assert word in stderr, (kind, stderr)
    assert digests(folder) == before
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_bad_table_inside_an_xlsx_leaves_it_unchanged(tmp_path, capsys, small_tables):
    tables = dict(small_tables)
    bad = tables["Responses"].copy()
    bad["nps"] = bad["nps"].astype(object)
    bad.loc[3, "nps"] = "ten"
    tables["Responses"] = bad
    book = write_xlsx(tmp_path / "tables.xlsx", tables)
    before = digests(book)
    code, _, stderr = run(capsys, "report", book, "--output", tmp_path / "out.xlsx")
    assert code == 2 and "Responses" in stderr and "ten" in stderr
    assert digests(book) == before
    assert not (tmp_path / "out.xlsx").exists()


def test_existing_output_needs_force(tmp_path, capsys, small_tables):
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"precious")
    code, _, stderr = run(capsys, "report", folder, "--output", out)
    assert code == 2 and "--force" in stderr and stderr.count("\n") == 1
    assert out.read_bytes() == b"precious"
    code, _, stderr = run(capsys, "report", folder, "--output", out, "--force")
    assert (code, stderr) == (0, "")
    assert openpyxl.load_workbook(out).sheetnames == ["CX Summary", "CX Surveys", "CX Checks"]


def test_output_that_is_an_input_is_refused_even_with_force(tmp_path, capsys, small_tables):
    book = write_xlsx(tmp_path / "tables.xlsx", small_tables)
    before = digests(book)
    alias = tmp_path / "sub" / ".." / "tables.xlsx"
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    for output in (book, alias, link):
        code, _, stderr = run(capsys, "report", book, "--output", output, "--force")
        assert code == 2 and "is an input" in stderr, output
    assert digests(book) == before

    folder = write_csvs(tmp_path / "in", small_tables)
    before = digests(folder)
    code, _, stderr = run(capsys, "report", folder, "--output", folder / "Responses.csv", "--force")
    assert code == 2
    assert digests(folder) == before


def test_output_must_be_xlsx_and_inputs_must_exist(tmp_path, capsys, small_tables):
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    code, _, stderr = run(capsys, "report", folder, "--output", tmp_path / "report.csv")
    assert code == 2 and ".xlsx" in stderr
    code, _, stderr = run(capsys, "report", tmp_path / "nope", "--output", tmp_path / "r.xlsx")
    assert code == 2 and "does not exist" in stderr


def test_unwritable_output_exits_1(tmp_path, capsys, small_tables):
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    code, _, stderr = run(capsys, "report", folder, "--output", blocker / "r.xlsx")
    assert code == 1 and stderr.startswith("cxexcel: error: cannot write")
    assert stderr.count("\n") == 1


def test_demo_writes_its_default_output_and_may_replace_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run(capsys, "demo")
    assert (code, stderr) == (0, "")
    out = tmp_path / "out" / "cx-demo.xlsx"
    assert stdout.startswith("wrote out/cx-demo.xlsx")
    names = openpyxl.load_workbook(out).sheetnames
    assert names[:2] == ["CX Summary", "CX Surveys"] and "CX Revenue" in names
    code, _, stderr = run(capsys, "demo")
    assert (code, stderr) == (0, "")


def test_demo_with_an_explicit_output_needs_force_to_replace(tmp_path, capsys):
    out = tmp_path / "mine.xlsx"
    out.write_bytes(b"keep")
    code, _, stderr = run(capsys, "demo", "--output", out)
    assert code == 2 and out.read_bytes() == b"keep"
    code, _, _ = run(capsys, "demo", "--output", out, "--force")
    assert code == 0 and out.read_bytes()[:2] == b"PK"


def test_serve_calls_the_server(monkeypatch, capsys):
    import cxexcel.server

    calls = []
    monkeypatch.setattr(cxexcel.server, "run", lambda host, port: calls.append((host, port)))
    assert run(capsys, "serve")[0] == 0
    assert run(capsys, "serve", "--host", "0.0.0.0", "--port", "9001")[0] == 0
    assert calls == [("127.0.0.1", 8000), ("0.0.0.0", 9001)]


def test_python_dash_m_and_usage_errors(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cxexcel", "report", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "--output" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "cxexcel", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "report" in done.stdout and "demo" in done.stdout


@pytest.mark.parametrize("source", ["csv", "xlsx"])
def test_formula_like_comment_arrives_as_text(tmp_path, capsys, small_tables, source):
    hyperlink = '=HYPERLINK("http://x","y")'
    responses = small_tables["Responses"].copy()
    latest_detractor = responses.loc[responses["nps"] <= 6, "date"].idxmax()
    responses.loc[latest_detractor, "comment"] = hyperlink
    tables = {"Responses": responses}
    if source == "csv":
        source_path = write_csvs(tmp_path / "in", tables)
    else:
        source_path = write_xlsx(tmp_path / "in.xlsx", tables)
        # As typed in Excel with a leading apostrophe: text, not a formula.
        book = openpyxl.load_workbook(source_path)
        for row in book["Responses"].iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True
        book.save(source_path)
    out = tmp_path / "report.xlsx"
    assert run(capsys, "report", source_path, "--output", out)[0] == 0

    ws = openpyxl.load_workbook(out)["CX Surveys"]
    hits = [c for row in ws.iter_rows() for c in row if c.value == hyperlink]
    assert hits and all(c.data_type == "s" for c in hits)
    with zipfile.ZipFile(out) as archive:
        names = openpyxl.load_workbook(out).sheetnames
        xml = archive.read(f"xl/worksheets/sheet{names.index('CX Surveys') + 1}.xml").decode()
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas and not any("HYPERLINK" in f for f in formulas)
    assert 'HYPERLINK("http://x","y")' in xml or "HYPERLINK(&quot;http://x&quot;" in xml


def test_existing_file_inside_an_input_folder_is_never_replaced(tmp_path, capsys, small_tables):
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    inside = folder / "old-report.xlsx"
    inside.write_bytes(b"not mine to replace")
    code, _, stderr = run(capsys, "report", folder, "--output", inside, "--force")
    assert code == 2 and "inside the input folder" in stderr
    assert inside.read_bytes() == b"not mine to replace"
    inside.unlink()  # the folder's workbooks are inputs too; a new file there is fine
    fresh = folder / "new-report.xlsx"
    assert run(capsys, "report", folder, "--output", fresh)[0] == 0


NO_TABLES = "cxexcel: error: no input tables found in "


@pytest.mark.parametrize("content", ["empty", "targets", "misnamed"])
def test_inputs_without_tables_exit_2_and_write_nothing(tmp_path, capsys, small_tables, content):
    folder = tmp_path / "in"
    folder.mkdir()
    if content == "targets":
        write_csvs(folder, {"Targets": small_tables["Targets"]})
    elif content == "misnamed":
        small_tables["Responses"].to_csv(folder / "survey-export.csv", index=False)
        small_tables["Orders"].to_csv(folder / "orders_2024.csv", index=False)
    out = tmp_path / "report.xlsx"
    code, stdout, stderr = run(capsys, "report", folder, "--output", out)
    assert (code, stdout) == (2, "")
    assert stderr.startswith(NO_TABLES + f"{folder} (expected Responses, Subscriptions, Orders")
    assert stderr.count("\n") == 1
    if content == "targets":
        assert "Targets alone gives no metric sheets" in stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_targets_file_alone_is_no_input_either(tmp_path, capsys, small_tables):
    targets = tmp_path / "Targets.csv"
    small_tables["Targets"].to_csv(targets, index=False)
    out = tmp_path / "sub" / "report.xlsx"
    code, _, stderr = run(capsys, "report", targets, "--output", out, "--force")
    assert code == 2 and stderr.startswith(NO_TABLES + str(targets))
    assert not out.parent.exists()


def _appear_during(monkeypatch, step: str, out: Path, content: bytes) -> None:
    """Make ``out`` appear after the CLI checked the output: while the tables
    are read, or once the workbook is saved, right before it is put in place
    (without hard links the CLI looks again there; only the instant between
    that look and the rename is left to a race)."""
    if step == "read":
        import cxexcel.tables

        real = cxexcel.tables.read_checked

        def read_checked(*args, **kwargs):
            found = real(*args, **kwargs)
            out.write_bytes(content)
            return found

        monkeypatch.setattr(cxexcel.tables, "read_checked", read_checked)
    else:
        real = cli._put_in_place

        def put_in_place(temporary, output, force):
            out.write_bytes(content)
            return real(temporary, output, force)

        monkeypatch.setattr(cli, "_put_in_place", put_in_place)


@pytest.mark.parametrize("hard_links", [True, False])
@pytest.mark.parametrize("step", ["read", "write"])
def test_output_appearing_after_the_check_is_not_replaced_without_force(
    tmp_path, capsys, small_tables, monkeypatch, step, hard_links
):
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    out = tmp_path / "report.xlsx"
    _appear_during(monkeypatch, step, out, b"written meanwhile")
    if not hard_links:
        # A filesystem without hard links (FAT, exFAT, some shares).
        def no_link(source, target):
            raise PermissionError(1, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    code, stdout, stderr = run(capsys, "report", folder, "--output", out)
    assert (code, stdout) == (2, "")
    assert stderr == f"cxexcel: error: output {out} exists; use --force to replace it\n"
    assert out.read_bytes() == b"written meanwhile"
    # No temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "report.xlsx"]


def test_output_appearing_after_the_check_is_replaced_with_force(
    tmp_path, capsys, small_tables, monkeypatch
):
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    out = tmp_path / "report.xlsx"
    _appear_during(monkeypatch, "read", out, b"written meanwhile")
    code, _, stderr = run(capsys, "report", folder, "--output", out, "--force")
    assert (code, stderr) == (0, "")
    assert openpyxl.load_workbook(out).sheetnames == ["CX Summary", "CX Surveys", "CX Checks"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "report.xlsx"]


@pytest.mark.parametrize("hard_links", [True, False])
def test_new_output_is_a_complete_file_with_default_permissions(
    tmp_path, capsys, small_tables, monkeypatch, hard_links
):
    if not hard_links:
        monkeypatch.setattr(os, "link", lambda *_: (_ for _ in ()).throw(OSError(95, "no")))
    folder = write_csvs(tmp_path / "in", {"Responses": small_tables["Responses"]})
    out = tmp_path / "report.xlsx"
    mask = os.umask(0o022)
    try:
        code, _, stderr = run(capsys, "report", folder, "--output", out)
    finally:
        os.umask(mask)
    assert (code, stderr) == (0, "")
    assert out.stat().st_nlink == 1
    assert out.stat().st_mode & 0o777 == 0o644
    assert openpyxl.load_workbook(out).sheetnames == ["CX Summary", "CX Surveys", "CX Checks"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "report.xlsx"]


def engine_threads(monkeypatch, capsys, *args) -> int:
    """The DuckDB threads of the engine ``cxexcel report`` reduced on."""
    import cxexcel.engine

    engines = []

    def connect(*a, **k):
        engines.append(real(*a, **k))
        return engines[-1]

    real = cxexcel.engine.connect
    monkeypatch.setattr(cxexcel.engine, "connect", connect)
    code, _, stderr = run(capsys, "report", *args)
    assert code == 0, stderr
    engine = engines[0]  # the CLI's (the table functions' own comes later)
    return engine.backend.raw_sql("SELECT current_setting('threads')").fetchall()[0][0]


def test_tables_held_in_memory_are_reduced_on_one_thread(tmp_path, capsys, monkeypatch):
    # Sums of amounts in cents come out the same in every run (a parallel
    # aggregate adds them in the order its threads finish); Parquet tables,
    # reduced where they lie, keep every thread.
    tables = make_tables(seed=4, customers=60, months=6, responses=200)
    folder = write_csvs(tmp_path / "csv", {"Orders": tables["Orders"]})
    assert engine_threads(monkeypatch, capsys, folder, "-o", tmp_path / "a.xlsx") == 1
    parquet = tmp_path / "Subscriptions.parquet"
    tables["Subscriptions"].to_parquet(parquet)
    assert engine_threads(monkeypatch, capsys, parquet, "-o", tmp_path / "b.xlsx") > 1


def test_an_engine_table_from_memtables_reads_only_memory(tmp_path):
    from cxexcel.engine import connect

    engine = connect()
    frame = engine.from_frame("Orders", pd.DataFrame({"amount": [1.25, 2.5]}))
    path = tmp_path / "t.parquet"
    pd.DataFrame({"amount": [3.0]}).to_parquet(path)
    files = engine.read_parquet(path)
    assert engine.reads_only_memory(frame.filter(frame.amount > 1))
    assert not engine.reads_only_memory(files)
    assert not engine.reads_only_memory(frame.union(files))


def test_a_report_without_an_engine_reduces_on_one_thread(small_tables):
    # The ribbon's route and `cxexcel demo`: every table a DataFrame.
    from cxexcel.report._facts import Facts

    engine = Facts(small_tables).engine
    assert engine.backend.raw_sql("SELECT current_setting('threads')").fetchall() == [(1,)]
