"""The classic Windows module (``CX_NPS`` ...) and the xlwings Lite example,
as plain Python: names, help texts, results and errors equal the core's."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

from cxexcel import catalog
from cxexcel.excel import convert
from cxexcel.excel.convert import ExcelError
from udfs import cx_classic, cx_functions, cx_lite

LITE = Path(__file__).resolve().parents[2] / "workbooks" / "lite"
FUNCTIONS = catalog.functions()


def test_classic_names_are_cx_underscore_and_cover_the_catalogue():
    assert sorted(cx_classic.__all__) == sorted(f"CX_{e.name}" for e in FUNCTIONS)


@pytest.mark.parametrize("entry", FUNCTIONS, ids=lambda e: e.name)
def test_classic_function_has_the_catalogue_help_and_arguments(entry):
    function = getattr(cx_classic, f"CX_{entry.name}")
    assert function.__name__ == f"CX_{entry.name}"
    assert function.__doc__ == entry.summary
    assert list(function.__signature__.parameters) == [a.name for a in entry.args]


@pytest.mark.parametrize(
    ("entry", "example"),
    [(e, x) for e in FUNCTIONS for x in e.examples],
    ids=lambda v: getattr(v, "name", ""),
)
def test_classic_results_equal_the_core(entry, example):
    core = entry.function(*example.args)
    classic = getattr(cx_classic, f"CX_{entry.name}")(*example.args)
    if isinstance(core, (float, int, str)):
        assert classic == pytest.approx(core) if isinstance(core, float) else classic == core
    else:
        assert np.shape(classic)[0] == len(core) + (1 if hasattr(core, "columns") else 0)


def test_classic_errors_are_excel_errors_off_windows():
    # On Windows the error becomes a COM error value; elsewhere there is no Excel to take it.
    with pytest.raises(ExcelError) as raised:
        cx_classic.CX_CAC(100, 0)
    assert raised.value.code == "#DIV/0!"
    assert cx_classic.COM_ERRORS["#DIV/0!"] == -2146826281


def test_classic_and_server_modules_give_the_same_answers():
    scores = [[10], [9], [None], [3], [7]]
    assert cx_classic.CX_NPS(scores) == cx_functions.nps(scores) == pytest.approx(25.0)


def test_lite_example_exposes_every_function():
    namespace = runpy.run_path(str(LITE / "main.py"))
    for entry in FUNCTIONS:
        assert hasattr(namespace[entry.python_name], "__xlfunc__"), entry.name


def excel_names(module) -> dict[str, str]:
    """Python name -> the name Excel shows, from xlwings' own metadata builder
    (before the manifest's namespace, which the server prepends)."""
    from xlwings.server import custom_functions_meta

    return {f["id"].lower(): f["name"] for f in custom_functions_meta(module)["functions"]}


def test_lite_shows_the_server_names_cx_dot():
    lite, server = excel_names(cx_lite), excel_names(cx_functions)
    assert set(lite) == set(server) == {e.python_name for e in FUNCTIONS}
    for entry in FUNCTIONS:
        # The server's manifest prepends CX; Lite's add-in prepends nothing.
        assert server[entry.python_name] == entry.name
        assert lite[entry.python_name] == entry.excel_name


def test_lite_example_is_the_namespaced_module():
    namespace = runpy.run_path(str(LITE / "main.py"))
    assert namespace["nps"].__module__ == "udfs.cx_lite"
    assert namespace["nps"]([[10], [9], [3], [7]]) == cx_functions.nps([[10], [9], [3], [7]])


def test_lite_requirements_name_the_core_dependencies():
    lines = (LITE / "requirements.txt").read_text().splitlines()
    names = {line.split("==")[0] for line in lines if line and not line.startswith("#")}
    assert {"numpy", "pandas", "scipy", "cxexcel"} <= names


# With ndim=2 a blank one-cell option arrives as [[None]]; a left-out one as
# the signature default, convert.OMITTED.


@pytest.mark.parametrize(
    ("function", "first", "message"),
    [
        (cx_classic.CX_REPEAT_RATE, [[30]], "customers: has no values (all blank)"),
        (cx_classic.CX_MRR, [[10], [20]], "arpc: has no values (all blank)"),
        (cx_classic.CX_TIME_ON_SITE, [[2], [4]], "visitors: has no values (all blank)"),
    ],
)
def test_classic_blank_second_cell_does_not_switch_formula(function, first, message):
    with pytest.raises(ExcelError) as raised:
        function(first, [[None]])
    assert (raised.value.code, raised.value.message) == ("#N/A", message)


def test_classic_omitted_second_argument_means_the_one_range_formula():
    assert cx_classic.CX_REPEAT_RATE([["a"], ["a"], ["b"]]) == 0.5
    assert cx_classic.CX_MRR([[10], [20]]) == 30.0
    assert cx_classic.CX_TIME_ON_SITE([[2], [4]]) == 3.0


def test_classic_blank_options_with_a_default_take_it():
    scores = [[9], [6], [10], [3]]
    assert cx_classic.CX_NPS(scores, [[None]], [[None]]) == cx_classic.CX_NPS(scores) == 0.0
    assert cx_classic.CX_CSAT([[5], [4], [3], [2]], [[None]], [[None]]) == 0.5
    rfm = (["a", "a", "b"], [[45292], [45299], [45295]], [[10], [20], [5]])
    assert cx_classic.CX_RFM(*rfm, [[None]], [[None]]) == cx_classic.CX_RFM(*rfm)


def test_optional_parameters_default_to_the_omitted_marker():
    # xlwings passes the signature default for a left-out argument.
    assert cx_classic.CX_MRR.__signature__.parameters["arpc"].default is convert.OMITTED
    assert cx_functions.mrr.__xlfunc__["args"][1]["optional"] is convert.OMITTED
