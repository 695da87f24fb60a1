"""The table functions (``CX.MRR_MOVEMENTS``, ``COHORTS``, ``SURVIVAL``,
``RFM``, ``PREDICT_CLV``) run as the metric sheets run: the cells are
checked by the core's readers (the same messages, naming the argument and
item), become a memtable on an embedded DuckDB engine, are reduced there by
the engine expressions the sheets use, and the core computes the result from
those aggregates. So a spill and a sheet can never disagree.

Customers are numbered in order of first appearance before they reach the
engine, so rows come back in that order (as the core functions return them)
and ids of any kind (numbers, text, both) stay exactly as given.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .metrics.cohorts import read_rows

if TYPE_CHECKING:
    from .metrics.clv_models import CLVModel

__all__ = ["mrr_movements", "cohorts", "survival", "rfm", "predict_clv", "fit_clv_model"]

_lock = threading.Lock()
_engine = None


def _run(reduce):
    """``reduce(engine)`` on the functions' embedded engine, one call at a
    time (a DuckDB connection is not shared between threads)."""
    global _engine
    from .engine.backend import quiet

    with _lock, quiet():
        if _engine is None:
            from .engine import connect

            _engine = connect()
            # Sums of amounts the same in every run: a parallel aggregate
            # moved a CLV fit in its 13th digit between runs.
            _engine.one_thread()
        return reduce(_engine)


def _numbered(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, id per code): codes 0, 1, ... in order of first appearance."""
    codes, uniques = pd.factorize(ids)
    return codes.astype(np.int64), np.asarray(uniques)


def mrr_movements(customer, month, mrr, fx=None) -> pd.DataFrame:
    """:func:`cxexcel.metrics.mrr_movements`, reduced by the engine's
    Subscriptions expressions (as the CX Revenue sheet)."""
    from .engine.subscriptions import subscription_totals
    from .metrics.cohorts import ITEM
    from .metrics.movements import MOVEMENT_TOTALS, _signed_numbers, movements_from_totals

    cols = read_rows(customer=("key", customer), month=("date", month), mrr=("amount", mrr))
    codes, _ = _numbered(cols["customer"])
    frame = pd.DataFrame({"customer_id": codes, "month": cols["month"], "mrr": cols["mrr"]})
    names = list(MOVEMENT_TOTALS)
    if fx is not None:
        frame["fx"] = _signed_numbers("fx", fx, len(cols[ITEM]))[cols[ITEM]]
        names.append("fx")
    totals = _run(lambda engine: subscription_totals(engine, engine.from_frame("cells", frame)))
    return movements_from_totals(
        totals.first_month,
        totals.n_months,
        totals.months["slot"],
        {name: totals.months[name] for name in names},
    )


def cohorts(customer, date, period="M") -> pd.DataFrame:
    """:func:`cxexcel.metrics.cohorts`, counted by the engine's cohort expressions."""
    from .engine.cohorts import cohort_matrix
    from .metrics.summaries import period_code

    code = period_code(period)
    cols = read_rows(customer=("key", customer), date=("date", date))
    codes, _ = _numbered(cols["customer"])
    frame = pd.DataFrame({"customer_id": codes, "date": cols["date"]})
    return _run(lambda engine: cohort_matrix(engine, engine.from_frame("cells", frame), code))


def survival(duration, churned, confidence=0.95) -> pd.DataFrame:
    """:func:`cxexcel.metrics.survival` from the customers counted per
    (duration, churned) pair by the engine (as the CX Cohorts sheet)."""
    from .metrics.survival import confidence_level, survival_from_counts

    level = confidence_level(confidence)
    cols = read_rows(duration=("amount", duration), churned=("flag", churned))
    frame = pd.DataFrame({"duration": cols["duration"], "churned": cols["churned"]})

    def counts(engine):
        table = engine.from_frame("cells", frame)
        grouped = table.group_by(["duration", "churned"]).aggregate(n=table.count())
        return engine.execute(grouped)

    counted = _run(counts)
    return survival_from_counts(counted["duration"], counted["churned"], counted["n"], level)


def _orders_summary(customer, date, amount, end_date, unit) -> pd.DataFrame:
    from .engine.orders import rfm_summary
    from .metrics.summaries import end_day_number, unit_days

    unit_days(unit)
    cols = read_rows(customer=("key", customer), date=("date", date), amount=("amount", amount))
    end_day = end_day_number(end_date)
    if end_day is None:
        codes, ids = _numbered(cols["customer"])
    else:
        # Numbered in order of first appearance among the transactions kept;
        # the others (-1) are left out by the engine, after end_date.
        kept = cols["date"].astype("datetime64[D]").view(np.int64) <= end_day
        codes = np.full(len(kept), -1, dtype=np.int64)
        codes[kept], ids = _numbered(cols["customer"][kept])
    frame = pd.DataFrame({"customer_id": codes, "date": cols["date"], "amount": cols["amount"]})
    summary = _run(
        lambda engine: rfm_summary(engine, engine.from_frame("cells", frame), end_date, unit)
    )
    # Sorted by code: the order of first appearance; the codes back to the ids.
    summary["customer"] = ids[summary["customer"].to_numpy(dtype=np.int64)]
    return summary


def rfm(customer, date, amount, end_date=None, unit="M") -> pd.DataFrame:
    """:func:`cxexcel.metrics.rfm`, summarised by the engine's Orders expressions."""
    return _orders_summary(customer, date, amount, end_date, unit)


def fit_clv_model(
    customer, date, amount, horizon, discount=0.0, unit="M", end_date=None
) -> CLVModel:
    """:func:`cxexcel.metrics.fit_clv_model` on the engine's RFM summary (as the CX CLV sheet)."""
    from .metrics import _inputs
    from .metrics.clv_models import clv_from_summary

    span = _inputs.scalar("horizon", horizon, positive=True)
    rate = _inputs.scalar("discount", discount, nonnegative=True)
    summary = _orders_summary(customer, date, amount, end_date, unit)
    return clv_from_summary(summary, span, rate)


def predict_clv(
    customer, date, amount, horizon, discount=0.0, unit="M", end_date=None
) -> pd.DataFrame:
    """:func:`cxexcel.metrics.predict_clv` on the engine's RFM summary."""
    return fit_clv_model(customer, date, amount, horizon, discount, unit, end_date).predictions
