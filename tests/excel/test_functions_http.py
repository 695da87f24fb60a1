"""``=CX.*`` through the real HTTP endpoint of the add-in server, as Excel calls it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from function_calls import CALL_PATH, close, error_cell, plain_result, request_body, serial

from cxexcel import catalog

FUNCTIONS = catalog.functions()


def call(client, name: str, *args):
    return client.post(CALL_PATH, json=request_body(catalog.get(name).python_name, *args))


def blank_as_empty(cell: object) -> object:
    missing = cell is None or cell is pd.NaT or (isinstance(cell, float) and np.isnan(cell))
    return "" if missing else cell


def value_of(response) -> object:
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_metadata_lists_every_catalogue_function(client):
    manifest = client.get("/manifest.xml").text
    namespace = re.search(r'<bt:String id="Functions.Namespace" DefaultValue="([^"]*)"', manifest)[
        1
    ]
    meta = {f["name"]: f for f in client.get("/xlwings/custom-functions-meta").json()["functions"]}

    assert sorted(f"{namespace}.{name}" for name in meta) == sorted(e.excel_name for e in FUNCTIONS)
    for entry in FUNCTIONS:
        served = meta[entry.name]
        assert served["description"] == entry.summary
        assert [p["name"] for p in served["parameters"]] == [a.name for a in entry.args]
        assert [p["description"] for p in served["parameters"]] == [
            a.description for a in entry.args
        ]
        assert [p.get("optional", False) for p in served["parameters"]] == [
            a.optional for a in entry.args
        ]


EXAMPLES = [
    pytest.param(entry, example, id=f"{entry.name}-{number}")
    for entry in FUNCTIONS
    for number, example in enumerate(entry.examples)
]


@pytest.mark.parametrize(("entry", "example"), EXAMPLES)
def test_worked_examples_give_their_figures(client, entry, example):
    result = plain_result(value_of(call(client, entry.name, *example.args)))
    expected = example.expected
    if isinstance(expected, pd.DataFrame):
        expected = [list(expected.columns), *expected.astype(object).to_numpy().tolist()]
    if isinstance(expected, np.ndarray):
        expected = expected.reshape(-1, 1).tolist() if expected.ndim == 1 else expected.tolist()
    if not isinstance(expected, list):
        expected = [[expected]]
    # A blank result cell travels as "" (what Excel shows as an empty cell).
    expected = [[serial(blank_as_empty(c)) for c in row] for row in expected]
    if example.partial:  # the example shows the header and the first rows only
        result = result[: len(expected)]
    assert close(result, expected, max(example.tolerance, 1e-12)), (result, example)


ERRORS = [
    pytest.param(
        "NPS",
        ([[10], [11]],),
        "#VALUE!",
        "scores: 11 at item 2 is outside 0-10",
        id="out-of-scale",
    ),
    pytest.param(
        "NPS",
        ([[10], [""], ["n/a"], [9]],),
        "#VALUE!",
        'scores: "n/a" at item 3 is not a number',
        id="text",
    ),
    pytest.param("NPS", ([[""], [""]],), "#N/A", "scores: has no values (all blank)", id="blank"),
    pytest.param(
        "NPS",
        ([[10], [""], ["n/a"], [error_cell("#N/A")], [11]],),
        "#N/A",
        "scores: the cell at item 4 is the error #N/A",
        id="blanks-text-error-cells-out-of-scale",
    ),
    pytest.param(
        "CHURN",
        (100, [[error_cell("#REF!")]]),
        "#REF!",
        "lost: the cell is the error #REF!",
        id="error-cell-value",
    ),
    pytest.param(
        "CAC",
        (100, 0),
        "#DIV/0!",
        "new_customers: 0 makes the ratio undefined (division by zero)",
        id="zero-denominator",
    ),
    pytest.param(
        "CLV",
        (1e200, 1e200, 1),
        "#NUM!",
        "CX.CLV: the result is too large for Excel (infinite)",
        id="overflow",
    ),
]


@pytest.mark.parametrize(("name", "args", "code", "message"), ERRORS)
def test_bad_input_gives_an_excel_error_with_its_message(client, name, args, code, message):
    response = call(client, name, *args)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": message, "excel_error": code}


def test_row_and_column_ranges_give_the_same_result(client):
    scores = [10, 9, 9, 7, 3, "", 0, 10]
    column = value_of(call(client, "NPS", [[s] for s in scores]))
    row = value_of(call(client, "NPS", [scores]))
    assert row == column == [[pytest.approx(100 * (4 - 2) / 7)]]


def test_element_wise_ranges_keep_their_shape_and_blanks(client):
    assert value_of(call(client, "CHURN", [[100], [50], [""]], [[5], [10], [1]])) == [
        [0.05],
        [0.2],
        [""],
    ]
    assert value_of(call(client, "CHURN", [[100, 50]], [[5, 10]])) == [[0.05, 0.2]]


def test_omitted_or_blank_optional_arguments_take_their_defaults(client):
    scores = [[9], [7], [6], [10]]
    default = value_of(call(client, "NPS", scores))
    assert value_of(call(client, "NPS", scores, None, None)) == default
    assert value_of(call(client, "NPS", scores, [[""]], [[""]])) == default
    assert value_of(call(client, "NPS", scores, 7, 6)) == [[50.0]]


@pytest.mark.parametrize("shape", [(100_000, 1), (1, 100_000), (1_000, 100)])
def test_a_100000_cell_range_works(client, shape):
    scores = np.random.default_rng(7).integers(0, 11, size=shape)
    expected = catalog.get("NPS").function(scores)
    assert value_of(call(client, "NPS", scores)) == [[pytest.approx(expected)]]
