"""CX Checks: every reconciliation passes on sound tables and fails on a broken one."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from sheets import table

from cxexcel.engine import connect
from cxexcel.report import build_report, write_workbook
from cxexcel.report.checks import FAIL, NAME, PASS
from cxexcel.report.model import Formula, Table


def results(sheet) -> dict[str, list[str]]:
    """The Result column of each checks table, by its first header after the first column."""
    out = {}
    for block in sheet.blocks:
        if isinstance(block, Table) and block.columns[-1].header == "Result":
            out[block.columns[1].header] = [row[-1].expected for row in block.rows]
            assert all(isinstance(row[-1], Formula) for row in block.rows)
    return out


def test_every_check_passes_on_the_sample_tables(tables, tmp_path):
    report = build_report(tables)
    assert report.sheet_names[-1] == NAME
    sheet = report.sheet(NAME)
    found = results(sheet)
    months = len(tables["Subscriptions"]["month"].dt.to_period("M").unique())
    assert len(found["Ending MRR"]) == len(found["MRR (CX Revenue)"]) == months
    assert found["Rows read"] == [PASS, PASS]
    assert {r for rs in found.values() for r in rs} == {PASS}
    ws = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"), data_only=True)[NAME]
    assert ws["A4"].value == PASS and ws["B4"].value.startswith("All ")
    rows = table(ws, "Table", "Rows read", "Rows used")
    assert {r["Table"]: r["Rows read"] for r in rows} == {
        "Responses": len(tables["Responses"]),
        "Subscriptions": len(tables["Subscriptions"]),
    }
    assert all(r["Result"] == PASS and r["Difference"] == 0 for r in rows)


def test_checks_fail_on_a_broken_table():
    """A Subscriptions table on the engine (where the up-front row checks of a
    DataFrame do not run) with a row without an amount and a credit larger
    than the month's charge: rows read and rows used differ, and the rows' sum
    differs from MRR of the paying customer-months."""
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c"],
            "month": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-01-01", "2024-02-01", "2024-02-01", "2024-01-01"]
            ),
            "mrr": [100.0, 100.0, 50.0, -80.0, 30.0, None],
        }
    )
    engine = connect()
    report = build_report({"Subscriptions": engine.from_frame("Subscriptions", subs)}, engine)
    sheet = report.sheet(NAME)
    found = results(sheet)
    assert found["Rows read"] == [FAIL]
    assert found["MRR (CX Revenue)"] == [PASS, FAIL]  # February: 130 paid, rows add up to 50
    assert found["Ending MRR"] == [PASS, PASS]
    verdict = [c for c in sheet.cells() if (c.row, c.col) == (4, 1)]
    assert verdict[0].value == FAIL


@pytest.mark.parametrize("names", [("Responses",), ("Subscriptions",)])
def test_checks_sheet_with_either_table(tables, names):
    sheet = build_report({n: tables[n] for n in names}).sheet(NAME)
    assert {r for rs in results(sheet).values() for r in rs} == {PASS}
