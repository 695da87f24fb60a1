"""The catalogue covers METRICS.md sections 1-3 and its worked examples hold."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxexcel import catalog

SPEC = Path(__file__).parent / "data" / "METRICS.md"
SHARED_SPEC = Path(__file__).parents[2] / "shared" / "spec" / "METRICS.md"


def spec_names(sections: tuple[str, ...]) -> set[str]:
    """Every CX.NAME in the given numbered sections of METRICS.md."""
    text = SPEC.read_text()
    parts = re.split(r"^## (\d+)\.", text, flags=re.M)
    names = set()
    for number, body in zip(parts[1::2], parts[2::2], strict=True):
        if number in sections:
            names |= set(re.findall(r"CX\.([A-Z_]+)\(", body))
    return names


def test_spec_copy_is_current():
    if not SHARED_SPEC.exists():
        pytest.skip("no ../shared beside this checkout")
    assert SPEC.read_text() == SHARED_SPEC.read_text()


def test_every_metric_of_sections_1_to_4_is_in_the_catalogue():
    wanted = spec_names(("1", "2", "3", "4"))
    assert len(wanted) >= 30
    registered = {f.name for f in catalog.functions()}
    assert wanted <= registered, sorted(wanted - registered)


def test_entries_are_complete():
    for entry in catalog.functions():
        assert entry.excel_name == f"CX.{entry.name}"
        assert entry.summary and entry.category in catalog.CATEGORIES
        assert entry.examples, f"{entry.name} has no worked example"
        assert all(arg.description for arg in entry.args)
        assert entry.function.__doc__, f"{entry.name} has no docstring"


def test_defaults_come_from_the_core_signature():
    nps = catalog.get("CX.NPS")
    assert [(a.name, a.optional, a.default) for a in nps.args] == [
        ("scores", False, None),
        ("promoter_min", True, 9),
        ("detractor_max", True, 6),
    ]
    assert nps.signature == "CX.NPS(scores, [promoter_min], [detractor_max])"


def test_register_rejects_arguments_that_do_not_match_the_function():
    with pytest.raises(ValueError, match="do not match"):
        catalog.register("BROKEN", lambda a, b: a, "x", [("b", "x"), ("a", "y")], "Survey")


def as_rows(result):
    if isinstance(result, pd.DataFrame):
        body = result.astype(object).where(result.notna(), None).values.tolist()
        return [[str(column) for column in result.columns], *body]
    return result


def close(actual, expected, tolerance):
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(
            close(a, e, tolerance) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return isinstance(actual, float | int | np.number) and abs(actual - expected) <= tolerance
    if expected is None:
        return actual is None or (isinstance(actual, float) and np.isnan(actual))
    return actual == expected


EXAMPLES = [
    pytest.param(entry, example, id=f"{entry.name}-{i}")
    for entry in catalog.functions()
    for i, example in enumerate(entry.examples)
]


@pytest.mark.parametrize(("entry", "example"), EXAMPLES)
def test_worked_example_evaluates_to_its_stated_result(entry, example):
    result = as_rows(entry.function(*example.args))
    if example.partial:
        result = result[: len(example.expected)]
    assert close(result, example.expected, max(example.tolerance, 1e-12)), (result, example)
