"""RFM summaries, cohort counts and tenure counts from the engine equal the core's.

Each reduction runs on DuckDB, PostgreSQL and Spark (the ``backend``
fixture) and, put together by :mod:`cxexcel.metrics.summaries`, gives the
core's table of the same seeded random rows (to 1e-9).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxexcel.engine import Engine
from cxexcel.engine.cohorts import cohort_matrix
from cxexcel.engine.orders import distinct_summaries, rfm_summary
from cxexcel.engine.tenure import tenure_counts
from cxexcel.errors import EmptyInputError, InputError
from cxexcel.metrics import cohorts, median_lifetime, rfm, survival
from cxexcel.metrics.summaries import (
    cohorts_from_counts,
    distinct_from_days,
    rfm_from_days,
    tenures_from_counts,
)
from cxexcel.report._facts import Facts
from cxexcel.report.cohorts import tenures

TOLERANCE = 1e-9


def orders(seed: int, customers: int = 150, rows: int = 1_500, int_ids: bool = False):
    """Transactions with times of day, same-day repeats, a one-purchase customer
    and a customer who buys only late (after the end dates the tests use)."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 700, rows)
    seconds = rng.integers(0, 86_400, rows)
    ids = rng.integers(0, customers, rows)
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "date": pd.Timestamp("2022-11-20")
            + pd.to_timedelta(day, unit="D")
            + pd.to_timedelta(seconds, unit="s"),
            "amount": rng.choice([0.0, 5.0, 12.5, 19.99, 100.0, 250.75], rows),
        }
    )
    # Same-day repeats: copies of some rows, a few hours later on the same day.
    again = frame.sample(200, random_state=seed)
    again = again.assign(
        date=again["date"].dt.normalize() + pd.Timedelta(hours=23, minutes=59),
        amount=again["amount"] + 1.0,
    )
    extra = pd.DataFrame(
        {
            "customer_id": [customers, customers + 1, customers + 1],
            "date": pd.to_datetime(["2023-03-05 10:00", "2024-10-10 08:00", "2024-10-11 09:00"]),
            "amount": [42.0, 7.0, 8.0],
        }
    )
    frame = pd.concat([frame, again, extra], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    if not int_ids:
        frame["customer_id"] = [f"C{i:04d}" for i in frame["customer_id"]]
    return frame


def core_rfm(table: pd.DataFrame, end_date=None, unit="M") -> pd.DataFrame:
    """``rfm`` of ``table``, customers sorted by id as the engine returns them."""
    want = rfm(table["customer_id"], table["date"], table["amount"], end_date=end_date, unit=unit)
    return want.sort_values("customer", kind="stable", ignore_index=True)


def assert_close_frames(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for column in want.columns:
        a, b = got[column].to_numpy(), want[column].to_numpy()
        if b.dtype.kind in "fiu" and a.dtype.kind in "fiu":
            assert np.allclose(
                a.astype(float), b.astype(float), rtol=0, atol=TOLERANCE, equal_nan=True
            ), column
        else:
            assert list(a) == list(b), column


# --- RFM -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "end_date", "unit"),
    [(1, None, "M"), (2, "2024-06-30", "W"), (3, pd.Timestamp("2023-12-31"), "D")],
)
def test_rfm_summary_from_the_engine_equals_rfm(backend, seed, end_date, unit):
    table = orders(seed)
    engine = Engine(backend)
    got = rfm_summary(engine, engine.from_frame("Orders", table), end_date=end_date, unit=unit)
    want = core_rfm(table, end_date, unit)
    assert_close_frames(got, want)
    assert got["frequency"].dtype == np.int64
    # The table covers what the tests claim: repeats, one-purchase customers, later rows.
    assert (want["frequency"] == 0).any() and (want["frequency"] > 0).any()
    if end_date is not None:
        assert (table["date"] > pd.Timestamp(end_date) + pd.Timedelta(days=1)).any()
        assert "C0151" not in set(got["customer"])


def test_rfm_summary_with_integer_ids(backend):
    table = orders(4, int_ids=True)
    engine = Engine(backend)
    got = rfm_summary(engine, engine.from_frame("Orders", table), end_date="2024-05-01")
    assert_close_frames(got, core_rfm(table, "2024-05-01"))


def test_distinct_summaries_count_the_customers_of_each_rfm_row(backend):
    table = orders(5, customers=400)
    engine = Engine(backend)
    source = engine.from_frame("Orders", table)
    for end_date, unit in ((None, "M"), ("2024-01-15", "W")):
        got = distinct_summaries(engine, source, end_date=end_date, unit=unit)
        want = (
            core_rfm(table, end_date, unit)
            .groupby(["frequency", "recency", "T"], as_index=False)
            .size()
            .rename(columns={"size": "n"})
        )
        assert_close_frames(got, want)
        assert got["n"].sum() == len(core_rfm(table, end_date, unit))


def test_rfm_summary_raises_as_rfm(backend):
    table = orders(6)
    engine = Engine(backend)
    source = engine.from_frame("Orders", table)
    with pytest.raises(InputError, match="end_date"):
        rfm_summary(engine, source, end_date="2000-01-01")
    with pytest.raises(InputError, match="end_date"):
        distinct_summaries(engine, source, end_date="2000-01-01")
    with pytest.raises(InputError, match="unit"):
        rfm_summary(engine, source, unit="Y")
    empty = engine.from_frame("Empty", table.iloc[:0])
    with pytest.raises(EmptyInputError):
        rfm_summary(engine, empty)


def test_rfm_from_days_is_rfm():
    table = pd.DataFrame(
        {
            "customer": ["a", "b", "a", "a", "c", "b"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-01-01", "2024-02-01", "2024-03-01", "2024-01-05"]
            ),
            "amount": [10.0, 5.0, 2.0, 4.0, 1.0, 6.0],
        }
    )
    got = rfm_from_days(
        ["a", "b", "c"],
        first_day=[19723, 19725, 19783],
        last_day=[19754, 19727, 19783],
        days=[2, 2, 1],
        repeat_total=[4.0, 6.0, 0.0],
        unit="D",
    )
    want = rfm(table["customer"], table["date"], table["amount"], unit="D")
    pd.testing.assert_frame_equal(got, want)
    rows = distinct_from_days([1, 1, 0], [31, 2, 0], [60, 58, 0], [1, 1, 1], unit="D")
    assert list(rows["n"]) == [1, 1, 1] and list(rows["frequency"]) == [0, 1, 1]


# --- Cohorts --------------------------------------------------------------------


def activity(seed: int, rows: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"U{i:03d}" for i in rng.integers(0, 250, rows)],
            "date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 500, rows), unit="D")
            + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s"),
        }
    )


