"""Google Analytics 4 report downloads -> Engagement.

A GA4 CSV starts with ``#`` comment lines (report, account, property, date
range), skipped when the file is read; its Date column holds 8-digit dates
(20240104). A file can hold several tables one after another, each after a
blank line and its own comments: the first is read, the others left out
(and said so). Active users of a day are its DAU; "30-day active users",
if the report has them, the MAU; sessions and the average session
duration (seconds, or engagement time per session) give the sessions and
their mean length in minutes.
"""

from __future__ import annotations

import numpy as np

from ..tables.profiles import Profile, register
from ..tables.sources import RawTable
from ._common import cells, column_of, converted, count_text, plural


def _blank(value) -> bool:
    return (
        value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
    )


def _ga4(raw: RawTable) -> RawTable:
    header = raw.header
    date = column_of(header, "Date", "Day")
    body = raw.body
    # The first table ends at the first blank row (another table may follow).
    end = len(body)
    for index, row in enumerate(body.itertuples(index=False)):
        if all(_blank(v) for v in row):
            end = index
            break
    later = any(not all(_blank(v) for v in row) for row in body.iloc[end:].itertuples(index=False))
    rows = np.arange(end)
    dates = cells(raw, date, rows)
    totals = np.array([str(v).strip().casefold() in ("grand total", "total") for v in dates])
    rows = rows[~totals]
    dates = np.array(
        [
            str(int(v))
            if isinstance(v, (int, float)) and not _blank(v) and float(v).is_integer()
            else v
            for v in cells(raw, date, rows)
        ],
        dtype=object,
    )
    columns = {"date": (date, dates)}
    for name, names in (
        ("dau", ("Active users", "1-day active users", "Users")),
        ("mau", ("30-day active users", "28-day active users")),
        ("sessions", ("Sessions",)),
    ):
        position = column_of(header, *names)
        if position is not None:
            columns[name] = (position, [count_text(v) for v in cells(raw, position, rows)])
    seconds = column_of(header, "Average session duration", "Average engagement time per session")
    if seconds is not None:
        values = []
        for v in cells(raw, seconds, rows):
            try:
                values.append(float(v) / 60)
            except (TypeError, ValueError):
                values.append(v)  # left for the check to name
        columns["avg_session_minutes"] = (seconds, values)
    note = f"{raw.place.label}: GA4 export -> Engagement, {plural(len(rows), 'day')}"
    if later:
        note += (
            "; the tables after the first blank line were left out (download one table per file)"
        )
    return converted(raw, "Engagement", columns, rows=rows, note=note)


register(Profile("GA4 export", "Engagement", ("Date", "Active users"), _ga4))
