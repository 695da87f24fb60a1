"""Benchmark: cxexcel's BG/NBD + Gamma-Gamma fits and RFM summary against `lifetimes`.

Run from the repository root with the project's venv:

    .venv/bin/python bench/clv.py                  # full run (CDNOW, 100k, 1M, 10M rows)
    .venv/bin/python bench/clv.py --quick          # CDNOW and 100k only, 1M RFM rows

The baseline, the archived `lifetimes` 0.11.3, lives only in its own venv,
bench/.venv-lifetimes, which this script creates on first use (it needs
numpy<2, pandas<2, scipy<1.12 on Python 3.11). `lifetimes` is never a
project dependency. Each measurement runs in a fresh subprocess, so the
peak memory figure (peak RSS growth during the call, from
resource.getrusage) belongs to that call alone.

Synthetic customers are drawn from the BG/NBD and Gamma-Gamma generative
processes with the published CDNOW parameters, times rounded to whole days
(as an RFM summary of dated transactions gives them), seeded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LIFETIMES_VENV = ROOT / "bench" / ".venv-lifetimes"
LIFETIMES_PYTHON = LIFETIMES_VENV / "bin" / "python"
LIFETIMES_PINS = ["numpy<2", "pandas<2", "scipy<1.12", "lifetimes==0.11.3"]
CDNOW_SUMMARY = ROOT / "tests" / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"

BGNBD_TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG_TRUE = {"p": 6.25, "q": 3.74, "gamma": 15.44}
WORKER_TIMEOUT = 1800


# --- data ------------------------------------------------------------------------------


def simulate_customers(n: int, seed: int) -> dict[str, np.ndarray]:
    """n customers from BG/NBD x Gamma-Gamma with CDNOW-like parameters, in weeks."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = BGNBD_TRUE.values()
    p, q, gamma = GG_TRUE.values()
    # First purchase in the first 12 weeks of a 39-week calibration period, in whole days.
    big_t = np.round((39.0 - rng.uniform(0.0, 12.0, n)) * 7.0) / 7.0
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    arrivals = rng.poisson(rate * big_t)
    # Dropout can only follow a repeat purchase: the number of purchases before it is geometric.
    x = np.minimum(arrivals, rng.geometric(dropout))
    # Given M arrivals in (0, T], the x-th one is at T * Beta(x, M - x + 1).
    frac = rng.beta(np.maximum(x, 1), arrivals - x + 1)
    t_x = np.where(x > 0, np.minimum(np.ceil(big_t * frac * 7.0) / 7.0, big_t), 0.0)
    nu = rng.gamma(q, 1.0 / gamma, n)
    zbar = np.where(x > 0, rng.gamma(p * np.maximum(x, 1), 1.0 / (nu * np.maximum(x, 1))), 0.0)
    return {"x": x.astype(float), "t_x": t_x, "T": big_t, "zbar": zbar}


def cdnow_customers() -> dict[str, np.ndarray]:
    data = np.genfromtxt(CDNOW_SUMMARY, delimiter=",", skip_header=1)
    return {"x": data[:, 1], "t_x": data[:, 2], "T": data[:, 3], "zbar": data[:, 4]}


