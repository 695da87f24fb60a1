"""Cohort retention matrices: monthly, weekly and quarterly cases built by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxexcel.errors import EmptyInputError, InputError
from cxexcel.metrics.cohorts import cohort_table, cohorts

NaN = np.nan

# Jan cohort: a, b, c. Feb cohort: d, e. Apr cohort: f. (March has no new customer.)
MONTHLY = [
    ("a", "2024-01-03"),
    ("a", "2024-01-20"),  # second order in the same month counts once
    ("a", "2024-02-11"),
    ("a", "2024-04-01"),
    ("b", "2024-01-31"),
    ("b", "2024-02-01"),
    ("b", "2024-03-15"),
    ("c", "2024-01-15"),
    ("d", "2024-02-29"),
    ("d", "2024-03-01"),
    ("d", "2024-04-30"),
    ("e", "2024-02-02"),
    ("f", "2024-04-10"),
]


def run(rows, period="M"):
    customer, date = zip(*rows, strict=True)
    return cohorts(list(customer), list(date), period)


def test_monthly_matrix():
    out = run(MONTHLY)
    assert list(out.columns) == ["cohort", "size", 0, 1, 2, 3]
    assert list(out["cohort"]) == [
        pd.Timestamp(d) for d in ["2024-01-01", "2024-02-01", "2024-04-01"]
    ]
    assert list(out["size"]) == [3, 2, 1]
    expected = [
        [1, 2 / 3, 1 / 3, 1 / 3],
        [1, 1 / 2, 1 / 2, NaN],
        [1, NaN, NaN, NaN],
    ]
    np.testing.assert_allclose(out[[0, 1, 2, 3]].to_numpy(), expected)


def test_row_order_does_not_matter():
    shuffled = MONTHLY[::-1]
    pd.testing.assert_frame_equal(run(shuffled), run(MONTHLY))


def test_weekly_weeks_start_on_monday():
    # 2024-01-01 is a Monday; 2024-01-07 a Sunday (same week); 2024-01-08 the next week.
    rows = [
        ("a", "2024-01-01"),
        ("a", "2024-01-07"),
        ("a", "2024-01-15"),
        ("b", "2024-01-07"),
        ("b", "2024-01-08"),
        ("c", "2024-01-09"),
    ]
    out = run(rows, "W")
    assert list(out["cohort"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert list(out["size"]) == [2, 1]
    np.testing.assert_allclose(out[[0, 1, 2]].to_numpy(), [[1, 0.5, 0.5], [1, 0, NaN]])


def test_quarterly():
    rows = [
        ("a", dt.date(2023, 12, 31)),
        ("a", dt.date(2024, 5, 1)),
        ("b", dt.date(2023, 10, 1)),
        ("c", dt.date(2024, 1, 1)),
        ("c", dt.date(2024, 9, 30)),
    ]
    out = run(rows, "q")
    assert list(out["cohort"]) == [pd.Timestamp("2023-10-01"), pd.Timestamp("2024-01-01")]
    assert list(out["size"]) == [2, 1]
    np.testing.assert_allclose(out[[0, 1, 2, 3]].to_numpy(), [[1, 0, 0.5, 0], [1, 0, 1, NaN]])


def test_excel_ranges_numbers_as_customer_ids_and_blank_rows():
    out = cohorts(
        [[101.0], [None], [101.0], [102.0]],
        [
            [pd.Timestamp("2024-01-05")],
            [None],
            [pd.Timestamp("2024-02-05")],
            [np.datetime64("2024-02-01")],
        ],
    )
    assert list(out["size"]) == [1, 1]
    np.testing.assert_allclose(out[[0, 1]].to_numpy(), [[1, 1], [1, NaN]])


def test_cohort_table_rows_with_header():
    rows = cohort_table(["a", "a", "b"], ["2024-01-05", "2024-02-05", "2024-02-01"])
    assert rows == [
        ["cohort", "size", 0, 1],
        [dt.datetime(2024, 1, 1), 1, 1.0, 1.0],
        [dt.datetime(2024, 2, 1), 1, 1.0, None],
    ]


def test_only_numbers_strings_and_timestamps():
    out = run(MONTHLY)
    assert out["cohort"].dtype.kind == "M"
    assert out["size"].dtype.kind == "i"
    assert all(out[k].dtype == float for k in range(4))


def test_period_from_a_one_cell_range_and_blank_default():
    expected = run(MONTHLY, "M")
    customer, date = zip(*MONTHLY, strict=True)
    pd.testing.assert_frame_equal(cohorts(list(customer), list(date), [["m"]]), expected)
    pd.testing.assert_frame_equal(cohorts(list(customer), list(date), None), expected)


@pytest.mark.parametrize("period", ["D", "Y", "month", 1, True])
def test_other_periods_are_rejected(period):
    with pytest.raises(InputError, match=r'^period: .*must be "W", "M" or "Q"$'):
        cohorts(["a"], ["2024-01-01"], period)


def test_bad_date():
    with pytest.raises(InputError, match=r'^date: "2024-13-45" at item 2 is not a date$'):
        cohorts(["a", "b"], ["2024-01-01", "2024-13-45"])
    with pytest.raises(InputError, match=r"^date: True at item 1 is not a date$"):
        cohorts(["a"], [True])


def test_lengths_differ():
    with pytest.raises(InputError, match=r"^date: has 1 items but customer has 2"):
        cohorts(["a", "b"], ["2024-01-01"])


def test_blank_customer_in_a_filled_row():
    with pytest.raises(InputError, match=r"^customer: item 1 is blank"):
        cohorts([None, "b"], ["2024-01-01", "2024-01-01"])


def test_empty():
    with pytest.raises(EmptyInputError, match=r"^customer: has no values"):
        cohorts([None, ""], [None, None])


def test_numeric_and_text_ids_of_one_customer_are_one_customer():
    table = cohorts([1, "1", 2.0], ["2024-01-03", "2024-02-03", "2024-01-09"])
    assert list(table["size"]) == [2]
    assert list(table[1]) == [0.5]
