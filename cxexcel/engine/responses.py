"""Responses reduced to answer counts: one row per score value (and month,
and group), from which :mod:`cxexcel.metrics.counted` computes NPS, its
margin of error, CSAT and CES exactly as from the answers themselves."""

from __future__ import annotations

from collections.abc import Sequence

from ibis.expr.types import Table

from ._time import month_index

__all__ = ["score_counts"]


def score_counts(responses: Table, column: str, by: Sequence[str] = ()) -> Table:
    """Answers per value of ``column`` (blanks left out), grouped by ``by``:
    names of columns, or ``"slot"`` for the month of ``date`` (month number).

    Columns: ``by`` ..., ``score`` and ``n``.
    """
    table = responses
    if "slot" in by:
        table = table.mutate(slot=month_index(table.date))
    answered = table.filter(table[column].notnull())
    keys = [*by, answered[column].name("score")]
    return answered.group_by(keys).aggregate(n=answered.count())
