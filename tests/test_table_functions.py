"""The table functions run the sheets' engine expressions: the same results
and the same errors as the core functions, and a spill equals its sheet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxexcel import metrics, table_functions
from cxexcel.errors import CxError
from cxexcel.report._facts import Facts
from cxexcel.sample_data import generate


def _same(engine_result: pd.DataFrame, core_result: pd.DataFrame) -> None:
    assert list(engine_result.columns) == list(core_result.columns)
    assert len(engine_result) == len(core_result) > 0
    pd.testing.assert_frame_equal(
        engine_result.reset_index(drop=True),
        core_result.reset_index(drop=True),
        check_dtype=False,
        rtol=1e-9,
        atol=1e-9,
    )


def _transactions(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    ids: list = [f"C{i}" for i in rng.integers(0, 60, n)]
    # Ids of mixed kinds: numbers, number-looking text and text are all ids.
    ids[::7] = [int(i) for i in rng.integers(1, 20, len(ids[::7]))]
    ids[1::11] = [str(i) for i in rng.integers(1, 20, len(ids[1::11]))]
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    amounts = np.round(rng.gamma(2.0, 30.0, n), 2)
    return ids, list(dates), list(amounts)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mrr_movements_equal_the_core(seed):
    rng = np.random.default_rng(seed)
    n = 300
    customer = [f"c{i}" for i in rng.integers(0, 40, n)]
    month = list(pd.Timestamp("2023-01-15") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"))
    mrr = list(np.where(rng.random(n) < 0.1, 0.0, np.round(rng.gamma(2, 50, n), 2)))
    _same(
        table_functions.mrr_movements(customer, month, mrr),
        metrics.mrr_movements(customer, month, mrr),
    )


def test_mrr_movements_with_fx_equal_the_core():
    customer = ["a", "a", "a", "b", "b", "c"]
    month = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-01-01", "2025-02-01", "2025-03-01"]
    mrr = [110, 105, 120, 50, 50, 30]
    fx = [0, -5, 0.5, 0, 0, None]
    engine_table = table_functions.mrr_movements(customer, month, mrr, fx)
    _same(engine_table, metrics.mrr_movements(customer, month, mrr, fx))
    assert engine_table["fx"].tolist() == [0.0, -5.0, 0.5]


@pytest.mark.parametrize("period", ["M", "W", "Q"])
def test_cohorts_equal_the_core(period):
    ids, dates, _ = _transactions(4)
    _same(table_functions.cohorts(ids, dates, period), metrics.cohorts(ids, dates, period))


def test_survival_equals_the_core():
    rng = np.random.default_rng(5)
    duration = list(rng.integers(0, 30, 200).astype(float))
    churned = list(rng.integers(0, 2, 200))
    _same(
        table_functions.survival(duration, churned, 0.9),
        metrics.survival(duration, churned, 0.9),
    )


@pytest.mark.parametrize(("end_date", "unit"), [(None, "M"), ("2024-09-30", "W"), (None, "D")])
def test_rfm_equals_the_core_in_the_order_of_first_appearance(end_date, unit):
    ids, dates, amounts = _transactions(6)
    engine_rfm = table_functions.rfm(ids, dates, amounts, end_date, unit)
    core_rfm = metrics.rfm(ids, dates, amounts, end_date, unit)
    _same(engine_rfm, core_rfm)
    assert [type(c) for c in engine_rfm["customer"]] == [type(c) for c in core_rfm["customer"]]


def test_predict_clv_equals_the_core():
    from cxexcel._entries import btyd_sample

    ids, dates, amounts = btyd_sample()
    _same(
        table_functions.predict_clv(ids, dates, amounts, 12, 0.01, "W", "2024-07-28"),
        metrics.predict_clv(ids, dates, amounts, 12, 0.01, "W", "2024-07-28"),
    )


BAD_CALLS = [
    ("mrr_movements", (["a", "b"], ["2024-01-01", "x"], [1, 2])),
    ("mrr_movements", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, -2])),
    ("mrr_movements", (["a", None], ["2024-01-01", "2024-02-01"], [1, 2])),
    ("mrr_movements", ([None, None], [None, None], [None, None])),
    ("mrr_movements", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2], [0, "x"])),
    ("cohorts", (["a", "b"], ["2024-01-01", "2024-02-01"], "Y")),
    ("cohorts", (["a"], ["2024-01-01", "2024-02-01"])),
    ("survival", ([1, 2], [1, 2])),
    ("survival", ([1, -2], [1, 0])),
    ("survival", ([1, 2], [1, 0], 1.5)),
    ("rfm", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2], "2023-01-01")),
    ("rfm", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2], None, "Y")),
    ("rfm", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, "x"])),
    ("predict_clv", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2], 0)),
    ("predict_clv", (["a", "b"], ["2024-01-01", "2024-02-01"], [1, 2], 12, -1)),
    ("predict_clv", (["a", "a"], ["2024-01-01", "2024-01-01"], [1, 2], 12)),
]


@pytest.mark.parametrize(("name", "args"), BAD_CALLS)
def test_bad_input_gets_the_cores_error(name, args):
    with pytest.raises(CxError) as core:
        getattr(metrics, name)(*args)
    with pytest.raises(CxError) as engine:
        getattr(table_functions, name)(*args)
    assert (type(engine.value), str(engine.value)) == (type(core.value), str(core.value))
    assert engine.value.excel_code == core.value.excel_code


@pytest.fixture(scope="module")
def sample():
    tables = generate()
    return tables, Facts(tables)


def test_the_mrr_movements_spill_equals_the_revenue_sheets_table(sample):
    tables, facts = sample
    subs = tables["Subscriptions"]
    spill = table_functions.mrr_movements(
        list(subs["customer_id"]), list(subs["month"]), list(subs["mrr"])
    )
    _same(spill, facts.movements)


def test_the_predict_clv_spill_equals_the_clv_sheet(sample):
    from cxexcel.report import clv

    tables, facts = sample
    orders = tables["Orders"]
    spill = table_functions.predict_clv(
        list(orders["customer_id"]), list(orders["date"]), list(orders["amount"]), 12
    )
    predictions, _, _ = clv.fit(facts)
    _same(spill, predictions)


def test_the_cohorts_spill_equals_the_cohort_sheet(sample):
    from cxexcel.report.cohorts import _cohort_matrix

    tables, facts = sample
    subs = tables["Subscriptions"]
    paying = subs[subs["mrr"] > 0]
    spill = table_functions.cohorts(list(paying["customer_id"]), list(paying["month"]))
    _same(spill, _cohort_matrix(facts, "Subscriptions"))
