"""Survey metrics: NPS and its statistics, CSAT, CES and CXI."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..errors import InputError
from ._inputs import scalar, values

__all__ = ["nps", "nps_moe", "nps_test", "nps_table", "csat", "ces", "cxi"]


def _nps_scores(name: str, scores: object) -> np.ndarray:
    return values(name, scores, low=0, high=10, integer=True, scale="0-10")


def _cutoffs(promoter_min: object, detractor_max: object) -> tuple[float, float]:
    promoter = scalar("promoter_min", promoter_min)
    detractor = scalar("detractor_max", detractor_max)
    if not 0 <= detractor < promoter <= 10:
        raise InputError(
            "detractor_max",
            f"must be below promoter_min ({promoter:g}) and both within 0-10",
            detractor,
        )
    return promoter, detractor


def _shares(scores: np.ndarray, promoter_min: float = 9, detractor_max: float = 6):
    n = scores.size
    promoters = int(np.count_nonzero(scores >= promoter_min))
    detractors = int(np.count_nonzero(scores <= detractor_max))
    return promoters, detractors, n


def nps(scores, promoter_min=9, detractor_max=6) -> float:
    """Net Promoter Score: % promoters minus % detractors, from -100 to 100.

    scores: the 0-10 answers to "How likely are you to recommend us?"; blanks
    are ignored. promoter_min (default 9) and detractor_max (default 6) set the
    cut-offs; 7-8 are passives.
    """
    promoter, detractor = _cutoffs(promoter_min, detractor_max)
    p, d, n = _shares(_nps_scores("scores", scores), promoter, detractor)
    return 100.0 * (p - d) / n


def _z(confidence: object) -> float:
    level = scalar("confidence", confidence)
    if not 0 < level < 1:
        raise InputError("confidence", "must be between 0 and 1 (e.g. 0.95)", level)
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def _nps_variance(p: float, d: float) -> float:
    return p + d - (p - d) ** 2


def nps_moe(scores, confidence=0.95) -> float:
    """Margin of error of the NPS, in NPS points, at the given confidence level.

    scores: the 0-10 answers; confidence: e.g. 0.95 for 95%. Uses
    100 x z x sqrt((p + d - (p - d)^2) / n) with p, d the promoter and
    detractor shares and z from the normal distribution.
    """
    z = _z(confidence)
    promoters, detractors, n = _shares(_nps_scores("scores", scores))
    variance = _nps_variance(promoters / n, detractors / n)
    return 100.0 * z * math.sqrt(variance / n)


def nps_test(scores_a, scores_b) -> float:
    """Two-sided p-value that two groups' NPS differ (adjusted Wald z test).

    scores_a, scores_b: the 0-10 answers of the two groups. Each group gets 3
    added to its n and 3/4 to its promoter and detractor counts before the
    z test on the difference, which keeps small samples honest.
    """
    estimates = []
    for name, scores in (("scores_a", scores_a), ("scores_b", scores_b)):
        promoters, detractors, n = _shares(_nps_scores(name, scores))
        n_adj = n + 3
        p = (promoters + 0.75) / n_adj
        d = (detractors + 0.75) / n_adj
        estimates.append((p - d, _nps_variance(p, d) / n_adj))
    (nps_a, var_a), (nps_b, var_b) = estimates
    z = (nps_a - nps_b) / math.sqrt(var_a + var_b)
    return min(1.0, 2.0 * (1.0 - NormalDist().cdf(abs(z))))


def nps_table(scores) -> pd.DataFrame:
    """Counts and shares of promoters, passives and detractors, with n, NPS and its margin of error.

    scores: the 0-10 answers. Spills a table with the columns group, count, share.
    """
    array = _nps_scores("scores", scores)
    promoters, detractors, n = _shares(array)
    passives = n - promoters - detractors
    rows = [
        ("Promoters (9-10)", promoters, promoters / n),
        ("Passives (7-8)", passives, passives / n),
        ("Detractors (0-6)", detractors, detractors / n),
        ("Responses", n, 1.0),
        ("NPS", 100.0 * (promoters - detractors) / n, None),
        ("NPS margin of error (95%)", nps_moe(array), None),
    ]
    return pd.DataFrame(rows, columns=["group", "count", "share"])


def _rating_scale(name: str, scale_max: object, low: int = 1) -> int:
    top = scalar(name, scale_max)
    if not top.is_integer() or top < low + 1:
        raise InputError(name, f"must be a whole number of at least {low + 1}", top)
    return int(top)


def csat(scores, threshold=None, scale_max=5) -> float:
    """Customer Satisfaction: the share of responses at or above the threshold.

    scores: ratings from 1 to scale_max (default 5). threshold: the lowest
    satisfied rating; blank means top-2-box (4 or 5 on a 5-point scale).
    """
    top = _rating_scale("scale_max", scale_max)
    array = values("scores", scores, low=1, high=top, integer=True, scale=f"1-{top}")
    if threshold is None:
        cut = top - 1
    else:
        cut = scalar("threshold", threshold)
        if not 1 <= cut <= top:
            raise InputError("threshold", f"is outside 1-{top}", cut)
    return float(np.count_nonzero(array >= cut)) / array.size


def ces(scores, scale_max=7) -> float:
    """Customer Effort Score: the mean agreement (1 to scale_max) with "it was easy to ...".

    scores: ratings from 1 to scale_max (default 7). Higher means easier.
    """
    top = _rating_scale("scale_max", scale_max)
    array = values("scores", scores, low=1, high=top, integer=True, scale=f"1-{top}")
    return float(array.mean())


def cxi(effort, empathy, understanding, efficiency) -> float:
    """Customer Experience Index from four 1-5 rating ranges, from -100 to 100.

    Per component: % top-2-box (4-5) minus % bottom-2-box (1-2); CXI is the
    mean of the four components.
    """
    components = []
    for name, ratings in (
        ("effort", effort),
        ("empathy", empathy),
        ("understanding", understanding),
        ("efficiency", efficiency),
    ):
        array = values(name, ratings, low=1, high=5, integer=True, scale="1-5")
        top = np.count_nonzero(array >= 4)
        bottom = np.count_nonzero(array <= 2)
        components.append(100.0 * (top - bottom) / array.size)
    return float(np.mean(components))
