"""Many cells, one request: ``POST /cx/custom-functions-batch`` answers each
call as the single route does, and the served custom-functions code sends
the calls Excel makes in one go through it (run in node, over real HTTP)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from conftest import TIGHT_MAX_CELLS
from function_calls import request_body

BATCH_PATH = "/cx/custom-functions-batch"
SINGLE_PATH = "/cx/custom-functions-call"
RUNNER = Path(__file__).with_name("run_served_code.js")

node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run JavaScript")

GOOD = request_body("nps", [10, 9, 3, 7])  # 2 promoters, 1 detractor of 4: 25
OUTSIDE = request_body("nps", [10, 11])
UNKNOWN = {**GOOD, "func_name": "__class__"}
DIVIDE = request_body("churn", 0, 0)
SPILL = request_body("nps_table", [10, 9, 3, 7])


def single_item(client: httpx.Client, body: object) -> dict:
    """What the single route answers for ``body``, as a batch result item."""
    answer = client.post(SINGLE_PATH, json=body)
    if answer.status_code == 200:
        return answer.json()
    return {"status": answer.status_code, **answer.json()}


def test_each_call_of_a_batch_gets_the_answer_the_single_route_gives(client):
    calls = [GOOD, OUTSIDE, UNKNOWN, DIVIDE, SPILL, {"func_name": "nps"}, "not a call"]
    answer = client.post(BATCH_PATH, json={"calls": calls})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert len(results) == len(calls)
    assert results[0] == {"result": [[25.0]]}
    assert results[1] == {
        "status": 400,
        "detail": "scores: 11 at item 2 is outside 0-10",
        "excel_error": "#VALUE!",
    }
    assert results[2] == {
        "status": 404,
        "detail": "there is no CX function '__class__'",
        "excel_error": "#NAME?",
    }
    assert results[3]["status"] == 400 and results[3]["excel_error"] == "#DIV/0!"
    assert results[4]["result"][0] == ["group", "count", "share"]
    assert results[5]["status"] == 400 and "args is missing" in results[5]["detail"]
    assert results[6]["status"] == 400 and "must be a JSON object" in results[6]["detail"]
    for call, result in zip(calls, results, strict=True):
        assert result == single_item(client, call)


def test_the_connection_survives_a_batch_of_bad_calls(client):
    for _ in range(3):
        assert client.post(BATCH_PATH, json={"calls": [UNKNOWN, OUTSIDE]}).status_code == 200
    assert client.post(SINGLE_PATH, json=GOOD).json() == {"result": [[25.0]]}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ([GOOD], "a batch must be a JSON object with a list of calls, not a list"),
        ({"cells": [GOOD]}, "a batch must be a JSON object with a list of calls, not an object"),
        ({"calls": []}, "calls must be a non-empty list of function calls, not []"),
        ({"calls": GOOD}, "calls must be a non-empty list of function calls, not {"),
    ],
)
def test_a_batch_that_is_not_a_list_of_calls_is_a_400(client, body, detail):
    answer = client.post(BATCH_PATH, json=body)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(detail)


def test_a_batch_is_bounded_in_calls_and_cells(client, tight_server):
    answer = client.post(BATCH_PATH, json={"calls": [GOOD] * 1_001})
    assert answer.status_code == 413
    assert answer.json()["detail"] == (
        "1,001 calls are more than the server's limit of 1,000 calls per batch"
    )
    url, _ = tight_server
    # Each call is under the tight server's cell limit, all of them are not.
    calls = [request_body("nps", [[9] * 10] * 30)] * 4  # 300 cells each
    answer = httpx.post(url + BATCH_PATH, json={"calls": calls}, timeout=60)
    assert answer.status_code == 413
    assert answer.json()["detail"] == (
        f"1,200 cells are more than the server's limit of {TIGHT_MAX_CELLS:,} cells per batch"
    )
    answer = httpx.post(url + BATCH_PATH, json={"calls": calls[:3]}, timeout=60)
    assert answer.status_code == 200
    assert answer.json()["results"] == [{"result": [[100.0]]}] * 3


def test_a_batch_posted_as_text_is_refused(client):
    answer = client.post(
        BATCH_PATH,
        content=json.dumps({"calls": [GOOD]}),
        headers={"Content-Type": "text/plain"},
    )
    assert answer.status_code == 415


def run_served(server_url: str, bodies: list, tmp_path: Path, *extra: str) -> dict:
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(bodies))
    done = subprocess.run(
        ["node", str(RUNNER), server_url, str(calls), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@node
def test_the_served_code_sends_a_recalculation_in_one_request(server_url, tmp_path):
    bodies = [request_body("nps", [10] * (i % 5 + 1) + [3]) for i in range(40)]
    bodies[17] = OUTSIDE
    bodies[23] = DIVIDE
    ran = run_served(server_url, bodies, tmp_path)
    assert ran["requests"] == {BATCH_PATH: 1}
    for index, outcome in enumerate(ran["results"]):
        if index == 17:
            assert outcome == {
                "error": {"code": "#VALUE!", "message": "scores: 11 at item 2 is outside 0-10"}
            }
        elif index == 23:
            assert outcome == {"error": {"code": "#DIV/0!", "message": None}}
        else:
            promoters = index % 5 + 1
            expected = 100 * (promoters - 1) / (promoters + 1)
            assert outcome["value"] == [[pytest.approx(expected)]]


@node
def test_without_batching_every_cell_is_a_request_and_the_values_are_the_same(server_url, tmp_path):
    bodies = [request_body("nps", [10] * (i + 1) + [3]) for i in range(12)] + [OUTSIDE]
    batched = run_served(server_url, bodies, tmp_path)
    alone = run_served(server_url, bodies, tmp_path, "--no-batch")
    assert alone["requests"] == {SINGLE_PATH: 13}
    assert batched["requests"] == {BATCH_PATH: 1}
    assert alone["results"] == batched["results"]


@node
def test_a_lone_call_and_a_large_range_take_the_single_route(server_url, tmp_path):
    ran = run_served(server_url, [GOOD], tmp_path)
    assert ran["requests"] == {SINGLE_PATH: 1}
    assert ran["results"] == [{"value": [[25.0]]}]
    large = request_body("nps", [[9]] * 20_000)
    ran = run_served(server_url, [large, GOOD, GOOD], tmp_path)
    assert ran["requests"] == {SINGLE_PATH: 1, BATCH_PATH: 1}
    assert ran["results"] == [{"value": [[100.0]]}, {"value": [[25.0]]}, {"value": [[25.0]]}]


@node
def test_calls_beyond_a_batch_go_in_further_batches(server_url, tmp_path):
    ran = run_served(server_url, [GOOD] * 1_200, tmp_path)
    assert ran["requests"] == {BATCH_PATH: 3}  # 500 + 500 + 200
    assert ran["results"] == [{"value": [[25.0]]}] * 1_200


def test_new_table_functions_in_one_batch_with_a_bad_cell(client):
    groups = ["a", "a", "b", "b"]
    calls = [
        request_body("nps_by", [10, 9, 3, 7], groups),
        request_body("csat_ci", [5, 4, 2, 5]),
        request_body("nps_sample_size", 5),
        request_body("nps_trend", ["2024-01-05", "2024-02-05"], [10, 11]),
        request_body("arr", [100, 250]),
    ]
    results = client.post(BATCH_PATH, json={"calls": calls}).json()["results"]
    assert results[0]["result"][0] == ["group", "n", "nps", "moe", "p_value", "significant"]
    assert [row[:3] for row in results[0]["result"][1:]] == [
        ["a", 2, 100.0],
        ["b", 2, -50.0],
        ["All", 4, 25.0],
    ]
    assert results[1]["result"][0] == ["csat", "n", "low", "high"]
    assert results[1]["result"][1][:2] == [0.75, 4]
    assert results[2] == {"result": [[1537]]}
    assert results[3]["status"] == 400
    assert results[3]["detail"] == "scores: 11 at item 2 is outside 0-10"
    assert results[4] == {"result": [[4200.0]]}
