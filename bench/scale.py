"""Benchmark: data beyond memory, the engine against DuckDB SQL and the pandas path.

Writes Parquet inputs in chunks (never the whole table in memory):
``Responses`` (date, nps, csat, ces, customer_id, segment) with N rows and
``Subscriptions`` (customer_id, month, mrr) with 1.7 rows per
response, then measures, each in a child process (wall time, and peak
resident memory from ``os.wait4``):

- ``duckdb-sql``: the headline figures in hand-written DuckDB SQL, the floor:
  NPS, CSAT and CES over all responses and per month and segment, and MRR
  movements per month (new, expansion, contraction, churned, reactivation,
  ending);
- ``engine``: the same figures through ``cxexcel.engine`` (Ibis expressions
  on DuckDB reading the same files) and the core (``metrics.counted``,
  ``movements_from_totals``); the figures must equal ``duckdb-sql``'s;
- ``pandas``: the previous path for the same figures (``pd.read_parquet``,
  ``mrr_movements`` and ``nps``/``csat``/``ces`` per group), where it fits;
- ``engine-csv``: the survey figures from the Responses table as one CSV file;
- ``report``: ``cxexcel report FOLDER -o OUT.xlsx``, the whole workbook (the
  Parquet tables checked and reduced by the engine where they lie).

Run from the project root::

    .venv/bin/python bench/scale.py                      # 1M and 10M responses
    .venv/bin/python bench/scale.py --sizes 1000000 --huge 100000000

``--huge N`` also runs the engine and ``cxexcel report`` on N responses
(no subscriptions); ``report-csv`` is ``cxexcel report`` on the Responses
table alone as one CSV file (sizes up to 1M). ``--csv-only`` runs just that
(at every size given), ``--repeat K`` times; with ``--before DIR`` (a source
tree of another revision, e.g. from ``git archive``) the same command of
that tree runs interleaved with this one's::

    mkdir /tmp/before && git archive 13e3d36 cxexcel | tar -x -C /tmp/before
    .venv/bin/python bench/scale.py --sizes 1000000 --csv-only --repeat 5 --before /tmp/before

Prints one Markdown row per measurement (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 2_000_000
MONTHS = 24
SEGMENTS = np.array(["SMB", "Mid-market", "Enterprise", "Public sector"])
START = np.datetime64("2023-01-01")


def write_responses(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [
            ("date", pa.timestamp("us")),
            ("nps", pa.int64()),
            ("csat", pa.int64()),
            ("ces", pa.int64()),
            ("customer_id", pa.string()),
            ("segment", pa.string()),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            seconds = rng.integers(0, MONTHS * 30 * 86400, n)
            date = START.astype("datetime64[us]") + seconds.astype("timedelta64[s]")

            def scores(low, high, blank, n=n):
                values = rng.integers(low, high + 1, n)
                return pa.array(values, mask=rng.random(n) < blank)

            customers = rng.integers(0, max(1, rows // 10), n)
            writer.write_table(
                pa.table(
                    {
                        "date": pa.array(date),
                        "nps": scores(0, 10, 0.05),
                        "csat": scores(1, 5, 0.3),
                        "ces": scores(1, 7, 0.5),
                        "customer_id": pa.array(np.char.add("C", customers.astype(str))),
                        "segment": pa.array(SEGMENTS[rng.integers(0, len(SEGMENTS), n)]),
                    },
                    schema=schema,
                )
            )


def write_subscriptions(path: Path, rows: int, seed: int) -> None:
    """``rows`` customer-months: customers who start in some month, pay a plan
    for some months (with upgrades and downgrades), some come back. Customers
    are drawn chunk by chunk until the months inside the window add up to
    ``rows`` (a customer's months past the window's end are not written)."""
    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [("customer_id", pa.string()), ("month", pa.date32()), ("mrr", pa.float64())]
    )
    plans = np.array([29.0, 49.0, 99.0, 199.0, 499.0])
    per_customer = 12
    count = CHUNK // per_customer
    first, written = 0, 0
    with pq.ParquetWriter(path, schema) as writer:
        while written < rows:
            ids = np.arange(first, first + count)
            first += count
            start = rng.integers(0, MONTHS, count)
            length = rng.integers(1, 2 * per_customer, count)
            cid = np.repeat(ids, length)
            offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
            month = np.repeat(start, length) + offset
            keep = month < MONTHS
            cid, month = cid[keep][: rows - written], month[keep][: rows - written]
            written += cid.size
            plan = rng.integers(0, len(plans), cid.size)
            mrr = plans[plan] * (rng.random(cid.size) > 0.03)  # a few months at 0
            dates = (START.astype("datetime64[M]") + month).astype("datetime64[D]")
            writer.write_table(
                pa.table(
                    {
                        "customer_id": pa.array(np.char.add("C", cid.astype(str))),
                        "month": pa.array(dates),
                        "mrr": pa.array(mrr),
                    },
                    schema=schema,
                )
            )


DUCKDB_SQL = r"""
import json, sys, duckdb
folder = sys.argv[1]
con = duckdb.connect(config={"memory_limit": "2GB"})
con.execute("SET enable_progress_bar = false")
R, S = f"read_parquet('{folder}/Responses.parquet')", f"read_parquet('{folder}/Subscriptions.parquet')"
out = {}
out["nps"] = con.sql(f"select 100.0 * (count(*) filter (nps >= 9) - count(*) filter (nps <= 6)) / count(nps) from {R}").fetchall()[0][0]
out["csat"] = con.sql(f"select 1.0 * count(*) filter (csat >= 4) / count(csat) from {R}").fetchall()[0][0]
out["ces"] = con.sql(f"select avg(ces) from {R}").fetchall()[0][0]
out["groups"] = con.sql(f"select count(*) from (select date_trunc('month', date), segment, 100.0 * (count(*) filter (nps >= 9) - count(*) filter (nps <= 6)) / count(nps) from {R} group by all)").fetchall()[0][0]
rows = con.sql(f'''
with cm as (select customer_id, (year(month) - 1970) * 12 + month(month) - 1 as slot, sum(mrr) as mrr
            from {S} group by all),
span as (select min(slot) as first, max(slot) as last from cm),
p as (select *, lag(slot) over w as ps, lag(mrr) over w as pm, lead(slot) over w as ns
      from cm where mrr > 0 window w as (partition by customer_id order by slot)),
m as (select slot, sum(mrr) as ending,
             sum(case when ps is null then mrr else 0 end) as new,
             sum(case when ps is not null and ps <> slot - 1 then mrr else 0 end) as reactivation,
             sum(case when ps = slot - 1 and mrr > pm then mrr - pm else 0 end) as expansion,
             sum(case when ps = slot - 1 and mrr < pm then pm - mrr else 0 end) as contraction
      from p group by slot),
c as (select slot + 1 as slot, sum(mrr) as churned from p, span
      where (ns is null or ns <> slot + 1) and slot + 1 <= last group by 1)
select m.slot, ending, new, reactivation, expansion, contraction, coalesce(churned, 0)
from m left join c using (slot) order by m.slot''').fetchall()
out["ending"] = [r[1] for r in rows]
out["churned"] = [r[6] for r in rows]
print(json.dumps(out))
"""

ENGINE = r"""
import json, sys
from cxexcel import engine
from cxexcel.engine.responses import score_counts
from cxexcel.engine.subscriptions import subscription_totals
from cxexcel.metrics.counted import ces_counts, csat_counts, nps_counts
from cxexcel.metrics.movements import MOVEMENT_TOTALS, movements_from_totals
folder, kind, with_subs = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
eng = engine.connect()
R = eng.from_files("Responses", f"{folder}/Responses.{kind}")
out = {}
for name, function in (("nps", nps_counts), ("csat", csat_counts), ("ces", ces_counts)):
    counts = eng.execute(score_counts(R, name))
    out[name] = function(counts["score"], counts["n"])
