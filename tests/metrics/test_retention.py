"""ARR, annualized churn and the revenue-retention tables: hand-built tables,
the window=1 identity with the MRR movements, gap months, bad input, and a
brute-force reference on random data."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxexcel import metrics as m
from cxexcel.errors import EmptyInputError, InputError
from cxexcel.metrics.movements import mrr_movements
from cxexcel.metrics.mrr_retention import (
    CHURN_COLUMNS,
    RETENTION_COLUMNS,
    annualized_churn,
    arr,
    churn_table,
    revenue_cohorts,
    revenue_retention,
)

#            Jan  Feb  Mar  Apr
#   a        100  120  150  200
#   b         50   50    0    -
#   c          -   80   60   60
#   d         40    -    -   40
SAMPLE = [
    ("a", "2024-01", 100),
    ("b", "2024-01", 50),
    ("d", "2024-01", 40),
    ("a", "2024-02", 120),
    ("b", "2024-02", 50),
    ("c", "2024-02", 80),
    ("a", "2024-03", 150),
    ("b", "2024-03", 0),
    ("c", "2024-03", 60),
    ("a", "2024-04", 200),
    ("c", "2024-04", 60),
    ("d", "2024-04", 40),
]


def columns(rows):
    customer, month, mrr = zip(*rows, strict=True)
    return list(customer), [m + "-01" for m in month], list(mrr)


def by_month(frame, column="month"):
    return frame.set_index(frame[column].dt.strftime("%Y-%m"))


def check(frame, expected):
    """Every column of ``frame`` (by month) against ``expected``: {column: [values]}."""
    for name, values in expected.items():
        np.testing.assert_allclose(frame[name].to_numpy(float), values, rtol=1e-12, err_msg=name)


def test_the_five_functions_are_exported():
    assert m.arr is arr and m.annualized_churn is annualized_churn
    assert m.revenue_retention is revenue_retention
    assert m.revenue_cohorts is revenue_cohorts and m.churn_table is churn_table
    # The customer retention rate keeps its name in the package.
    assert m.retention(100, 105, 10) == pytest.approx(0.95)


# --- ARR ---------------------------------------------------------------------------


def test_arr_of_one_figure_and_of_a_range():
    assert arr(4000) == 48000.0
    assert arr([[1000], [2500], [None], [""], [1500]]) == 60000.0
    assert arr(np.array([1.5, 2.5])) == 48.0
    assert arr(0) == 0.0


def test_arr_bad_input():
    with pytest.raises(InputError, match=r"^mrr: -5 at item 2 is outside the allowed range"):
        arr([10, -5])
    with pytest.raises(InputError, match=r'^mrr: "x" at item 2 is not a number$'):
        arr([10, "x"])
    with pytest.raises(EmptyInputError, match=r"^mrr: has no values"):
        arr([None, ""])


# --- annualized churn ----------------------------------------------------------------


def test_annualized_churn_values():
    assert annualized_churn(0.05) == pytest.approx(0.45963991233736, abs=1e-13)
    assert annualized_churn(0.1, 4) == pytest.approx(0.3439, abs=1e-15)
    assert annualized_churn(0) == 0.0
    assert annualized_churn(1) == 1.0
    assert annualized_churn(0.05, 1) == pytest.approx(0.05)
    assert annualized_churn(0.2, 0.5) == pytest.approx(1 - 0.8**0.5)


def test_annualized_churn_is_element_wise_with_blanks():
    out = annualized_churn([[0.01], [None], [0.02]])
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out[[0, 2], 0], [1 - 0.99**12, 1 - 0.98**12])
    assert np.isnan(out[1, 0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.5,), "churn: 1.5 must be a rate from 0 to 1"),
        (([0.1, 1.5],), "churn: 1.5 at item 2 must be a rate from 0 to 1"),
        ((-0.1,), "churn: -0.1 is negative"),
        (("x",), 'churn: "x" is not a number'),
        ((0.05, 0), "periods: 0 must be greater than 0"),
        ((0.05, -12), "periods: -12 must be greater than 0"),
        ((0.05, [12, 4]), "periods: must be a single value, not a range of 2 cells"),
    ],
)
def test_annualized_churn_bad_input(args, message):
    with pytest.raises(InputError) as info:
        annualized_churn(*args)
    assert str(info.value) == message
    assert info.value.excel_code == "#VALUE!"


# --- revenue retention ---------------------------------------------------------------


def test_revenue_retention_two_month_window_every_column():
    out = revenue_retention(*columns(SAMPLE), window=2)
    assert list(out.columns) == RETENTION_COLUMNS
    assert list(out["month"]) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    # March's base: January's a 100, b 50, d 40; in March a 150 (100 for GRR), b 0, d 0.
    # April's base: February's a 120, b 50, c 80; in April a 200 (120), b 0, c 60.
    check(
        out,
        {
            "base_mrr": [190, 250],
            "mrr_now": [150, 260],
            "nrr": [150 / 190, 260 / 250],
            "grr": [100 / 190, 180 / 250],
        },
    )


def test_revenue_retention_month_over_month_every_column():
    out = revenue_retention(*columns(SAMPLE), window=1)
    assert list(out["month"].dt.strftime("%Y-%m")) == ["2024-02", "2024-03", "2024-04"]
    check(
        out,
        {
            "base_mrr": [190, 250, 210],
            "mrr_now": [170, 210, 260],
            "nrr": [170 / 190, 210 / 250, 260 / 210],
            "grr": [150 / 190, 180 / 250, 1.0],
        },
    )
    assert all(out[c].dtype == float for c in RETENTION_COLUMNS[1:])


def test_revenue_retention_default_window_is_twelve_months():
    rows = [("a", "2023-01", 100), ("b", "2023-01", 50), ("a", "2024-01", 130)]
    rows += [("b", "2023-06", 50), ("c", "2023-06", 10), ("a", "2024-02", 90)]
    out = by_month(revenue_retention(*columns(rows)))
    assert list(out.index) == ["2024-01", "2024-02"]
    check(out, {"base_mrr": [150, 0], "mrr_now": [130, 0]})
    assert out.loc["2024-01", "nrr"] == pytest.approx(130 / 150)
    assert out.loc["2024-01", "grr"] == pytest.approx(100 / 150)
    # February 2023 has no rows: nobody to retain, so blank ratios, not 0.
    assert np.isnan(out.loc["2024-02", "nrr"]) and np.isnan(out.loc["2024-02", "grr"])


def test_revenue_retention_gap_month_and_customers_at_zero():
    rows = [("a", "2024-01", 10), ("b", "2024-01", 0), ("a", "2024-03", 12), ("b", "2024-03", 5)]
    out = by_month(revenue_retention(*columns(rows), window=1))
    assert list(out.index) == ["2024-02", "2024-03"]
    # February has no rows: a's 10 is lost; b at 0 in January is in no base.
    check(out, {"base_mrr": [10, 0], "mrr_now": [0, 0], "nrr": [0, np.nan], "grr": [0, np.nan]})
    two = by_month(revenue_retention(*columns(rows), window=2))
    check(two, {"base_mrr": [10], "mrr_now": [12], "nrr": [1.2], "grr": [1.0]})


def test_revenue_retention_sums_duplicate_rows_and_reads_any_day():
    out = revenue_retention(
        ["a", "a", "a"], ["2024-01-31", "2024-01-02", "2024-02-15"], [10, 5, 30], 1
    )
    check(out, {"base_mrr": [15], "mrr_now": [30], "nrr": [2.0], "grr": [1.0]})


def test_revenue_retention_window_longer_than_the_data_has_no_rows():
    out = revenue_retention(*columns(SAMPLE), window=4)
    assert list(out.columns) == RETENTION_COLUMNS and len(out) == 0
    assert len(revenue_retention(*columns(SAMPLE), window=3)) == 1


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (0, "window: 0 must be a whole number of months, at least 1"),
        (-1, "window: -1 must be a whole number of months, at least 1"),
        (1.5, "window: 1.5 must be a whole number of months, at least 1"),
        ("x", 'window: "x" is not a number'),
        ([[1, 2]], "window: must be a single value, not a range of 2 cells"),
    ],
)
def test_revenue_retention_bad_window(window, message):
    with pytest.raises(InputError) as info:
        revenue_retention(*columns(SAMPLE), window=window)
    assert str(info.value) == message


def test_revenue_retention_accepts_a_one_cell_window():
    np.testing.assert_allclose(
        revenue_retention(*columns(SAMPLE), [[2.0]])["nrr"],
        revenue_retention(*columns(SAMPLE), 2)["nrr"],
    )


def random_table(seed, customers=60, months=18, rows=700):
    """Seeded random customer-month rows with zeros, duplicates and gaps."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, customers, rows)
    month = rng.integers(0, months, rows)
    mrr = np.where(rng.random(rows) < 0.15, 0.0, rng.gamma(2.0, 50.0, rows).round(2))
    dates = pd.Series(
        (np.datetime64("2023-05", "M") + month.astype("timedelta64[M]")).astype("datetime64[ns]")
        + rng.integers(0, 28, rows).astype("timedelta64[D]")
    )
    return [f"C{c}" for c in customer], dates, mrr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_window_one_is_the_monthly_nrr_and_grr_of_the_mrr_movements(seed):
    table = random_table(seed)
    moves = mrr_movements(*table).iloc[1:].reset_index(drop=True)
    out = revenue_retention(*table, window=1)
    assert list(out["month"]) == list(moves["month"])
    start = moves["starting_mrr"].to_numpy()
    kept = start - moves["churned"] - moves["contraction"]
    assert (start > 0).all()  # the comparison covers every month
    np.testing.assert_allclose(out["base_mrr"], start, rtol=1e-12)
    np.testing.assert_allclose(out["nrr"], (kept + moves["expansion"]) / start, rtol=1e-9)
    np.testing.assert_allclose(out["grr"], kept / start, rtol=1e-9)


