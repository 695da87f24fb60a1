"""MRR, movements and churn by plan and segment on CX Revenue, against the core."""

from __future__ import annotations

import pandas as pd
import pytest

from cxexcel import metrics
from cxexcel.metrics.movements import mrr_movements
from cxexcel.report import build_report
from cxexcel.report.model import Table
from cxexcel.sample_data import generate

approx = pytest.approx


def breakdown(sheet, header: str) -> list[dict]:
    for block in sheet.blocks:
        if isinstance(block, Table) and block.columns[0].header == header:
            headers = [c.header for c in block.columns]
            return [dict(zip(headers, row, strict=True)) for row in block.rows]
    raise AssertionError(header)


@pytest.mark.parametrize(("column", "header"), [("plan", "Plan"), ("segment", "Segment")])
def test_breakdown_by_group_equals_the_core_on_the_groups_rows(column, header):
    subs = generate(seed=2, customers=250)["Subscriptions"]
    sheet = build_report({"Subscriptions": subs}).sheet("CX Revenue")
    rows = breakdown(sheet, header)
    assert {r[header] for r in rows} == set(subs[column])
    latest = subs["month"].max()
    total = subs.loc[subs["month"] == latest, "mrr"].sum()
    for row in rows:
        part = subs[subs[column] == row[header]]
        # Every month of the whole table, so the group's last month is the latest.
        moves = mrr_movements(part["customer_id"], part["month"], part["mrr"])
        moves = moves[moves["month"] == latest].iloc[0]
        assert row["MRR"] == approx(moves.ending_mrr)
        assert row["Share of MRR"] == approx(moves.ending_mrr / total)
        assert row["New"] == approx(moves.new)
        assert row["Expansion"] == approx(moves.expansion)
        assert row["Contraction"] == approx(-moves.contraction)
        assert row["Churned"] == approx(-moves.churned)
        paying_now = set(part.loc[(part["month"] == latest) & (part["mrr"] > 0), "customer_id"])
        before = part["month"] == latest - pd.DateOffset(months=1)
        paying_before = set(part.loc[before & (part["mrr"] > 0), "customer_id"])
        assert row["Customers"] == len(paying_now)
        assert row["Churn"] == approx(
            metrics.churn(len(paying_before), len(paying_before - paying_now))
        )
    # A plan is the customer's for good in the sample: the groups add up to the whole.
    assert (
        sum(r["Customers"] for r in rows)
        == subs.loc[subs["month"] == latest, "customer_id"].nunique()
    )
    assert sum(r["MRR"] for r in rows) == approx(total)


def test_no_breakdown_without_the_columns():
    subs = generate(seed=2, customers=100)["Subscriptions"][["customer_id", "month", "mrr"]]
    sheet = build_report({"Subscriptions": subs}).sheet("CX Revenue")
    firsts = {b.columns[0].header for b in sheet.blocks if isinstance(b, Table)}
    assert not firsts & {"Plan", "Segment"}
