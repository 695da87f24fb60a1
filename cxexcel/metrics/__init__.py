"""The pure metric core: plain functions on numbers, ranges, arrays and DataFrames.

Nothing here reads or writes files or talks to Excel. Every function raises a
``cxexcel.errors.CxError`` for input it cannot use.
"""

from __future__ import annotations

import importlib

# Each public name and the module that defines it: the modules load on first
# use, so a caller of a few survey functions does not wait for SciPy's optimisers.
_SOURCES = {
    "clv_models": (
        "BGNBDParams",
        "CLVModel",
        "GammaGammaParams",
        "expected_average_spend",
        "expected_purchases",
        "fit_bgnbd",
        "fit_clv_model",
        "fit_gamma_gamma",
        "predict_clv",
        "prob_alive",
        "rfm",
    ),
    "cohorts": ("cohort_table", "cohorts"),
    "customers": (
        "churn",
        "click_rate",
        "open_rate",
        "repeat_rate",
        "retention",
        "stickiness",
        "time_on_site",
    ),
    "intervals": ("ces_ci", "churn_ci", "csat_ci", "nps_by", "nps_sample_size", "nps_trend"),
    "movements": ("mrr_movements",),
    "mrr_retention": (
        "annualized_churn",
        "arr",
        "churn_table",
        "revenue_cohorts",
        "revenue_retention",
    ),
    "revenue": (
        "cac",
        "cac_payback",
        "clv",
        "clv_cac",
        "clv_cac_rating",
        "clv_churn",
        "clv_per_capex",
        "crc",
        "existing_revenue_share",
        "expansion_mrr",
        "growth_mrr",
        "grr",
        "mrr",
        "nrr",
        "profit_per_customer",
        "quick_ratio",
        "upsell_share",
    ),
    "survey": ("ces", "csat", "cxi", "nps", "nps_moe", "nps_table", "nps_test"),
    "survival": ("median_lifetime", "survival"),
}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}

# Functions named like their module are bound now: importing the module
# ``cohorts`` or ``survival`` (as other modules do) would otherwise leave
# the package attribute pointing at the module instead of the function.
from .cohorts import cohorts  # noqa: E402
from .survival import survival  # noqa: E402

__all__ = [
    # survey
    "nps",
    "nps_moe",
    "nps_test",
    "nps_table",
    "csat",
    "ces",
    "cxi",
    "nps_by",
    "nps_trend",
    "csat_ci",
    "ces_ci",
    "nps_sample_size",
    # customers
    "churn",
    "retention",
    "repeat_rate",
    "stickiness",
    "open_rate",
    "click_rate",
    "time_on_site",
    "churn_ci",
    "annualized_churn",
    # revenue and value
    "clv",
    "clv_churn",
    "cac",
    "clv_cac",
    "clv_cac_rating",
    "profit_per_customer",
    "cac_payback",
    "mrr",
    "expansion_mrr",
    "growth_mrr",
    "crc",
    "upsell_share",
    "existing_revenue_share",
    "clv_per_capex",
    "nrr",
    "grr",
    "quick_ratio",
    "arr",
    # table analytics
    "mrr_movements",
    "revenue_retention",
    "revenue_cohorts",
    "churn_table",
    "cohorts",
    "cohort_table",
    "survival",
    "median_lifetime",
    "rfm",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "prob_alive",
    "expected_purchases",
    "expected_average_spend",
    "predict_clv",
    "fit_clv_model",
    "CLVModel",
    "BGNBDParams",
    "GammaGammaParams",
]


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