def simulate_transactions(rows: int, seed: int) -> dict[str, np.ndarray]:
    """rows transactions of rows/5 customers over two years (day offsets, amounts)."""
    rng = np.random.default_rng(seed)
    customers = max(rows // 5, 1)
    return {
        "customer": rng.integers(0, customers, rows, dtype=np.int64),
        "day": rng.integers(0, 730, rows, dtype=np.int64),
        "amount": np.round(rng.gamma(2.0, 20.0, rows), 2),
    }


# --- workers (run in a subprocess; the lifetimes one under the lifetimes venv) --------


def _rss_now_kb() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _measure(call, repeat: int) -> tuple[object, float, float]:
    """Result, best wall time (s) and peak RSS growth (MB) of call()."""
    before = _rss_now_kb()
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result, best, max(peak - before, 0) / 1024.0


def worker_fit(engine: str, path: str, repeat: int) -> dict:
    data = dict(np.load(path))
    x, t_x, big_t, zbar = data["x"], data["t_x"], data["T"], data["zbar"]
    repeaters = x > 0
    if engine == "ours":
        sys.path.insert(0, str(ROOT))
        from cxexcel.metrics.clv_models import fit_bgnbd, fit_gamma_gamma

        def bgnbd():
            fit = fit_bgnbd(x, t_x, big_t)
            return {
                "r": fit.r,
                "alpha": fit.alpha,
                "a": fit.a,
                "b": fit.b,
                "ll": fit.log_likelihood,
            }

        def gamma_gamma():
            fit = fit_gamma_gamma(x[repeaters], zbar[repeaters])
            return {"p": fit.p, "q": fit.q, "gamma": fit.gamma, "ll": fit.log_likelihood}

    else:
        import warnings

        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        warnings.simplefilter("ignore")
        frame = pd.DataFrame({"x": x, "t_x": t_x, "T": big_t, "zbar": zbar})

        def bgnbd():
            fit = BetaGeoFitter().fit(frame["x"], frame["t_x"], frame["T"])
            params = {k: float(v) for k, v in fit.params_.items()}
            params["ll"] = float(fit._negative_log_likelihood_ * -len(frame))
            return params

        def gamma_gamma():
            rep = frame[frame["x"] > 0]
            fit = GammaGammaFitter().fit(rep["x"], rep["zbar"])
            params = {k: float(v) for k, v in fit.params_.items()}
            params["gamma"] = params.pop("v")
            return params

    bg_params, bg_time, bg_mem = _measure(bgnbd, repeat)
    gg_params, gg_time, gg_mem = _measure(gamma_gamma, repeat)
    return {
        "bgnbd": bg_params,
        "bgnbd_s": bg_time,
        "bgnbd_mb": bg_mem,
        "gg": gg_params,
        "gg_s": gg_time,
        "gg_mb": gg_mem,
    }


def worker_rfm(engine: str, path: str, repeat: int) -> dict:
    data = dict(np.load(path))
    dates = (np.datetime64("2020-01-01", "D") + data["day"]).astype("datetime64[ns]")
    customer, amount = data["customer"], data["amount"]
    del data
    end = str(dates.max())[:10]
    if engine == "ours":
        sys.path.insert(0, str(ROOT))
        from cxexcel.metrics.clv_models import rfm

        def summarise():
            return rfm(customer, dates, amount, end_date=end, unit="W")

        def columns(out):
            return out.sort_values("customer")[["frequency", "recency", "T", "monetary_value"]]

    else:
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data

        frame = pd.DataFrame({"customer": customer, "date": dates, "amount": amount})
        del customer, dates, amount

        def summarise():
            return summary_data_from_transaction_data(
                frame,
                "customer",
                "date",
                monetary_value_col="amount",
                observation_period_end=end,
                freq="D",
                freq_multiplier=7,
            )

        def columns(out):
            return out.sort_index()[["frequency", "recency", "T", "monetary_value"]]

    out, seconds, memory = _measure(summarise, repeat)
    values = columns(out).to_numpy(dtype=float)
    return {
        "rfm_s": seconds,
        "rfm_mb": memory,
        "customers": len(values),
        "checksum": values.sum(0).tolist(),
    }


# --- driver --------------------------------------------------------------------------------


def ensure_lifetimes_venv() -> bool:
    if LIFETIMES_PYTHON.exists():
        return True
    print(f"creating {LIFETIMES_VENV} with {' '.join(LIFETIMES_PINS)} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)
        subprocess.run(
            [str(LIFETIMES_VENV / "bin" / "pip"), "install", "-q", *LIFETIMES_PINS], check=True
        )
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"could not install lifetimes: {error}; comparing against nothing")
        return False
    return True


def run_worker(python: Path | str, task: str, engine: str, path: Path, repeat: int) -> dict | None:
    command = [str(python), __file__, "--worker", task, engine, str(path), str(repeat)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        print(f"  {engine} {task}: gave up after {WORKER_TIMEOUT} s")
        return None
    if done.returncode != 0:
        print(f"  {engine} {task} failed:\n{done.stderr[-2000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare_fits(name: str, n: int, ours: dict, theirs: dict | None) -> None:
    print(f"\n{name}: {n:,} customers")
    for model, keys in [("bgnbd", ["r", "alpha", "a", "b"]), ("gg", ["p", "q", "gamma"])]:
        label = "BG/NBD" if model == "bgnbd" else "Gamma-Gamma"
        params = ", ".join(f"{k}={ours[model][k]:.3f}" for k in keys)
        line = f"  {label:12s} ours {ours[model + '_s']:8.3f} s {ours[model + '_mb']:8.1f} MB   {params}"
        print(line)
        if theirs:
            diff = max(abs(ours[model][k] - theirs[model][k]) for k in keys)
            ratio = theirs[model + "_s"] / ours[model + "_s"]
            print(
                f"  {'':12s} lifetimes {theirs[model + '_s']:8.3f} s {theirs[model + '_mb']:8.1f} MB"
                f"   ours {ratio:6.1f}x faster; max |param diff| {diff:.1e}"
                f" ({'agree' if diff <= 0.01 else 'DIFFER'} to 0.01)"
            )
    if theirs:
        total = (theirs["bgnbd_s"] + theirs["gg_s"]) / (ours["bgnbd_s"] + ours["gg_s"])
        print(f"  both fits: ours {total:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CDNOW and 100k only, 1M RFM rows")
    parser.add_argument("--no-lifetimes", action="store_true", help="skip the lifetimes baseline")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task, engine, path, repeat = args.worker
        work = worker_fit if task == "fit" else worker_rfm
        print(json.dumps(work(engine, path, int(repeat))))
        return

    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    rfm_rows = 1_000_000 if args.quick else 10_000_000
    baseline = not args.no_lifetimes and ensure_lifetimes_venv()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores")

    with tempfile.TemporaryDirectory() as tmp:
        datasets = [("CDNOW", cdnow_customers())]
        datasets += [(f"synthetic {n:,}", simulate_customers(n, seed=n)) for n in sizes]
        for name, data in datasets:
            path = Path(tmp) / "customers.npz"
            np.savez(path, **data)
            n = len(data["x"])
            ours = run_worker(sys.executable, "fit", "ours", path, 3)
            theirs = None
            if baseline:
                theirs = run_worker(
                    LIFETIMES_PYTHON, "fit", "lifetimes", path, 3 if n < 500_000 else 1
                )
            if ours:
                compare_fits(name, n, ours, theirs)

        path = Path(tmp) / "transactions.npz"
        np.savez(path, **simulate_transactions(rfm_rows, seed=1))
        print(f"\nRFM summary: {rfm_rows:,} transaction rows")
        ours = run_worker(sys.executable, "rfm", "ours", path, 1)
        theirs = run_worker(LIFETIMES_PYTHON, "rfm", "lifetimes", path, 1) if baseline else None
        if ours:
            print(
                f"  ours      {ours['rfm_s']:8.2f} s {ours['rfm_mb']:8.0f} MB   {ours['customers']:,} customers"
            )
        if ours and theirs:
            same = np.allclose(ours["checksum"], theirs["checksum"], rtol=1e-9)
            print(
                f"  lifetimes {theirs['rfm_s']:8.2f} s {theirs['rfm_mb']:8.0f} MB   "
                f"ours {theirs['rfm_s'] / ours['rfm_s']:.1f}x faster; "
                f"column sums {'agree' if same else 'DIFFER'}"
            )


if __name__ == "__main__":
    main()
