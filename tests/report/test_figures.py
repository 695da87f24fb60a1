"""Every figure on the written sheets equals the metric core's result for the same data.

The workbook is written with the openpyxl writer and read back; the
expected values are computed here with independent pandas groupings and
direct calls into ``cxexcel.metrics``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sheets import kpis, labelled, load, table

from cxexcel import metrics
from cxexcel.metrics.clv_models import fit_bgnbd, fit_gamma_gamma, predict_clv, rfm
from cxexcel.metrics.cohorts import cohorts
from cxexcel.metrics.movements import mrr_movements, with_opening_balance
from cxexcel.metrics.survival import median_lifetime, survival
from cxexcel.report.build import build_report
from cxexcel.report.openpyxl_writer import write_workbook
from cxexcel.report.summary import expected_progress, expected_status
from cxexcel.report.surveys import COMMENTS_PER_GROUP
from cxexcel.sample_data import generate
from cxexcel.tables.schema import TARGET_METRICS, canonical_metric

approx = pytest.approx


@pytest.fixture(scope="module")
def book(tables, tmp_path_factory):
    path = tmp_path_factory.mktemp("figures") / "report.xlsx"
    write_workbook(build_report(tables), path)
    return load(path)


def monthly_counts(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """Active customers per month and month-on-month changes, computed with sets."""
    paying = subscriptions[subscriptions["mrr"] > 0]
    by_month = paying.groupby(paying["month"].dt.to_period("M"))["customer_id"].agg(set)
    periods = pd.period_range(by_month.index.min(), by_month.index.max(), freq="M")
    rows, before = [], set()
    for i, period in enumerate(periods):
        now = by_month.get(period, set())
        rows.append(
            {
                "month": period.to_timestamp(),
                "start": len(before) if i else 0,
                "new": len(now - before),
                "lost": len(before - now),
                "end": len(now),
                "mrr": paying.loc[paying["month"].dt.to_period("M") == period, "mrr"].to_numpy(),
            }
        )
        before = now
    return pd.DataFrame(rows)


def test_summary_kpis(book, tables):
    rows = kpis(book["CX Summary"])
    responses, subs, spend = tables["Responses"], tables["Subscriptions"], tables["Spend"]
    assert rows["NPS"]["Value"] == approx(metrics.nps(responses["nps"]))
    assert rows["NPS"]["Detail"] == approx(metrics.nps_moe(responses["nps"]))
    assert rows["CSAT"]["Value"] == approx(metrics.csat(responses["csat"]))
    assert rows["CES"]["Value"] == approx(metrics.ces(responses["ces"]))

    counts = monthly_counts(subs)
    last = counts.iloc[-1]
    assert rows["Churn"]["Value"] == approx(metrics.churn(last["start"], last["lost"]))
    assert rows["Retention"]["Value"] == approx(
        metrics.retention(last["start"], last["end"], last["new"])
    )
    assert rows["MRR"]["Value"] == approx(metrics.mrr(last["mrr"]))
    moves = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"]).iloc[-1]
    assert rows["NRR"]["Value"] == approx(
        metrics.nrr(moves.starting_mrr, moves.expansion, moves.contraction, moves.churned)
    )
    pooled = metrics.churn(counts["start"][1:].sum(), counts["lost"][1:].sum())
    clv = metrics.clv_churn(last["mrr"].mean(), pooled)
    cac = metrics.cac(spend["sales_marketing_cost"].sum(), spend["new_customers"].sum())
    assert rows["CLV"]["Value"] == approx(clv)
    assert rows["CAC"]["Value"] == approx(cac)
    assert rows["CLV:CAC"]["Value"] == approx(metrics.clv_cac(clv, cac))
    assert rows["CLV:CAC"]["Detail"] == metrics.clv_cac_rating(clv, cac)


#: The KPIs after the main ten, in display order, and those where lower is better.
MORE_KPIS = (
    "Repeat rate",
    "Stickiness",
    "Open rate",
    "Click rate",
    "GRR",
    "Quick ratio",
    "CAC payback",
)
#: The recurring-revenue KPIs after them (no Targets name: no target); the
#: sample tables' 12 months hold no trailing-12-month figures.
RECURRING_KPIS = ("ARR", "Customers", "Annualised churn")
LOWER_IS_BETTER = ("Churn", "CAC", "CAC payback")


def more_kpis_expected(tables) -> dict[str, float]:
    """The further KPI tiles' figures, computed here with direct core calls."""
    orders, eng = tables["Orders"], tables["Engagement"]
    subs, spend = tables["Subscriptions"], tables["Spend"]

    def pooled(function, top, bottom):
        both = eng[top].notna() & eng[bottom].notna()
        return function(eng.loc[both, top].sum(), eng.loc[both, bottom].sum())

    moves = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"]).iloc[-1]
    last = monthly_counts(subs).iloc[-1]
    cac = metrics.cac(spend["sales_marketing_cost"].sum(), spend["new_customers"].sum())
    return {
        "Repeat rate": metrics.repeat_rate(orders["customer_id"].to_numpy()),
        "Stickiness": pooled(metrics.stickiness, "dau", "mau"),
        "Open rate": pooled(metrics.open_rate, "opens", "emails_delivered"),
        "Click rate": pooled(metrics.click_rate, "clicks", "emails_delivered"),
        "GRR": metrics.grr(moves.starting_mrr, moves.contraction, moves.churned),
        "Quick ratio": metrics.quick_ratio(
            moves.new, moves.expansion, moves.contraction, moves.churned, moves.reactivation
        ),
        "CAC payback": metrics.cac_payback(cac, last["mrr"].mean()),
    }


