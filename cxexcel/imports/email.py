"""Email tools' campaign reports -> Engagement: Mailchimp's campaign export
("Send Date" as "Jan 04, 2024 10:00 am", rates as "25.50%") and HubSpot's
marketing email export. Campaigns sent the same day are added up, as
Engagement holds one row per day: emails delivered, unique opens and unique
clicks (from a rate times the deliveries where only the rate is there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import TableError
from ..tables.profiles import Profile, register
from ..tables.sources import RawTable
from ._common import cells, column_of, converted, count_text, parse_column, percent, plural


def _counts(raw: RawTable, position: int | None) -> np.ndarray | None:
    if position is None:
        return None
    values = np.array([count_text(v) for v in cells(raw, position)], dtype=object)
    result, error = parse_column(raw, position, "count", values=values)
    if error is not None:
        raise error
    return result.to_numpy(dtype=float)


def _rates(raw: RawTable, position: int | None) -> np.ndarray | None:
    if position is None:
        return None
    rates = []
    for index, value in enumerate(cells(raw, position)):
        if value is None or (isinstance(value, str) and not value.strip()):
            rates.append(np.nan)
            continue
        rate = percent(value)
        if rate is None or not 0 <= rate <= 1:
            where = raw.place.cell(position, index, str(raw.header[position]))
            raise TableError(
                f'{where[0]}: {value!r} is not a rate (a percentage such as "25.5%")',
                table="Engagement",
                column=str(raw.header[position]),
                row=where[1],
                cell=where[2],
            )
        rates.append(rate)
    return np.array(rates, dtype=float)


def _engagement(raw: RawTable, tool: str, spec: dict) -> RawTable:
    header = raw.header
    find = {key: column_of(header, *names) for key, names in spec.items()}
    dates, error = parse_column(raw, find["date"], "date")
    if error is not None:
        raise error
    delivered = _counts(raw, find["delivered"])
    if delivered is None:
        raise TableError(
            f"{raw.place.label}: {tool} export without a deliveries column", table="Engagement"
        )
    opens, clicks = _counts(raw, find.get("opens")), _counts(raw, find.get("clicks"))
    from_rates = []
    if opens is None:
        rate = _rates(raw, find.get("open_rate"))
        if rate is not None:
            opens = np.round(rate * delivered)
            from_rates.append("opens")
    if clicks is None:
        rate = _rates(raw, find.get("click_rate"))
        if rate is not None:
            clicks = np.round(rate * delivered)
            from_rates.append("clicks")
    frame = pd.DataFrame({"day": dates.dt.normalize(), "emails_delivered": delivered})
    if opens is not None:
        frame["opens"] = opens
    if clicks is not None:
        frame["clicks"] = clicks
    frame["row"] = np.arange(len(frame))
    frame = frame[frame["day"].notna()]
    days = frame.groupby("day", sort=True).agg(
        {**{c: "sum" for c in frame.columns if c not in ("day", "row")}, "row": "first"}
    )
    columns = {"date": (find["date"], [d.date().isoformat() for d in days.index])}
    for name in ("emails_delivered", "opens", "clicks"):
        if name in days:
            key = {"emails_delivered": "delivered"}.get(name, name)
            position = find.get(key)
            if position is None:
                position = find.get({"opens": "open_rate", "clicks": "click_rate"}[name])
            columns[name] = (position, days[name].tolist())
    campaigns = len(frame)
    rated = f"; {' and '.join(from_rates)} from the rates x deliveries" if from_rates else ""
    note = (
        f"{raw.place.label}: {tool} export -> Engagement, {plural(campaigns, 'campaign')} "
        f"on {plural(len(days), 'day')}{rated}"
    )
    return converted(raw, "Engagement", columns, rows=days["row"].to_numpy(), note=note)


MAILCHIMP = {
    "date": ("Send Date", "Send Time"),
    "delivered": ("Successful Deliveries", "Delivered"),
    "opens": ("Unique Opens",),
    "open_rate": ("Open Rate",),
    "clicks": ("Unique Clicks",),
    "click_rate": ("Click Rate",),
}
HUBSPOT = {
    "date": ("Send date", "Publish date", "Sent date", "Date sent", "Last send date"),
    "delivered": ("Delivered",),
    "opens": ("Opened", "Opens", "Unique opens"),
    "open_rate": ("Open rate",),
    "clicks": ("Clicked", "Clicks", "Unique clicks"),
    "click_rate": ("Click rate", "Click-through rate"),
}


def _mailchimp(raw: RawTable) -> RawTable:
    return _engagement(raw, "Mailchimp", MAILCHIMP)


def _hubspot(raw: RawTable) -> RawTable:
    if column_of(raw.header, *HUBSPOT["date"]) is None:
        raise TableError(
            f"{raw.place.label}: HubSpot marketing email export without a send date column "
            f"(one of {', '.join(HUBSPOT['date'])}); add it to the export's columns",
            table="Engagement",
        )
    return _engagement(raw, "HubSpot marketing email", HUBSPOT)


register(
    Profile(
        "Mailchimp campaigns export",
        "Engagement",
        ("Send Date", "Successful Deliveries", "Open Rate"),
        _mailchimp,
        priority=1,
    )
)
register(
    Profile(
        "HubSpot marketing emails export",
        "Engagement",
        ("Delivered", "Open rate", "Click rate"),
        _hubspot,
    )
)
