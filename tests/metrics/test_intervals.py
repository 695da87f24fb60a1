"""Survey statistics: published and hand-worked figures, and bad input with its exact message."""

import math
import re
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxexcel import metrics as m
from cxexcel.errors import EmptyInputError, InputError, ZeroDenominatorError
from cxexcel.metrics.intervals import wilson_interval

Z95 = NormalDist().inv_cdf(0.975)  # 1.959964


def moe(promoters, detractors, n, z=Z95):
    """NPS margin of error in points, written out: 100 z sqrt((p + d - (p - d)^2) / n)."""
    p, d = promoters / n, detractors / n
    return 100 * z * math.sqrt((p + d - (p - d) ** 2) / n)


# -- Wilson score interval ------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_interval_matches_newcombe_table_1(successes, n, low, high):
    assert wilson_interval(successes, n, 0.95) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_formula_and_confidence():
    z = NormalDist().inv_cdf(0.95)  # 90%
    centre = (10 + z**2 / 2) / (100 + z**2)
    half = z * math.sqrt(10 * 90 / 100 + z**2 / 4) / (100 + z**2)
    assert wilson_interval(10, 100, 0.9) == pytest.approx((centre - half, centre + half))


def test_wilson_interval_works_element_wise():
    low, high = wilson_interval(np.array([81, 0]), np.array([263, 20]), 0.95)
    assert low == pytest.approx([0.2553, 0.0], abs=5e-5)
    assert high == pytest.approx([0.3662, 0.1611], abs=5e-5)


# -- CSAT_CI, CES_CI, CHURN_CI --------------------------------------------------------------


def test_csat_ci_is_the_wilson_interval_of_the_satisfied_share():
    out = m.csat_ci([5] * 81 + [3] * 100 + [1] * 82)
    assert list(out.columns) == ["csat", "n", "low", "high"]
    assert len(out) == 1
    row = out.iloc[0]
    assert row["csat"] == pytest.approx(81 / 263)
    assert row["n"] == 263
    assert (row["low"], row["high"]) == pytest.approx((0.2553, 0.3662), abs=5e-5)


def test_csat_ci_takes_threshold_scale_and_confidence_like_csat():
    scores = [[6], [10], [5], [1], [7], [None]]
    out = m.csat_ci(scores, 6, 10, 0.9).iloc[0]
    assert out["csat"] == pytest.approx(m.csat(scores, 6, 10)) == pytest.approx(0.6)
    assert out["n"] == 5
    assert (out["low"], out["high"]) == pytest.approx(wilson_interval(3, 5, 0.9))


def test_ces_ci_equals_scipy_t_interval():
    scores = [7, 6, 5, 2, 6, 7, 4, None, 5]
    array = np.array([s for s in scores if s is not None], dtype=float)
    expected = stats.t.interval(0.9, len(array) - 1, loc=array.mean(), scale=stats.sem(array))
    out = m.ces_ci(scores, 7, 0.9)
    assert list(out.columns) == ["ces", "n", "low", "high"]
    row = out.iloc[0]
    assert row["ces"] == pytest.approx(array.mean())
    assert row["n"] == 8
    assert (row["low"], row["high"]) == pytest.approx(expected, rel=1e-12)


def test_ces_ci_by_hand():
    # mean 5, s = sqrt(14/3), t(0.975, 3) = 3.182446
    row = m.ces_ci([[7], [6], [5], [2]]).iloc[0]
    half = 3.182446305 * math.sqrt(14 / 3) / 2
    assert (row["low"], row["high"]) == pytest.approx((5 - half, 5 + half), abs=1e-8)


def test_ces_ci_needs_two_answers_and_is_not_available_otherwise():
    with pytest.raises(EmptyInputError) as info:
        m.ces_ci([[6], [None]])
    assert info.value.excel_code == "#N/A"
    assert str(info.value) == "scores: has only 1 value; a confidence interval needs at least 2"


def test_churn_ci_single_period():
    out = m.churn_ci(263, 81)
    assert list(out.columns) == ["churn", "start", "lost", "low", "high"]
    assert out.iloc[0].tolist() == pytest.approx([81 / 263, 263, 81, 0.2553, 0.3662], abs=5e-5)


