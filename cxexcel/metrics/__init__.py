"""The pure metric core: plain functions on numbers, ranges, arrays and DataFrames.

Nothing here reads or writes files or talks to Excel. Every function raises a
``cxexcel.errors.CxError`` for input it cannot use.
"""

from .clv_models import (
    BGNBDParams,
    CLVModel,
    GammaGammaParams,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_clv_model,
    fit_gamma_gamma,
    predict_clv,
    prob_alive,
    rfm,
)
from .cohorts import cohort_table, cohorts
from .customers import (
    churn,
    click_rate,
    open_rate,
    repeat_rate,
    retention,
    stickiness,
    time_on_site,
)
from .intervals import ces_ci, churn_ci, csat_ci, nps_by, nps_sample_size, nps_trend
from .movements import mrr_movements
from .mrr_retention import annualized_churn, arr, churn_table, revenue_cohorts, revenue_retention
from .revenue import (
    cac,
    cac_payback,
    clv,
    clv_cac,
    clv_cac_rating,
    clv_churn,
    clv_per_capex,
    crc,
    existing_revenue_share,
    expansion_mrr,
    growth_mrr,
    grr,
    mrr,
    nrr,
    profit_per_customer,
    quick_ratio,
    upsell_share,
)
from .survey import ces, csat, cxi, nps, nps_moe, nps_table, nps_test
from .survival import median_lifetime, survival

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