def test_window_one_identity_holds_with_empty_months():
    table = random_table(4, customers=5, months=30, rows=12)
    moves = mrr_movements(*table).iloc[1:].reset_index(drop=True)
    out = revenue_retention(*table, window=1)
    start = moves["starting_mrr"].to_numpy()
    assert (start == 0).any()
    with np.errstate(invalid="ignore", divide="ignore"):
        nrr = (start - moves["churned"] - moves["contraction"] + moves["expansion"]) / start
    np.testing.assert_allclose(out["nrr"], np.where(start > 0, nrr, np.nan), rtol=1e-9)


# --- revenue cohorts -----------------------------------------------------------------


def test_revenue_cohorts_every_column_and_expansion_above_one():
    out = revenue_cohorts(*columns(SAMPLE))
    assert list(out.columns) == ["cohort", "mrr", 0, 1, 2, 3]
    assert list(out["cohort"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    # January cohort a, b, d: 190, then 170 (a 120, b 50), 150 (a), 240 (a 200, d 40).
    np.testing.assert_allclose(
        out.iloc[0, 1:].to_numpy(float), [190, 1, 170 / 190, 150 / 190, 240 / 190]
    )
    # February cohort c: 80, then 60, 60, and April is the last month of the data.
    np.testing.assert_allclose(out.iloc[1, 1:].to_numpy(float), [80, 1, 0.75, 0.75, np.nan])
    assert out.iloc[0, 5] > 1


def test_revenue_cohorts_gap_month_and_first_paying_month():
    rows = [("a", "2024-01", 0), ("a", "2024-02", 10), ("b", "2024-02", 30)]
    rows += [("a", "2024-04", 50), ("c", "2024-04", 7)]
    out = by_month(revenue_cohorts(*columns(rows)), "cohort")
    # a's cohort is February, its first MRR above 0; nobody starts in January or March.
    assert list(out.index) == ["2024-02", "2024-04"]
    assert list(out["mrr"]) == [40, 7]
    # March has no rows (0); in April a pays 50 of the cohort's 40.
    np.testing.assert_allclose(out.loc["2024-02", [0, 1, 2]].to_numpy(float), [1, 0, 1.25])
    np.testing.assert_allclose(out.loc["2024-04", [0, 1, 2]].to_numpy(float), [1, np.nan, np.nan])


def test_revenue_cohorts_of_nobody_paying_is_an_empty_table():
    out = revenue_cohorts(["a", "b"], ["2024-01-01", "2024-02-01"], [0, 0])
    assert list(out.columns) == ["cohort", "mrr", 0, 1] and len(out) == 0


# --- churn table ---------------------------------------------------------------------


def test_churn_table_every_column():
    out = churn_table(*columns(SAMPLE))
    assert list(out.columns) == CHURN_COLUMNS
    assert list(out["month"].dt.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    check(
        out,
        {
            "starting_customers": [0, 3, 3, 2],
            "new": [3, 1, 0, 0],
            "reactivated": [0, 0, 0, 1],
            "churned": [0, 1, 1, 0],
            "ending_customers": [3, 3, 2, 3],
            "churn_rate": [np.nan, 1 / 3, 1 / 3, 0],
        },
    )
    assert all(out[c].dtype == np.int64 for c in CHURN_COLUMNS[1:-1])


def test_churn_table_gap_months_count_everyone_as_inactive():
    rows = [("a", "2024-01", 10), ("b", "2024-01", 5), ("a", "2024-04", 10), ("b", "2024-04", 0)]
    rows += [("c", "2024-04", 3)]
    out = by_month(churn_table(*columns(rows)))
    assert list(out.index) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    check(
        out,
        {
            "starting_customers": [0, 2, 0, 0],
            "new": [2, 0, 0, 1],
            "reactivated": [0, 0, 0, 1],
            "churned": [0, 2, 0, 0],
            "ending_customers": [2, 0, 0, 2],
            "churn_rate": [np.nan, 1, np.nan, np.nan],
        },
    )


def test_churn_table_agrees_with_the_customer_churn_rate():
    out = churn_table(*random_table(5))
    rows = out.iloc[1:]
    np.testing.assert_allclose(
        rows["churn_rate"],
        m.churn(rows["starting_customers"].to_numpy(), rows["churned"].to_numpy()),
    )


# --- all three tables against a dense reference ---------------------------------------


def dense(customers, months, amounts):
    """customer -> list of MRR per month, walked month by month (small data only)."""
    n_months = max(months) + 1
    matrix = {}
    for c, mo, a in zip(customers, months, amounts, strict=True):
        matrix.setdefault(c, [0.0] * n_months)[mo] += a
    return matrix, n_months


records = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 14),
        st.one_of(st.just(0.0), st.floats(0.01, 1000, allow_nan=False)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(records, st.integers(1, 4))
def test_tables_match_a_dense_reference(rows, window):
    customers, months, amounts = zip(*rows, strict=True)
    first = min(months)
    months = [mo - first for mo in months]
    dates = [pd.Timestamp("2023-11-01") + pd.DateOffset(months=mo) for mo in months]
    matrix, n_months = dense(customers, months, amounts)
    series = list(matrix.values())

    out = revenue_retention(list(customers), dates, list(amounts), window)
    assert len(out) == max(n_months - window, 0)
    for i, mo in enumerate(range(window, n_months)):
        base = [(s[mo - window], s[mo]) for s in series if s[mo - window] > 0]
        total = sum(then for then, _ in base)
        assert out["base_mrr"][i] == pytest.approx(total)
        assert out["mrr_now"][i] == pytest.approx(sum(now for _, now in base))
        if total > 0:
            assert out["nrr"][i] == pytest.approx(sum(now for _, now in base) / total)
            assert out["grr"][i] == pytest.approx(sum(min(t, n) for t, n in base) / total)
        else:
            assert np.isnan(out["nrr"][i]) and np.isnan(out["grr"][i])

    table = churn_table(list(customers), dates, list(amounts))
    assert len(table) == n_months
    for mo in range(n_months):
        prev = [s[mo - 1] > 0 if mo else False for s in series]
        cur = [s[mo] > 0 for s in series]
        before = [any(v > 0 for v in s[:mo]) for s in series]
        row = table.iloc[mo]
        assert row["starting_customers"] == sum(prev)
        assert row["ending_customers"] == sum(cur)
        assert row["churned"] == sum(p and not c for p, c in zip(prev, cur, strict=True))
        assert row["new"] == sum(c and not b for c, b in zip(cur, before, strict=True))
        assert row["reactivated"] == sum(
            c and not p and b for c, p, b in zip(cur, prev, before, strict=True)
        )
        assert row["ending_customers"] == (
            row["starting_customers"] + row["new"] + row["reactivated"] - row["churned"]
        )

    cohorts = revenue_cohorts(list(customers), dates, list(amounts))
    starts = {}
    for s in series:
        paying = [mo for mo in range(n_months) if s[mo] > 0]
        if paying:
            starts.setdefault(paying[0], []).append(s)
    assert [ts.month for ts in cohorts["cohort"]] == [
        (pd.Timestamp("2023-11-01") + pd.DateOffset(months=c)).month for c in sorted(starts)
    ]
    for (_, row), c in zip(cohorts.iterrows(), sorted(starts), strict=True):
        base = sum(s[c] for s in starts[c])
        assert row["mrr"] == pytest.approx(base)
        for age in range(n_months):
            if c + age < n_months:
                assert row[age] == pytest.approx(sum(s[c + age] for s in starts[c]) / base)
            else:
                assert np.isnan(row[age])


# --- bad table input and size ---------------------------------------------------------


@pytest.mark.parametrize("function", [revenue_retention, revenue_cohorts, churn_table])
def test_bad_table_input_names_argument_value_and_item(function):
    with pytest.raises(InputError, match=r'^mrr: "abc" at item 2 is not a number$'):
        function(["a", "b"], ["2024-01-01", "2024-01-01"], [1, "abc"])
    with pytest.raises(InputError, match=r"^mrr: -5 at item 3 is negative$"):
        function(["a", "b", "c"], ["2024-01-01"] * 3, [1, 2, -5])
    with pytest.raises(InputError, match=r'^month: "soon" at item 2 is not a date$'):
        function(["a", "b"], ["2024-01-01", "soon"], [1, 2])
    with pytest.raises(InputError, match=r"^mrr: has 3 items but customer has 2"):
        function(["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2, 3])
    with pytest.raises(EmptyInputError, match=r"^customer: has no values") as info:
        function([[None], [None]], [[None], [None]], [[None], [None]])
    assert info.value.excel_code == "#N/A"


def test_a_million_rows():
    rng = np.random.default_rng(7)
    n = 1_000_000
    customer = rng.integers(0, 60_000, n)
    month = rng.integers(0, 36, n)
    dates = pd.Series(
        (np.datetime64("2022-01", "M") + month.astype("timedelta64[M]")).astype("datetime64[ns]")
    )
    mrr = np.where(rng.random(n) < 0.05, 0.0, rng.gamma(2.0, 40.0, n))

    out = revenue_retention(customer, dates, mrr)
    assert len(out) == 24 and out["nrr"].between(0, 5).all()
    cohorts = revenue_cohorts(customer, dates, mrr)
    assert len(cohorts) <= 36 and (cohorts[0] == 1).all()
    table = churn_table(customer, dates, mrr)
    assert len(table) == 36
    flow = table["starting_customers"] + table["new"] + table["reactivated"] - table["churned"]
    assert (flow == table["ending_customers"]).all()
