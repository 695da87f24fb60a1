"""Benchmark: the table functions on the engine against the core's numpy.

``CX.MRR_MOVEMENTS``, ``COHORTS``, ``SURVIVAL``, ``RFM`` and ``PREDICT_CLV``
run the sheets' engine expressions on a memtable (cxexcel.table_functions);
the core functions (cxexcel.metrics) compute the same from the cells in
numpy. Both are timed on the sample data's tables, as Excel passes them
(lists of cells), best of ``--repeat`` after a warm-up.

    .venv/bin/python bench/table_functions.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxexcel import metrics, table_functions  # noqa: E402
from cxexcel.sample_data import generate  # noqa: E402


def best(function, call_args, repeat: int) -> float:
    def call():
        return function(*call_args)

    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tables = generate()
    subs, orders = tables["Subscriptions"], tables["Orders"]
    s_args = (list(subs["customer_id"]), list(subs["month"]), list(subs["mrr"]))
    o_args = (list(orders["customer_id"]), list(orders["date"]), list(orders["amount"]))
    tenure = subs[subs["mrr"] > 0].groupby("customer_id")["month"].agg(["min", "max"])
    last = subs["month"].max()
    duration = list(((tenure["max"] - tenure["min"]).dt.days // 30 + 1).astype(float))
    churned = list((tenure["max"] < last).astype(int))
    calls = {
        "MRR_MOVEMENTS": ("mrr_movements", s_args),
        "COHORTS": ("cohorts", s_args[:2]),
        "SURVIVAL": ("survival", (duration, churned)),
        "RFM": ("rfm", o_args),
        "PREDICT_CLV": ("predict_clv", (*o_args, 12)),
    }
    print(f"sample data: {len(subs):,} subscription rows, {len(orders):,} orders")
    print(f"{'function':<15}{'rows':>9}{'core ms':>10}{'engine ms':>11}{'ratio':>8}")
    for label, (name, call_args) in calls.items():
        core = best(getattr(metrics, name), call_args, args.repeat)
        engine = best(getattr(table_functions, name), call_args, args.repeat)
        rows = len(call_args[0])
        print(
            f"{label:<15}{rows:>9,}{core * 1e3:>10.1f}{engine * 1e3:>11.1f}{engine / core:>7.1f}x"
        )


if __name__ == "__main__":
    main()
