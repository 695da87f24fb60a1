"""The add-in server's bounds and error cells: body size, cells per call,
1,000 concurrent calls, and errors that are real errors on every runtime
the manifest allows (issue 8, items 2, 4 and 9)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

import httpx
import numpy as np
import pytest
from conftest import TIGHT_MAX_BODY_BYTES, TIGHT_MAX_CELLS
from function_calls import request_body
from servers import RawHTTP

from cxexcel import catalog

FAST_PATH = "/cx/custom-functions-call"
JSON = {"Content-Type": "application/json"}
MiB = 1024 * 1024

node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run JavaScript")


def rss_bytes(pid: int) -> int:
    """The resident memory of process ``pid``."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


# -- 2. body size --------------------------------------------------------------


def test_a_200_mib_content_length_is_refused_before_the_body_is_sent(server_url):
    with RawHTTP(server_url) as http:
        http.send(
            f"POST {FAST_PATH} HTTP/1.1\r\nHost: {http.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {200 * MiB}\r\n\r\n".encode()
        )
        started = time.monotonic()
        status, headers, body = http.response()  # nothing of the body sent
    assert time.monotonic() - started < 10
    assert status == 413
    assert headers["connection"] == "close"
    answer = json.loads(body)
    assert answer["excel_error"] == "#VALUE!"
    assert f"{64 * MiB:,} bytes" in answer["detail"]


@pytest.mark.parametrize("path", [FAST_PATH, "/xlwings/custom-scripts-call/validate_tables"])
def test_a_body_over_the_limit_is_413(tight_server, path):
    url, _ = tight_server
    body = b'{"args": [' + b"1," * TIGHT_MAX_BODY_BYTES + b"1]}"
    answer = httpx.post(url + path, content=body, headers=JSON, timeout=60)
    assert answer.status_code == 413
    assert f"{TIGHT_MAX_BODY_BYTES:,} bytes" in answer.json()["detail"]


def chunks(total: int, size: int = 64 * 1024):
    """A streamed JSON-ish body of ``total`` bytes (sent chunked, no length)."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_a_streamed_body_is_counted_and_cut_at_the_limit(tight_server):
    url, process = tight_server
    before = rss_bytes(process.pid)
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(3):
            answer = client.post(FAST_PATH, content=chunks(40 * MiB), headers=JSON)
            assert "content-length" not in answer.request.headers
            assert answer.status_code == 413, answer.text
            assert f"{TIGHT_MAX_BODY_BYTES:,} bytes" in answer.json()["detail"]
        # The server still answers, and has not kept the bodies.
        valid = client.post(FAST_PATH, json=request_body("nps", [[10], [9], [3]]))
        assert valid.status_code == 200
    assert rss_bytes(process.pid) - before < 20 * MiB


def test_a_streamed_body_under_the_limit_works(tight_server):
    url, _ = tight_server
    body = json.dumps(request_body("nps", [[10], [9], [3]])).encode()
    pieces = (body[i : i + 7] for i in range(0, len(body), 7))
    answer = httpx.post(url + FAST_PATH, content=pieces, headers=JSON)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"result": [[pytest.approx(100 / 3)]]}


# -- 2. cells per call ---------------------------------------------------------


@pytest.mark.parametrize("path", [FAST_PATH, "/xlwings/custom-functions-call"])
def test_more_cells_than_the_limit_is_a_value_error_naming_it(tight_server, path):
    url, _ = tight_server
    scores = np.full((TIGHT_MAX_CELLS + 1, 1), 9)
    with httpx.Client(base_url=url, timeout=60) as client:
        answer = client.post(path, json=request_body("nps", scores))
        assert answer.status_code == 413, answer.text
        assert answer.json() == {
            "detail": f"CX.NPS: {TIGHT_MAX_CELLS + 1:,} cells are more than the server's "
            f"limit of {TIGHT_MAX_CELLS:,} cells per call",
            "excel_error": "#VALUE!",
        }
        # Over all arguments together.
        half = np.full((TIGHT_MAX_CELLS // 2 + 1, 1), 10)
        answer = client.post(path, json=request_body("churn", half, half))
        assert answer.status_code == 413
        # At the limit it works.
        answer = client.post(path, json=request_body("nps", np.full((TIGHT_MAX_CELLS, 1), 9)))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"result": [[100.0]]}


def test_the_default_cell_limit_takes_a_1000000_cell_range(client):
    scores = np.random.default_rng(3).integers(0, 11, size=(1_000_000, 1))
    answer = client.post(FAST_PATH, json=request_body("nps", scores), timeout=120)
    assert answer.status_code == 200, answer.text


# -- 9. load -------------------------------------------------------------------


def score_sets(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(9)
    return [rng.integers(0, 11, size=(int(rng.integers(1, 400)), 1)) for _ in range(count)]


async def concurrent_calls(url: str, sets: list[np.ndarray]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(sets), max_keepalive_connections=len(sets))
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        return await asyncio.gather(
            *(client.post(FAST_PATH, json=request_body("nps", s)) for s in sets)
        )


def test_200_concurrent_calls_all_succeed_with_their_values(server_url):
    sets = score_sets(200)
    answers = asyncio.run(concurrent_calls(server_url, sets))
    nps = catalog.get("NPS").function
    for scores, answer in zip(sets, answers, strict=True):
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"result": [[pytest.approx(nps(scores))]]}


def test_1000_concurrent_calls_have_no_errors_and_bounded_memory(tight_server):
    url, process = tight_server
    sets = score_sets(1000)
    asyncio.run(concurrent_calls(url, sets[:100]))  # warm up
    before = rss_bytes(process.pid)
    answers = asyncio.run(concurrent_calls(url, sets))
    assert [a.status_code for a in answers] == [200] * len(sets)
    assert rss_bytes(process.pid) - before < 100 * MiB


# -- 4. errors on every runtime the manifest allows ------------------------------


def test_the_manifest_requires_the_runtime_that_has_error_values(client):
    manifest = ET.fromstring(client.get("/manifest.xml").text)
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    sets = {
        s.get("Name"): s.get("MinVersion")
        for s in manifest.iterfind("o:Requirements/o:Sets/o:Set", ns)
    }
    assert sets == {"SharedRuntime": "1.1", "CustomFunctionsRuntime": "1.2"}


# Runs the served custom-functions code with stand-ins for Office.js, Excel's
# runtime at RUNTIME, and the server answer ANSWER; prints what the function
# returned (error cells as {"error": code}) or threw.
RESULT_HARNESS = r"""
const vm = require("vm");
const [code, answer, runtime] = [CODE, ANSWER, RUNTIME];
class CFError { constructor(code, message) { this.code = code; this.message = message; } }
const context = {
  console: { error() {}, log() {}, info() {} },
  crypto: globalThis.crypto, localStorage: undefined, setTimeout, clearTimeout, window: { location: { origin: "" } },
  Office: { onReady() {}, context: { requirements: {
    isSetSupported: (name, version) => name !== "CustomFunctionsRuntime" || version <= runtime,
  } } },
  CustomFunctions: {
    associate() {}, Error: CFError,
    ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!",
                 invalidNumber: "#NUM!", nullReference: "#NULL!", invalidReference: "#REF!" },
  },
  config: { customFunctionsMaxRetries: 3, customFunctionsRetryCodes: [500], requestTimeout: 300 },
  xwRequest: { post: async () => {
    if (answer.status === 200) return { data: answer.data };
    const e = new Error(String(answer.status)); e.response = answer; throw e;
  } },
};
context.globalThis = context;
vm.createContext(context);
vm.runInContext(code, context);
const shown = (v) => v instanceof CFError ? { error: v.code, message: v.message ?? null } :
  Array.isArray(v) ? v.map(shown) : v;
