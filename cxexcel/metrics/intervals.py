"""Survey statistics: NPS by group and over time, confidence intervals, sample sizes.

The intervals:

- proportions (CSAT, churn): the Wilson score interval (Wilson 1927, method 3
  of Newcombe 1998), which stays within 0-1 and behaves for small samples;
- a mean (CES): the Student-t interval, mean +/- t(n-1) x s / sqrt(n);
- the NPS: NPS +/- its margin of error as ``nps_moe`` computes it,
  100 x z x sqrt((p + d - (p - d)^2) / n), kept within -100 to 100.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EmptyInputError, InputError
from ._inputs import flatten, is_blank, quantity, scalar, to_floats, values
from .cohorts import ITEM, PERIODS, _key_text, choice, period_index, period_start, read_rows
from .customers import churn
from .survey import _nps_scores, _nps_variance, _shares, _z, ces, csat, nps_test

__all__ = [
    "nps_by",
    "nps_trend",
    "csat_ci",
    "ces_ci",
    "churn_ci",
    "nps_sample_size",
    "wilson_interval",
]

#: Group label of answers whose group cell is blank.
BLANK_GROUP = "(blank)"
#: Group label of the last row of ``nps_by``: every answer.
ALL_GROUP = "All"


def wilson_interval(successes, n, confidence=0.95):
    """Wilson score interval (low, high) for a proportion of ``successes`` out of ``n``.

    centre = (x + z^2/2) / (n + z^2) and half-width =
    z x sqrt(x(n - x)/n + z^2/4) / (n + z^2), with x the successes and z the
    two-sided normal quantile of ``confidence``. Takes numbers or arrays
    (element by element, n > 0 and 0 <= x <= n); n = 0 gives NaN.
    """
    z = _z(confidence)
    x = np.asarray(successes, dtype=float)
    size = np.asarray(n, dtype=float)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(size > 0, x * (size - x) / size, np.nan)
        centre = (x + z2 / 2) / (size + z2)
        half = z * np.sqrt(np.maximum(spread, 0) + z2 / 4) / (size + z2)
        half = np.where(np.isnan(spread), np.nan, half)
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def _level(confidence) -> tuple[float, float]:
    """The confidence level and its two-sided z (``_z`` validates the level)."""
    z = _z(confidence)
    return scalar("confidence", confidence), z


def _moe(promoters, detractors, n, z):
    """NPS margin of error in points from counts (as ``nps_moe``); NaN where n = 0."""
    promoters, detractors, n = (np.asarray(a, dtype=float) for a in (promoters, detractors, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = promoters / n
        d = detractors / n
        return 100.0 * z * np.sqrt(_nps_variance(p, d) / n)


def _group_label(value) -> str:
    if is_blank(value):
        return BLANK_GROUP
    return str(_key_text(value))


def nps_by(scores, groups, confidence=0.95) -> pd.DataFrame:
    """NPS per group (segment, channel, region ...) with its margin of error and a test against the rest.

    scores: the 0-10 answers; groups: the group of each answer, cell by cell
    (same number of cells). Answers with a blank score are left out; a
    blank group is the group "(blank)". confidence: e.g. 0.95.

    Spills one row per group, sorted by label, then the row "All", with the
    columns group, n, nps, moe (margin of error in points, as NPS_MOE),
    p_value (two-sided, NPS_TEST of the group against all other answers;
    blank on "All" or when there are no other answers) and significant
    (TRUE when p_value < 1 - confidence; blank on "All").
    """
    _nps_scores("scores", scores)  # messages as NPS gives them; all blank is #N/A
    array, _ = to_floats("scores", scores)
    labels = flatten(groups)
    if len(labels) != array.size:
        raise InputError(
            "groups",
            f"has {len(labels)} items but scores has {array.size}; "
            "the columns must be the same length",
        )
    level, z = _level(confidence)
    alpha = 1.0 - level

    answered = ~np.isnan(array)
    answers = array[answered]
    names = np.array(
        [_group_label(v) for v, keep in zip(labels, answered, strict=True) if keep], dtype=object
    )
    rows = []
    for name in sorted(set(names)):
        inside = names == name
        group, rest = answers[inside], answers[~inside]
        promoters, detractors, n = _shares(group)
        p_value = nps_test(group, rest) if rest.size else math.nan
        rows.append(
            (
                name,
                n,
                100.0 * (promoters - detractors) / n,
                float(_moe(promoters, detractors, n, z)),
                p_value,
                bool(p_value < alpha),
            )
        )
    promoters, detractors, n = _shares(answers)
    rows.append(
        (
            ALL_GROUP,
            n,
            100.0 * (promoters - detractors) / n,
            float(_moe(promoters, detractors, n, z)),
            math.nan,
            None,
        )
    )
    frame = pd.DataFrame(rows, columns=["group", "n", "nps", "moe", "p_value", "significant"])
    frame["significant"] = frame["significant"].astype(object)
    return frame


def _period_code(period) -> str:
    code = choice("period", period, PERIODS, default="M")
    if code is None:
        items = flatten(period)
        raise InputError(
            "period", 'must be "W", "M" or "Q"', items[0] if len(items) == 1 else period
        )
    return code


def _window(rolling) -> int:
    size = scalar("rolling", rolling)
    if not size.is_integer() or size < 1:
        raise InputError("rolling", "must be a whole number of at least 1", size)
    return int(min(size, 2**62))


def nps_trend(dates, scores, period="M", rolling=1, confidence=0.95) -> pd.DataFrame:
    """NPS per month, week or quarter, optionally rolling, with its confidence band.

    dates: the date of each answer; scores: the 0-10 answers (same number of
    cells). Answers with a blank score are left out. period: "M" calendar
    months (default), "W" weeks starting on Monday, "Q" calendar quarters.
    rolling: each row uses the answers of this many periods ending with it
    (default 1: its own). confidence: e.g. 0.95.

    Spills one row per period from the first to the last with answers, empty
    periods included, with the columns period (its first day), n, nps, low
    and high (NPS -/+ its margin of error as NPS_MOE, within -100 to 100).
    A row without answers has n 0 and blank nps, low and high.
    """
    code = _period_code(period)
    window = _window(rolling)
    _, z = _level(confidence)
    values("scores", scores, low=0, high=10, integer=True, scale="0-10", allow_empty=True)
    array, _ = to_floats("scores", scores)
    rows = read_rows(dates=("date", dates))
    kept = rows[ITEM]
    if kept.size != array.size:
        raise InputError(
            "scores",
            f"has {array.size} items but dates has {kept.size}; "
            "the columns must be the same length",
        )
    undated = ~kept & ~np.isnan(array)
    if undated.any():
        position = int(np.argmax(undated)) + 1
        raise InputError("dates", f"item {position} is blank but its score is not")
    kept_scores = array[kept]
    answered = ~np.isnan(kept_scores)
    if not answered.any():
        raise EmptyInputError("scores")
    answers = kept_scores[answered]
    index = period_index(rows["dates"][answered], code)

    first = int(index.min())
    offset = index - first
    n_periods = int(offset.max()) + 1
    counts = [
        np.bincount(offset, weights=weights, minlength=n_periods)
        for weights in (None, (answers >= 9).astype(float), (answers <= 6).astype(float))
    ]
    window = min(window, n_periods)
    end = np.arange(1, n_periods + 1)
    start = np.maximum(end - window, 0)
    totals = [np.concatenate(([0.0], np.cumsum(c))) for c in counts]
    n, promoters, detractors = (total[end] - total[start] for total in totals)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(n > 0, 100.0 * (promoters - detractors) / n, np.nan)
    moe = np.where(n > 0, _moe(promoters, detractors, n, z), np.nan)
    return pd.DataFrame(
        {
            "period": period_start(np.arange(first, first + n_periods), code),
            "n": np.rint(n).astype(np.int64),
            "nps": score,
            "low": np.clip(score - moe, -100.0, 100.0),
            "high": np.clip(score + moe, -100.0, 100.0),
        }
    )


def csat_ci(scores, threshold=None, scale_max=5, confidence=0.95) -> pd.DataFrame:
    """CSAT with its Wilson score confidence interval.

    scores, threshold and scale_max as for CSAT: ratings from 1 to scale_max
    (default 5), threshold the lowest satisfied rating (blank: the top two
    boxes). confidence: e.g. 0.95. Spills one row with the columns csat (the
    share satisfied), n (the answers), low and high.
    """
    share = csat(scores, threshold, scale_max)
    n = values("scores", scores).size
    satisfied = round(share * n)
    low, high = wilson_interval(satisfied, n, confidence)
    return pd.DataFrame([(share, n, low, high)], columns=["csat", "n", "low", "high"])


def ces_ci(scores, scale_max=7, confidence=0.95) -> pd.DataFrame:
    """CES with the Student-t confidence interval of the mean.

    scores, scale_max as for CES: ratings from 1 to scale_max (default 7).
    confidence: e.g. 0.95. Spills one row with the columns ces (the mean), n,
    low and high: mean -/+ t x s / sqrt(n), s the sample standard deviation
    and t from Student's t with n - 1 degrees of freedom. Needs two answers.
    """
    mean = ces(scores, scale_max)
    level, _ = _level(confidence)
    array = values("scores", scores)
    n = array.size
    if n < 2:
        raise EmptyInputError("scores", "has only 1 value; a confidence interval needs at least 2")
    t = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, n - 1))
    half = t * float(array.std(ddof=1)) / math.sqrt(n)
    return pd.DataFrame([(mean, n, mean - half, mean + half)], columns=["ces", "n", "low", "high"])


def churn_ci(start, lost, confidence=0.95) -> pd.DataFrame:
    """Churn rate with its Wilson score confidence interval, per period.

    start: customers at the start of the period; lost: customers lost during
    it, as for CHURN (one number each, or ranges of the same size: one row
    per period, paired item by item). confidence: e.g. 0.95. Spills the
    columns churn, start, lost, low and high; a period with a blank gives
    blank cells.
    """
    starts = np.ravel(quantity("start", start))  # start's errors first: it is the first column
    rate = churn(start, lost)  # CHURN's errors: lost above start, a start of 0
    level, _ = _level(confidence)
    losses = np.ravel(quantity("lost", lost))
    rates = np.ravel(rate)
    size = rates.size
    starts = np.broadcast_to(starts, size) if starts.size == 1 else starts
    losses = np.broadcast_to(losses, size) if losses.size == 1 else losses
    low, high = wilson_interval(losses, starts, level)
    return pd.DataFrame(
        {
            "churn": rates,
            "start": starts,
            "lost": losses,
            "low": np.atleast_1d(low),
            "high": np.atleast_1d(high),
        }
    )


def _share_arg(name: str, value) -> float:
    share = scalar(name, value)
    if not 0 <= share <= 1:
        raise InputError(name, "must be a share from 0 to 1", share)
    return share


def nps_sample_size(moe, confidence=0.95, promoters=0.5, detractors=0.5, population=None) -> int:
    """Answers needed for an NPS margin of error of moe points.

    moe: the margin of error wanted, in NPS points (e.g. 5). confidence: e.g.
    0.95. promoters, detractors: the expected shares (0 to 1); the defaults
    0.5 and 0.5 are the worst case. population: the number of customers, if
    the sample is a sizeable part of them (blank: no correction).

    n0 = z^2 x (p + d - (p - d)^2) x (100 / moe)^2; with a population N,
    n = n0 / (1 + (n0 - 1) / N). Rounded up, and at least 1.
    """
    margin = scalar("moe", moe)
    if not 0 < margin <= 200:
        raise InputError("moe", "must be greater than 0 and at most 200 (NPS points)", margin)
    z = _z(confidence)
    p = _share_arg("promoters", promoters)
    d = _share_arg("detractors", detractors)
    if p + d > 1 + 1e-12:
        raise InputError("detractors", f"plus promoters ({p:g}) is more than 1", d)
    size = z * z * _nps_variance(p, d) * (100.0 / margin) ** 2
    if population is not None:
        total = scalar("population", population)
        if not total.is_integer() or total < 1:
            raise InputError("population", "must be a whole number of at least 1", total)
        size = size / (1.0 + (size - 1.0) / total)
    return max(1, math.ceil(round(size, 9)))
