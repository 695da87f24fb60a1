"""Excel values to core inputs and back (``cxexcel.excel.convert``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxexcel import catalog
from cxexcel.excel import convert
from cxexcel.excel.convert import ExcelError


def test_numbers_and_blanks_become_a_float_array_in_the_range_shape():
    array = convert.argument([[1, ""], [None, 2.5]])
    assert array == pytest.approx(np.array([[1.0, np.nan], [np.nan, 2.5]]), nan_ok=True)
    assert convert.argument([[1, None, 3]]).shape == (1, 3)


def test_text_and_booleans_are_kept_for_the_core_to_report():
    assert convert.argument([[1], ["n/a"], [""], [True]]) == [[1], ["n/a"], [None], [True]]


def test_single_cells_arrive_unwrapped():
    assert convert.argument(5) == 5
    assert convert.argument("") is None
    assert convert.argument({"type": "Double", "basicValue": 4.5}) == 4.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            [[1], [{"type": "Error", "basicValue": "#N/A"}]],
            "lost: the cell at item 2 is the error #N/A",
        ),
        ([["#DIV/0!"]], "lost: the cell is the error #DIV/0!"),
        ({"type": "Error", "basicValue": "#REF!"}, "lost: the cell is the error #REF!"),
    ],
)
def test_error_cells_propagate_their_error(value, message):
    with pytest.raises(ExcelError) as raised:
        convert.argument(value, name="lost")
    assert raised.value.message == message
    assert raised.value.code == message.rsplit(" ", 1)[1]


def test_dates_are_excel_serial_numbers():
    assert convert.argument(45292, "dates") == dt.datetime(2024, 1, 1)
    dates = convert.argument([[45292], [""], [45293.5]], "dates")
    assert list(dates) == [pd.Timestamp(2024, 1, 1), pd.NaT, pd.Timestamp(2024, 1, 2, 12)]
    assert convert.serial_to_datetime(1) == dt.datetime(1899, 12, 31)


def test_text_ranges_are_flattened_row_by_row():
    assert convert.argument([["a", "b"], ["", "c"]], "text") == ["a", "b", None, "c"]


def test_results_become_cell_values():
    assert convert.result(0.25) == 0.25
    assert convert.result("healthy") == "healthy"
    assert convert.result(np.float64(2.0)) == 2.0
    assert convert.result(np.array([1.0, np.nan])) == [[1.0], [None]]
    assert convert.result(np.array([[1.0, np.inf]])) == [[1.0, "#NUM!"]]
    frame = pd.DataFrame({"month": ["2024-01"], "mrr": [np.int64(5)], "share": [np.nan]})
    assert convert.result(frame) == [["month", "mrr", "share"], ["2024-01", 5, None]]


def test_call_maps_core_errors_to_excel_errors():
    with pytest.raises(ExcelError) as raised:
        convert.call(catalog.get("NPS"), ([[1], [12]], None, None))
    assert raised.value.code == "#VALUE!"
    assert raised.value.message == "scores: 12 at item 2 is outside 0-10"


def test_call_uses_defaults_for_blank_optional_arguments():
    entry = catalog.get("NPS")
    assert convert.call(entry, ([[9], [6]], "", None)) == convert.call(entry, ([[9], [6]], 9, 6))
