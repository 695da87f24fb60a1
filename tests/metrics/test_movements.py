"""MRR movements: each movement kind by hand, gap months, and the identity on random data."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxexcel.errors import EmptyInputError, InputError
from cxexcel.metrics.movements import MOVEMENT_COLUMNS, mrr_movements

MOVES = ["new", "expansion", "contraction", "churned", "reactivation"]


def table(rows):
    """mrr_movements of (customer, "YYYY-MM", mrr) rows, indexed by "YYYY-MM"."""
    customer, month, mrr = zip(*rows, strict=True)
    out = mrr_movements(list(customer), [m + "-01" for m in month], list(mrr))
    return out.set_index(out["month"].dt.strftime("%Y-%m"))


def moves(frame, month):
    return {name: frame.loc[month, name] for name in MOVES if frame.loc[month, name] != 0}


def test_columns_and_types():
    out = mrr_movements(["a"], [dt.date(2024, 1, 15)], [10])
    assert list(out.columns) == MOVEMENT_COLUMNS
    assert out["month"].iloc[0] == pd.Timestamp("2024-01-01")
    assert all(out[c].dtype == float for c in MOVEMENT_COLUMNS[1:])


def test_new_customers():
    out = table([("a", "2024-01", 10), ("b", "2024-02", 5), ("a", "2024-02", 10)])
    assert moves(out, "2024-01") == {"new": 10}
    assert moves(out, "2024-02") == {"new": 5}
    assert out.loc["2024-02", "starting_mrr"] == 10
    assert out.loc["2024-02", "ending_mrr"] == 15


def test_expansion_and_contraction():
    out = table(
        [("a", "2024-01", 10), ("b", "2024-01", 50), ("a", "2024-02", 25), ("b", "2024-02", 20)]
    )
    assert moves(out, "2024-02") == {"expansion": 15, "contraction": 30}
    assert out.loc["2024-02", "ending_mrr"] == 45


def test_churned_in_the_month_the_customer_disappears():
    out = table([("a", "2024-01", 10), ("b", "2024-01", 7), ("b", "2024-02", 7)])
    assert moves(out, "2024-02") == {"churned": 10}
    assert out.loc["2024-02", "ending_mrr"] == 7


def test_churned_when_mrr_drops_to_zero():
    out = table([("a", "2024-01", 10), ("a", "2024-02", 0)])
    assert moves(out, "2024-02") == {"churned": 10}
    assert out.loc["2024-02", "ending_mrr"] == 0


def test_no_churn_after_the_last_month():
    out = table([("a", "2024-01", 10), ("a", "2024-02", 10)])
    assert list(out.index) == ["2024-01", "2024-02"]
    assert out["churned"].sum() == 0


def test_reactivation_after_a_month_at_zero_is_not_new():
    out = table([("a", "2024-01", 10), ("a", "2024-02", 0), ("a", "2024-03", 12)])
    assert moves(out, "2024-02") == {"churned": 10}
    assert moves(out, "2024-03") == {"reactivation": 12}


def test_reactivation_after_absent_months():
    out = table(
        [("a", "2024-01", 10), ("b", "2024-02", 1), ("b", "2024-03", 1), ("a", "2024-04", 8)]
    )
    assert moves(out, "2024-02") == {"new": 1, "churned": 10}
    assert moves(out, "2024-04") == {"reactivation": 8, "churned": 1}


def test_zero_first_then_paying_is_new():
    out = table([("a", "2024-01", 0), ("a", "2024-02", 9)])
    assert moves(out, "2024-01") == {}
    assert moves(out, "2024-02") == {"new": 9}


def test_gap_months_are_filled_with_zero_rows():
    out = table([("a", "2024-01", 10), ("a", "2024-05", 10)])
    assert list(out.index) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert moves(out, "2024-02") == {"churned": 10}
    assert moves(out, "2024-03") == {} and moves(out, "2024-04") == {}
    assert out.loc["2024-04", "ending_mrr"] == 0
    assert moves(out, "2024-05") == {"reactivation": 10}


def test_gaps_across_a_year_end():
    out = table([("a", "2023-11", 10), ("a", "2024-02", 10)])
    assert list(out.index) == ["2023-11", "2023-12", "2024-01", "2024-02"]


def test_all_zero_mrr_gives_a_table_of_zeros():
    out = table([("a", "2024-01", 0), ("b", "2024-03", 0)])
    assert len(out) == 3
    assert (out[MOVEMENT_COLUMNS[1:]] == 0).all().all()
    assert all(out[c].dtype == float for c in MOVEMENT_COLUMNS[1:])


def test_duplicate_customer_months_are_summed():
    out = table([("a", "2024-01", 10), ("a", "2024-01", 5), ("a", "2024-02", 15)])
    assert moves(out, "2024-01") == {"new": 15}
    assert moves(out, "2024-02") == {}


def test_any_day_in_the_month_names_the_month_and_order_does_not_matter():
    out = mrr_movements(
        ["a", "a", "a"],
        [pd.Timestamp("2024-03-31"), dt.datetime(2024, 1, 1, 13, 5), np.datetime64("2024-02-14")],
        [30, 10, 20],
    )
    assert list(out["expansion"]) == [0, 10, 10]
    assert list(out["new"]) == [10, 0, 0]


def test_excel_column_ranges_with_blank_rows():
    out = mrr_movements(
        [["a"], [None], ["a"], [None]],
        [["2024-01-01"], [None], ["2024-02-01"], [""]],
        [[10.0], [None], [12.0], [None]],
    )
    assert list(out["ending_mrr"]) == [10, 12]
    assert list(out["expansion"]) == [0, 2]


def test_numpy_and_series_inputs():
    months = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"]))
    out = mrr_movements(np.array([1, 1, 2]), months, np.array([5.0, 4.0, 3.0]))
    assert moves(out.set_index(out["month"].dt.strftime("%Y-%m")), "2024-02") == {
        "contraction": 1,
        "new": 3,
    }


def reference(customers, months, amounts):
    """Dense customer x month matrix, walked month by month."""
    n_months = max(months) + 1
    matrix = {}
    for c, m, a in zip(customers, months, amounts, strict=True):
        matrix.setdefault(c, [0.0] * n_months)[m] += a
    rows = []
    for m in range(n_months):
        row = dict.fromkeys(MOVES, 0.0)
        for series in matrix.values():
            prev = series[m - 1] if m else 0.0
            cur = series[m]
            paid_before = any(v > 0 for v in series[:m])
            if prev == 0 and cur > 0:
                row["reactivation" if paid_before else "new"] += cur
            elif prev > 0 and cur == 0:
                row["churned"] += prev
            elif cur > prev:
                row["expansion"] += cur - prev
            else:
                row["contraction"] += prev - cur
        row["ending_mrr"] = sum(series[m] for series in matrix.values())
        rows.append(row)
    return rows


records = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 14),
        st.one_of(st.just(0.0), st.floats(0.01, 1000, allow_nan=False)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(records)
def test_identity_and_reference_on_random_data(rows):
    customers, months, amounts = zip(*rows, strict=True)
    # Month numbers count from the earliest month present, as the function does.
    first = min(months)
    months = [m - first for m in months]
    dates = [pd.Timestamp("2023-11-01") + pd.DateOffset(months=m) for m in months]
    out = mrr_movements(list(customers), dates, list(amounts))

    assert len(out) == max(months) + 1
    assert (out["month"].diff().dropna() > pd.Timedelta(days=27)).all()
    start, end = out["starting_mrr"].to_numpy(), out["ending_mrr"].to_numpy()
    flow = out["new"] + out["expansion"] + out["reactivation"] - out["contraction"] - out["churned"]
    np.testing.assert_allclose(start + flow, end, rtol=1e-9, atol=1e-6)
    assert start[0] == 0
    np.testing.assert_array_equal(start[1:], end[:-1])
    assert (out[MOVES] >= 0).all().all()

    expected = pd.DataFrame(reference(customers, months, amounts))
    for column in [*MOVES, "ending_mrr"]:
        np.testing.assert_allclose(out[column], expected[column], rtol=1e-9, atol=1e-6)


# --- bad input ------------------------------------------------------------------------


def test_text_in_mrr_names_argument_value_and_item():
    with pytest.raises(InputError, match=r'^mrr: "abc" at item 2 is not a number$') as info:
        mrr_movements(["a", "b"], ["2024-01-01", "2024-01-01"], [1, "abc"])
    assert info.value.argument == "mrr" and info.value.position == 2
    assert info.value.excel_code == "#VALUE!"


def test_negative_mrr():
    with pytest.raises(InputError, match=r"^mrr: -5 at item 3 is negative$"):
        mrr_movements(["a", "b", "c"], ["2024-01-01"] * 3, [1, 2, -5])


def test_bad_month():
    with pytest.raises(InputError, match=r'^month: "soon" at item 2 is not a date$'):
        mrr_movements(["a", "b"], ["2024-01-01", "soon"], [1, 2])
    with pytest.raises(InputError, match=r"^month: 45000 at item 1 is not a date$"):
        mrr_movements(["a"], [45000], [1])


def test_columns_of_different_lengths():
    with pytest.raises(InputError, match=r"^mrr: has 3 items but customer has 2"):
        mrr_movements(["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2, 3])


def test_blank_in_a_filled_row():
    with pytest.raises(InputError, match=r"^customer: item 2 is blank") as info:
        mrr_movements(["a", None], ["2024-01-01", "2024-02-01"], [1, 2])
    assert info.value.position == 2


def test_empty_input():
    with pytest.raises(EmptyInputError, match=r"^customer: has no values") as info:
        mrr_movements([[None], [None]], [[None], [None]], [[None], [None]])
    assert info.value.excel_code == "#N/A"
    with pytest.raises(EmptyInputError):
        mrr_movements([], [], [])


def test_opening_balance_and_net_movement():
    from cxexcel.metrics.movements import net_movement, with_opening_balance

    moves = mrr_movements(
        ["a", "b", "a", "b", "c", "a"],
        pd.to_datetime(["2024-01-01"] * 2 + ["2024-02-01"] * 3 + ["2024-03-01"]),
        [100.0, 50.0, 120.0, 50.0, 30.0, 90.0],
    )
    assert list(moves["new"]) == [150.0, 30.0, 0.0]
    net = net_movement(moves)
    assert list(moves["starting_mrr"] + net) == list(moves["ending_mrr"])
    opening = with_opening_balance(moves)
    assert opening.loc[0, "starting_mrr"] == opening.loc[0, "ending_mrr"] == 150.0
    assert (
        opening.loc[0, ["new", "expansion", "contraction", "churned", "reactivation"]].eq(0).all()
    )
    assert opening.iloc[1:].equals(moves.iloc[1:])
    assert list(opening["starting_mrr"] + net_movement(opening)) == list(opening["ending_mrr"])
    with_fx = moves.assign(fx=[0.0, -5.0, 2.0])
    assert list(net_movement(with_fx)) == list(net + [0.0, -5.0, 2.0])
    assert with_opening_balance(with_fx).loc[0, "fx"] == 0.0
