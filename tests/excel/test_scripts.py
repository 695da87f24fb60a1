"""The ribbon scripts, run through xlwings' own entry point on a remote Book.

``custom_scripts_call`` is what xlwings Server's
``POST /xlwings/custom-scripts-call/{name}`` runs; the actions of the Book
it returns are what the add-in would apply in Excel.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xlwings as xw
from remote_book import (
    Replay,
    book_payload,
    payload_from_tables,
    plain_sheet,
    remote_book,
    table_sheet,
)
from xlwings.server import custom_scripts_call, custom_scripts_meta

import cxexcel.excel.scripts as scripts
from cxexcel.report.build import build_report
from cxexcel.report.xlwings_writer import REPORT_SHEET_NAMES
from cxexcel.sample_data import generate
from cxexcel.tables import check_tables

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_NAMES = [
    "build_metric_sheets",
    "refresh_metric_sheets",
    "insert_sample_tables",
    "validate_tables",
]
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate(seed=7, customers=120)


def _run(name: str, payload: dict) -> Replay:
    book = remote_book(payload)
    returned = asyncio.run(custom_scripts_call(scripts, name, typehint_to_value={xw.Book: book}))
    assert returned is book
    return Replay(payload, book.json()["actions"])


def _only_alert(replay: Replay) -> str:
    assert replay.funcs() == ["alert"], replay.funcs()
    prompt, title, _buttons, mode, _callback = replay.actions[0]["args"]
    assert title == scripts.ALERT_TITLE
    assert mode == "critical"
    return prompt


def _with_bad_score(tables, position: int, value: object) -> dict[str, pd.DataFrame]:
    responses = tables["Responses"].copy()
    responses["nps"] = responses["nps"].astype(object)
    responses.iloc[position, responses.columns.get_loc("nps")] = value
    return {**tables, "Responses": responses}


# --- build and refresh ----------------------------------------------------


def test_build_writes_the_report_sheets_and_nothing_else(tables):
    payload = payload_from_tables(tables, plain_sheet("Notes", [["my notes"]]))
    replay = _run("build_metric_sheets", payload)
    expected = build_report(tables).sheet_names
    assert replay.added == expected
    assert replay.deleted == []
    assert replay.sheet_names == [*tables, "Notes", *expected]
    assert {name for name, _ in replay.located if name} == set(expected)
    assert "alert" not in replay.funcs()
    assert replay.values["CX Summary"]


def test_rerun_replaces_only_cx_sheets(tables):
    first = _run("build_metric_sheets", payload_from_tables(tables))
    old = [plain_sheet(name, [["stale"]]) for name in first.added]
    data = [table_sheet(name, frame) for name, frame in tables.items()]
    payload = book_payload(data[0], *old, plain_sheet("Notes", [["mine"]]), *data[1:])
    replay = _run("refresh_metric_sheets", payload)
    assert sorted(replay.deleted) == sorted(first.added)
    assert replay.added == first.added
    assert replay.sheet_names == [data[0]["name"], *first.added, "Notes"] + [
        sheet["name"] for sheet in data[1:]
    ]
    for name, action in replay.located:
        assert name is None or name in REPORT_SHEET_NAMES, (name, action["func"])
    # Same tables, same sheets: the rebuilt cells equal the first build's.
    assert replay.values == first.values


def test_user_sheets_named_cx_survive_build_and_refresh(tables):
    budget = plain_sheet("CX Budget", [["my budget", 123]])
    # The user's own copy of the responses, in an Excel Table of another name.
    kept = table_sheet("CX Input", tables["Responses"].head(5), table_name="MyResponses")
    first = _run("build_metric_sheets", payload_from_tables(tables, budget, kept))
    assert first.deleted == []
    assert first.sheet_names == [*tables, "CX Budget", "CX Input", *first.added]
    assert first.on("CX Budget") == first.on("CX Input") == []

    old = [plain_sheet(name, [["stale"]]) for name in first.added]
    payload = payload_from_tables(tables, budget, *old, kept)
    replay = _run("refresh_metric_sheets", payload)
    assert sorted(replay.deleted) == sorted(first.added)
    assert replay.sheet_names == [*tables, "CX Budget", *first.added, "CX Input"]
    assert replay.on("CX Budget") == replay.on("CX Input") == []


@pytest.mark.parametrize("sheet", ["CX Summary", "CX CLV"])
@pytest.mark.parametrize(
    "name", ["build_metric_sheets", "refresh_metric_sheets", "validate_tables"]
)
def test_input_table_on_a_report_sheet_gives_only_an_alert(tables, name, sheet):
    others = {key: frame for key, frame in tables.items() if key != "Responses"}
    payload = payload_from_tables(
        others,
        table_sheet(sheet, tables["Responses"], table_name="Responses"),
        plain_sheet("CX Budget", [["mine"]]),
    )
    prompt = _only_alert(_run(name, payload))
    assert f"the input table 'Responses' is on the sheet '{sheet}'" in prompt
    assert "not changed" in prompt


def test_refresh_without_cx_sheets_builds(tables):
    replay = _run("refresh_metric_sheets", payload_from_tables(tables))
    assert replay.added == build_report(tables).sheet_names


def test_comment_that_looks_like_a_formula_arrives_as_text(tables):
    responses = tables["Responses"].copy()
    # The latest detractor, so that it is among the verbatims shown.
    detractors = responses.index[responses["nps"] <= 6]
    latest = responses.loc[detractors, "date"].idxmax()
    responses.loc[latest, "comment"] = HYPERLINK
    replay = _run("build_metric_sheets", payload_from_tables({**tables, "Responses": responses}))
    written = [
        value
        for sheet in replay.values.values()
        for value in sheet.values()
        if isinstance(value, str) and "HYPERLINK" in value
    ]
    # Shown wherever the builder lists it, always as the apostrophe-marked text.
    assert written and set(written) == {"'" + HYPERLINK}
    assert not {"setFormula", "setFormulaArray"} & set(replay.funcs())


# --- bad tables: one alert, nothing else ----------------------------------


def test_bad_value_gives_only_an_alert_naming_table_column_and_row(tables):
    bad = _with_bad_score(tables, 4, "ten")
    replay = _run("build_metric_sheets", payload_from_tables(bad))
    prompt = _only_alert(replay)
    # nps is column B; the 5th data row is Excel row 6, below the header in row 1.
    assert "Responses!B6" in prompt
    assert "nps" in prompt
    assert '"ten"' in prompt


def test_missing_column_gives_only_an_alert(tables):
    bad = {**tables, "Responses": tables["Responses"].drop(columns=["date"])}
    for name in ("build_metric_sheets", "refresh_metric_sheets"):
        prompt = _only_alert(_run(name, payload_from_tables(bad)))
        assert "Responses" in prompt and "date" in prompt


def test_alert_lists_every_problem_check_tables_finds(tables):
    bad = _with_bad_score(tables, 4, "ten")
    bad["Orders"] = bad["Orders"].drop(columns=["amount"])
    payload = payload_from_tables(bad)
    problems = check_tables(remote_book(payload))
    assert len(problems) >= 2
    prompt = _only_alert(_run("build_metric_sheets", payload))
    for problem in problems:
        assert scripts.describe_problem(problem) in prompt
    assert f"{len(problems)} problems" in prompt


def test_bad_tables_leave_existing_cx_sheets_alone(tables):
    bad = _with_bad_score(tables, 0, "n/a")
    payload = payload_from_tables(bad, plain_sheet("CX Summary", [["keep me"]]))
    _only_alert(_run("refresh_metric_sheets", payload))


@pytest.mark.parametrize(
    "name", ["build_metric_sheets", "refresh_metric_sheets", "validate_tables"]
)
def test_no_input_tables_gives_only_an_alert_and_keeps_cx_sheets(name):
    payload = book_payload(
        plain_sheet("Sheet1", [["just", "notes"]]), plain_sheet("CX Summary", [["keep"]])
    )
    prompt = _only_alert(_run(name, payload))
    assert prompt.startswith("No input tables found")
    assert "Responses" in prompt


def test_user_sheet_clashing_with_a_metric_sheet_gives_only_an_alert(tables):
    payload = payload_from_tables(tables, plain_sheet("cx summary", [["mine"]]))
    prompt = _only_alert(_run("build_metric_sheets", payload))
    assert "'cx summary'" in prompt and "'CX Summary'" in prompt


# --- validate -------------------------------------------------------------


def test_validate_valid_tables_reports_row_counts(tables):
    replay = _run("validate_tables", payload_from_tables(tables))
    assert replay.funcs() == ["alert"]
    prompt, title, _buttons, mode, _callback = replay.actions[0]["args"]
    assert prompt.startswith("All tables valid")
    assert mode == "info"
    for name, frame in tables.items():
        assert f"{name}: {len(frame):,} rows" in prompt


def test_validate_bad_tables_lists_problems(tables):
    prompt = _only_alert(
        _run("validate_tables", payload_from_tables(_with_bad_score(tables, 4, "ten")))
    )
    assert "Responses" in prompt


# --- sample tables --------------------------------------------------------


def test_insert_sample_tables_into_an_empty_book():
    replay = _run("insert_sample_tables", book_payload(plain_sheet("Sheet1")))
    sample = generate(customers=scripts.SAMPLE_CUSTOMERS)
    assert replay.added == list(sample)
    assert replay.sheet_names == ["Sheet1", *sample]
    added_tables = [action for action in replay.actions if action["func"] == "addTable"]
    for (name, frame), (sheet, action) in zip(
        sample.items(),
        [(name, action) for name, action in replay.located if action["func"] == "addTable"],
        strict=True,
    ):
        address, has_headers, _style, table_name = action["args"]
        assert (sheet, table_name, has_headers) == (name, name, True)
        assert address.replace("$", "") == f"A1:{_column(len(frame.columns))}{len(frame) + 1}"
    assert len(added_tables) == len(sample)
    # One value write per table, header first.
    writes = [action for action in replay.actions if action["func"] == "setValues"]
    assert len(writes) == len(sample)
    for write, frame in zip(writes, sample.values(), strict=True):
        assert write["values"][0] == list(frame.columns)
        assert len(write["values"]) == len(frame) + 1
        first = list(frame.iloc[0])
        assert write["values"][1] == [_as_sent(value) for value in first]
    # The answer to Excel stays small enough to send with every press.
    assert len(json.dumps(replay.actions)) < 2_000_000
    assert {name for name, _ in replay.located if name} == set(sample)


def test_inserted_sample_tables_are_valid_and_build():
    sample = generate(customers=scripts.SAMPLE_CUSTOMERS)
    payload = payload_from_tables(sample)
    assert check_tables(remote_book(payload)) == []
    replay = _run("build_metric_sheets", payload)
    assert replay.added == build_report(sample).sheet_names


@pytest.mark.parametrize("existing", ["Responses", "responses"])
def test_insert_sample_tables_refuses_when_a_sheet_is_taken(existing):
    payload = book_payload(plain_sheet("Sheet1"), plain_sheet(existing, [["mine"]]))
    prompt = _only_alert(_run("insert_sample_tables", payload))
    assert "Responses" in prompt


def test_insert_sample_tables_refuses_when_a_table_name_is_taken():
    frame = pd.DataFrame({"a": [1]})
    payload = book_payload(table_sheet("Data", frame, table_name="Orders"))
    prompt = _only_alert(_run("insert_sample_tables", payload))
    assert "Orders" in prompt


# --- both routes ----------------------------------------------------------


def test_scripts_are_registered_for_the_ribbon():
    names = {entry["function_name"] for entry in custom_scripts_meta(scripts)}
    assert set(SCRIPT_NAMES) <= names


def test_plain_functions_do_the_same_as_the_scripts(tables):
    payload = payload_from_tables(tables)
    book = remote_book(payload)
    assert scripts.build_metric_sheets_in(book) is True
    assert book.json()["actions"] == _run("build_metric_sheets", payload).actions
    bad = remote_book(payload_from_tables(_with_bad_score(tables, 1, "x")))
    assert scripts.build_metric_sheets_in(bad) is False


def test_classic_route_imports_without_a_licence_key():
    env = {key: value for key, value in os.environ.items() if key != "XLWINGS_LICENSE_KEY"}
    code = (
        "import inspect, cxexcel.excel.scripts as s;"
        "assert not inspect.iscoroutinefunction(s.build_metric_sheets);"
        "print(s.build_metric_sheets_in.__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "build_metric_sheets_in"


def test_vba_macros_call_the_plain_functions_on_the_calling_book():
    path = ROOT / "workbooks" / "classic" / "cxexcel_macros.bas"
    raw = path.read_bytes()
    text = raw.decode("ascii")
    assert text.startswith('Attribute VB_Name = "CxMetrics"')
    prefix = re.search(r'Const CX_SCRIPTS As String = "([^"]+)"', text).group(1)
    calls = re.findall(r'Public Sub (\w+)\(\)\s+RunPython CX_SCRIPTS & "([^"]+)"', text)
    assert [sub for sub, _ in calls] == [
        "CX_BuildMetricSheets",
        "CX_RefreshMetricSheets",
        "CX_InsertSampleTables",
        "CX_ValidateTables",
    ]
    for _sub, call in calls:
        function = re.fullmatch(r"cx\.(\w+)\(xw\.Book\.caller\(\)\)", call).group(1)
        assert callable(getattr(scripts, function))
        assert function.removesuffix("_in") in SCRIPT_NAMES
        # The statement compiles as RunPython hands it to Python.
        compile(prefix + call, "<RunPython>", "exec")


def _as_sent(value):
    """A sample value as xlwings sends it to Excel: dates as ISO text, blanks empty."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value


def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
