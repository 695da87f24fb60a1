"""The engine's reductions give the core's figures on every backend.

The same small tables go through DuckDB, PostgreSQL and Spark (the
``backend`` fixture, tests/engine/conftest.py); what comes back, put
together by the core, equals the core's own result on the whole table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxexcel.engine import Engine
from cxexcel.engine.responses import score_counts
from cxexcel.engine.subscriptions import row_totals, subscription_totals
from cxexcel.metrics import ces, csat, mrr_movements, nps, nps_moe
from cxexcel.metrics.counted import ces_counts, csat_counts, nps_counts, nps_moe_counts
from cxexcel.metrics.movements import MOVEMENT_TOTALS, movements_from_totals
from cxexcel.report._facts import Facts

TOLERANCE = 1e-9


def subscriptions(seed: int, customers: int = 300, rows: int = 3_000) -> pd.DataFrame:
    """Customer-months with gaps, zeros, duplicate rows and a month of zeros at the end."""
    rng = np.random.default_rng(seed)
    month = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 18, rows) * 31, unit="D")
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in rng.integers(0, customers, rows)],
            "month": month.normalize(),
            "mrr": rng.choice([0.0, 10.0, 20.0, 49.5, 99.99], rows),
        }
    )
    tail = pd.DataFrame(
        {"customer_id": ["C0000"], "month": [pd.Timestamp("2024-09-15")], "mrr": [0.0]}
    )
    return pd.concat([frame, tail], ignore_index=True)


def responses(seed: int, rows: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def scores(low: int, high: int, blank_share: float) -> pd.Series:
        values = pd.Series(rng.integers(low, high + 1, rows), dtype="Int64")
        return values.mask(rng.random(rows) < blank_share)

    return pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, rows), unit="D"),
            "nps": scores(0, 10, 0.1),
            "csat": scores(1, 5, 0.3),
            "ces": scores(1, 7, 0.5),
            "segment": rng.choice(["SMB", "Mid-market", "Enterprise"], rows),
        }
    )


def close(a, b) -> bool:
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("seed", [1, 2])
def test_mrr_movements_from_the_engine_equal_the_core(backend, seed):
    table = subscriptions(seed)
    engine = Engine(backend)
    totals = subscription_totals(engine, engine.from_frame("Subscriptions", table))
    got = movements_from_totals(
        totals.first_month,
        totals.n_months,
        totals.months["slot"],
        {name: totals.months[name] for name in MOVEMENT_TOTALS},
    )
    want = mrr_movements(table["customer_id"], table["month"], table["mrr"])
    assert list(got["month"]) == list(want["month"])
    for column in want.columns[1:]:
        assert close(got[column], want[column]), column


def test_customer_counts_from_the_engine_equal_the_report_facts(backend):
    table = subscriptions(3)
    engine = Engine(backend)
    totals = subscription_totals(engine, engine.from_frame("Subscriptions", table)).months
    facts = Facts({"Subscriptions": table}).customer_months
    assert list(totals["paying"]) == list(facts["end"])
    assert list(totals["joined"]) == list(facts["new"])
    assert list(totals["lost"]) == list(facts["lost"])
    assert close(totals["ending"], facts["mrr"])


def test_an_empty_subscriptions_table_has_no_months(backend):
    engine = Engine(backend)
    empty = subscriptions(4).iloc[:0]
    totals = subscription_totals(engine, engine.from_frame("Subscriptions", empty))
    assert (totals.n_months, len(totals.months)) == (0, 0)


def test_survey_figures_by_month_and_segment_from_counts_equal_the_core(backend):
    table = responses(5)
    engine = Engine(backend)
    source = engine.from_frame("Responses", table)
    months = table["date"].dt.to_period("M")
    for column, from_counts, direct in (
        ("nps", nps_counts, nps),
        ("nps", nps_moe_counts, nps_moe),
        ("csat", csat_counts, csat),
        ("ces", ces_counts, ces),
    ):
        counts = engine.execute(score_counts(source, column, by=("slot", "segment")))
        assert counts["n"].sum() == table[column].notna().sum()
        for (slot, segment), group in counts.groupby(["slot", "segment"]):
            period = pd.Period(year=1970 + slot // 12, month=slot % 12 + 1, freq="M")
            answers = table.loc[(months == period) & (table["segment"] == segment), column]
            expected = direct(answers.dropna().to_numpy(dtype=float))
            assert abs(from_counts(group["score"], group["n"]) - expected) <= TOLERANCE
        overall = engine.execute(score_counts(source, column))
        assert abs(from_counts(overall["score"], overall["n"]) - direct(table[column])) <= 1e-9


def test_the_pinned_sqlglot_builds_ibis_memtables():
    """sqlglot 30.18 and later break Ibis 12's memtables (ibis issue 12124):
    pyproject.toml pins below it, and DataFrames reach DuckDB as memtables."""
    import ibis
    import sqlglot

    major, minor = (int(part) for part in sqlglot.__version__.split(".")[:2])
    assert (major, minor) < (30, 18)
    assert ibis.__version__ == "12.0.0"
    frame = pd.DataFrame({"customer_id": ["a", "b", "a"], "mrr": [1.0, 2.0, 3.0]})
    table = ibis.memtable(frame)
    total = table.group_by("customer_id").aggregate(mrr=table.mrr.sum()).order_by("customer_id")
    assert ibis.duckdb.connect().execute(total)["mrr"].tolist() == [4.0, 2.0]


def test_row_totals_count_and_add_up_the_rows_per_month(backend):
    # (A row without an amount is not counted: tests/report/test_checks.py, on
    # DuckDB; Spark takes a blank float from pandas for NaN, a value.)
    table = subscriptions(3)
    engine = Engine(backend)
    got = engine.execute(row_totals(engine.from_frame("Subscriptions", table)))
    got = got.sort_values("slot").reset_index(drop=True)
    months = table["month"].dt.year * 12 + table["month"].dt.month - 1 - 1970 * 12
    expected = table.groupby(months).agg(rows=("mrr", "count"), mrr=("mrr", "sum"))
    assert list(got["slot"]) == list(expected.index)
    assert list(got["rows"]) == list(expected["rows"])
    assert close(got["mrr"], expected["mrr"])


@pytest.mark.parametrize("window", [1, 12])
@pytest.mark.parametrize("first_known", [False, True], ids=["first unknown", "first given"])
def test_window_retention_from_the_engine_equals_the_core(backend, window, first_known):
    from cxexcel.engine.subscriptions import customer_months, window_retention
    from cxexcel.metrics.mrr_retention import retention_from_totals, revenue_retention

    table = subscriptions(4)
    engine = Engine(backend)
    months = customer_months(engine.from_frame("Subscriptions", table))
    first = table["month"].min()
    first = (first.year - 1970) * 12 + first.month - 1 if first_known else None
    got = engine.execute(window_retention(months, window, first=first)).sort_values("slot")
    nrr, grr = retention_from_totals(got["base_mrr"], got["mrr_now"], got["kept_mrr"])
    expected = revenue_retention(table["customer_id"], table["month"], table["mrr"], window)
    expected = expected[expected["base_mrr"] > 0]
    assert len(got) == len(expected) > 0
    assert close(got["base_mrr"], expected["base_mrr"])
    assert close(nrr, expected["nrr"]) and close(grr, expected["grr"])


def test_window_retention_of_a_base_month_nobody_stays_from(backend):
    """A base month whose customers all pay nothing a window later has its
    base MRR and 0 kept; customers who only join later add nothing."""
    from cxexcel.engine.subscriptions import customer_months, window_retention

    table = pd.DataFrame(
        {
            "customer_id": ["A", "B", "A", "C", "C", "D"],
            "month": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01", "2024-04-01", "2024-04-01"]
            ),
            "mrr": [10.0, 5.0, 12.0, 7.0, 3.0, 9.0],
        }
    )
    months = customer_months(Engine(backend).from_frame("Subscriptions", table))
    got = Engine(backend).execute(window_retention(months, 2)).sort_values("slot")
    jan = (2024 - 1970) * 12
    assert got["slot"].tolist() == [jan + 2, jan + 3]
    # March: January's A and B pay nothing then; April: of February's A and C only C pays.
    assert got["base_mrr"].tolist() == [15.0, 19.0]
    assert got["mrr_now"].tolist() == [0.0, 3.0]
    assert got["kept_mrr"].tolist() == [0.0, 3.0]
