"""Excel values to core inputs and back (``cxexcel.excel.convert``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

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
    assert convert.serial_to_datetime(1) == dt.datetime(1900, 1, 1)  # as Excel shows it


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


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "the result is not a number (NaN)"),
        (np.float64("nan"), "the result is not a number (NaN)"),
        (float("-inf"), "the result is too large for Excel (infinite)"),
        (np.float64("inf"), "the result is too large for Excel (infinite)"),
    ],
)
def test_a_single_non_finite_result_is_num(value, message):
    # Inside a spill NaN is a value that does not exist (a cohort cell not yet
    # observed) and stays blank; a whole result that is NaN is no answer.
    with pytest.raises(ExcelError) as raised:
        convert.result(value)
    assert (raised.value.code, raised.value.message) == ("#NUM!", message)


def test_call_maps_core_errors_to_excel_errors():
    with pytest.raises(ExcelError) as raised:
        convert.call(catalog.get("NPS"), ([[1], [12]], None, None))
    assert raised.value.code == "#VALUE!"
    assert raised.value.message == "scores: 12 at item 2 is outside 0-10"


def test_call_uses_defaults_for_blank_optional_arguments():
    entry = catalog.get("NPS")
    assert convert.call(entry, ([[9], [6]], "", None)) == convert.call(entry, ([[9], [6]], 9, 6))


# Dates: serial numbers within 1900-01-01 .. 2199-12-31, text only as ISO.

LAST_SERIAL = 109574  # 2199-12-31
SERIAL_RANGE = "Excel serial numbers run from 1 (1900-01-01) to 109574 (2199-12-31)"


def test_the_last_serial_number_is_the_last_day_of_2199():
    assert convert.serial_to_datetime(LAST_SERIAL) == dt.datetime(2199, 12, 31)
    assert convert.argument(LAST_SERIAL + 0.75, "dates") == dt.datetime(2199, 12, 31, 18)
    assert convert.argument(1, "dates") == convert.serial_to_datetime(1)  # the first accepted


@pytest.mark.parametrize(
    ("serial", "shown"),
    [
        (0, "0"),
        (0.5, "0.5"),
        (-1, "-1"),
        (LAST_SERIAL + 1, "109575"),
        (3e6, "3000000"),
        (1e9, "1000000000"),
        (1e300, "1e+300"),
    ],
)
def test_serial_numbers_outside_the_date_range_are_refused(serial, shown):
    with pytest.raises(ExcelError) as raised:
        convert.argument([[45292], [serial]], "dates", "date")
    assert raised.value.code == "#VALUE!"
    assert raised.value.message == f"date: {shown} at item 2 is not a date ({SERIAL_RANGE})"
    with pytest.raises(ExcelError) as raised:
        convert.argument(serial, "dates", "end_date")
    assert raised.value.message == f"end_date: {shown} is not a date ({SERIAL_RANGE})"


def test_iso_text_dates_are_read_and_others_refused():
    dates = convert.argument(
        [["2024-02-05"], [" 2024-02-05 13:30 "], ["2024-02-05T08:00:00"], ["2024-03"], [""]],
        "dates",
    )
    assert list(dates) == [
        pd.Timestamp(2024, 2, 5),
        pd.Timestamp(2024, 2, 5, 13, 30),
        pd.Timestamp(2024, 2, 5, 8),
        pd.Timestamp(2024, 3, 1),
        pd.NaT,
    ]
    assert convert.argument("2024-01-29", "dates") == dt.datetime(2024, 1, 29)


@pytest.mark.parametrize(
    "text", ["05/02/2024", "5.2.2024", "Feb 5, 2024", "20240205", "2024-02-30", "2024-W06-1"]
)
def test_ambiguous_or_invalid_text_dates_are_refused(text):
    with pytest.raises(ExcelError) as raised:
        convert.argument([["2024-01-01"], [text]], "dates", "date")
    assert raised.value.code == "#VALUE!"
    assert raised.value.message == (
        f'date: "{text}" at item 2 is not a date (use a date cell or YYYY-MM-DD text)'
    )


def test_text_dates_outside_the_date_range_are_refused():
    with pytest.raises(ExcelError) as raised:
        convert.argument("2300-01-01", "dates", "end_date")
    assert raised.value.message == (
        'end_date: "2300-01-01" is not a date (dates run from 1900-01-01 to 2199-12-31)'
    )


# Optional arguments: omitted, blank, given.

TWO_MODE = {("REPEAT_RATE", "customers"), ("MRR", "arpc"), ("TIME_ON_SITE", "visitors")}


def test_every_optional_number_without_a_default_is_a_formula_switch_or_listed():
    # A new optional range/value argument with the default None needs a decision:
    # does a blank cell mean "the other formula" (then it must not be taken
    # silently) or a default the core works out (convert.BLANK_TAKES_DEFAULT)?
    none_default = {
        (entry.name, spec.name)
        for entry in catalog.functions()
        for spec in entry.args
        if spec.optional and spec.default is None and spec.kind in ("range", "value")
    }
    assert none_default == TWO_MODE | convert.BLANK_TAKES_DEFAULT


@pytest.mark.parametrize("blank", ["", [[""]], [[None]], [None]])
@pytest.mark.parametrize(
    ("name", "first"),
    [("REPEAT_RATE", 30), ("MRR", [[10], [20]]), ("TIME_ON_SITE", [[2], [4]])],
)
def test_a_blank_cell_does_not_switch_formula(name, first, blank):
    entry = catalog.get(name)
    second = entry.args[1].name
    with pytest.raises(ExcelError) as raised:
        convert.call(entry, (first, blank))
    assert raised.value.code == "#N/A"
    assert raised.value.message == f"{second}: has no values (all blank)"


@pytest.mark.parametrize(
    ("name", "first", "expected"),
    [
        ("REPEAT_RATE", [["a"], ["a"], ["b"]], 0.5),
        ("MRR", [[10], [20]], 30.0),
        ("TIME_ON_SITE", [[2], [4]], 3.0),
    ],
)
def test_an_omitted_argument_means_the_one_range_formula(name, first, expected):
    entry = catalog.get(name)
    assert convert.call(entry, (first, convert.OMITTED)) == expected
    assert convert.call(entry, (first, None)) == expected  # a Python caller's None


@pytest.mark.parametrize("blank", [convert.OMITTED, None, "", [[""]], [[None]]])
def test_blank_or_omitted_options_with_a_default_take_it(blank):
    scores = [[9], [6], [10], [3]]
    assert convert.call(catalog.get("NPS"), (scores, blank, blank)) == 0.0
    assert convert.call(catalog.get("NPS"), (scores, 10, blank)) == -25.0
    ratings = [[5], [4], [3], [2]]
    assert convert.call(catalog.get("CSAT"), (ratings, blank, blank)) == 0.5  # top two boxes
    assert convert.call(catalog.get("NPS_MOE"), (scores, blank)) == convert.call(
        catalog.get("NPS_MOE"), (scores, 0.95)
    )


def test_a_blank_end_date_means_the_last_transaction_date():
    entry = catalog.get("RFM")
    args = (["a", "a", "b"], [[45292], [45299], [45295]], [[10], [20], [5]])
    default = convert.call(entry, (*args, convert.OMITTED, convert.OMITTED))
    assert convert.call(entry, (*args, [[""]], [[""]])) == default
    assert convert.call(entry, (*args, 45299, "M")) == default  # M: the default unit


# Anything but a core error: #VALUE! naming the function, the traceback in the log.


def test_unexpected_exceptions_become_value_errors_naming_the_function(caplog):
    def broken(scores, promoter_min=9, detractor_max=6):
        raise OverflowError("date value out of range")

    entry = dataclasses.replace(catalog.get("NPS"), function=broken)
    with caplog.at_level(logging.ERROR, logger="cxexcel.excel.convert"):
        with pytest.raises(ExcelError) as raised:
            convert.call(entry, ([[9]], None, None))
    assert raised.value.code == "#VALUE!"
    assert raised.value.message == (
        "CX.NPS: could not be computed (OverflowError: date value out of range)"
    )
    [record] = caplog.records
    assert "CX.NPS" in record.getMessage()
    assert record.exc_info[0] is OverflowError  # the traceback stays visible


def test_unexpected_exceptions_in_argument_conversion_become_value_errors(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(convert, "argument", broken)
    with pytest.raises(ExcelError) as raised:
        convert.call(catalog.get("CHURN"), (100, 5))
    assert raised.value.code == "#VALUE!"
    assert raised.value.message == "CX.CHURN: could not be computed (KeyError: 'boom')"
