"""Calendar periods as integers, the same on every backend."""

from __future__ import annotations

from ibis.expr.types import Column

__all__ = ["EPOCH_YEAR", "month_index"]

EPOCH_YEAR = 1970
"""Month numbers count from January 1970, as NumPy's ``datetime64[M]`` does
(``cxexcel.metrics.cohorts.period_index``), so the core reads them as is."""


def month_index(date: Column) -> Column:
    """The month of ``date`` as a number: (year - 1970) x 12 + month - 1."""
    return (date.year() - EPOCH_YEAR) * 12 + date.month() - 1