def test_summary_more_kpis_follow_the_main_ten(book, tables):
    rows = kpis(book["CX Summary"])
    assert list(rows)[10:] == list(MORE_KPIS + RECURRING_KPIS)
    for label, value in more_kpis_expected(tables).items():
        assert rows[label]["Value"] == approx(value), label
        assert rows[label]["Target"] is None and rows[label]["Status"] is None, label


def test_summary_targets_progress_and_status(book, tables):
    ws = book["CX Summary"]
    rows = kpis(ws)
    targets = dict(zip(tables["Targets"]["metric"], tables["Targets"]["target"], strict=True))
    for label, row in rows.items():
        if label not in targets:  # a further KPI without a target: no progress, no status
            assert row["Target"] is None and row["Progress"] is None, label
            continue
        assert row["Target"] == approx(targets[label])
        r = row["_row"]
        blank_target = f'=IF(D{r}="","",'
        if label in LOWER_IS_BETTER:
            assert row["Progress"] == f"{blank_target}IF(B{r}=0,1,MAX(0,D{r}/B{r})))"
        elif label == "NPS":
            assert row["Progress"] == (
                f"{blank_target}IF(D{r}>0,MAX(0,B{r}/D{r}),"
                f"IF(D{r}<=-100,1,MAX(0,(B{r}+100)/(D{r}+100)))))"
            )
        else:
            assert row["Progress"] == f"{blank_target}IF(D{r}<=0,1,MAX(0,B{r}/D{r})))"
        assert row["Status"].startswith(f'=IF(E{r}="","",IF(E{r}>=1,"green"')
    kinds = [
        (str(cf.sqref), rule.type, getattr(rule, "operator", None))
        for cf in ws.conditional_formatting
        for rule in cf.rules
    ]
    first, last = min(r["_row"] for r in rows.values()), max(r["_row"] for r in rows.values())
    assert (f"E{first}:E{last}", "dataBar", None) in kinds
    assert sum(1 for k in kinds if k[0] == f"F{first}:F{last}" and k[1] == "cellIs") == 3
    assert ws.freeze_panes == f"B{first}"


