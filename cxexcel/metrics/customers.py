"""Customer metrics: churn, retention, repeat purchases, engagement.

Count arguments take one number or a range; ranges of the same size are
computed element by element (one result per period), and a blank in a
range gives a blank result for that period.
"""

from __future__ import annotations

import numpy as np

from ..errors import EmptyInputError, InputError
from ._inputs import broadcast, flatten, is_blank, quantity, ratio, result, values

__all__ = [
    "churn",
    "retention",
    "repeat_rate",
    "stickiness",
    "open_rate",
    "click_rate",
    "time_on_site",
]


def _not_above(part_name: str, part: np.ndarray, whole_name: str, whole: np.ndarray) -> None:
    """Raise if a part (lost, repeat customers, opens) exceeds its whole."""
    over = part > whole
    if over.any():
        index = int(np.argmax(over.ravel()))
        value = part.ravel()[index]
        position = index + 1 if part.size > 1 else None
        raise InputError(
            part_name, f"is more than {whole_name} ({whole.ravel()[index]:g})", value, position
        )


def _share(part_name: str, part, whole_name: str, whole):
    part_array = quantity(part_name, part)
    whole_array = quantity(whole_name, whole)
    part_array, whole_array = broadcast(**{part_name: part_array, whole_name: whole_array})
    _not_above(part_name, part_array, whole_name, whole_array)
    return ratio(part_array, whole_array, whole_name)


def churn(start, lost):
    """Customer churn rate: customers lost in the period / customers at its start.

    start: customers at the start of the period; lost: customers lost during
    it. Customers won during the period are not in the denominator.
    """
    return _share("lost", lost, "start", start)


def retention(start, end, new):
    """Customer retention rate: (customers at the end - new customers) / customers at the start."""
    start_a, end_a, new_a = broadcast(
        start=quantity("start", start), end=quantity("end", end), new=quantity("new", new)
    )
    _not_above("new", new_a, "end", end_a)
    kept = end_a - new_a
    _not_above("end - new", kept, "start", start_a)
    return ratio(kept, start_a, "start")


def repeat_rate(repeat_customers, customers=None):
    """Repeat purchase rate: customers with two or more orders / all customers.

    Give either the two counts (repeat_customers, customers), or a single
    range of order customer ids: then customers with 2+ orders / distinct ids.
    """
    if customers is not None:
        return _share("repeat_customers", repeat_customers, "customers", customers)
    ids = [item for item in flatten(repeat_customers) if not is_blank(item)]
    if not ids:
        raise EmptyInputError("repeat_customers")
    keys = [str(int(i)) if isinstance(i, float) and i.is_integer() else str(i) for i in ids]
    _, counts = np.unique(np.array(keys, dtype=object).astype(str), return_counts=True)
    return float(np.count_nonzero(counts >= 2)) / counts.size


def stickiness(dau, mau):
    """Stickiness: daily active users / monthly active users (DAU/MAU)."""
    return _share("dau", dau, "mau", mau)


def open_rate(opens, delivered):
    """Email open rate: opened emails / delivered emails of a campaign to current customers."""
    return _share("opens", opens, "delivered", delivered)


def click_rate(clicks, delivered):
    """Email click rate: emails with a click / delivered emails of a campaign."""
    return _share("clicks", clicks, "delivered", delivered)


def time_on_site(durations, visitors=None):
    """Mean time on site, in the unit of the durations (e.g. minutes).

    Give a range of visit durations, or the total time and the number of
    visitors (total_time in the first argument, visitors in the second).
    """
    if visitors is not None:
        total, count = broadcast(
            durations=quantity("durations", durations), visitors=quantity("visitors", visitors)
        )
        return ratio(total, count, "visitors")
    array = values("durations", durations, low=0)
    if array.size == 0:
        raise EmptyInputError("durations")
    return result(array.mean())
