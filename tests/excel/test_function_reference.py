"""docs/excel.md's function reference is the catalogue's (scripts/gen_function_reference)."""

from __future__ import annotations

import runpy
from pathlib import Path

from cxexcel import catalog

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = runpy.run_path(str(ROOT / "scripts" / "gen_function_reference"))


def test_committed_reference_matches_the_catalogue():
    document = (ROOT / "docs" / "excel.md").read_text()
    assert GENERATOR["render"](document) == document, "run scripts/gen_function_reference"


def test_reference_names_every_function_on_both_routes():
    reference = GENERATOR["reference"]()
    for entry in catalog.functions():
        assert f"#### `{entry.signature}`" in reference
        assert f"`CX_{entry.name}`" in reference
