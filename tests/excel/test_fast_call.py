"""The add-in's own custom-functions call, ``POST /cx/custom-functions-call``
(``orjson`` for the JSON, cyclic GC paused while parsing), answers exactly as
xlwings' ``POST /xlwings/custom-functions-call`` does, and is the one the
served custom-functions code posts to."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import httpx
import numpy as np
import pytest
from function_calls import CALL_PATH, error_cell, request_body

from cxexcel import catalog

FAST_PATH = "/cx/custom-functions-call"

node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run JavaScript")


def both(server_url: str, **request) -> tuple[httpx.Response, httpx.Response]:
    """The answers of xlwings' route and of ours to the same request, each
    on its own connection."""
    return tuple(
        httpx.post(server_url + path, timeout=60, **request) for path in (CALL_PATH, FAST_PATH)
    )


def assert_same(stock: httpx.Response, fast: httpx.Response) -> None:
    assert fast.status_code == stock.status_code, (stock.text, fast.text)
    assert fast.headers["content-type"] == stock.headers["content-type"]
    if stock.headers["content-type"] == "application/json":
        assert fast.json() == stock.json()
    else:
        assert fast.text == stock.text


EXAMPLES = [
    pytest.param(entry, example, id=f"{entry.name}-{number}")
    for entry in catalog.functions()
    for number, example in enumerate(entry.examples)
]


@pytest.mark.parametrize(("entry", "example"), EXAMPLES)
def test_worked_examples_answer_as_xlwings_route(server_url, entry, example):
    stock, fast = both(server_url, json=request_body(entry.python_name, *example.args))
    assert stock.status_code == 200, stock.text
    assert_same(stock, fast)


EXCEL_ERRORS = [
    pytest.param("NPS", ([[10], [11]],), "#VALUE!", id="value-out-of-scale"),
    pytest.param("NPS", ([[10], ["n/a"]],), "#VALUE!", id="value-text"),
    pytest.param("NPS", ([[""], [""]],), "#N/A", id="na-all-blank"),
    pytest.param("NPS", ([[10], [error_cell("#N/A")]],), "#N/A", id="na-error-cell"),
    pytest.param("CHURN", (100, [[error_cell("#REF!")]]), "#REF!", id="ref-error-cell"),
    pytest.param("CAC", (100, 0), "#DIV/0!", id="div0"),
    pytest.param("CLV", (1e200, 1e200, 1), "#NUM!", id="num-overflow"),
    pytest.param("COHORTS", (["a", "b"], [[45292], [1e9]]), "#VALUE!", id="value-date"),
]


@pytest.mark.parametrize(("name", "args", "code"), EXCEL_ERRORS)
def test_excel_errors_answer_as_xlwings_route(server_url, name, args, code):
    stock, fast = both(server_url, json=request_body(catalog.get(name).python_name, *args))
    assert stock.status_code == 400
    assert stock.json()["excel_error"] == code
    assert_same(stock, fast)


def nps_body(**changes) -> dict:
    return {**request_body("nps", [[10], [9], [3]]), **changes}


JSON = {"Content-Type": "application/json"}

OTHER_FAILURES = [
    # (request, the status both routes give: bad calls are 4xx, never 500)
    pytest.param({"content": b"{bad", "headers": JSON}, 400, id="invalid-json"),
    pytest.param({"content": b"[1, 2]", "headers": JSON}, 400, id="json-not-an-object"),
    pytest.param({"content": b"", "headers": JSON}, 400, id="empty-body"),
    pytest.param(
        {"content": json.dumps(nps_body()).encode(), "headers": {"Content-Type": "text/plain"}},
        415,
        id="not-json-content-type",
    ),
    pytest.param({"json": nps_body(func_name="no_such")}, 404, id="unknown-function"),
    pytest.param({"json": {"client": "Office.js"}}, 400, id="missing-keys"),
    pytest.param(
        {"json": nps_body(client="Excel", version="0.0.1")}, 400, id="xlwings-error-version"
    ),
]


@pytest.mark.parametrize(("request_", "status"), OTHER_FAILURES)
def test_other_failures_answer_as_xlwings_route(server_url, request_, status):
    stock, fast = both(server_url, **request_)
    assert stock.status_code == status, stock.text
    assert_same(stock, fast)


STDLIB_ONLY_JSON = [
    # JSON the stdlib reads and orjson refuses: our route falls back to the stdlib.
    pytest.param(b"[[10], [NaN], [3]]", id="nan"),
    pytest.param(b"[[10], [123456789012345678901234567890], [3]]", id="integer-beyond-64-bits"),
    pytest.param(b'[[10], ["\\ud800"], [3]]', id="lone-surrogate"),
]


@pytest.mark.parametrize("scores", STDLIB_ONLY_JSON)
def test_json_only_the_stdlib_reads_answers_as_xlwings_route(server_url, scores):
    body = json.dumps(nps_body(args=["SCORES"])).replace('"SCORES"', scores.decode()).encode()
    stock, fast = both(server_url, content=body, headers=JSON)
    assert_same(stock, fast)  # a 400 for the lone surrogate on both


def test_utf16_body_answers_as_xlwings_route(server_url):
    body = json.dumps(nps_body()).encode("utf-16")
    stock, fast = both(server_url, content=body, headers=JSON)
    assert stock.status_code == 200, stock.text
    assert_same(stock, fast)


def test_a_1000000_cell_range_works(client):
    scores = np.random.default_rng(11).integers(0, 11, size=(1_000_000, 1))
    body = json.dumps(request_body("nps", scores)).encode()
    fast = client.post(FAST_PATH, content=body, headers=JSON, timeout=120)
    assert fast.status_code == 200, fast.text
    expected = catalog.get("NPS").function(scores)
    assert fast.json() == {"result": [[pytest.approx(expected)]]}
    stock = client.post(CALL_PATH, content=body, headers=JSON, timeout=120)
    assert fast.json() == stock.json()


def test_a_1000000_cell_element_wise_result_works(client):
    active = np.full((1_000_000, 1), 100)
    lost = np.random.default_rng(12).integers(0, 100, size=(1_000_000, 1))
    body = json.dumps(request_body("churn", active, lost)).encode()
    stock = client.post(CALL_PATH, content=body, headers=JSON, timeout=120)
    fast = client.post(FAST_PATH, content=body, headers=JSON, timeout=120)
    assert fast.status_code == stock.status_code == 200, fast.text
    assert fast.json() == stock.json()
    assert len(fast.json()["result"]) == 1_000_000


# The answer encoding, in a fresh interpreter set up as the server sets itself
# up: orjson for plain values, FastAPI's own way (jsonable_encoder +
# JSONResponse) for everything else, including its errors.
ENCODING_CHECK = textwrap.dedent(
    """
    import datetime as dt, json, os
    import numpy as np
    from cxexcel import server
    os.environ.update(server._FIXED)
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse
    from cxexcel.addin.routers.custom import _json_response

    def stock(value):
        try:
            return JSONResponse(jsonable_encoder(value)).body
        except Exception as error:
            return type(error).__name__

    def ours(value):
        try:
            response = _json_response(value)
        except Exception as error:
            return type(error).__name__, None
        return response.body, response.media_type

    values = [
        {"result": [[1.5, "a", True, 2]]}, {"result": [[None]]}, {"result": [[float("nan")]]},
        {"result": [[float("inf")]]}, {"result": [[np.float64(0.25)]]},
        {"result": [[2 ** 70]]}, {"result": [[dt.datetime(2024, 1, 2, 3, 4, 5)]]},
        {"result": ((1, 2),)}, {1: "non-str key"}, {"result": [["null"]]}, {"result": [[1e16]]},
    ]
    for value in values:
        expected, (body, media_type) = stock(value), ours(value)
        if isinstance(expected, str):
            assert body == expected, (value, body)
        else:
            assert media_type == "application/json", value
            assert json.loads(body) == json.loads(expected), (value, body, expected)
    print("ok")
    """
)


def test_answers_are_encoded_as_fastapi_encodes_them():
    done = subprocess.run(
        [sys.executable, "-c", ENCODING_CHECK],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XLWINGS_LOG_LEVEL": "WARNING"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_served_code_posts_to_our_route(client):
    code = client.get("/cx/custom-functions-code.js").text
    assert code.count(f'window.location.origin + "{FAST_PATH}",') == 1
    assert "/xlwings/custom-functions-call" not in code
    # xlwings' own code is unchanged.
    stock = client.get("/xlwings/custom-functions-code.js").text
    assert f'window.location.origin + "{CALL_PATH}",' in stock


# Runs the served custom-functions code with stand-ins for Office.js and
# reports where it posted and what it returned.
CALL_HARNESS = r"""
const vm = require("vm");
const code = process.argv[1];
const posted = [];
const context = {
  console: { error() {}, log() {}, info() {} },
  crypto: globalThis.crypto, localStorage: undefined, setTimeout, clearTimeout,
  window: { location: { origin: "https://addin.example" } },
  Office: { onReady() {}, context: { requirements: { isSetSupported: () => true } } },
  CustomFunctions: { associate() {}, Error: class {}, ErrorCode: {} },
  config: { customFunctionsMaxRetries: 3, customFunctionsRetryCodes: [500], requestTimeout: 300 },
  xwRequest: {
    post: async (url, body) => { posted.push([url, body.func_name]); return { data: { result: [[42]] } }; },
  },
};
context.globalThis = context;
vm.createContext(context);
vm.runInContext(code, context);
vm.runInContext("makeServerCall({func_name: 'nps'})", context).then(
  (value) => console.log(JSON.stringify({ returned: value, posted })),
  (error) => console.log(JSON.stringify({ error: String(error), posted })),
);
"""


@node
def test_served_code_calls_our_route(client):
    code = client.get("/cx/custom-functions-code.js").text
    done = subprocess.run(
        ["node", "-e", CALL_HARNESS.replace("process.argv[1]", json.dumps(code))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "returned": [[42]],
        "posted": [["https://addin.example" + FAST_PATH, "nps"]],
    }