def test_churn_ci_pairs_ranges_item_by_item_with_blank_periods():
    out = m.churn_ci([[1000, 100, None]], [[50], [5], [3]])
    assert len(out) == 3
    assert out["churn"].iloc[:2].tolist() == pytest.approx([0.05, 0.05])
    assert out["start"].iloc[:2].tolist() == [1000, 100]
    assert out["lost"].tolist() == [50, 5, 3]
    for i, (lost, start) in enumerate([(50, 1000), (5, 100)]):
        assert (out["low"][i], out["high"][i]) == pytest.approx(wilson_interval(lost, start, 0.95))
    assert out.iloc[2][["churn", "start", "low", "high"]].isna().all()


def test_churn_ci_a_scalar_start_with_a_range_of_losses():
    out = m.churn_ci(100, [[0], [10]])
    assert out["start"].tolist() == [100, 100]
    assert out["low"][0] == 0.0
    assert out["high"][0] == pytest.approx(Z95**2 / (100 + Z95**2))  # x = 0: 2 x centre


@pytest.mark.parametrize(
    ("start", "lost", "error", "message"),
    [
        (10, 20, InputError, "lost: 20 is more than start (10)"),
        ([100, 0], [1, 0], ZeroDenominatorError, "start: 0 at item 2 makes the ratio undefined"),
        (0, 0, ZeroDenominatorError, "start: 0 makes the ratio undefined (division by zero)"),
        ([100, 200], [1, 2, 3], InputError, "lost 3 cells, start 2 cells"),
    ],
)
def test_churn_ci_has_the_errors_of_churn(start, lost, error, message):
    with pytest.raises(error, match=re.escape(message)) as info:
        m.churn_ci(start, lost)
    with pytest.raises(error) as plain:
        m.churn(start, lost)
    assert str(info.value) == str(plain.value)


# -- NPS_BY -------------------------------------------------------------------------------

# Group "1" (numbers and text alike), group "10", group "b" (trimmed), blank group.
BY_SCORES = [10, 9, 3, None, 10, 6, 7, 0, 9, 8, 2]
BY_GROUPS = [1, "1", 1.0, "1", "10", "10", " b", "b", None, "", 2]


def test_nps_by_every_column_by_hand():
    out = m.nps_by(BY_SCORES, BY_GROUPS)
    assert list(out.columns) == ["group", "n", "nps", "moe", "p_value", "significant"]
    # Labels compare as text: "(blank)" < "1" < "10" < "2" < "b".
    assert out["group"].tolist() == ["(blank)", "1", "10", "2", "b", "All"]
    # (blank): 9, 8; "1": 10, 9, 3 (the blank score left out); "10": 10, 6; "2": 2; "b": 7, 0.
    assert out["n"].tolist() == [2, 3, 2, 1, 2, 10]
    assert out["nps"].tolist() == pytest.approx([50.0, 100 / 3, 0.0, -100.0, -50.0, 0.0])
    assert out["moe"].tolist() == pytest.approx(
        [moe(1, 0, 2), moe(2, 1, 3), moe(1, 1, 2), 0.0, moe(0, 1, 2), moe(4, 4, 10)]
    )
    assert out["moe"][0] == pytest.approx(100 * Z95 * math.sqrt(0.25 / 2))
    assert out["moe"][5] == pytest.approx(100 * Z95 * math.sqrt(0.8 / 10))

    # p-values: adjusted Wald, the group against the other answers, written out.
    def p_value(group, rest):
        def adjusted(promoters, detractors, n):
            p, d = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
            return p - d, (p + d - (p - d) ** 2) / (n + 3)

        (a, va), (b, vb) = adjusted(*group), adjusted(*rest)
        return 2 * (1 - NormalDist().cdf(abs(a - b) / math.sqrt(va + vb)))

    counts = [(1, 0, 2), (2, 1, 3), (1, 1, 2), (0, 1, 1), (0, 1, 2)]  # promoters, detractors, n
    total = (4, 4, 10)
    expected = [p_value(c, tuple(t - x for t, x in zip(total, c, strict=True))) for c in counts]
    assert out["p_value"].iloc[:5].tolist() == pytest.approx(expected)
    assert math.isnan(out["p_value"][5])
    assert out["significant"].tolist() == [False] * 5 + [None]


def test_nps_by_matches_nps_nps_moe_and_nps_test_per_group():
    out = m.nps_by(BY_SCORES, BY_GROUPS, 0.9).set_index("group")
    one, rest = [10, 9, 3], [10, 6, 7, 0, 9, 8, 2]
    assert out.loc["1", "nps"] == pytest.approx(m.nps(one))
    assert out.loc["1", "moe"] == pytest.approx(m.nps_moe(one, 0.9))
    assert out.loc["1", "p_value"] == pytest.approx(m.nps_test(one, rest))
    assert out.loc["All", "moe"] == pytest.approx(
        m.nps_moe([s for s in BY_SCORES if s is not None], 0.9)
    )