def test_survey_by_month_and_segment(book, tables):
    ws = book["CX Surveys"]
    responses = tables["Responses"]
    by_month = responses.groupby(responses["date"].dt.to_period("M"))
    rows = table(ws, "Month", "Responses", "NPS", "Low", "High", "Margin of error")
    assert len(rows) == by_month.ngroups
    for row, (period, group) in zip(rows, by_month, strict=True):
        r = row["_row"]
        assert row["Month"] == period.to_timestamp().to_pydatetime()
        assert row["Responses"] == group["nps"].notna().sum()
        assert row["NPS"] == approx(metrics.nps(group["nps"]))
        assert row["Margin of error"] == approx(metrics.nps_moe(group["nps"]))
        assert row["Low"] == f"=C{r}-F{r}"
        assert row["High"] == f"=C{r}+F{r}"
        assert row["CSAT"] == approx(metrics.csat(group["csat"]))
        assert row["CES"] == approx(metrics.ces(group["ces"]))
        assert ws.cell(r, 1).number_format == "mmm yyyy"
        assert ws.cell(r, 3).number_format == "0.0"
        assert ws.cell(r, 7).number_format == "0.0%"

    rows = table(ws, "Segment", "Responses", "NPS")
    counts = responses["segment"].value_counts()
    assert [row["Segment"] for row in rows] == list(counts.index)
    for row in rows:
        group = responses[responses["segment"] == row["Segment"]]
        assert row["NPS"] == approx(metrics.nps(group["nps"]))
        assert row["Margin of error"] == approx(metrics.nps_moe(group["nps"]))
        assert row["CSAT"] == approx(metrics.csat(group["csat"]))
        assert row["CES"] == approx(metrics.ces(group["ces"]))


def test_survey_breakdown_and_distribution(book, tables):
    ws = book["CX Surveys"]
    scores = tables["Responses"]["nps"]
    expected = metrics.nps_table(scores).set_index("group")
    for row in table(ws, "Group", "Responses", "Share"):
        assert row["Responses"] == expected.loc[row["Group"], "count"]
        assert row["Share"] == approx(expected.loc[row["Group"], "share"])
    assert labelled(ws, "NPS") == approx(metrics.nps(scores))
    assert labelled(ws, "NPS margin of error (95%)") == approx(metrics.nps_moe(scores))
    counts = scores.value_counts()
    for row in table(ws, "Score", "Responses", "Group"):
        assert row["Responses"] == counts.get(row["Score"], 0)
    assert len(ws._charts) == 3


def test_comments_newest_first_and_capped(book, tables):
    ws = book["CX Surveys"]
    responses = tables["Responses"].sort_values("date", kind="stable")
    with_text = responses[responses["comment"].notna()]
    for first_header, mask in (
        ("Detractor comments (0-6)", with_text["nps"] <= 6),
        ("Promoter comments (9-10)", with_text["nps"] >= 9),
    ):
        expected = with_text[mask].iloc[::-1].head(COMMENTS_PER_GROUP)
        start = next(c.row for c in ws["A"] if c.value == first_header)
        rows = []
        r = start + 3
        while ws.cell(r, 1).value is not None:
            rows.append([ws.cell(r, c).value for c in range(1, 6)])
            r += 1
        assert len(rows) == len(expected)
        assert [row[4] for row in rows] == list(expected["comment"])
        assert [row[1] for row in rows] == list(expected["nps"].astype(int))


