"""The worked examples of METRICS.md marked (source), each with its exact figure."""

import pytest

from cxexcel import metrics as m


def test_nps_70_percent_promoters_10_percent_detractors_is_60():
    scores = [10] * 7 + [8] * 2 + [3]
    assert m.nps(scores) == pytest.approx(60.0)


def test_churn_50_lost_of_1000_is_5_percent():
    assert m.churn(1000, 50) == pytest.approx(0.05)


def test_churn_ignores_customers_won_in_the_period():
    # 100 at start, 5 lost, 10 won: 5/100, not 5/110.
    assert m.churn(100, 5) == pytest.approx(0.05)
    assert m.retention(100, 105, 10) == pytest.approx(0.95)


def test_clv_50_dollars_4_times_a_year_5_years_is_1000():
    assert m.clv(50, 4, 5) == pytest.approx(1000.0)


def test_repeat_rate_200_of_1000_is_20_percent():
    assert m.repeat_rate(200, 1000) == pytest.approx(0.2)


def test_csat_400_satisfied_of_500_is_80_percent():
    assert m.csat([5] * 300 + [4] * 100 + [3] * 60 + [1] * 40) == pytest.approx(0.8)


def test_csat_on_a_1_to_10_scale_with_6_or_more_positive():
    assert m.csat([6, 10, 5, 1, 7], 6, 10) == pytest.approx(0.6)


def test_mrr_100_customers_at_50_dollars_is_5000():
    assert m.mrr(100, 50) == pytest.approx(5000.0)


def test_time_on_site_10_visitors_averaging_20_minutes_is_20_minutes():
    assert m.time_on_site(200, 10) == pytest.approx(20.0)
    assert m.time_on_site([15, 25] * 5) == pytest.approx(20.0)
