"""Survey metrics from answer counts: the same figures as from the answers.

A large survey reaches the core as counts per score value (``values`` and
``counts``, one pair per distinct score, from the engine's
``score_counts``) rather than one number per answer. Each function here
gives what its namesake in :mod:`cxexcel.metrics.survey` gives on the
answers those counts stand for, with the same checks of the score values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, InputError
from ._inputs import scalar
from .survey import _cutoffs, _nps_variance, _rating_scale, _z

__all__ = ["nps_counts", "nps_moe_counts", "nps_table_counts", "csat_counts", "ces_counts"]


def _tally(name: str, values, counts, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Score values and their counts, checked: whole numbers within low-high,
    counts whole and >= 0, and at least one answer."""
    scores = np.asarray(values, dtype=float).ravel()
    weights = np.asarray(counts, dtype=float).ravel()
    if scores.size != weights.size:
        raise InputError(name, f"has {scores.size} values but {weights.size} counts")
    bad = np.isnan(scores) | (scores < low) | (scores > high) | (scores != np.round(scores))
    if bad.any():
        value = scores[np.argmax(bad)]
        raise InputError(name, f"is outside {low:g}-{high:g} or not a whole number", value)
    if (weights < 0).any() or (weights != np.round(weights)).any():
        raise InputError(name, "has counts that are not whole numbers >= 0")
    if weights.sum() == 0:
        raise EmptyInputError(name)
    return scores, weights


def _shares(scores, weights, promoter_min=9, detractor_max=6) -> tuple[float, float, float]:
    n = float(weights.sum())
    return (
        float(weights[scores >= promoter_min].sum()),
        float(weights[scores <= detractor_max].sum()),
        n,
    )


def nps_counts(values, counts, promoter_min=9, detractor_max=6) -> float:
    """NPS (-100 to 100) of answers counted per 0-10 score value."""
    promoter, detractor = _cutoffs(promoter_min, detractor_max)
    p, d, n = _shares(*_tally("scores", values, counts, 0, 10), promoter, detractor)
    return 100.0 * (p - d) / n


def nps_moe_counts(values, counts, confidence=0.95) -> float:
    """Margin of error of the NPS, in points, of answers counted per score value."""
    z = _z(confidence)
    p, d, n = _shares(*_tally("scores", values, counts, 0, 10))
    return 100.0 * z * math.sqrt(_nps_variance(p / n, d / n) / n)


def csat_counts(values, counts, threshold=None, scale_max=5) -> float:
    """CSAT (share at or above ``threshold``, default top-2-box) of counted ratings."""
    top = _rating_scale("scale_max", scale_max)
    scores, weights = _tally("scores", values, counts, 1, top)
    if threshold is None:
        cut = top - 1
    else:
        cut = scalar("threshold", threshold)
        if not 1 <= cut <= top:
            raise InputError("threshold", f"is outside 1-{top}", cut)
    return float(weights[scores >= cut].sum()) / float(weights.sum())


def ces_counts(values, counts, scale_max=7) -> float:
    """CES (mean rating, 1 to ``scale_max``) of counted ratings."""
    top = _rating_scale("scale_max", scale_max)
    scores, weights = _tally("scores", values, counts, 1, top)
    return float((scores * weights).sum() / weights.sum())


def nps_table_counts(values, counts) -> pd.DataFrame:
    """``nps_table`` of answers counted per 0-10 score value: promoters,
    passives and detractors (counts and shares), n, NPS and its margin of error."""
    scores, weights = _tally("scores", values, counts, 0, 10)
    promoters, detractors, n = _shares(scores, weights)
    passives = n - promoters - detractors
    rows = [
        ("Promoters (9-10)", int(promoters), promoters / n),
        ("Passives (7-8)", int(passives), passives / n),
        ("Detractors (0-6)", int(detractors), detractors / n),
        ("Responses", int(n), 1.0),
        ("NPS", 100.0 * (promoters - detractors) / n, None),
        ("NPS margin of error (95%)", nps_moe_counts(scores, weights), None),
    ]
    return pd.DataFrame(rows, columns=["group", "count", "share"])