def test_revenue_movements(book, tables):
    ws = book["CX Revenue"]
    subs = tables["Subscriptions"]
    moves = mrr_movements(subs["customer_id"], subs["month"], subs["mrr"])
    rows = table(ws, "Month", "Starting MRR", "New")
    assert len(rows) == len(moves)
    # The first month is the opening balance: its MRR, no movements.
    opening = rows[0]
    assert opening["Starting MRR"] == opening["Ending MRR"] == approx(moves["ending_mrr"].iloc[0])
    assert [opening[c] for c in ("New", "Expansion", "Reactivation", "Contraction", "Churned")] == [
        0
    ] * 5
    shown = with_opening_balance(moves)
    for row, move, raw in zip(
        rows, shown.itertuples(index=False), moves.itertuples(index=False), strict=True
    ):
        assert row["Starting MRR"] == approx(move.starting_mrr)
        assert row["New"] == approx(move.new)
        assert row["Expansion"] == approx(move.expansion)
        assert row["Reactivation"] == approx(move.reactivation)
        assert row["Contraction"] == approx(-move.contraction)
        assert row["Churned"] == approx(-move.churned)
        assert row["Ending MRR"] == approx(move.ending_mrr)
        assert move.ending_mrr == approx(
            move.starting_mrr
            + move.new
            + move.expansion
            + move.reactivation
            - move.contraction
            - move.churned
        )
        move = raw  # the rates compare a month with the month before (none for the first)
        if move.starting_mrr > 0:
            assert row["NRR"] == approx(
                metrics.nrr(move.starting_mrr, move.expansion, move.contraction, move.churned)
            )
            assert row["GRR"] == approx(
                metrics.grr(move.starting_mrr, move.contraction, move.churned)
            )
        else:
            assert row["NRR"] is None and row["GRR"] is None
        if move.contraction + move.churned > 0:
            assert row["Quick ratio"] == approx(
                metrics.quick_ratio(
                    move.new, move.expansion, move.contraction, move.churned, move.reactivation
                )
            )
        assert row["Upsell share"] == approx(metrics.upsell_share(move.expansion, move.ending_mrr))
    last = moves.iloc[-1]
    assert labelled(ws, "NRR") == approx(
        metrics.nrr(last.starting_mrr, last.expansion, last.contraction, last.churned)
    )
    counts = monthly_counts(subs)
    for row, count in zip(
        table(ws, "Month", "MRR", "Active customers"), counts.itertuples(), strict=True
    ):
        assert row["MRR"] == approx(metrics.mrr(count.mrr))
        assert row["Active customers"] == count.end
    chart_kinds = sorted(type(c).__name__ + getattr(c, "grouping", "") for c in ws._charts)
    assert chart_kinds == ["BarChartstacked", "LineChartstandard"]


def test_customers_sheet(book, tables):
    ws = book["CX Customers"]
    counts = monthly_counts(tables["Subscriptions"])
    rows = table(ws, "Month", "Customers at start", "New", "Lost")
    for row, count in zip(rows, counts.itertuples(), strict=True):
        assert (row["Customers at start"], row["New"], row["Lost"], row["Customers at end"]) == (
            count.start,
            count.new,
            count.lost,
            count.end,
        )
        if count.start:
            assert row["Churn"] == approx(metrics.churn(count.start, count.lost))
            assert row["Retention"] == approx(metrics.retention(count.start, count.end, count.new))
        else:
            assert row["Churn"] is None

    orders = tables["Orders"]
    assert labelled(ws, "Repeat purchase rate") == approx(
        metrics.repeat_rate(orders["customer_id"])
    )

    eng = tables["Engagement"]
    monthly = eng.groupby(eng["date"].dt.to_period("M"))
    rows = table(ws, "Month", "DAU/MAU", "Open rate")
    for row, (_, group) in zip(rows, monthly, strict=True):
        assert row["DAU/MAU"] == approx(metrics.stickiness(group["dau"].sum(), group["mau"].sum()))
        assert row["Open rate"] == approx(
            metrics.open_rate(group["opens"].sum(), group["emails_delivered"].sum())
        )
        assert row["Click rate"] == approx(
            metrics.click_rate(group["clicks"].sum(), group["emails_delivered"].sum())
        )
        minutes = (group["sessions"] * group["avg_session_minutes"]).sum()
        assert row["Time on site (min)"] == approx(
            metrics.time_on_site(minutes, group["sessions"].sum())
        )
    assert labelled(ws, "DAU/MAU") == approx(metrics.stickiness(eng["dau"].sum(), eng["mau"].sum()))

    spend = tables["Spend"]
    rows = table(ws, "Month", "Sales & marketing", "New customers", "CAC")
    for row, item, count in zip(rows, spend.itertuples(), counts.itertuples(), strict=True):
        cac = metrics.cac(item.sales_marketing_cost, item.new_customers)
        assert row["CAC"] == approx(cac)
        assert row["CRC"] == approx(metrics.crc(item.retention_cost, count.end))
        assert row["ARPA"] == approx(count.mrr.mean())
        assert row["CAC payback (months)"] == approx(metrics.cac_payback(cac, count.mrr.mean()))
    total_cac = metrics.cac(spend["sales_marketing_cost"].sum(), spend["new_customers"].sum())
    assert labelled(ws, "CAC") == approx(total_cac)
    assert labelled(ws, "CAC payback") == approx(
        metrics.cac_payback(total_cac, counts["mrr"].iloc[-1].mean())
    )


