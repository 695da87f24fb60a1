"""Revenue and value metrics: CLV, CAC and their ratio, MRR, NRR/GRR, quick ratio.

Amount arguments take one number or a range; ranges of the same size are
computed element by element, and a blank in a range gives a blank result.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._inputs import broadcast, quantity, ratio, result, values

__all__ = [
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
]

HEALTHY_CLV_CAC = 3.0
"""CLV:CAC at or above this is healthy; at or below 1 it is a loss; between, slim."""


def _margin(gross_margin) -> np.ndarray:
    margin = quantity("gross_margin", gross_margin)
    over = margin > 1
    if over.any():
        raise InputError(
            "gross_margin",
            "must be a fraction from 0 to 1",
            margin.ravel()[np.argmax(over.ravel())],
        )
    return margin


def clv(apv, apf, acl):
    """Customer lifetime value: average purchase value x purchases per year x lifespan in years."""
    apv_a, apf_a, acl_a = broadcast(
        apv=quantity("apv", apv), apf=quantity("apf", apf), acl=quantity("acl", acl)
    )
    return result(apv_a * apf_a * acl_a)


def clv_churn(arpa, churn, gross_margin=1):
    """Subscription CLV: ARPA x gross margin / churn rate (churn per the same period as ARPA)."""
    arpa_a, churn_a, margin_a = broadcast(
        arpa=quantity("arpa", arpa),
        churn=quantity("churn", churn),
        gross_margin=_margin(gross_margin),
    )
    over = churn_a > 1
    if over.any():
        raise InputError(
            "churn", "must be a rate from 0 to 1", churn_a.ravel()[np.argmax(over.ravel())]
        )
    return ratio(arpa_a * margin_a, churn_a, "churn")


def cac(cost, new_customers):
    """Customer acquisition cost: sales and marketing cost of a period / customers acquired in it."""
    cost_a, new_a = broadcast(
        cost=quantity("cost", cost), new_customers=quantity("new_customers", new_customers)
    )
    return ratio(cost_a, new_a, "new_customers")


def clv_cac(clv, cac):
    """CLV:CAC ratio. 3 or more is healthy, about 2 a slim profit, 1 or less a loss."""
    clv_a, cac_a = broadcast(clv=quantity("clv", clv), cac=quantity("cac", cac))
    return ratio(clv_a, cac_a, "cac")


def clv_cac_rating(clv, cac):
    """The CLV:CAC ratio rated as text: "healthy" (3 or more), "slim" (above 1), or "loss" (1 or less)."""
    ratios = np.asarray(clv_cac(clv, cac), dtype=float)

    def rate(value: float) -> str:
        if np.isnan(value):
            return ""
        if value >= HEALTHY_CLV_CAC:
            return "healthy"
        return "slim" if value > 1 else "loss"

    if ratios.ndim == 0:
        return rate(float(ratios))
    return np.vectorize(rate, otypes=[object])(ratios)


def profit_per_customer(clv, cac):
    """Profit per customer: CLV - CAC (not the ratio; see CX.CLV_CAC for that)."""
    clv_a, cac_a = broadcast(clv=quantity("clv", clv), cac=quantity("cac", cac))
    return result(clv_a - cac_a)


def cac_payback(cac, arpa, gross_margin=1):
    """Months to earn back CAC: CAC / (monthly ARPA x gross margin)."""
    cac_a, arpa_a, margin_a = broadcast(
        cac=quantity("cac", cac), arpa=quantity("arpa", arpa), gross_margin=_margin(gross_margin)
    )
    return ratio(cac_a, arpa_a * margin_a, "arpa")


def mrr(customers, arpc=None):
    """Monthly recurring revenue: active customers x average revenue per customer.

    Give the two numbers, or a single range of monthly amounts to add up.
    """
    if arpc is None:
        return float(values("customers", customers, low=0).sum())
    customers_a, arpc_a = broadcast(
        customers=quantity("customers", customers), arpc=quantity("arpc", arpc)
    )
    return result(customers_a * arpc_a)


def expansion_mrr(customers, arpc, nonrecurring):
    """MRR plus the average monthly revenue from non-recurring purchases (upsell, cross-sell, add-ons)."""
    customers_a, arpc_a, extra_a = broadcast(
        customers=quantity("customers", customers),
        arpc=quantity("arpc", arpc),
        nonrecurring=quantity("nonrecurring", nonrecurring),
    )
    return result(customers_a * arpc_a + extra_a)


def growth_mrr(mrr_now, mrr_before):
    """MRR growth from existing customers: MRR now - MRR before (ranges are summed)."""
    now = values("mrr_now", mrr_now, low=0).sum()
    before = values("mrr_before", mrr_before, low=0).sum()
    return float(now - before)


def crc(retention_cost, customers):
    """Customer retention cost per customer: retention spend / customers."""
    cost_a, customers_a = broadcast(
        retention_cost=quantity("retention_cost", retention_cost),
        customers=quantity("customers", customers),
    )
    return ratio(cost_a, customers_a, "customers")


def _revenue_share(part_name, part, total_name, total):
    part_a, total_a = broadcast(
        **{part_name: quantity(part_name, part), total_name: quantity(total_name, total)}
    )
    over = part_a > total_a
    if over.any():
        index = int(np.argmax(over.ravel()))
        raise InputError(
            part_name,
            f"is more than {total_name} ({total_a.ravel()[index]:g})",
            part_a.ravel()[index],
        )
    return ratio(part_a, total_a, total_name)


def upsell_share(upsell_revenue, total_revenue):
    """Upsell revenue as a share of total revenue (10-30% young companies, 50%+ mature ones)."""
    return _revenue_share("upsell_revenue", upsell_revenue, "total_revenue", total_revenue)


def existing_revenue_share(existing_revenue, total_revenue):
    """Share of revenue from existing customers (30% on average, 50% for top performers)."""
    return _revenue_share("existing_revenue", existing_revenue, "total_revenue", total_revenue)


def clv_per_capex(clv, capex):
    """CLV per dollar of capital expenditure."""
    clv_a, capex_a = broadcast(clv=quantity("clv", clv), capex=quantity("capex", capex))
    return ratio(clv_a, capex_a, "capex")


def nrr(start_mrr, expansion, contraction, churned):
    """Net revenue retention: (start MRR + expansion - contraction - churned) / start MRR."""
    start, grow, shrink, lost = broadcast(
        start_mrr=quantity("start_mrr", start_mrr),
        expansion=quantity("expansion", expansion),
        contraction=quantity("contraction", contraction),
        churned=quantity("churned", churned),
    )
    _not_more_than_start(shrink + lost, start)
    return ratio(start + grow - shrink - lost, start, "start_mrr")


def grr(start_mrr, contraction, churned):
    """Gross revenue retention: (start MRR - contraction - churned) / start MRR."""
    start, shrink, lost = broadcast(
        start_mrr=quantity("start_mrr", start_mrr),
        contraction=quantity("contraction", contraction),
        churned=quantity("churned", churned),
    )
    _not_more_than_start(shrink + lost, start)
    return ratio(start - shrink - lost, start, "start_mrr")


def _not_more_than_start(lost: np.ndarray, start: np.ndarray) -> None:
    over = lost > start
    if over.any():
        index = int(np.argmax(over.ravel()))
        raise InputError(
            "churned",
            f"plus contraction ({lost.ravel()[index]:g}) is more than start_mrr ({start.ravel()[index]:g})",
        )


def quick_ratio(new, expansion, contraction, churned, reactivation=0):
    """SaaS quick ratio: (new + expansion + reactivation MRR) / (contraction + churned MRR)."""
    new_a, grow, shrink, lost, back = broadcast(
        new=quantity("new", new),
        expansion=quantity("expansion", expansion),
        contraction=quantity("contraction", contraction),
        churned=quantity("churned", churned),
        reactivation=quantity("reactivation", reactivation),
    )
    return ratio(new_a + grow + back, shrink + lost, "contraction + churned")
