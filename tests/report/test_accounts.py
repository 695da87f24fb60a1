"""CX Accounts: survey answers joined to revenue by customer, against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxexcel import metrics
from cxexcel.report import build_report
from cxexcel.report.accounts import BAND_EDGES, BAND_LABELS, HORIZON, LIMIT, NAME
from cxexcel.report.model import Column, Table
from cxexcel.sample_data import generate

approx = pytest.approx


@pytest.fixture(scope="module")
def demo():
    tables = generate(seed=9, customers=250)
    return tables, build_report(tables).sheet(NAME)


def rows_of(sheet, first_header: str) -> list[dict]:
    for block in sheet.blocks:
        if isinstance(block, Table) and block.columns[0].header == first_header:
            headers = [c.header for c in block.columns]
            return [dict(zip(headers, row, strict=True)) for row in block.rows]
    raise AssertionError(first_header)


def customer_months(subs: pd.DataFrame) -> pd.DataFrame:
    slot = subs["month"].dt.year * 12 + subs["month"].dt.month - 1
    return subs.assign(slot=slot).groupby(["customer_id", "slot"], as_index=False)["mrr"].sum()


def group_of(score: float) -> str:
    return (
        "Detractors (0-6)" if score <= 6 else "Passives (7-8)" if score <= 8 else "Promoters (9-10)"
    )


def answers(tables) -> pd.DataFrame:
    responses = tables["Responses"].dropna(subset=["nps", "customer_id"])
    slot = responses["date"].dt.year * 12 + responses["date"].dt.month - 1
    months = customer_months(tables["Subscriptions"])
    joined = responses.assign(slot=slot).merge(months, on=["customer_id", "slot"], how="left")
    return joined.assign(mrr=joined["mrr"].fillna(0.0).clip(lower=0))


def test_mrr_at_risk_by_latest_answer(demo):
    tables, sheet = demo
    months = customer_months(tables["Subscriptions"])
    last = months["slot"].max()
    now = months[(months["slot"] == last) & (months["mrr"] > 0)].set_index("customer_id")["mrr"]
    responses = tables["Responses"].dropna(subset=["nps", "customer_id"]).reset_index()
    latest = responses.sort_values(["date", "index"]).groupby("customer_id").tail(1)
    latest = latest[latest["customer_id"].isin(now.index)]
    expected = latest.assign(mrr=latest["customer_id"].map(now), group=latest["nps"].map(group_of))
    by_group = expected.groupby("group").agg(customers=("mrr", "size"), mrr=("mrr", "sum"))
    rows = rows_of(sheet, "Latest answer")
    for row in rows:
        assert row["Customers"] == by_group.loc[row["Latest answer"], "customers"]
        assert row["MRR"] == approx(by_group.loc[row["Latest answer"], "mrr"])
        assert row["Share of MRR"] == approx(row["MRR"] / now.sum())
    at_risk = [c for c in sheet.cells() if c.value == "MRR at risk" and c.col == 1]
    value = sheet.cell_map()[(at_risk[-1].row, 2)].value
    assert value == approx(by_group.loc["Detractors (0-6)", "mrr"]) and value > 0


def test_nps_by_mrr_band(demo):
    tables, sheet = demo
    paying = answers(tables)
    paying = paying[paying["mrr"] > 0]
    band = np.searchsorted(np.array(BAND_EDGES), paying["mrr"].to_numpy(), side="right")
    rows = rows_of(sheet, "MRR band")
    assert [r["MRR band"] for r in rows] == list(BAND_LABELS)
    for number, row in enumerate(rows):
        scores = paying.loc[band == number, "nps"]
        assert row["Answers"] == len(scores)
        if len(scores):
            assert row["NPS"] == approx(metrics.nps(scores))
            assert row["Margin of error"] == approx(metrics.nps_moe(scores))
    assert sum(r["Answers"] for r in rows) == len(paying)


def test_churn_after_answering_by_group(demo):
    tables, sheet = demo
    months = customer_months(tables["Subscriptions"])
    paying = set(map(tuple, months.loc[months["mrr"] > 0, ["customer_id", "slot"]].to_numpy()))
    base = answers(tables)
    base = base[(base["mrr"] > 0) & (base["slot"] + HORIZON <= months["slot"].max())]
    churned = [
        (c, s + HORIZON) not in paying
        for c, s in zip(base["customer_id"], base["slot"], strict=True)
    ]
    base = base.assign(churned=churned, group=base["nps"].map(group_of))
    expected = base.groupby("group").agg(answers=("churned", "size"), churned=("churned", "sum"))
    for row in rows_of(sheet, "Answer"):
        got = expected.loc[row["Answer"]]
        assert (row["Answers"], row["Churned"]) == (got["answers"], got["churned"])
        assert row["Churn rate"] == approx(metrics.churn(got["answers"], got["churned"]))


def test_drill_down_lists(demo):
    tables, sheet = demo
    months = customer_months(tables["Subscriptions"])
    last = months["slot"].max()
    before = months[(months["slot"] == last - 1) & (months["mrr"] > 0)].set_index("customer_id")[
        "mrr"
    ]
    now = months[(months["slot"] == last) & (months["mrr"] > 0)].set_index("customer_id")["mrr"]
    change = now.reindex(before.index).fillna(0.0) - before
    lost = change[change < 0].sort_values(kind="stable")
    rows = rows_of(sheet, "Customer")  # the detractors first
    detractors, losses = rows, rows_of_last(sheet)
    assert [r["Change"] for r in losses] == approx(list(lost.iloc[:LIMIT]))
    assert all(r["Movement"] == ("churned" if r["MRR now"] == 0 else "contracted") for r in losses)
    assert [r["MRR"] for r in detractors] == sorted((r["MRR"] for r in detractors), reverse=True)
    assert all(0 <= r["NPS"] <= 6 and now[r["Customer"]] == r["MRR"] for r in detractors)


def rows_of_last(sheet) -> list[dict]:
    tables = [b for b in sheet.blocks if isinstance(b, Table) and b.columns[0].header == "Customer"]
    headers = [c.header for c in tables[-1].columns]
    return [dict(zip(headers, row, strict=True)) for row in tables[-1].rows]


def test_subscriptions_alone_give_the_loss_list_only(demo):
    tables, _ = demo
    sheet = build_report({"Subscriptions": tables["Subscriptions"]}).sheet(NAME)
    firsts = [b.columns[0].header for b in sheet.blocks if isinstance(b, Table)]
    assert firsts == ["Customer"]


def test_drill_down_lists_are_excel_tables_with_distinct_names(demo):
    _, sheet = demo
    assert [t.excel_table for t in sheet.excel_tables] == ["CX_Detractors", "CX_Lost_MRR"]
    with pytest.raises(ValueError, match="distinct headers"):
        Table(1, 1, (Column("A"), Column("a")), (), excel_table="X")
    with pytest.raises(ValueError, match="Excel Table name"):
        Table(1, 1, (Column("A"),), (), excel_table="no spaces")