def test_cohorts_sheet(book, tables):
    ws = book["CX Cohorts"]
    subs = tables["Subscriptions"]
    paying = subs[subs["mrr"] > 0]
    matrix = cohorts(paying["customer_id"], paying["month"])
    rows = table(ws, "Cohort", "Customers", "M0")
    assert len(rows) == len(matrix)
    for row, expected in zip(rows, matrix.itertuples(index=False), strict=True):
        assert row["Customers"] == expected[1]
        for period, share in enumerate(expected[2:]):
            cell = row[f"M{period}"]
            assert cell is None if np.isnan(share) else cell == approx(share)
    scales = [rule.type for cf in ws.conditional_formatting for rule in cf.rules]
    assert scales == ["colorScale"]

    span = paying.groupby("customer_id")["month"].agg(["min", "max"])
    months = (
        (span["max"].dt.year - span["min"].dt.year) * 12
        + span["max"].dt.month
        - span["min"].dt.month
        + 1
    )
    churned = span["max"] < paying["month"].max()
    curve = survival(months.to_numpy(), churned.to_numpy())
    start, *rows = table(ws, "Months", "At risk", "Churned")
    # The curve starts at month 0 with every customer retained.
    assert (start["Months"], start["At risk"], start["Retained"]) == (0, len(months), 1)
    assert [r["Months"] for r in rows] == list(curve["time"])
    assert [r["Retained"] for r in rows] == approx(list(curve["survival"]))
    assert [r["At risk"] for r in rows] == list(curve["at_risk"])
    median = median_lifetime(months.to_numpy(), churned.to_numpy())
    assert labelled(ws, "Median lifetime (months)", value_col=3) == (
        approx(median) if median is not None else "not reached"
    )


def test_clv_sheet(book, tables):
    ws = book["CX CLV"]
    orders = tables["Orders"]
    args = (orders["customer_id"], orders["date"], orders["amount"])
    summary = rfm(*args, unit="M")
    params = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    spenders = summary[summary["frequency"] > 0]
    spend = fit_gamma_gamma(spenders["frequency"], spenders["monetary_value"])
    values = {(r["Model"], r["Parameter"]): r["Value"] for r in table(ws, "Model", "Parameter")}
    purchases = f"BG/NBD ({params.n:,} customers)"
    repeaters = f"Gamma-Gamma ({spend.n:,} repeat buyers)"
    assert values[(purchases, "r")] == approx(params.r)
    assert values[(purchases, "b")] == approx(params.b)
    assert values[(purchases, "log-likelihood")] == approx(params.log_likelihood)
    assert values[(repeaters, "q")] == approx(spend.q)

    predicted = predict_clv(*args, horizon=12, unit="M").sort_values("clv", ascending=False)
    rows = table(ws, "Customer", "Repeat purchases")
    assert len(rows) == 50
    assert [r["Customer"] for r in rows] == list(predicted["customer"].head(50))
    assert [r["CLV"] for r in rows] == approx(list(predicted["clv"].head(50)))
    assert [r["P(alive)"] for r in rows] == approx(list(predicted["p_alive"].head(50)))
    bins = table(ws, "P(alive)", "Customers")
    assert sum(r["Customers"] for r in bins) == len(predicted)


# --- Targets on the NPS scale (-100..100) and targets of 0 ---------------------


def nps_responses(scores) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=len(scores), freq="D")
    return pd.DataFrame({"date": days, "nps": [float(s) for s in scores]})


def summary_tile(responses: pd.DataFrame, targets: dict[str, float], label: str = "NPS"):
    frame = pd.DataFrame({"metric": list(targets), "target": list(targets.values())})
    report = build_report({"Responses": responses, "Targets": frame})
    return report.sheet("CX Summary").find(label)


