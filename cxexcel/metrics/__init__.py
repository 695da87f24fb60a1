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
from .movements import mrr_movements
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
    # customers
    "churn",
    "retention",
    "repeat_rate",
    "stickiness",
    "open_rate",
    "click_rate",
    "time_on_site",
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
    # table analytics
    "mrr_movements",
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