groups = eng.execute(score_counts(R, "nps", by=("slot", "segment")))
figures = [nps_counts(g["score"], g["n"]) for _, g in groups.groupby(["slot", "segment"])]
out["groups"] = len(figures)
if with_subs:
    S = eng.from_files("Subscriptions", f"{folder}/Subscriptions.parquet")
    totals = subscription_totals(eng, S)
    moves = movements_from_totals(totals.first_month, totals.n_months, totals.months["slot"],
                                  {n: totals.months[n] for n in MOVEMENT_TOTALS})
    out["ending"] = moves["ending_mrr"].tolist()
    out["churned"] = moves["churned"].tolist()
print(json.dumps(out))
"""

PANDAS = r"""
import json, sys
import numpy as np, pandas as pd
from cxexcel.metrics import ces, csat, mrr_movements, nps
folder = sys.argv[1]
r = pd.read_parquet(f"{folder}/Responses.parquet")
out = {"nps": nps(r["nps"]), "csat": csat(r["csat"]), "ces": ces(r["ces"])}
month = r["date"].dt.to_period("M")
out["groups"] = sum(1 for _, g in r.groupby([month, "segment"])["nps"] if nps(g) is not None)
s = pd.read_parquet(f"{folder}/Subscriptions.parquet")
moves = mrr_movements(s["customer_id"], s["month"], s["mrr"])
out["ending"] = moves["ending_mrr"].tolist()
out["churned"] = moves["churned"].tolist()
print(json.dumps(out))
"""


def run_child(code: str, *args: str) -> tuple[float, float, dict]:
    """(seconds, peak RSS in GB, printed JSON) of ``python -c code args``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed:\n{stderr.decode()[-3000:]}")
    # The last line: DuckDB may draw a progress bar on long queries.
    return seconds, usage.ru_maxrss / 1024 / 1024, json.loads(stdout.splitlines()[-1])


