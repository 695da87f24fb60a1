"""How many actions the ribbon's Build sends through xlwings' remote Book.

On Excel on the web every action is a round trip, so the count is the live
route's speed. Measured on the sample tables "Insert sample tables" writes,
through the function the Build button's script runs, in the remote Book's
JSON answer.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "excel"))

from remote_book import FORMAT_CALLBACK, payload_from_tables, remote_book  # noqa: E402

from cxexcel.excel.scripts import SAMPLE_CUSTOMERS, build_metric_sheets_in  # noqa: E402
from cxexcel.report import build_report  # noqa: E402
from cxexcel.report.xlwings_writer import write_book  # noqa: E402
from cxexcel.sample_data import generate  # noqa: E402

#: Issue 12's goal for the Build on the sample tables (9 sheets). Measured:
#: 124 (679 with xlwings' own format actions, one per property and rectangle;
#: 575 for 6 sheets before the values were batched per sheet).
FEWER_THAN = 150

# xlwings' per-property format actions, which the Build no longer sends.
_FORMAT_ACTIONS = {
    "setNumberFormat",
    "setFontProperty",
    "setRangeColor",
    "setColumnWidth",
    "setHorizontalAlignment",
    "setVerticalAlignment",
    "setWrapText",
    "setBorderProperty",
}


def test_build_on_the_sample_tables_sends_fewer_than_150_actions():
    tables = generate(customers=SAMPLE_CUSTOMERS)
    book = remote_book(payload_from_tables(tables))
    assert build_metric_sheets_in(book) is True
    actions = book.json()["actions"]
    kinds = Counter(action["func"] for action in actions)
    sheets = len(build_report(tables).sheets)
    assert sheets == 9
    assert kinds["addSheet"] == sheets
    assert kinds["setValues"] == sheets  # one 2-D write per sheet
    # One format call per sheet, carrying its number formats, styles and widths.
    calls = [action["args"] for action in actions if action["func"] == "runMacro"]
    assert [args[0] for args in calls] == [FORMAT_CALLBACK] * sheets
    assert not _FORMAT_ACTIONS & kinds.keys()
    assert len(actions) < FEWER_THAN, (len(actions), kinds.most_common())


def test_without_the_callback_the_same_build_needs_xlwings_format_actions():
    # The baseline the callback replaces: xlwings' own actions, which every
    # add-in understands, cost several hundred round trips on these sheets.
    tables = generate(customers=SAMPLE_CUSTOMERS)
    book = remote_book(payload_from_tables(tables))
    write_book(build_report(tables), book)
    actions = book.json()["actions"]
    assert "runMacro" not in {action["func"] for action in actions}
    assert len(actions) > 4 * FEWER_THAN