@pytest.mark.parametrize(
    ("scores", "nps", "target", "progress", "status"),
    [
        ([3, 3, 10, 8], -25.0, -30.0, 75 / 70, "green"),  # beats a negative target
        ([10, 10, 3, 8, 8], 20.0, -10.0, 120 / 90, "green"),
        ([3, 3, 10, 8], -25.0, 0.0, 75 / 100, "red"),
        ([10, 10, 3, 8, 8], 20.0, 0.0, 120 / 100, "green"),
        # A positive target: value / target (20 against 30 is 67%, not 120 / 130).
        ([10, 10, 3, 8, 8], 20.0, 30.0, 20 / 30, "red"),
        ([3, 3, 10, 8], -25.0, -100.0, 1.0, "green"),  # the bottom of the scale: always met
    ],
)
def test_nps_progress_against_positive_and_other_targets(scores, nps, target, progress, status):
    tile = summary_tile(nps_responses(scores), {"NPS": target})
    assert tile.value == approx(nps) and tile.target == target
    r = tile.row
    assert tile.progress.text == (
        f'=IF(D{r}="","",IF(D{r}>0,MAX(0,B{r}/D{r}),IF(D{r}<=-100,1,MAX(0,(B{r}+100)/(D{r}+100)))))'
    )
    assert tile.progress.expected == approx(progress)
    assert tile.status.expected == status


def test_a_target_of_zero_is_met_by_any_rate():
    responses = nps_responses([10, 9, 3]).assign(csat=[1.0, 2.0, 2.0])  # CSAT 0%
    tile = summary_tile(responses, {"CSAT": 0.0}, "CSAT")
    assert tile.value == 0.0
    assert tile.progress.expected == 1.0 and tile.status.expected == "green"


def test_lower_is_better_targets_keep_target_over_value():
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
            "mrr": [10.0, 10.0, 10.0],
        }
    )
    for target, progress, status in ((0.5, 1.0, "green"), (0.45, 0.9, "amber"), (0.0, 0.0, "red")):
        targets = pd.DataFrame({"metric": ["Churn"], "target": [target]})
        tile = build_report({"Subscriptions": subs, "Targets": targets}).sheet("CX Summary")
        tile = tile.find("Churn")
        assert tile.value == 0.5
        assert tile.progress.expected == approx(progress)
        assert tile.status.expected == status


# --- Months at MRR 0: cohorts and Kaplan-Meier agree with CX Customers -----------


def written(tables, tmp_path):
    path = tmp_path / "report.xlsx"
    write_workbook(build_report(tables), path)
    return load(path)


def test_customers_churned_to_zero_in_the_last_month(tmp_path):
    subs = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c1", "c2"],
            "month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01"]),
            "mrr": [100.0, 50.0, 0.0, 0.0],
        }
    )
    book = written({"Subscriptions": subs}, tmp_path)
    months = table(book["CX Customers"], "Month", "Customers at start", "New", "Lost")
    assert [(m["Customers at start"], m["Lost"], m["Churn"]) for m in months] == [
        (0, 0, None),
        (2, 2, 1.0),
    ]
    ws = book["CX Cohorts"]
    heat = table(ws, "Cohort", "Customers", "M0")
    assert len(heat) == 1
    assert (heat[0]["Customers"], heat[0]["M0"], heat[0]["M1"]) == (2, 1, 0)
    curve = table(ws, "Months", "At risk", "Churned")
    assert [(r["Months"], r["At risk"], r["Churned"], r["Censored"]) for r in curve] == [
        (0, 2, 0, 0),
        (1, 2, 2, 0),
    ]
    assert curve[1]["Retained"] == 0
    assert labelled(ws, "Median lifetime (months)", value_col=3) == 1


