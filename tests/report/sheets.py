"""Reading the written metric sheets back, for tests."""

from __future__ import annotations

import openpyxl


def load(path, data_only: bool = False):
    return openpyxl.load_workbook(path, data_only=data_only)


def table(ws, *headers: str, col: int = 1) -> list[dict]:
    """Rows (as dicts by header) of the table whose header row starts with ``headers``."""
    width = len(headers)
    for row in ws.iter_rows(min_col=col):
        values = tuple(cell.value for cell in row[:width])
        if values == headers:
            names = [cell.value for cell in row if cell.value is not None]
            out = []
            r = row[0].row + 1
            while ws.cell(r, col).value is not None:
                out.append(
                    {name: ws.cell(r, col + i).value for i, name in enumerate(names)} | {"_row": r}
                )
                r += 1
            return out
    raise AssertionError(f"no table with headers {headers} on {ws.title}")


def labelled(ws, label: str, value_col: int = 2, col: int = 1):
    """The value beside the first cell holding ``label``."""
    for row in ws.iter_rows(min_col=col, max_col=col):
        if row[0].value == label:
            return ws.cell(row[0].row, value_col).value
    raise AssertionError(f"no label {label!r} on {ws.title}")


def kpis(ws) -> dict[str, dict]:
    return {row["KPI"]: row for row in table(ws, "KPI", "Value", "Detail")}
