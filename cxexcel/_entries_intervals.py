"""Catalogue entries of the survey statistics (``cxexcel.metrics.intervals``).

Worked examples: the Wilson interval is checked against the published
figures of Newcombe (1998), the rest against figures worked by hand (the
steps are in each example's source text); z = 1.959964 for 95%.
"""

from __future__ import annotations

import pandas as pd

from . import metrics as m
from .catalog import Example, register

HAND = "hand-checked"
NEWCOMBE = (
    "Newcombe, R. G. (1998) Two-sided confidence intervals for the single proportion, "
    "Statistics in Medicine 17, 857-872, Table I: 81/263, Wilson score method "
    "(Wilson 1927, no continuity correction) 0.2553 to 0.3662"
)

# Groups A, B and a blank group; the blank score of the last row is left out.
NPS_BY_SCORES = [[10], [10], [9], [3], [6], [5], [8], [10], [9], [None]]
NPS_BY_GROUPS = ["A", "A", "A", "A", "B", "B", "B", "B", None, "B"]

# Monthly answers: 10, 9, 3 in January, none in February, 10, 8 in March, 6 in April.
TREND_DATES = ["2024-01-05", "2024-01-17", "2024-01-30", "2024-03-02", "2024-03-28", "2024-04-10"]
TREND_SCORES = [[10], [9], [3], [10], [8], [6]]

SCORES = "The 0-10 answers. Blanks are ignored."
CONFIDENCE = "Confidence level between 0 and 1 (default 0.95)."