def test_nps_by_significance_uses_one_minus_confidence():
    scores = [10] * 8 + [3] * 2 + [3] * 8 + [10] * 2
    groups = ["A"] * 10 + ["B"] * 10
    out = m.nps_by(scores, groups)
    assert out["p_value"].iloc[:2].tolist() == pytest.approx([0.00408262] * 2, abs=1e-8)
    assert out["significant"].tolist() == [True, True, None]
    strict = m.nps_by(scores, groups, 0.999)  # 0.0041 is not below 0.001
    assert strict["significant"].tolist() == [False, False, None]


def test_nps_by_one_group_has_no_test():
    out = m.nps_by([10, 9, 0], ["x", "x", "x"])
    assert out["group"].tolist() == ["x", "All"]
    assert out["p_value"].isna().all()
    assert out["significant"].tolist() == [False, None]


def test_nps_by_lengths_must_match():
    with pytest.raises(InputError) as info:
        m.nps_by([10, 9, 3], ["a", "b"])
    assert str(info.value) == (
        "groups: has 2 items but scores has 3; the columns must be the same length"
    )


def test_nps_by_validates_scores_as_nps_does():
    with pytest.raises(InputError) as info:
        m.nps_by([10, 11], ["a", "b"])
    assert str(info.value) == "scores: 11 at item 2 is outside 0-10"
    with pytest.raises(EmptyInputError, match="scores: has no values"):
        m.nps_by([None, None], ["a", "b"])


# -- NPS_TREND ----------------------------------------------------------------------------

# January 10, 9, 3; February none; March 10, 8; April 6, 0 and an unanswered question.
TREND = [
    ("2024-01-05", 10),
    ("2024-01-17", 9),
    ("2024-01-31", 3),
    ("2024-03-02", 10),
    ("2024-03-28", 8),
    ("2024-04-10", 6),
    ("2024-04-30", 0),
    ("2024-04-11", None),
]


def trend(rows=TREND, **options):
    dates, scores = zip(*rows, strict=True)
    return m.nps_trend(list(dates), list(scores), **options)


def band(promoters, detractors, n):
    score = 100 * (promoters - detractors) / n
    margin = moe(promoters, detractors, n)
    return [score, max(-100, score - margin), min(100, score + margin)]


def test_nps_trend_monthly_with_an_empty_month():
    out = trend()
    assert list(out.columns) == ["period", "n", "nps", "low", "high"]
    assert out["period"].tolist() == [pd.Timestamp(f"2024-0{i}-01") for i in (1, 2, 3, 4)]
    assert out["n"].tolist() == [3, 0, 2, 2]
    assert out.iloc[0, 2:].tolist() == pytest.approx(band(2, 1, 3))
    assert out.iloc[1, 2:].isna().all()
    assert out.iloc[2, 2:].tolist() == pytest.approx(band(1, 0, 2))
    assert out.iloc[3, 2:].tolist() == pytest.approx([-100.0, -100.0, -100.0])
    assert out["high"][0] == 100.0  # 33.3 + 106.7, kept within -100..100


def test_nps_trend_rolling_3_spans_the_empty_month():
    out = trend(rolling=3)
    assert out["n"].tolist() == [3, 3, 5, 4]
    # Jan: Jan; Feb: Jan+Feb; Mar: Jan..Mar = 10, 9, 3, 10, 8; Apr: Feb..Apr = 10, 8, 6, 0.
    assert out.iloc[0, 2:].tolist() == pytest.approx(band(2, 1, 3))
    assert out.iloc[1, 2:].tolist() == pytest.approx(band(2, 1, 3))
    assert out.iloc[2, 2:].tolist() == pytest.approx(band(3, 1, 5))
    assert out.iloc[3, 2:].tolist() == pytest.approx(band(1, 2, 4))
    assert out["nps"].tolist() == pytest.approx([100 / 3, 100 / 3, 40.0, -25.0])


