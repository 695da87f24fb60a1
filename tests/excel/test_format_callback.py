"""The add-in's cxFormatSheet callback (static/js/ribbon.js, as served) applies
the formats the Build sends: run in node against a stand-in Excel context,
every cell ends up with exactly what xlwings' own per-property actions would
have given it, with one sync per sheet."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from remote_book import FORMAT_CALLBACK, Replay, payload_from_tables, remote_book

from cxexcel.excel.scripts import build_metric_sheets_in
from cxexcel.report import build_report
from cxexcel.report.xlwings_writer import SHEET_FORMAT_CALLBACK, write_book
from cxexcel.sample_data import generate

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")

HARNESS = Path(__file__).with_name("run_format_callback.js")


def run_callback(client, tmp_path, actions: list[dict]) -> dict:
    ribbon = client.get("/static/js/ribbon.js")
    assert ribbon.status_code == 200
    (tmp_path / "ribbon.js").write_text(ribbon.text)
    (tmp_path / "actions.json").write_text(json.dumps(actions))
    done = subprocess.run(
        ["node", str(HARNESS), str(tmp_path / "ribbon.js"), str(tmp_path / "actions.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def tables():
    return generate(seed=5, customers=120)


def test_the_name_the_writer_calls_is_the_one_ribbon_js_registers(client, tmp_path):
    assert SHEET_FORMAT_CALLBACK == FORMAT_CALLBACK
    assert run_callback(client, tmp_path, [])["registered"] == [FORMAT_CALLBACK]


def test_callback_gives_every_cell_what_xlwings_actions_would(client, tmp_path, tables):
    payload = payload_from_tables(tables)
    book = remote_book(payload)
    assert build_metric_sheets_in(book) is True
    actions = book.json()["actions"]
    calls = [action for action in actions if action["func"] == "runMacro"]

    ran = run_callback(client, tmp_path, actions)

    # The same report written with xlwings' own actions, replayed cell by cell.
    plain = remote_book(payload)
    write_book(build_report(tables), plain)
    expected = Replay(payload, plain.json()["actions"])
    assert ran["error"] is None
    assert ran["syncs"] == len(calls) == len(build_report(tables).sheets)
    assert ran["numberFormats"] == expected.number_formats
    assert ran["styles"] == expected.styles
    assert ran["columnWidths"] == expected.column_widths
    # Not vacuous: headers, titles, percentages and widths are among them.
    summary = ran["styles"]["CX Summary"]
    assert summary["A1"]["bold"] is True and summary["A1"]["size"] == 16
    assert any(style.get("fill") == "#1F3864" for style in summary.values())
    assert "0.0%" in set(ran["numberFormats"]["CX Surveys"].values())
    assert ran["columnWidths"]["CX Summary"]["A"] > 0
    # And Replay reads the callback's arguments as the JavaScript applies them.
    replay = Replay(payload, actions)
    assert replay.styles == ran["styles"]
    assert replay.number_formats == ran["numberFormats"]


def test_bottom_borders_and_wrapping_reach_the_cells(client, tmp_path):
    formats = {
        "sheet": "CX Checks",
        "numberFormats": [],
        "styles": [
            {
                "style": {"bold": True, "borders": ["EdgeBottom", "InsideHorizontal"]},
                "ranges": ["A1:A2"],
            },
            {"style": {"wrapText": True, "verticalAlignment": "Top"}, "ranges": ["C3"]},
        ],
        "columnWidths": [{"columns": "B:C", "points": 40.5}],
    }
    ran = run_callback(client, tmp_path, [_call(formats)])
    assert ran["error"] is None
    assert ran["styles"]["CX Checks"] == {
        "A1": {
            "bold": True,
            "border:EdgeBottom": "Continuous",
            "border:InsideHorizontal": "Continuous",
        },
        "A2": {
            "bold": True,
            "border:EdgeBottom": "Continuous",
            "border:InsideHorizontal": "Continuous",
        },
        "C3": {"wrapText": True, "verticalAlignment": "Top"},
    }
    assert ran["columnWidths"]["CX Checks"] == {"B": 40.5, "C": 40.5}
    assert ran["syncs"] == 1


@pytest.mark.parametrize(
    ("formats", "message"),
    [
        (
            {"sheet": "CX Summary", "styles": [{"style": {"underline": True}, "ranges": ["A1"]}]},
            "unknown style underline",
        ),
        ({"styles": []}, "name no sheet"),
    ],
    ids=["unknown-style-key", "no-sheet"],
)
def test_unknown_formats_are_refused_before_any_cell_changes(client, tmp_path, formats, message):
    good = {"bold": True}
    formats = {**formats, "numberFormats": [{"format": "0.0", "ranges": ["B2"]}]}
    if "styles" in formats and formats["styles"]:
        formats["styles"] = [{"style": good, "ranges": ["A2"]}, *formats["styles"]]
    ran = run_callback(client, tmp_path, [_call(formats)])
    assert message in ran["error"]
    assert ran["styles"] == {} and ran["numberFormats"] == {} and ran["syncs"] == 0


def _call(formats: dict) -> dict:
    return {
        "func": "runMacro",
        "args": [FORMAT_CALLBACK, formats],
        "values": None,
        "sheet_position": None,
        "start_row": None,
        "start_column": None,
        "row_count": None,
        "column_count": None,
    }