vm.runInContext("makeServerCall({func_name: 'x'})", context).then(
  (value) => console.log(JSON.stringify({ returned: shown(value) })),
  (error) => console.log(JSON.stringify({ thrown: shown(error) })),
);
"""


def run_served_code(code: str, answer: httpx.Response, runtime: str) -> object:
    script = (
        RESULT_HARNESS.replace("CODE", json.dumps(code))
        .replace("ANSWER", json.dumps({"status": answer.status_code, "data": answer.json()}))
        .replace("RUNTIME", json.dumps(runtime))
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


RUNTIMES = ["1.2", "1.3", "1.4"]


@node
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_infinity_in_a_spilled_result_is_a_num_error_cell(client, runtime):
    code = client.get("/cx/custom-functions-code.js").text
    body = {**request_body("clv", [[1e200], [1]], [[1e200], [2]], [[1], [3]]), "runtime": runtime}
    answer = client.post(FAST_PATH, json=body)
    assert answer.status_code == 200, answer.text
    assert run_served_code(code, answer, runtime) == {
        "returned": [[{"error": "#NUM!", "message": None}], [6.0]]
    }


@node
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_failed_call_is_an_error_not_text_on_every_allowed_runtime(client, runtime):
    code = client.get("/cx/custom-functions-code.js").text
    body = {**request_body("nps", [[10], [11]]), "runtime": runtime}
    answer = client.post(FAST_PATH, json=body)
    assert answer.status_code == 400
    assert run_served_code(code, answer, runtime) == {
        "thrown": {"error": "#VALUE!", "message": "scores: 11 at item 2 is outside 0-10"}
    }


@node
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_refused_call_is_an_excel_error(client, runtime):
    code = client.get("/cx/custom-functions-code.js").text
    answer = client.post(FAST_PATH, json={**request_body("nps", [[1]]), "func_name": "__class__"})
    assert answer.status_code == 404
    assert run_served_code(code, answer, runtime) == {
        "thrown": {"error": "#VALUE!", "message": "there is no CX function '__class__'"}
    }


@node
def test_plain_values_and_text_pass_through_unchanged(client):
    code = client.get("/cx/custom-functions-code.js").text
    answer = httpx.Response(200, json={"result": [["cohort", "#", "#NUM"], [1.5, "", True]]})
    for runtime in RUNTIMES:
        assert run_served_code(code, answer, runtime) == {
            "returned": [["cohort", "#", "#NUM"], [1.5, "", True]]
        }