def test_nps_trend_weekly_and_quarterly():
    rows = [("2024-01-01", 10), ("2024-01-07", 0), ("2024-01-22", 9), ("2024-07-01", 7)]
    weekly = trend(rows, period="w")  # weeks start on Monday; 2024-01-01 is one
    assert weekly["period"].tolist() == list(pd.date_range("2024-01-01", "2024-07-01", freq="7D"))
    assert weekly["n"].tolist()[:4] == [2, 0, 0, 1]
    assert weekly["n"].sum() == 4
    quarterly = trend(rows, period="Q", confidence=0.9)
    assert quarterly["period"].tolist() == [
        pd.Timestamp(d) for d in ["2024-01-01", "2024-04-01", "2024-07-01"]
    ]
    assert quarterly["n"].tolist() == [3, 0, 1]
    score = 100 / 3
    margin = moe(2, 1, 3, NormalDist().inv_cdf(0.95))
    assert quarterly.iloc[0, 2:].tolist() == pytest.approx([score, score - margin, 100.0])


def test_nps_trend_takes_excel_serial_dates_through_the_excel_adapter():
    from cxexcel import catalog
    from cxexcel.excel import convert

    cells = convert.call(
        catalog.get("NPS_TREND"),
        ([[45292], [45323], [""]], [[10], [0], [""]], None, None, None),
    )
    assert cells[0] == ["period", "n", "nps", "low", "high"]
    assert [row[1:3] for row in cells[1:]] == [[1, 100.0], [1, -100.0]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rolling": 0}, "rolling: 0 must be a whole number of at least 1"),
        ({"rolling": 1.5}, "rolling: 1.5 must be a whole number of at least 1"),
        ({"period": "D"}, 'period: "D" must be "W", "M" or "Q"'),
        ({"confidence": 95}, "confidence: 95 must be between 0 and 1 (e.g. 0.95)"),
    ],
)
def test_nps_trend_bad_options(options, message):
    with pytest.raises(InputError) as info:
        trend(**options)
    assert str(info.value) == message


def test_nps_trend_bad_columns():
    with pytest.raises(InputError) as info:
        m.nps_trend(["2024-01-01", "2024-01-02"], [10, 9, 8])
    assert str(info.value) == (
        "scores: has 3 items but dates has 2; the columns must be the same length"
    )
    with pytest.raises(InputError) as info:
        m.nps_trend(["2024-01-01", None], [10, 9])
    assert str(info.value) == "dates: item 2 is blank but its score is not"
    with pytest.raises(InputError) as info:
        m.nps_trend(["2024-01-01", "2024-01-02"], [10, 12])
    assert str(info.value) == "scores: 12 at item 2 is outside 0-10"
    with pytest.raises(EmptyInputError) as info:
        m.nps_trend(["2024-01-01", "2024-01-02"], [None, None])
    assert str(info.value) == "scores: has no values (all blank)"


# -- NPS_SAMPLE_SIZE ----------------------------------------------------------------------


def test_nps_sample_size_worst_case_5_points_is_1537():
    # 1.959964^2 x 1 x (100/5)^2 = 1536.58
    assert m.nps_sample_size(5) == 1537
    assert m.nps_sample_size(10) == 385  # 384.15 rounded up


def test_nps_sample_size_with_expected_shares_and_a_population():
    assert m.nps_sample_size(5, 0.95, 0.6, 0.2) == 984  # 3.841459 x 0.64 x 400 = 983.41
    n0 = Z95**2 * 400
    assert m.nps_sample_size(5, population=1000) == math.ceil(n0 / (1 + (n0 - 1) / 1000)) == 607
    assert m.nps_sample_size(5, population=10_000) == 1333  # 1332.04
    assert m.nps_sample_size(5, population=1) == 1
    assert m.nps_sample_size(5, 0.95, 0, 0) == 1  # no spread at all: one answer


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0,), "moe: 0 must be greater than 0 and at most 200 (NPS points)"),
        ((250,), "moe: 250 must be greater than 0 and at most 200 (NPS points)"),
        ((5, 0.95, 0.6, 0.5), "detractors: 0.5 plus promoters (0.6) is more than 1"),
        ((5, 0.95, 1.2), "promoters: 1.2 must be a share from 0 to 1"),
        ((5, 0.95, 0.5, -0.1), "detractors: -0.1 must be a share from 0 to 1"),
        ((5, 0.95, 0.5, 0.5, 0), "population: 0 must be a whole number of at least 1"),
        ((5, 0.95, 0.5, 0.5, 10.5), "population: 10.5 must be a whole number of at least 1"),
        ((5, 1), "confidence: 1 must be between 0 and 1 (e.g. 0.95)"),
    ],
)
def test_nps_sample_size_bad_input(args, message):
    with pytest.raises(InputError) as info:
        m.nps_sample_size(*args)
    assert str(info.value) == message
