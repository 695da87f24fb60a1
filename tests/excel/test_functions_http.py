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


# Optional arguments: Excel sends `null` for one left out of the formula and
# [[""]] for one pointing at a blank cell.

TWO_MODE = [
    # name, the one-range formula (first argument, result), a count for the two-number formula
    pytest.param("REPEAT_RATE", [["a"], ["a"], ["b"]], 0.5, 30, id="REPEAT_RATE"),
    pytest.param("MRR", [[10], [20]], 30.0, [[10], [20]], id="MRR"),
    pytest.param("TIME_ON_SITE", [[2], [4]], 3.0, [[2], [4]], id="TIME_ON_SITE"),
]


@pytest.mark.parametrize(("name", "values", "expected", "count"), TWO_MODE)
def test_an_omitted_second_argument_means_the_one_range_formula(
    client, name, values, expected, count
):
    body = request_body(catalog.get(name).python_name, values, None)
    assert body["args"][1] is None  # JSON null, as Excel sends an omitted argument
    assert value_of(client.post(CALL_PATH, json=body)) == [[expected]]
    assert value_of(call(client, name, values)) == [[expected]]


@pytest.mark.parametrize(("name", "values", "expected", "count"), TWO_MODE)
def test_a_blank_second_cell_is_no_values_not_the_other_formula(
    client, name, values, expected, count
):
    entry = catalog.get(name)
    body = request_body(entry.python_name, count, [[""]])
    assert body["args"][1] == [[""]]  # a blank cell, as Excel sends it
    response = client.post(CALL_PATH, json=body)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"{entry.args[1].name}: has no values (all blank)",
        "excel_error": "#N/A",
    }


def test_a_blank_cell_for_an_option_with_a_default_takes_it(client):
    ratings = [[5], [4], [3], [2]]
    assert value_of(call(client, "CSAT", ratings, [[""]], [[""]])) == [[0.5]]  # top two boxes
    scores = [[9], [6], [10], [3]]
    default = value_of(call(client, "NPS_MOE", scores))
    assert value_of(call(client, "NPS_MOE", scores, [[""]])) == default
    cohorts = value_of(call(client, "COHORTS", ["a", "b"], [[45292], [45330]]))
    assert value_of(call(client, "COHORTS", ["a", "b"], [[45292], [45330]], [[""]])) == cohorts


# Dates: serial numbers within 1900-01-01 .. 2199-12-31, text only as YYYY-MM-DD.

SERIAL_RANGE = "Excel serial numbers run from 1 (1900-01-01) to 109574 (2199-12-31)"


@pytest.mark.parametrize(
    ("serial_number", "shown"), [(3e6, "3000000"), (1e9, "1000000000"), (-1, "-1"), (0, "0")]
)
def test_date_serials_outside_the_range_are_value_errors(client, serial_number, shown):
    response = call(client, "COHORTS", ["a", "b"], [[45292], [serial_number]])
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": f"date: {shown} at item 2 is not a date ({SERIAL_RANGE})",
        "excel_error": "#VALUE!",
    }


def test_an_end_date_serial_outside_the_range_is_a_value_error(client):
    args = (["a", "a"], [[45292], [45299]], [[10], [20]])
    response = call(client, "RFM", *args, 1e9)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": f"end_date: 1000000000 is not a date ({SERIAL_RANGE})",
        "excel_error": "#VALUE!",
    }


def test_the_last_day_of_2199_is_still_a_date(client):
    result = value_of(call(client, "COHORTS", ["a"], [[109574]]))
    assert result[0][0] == "cohort" and len(result) == 2


def test_text_dates_must_be_iso(client):
    response = call(client, "COHORTS", ["a", "b"], [["2024-02-05"], ["05/02/2024"]])
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": 'date: "05/02/2024" at item 2 is not a date (use a date cell or YYYY-MM-DD text)',
        "excel_error": "#VALUE!",
    }
    iso = value_of(call(client, "COHORTS", ["a", "b"], [["2024-01-05"], ["2024-02-05 10:30"]]))
    serials = value_of(call(client, "COHORTS", ["a", "b"], [[45296], [45327.4375]]))
    assert iso == serials
