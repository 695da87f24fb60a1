"""A seeded, realistic sample data set: all six input tables of a small
subscription business.

``generate()`` simulates a few thousand customers over two years: they join
on a plan (more of them as the business grows), expand, contract, churn and
sometimes come back. Happier customers churn less and answer surveys more
kindly, so NPS, CSAT and CES move with the customer's fate. Alongside are
one-off orders (add-ons, services), the monthly acquisition spend, daily
product and email engagement, and KPI targets.

``write_workbook()`` saves the tables as one Excel Table per sheet, which is
how ``workbooks/sample-data.xlsx`` is made (``scripts/make_sample_data``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["generate", "write_workbook", "main"]

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
_SEGMENT_SHARE = (0.6, 0.3, 0.1)
# Plans by segment: (monthly price, probability).
_PLANS = {
    "SMB": ((29.0, 0.6), (99.0, 0.4)),
    "Mid-Market": ((99.0, 0.4), (299.0, 0.6)),
    "Enterprise": ((299.0, 0.3), (999.0, 0.7)),
}
_PLAN_NAMES = {29.0: "Starter", 99.0: "Team", 299.0: "Business", 999.0: "Enterprise"}
_EXTRA_UNITS = {"SMB": 0.0, "Mid-Market": 0.5, "Enterprise": 1.5}  # mean extra licences
_CHURN = {"SMB": 0.035, "Mid-Market": 0.018, "Enterprise": 0.008}  # monthly hazard
_CAC = {"SMB": 350.0, "Mid-Market": 1500.0, "Enterprise": 6000.0}
_SEATS = {"SMB": 4.0, "Mid-Market": 20.0, "Enterprise": 90.0}
_ORDER_VALUE = {"SMB": 60.0, "Mid-Market": 180.0, "Enterprise": 600.0}

_COMMENTS = {
    "promoter": (
        "Love the new dashboard",
        "Support answered within minutes",
        "Saves our team hours every week",
        "Onboarding was smooth",
        "Great value for the price",
        "The reports are exactly what we needed",
    ),
    "passive": (
        "Does the job",
        "Good, but the mobile app is slow",
        "Fine overall, pricing is a bit high",
        "Would like more integrations",
        "OK once you learn it",
    ),
    "detractor": (
        "Too expensive for what we use",
        "Billing was wrong twice",
        "Hard to set up",
        "Support took days to reply",
        "Missing features we need",
        "Thinking about switching",
    ),
}
# Verbatims that a spreadsheet could mistake for formulas: writers must
# store them as text, never as formulas.
_FORMULA_LIKE = (
    '=HYPERLINK("http://x","y")',
    "=1+2",
    "+1 for the new exports",
    "-- support never called back",
    "-5 stars if I could",
    "@support please fix the invoices",
)


def generate(
    seed: int = 7, customers: int = 3000, months: int = 24, start: str = "2024-01"
) -> dict[str, pd.DataFrame]:
    """The six input tables, validated, in canonical column names.

    The same ``seed`` (and arguments) always gives the same tables.
    ``customers`` is how many customers ever sign up, ``months`` how long
    the data runs, from the month ``start`` (``"YYYY-MM"``).
    """
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    rng = np.random.default_rng(seed)
    periods = pd.period_range(pd.Period(start, "M"), periods=months, freq="M")
    people = _customers(rng, customers, months)
    subs, fate = _simulate(rng, people, months)
    frames = {
        "Responses": _responses(rng, people, subs, fate, periods),
        "Subscriptions": _subscriptions(people, subs, periods),
        "Orders": _orders(rng, people, subs, periods),
        "Spend": _spend(rng, people, subs, periods),
        "Engagement": _engagement(rng, people, subs, periods),
    }
    frames["Targets"] = _targets(frames["Subscriptions"])
    from .tables import read_tables

    # A tiny run can leave a table without rows, which read_tables refuses.
    tables = read_tables({name: frame for name, frame in frames.items() if len(frame)})
    return {name: tables.get(name, _no_rows(name)) for name in frames}


def _no_rows(name: str) -> pd.DataFrame:
    from .tables import SCHEMAS

    dtypes = {"date": "datetime64[ns]", "month": "datetime64[ns]", "text": "str", "metric": "str"}
    return pd.DataFrame(
        {c.name: pd.Series(dtype=dtypes.get(c.kind, "float64")) for c in SCHEMAS[name].columns}
    )


# -- customers and their subscriptions ----------------------------------------------


def _customers(rng: np.random.Generator, n: int, months: int) -> pd.DataFrame:
    segment = rng.choice(SEGMENTS, size=n, p=_SEGMENT_SHARE)
    # A sixth were customers before the data starts; the rest sign up at a
    # growing pace.
    existing = rng.random(n) < 1 / 6
    weights = 1 + 1.5 * np.arange(months) / max(months - 1, 1)
    joined = rng.choice(months, size=n, p=weights / weights.sum())
    joined[existing] = 0
    price = np.empty(n)
    plan = np.empty(n, dtype=object)
    for name in SEGMENTS:
        mask = segment == name
        prices, probs = zip(*_PLANS[name], strict=True)
        units = 1 + rng.poisson(_EXTRA_UNITS[name], mask.sum())
        base = rng.choice(prices, size=mask.sum(), p=probs)
        price[mask] = base * units
        plan[mask] = [_PLAN_NAMES[b] for b in base]
    order = np.lexsort((np.arange(n), joined))  # ids in sign-up order
    return pd.DataFrame(
        {
            "customer_id": [f"C{i + 1:05d}" for i in range(n)],
            "segment": segment[order],
            "plan": plan[order],
            "existing": existing[order],
            "joined": joined[order],
            "mrr": price[order],
            "happiness": rng.normal(size=n),
            "seats": np.maximum(
                1,
                np.round(np.array([_SEATS[s] for s in segment[order]]) * rng.lognormal(0, 0.4, n)),
            ),
        }
    )


def _simulate(rng: np.random.Generator, people: pd.DataFrame, months: int):
    """MRR per customer and month (0 when not a customer) and, per customer,
    the month of their first churn (-1 if they never churn)."""
    n = len(people)
    segment = people["segment"].to_numpy()
    happy = people["happiness"].to_numpy()
    joined = people["joined"].to_numpy()
    hazard = np.array([_CHURN[s] for s in segment]) * np.exp(-0.7 * happy)
    mrr = np.zeros((n, months))
    current = people["mrr"].to_numpy(dtype=float).copy()
    active = np.zeros(n, dtype=bool)
    churned_at = np.full(n, -1)
    left = np.full(n, -1)  # month the current absence began
    for m in range(months):
        newly = joined == m
        active |= newly
        stays = rng.random(n) >= hazard
        leaving = active & ~newly & ~stays
        churned_at[leaving & (churned_at < 0)] = m
        left[leaving] = m
        active &= ~leaving
        # Some come back, after at least a month away and within a year.
        away = ~active & (left >= 0) & (m - left >= 2) & (m - left <= 12)
        back = away & (rng.random(n) < 0.04 * np.exp(0.3 * happy))
        active |= back
        left[back] = -1
        growth = active & ~newly & (rng.random(n) < 0.03 * np.exp(0.3 * happy))
        current[growth] *= rng.choice((1.25, 1.5, 2.0), size=growth.sum(), p=(0.5, 0.35, 0.15))
        shrink = active & ~newly & ~growth & (rng.random(n) < 0.015 * np.exp(-0.3 * happy))
        current[shrink] *= rng.choice((0.5, 0.75), size=shrink.sum())
        current = np.maximum(np.round(current), 10.0)
        mrr[active, m] = current[active]
    return mrr, churned_at


def _subscriptions(people, mrr: np.ndarray, periods) -> pd.DataFrame:
    rows, cols = np.nonzero(mrr)
    frame = pd.DataFrame(
        {
            "customer_id": people["customer_id"].to_numpy()[rows],
            "month": periods.to_timestamp()[cols],
            "mrr": mrr[rows, cols],
            "plan": people["plan"].to_numpy()[rows],
            "segment": people["segment"].to_numpy()[rows],
        }
    )
    return frame.sort_values(["month", "customer_id"], kind="stable").reset_index(drop=True)


# -- surveys ----------------------------------------------------------------------


def _responses(rng, people, mrr: np.ndarray, churned_at: np.ndarray, periods) -> pd.DataFrame:
    rows, cols = np.nonzero(mrr)
    asked = rng.random(len(rows)) < 0.12
    rows, cols = rows[asked], cols[asked]
    n = len(rows)
    churn = churned_at[rows]
    leaving_soon = (churn >= 0) & (churn > cols) & (churn - cols <= 3)
    mood = 0.9 * people["happiness"].to_numpy()[rows] - 1.6 * leaving_soon
    nps = np.clip(np.round(8.3 + 1.8 * (mood + rng.normal(0, 0.7, n))), 0, 10)
    csat = np.clip(np.round(4.1 + 0.8 * (mood + rng.normal(0, 0.6, n))), 1, 5)
    ces = np.clip(np.round(5.1 + 1.0 * (mood + rng.normal(0, 0.8, n))), 1, 7)
    csat[rng.random(n) < 0.3] = np.nan  # short surveys asked only some questions
    ces[rng.random(n) < 0.45] = np.nan
    starts = periods.to_timestamp()[cols]
    days = np.floor(rng.random(n) * periods.days_in_month[cols]).astype(int)
    comment = np.full(n, None, dtype=object)
    category = np.where(nps >= 9, "promoter", np.where(nps >= 7, "passive", "detractor"))
    said = rng.random(n) < 0.25
    for kind, texts in _COMMENTS.items():
        mask = said & (category == kind)
        comment[mask] = rng.choice(texts, size=mask.sum())
    if n:
        odd = rng.choice(n, size=min(n, len(_FORMULA_LIKE)), replace=False)
        comment[odd] = _FORMULA_LIKE[: len(odd)]
    frame = pd.DataFrame(
        {
            "date": starts + pd.to_timedelta(days, unit="D"),
            "nps": nps,
            "csat": csat,
            "ces": ces,
            "customer_id": people["customer_id"].to_numpy()[rows],
            "segment": people["segment"].to_numpy()[rows],
            "comment": comment,
        }
    )
    return frame.sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)


# -- orders -----------------------------------------------------------------------


def _orders(rng, people, mrr: np.ndarray, periods) -> pd.DataFrame:
    n = len(people)
    # Each customer buys add-ons at their own rate and their own typical value
    # (the heterogeneity the BG/NBD and Gamma-Gamma models assume).
    rate = rng.gamma(0.7, 0.35, n)
    value = np.array([_ORDER_VALUE[s] for s in people["segment"]]) * rng.gamma(3.0, 1 / 3.0, n)
    rows, cols = np.nonzero(mrr)
    counts = rng.poisson(rate[rows])
    # Customers who sign up during the data place an onboarding order first.
    new = np.flatnonzero(~people["existing"].to_numpy())
    rows = np.concatenate([new, np.repeat(rows, counts)])
    cols = np.concatenate([people["joined"].to_numpy()[new], np.repeat(cols, counts)])
    k = len(rows)
    days = np.floor(rng.random(k) * periods.days_in_month[cols]).astype(int)
    amount = np.round(value[rows] * rng.gamma(4.0, 0.25, k), 2)
    frame = pd.DataFrame(
        {
            "customer_id": people["customer_id"].to_numpy()[rows],
            "date": periods.to_timestamp()[cols] + pd.to_timedelta(days, unit="D"),
            "amount": np.maximum(amount, 1.0),
        }
    )
    return frame.sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)


# -- spend ------------------------------------------------------------------------


def _spend(rng, people, mrr: np.ndarray, periods) -> pd.DataFrame:
    months = len(periods)
    new = (people["joined"].to_numpy() == np.arange(months)[:, None]) & ~people[
        "existing"
    ].to_numpy()
    cac = np.array([_CAC[s] for s in people["segment"]]) * rng.lognormal(0, 0.2, len(people))
    cost = new @ cac + 8000.0 * rng.lognormal(0, 0.1, months)
    retention = 0.05 * mrr.sum(axis=0) * rng.lognormal(0, 0.1, months)
    return pd.DataFrame(
        {
            "month": periods.to_timestamp(),
            "sales_marketing_cost": np.round(cost, 2),
            "new_customers": new.sum(axis=1).astype(float),
            "retention_cost": np.round(retention, 2),
        }
    )


# -- engagement -------------------------------------------------------------------


def _engagement(rng, people, mrr: np.ndarray, periods) -> pd.DataFrame:
    days = pd.date_range(periods[0].start_time, periods[-1].end_time.normalize(), freq="D")
    month = np.searchsorted(periods.to_timestamp(), days, side="right") - 1
    seats = (mrr > 0).T @ people["seats"].to_numpy(dtype=float)  # per month
    accounts = (mrr > 0).sum(axis=0)
    k = len(days)
    mau = np.round(0.75 * seats[month] * rng.lognormal(0, 0.03, k))
    weekend = days.day_of_week >= 5
    dau = np.round(mau * np.where(weekend, 0.11, 0.32) * rng.lognormal(0, 0.05, k))
    sessions = np.round(dau * 1.7 * rng.lognormal(0, 0.05, k))
    minutes = np.round(11.5 + 2.0 * rng.standard_normal(k) - 2.0 * weekend, 1)
    # A newsletter goes out on Tuesdays; other days have no campaign (blank).
    newsletter = days.day_of_week == 1
    delivered = np.where(newsletter, np.round(accounts[month] * 3 * 0.97), np.nan)
    opens = np.where(newsletter, rng.binomial(np.nan_to_num(delivered).astype(int), 0.34), np.nan)
    clicks = np.where(newsletter, rng.binomial(np.nan_to_num(opens).astype(int), 0.12), np.nan)
    return pd.DataFrame(
        {
            "date": days,
            "dau": dau,
            "mau": mau,
            "sessions": sessions,
            "avg_session_minutes": np.maximum(minutes, 1.0),
            "emails_delivered": delivered,
            "opens": opens,
            "clicks": clicks,
        }
    )


# -- targets ----------------------------------------------------------------------


def _targets(subscriptions: pd.DataFrame) -> pd.DataFrame:
    last = subscriptions["month"].max()
    final_mrr = subscriptions.loc[subscriptions["month"] == last, "mrr"].sum()
    goals = [
        ("NPS", 40.0),
        ("CSAT", 0.85),
        ("CES", 5.5),
        ("Churn", 0.02),
        ("Retention", 0.97),
        ("MRR", float(round(final_mrr * 1.1, -3))),
        ("NRR", 1.01),
        ("CLV", 15000.0),
        ("CAC", 1200.0),
        ("CLV:CAC", 3.0),
        ("Stickiness", 0.3),
        ("Open rate", 0.35),
        ("Click rate", 0.04),
    ]
    return pd.DataFrame(goals, columns=["metric", "target"])


# -- the workbook -----------------------------------------------------------------

_FORMATS = {
    "date": "yyyy-mm-dd",
    "month": "yyyy-mm",
    "amount": "#,##0.00",
    "number": "General",
    "count": "#,##0",
    "score": "0",
    "text": "@",
    "metric": "@",
}
_WIDTH = {"date": 12, "month": 10, "text": 14, "metric": 14}


def write_workbook(tables: dict[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Save ``tables`` to ``path`` as an .xlsx file with one sheet per table,
    each an Excel Table of the same name, with a styled header, number
    formats and a frozen header row.

    The file is written to a temporary file next to ``path`` and moved into
    place, so an existing file is replaced whole or not at all. Text that
    looks like a formula (``=...``) is stored as text.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from .tables import SCHEMAS

    path = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    fixed = dt.datetime(2024, 1, 1)
    workbook.properties.created = workbook.properties.modified = fixed
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E78")
    for name, schema in SCHEMAS.items():
        frame = tables.get(name)
        if frame is None:
            continue
        # Optional columns the data leaves blank throughout (Subscriptions'
        # plan, currency, segment and fx) are left out of the sheet.
        columns = [
            c
            for c in schema.columns
            if c.name in frame.columns and (c.required or frame[c.name].notna().any())
        ]
        sheet = workbook.create_sheet(name)
        sheet.append([c.name for c in columns])
        data = [frame[c.name].to_numpy(dtype=object) for c in columns]
        for row in zip(*data, strict=True):
            sheet.append([_cell_value(v) for v in row])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            head = sheet.cell(1, index)
            head.font, head.fill = header_font, header_fill
            head.alignment = Alignment(horizontal="center")
            width = _WIDTH.get(column.kind, 12)
            if column.name == "comment":
                width = 40
            sheet.column_dimensions[letter].width = max(width, len(column.name) + 4)
            number_format = _FORMATS[column.kind]
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even if it starts with "="
        last = get_column_letter(len(columns))
        table = Table(displayName=name, ref=f"A1:{last}{max(len(frame), 1) + 1}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        sheet.add_table(table)
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temp)
        os.chmod(temp, _file_mode(path))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def _file_mode(path: Path) -> int:
    """The mode a new file would get (mkstemp makes private files), or the
    mode of the file being replaced."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _cell_value(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def main(argv: list[str] | None = None) -> int:
    """Write the sample workbook: ``make_sample_data [PATH] [--seed N]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="make_sample_data", description="Write the seeded sample input tables to an .xlsx."
    )
    parser.add_argument("path", nargs="?", default="workbooks/sample-data.xlsx", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    tables = generate(seed=args.seed)
    write_workbook(tables, args.path)
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    print(f"wrote {args.path} ({rows})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
