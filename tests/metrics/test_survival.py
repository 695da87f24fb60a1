"""Kaplan-Meier retention against the textbook 6-MP leukemia example."""

import numpy as np
import pytest

from cxexcel.errors import EmptyInputError, InputError
from cxexcel.metrics.survival import median_lifetime, survival

# Freireich et al. (1963), 6-MP arm: remission weeks; 0 = censored (still in remission).
# The standard textbook example (Kleinbaum & Klein, "Survival Analysis", ch. 2).
WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def test_freireich_6mp_kaplan_meier():
    """Survival values as published in Kleinbaum & Klein, Table 2.2 (6-MP group).

    The 95% log-log bands are R's ``survfit(Surv(time, cens) ~ 1, data =
    MASS::gehan[gehan$treat == "6-MP", ], conf.type = "log-log")``.
    """
    out = survival(WEEKS, RELAPSE).set_index("time")
    events = out[out["events"] > 0]
    assert list(events.index) == [6, 7, 10, 13, 16, 22, 23]
    assert list(events["at_risk"]) == [21, 17, 15, 12, 11, 7, 6]
    np.testing.assert_allclose(
        events["survival"], [0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482], atol=5e-5
    )
    np.testing.assert_allclose(
        events["lower"], [0.620, 0.563, 0.503, 0.432, 0.368, 0.268, 0.188], atol=5e-4
    )
    np.testing.assert_allclose(
        events["upper"], [0.952, 0.923, 0.889, 0.849, 0.805, 0.747, 0.680], atol=5e-4
    )


def test_censored_rows_and_steps():
    out = survival(WEEKS, RELAPSE)
    assert list(out.columns) == [
        "time",
        "at_risk",
        "events",
        "censored",
        "survival",
        "lower",
        "upper",
    ]
    assert len(out) == 16  # distinct weeks
    assert out["censored"].sum() == 12 and out["events"].sum() == 9
    # Censoring alone does not move the curve.
    row_9 = out[out["time"] == 9].iloc[0]
    row_7 = out[out["time"] == 7].iloc[0]
    assert row_9["survival"] == row_7["survival"]
    assert row_9["at_risk"] == 16
    assert (out["lower"] <= out["survival"]).all() and (out["survival"] <= out["upper"]).all()


def test_median_lifetime():
    assert median_lifetime(WEEKS, RELAPSE) == 23


def test_median_is_none_when_retention_stays_above_half():
    assert median_lifetime([1, 2, 3, 4], [1, 0, 0, 0]) is None


def test_all_censored_keeps_retention_at_one():
    out = survival([3, 1, 2], [False, False, False])
    assert list(out["survival"]) == [1, 1, 1]
    assert list(out["lower"]) == [1, 1, 1] and list(out["upper"]) == [1, 1, 1]


def test_true_false_flags_and_excel_ranges():
    flags = [[bool(f)] for f in RELAPSE] + [[None]]
    durations = [[float(w)] for w in WEEKS] + [[None]]
    out = survival(durations, flags)
    np.testing.assert_allclose(out["survival"], survival(WEEKS, RELAPSE)["survival"])


def test_everyone_churned_reaches_zero_with_no_band():
    out = survival([1, 2, 2], [1, 1, 1])
    np.testing.assert_allclose(out["survival"], [2 / 3, 0])
    assert np.isnan(out["lower"].iloc[1]) and np.isnan(out["upper"].iloc[1])
    assert median_lifetime([1, 2, 2], [1, 1, 1]) == 2


def test_wider_band_for_higher_confidence():
    narrow = survival(WEEKS, RELAPSE, confidence=0.8)
    wide = survival(WEEKS, RELAPSE, confidence=0.99)
    assert (wide["lower"] <= narrow["lower"]).all() and (wide["upper"] >= narrow["upper"]).all()


def test_confidence_from_a_one_cell_range():
    pd_range = survival(WEEKS, RELAPSE, confidence=[[0.9]])
    plain = survival(WEEKS, RELAPSE, confidence=0.9)
    np.testing.assert_allclose(pd_range["lower"], plain["lower"])


@pytest.mark.parametrize("confidence", [0, 1, 1.5, "high", True, [0.9, 0.95]])
def test_bad_confidence(confidence):
    with pytest.raises(InputError, match=r"^confidence: "):
        survival(WEEKS, RELAPSE, confidence=confidence)


def test_bad_flag():
    with pytest.raises(InputError, match=r"^churned: 2 at item 3 is not 0/1 or TRUE/FALSE$"):
        survival([1, 2, 3], [0, 1, 2])
    with pytest.raises(InputError, match=r'^churned: "yes" at item 1 is not 0/1'):
        survival([1], ["yes"])


def test_bad_duration():
    with pytest.raises(InputError, match=r"^duration: -1 at item 2 is negative$"):
        survival([1, -1], [0, 1])
    with pytest.raises(InputError, match=r'^duration: "x" at item 2 is not a number$'):
        survival([1, "x"], [1, 1])


def test_lengths_differ_and_empty():
    with pytest.raises(InputError, match=r"^churned: has 1 items but duration has 2"):
        survival([1, 2], [1])
    with pytest.raises(EmptyInputError, match=r"^duration: has no values"):
        survival([None], [None])
    with pytest.raises(EmptyInputError):
        median_lifetime([], [])


def test_the_95_percent_quantile_is_scipys_to_the_last_bit():
    # The constant spares a report importing scipy; any other level asks scipy.
    from scipy.special import ndtri

    from cxexcel.metrics.survival import _normal_quantile

    assert 0.5 + 0.95 / 2.0 == 0.975
    assert _normal_quantile(0.975) == float(ndtri(0.975))
    assert _normal_quantile(0.95) == float(ndtri(0.95))
