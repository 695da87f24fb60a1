"""CX Orders: the Orders table on its own, against pandas and the core."""

from __future__ import annotations

import pandas as pd
import pytest

from cxexcel import metrics
from cxexcel.report import build_report
from cxexcel.report.model import Cell, Table
from cxexcel.report.orders import NAME

approx = pytest.approx


def figures(sheet) -> dict:
    cells = sheet.cell_map()
    return {
        c.value: cells[(c.row, 2)].value
        for c in sheet.cells()
        if c.col == 1 and isinstance(c.value, str) and (c.row, 2) in cells
    }


def test_orders_alone_make_a_sheet(tables):
    orders = tables["Orders"]
    report = build_report({"Orders": orders})
    assert NAME in report.sheet_names
    sheet = report.sheet(NAME)
    found = figures(sheet)
    revenue, count = orders["amount"].sum(), len(orders)
    customers = orders["customer_id"].nunique()
    years = ((orders["date"].max() - orders["date"].min()).days + 1) / 365.25
    assert found["Revenue"] == approx(revenue)
    assert found["Orders"] == count and found["Customers"] == customers
    assert found["Average order value"] == approx(revenue / count)
    assert found["Orders per customer per year"] == approx(count / customers / years)
    assert found["Historical CLV"] == approx(
        metrics.clv(revenue / count, count / customers / years, years)
    )
    assert found["Historical CLV"] == approx(revenue / customers)

    (table,) = [b for b in sheet.blocks if isinstance(b, Table)]
    headers = [c.header for c in table.columns]
    rows = [dict(zip(headers, r, strict=True)) for r in table.rows]
    month = orders["date"].dt.to_period("M")
    first = orders.groupby("customer_id")["date"].transform("min").dt.to_period("M")
    new = month == first
    for row, (period, group) in zip(rows, orders.groupby(month), strict=True):
        assert row["Month"] == period.to_timestamp().to_pydatetime()
        assert row["Orders"] == len(group)
        assert row["Revenue"] == approx(group["amount"].sum())
        assert row["AOV"] == approx(group["amount"].mean())
        assert row["Customers"] == group["customer_id"].nunique()
        is_new = new[group.index]
        assert row["New customers"] == group.loc[is_new, "customer_id"].nunique()
        assert row["Returning customers"] == row["Customers"] - row["New customers"]
        assert row["Revenue from new"] == approx(group.loc[is_new, "amount"].sum())
    (chart,) = sheet.charts
    assert [s.name for s in chart.series] == ["New", "Returning"]


def test_orders_sheet_when_the_clv_models_cannot_be_fitted():
    # One order per customer: no repeat purchases, nothing to fit.
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-03-15"]),
            "amount": [10.0, 20.0, 30.0],
        }
    )
    report = build_report({"Orders": orders})
    clv = report.sheet("CX CLV")
    texts = [c.value for c in clv.cells() if isinstance(c, Cell) and isinstance(c.value, str)]
    assert "The CLV models could not be fitted" in texts
    assert any("historical CLV" in t for t in texts)
    assert figures(report.sheet(NAME))["Historical CLV"] == approx(20.0)
