"""The seeded sample data set and workbooks/sample-data.xlsx."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cxexcel.sample_data import generate, write_workbook
from cxexcel.tables import SCHEMAS, check_tables, read_tables
from cxexcel.tables.schema import REPORT_TABLES

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbooks" / "sample-data.xlsx"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate()


def test_all_six_tables_in_canonical_columns(tables):
    assert list(tables) == list(REPORT_TABLES)
    for name, frame in tables.items():
        assert list(frame.columns) == SCHEMAS[name].column_names, name
        assert len(frame) > 0


def test_same_seed_same_tables_other_seed_other_tables(tables):
    again = generate(seed=7)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name])
    other = generate(seed=8)
    assert not tables["Subscriptions"].equals(other["Subscriptions"])


def test_size_and_period(tables):
    subs = tables["Subscriptions"]
    assert 2000 < subs["customer_id"].nunique() <= 3000
    months = subs["month"].drop_duplicates().sort_values()
    assert months.iloc[0] == pd.Timestamp("2024-01-01")
    assert len(months) == 24
    engagement = tables["Engagement"]["date"]
    assert engagement.min() == pd.Timestamp("2024-01-01")
    assert engagement.max() == pd.Timestamp("2025-12-31")
    assert len(tables["Responses"]) > 2000
    assert len(tables["Orders"]) > 3000
    small = generate(customers=50, months=6, start="2023-07")
    assert small["Subscriptions"]["customer_id"].nunique() <= 50
    assert small["Spend"]["month"].tolist() == list(
        pd.date_range("2023-07-01", periods=6, freq="MS")
    )


def _customer_months(subs: pd.DataFrame) -> pd.DataFrame:
    return subs.pivot(index="customer_id", columns="month", values="mrr").fillna(0.0)


def test_subscriptions_have_growth_expansion_contraction_churn_and_reactivation(tables):
    wide = _customer_months(tables["Subscriptions"]).to_numpy()
    before, after = wide[:, :-1], wide[:, 1:]
    assert ((before > 0) & (after > before)).sum() > 100  # expansion
    assert ((after > 0) & (after < before)).sum() > 50  # contraction
    assert ((before > 0) & (after == 0)).sum() > 200  # churn
    seen = np.maximum.accumulate(wide > 0, axis=1)
    reactivated = (after > 0) & (before == 0) & seen[:, :-1]
    assert reactivated.sum() > 10
    # More customers at the end than at the start: a growing business.
    assert (wide[:, -1] > 0).sum() > 2 * (wide[:, 0] > 0).sum()


def test_survey_scores_are_worse_for_customers_about_to_churn(tables):
    responses = tables["Responses"]
    assert set(responses["segment"].dropna()) == {"SMB", "Mid-Market", "Enterprise"}
    for column, (low, high) in (("nps", (0, 10)), ("csat", (1, 5)), ("ces", (1, 7))):
        scores = responses[column].dropna()
        assert scores.between(low, high).all() and (scores == scores.round()).all()
    subs = tables["Subscriptions"]
    last_month = subs.groupby("customer_id")["month"].max()
    end = subs["month"].max()
    lost = set(last_month[last_month < end].index)
    by_fate = responses.groupby(responses["customer_id"].isin(lost))["nps"].mean()
    assert by_fate[True] < by_fate[False] - 1
    promoters = (responses["nps"] >= 9).mean()
    detractors = (responses["nps"] <= 6).mean()
    assert 0 < 100 * (promoters - detractors) < 60


def test_comments_include_formula_like_text(tables):
    comments = tables["Responses"]["comment"].dropna()
    assert 0.1 < len(comments) / len(tables["Responses"]) < 0.5
    risky = comments[comments.str.match(r"[=+\-@]")]
    assert '=HYPERLINK("http://x","y")' in set(risky)
    assert {text[0] for text in risky} == {"=", "+", "-", "@"}


def test_orders_spend_engagement_and_targets_are_consistent(tables):
    subs, orders, spend = tables["Subscriptions"], tables["Orders"], tables["Spend"]
    assert set(orders["customer_id"]) <= set(subs["customer_id"])
    assert (orders["amount"] > 0).all()
    assert (orders.groupby("customer_id").size() >= 2).mean() > 0.2  # repeat buyers
    assert (spend["new_customers"] > 0).all() and (spend["sales_marketing_cost"] > 0).all()
    first = subs.groupby("customer_id")["month"].min()
    joined_later = first[first > subs["month"].min()].value_counts().sort_index()
    assert spend.set_index("month")["new_customers"].iloc[1:].tolist() == joined_later.tolist()
    engagement = tables["Engagement"]
    assert (engagement["dau"] <= engagement["mau"]).all()
    newsletter = engagement["emails_delivered"].notna()
    assert (
        engagement.loc[newsletter, "opens"] <= engagement.loc[newsletter, "emails_delivered"]
    ).all()
    assert engagement.loc[~newsletter, ["opens", "clicks"]].isna().all().all()
    targets = tables["Targets"].set_index("metric")["target"]
    assert {
        "NPS",
        "CSAT",
        "CES",
        "Churn",
        "Retention",
        "MRR",
        "NRR",
        "CLV",
        "CAC",
        "CLV:CAC",
    } <= set(targets.index)


def test_committed_workbook_reads_back_as_the_generator_tables(tables):
    before = hashlib.sha256(WORKBOOK.read_bytes()).hexdigest()
    assert check_tables(WORKBOOK) == []
    read = read_tables(WORKBOOK)
    assert list(read) == list(tables)
    for name in tables:
        pd.testing.assert_frame_equal(read[name], tables[name], obj=name)
    assert hashlib.sha256(WORKBOOK.read_bytes()).hexdigest() == before


def test_workbook_sheets_are_styled_excel_tables():
    workbook = openpyxl.load_workbook(WORKBOOK)
    assert workbook.sheetnames == list(REPORT_TABLES)
    for name in REPORT_TABLES:
        sheet = workbook[name]
        assert list(sheet.tables) == [name]
        assert sheet["A1"].font.bold
        assert sheet.freeze_panes == "A2"
    assert workbook["Subscriptions"]["B2"].number_format == "yyyy-mm"
    assert workbook["Orders"]["C2"].number_format == "#,##0.00"
    comments = [c.value for c in workbook["Responses"]["G"] if isinstance(c.value, str)]
    formula = '=HYPERLINK("http://x","y")'
    cell = next(c for c in workbook["Responses"]["G"] if c.value == formula)
    assert cell.data_type == "s"  # stored as text, not as a formula
    assert formula in comments


def test_write_workbook_is_atomic_and_keeps_the_old_file_on_failure(tmp_path):
    tables = generate(customers=60, months=3)
    path = tmp_path / "out" / "data.xlsx"
    write_workbook(tables, path)
    first = path.read_bytes()
    broken = dict(tables, Orders=tables["Orders"].assign(amount=object()))
    with pytest.raises(Exception):  # noqa: B017 - any failure will do
        write_workbook(broken, path)
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["data.xlsx"]  # no temp files left


def test_make_sample_data_script_writes_a_readable_workbook(tmp_path, tables):
    out = tmp_path / "sample.xlsx"
    subprocess.run(
        [str(ROOT / "scripts" / "make_sample_data"), str(out)], check=True, capture_output=True
    )
    read = read_tables(out)
    pd.testing.assert_frame_equal(read["Spend"], tables["Spend"])


def test_tiny_runs_give_all_six_tables_with_their_dtypes(tables):
    tiny = generate(customers=3, months=1)
    assert list(tiny) == list(REPORT_TABLES)
    for name, frame in tiny.items():
        assert list(frame.columns) == SCHEMAS[name].column_names
        assert dict(frame.dtypes) == dict(tables[name].dtypes), name
    with pytest.raises(ValueError):
        generate(customers=0)


def test_new_customers_place_an_onboarding_order(tables):
    subs, orders = tables["Subscriptions"], tables["Orders"]
    first_month = subs.groupby("customer_id")["month"].min()
    new = first_month[first_month > subs["month"].min()].index
    first_order = orders.groupby("customer_id")["date"].min()
    assert set(new) <= set(first_order.index)
    joined = first_month[new]
    ordered = first_order[new].dt.to_period("M").dt.to_timestamp()
    assert (ordered == joined).all()
