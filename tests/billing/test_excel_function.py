"""CX.MRR_FROM_SUBSCRIPTIONS: its arguments' errors name the argument and item."""

from __future__ import annotations

import pytest

from cxexcel.errors import InputError
from cxexcel.tables.billing import mrr_from_subscriptions


def test_a_single_interval_serves_every_row_and_weeks_are_52_12():
    table = mrr_from_subscriptions(
        ["a", "b"], ["2025-01-01", "2025-01-01"], [None, None], [10, 20], "week", as_of="2025-01-31"
    )
    assert table["mrr"].round(2).tolist() == [43.33, 86.67]


def test_a_bad_interval_names_its_item():
    with pytest.raises(InputError, match=r'interval: "fortnight" at item 2'):
        mrr_from_subscriptions(
            ["a", "b"], ["2025-01-01"] * 2, [None, None], [1, 2], ["month", "fortnight"]
        )


def test_bad_dates_and_amounts_name_the_argument():
    with pytest.raises(InputError, match="start"):
        mrr_from_subscriptions(["a"], ["soon"], [None], [1], "month")
    with pytest.raises(InputError, match="amount"):
        mrr_from_subscriptions(["a"], ["2025-01-01"], [None], [-1], "month")
    with pytest.raises(InputError, match="end"):
        mrr_from_subscriptions(["a"], ["2025-01-01"], [None, None], [1], "month")
    with pytest.raises(InputError, match="as_of"):
        mrr_from_subscriptions(["a"], ["2025-01-01"], [None], [1], "month", as_of="later")


def test_nothing_active_is_an_error_not_an_empty_spill():
    with pytest.raises(InputError, match="no subscription is active"):
        mrr_from_subscriptions(["a"], ["2025-01-05"], ["2025-01-20"], [1], "month")