def _month(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


register(
    "NPS_BY",
    m.nps_by,
    "NPS per group with its margin of error and a test of each group against all other answers.",
    [
        ("scores", "The 0-10 answers. Answers with a blank score are left out."),
        (
            "groups",
            "The group (segment, channel, region ...) of each answer; a blank is '(blank)'.",
            "text",
        ),
        (
            "confidence",
            "Confidence level of the margin of error and the test (default 0.95).",
            "value",
        ),
    ],
    "Survey",
    (
        Example(
            (NPS_BY_SCORES, NPS_BY_GROUPS),
            [
                ["group", "n", "nps", "moe", "p_value", "significant"],
                ["(blank)", 1, 100.0, 0.0, 0.728542982, False],
                ["A", 4, 50.0, 84.868930056, 0.508253908, False],
                ["B", 4, -25.0, 81.255814242, 0.212988433, False],
                ["All", 9, 22.222222222, 59.860285412, None, None],
            ],
            HAND + ": A 10,10,9,3 (3 promoters, 1 detractor): NPS 50, "
            "moe 100 x z x sqrt(0.75/4) = 84.869; B 6,5,8,10: NPS -25, "
            "moe 100 x z x sqrt((0.75 - 0.0625)/4) = 81.256; (blank) 9: NPS 100, moe 0; "
            "All 9 answers, 5 and 3: NPS 22.22, moe 100 x z x sqrt((8/9 - 4/81)/9) = 59.860. "
            "p-values, adjusted Wald (n + 3, counts + 0.75): A 3.75/7 and 1.75/7 against "
            "the other 5 answers 2.75/8 and 2.75/8: z = 0.2857/sqrt(0.10058 + 0.08594) "
            "= 0.6616, p = 0.5083; B against the other 5 (4 and 1 of 5): z = -1.2454, "
            "p = 0.2130; (blank) against the other 8 (4 and 3): z = 0.3471, p = 0.7285",
            1e-6,
        ),
        Example(
            ([[10]] * 8 + [[3]] * 2 + [[3]] * 8 + [[10]] * 2, ["A"] * 10 + ["B"] * 10),
            [
                ["group", "n", "nps", "moe", "p_value", "significant"],
                ["A", 10, 60.0, 49.583602584, 0.004082624, True],
                ["B", 10, -60.0, 49.583602584, 0.004082624, True],
                ["All", 20, 0.0, 43.826127029, None, None],
            ],
            HAND + ": the NPS_TEST example as two groups: p = 0.0041 < 0.05; "
            "moe 100 x z x sqrt((1 - 0.36)/10) = 49.584, All 100 x z x sqrt(1/20) = 43.826",
            1e-6,
        ),
    ),
    returns="table",
)
register(
    "NPS_TREND",
    m.nps_trend,
    "NPS per month, week or quarter (optionally rolling) with its confidence band, empty periods included.",
    [
        ("dates", "The date of each answer.", "dates"),
        ("scores", "The 0-10 answers. Answers with a blank score are left out."),
        ("period", 'Period: "M" month (default), "W" week from Monday, "Q" quarter.', "text"),
        (
            "rolling",
            "Number of periods each row covers, ending with its own (default 1).",
            "value",
        ),
        ("confidence", CONFIDENCE, "value"),
    ],
    "Survey",
    (
        Example(
            (TREND_DATES, TREND_SCORES),
            [
                ["period", "n", "nps", "low", "high"],
                [_month("2024-01-01"), 3, 100 / 3, -73.353592808, 100.0],
                [_month("2024-02-01"), 0, None, None, None],
                [_month("2024-03-01"), 2, 50.0, -19.295191217, 100.0],
                [_month("2024-04-01"), 1, -100.0, -100.0, -100.0],
            ],
            HAND + ": January 10, 9, 3: NPS 33.33, moe 100 x z x sqrt((1 - 1/9)/3) = 106.687, "
            "band -73.35 to 100 (kept within -100..100); February has no answers; "
            "March 10, 8: NPS 50, moe 100 x z x sqrt(0.25/2) = 69.295; April 6: -100, moe 0",
            1e-6,
        ),
        Example(
            (TREND_DATES, TREND_SCORES, "M", 2),
            [
                ["period", "n", "nps", "low", "high"],
                [_month("2024-01-01"), 3, 100 / 3, -73.353592808, 100.0],
                [_month("2024-02-01"), 3, 100 / 3, -73.353592808, 100.0],
                [_month("2024-03-01"), 2, 50.0, -19.295191217, 100.0],
                [_month("2024-04-01"), 3, 0.0, -92.393588290, 92.393588290],
            ],
            HAND + ": two months rolling: February repeats January, April takes "
            "March's 10, 8 and its own 6: NPS 0, moe 100 x z x sqrt((2/3)/3) = 92.394",
            1e-6,
        ),
    ),
    returns="table",
)
register(
    "CSAT_CI",
    m.csat_ci,
    "CSAT with its Wilson score confidence interval: csat, n, low, high.",
    [
        ("scores", "Ratings from 1 to scale_max. Blanks are ignored."),
        (
            "threshold",
            "Lowest satisfied rating (default: scale_max - 1, the top two boxes).",
            "value",
        ),
        ("scale_max", "Highest rating on the scale (default 5).", "value"),
        ("confidence", CONFIDENCE, "value"),
    ],
    "Survey",
    (
        Example(
            ([[5]] * 81 + [[2]] * 182,),
            [["csat", "n", "low", "high"], [81 / 263, 263, 0.2553, 0.3662]],
            NEWCOMBE,
            5e-5,
        ),
        Example(
            ([[5]] * 250 + [[4]] * 150 + [[2]] * 100,),
            [["csat", "n", "low", "high"], [0.8, 500, 0.762710895, 0.832714501]],
            HAND + ": 400 of 500, centre (400 + 1.92073)/503.84146 = 0.797713, "
            "half-width 1.959964 x sqrt(80 + 0.96036)/503.84146 = 0.035002",
            1e-6,
        ),
    ),
    returns="table",
)
register(
    "CES_CI",
    m.ces_ci,
    "CES with the Student-t confidence interval of the mean: ces, n, low, high.",
    [
        ("scores", "Agreement ratings from 1 to scale_max. Blanks are ignored."),
        ("scale_max", "Highest rating on the scale (default 7).", "value"),
        ("confidence", CONFIDENCE, "value"),
    ],
    "Survey",
    (
        Example(
            ([[7], [6], [5], [2]],),
            [["ces", "n", "low", "high"], [5.0, 4, 1.562565118, 8.437434882]],
            HAND + ": mean 5, s = sqrt(14/3) = 2.160247, t(0.975, 3 df) = 3.182446, "
            "5 -/+ 3.182446 x 2.160247 / 2 = 5 -/+ 3.437435",
            1e-6,
        ),
    ),
    returns="table",
)
register(
    "CHURN_CI",
    m.churn_ci,
    "Churn rate with its Wilson score confidence interval, one row per period.",
    [
        ("start", "Customers at the start of the period (a number or a range, one per period)."),
        ("lost", "Customers lost during the period (new customers are not counted)."),
        ("confidence", CONFIDENCE, "value"),
    ],
    "Customers",
    (
        Example(
            (263, 81),
            [["churn", "start", "lost", "low", "high"], [81 / 263, 263, 81, 0.2553, 0.3662]],
            NEWCOMBE,
            5e-5,
        ),
        Example(
            ([[1000], [100]], [[50], [5]]),
            [
                ["churn", "start", "lost", "low", "high"],
                [0.05, 1000, 50, 0.038130262, 0.065313820],
                [0.05, 100, 5, 0.021543679, 0.111750469],
            ],
            HAND + ": one row per period; 50 of 1,000: centre 51.92073/1003.84146, "
            "half-width 1.959964 x sqrt(47.5 + 0.96036)/1003.84146; 5 of 100: "
            "centre 6.92073/103.84146, half-width 1.959964 x sqrt(4.75 + 0.96036)/103.84146",
            1e-6,
        ),
    ),
    returns="table",
)
register(
    "NPS_SAMPLE_SIZE",
    m.nps_sample_size,
    "Answers needed for an NPS margin of error of moe points (worst case by default).",
    [
        ("moe", "Margin of error wanted, in NPS points (e.g. 5).", "value"),
        ("confidence", CONFIDENCE, "value"),
        ("promoters", "Expected share of promoters, 0 to 1 (default 0.5).", "value"),
        ("detractors", "Expected share of detractors, 0 to 1 (default 0.5).", "value"),
        (
            "population",
            "Number of customers surveyed from, for the finite population correction "
            "(default: none).",
            "value",
        ),
    ],
    "Survey",
    (
        Example(
            (5,),
            1537,
            HAND + ": 1.959964^2 x (0.5 + 0.5 - 0^2) x (100/5)^2 = 1536.58, rounded up",
        ),
        Example(
            (5, 0.95, 0.6, 0.2),
            984,
            HAND + ": 3.841459 x (0.8 - 0.16) x 400 = 983.41, rounded up",
        ),
        Example(
            (5, 0.95, 0.5, 0.5, 1000),
            607,
            HAND + ": 1536.58 / (1 + 1535.58/1000) = 606.01, rounded up",
        ),
    ),
)