def test_cohort_window_runs_to_the_last_subscriptions_month(tmp_path):
    # c2 stops after January, c1 after February; March holds only a row at MRR 0.
    subs = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c1", "c1", "c3"],
            "month": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-02-01", "2024-03-01", "2024-02-01"]
            ),
            "mrr": [100.0, 50.0, 100.0, 0.0, 20.0],
        }
    )
    book = written({"Subscriptions": subs}, tmp_path)
    churn = [m["Churn"] for m in table(book["CX Customers"], "Month", "Customers at start")]
    assert churn == [None, approx(0.5), approx(1.0)]
    ws = book["CX Cohorts"]
    heat = table(ws, "Cohort", "Customers", "M0")
    assert [[r.get(f"M{p}") for p in range(3)] for r in heat] == [
        [1, approx(0.5), 0],
        [1, 0, None],
    ]
    # Tenures: c1 2 months, c2 1, c3 1 — all churned before March.
    expected = survival([2.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    curve = table(ws, "Months", "At risk", "Churned")[1:]
    assert [r["Months"] for r in curve] == list(expected["time"])
    assert [r["Churned"] for r in curve] == list(expected["events"])
    assert [r["Retained"] for r in curve] == approx(list(expected["survival"]))


# --- Engagement: blank cells do not count ------------------------------------------


def test_engagement_rows_with_a_blank_numerator_do_not_count_their_denominator(tmp_path):
    engagement = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-02-01"]),
            "dau": [10.0, 20.0, np.nan, 5.0],
            "mau": [100.0, np.nan, 100.0, 50.0],
            "sessions": [10.0, 30.0, np.nan, 4.0],
            "avg_session_minutes": [5.0, np.nan, 8.0, 2.0],
            "emails_delivered": [100.0, 100.0, np.nan, 200.0],
            "opens": [50.0, np.nan, 10.0, 20.0],
            "clicks": [np.nan, np.nan, np.nan, np.nan],
        }
    )
    ws = written({"Engagement": engagement}, tmp_path)["CX Customers"]
    rows = table(ws, "Month", "DAU/MAU", "Open rate")
    assert set(rows[0]) == {"Month", "DAU/MAU", "Open rate", "Time on site (min)", "_row"}
    jan, feb = rows
    assert jan["DAU/MAU"] == approx(metrics.stickiness(10, 100))
    assert jan["Open rate"] == approx(metrics.open_rate(50, 100))
    assert jan["Time on site (min)"] == approx(metrics.time_on_site(50, 10))
    assert feb["Open rate"] == approx(metrics.open_rate(20, 200))
    assert labelled(ws, "DAU/MAU") == approx(metrics.stickiness(15, 150))
    assert labelled(ws, "Email open rate") == approx(metrics.open_rate(70, 300))
    assert labelled(ws, "Time on site (min)") == approx(metrics.time_on_site(58, 14))
    labels = [c.value for c in ws["A"]]
    assert "Email click rate" not in labels


def test_every_sample_target_appears_on_the_summary_with_the_core_figure():
    """The demo's Targets (Stickiness, Open rate, Click rate among them): each
    KPI with a target has a tile with that target and the core's figure."""
    tables = generate()
    sheet = build_report(tables).sheet("CX Summary")
    expected = more_kpis_expected(tables)
    named = [canonical_metric(m) for m in tables["Targets"]["metric"]]
    assert set(named) <= set(TARGET_METRICS)
    assert {"Stickiness", "Open rate", "Click rate"} <= set(named)
    for metric, target in zip(named, tables["Targets"]["target"], strict=True):
        tile = sheet.find(metric)
        assert tile is not None, metric
        assert tile.target == approx(target), metric
        if metric in expected:
            assert tile.value == approx(expected[metric]), metric
        lower = metric in LOWER_IS_BETTER
        progress = expected_progress(tile.value, target, not lower, -100.0 * (metric == "NPS"))
        assert tile.progress.expected == approx(progress), metric
        assert tile.status.expected == expected_status(progress), metric


