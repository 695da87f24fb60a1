"""Benchmark: ``=CX.NPS`` over the add-in server's HTTP endpoint vs plain Python.

Starts the add-in server on a free port of 127.0.0.1 (``python -m
cxexcel.server``), then for ranges of 10, 10,000 and 1,000,000 cells sends
the request Excel sends (pre-encoded JSON, as Excel's own serialisation is
not ours to time) and reports calls per second and p50/p99 latency of:

- ``endpoint``: ``POST /cx/custom-functions-call``, the route the add-in's
  custom-functions code posts to (orjson, GC paused while parsing);
- ``stock``: xlwings-server's ``POST /xlwings/custom-functions-call`` (stdlib
  JSON), for comparison;
- ``core``: ``cxexcel.metrics.nps`` called directly on the Excel-shaped
  2-D list (what the endpoint computes, without HTTP and conversion);
- ``loop``: the same NPS as a plain Python loop over the cells.

Ratios are endpoint/loop, endpoint/core and endpoint/stock; "adds" is
endpoint p50 minus core p50.

Then a sheet of 1,000 ``=CX.*`` cells recalculating: the served
custom-functions code run in node (``tests/excel/run_served_code.js``, real
HTTP to the same server) with 1,000 calls at once, as Excel makes them:
batched (the served code's way: ``POST /cx/custom-functions-batch``) and one
request per cell (xlwings' way), each the time until every cell has its
value, best and median of the runs. Run: ``.venv/bin/python
bench/functions.py [--quick] [--cells-only]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from cxexcel.metrics import nps  # noqa: E402

SIZES = {10: 500, 10_000: 100, 1_000_000: 10}
SHEET_CELLS = 1_000
RUNNER = Path(__file__).parents[1] / "tests" / "excel" / "run_served_code.js"


def excel_call(scores: list[list[int]], cell: str = "B2") -> dict:
    return {
        "client": "Office.js",
        "func_name": "nps",
        "args": [scores],
        "caller_address": f"[Book1.xlsx]Sheet1!{cell}",
        "culture_info_name": "en-US",
        "date_format": "m/d/yyyy",
        "version": "0.37.8",
        "runtime": "1.4",
    }


def excel_body(scores: list[list[int]]) -> bytes:
    return json.dumps(excel_call(scores)).encode()


def sheet_recalculation(url: str, rng: np.random.Generator, runs: int) -> None:
    """1,000 =CX.NPS cells (10 answers each) through the served code, batched
    and one request per cell."""
    if shutil.which("node") is None:
        print("(no node: the 1,000-cell sheet is not measured)")
        return
    bodies = [
        excel_call(rng.integers(0, 11, size=(10, 1)).tolist(), f"C{row}")
        for row in range(2, SHEET_CELLS + 2)
    ]
    expected = [nps_loop(body["args"][0]) for body in bodies]
    with tempfile.TemporaryDirectory() as folder:
        calls = Path(folder) / "calls.json"
        calls.write_text(json.dumps(bodies))

        def recalculate(*mode: str) -> tuple[float, dict]:
            done = subprocess.run(
                ["node", str(RUNNER), url, str(calls), *mode],
                capture_output=True,
                text=True,
                check=True,
            )
            ran = json.loads(done.stdout)
            values = [outcome["value"][0][0] for outcome in ran["results"]]
            assert max(abs(a - b) for a, b in zip(values, expected, strict=True)) < 1e-9
            return ran["ms"], ran["requests"]

        print(f"\n{SHEET_CELLS:,} cells recalculating ({runs} runs each)")
        print(f"{'how':>14} {'best ms':>9} {'p50 ms':>9}  requests")
        figures = {}
        for label, mode in (("batched", ()), ("one per cell", ("--no-batch",))):
            recalculate(*mode)  # warm-up
            times, requests = [], {}
            for _ in range(runs):
                ms, requests = recalculate(*mode)
                times.append(ms)
            figures[label] = statistics.median(times)
            shown = ", ".join(f"{count:,} x {path}" for path, count in requests.items())
            print(f"{label:>14} {min(times):>9,.0f} {figures[label]:>9,.0f}  {shown}")
        print(
            f"{'':>14} ratio one per cell / batched "
            f"{figures['one per cell'] / figures['batched']:.1f}x (p50)"
        )


def nps_loop(scores: list[list[int]]) -> float:
    promoters = detractors = n = 0
    for row in scores:
        for score in row:
            if score == "" or score is None:
                continue
            n += 1
            if score >= 9:
                promoters += 1
            elif score <= 6:
                detractors += 1
    return 100.0 * (promoters - detractors) / n


def timings(function, repeat: int) -> list[float]:
    function()  # warm-up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        out.append(time.perf_counter() - start)
    return out


def summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "calls_per_s": len(seconds) / sum(seconds),
        "p50_ms": 1000 * statistics.median(seconds),
        "p99_ms": 1000 * p99,
    }


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "XLWINGS_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "cxexcel.server", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=Path(__file__).parents[1])
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/").status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the add-in server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the repetitions")
    parser.add_argument(
        "--cells-only", action="store_true", help="only the 1,000-cell sheet recalculation"
    )
    options = parser.parse_args()
    process, url = start_server()
    rng = np.random.default_rng(42)
    try:
        if not options.cells_only:
            single_calls(url, rng, options.quick)
        sheet_recalculation(url, rng, 3 if options.quick else 7)
    finally:
        process.terminate()
        process.wait()


def single_calls(url: str, rng: np.random.Generator, quick: bool) -> None:
    """One call of 10, 10,000 and 1,000,000 cells, over and over."""
    print(f"{'cells':>9} {'what':>8} {'calls/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
    with httpx.Client(base_url=url, timeout=120) as client:
        for cells, repeat in SIZES.items():
            repeat = max(3, repeat // 10) if quick else repeat
            scores = rng.integers(0, 11, size=(cells, 1)).tolist()
            body = excel_body(scores)
            headers = {"Content-Type": "application/json"}

            def over_http(path, body=body, headers=headers):
                response = client.post(path, content=body, headers=headers)
                response.raise_for_status()
                return response.json()["result"][0][0]

            def endpoint():
                return over_http("/cx/custom-functions-call")

            def stock():
                return over_http("/xlwings/custom-functions-call")

            assert abs(endpoint() - nps_loop(scores)) < 1e-9
            assert stock() == endpoint()
            rows = {
                "endpoint": summary(timings(endpoint, repeat)),
                "stock": summary(timings(stock, repeat)),
                "core": summary(timings(lambda s=scores: nps(s), repeat)),
                "loop": summary(timings(lambda s=scores: nps_loop(s), repeat)),
            }
            for what, figures in rows.items():
                print(
                    f"{cells:>9,} {what:>8} {figures['calls_per_s']:>10,.1f} "
                    f"{figures['p50_ms']:>9.3f} {figures['p99_ms']:>9.3f}"
                )
            fast, core, loop = rows["endpoint"], rows["core"], rows["loop"]
            print(
                f"{'':>9} {'ratio':>8} endpoint/loop {fast['p50_ms'] / loop['p50_ms']:.2f}x, "
                f"endpoint/core {fast['p50_ms'] / core['p50_ms']:.2f}x, "
                f"endpoint/stock {fast['p50_ms'] / rows['stock']['p50_ms']:.2f}x, "
                f"HTTP + conversion adds {fast['p50_ms'] - core['p50_ms']:.2f} ms"
            )


if __name__ == "__main__":
    main()
