"""Benchmark: ``cxexcel report`` on large inputs, against a plain pandas ``to_excel``.

For each number of survey responses (10k, 100k, 1M by default) together
with 100k customers x 24 months of subscriptions, this script

1. writes the input tables as Parquet files into a folder,
2. runs ``cxexcel report FOLDER --output OUT.xlsx`` in a child process and
   records its wall time and peak memory (the child's maximum resident set
   size, from ``os.wait4``),
3. runs the baseline in a child process the same way: read the same Parquet
   files and write the raw tables with ``DataFrame.to_excel`` (openpyxl),
   splitting tables longer than Excel's 1,048,576 rows over several sheets.

Run from the project root::

    .venv/bin/python bench/report.py                 # all sizes, with baseline
    .venv/bin/python bench/report.py --sizes 10000 --no-baseline

Prints one Markdown table row per size (see bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "cxexcel"]
EXCEL_ROWS = 1_048_575  # data rows per sheet below the header

BASELINE = """
import sys
from pathlib import Path
import pandas as pd
folder, out, rows = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with pd.ExcelWriter(out, engine="openpyxl") as writer:
    for path in sorted(folder.glob("*.parquet")):
        frame = pd.read_parquet(path)
        for part, start in enumerate(range(0, len(frame), rows)):
            frame.iloc[start:start + rows].to_excel(
                writer, sheet_name=f"{path.stem}{part + 1}"[:31], index=False
            )
"""

COMMENTS = np.array(
    [
        "Great support, quick answers",
        "Too expensive for what it does",
        "The new dashboard is confusing",
        "Love the product",
        "Billing was wrong twice",
        '=HYPERLINK("http://x","y")',
    ],
    dtype=object,
)


def responses(n: int, rng: np.random.Generator, customers: int) -> pd.DataFrame:
    scores = rng.choice(11, n, p=[0.03] * 5 + [0.05, 0.05, 0.15, 0.15, 0.2, 0.25])
    comment = np.where(rng.random(n) < 0.3, rng.choice(COMMENTS, n), None)
    return pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), "D"),
            "nps": scores.astype(np.int64),
            "csat": rng.integers(1, 6, n),
            "ces": rng.integers(1, 8, n),
            "customer_id": rng.integers(0, customers, n),
            "segment": rng.choice(np.array(["SMB", "Mid-market", "Enterprise", "Public"]), n),
            "comment": comment,
        }
    )


def subscriptions(customers: int, months: int, rng: np.random.Generator) -> pd.DataFrame:
    """Customers join (most at the start), pay monthly, sometimes change plan, and may churn."""
    join = np.where(rng.random(customers) < 0.7, 0, rng.integers(0, months, customers))
    leave = join + rng.geometric(0.02, customers)
    month = np.arange(months)
    active = (month[None, :] >= join[:, None]) & (month[None, :] < leave[:, None])
    customer, slot = np.nonzero(active)
    plan = rng.choice(np.array([29.0, 49.0, 99.0, 199.0]), customers)
    change = np.where(rng.random(len(slot)) < 0.03, rng.choice([0.8, 1.25], len(slot)), 1.0)
    return pd.DataFrame(
        {
            "customer_id": customer.astype(np.int64),
            "month": (np.datetime64("2024-01", "M") + slot.astype("timedelta64[M]")).astype(
                "datetime64[ns]"
            ),
            "mrr": np.round(plan[customer] * change, 2),
        }
    )


def run_child(command: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write(process.stderr.read().decode(errors="replace"))
    return elapsed, usage.ru_maxrss / 1024.0, process.returncode


def breakdown(folder: Path, out: Path) -> str:
    """Seconds spent reading, building and writing, measured in this process."""
    from cxexcel.report import build_report, write_workbook
    from cxexcel.tables import read_tables

    start = time.perf_counter()
    tables = read_tables(folder)
    read = time.perf_counter()
    report = build_report(tables)
    built = time.perf_counter()
    write_workbook(report, out)
    done = time.perf_counter()
    return f"read {read - start:.1f} s, build {built - read:.1f} s, write {done - built:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time reading, building and writing in this process, per size",
    )
    args = parser.parse_args()

    rng = np.random.default_rng(2024)
    subs = subscriptions(args.customers, args.months, rng)
    print(
        f"Subscriptions: {len(subs):,} rows ({args.customers:,} customers x {args.months} months)"
    )
    print()
    print("| responses | cxexcel report | peak RSS | to_excel baseline | peak RSS | time ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="cx-bench-") as scratch:
        for size in args.sizes:
            folder = Path(scratch) / f"in-{size}"
            folder.mkdir()
            responses(size, rng, args.customers).to_parquet(folder / "Responses.parquet")
            subs.to_parquet(folder / "Subscriptions.parquet")
            out = Path(scratch) / f"report-{size}.xlsx"
            seconds, rss, code = run_child(
                [*CLI, "report", str(folder), "--output", str(out), "--force"]
            )
            if code != 0:
                raise SystemExit(f"cxexcel report failed on {size:,} responses (exit {code})")
            if args.no_baseline:
                base = "-", "-", "-"
            else:
                base_out = Path(scratch) / f"baseline-{size}.xlsx"
                b_seconds, b_rss, b_code = run_child(
                    [sys.executable, "-c", BASELINE, str(folder), str(base_out), str(EXCEL_ROWS)]
                )
                if b_code != 0:
                    raise SystemExit(f"baseline failed on {size:,} responses (exit {b_code})")
                base = f"{b_seconds:.1f} s", f"{b_rss:,.0f} MB", f"{b_seconds / seconds:.1f}x"
            print(
                f"| {size:,} | {seconds:.1f} s | {rss:,.0f} MB | {base[0]} | {base[1]} | {base[2]} |",
                flush=True,
            )
            if args.breakdown:
                print(f"|  | {breakdown(folder, Path(scratch) / 'inproc.xlsx')} |||||", flush=True)


if __name__ == "__main__":
    main()
