"""Invariants of the metrics, checked on generated data (hypothesis)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cxexcel import metrics as m

nps_scores = st.lists(st.integers(0, 10), min_size=1, max_size=300)


@given(nps_scores, st.randoms(use_true_random=False))
def test_nps_is_within_bounds_and_unchanged_by_order(scores, random):
    score = m.nps(scores)
    assert -100.0 <= score <= 100.0
    shuffled = list(scores)
    random.shuffle(shuffled)
    assert m.nps(shuffled) == score
    assert m.nps([[s] for s in shuffled]) == score  # an Excel column gives the same


@given(st.lists(st.integers(9, 10), min_size=1, max_size=100))
def test_all_promoters_give_100(scores):
    assert m.nps(scores) == 100.0
    assert m.nps_moe(scores) == 0.0


@given(st.lists(st.integers(0, 6), min_size=1, max_size=100))
def test_all_detractors_give_minus_100(scores):
    assert m.nps(scores) == -100.0


@given(st.integers(1, 10**7), st.data())
def test_churn_and_retention_are_rates(start, data):
    lost = data.draw(st.integers(0, start))
    new = data.draw(st.integers(0, 10**6))
    assert 0.0 <= m.churn(start, lost) <= 1.0
    retention = m.retention(start, start - lost + new, new)
    assert 0.0 <= retention <= 1.0
    assert abs(retention + m.churn(start, lost) - 1.0) < 1e-12


@given(
    st.integers(1, 40),
    st.integers(0, 40),
    st.integers(1, 40),
    st.integers(2, 50),
)
def test_nps_moe_shrinks_as_n_grows_for_the_same_shares(promoters, passives, detractors, factor):
    small = [10] * promoters + [7] * passives + [0] * detractors
    large = small * factor
    assert m.nps(large) == m.nps(small)
    assert m.nps_moe(large) < m.nps_moe(small)


@given(nps_scores)
def test_nps_test_of_a_sample_against_itself_gives_p_1(scores):
    assert m.nps_test(scores, scores) == 1.0


@given(nps_scores, nps_scores)
def test_nps_test_is_a_symmetric_probability(a, b):
    p = m.nps_test(a, b)
    assert 0.0 <= p <= 1.0
    assert np.isclose(p, m.nps_test(b, a))


@given(st.lists(st.integers(1, 5), min_size=1, max_size=200))
def test_csat_is_a_share_and_ces_a_mean_on_the_scale(scores):
    assert 0.0 <= m.csat(scores) <= 1.0
    assert 1.0 <= m.ces(scores, 7) <= 5.0


@given(st.floats(1, 1e6), st.floats(1, 1e6))
def test_clv_cac_rating_agrees_with_the_ratio(clv, cac):
    ratio = m.clv_cac(clv, cac)
    rating = m.clv_cac_rating(clv, cac)
    assert rating == ("healthy" if ratio >= 3 else "slim" if ratio > 1 else "loss")
