"""Each paying customer's latest answer: the grouping on DuckDB gives the window's answer.

:func:`cxexcel.engine.accounts.latest_paying_keys` (a grouping on a 128-bit
key of date and row) and :func:`~cxexcel.engine.accounts.latest_paying_answers`
(a window ordered by date and row) must pick the same answer for every
customer: on dates that tie, the last row; on dates before 1970 (a negative
key), and on rows past 2**32.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxexcel.engine import accounts, connect
from cxexcel.report._survey_facts import frame_for_engine


def tables(seed: int, rows: int = 3_000, customers: int = 120):
    rng = np.random.default_rng(seed)
    # Few distinct dates, so a customer's newest date is often shared by several answers.
    days = rng.integers(0, 60, rows) * 13
    date = pd.Timestamp("1968-11-30 23:59:59.999999") + pd.to_timedelta(days, unit="D")
    responses = pd.DataFrame(
        {
            "date": date,
            "nps": rng.integers(0, 11, rows).astype(float),
            "customer_id": [f"C{i}" for i in rng.integers(0, customers, rows)],
            "segment": rng.choice(["SMB", "Enterprise", None], rows),
        }
    )
    responses.loc[rng.random(rows) < 0.1, "nps"] = np.nan
    months = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(customers)],
            "slot": np.full(customers, 12, dtype=np.int32),
            "mrr": rng.choice([0.0, 10.0, 99.5], customers),
        }
    )
    return responses, months


def expected(responses: pd.DataFrame, months: pd.DataFrame) -> pd.DataFrame:
    now = months[months["mrr"] > 0].set_index("customer_id")["mrr"]
    answered = responses.dropna(subset=["nps"]).reset_index(names="_row")
    newest = answered.sort_values(["date", "_row"]).groupby("customer_id").tail(1)
    newest = newest[newest["customer_id"].isin(now.index)]
    return newest.assign(now_mrr=newest["customer_id"].map(now))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("row_offset", [0, 5_000_000_000])
def test_the_grouping_picks_the_windows_answer(seed, row_offset):
    responses, months = tables(seed)
    engine = connect()
    assert engine.define_macros(accounts.ORDER_KEY_MACROS)
    frame = frame_for_engine(responses)
    frame["_row"] += row_offset
    table = engine.from_frame("Responses", frame)
    paying = engine.from_frame("Subscriptions", months)
    by_key = engine.execute(accounts.latest_paying_keys(table, paying, 12))
    by_window = engine.execute(accounts.latest_paying_answers(table, paying, 12))
    want = expected(responses, months)
    assert len(by_key) == len(by_window) == len(want) > 50
    by_key = by_key.sort_values("customer_id").reset_index(drop=True)
    by_window = by_window.sort_values("customer_id").reset_index(drop=True)
    want = want.sort_values("customer_id").reset_index(drop=True)
    assert by_key["customer_id"].tolist() == by_window["customer_id"].tolist()
    assert by_key["customer_id"].tolist() == want["customer_id"].tolist()
    assert (by_key["_row"] - row_offset).tolist() == want["_row"].tolist()
    assert by_key["score"].tolist() == by_window["score"].tolist() == want["nps"].tolist()
    assert by_key["now_mrr"].tolist() == want["now_mrr"].tolist()
    # Ties were there to break, and dates on both sides of 1970.
    answered = responses.dropna(subset=["nps"])
    newest = answered["date"] == answered.groupby("customer_id")["date"].transform("max")
    assert newest.groupby(answered["customer_id"]).sum().max() > 1
    assert responses["date"].min() < pd.Timestamp("1970-01-01") < responses["date"].max()


def test_details_come_from_the_rows():
    responses, months = tables(4)
    engine = connect()
    table = engine.from_frame("Responses", frame_for_engine(responses))
    details = engine.execute(accounts.answer_details(table, [3, 0, 17]))
    details = details.sort_values("_row").reset_index(drop=True)
    assert details["_row"].tolist() == [0, 3, 17]
    assert details["date"].tolist() == responses.loc[[0, 3, 17], "date"].tolist()
    assert [None if pd.isna(s) else s for s in details["segment"]] == [
        None if pd.isna(s) else s for s in responses.loc[[0, 3, 17], "segment"]
    ]


def test_a_database_without_the_macros_keeps_the_window():
    engine = connect()

    class Refusing:
        name = "duckdb"

        def raw_sql(self, statement):
            raise RuntimeError("read-only")

    engine.backend = Refusing()
    assert engine.define_macros(accounts.ORDER_KEY_MACROS) is False
