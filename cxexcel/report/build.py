"""``build_report``: validated input tables in, a description of the metric sheets out.

The sheets, in tab order, each present only when the tables it needs are:

=============  ======================================================
CX Summary     any of Responses, Subscriptions, Spend
CX Surveys     Responses
CX Revenue     Subscriptions
CX Customers   any of Subscriptions, Orders, Engagement, Spend
CX Cohorts     Subscriptions or Orders
CX CLV         Orders
CX Orders      Orders
CX Accounts    Subscriptions (joined to Responses by customer where it can)
CX Checks      Subscriptions or Responses (reconciliations, PASS/FAIL)
=============  ======================================================

Every figure is computed by :mod:`cxexcel.metrics`; this package only
groups rows (by month, segment, cohort) and lays the results out. The
layout lives here and nowhere else: the writers render the returned
:class:`~cxexcel.report.model.Report` as it stands.

The report holds aggregates only (per month, per segment, top lists), so
its size does not grow with the number of input rows — except the verbatim
comments, capped at :data:`cxexcel.report.surveys.COMMENTS_PER_GROUP` per
group, and the top customers on ``CX CLV``.
"""

from __future__ import annotations

import pandas as pd

from ..engine import Engine
from . import accounts, checks, clv, cohorts, customers, orders, revenue, summary, surveys
from ._facts import TABLE_NAMES, Facts
from .model import Report

__all__ = ["build_report", "SHEET_BUILDERS"]

#: Sheet builders in tab order; each returns a Sheet or None when its tables are missing.
SHEET_BUILDERS = (
    summary.build,
    surveys.build,
    revenue.build,
    customers.build,
    cohorts.build,
    clv.build,
    orders.build,
    accounts.build,
    checks.build,
)


def build_report(
    tables: dict[str, pd.DataFrame], engine: Engine | None = None, scales: dict | None = None
) -> Report:
    """Describe the metric sheets for ``tables`` (as ``cxexcel.tables.read_tables`` returns).

    Keys are the table names of METRICS.md §5 (``Responses``,
    ``Subscriptions``, ``Orders``, ``Spend``, ``Engagement``, ``Targets``)
    with canonical snake_case columns; missing or empty tables skip their
    sheets. Raises ``cxexcel.errors.TableError`` naming table, column and
    row for a value the metrics cannot use.

    A table may be an engine table (``read_tables(..., engine=engine)``),
    reduced on ``engine``; the others are reduced on an embedded DuckDB.
    ``scales`` gives the top of the csat and ces ratings when not 5 and 7,
    e.g. ``{"csat": (1, 10)}`` (as ``read_tables``' scales; ratings start at 1).
    """
    known = {name: frame for name, frame in tables.items() if name in TABLE_NAMES}
    facts = Facts(known, engine, scales)
    facts.validate()
    sheets = []
    for build_sheet in SHEET_BUILDERS:
        sheet = build_sheet(facts)
        if sheet is not None:
            sheets.append(sheet)
    return Report(tuple(sheets))