@pytest.mark.parametrize("period", ["M", "Q", "W"])
def test_cohort_matrix_from_the_engine_equals_cohorts(backend, period):
    table = activity(7)
    engine = Engine(backend)
    got = cohort_matrix(engine, engine.from_frame("Activity", table), period=period)
    want = cohorts(table["customer_id"], table["date"], period=period)
    assert list(got.columns) == list(want.columns)
    assert list(got["cohort"]) == list(want["cohort"])
    assert list(got["size"]) == list(want["size"])
    shares = [c for c in want.columns if isinstance(c, int)]
    assert np.allclose(got[shares], want[shares], rtol=0, atol=TOLERANCE, equal_nan=True)
    assert np.isnan(want[shares].to_numpy()).any()


def test_cohorts_from_counts_gives_zero_where_observed_and_nan_after():
    # Cohort 0: 2 customers, one active at age 2; cohort 1: 1 customer.
    got = cohorts_from_counts([0, 0, 1], [0, 2, 0], [2, 1, 1], "M")
    want = cohorts(
        ["a", "b", "a", "c"], pd.to_datetime(["1970-01-05"] * 2 + ["1970-03-01", "1970-02-02"])
    )
    pd.testing.assert_frame_equal(got, want)


# --- Tenure ---------------------------------------------------------------------


def subscriptions(seed: int, customers: int = 300, rows: int = 3_000) -> pd.DataFrame:
    """Customer-months with gaps, zeros, duplicates and a last month of zeros only."""
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


def reference_tenures(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Tenures in pandas, independent of the engine: months from the first to
    the last paying month, churned if that is before the table's last month."""
    months = table["month"].to_numpy("datetime64[M]").astype(np.int64)
    paying = table.assign(slot=months).groupby(["customer_id", "slot"])["mrr"].sum()
    paying = paying[paying > 0].reset_index()
    span = paying.groupby("customer_id")["slot"].agg(["min", "max"])
    duration = (span["max"] - span["min"] + 1).to_numpy(dtype=float)
    churned = (span["max"] < months.max()).to_numpy(dtype=float)
    return duration, churned


@pytest.mark.parametrize("seed", [8, 9])
def test_tenure_counts_give_the_report_curve(backend, seed):
    table = subscriptions(seed)
    if seed == 9:
        table = table[table["month"] < pd.Timestamp("2024-06-01")]  # paying in the last month
    engine = Engine(backend)
    counts = tenure_counts(engine, engine.from_frame("Subscriptions", table))
    duration, churned = reference_tenures(table)
    assert counts["n"].sum() == len(duration)
    # The report's own tenures (one query with the cohort counts) agree too.
    report_duration, report_churned = tenures(Facts({"Subscriptions": table}, engine))
    pd.testing.assert_frame_equal(
        survival(report_duration, report_churned), survival(duration, churned)
    )
    got_duration, got_churned = tenures_from_counts(
        counts["duration"], counts["churned"], counts["n"]
    )
    pd.testing.assert_frame_equal(survival(got_duration, got_churned), survival(duration, churned))
    assert median_lifetime(got_duration, got_churned) == median_lifetime(duration, churned)
    # Seed 8's last month has MRR 0 only: everybody churned; seed 9 has censored customers.
    assert set(counts["churned"]) == ({1} if seed == 8 else {0, 1})
