"""The Responses table as the sheets use it: answer counts, reduced by the engine.

Nothing here holds one value per response: the engine
(:mod:`cxexcel.engine.responses`) counts answers per score value, month and
segment, and :mod:`cxexcel.metrics.counted` turns the counts into NPS, its
margin of error, CSAT and CES, exactly as from the answers. Only the
comments shown (the most recent of each group) come back row by row.

Order, where the sheets show it, is the order of the date-sorted table:
responses of the same date keep the order of the input (column ``_row``);
a warehouse table has no order of its own, and ties go by customer and text.
"""

from __future__ import annotations

from functools import cached_property

import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import Table

from ..engine import Engine
from ..engine._time import month_index
from ..metrics.counted import ces_counts, csat_counts, nps_counts, nps_moe_counts

__all__ = ["SurveyFacts", "SCORES", "NO_SEGMENT"]

SCORES = ("nps", "csat", "ces")

#: The segment shown for responses whose segment is blank.
NO_SEGMENT = "(none)"

_FIGURES = {
    "nps": nps_counts,
    "moe": nps_moe_counts,
    "csat": csat_counts,
    "ces": ces_counts,
}


class SurveyFacts:
    """Aggregates of the Responses table (an engine table with a ``_row`` column)."""

    def __init__(self, engine: Engine, table: Table, tops: dict | None = None):
        self.engine = engine
        self.table = table
        #: The top rating of csat and ces (their scales start at 1).
        self.tops = {"csat": 5, "ces": 7} | (tops or {})

    @cached_property
    def _scores(self) -> list[str]:
        return [name for name in SCORES if name in self.table.columns]

    @cached_property
    def _by_month(self) -> pd.DataFrame:
        """Responses per month and combination of scores (blank scores as NaN),
        with each cell's first and last date and its segments and comments."""
        t = self.table
        keys = [month_index(t.date).name("slot"), *(t[name] for name in self._scores)]
        measures = {"n": t.count(), "first": t.date.min(), "last": t.date.max()}
        for name in ("segment", "comment"):
            if name in t.columns:
                measures[name] = t[name].count()
        return self.engine.execute(t.group_by(keys).aggregate(**measures))

    @cached_property
    def _by_segment(self) -> pd.DataFrame:
        """Responses per segment (blank as :data:`NO_SEGMENT`) and combination of scores."""
        t = self.table.mutate(segment=_segment(self.table))
        keys = ["segment", *self._scores]
        return self.engine.execute(t.group_by(keys).aggregate(n=t.count(), first=t.date.min()))

    @cached_property
    def overview(self) -> dict:
        """rows, first and last date, and the answers of each score column."""
        cube = self._by_month
        out = {"rows": cube["n"].sum(), "first": cube["first"].min(), "last": cube["last"].max()}
        for name in self._scores:
            out[name] = cube.loc[cube[name].notna(), "n"].sum()
        for name in ("segment", "comment"):
            if name in cube.columns:
                out[name] = cube[name].sum()
        return out

    @property
    def rows(self) -> int:
        return int(self.overview["rows"])

    @property
    def first_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.overview["first"])

    @property
    def last_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.overview["last"])

    def answers(self, name: str) -> int:
        """How many responses answer score ``name`` (0 when the column is absent)."""
        value = self.overview.get(name)
        return 0 if value is None or pd.isna(value) else int(value)

    def present(self, name: str) -> bool:
        """Whether column ``name`` exists and holds a value."""
        return self.answers(name) > 0

    def counts(self, name: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
        """Answers of score ``name`` per value (``score``, ``n``), grouped by ``by``
        (``slot`` for the month, or ``segment``)."""
        key = (name, by)
        if key not in self._count_cache:
            cube = self._by_segment if "segment" in by else self._by_month
            answered = cube[cube[name].notna()]
            frame = answered.groupby([*by, name], as_index=False, sort=True)["n"].sum()
            self._count_cache[key] = frame.rename(columns={name: "score"})
        return self._count_cache[key]

    @cached_property
    def _count_cache(self) -> dict:
        return {}

    def figure(self, kind: str, counts: pd.DataFrame) -> float | None:
        """``nps``, ``moe``, ``csat`` or ``ces`` of answer counts; None without answers."""
        if counts.empty or counts["n"].sum() == 0:
            return None
        extra = {"scale_max": self.tops[kind]} if kind in self.tops else {}
        scores, n = counts["score"].to_numpy(float), counts["n"].to_numpy(float)
        return float(_FIGURES[kind](scores, n, **extra))

    @cached_property
    def months(self) -> list[int]:
        """Month numbers (months since January 1970) with at least one response."""
        return sorted(int(s) for s in self._by_month["slot"].unique())

    @cached_property
    def segments(self) -> list[tuple[str, int]]:
        """(segment, responses) for every segment, most responses first; ties in
        order of first appearance in the date-sorted table. Blank is (none)."""
        cube = self._by_segment
        frame = cube.groupby("segment", as_index=False).agg(
            rows=("n", "sum"), first_date=("first", "min")
        )
        tied = frame.duplicated(["rows", "first_date"], keep=False)
        if tied.any() and "_row" in self.table.columns:
            # Same count and first date: the first to appear in the input comes first.
            t = self.table.mutate(segment=_segment(self.table))
            first = t.group_by("segment").aggregate(first_date=t.date.min())
            at_first = t.join(first, [t.segment == first.segment, t.date == first.first_date])
            ties = at_first.group_by(at_first.segment).aggregate(first_row=at_first._row.min())
            frame = frame.merge(self.engine.execute(ties), on="segment")
            keys = ["rows", "first_date", "first_row"]
        else:  # no ties, or a warehouse table (no row order): ties by name
            keys = ["rows", "first_date", "segment"]
        frame = frame.sort_values(keys, ascending=[False, True, True], kind="stable")
        return [(str(s), int(n)) for s, n in zip(frame["segment"], frame["rows"], strict=True)]

    def latest_comments(self, promoters: bool, limit: int) -> pd.DataFrame:
        """The ``limit`` most recent responses of promoters (9-10) or detractors
        (0-6) with a comment, newest first: date, nps, segment, customer_id, comment."""
        t = self.table
        group = t.nps >= 9 if promoters else t.nps <= 6
        text = t.comment.strip()
        picked = t.filter(group & text.notnull() & (text != ""))
        columns = [
            c for c in ("date", "nps", "segment", "customer_id", "comment") if c in t.columns
        ]
        order = [ibis.desc("date")]
        order += [ibis.desc(c) for c in ("_row",) if c in t.columns] or [
            ibis.desc(c) for c in ("customer_id", "comment") if c in t.columns
        ]
        newest = picked.order_by(order).limit(limit)
        frame = self.engine.execute(newest.select(*columns))
        return frame.reset_index(drop=True)


def _segment(table: Table):
    """The segment as text, blank as :data:`NO_SEGMENT`."""
    if "segment" not in table.columns:
        return ibis.literal(NO_SEGMENT)
    label = table.segment.cast("string")
    return ibis.ifelse(label.isnull(), NO_SEGMENT, label)


def frame_for_engine(frame: pd.DataFrame) -> pd.DataFrame:
    """A validated table with its input order as ``_row`` (0, 1, ...)."""
    out = frame.copy(deep=False)
    out["_row"] = np.arange(len(frame), dtype=np.int64)
    return out
