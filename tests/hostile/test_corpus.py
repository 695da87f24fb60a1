"""Runs every case of the hostile-input corpus (``corpus_*.py``) through ``cxexcel report``."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from .harness import Case, check_case

_HERE = Path(__file__).resolve().parent


def _cases() -> list[Case]:
    cases: list[Case] = []
    for module in pkgutil.iter_modules([str(_HERE)]):
        if module.name.startswith("corpus_"):
            cases.extend(importlib.import_module(f"{__package__}.{module.name}").CASES)
    return cases


CASES = _cases()


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 100
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case, tmp_path):
    check_case(case, tmp_path)