def test_more_kpi_statuses(tables):
    """Targets for the further KPIs give live progress and green/amber/red status;
    CAC payback is lower-is-better."""
    figures = more_kpis_expected(tables)
    factors = {
        "Repeat rate": 0.5,  # value is twice the target: green
        "Stickiness": 1.05,  # value / target = 0.95: amber
        "Open rate": 2.0,  # 0.5: red
        "Click rate": 1.0,  # met exactly: green
        "GRR": 1.5,  # red
        "Quick ratio": 0.9,  # green
        "CAC payback": 0.95,  # target / value = 0.95: amber (lower is better)
    }
    extra = pd.DataFrame(
        {
            "metric": list(factors),
            "target": [figures[label] * factor for label, factor in factors.items()],
        }
    )
    with_targets = dict(tables, Targets=pd.concat([tables["Targets"], extra], ignore_index=True))
    sheet = build_report(with_targets).sheet("CX Summary")
    statuses = {}
    for label, factor in factors.items():
        tile = sheet.find(label)
        r = tile.row
        if label == "CAC payback":
            assert not tile.higher_is_better
            assert tile.progress.text == f'=IF(D{r}="","",IF(B{r}=0,1,MAX(0,D{r}/B{r})))'
            assert tile.progress.expected == approx(factor)
        else:
            assert tile.progress.text == f'=IF(D{r}="","",IF(D{r}<=0,1,MAX(0,B{r}/D{r})))'
            assert tile.progress.expected == approx(1 / factor)
        assert (
            tile.status.text == f'=IF(E{r}="","",IF(E{r}>=1,"green",IF(E{r}>=0.9,"amber","red")))'
        )
        statuses[label] = tile.status.expected
    assert statuses == {
        "Repeat rate": "green",
        "Stickiness": "amber",
        "Open rate": "red",
        "Click rate": "green",
        "GRR": "red",
        "Quick ratio": "green",
        "CAC payback": "amber",
    }


def test_survey_nps_by_quarter_when_months_are_small(book, tables):
    ws = book["CX Surveys"]
    responses = tables["Responses"]
    assert responses.groupby(responses["date"].dt.to_period("M"))["nps"].count().median() < 400
    by_quarter = responses.groupby(responses["date"].dt.to_period("Q"))
    rows = table(ws, "Quarter", "Responses", "NPS", "Low", "High", "Margin of error")
    assert [row["Quarter"] for row in rows] == [f"Q{p.quarter} {p.year}" for p, _ in by_quarter]
    for row, (_, group) in zip(rows, by_quarter, strict=True):
        assert row["Responses"] == group["nps"].notna().sum()
        assert row["NPS"] == approx(metrics.nps(group["nps"]))
        assert row["Margin of error"] == approx(metrics.nps_moe(group["nps"]))
        assert row["CSAT"] == approx(metrics.csat(group["csat"]))
    titles = [chart.title.tx.rich.p[0].r[0].t for chart in ws._charts]
    assert "NPS by quarter with 95% margin of error" in titles
    assert "NPS by month with 95% margin of error" not in titles


def test_summary_recurring_kpis_and_changes_on_two_years():
    """ARR, customers, trailing-12-month NRR and GRR, annualised churn and the
    changes against the previous month and a year before, against the core."""
    tables = generate(seed=5, customers=300)
    subs = tables["Subscriptions"]
    sheet = build_report({"Subscriptions": subs}).sheet("CX Summary")
    counts = monthly_counts(subs)
    assert len(counts) >= 13
    tile = sheet.find("ARR")
    assert tile.value == approx(metrics.arr(counts["mrr"].iloc[-1]))
    assert sheet.find("Customers").value == counts["end"].iloc[-1]
    trailing = metrics.revenue_retention(subs["customer_id"], subs["month"], subs["mrr"], 12)
    assert sheet.find("NRR (12 months)").value == approx(trailing["nrr"].iloc[-1])
    assert sheet.find("GRR (12 months)").value == approx(trailing["grr"].iloc[-1])
    pairs = zip(counts["start"][1:], counts["lost"][1:], strict=True)
    churn = [metrics.churn(s, lost) for s, lost in pairs]
    assert sheet.find("Annualised churn").value == approx(
        metrics.annualized_churn(float(np.mean(churn[-12:])))
    )
    cells = sheet.cell_map()
    mrr = sheet.find("MRR")
    prev, year = cells[(mrr.row, 7)], cells[(mrr.row, 8)]
    total = [metrics.mrr(amounts) for amounts in counts["mrr"]]
    assert prev.value == approx(total[-1] / total[-2] - 1)
    assert year.value == approx(total[-1] / total[-13] - 1)
    assert prev.number_format == "+0.0%;-0.0%;0.0%"
    churn_tile = sheet.find("Churn")
    assert cells[(churn_tile.row, 7)].value == approx((churn[-1] - churn[-2]) * 100)
    assert cells[(churn_tile.row, 7)].number_format.startswith('+0.0" pts"')