def run_report(folder: Path, out: Path, source: Path | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in GB) of ``cxexcel report folder -o out``, of the
    cxexcel in ``source`` if given (else this tree's)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cxexcel", "report", str(folder), "-o", str(out), "--force"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=source or Path(__file__).resolve().parents[1],
    )
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cxexcel report failed:\n{stderr.decode()[-3000:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024 / 1024


def same_figures(a: dict, b: dict) -> bool:
    keys = set(a) & set(b)
    for key in keys:
        x, y = np.asarray(a[key], dtype=float), np.asarray(b[key], dtype=float)
        if x.shape != y.shape or not np.allclose(x, y, rtol=1e-9, atol=1e-6):
            return False
    return True


def row(size: str, what: str, seconds: float, gb: float, note: str = "") -> None:
    print(f"| {size} | {what} | {seconds:,.2f} | {gb:,.2f} | {note} |", flush=True)


def report_csv(folder: Path, size: int, repeat: int, before: Path | None) -> None:
    """``report-csv`` alone: ``cxexcel report`` on Responses as one CSV file
    (written as below: Parquet, then pyarrow's CSV writer), ``repeat`` runs,
    interleaved with those of the ``before`` tree if given and with the
    report on the Parquet file (the road the CSV file now takes)."""
    import pyarrow.csv as pcsv

    parquet, only_csv = folder / "parquet", folder / "csv"
    parquet.mkdir(parents=True)
    only_csv.mkdir()
    write_responses(parquet / "Responses.parquet", size, seed=1)
    pcsv.write_csv(pq.read_table(parquet / "Responses.parquet"), only_csv / "Responses.csv")
    label = f"{size:,}"
    runs: dict[str, list[float]] = {"before": [], "after": [], "parquet": []}
    for _ in range(repeat):
        for which, source in (("before", before), ("after", None), ("parquet", None)):
            if which == "before" and before is None:
                continue
            inputs = parquet if which == "parquet" else only_csv
            seconds, gb = run_report(inputs, folder / f"{which}.xlsx", source)
            runs[which].append(seconds)
            what = "report-parquet" if which == "parquet" else f"report-csv ({which})"
            row(label, what, seconds, gb, f"cxexcel report on {inputs.name}/Responses.*")
    for which, seconds in runs.items():
        if seconds:
            shown = ", ".join(f"{s:.2f}" for s in seconds)
            print(
                f"{which}: best {min(seconds):.2f} s, median {np.median(seconds):.2f} s ({shown})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--huge", type=int, default=0, help="also the engine alone on N responses")
    parser.add_argument("--pandas-up-to", type=int, default=3_000_000)
    parser.add_argument("--csv-only", action="store_true", help="only report-csv")
    parser.add_argument("--repeat", type=int, default=1, help="runs of report-csv")
    parser.add_argument("--before", type=Path, help="a source tree to compare report-csv with")
    options = parser.parse_args()
    print("| responses | what | seconds | peak GB | figures |")
    print("|---:|---|---:|---:|---|")
    with tempfile.TemporaryDirectory(dir=os.environ.get("CXEXCEL_BENCH_DIR")) as tmp:
        if options.csv_only:
            for size in options.sizes:
                report_csv(Path(tmp) / str(size), size, options.repeat, options.before)
            return
        for size in options.sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir()
            write_responses(folder / "Responses.parquet", size, seed=1)
            write_subscriptions(folder / "Subscriptions.parquet", int(size * 1.7), seed=2)
            label = f"{size:,}"
            sql_s, sql_gb, floor = run_child(DUCKDB_SQL, str(folder))
            row(label, "duckdb-sql", sql_s, sql_gb, "the floor")
            eng_s, eng_gb, ours = run_child(ENGINE, str(folder), "parquet", "1")
            verdict = "same" if same_figures(floor, ours) else "DIFFERENT"
            row(label, "engine", eng_s, eng_gb, f"{verdict}; {eng_s / sql_s:.2f}x the floor")
            out = folder / "OUT.xlsx"
            rep_s, rep_gb = run_report(folder, out)
            row(label, "report", rep_s, rep_gb, f"cxexcel report, {rep_s / sql_s:.2f}x the floor")
            out.unlink()
            if size <= options.pandas_up_to:
                pd_s, pd_gb, old = run_child(PANDAS, str(folder))
                verdict = "same" if same_figures(floor, old) else "DIFFERENT"
                row(label, "pandas", pd_s, pd_gb, f"{verdict}; {pd_s / sql_s:.2f}x the floor")
            if size <= 1_000_000:
                import pyarrow.csv as pcsv

                pcsv.write_csv(
                    pq.read_table(folder / "Responses.parquet"), folder / "Responses.csv"
                )
                csv_s, csv_gb, _ = run_child(ENGINE, str(folder), "csv", "0")
                row(label, "engine-csv", csv_s, csv_gb, "Responses as CSV, survey figures")
                only_csv = folder / "csv"
                only_csv.mkdir()
                (folder / "Responses.csv").rename(only_csv / "Responses.csv")
                rc_s, rc_gb = run_report(only_csv, folder / "csv.xlsx")
                row(label, "report-csv", rc_s, rc_gb, "cxexcel report on Responses.csv")
        if options.huge:
            folder = Path(tmp) / "huge"
            folder.mkdir()
            write_responses(folder / "Responses.parquet", options.huge, seed=3)
            huge_s, huge_gb, _ = run_child(ENGINE, str(folder), "parquet", "0")
            row(f"{options.huge:,}", "engine", huge_s, huge_gb, "survey figures only")
            big_s, big_gb = run_report(folder, folder / "OUT.xlsx")
            row(f"{options.huge:,}", "report", big_s, big_gb, "cxexcel report, Responses only")


if __name__ == "__main__":
    main()
