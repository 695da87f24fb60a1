"""Hostile values inside otherwise well-formed tables: dates Excel cannot
hold (serial 60, before 1900, after 2199), numbers beyond 1e15, text in
number columns, parts above their whole, broken headers, control
characters, formula-looking text (which must stay text and give a report).

Each case writes one CSV or .xlsx file; ``cxexcel report`` must exit 2
with a one-line message naming table, column and row, or exit 0 where the
value is valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl

from .harness import Case

CSV_HEADERS = {
    "Responses": "date,nps,csat,customer_id,comment",
    "Subscriptions": "customer_id,month,mrr",
    "Orders": "customer_id,date,amount",
    "Spend": "month,sales_marketing_cost,new_customers,retention_cost",
    "Engagement": "date,dau,mau,sessions,avg_session_minutes,emails_delivered,opens,clicks",
    "Targets": "metric,target",
}

# Valid rows, before (and after) the hostile one.
GOOD_ROWS = {
    "Responses": ["2024-01-02,9,5,C1,fine", "2024-01-03,7,4,C2,ok", "2024-02-01,3,2,C3,bad"],
    "Subscriptions": ["C1,2024-01,10", "C2,2024-01,20", "C1,2024-02,12", "C2,2024-02,20"],
    "Orders": ["C1,2024-01-02,10", "C2,2024-01-05,20", "C1,2024-02-03,15"],
    "Spend": ["2024-01,1000,10,100", "2024-02,1200,12,110"],
    "Engagement": ["2024-01-01,30,100,50,5.5,1000,300,40", "2024-01-02,32,101,55,6,1000,310,38"],
    "Targets": ["NPS,40", "Churn,0.02"],
}


def _csv(
    table: str, *rows: str, header: str | None = None, good: bool = True
) -> Callable[[Path], list[Path]]:
    """A ``make`` writing ``table``.csv: the header, valid rows, then ``rows``."""

    def make(folder: Path) -> list[Path]:
        lines = [CSV_HEADERS[table] if header is None else header]
        lines += GOOD_ROWS[table] if good else []
        lines += rows
        path = folder / f"{table}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [path]

    return make


def _xlsx(
    table: str, *rows: list, number_format: str | None = None
) -> Callable[[Path], list[Path]]:
    """A ``make`` writing a workbook with sheet ``table``: header, valid rows, ``rows``."""

    def make(folder: Path) -> list[Path]:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = table
        ws.append(CSV_HEADERS[table].split(","))
        for line in GOOD_ROWS[table]:
            ws.append([_typed(cell) for cell in line.split(",")])
        start = ws.max_row + 1
        for row in rows:
            ws.append(row)
        for line in ws.iter_rows(min_row=start):
            for cell in line:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula, not one
        if number_format:
            for line in ws.iter_rows(min_row=start):
                for cell in line:
                    if isinstance(cell.value, (int, float, dt.datetime)):
                        cell.number_format = number_format
        path = folder / f"{table.lower()}-data.xlsx"
        wb.save(path)
        return [path]

    return make


def _typed(cell: str) -> object:
    try:
        return float(cell)
    except ValueError:
        return cell


LEAP = "1900-02-29, a date that exists only in Excel's 1900 date system"
SERIALS = "Excel serial numbers run from 1 (1900-01-01) to 109574 (2199-12-31)"
OUTSIDE = "is outside Excel's dates"

CASES = [
    # -- dates -----------------------------------------------------------------
    Case(
        "values-serial-60-csv",
        _csv("Responses", "60,9,5,C4,x"),
        2,
        f'row 5, column date: "60" is {LEAP}',
    ),
    Case("values-serial-60-fraction-csv", _csv("Orders", "C3,60.25,5"), 2, f'"60.25" is {LEAP}'),
    Case(
        "values-serial-60-month-csv",
        _csv("Subscriptions", "C3,60,5"),
        2,
        f'column month: "60" is {LEAP}',
    ),
    Case(
        "values-serial-60-xlsx",
        _xlsx("Responses", [60, 9, 5, "C4", "x"]),
        2,
        f"Responses!A5: 60 is {LEAP}",
    ),
    Case(
        "values-serial-0-csv", _csv("Responses", "0,9,5,C4,x"), 2, f'"0" is not a date ({SERIALS})'
    ),
    Case(
        "values-serial-negative-xlsx",
        _xlsx("Orders", ["C3", -1, 5]),
        2,
        f"Orders!B5: -1 is not a date ({SERIALS})",
    ),
    Case(
        "values-serial-fraction-below-1-xlsx",
        _xlsx("Orders", ["C3", 0.5, 5]),
        2,
        f"0.5 is not a date ({SERIALS})",
    ),
    Case(
        "values-serial-after-2199-csv",
        _csv("Orders", "C3,109575,5"),
        2,
        f'"109575" is not a date ({SERIALS})',
    ),
    Case(
        "values-serial-huge-xlsx",
        _xlsx("Responses", [1e300, 9, 5, "C4", "x"]),
        2,
        f"Responses!A5: 1e+300 is not a date ({SERIALS})",
    ),
    Case(
        "values-date-1899-text",
        _csv("Responses", "1899-12-31,9,5,C4,x"),
        2,
        f'"1899-12-31" {OUTSIDE}',
    ),
    Case("values-date-2200-text", _csv("Orders", "C3,2200-01-01,5"), 2, f'"2200-01-01" {OUTSIDE}'),
    Case(
        "values-date-year-9999-text",
        _csv("Orders", "C3,9999-12-31,5"),
        2,
        f'"9999-12-31" {OUTSIDE}',
    ),
    Case(
        "values-date-1899-cell",
        _xlsx("Orders", ["C3", dt.datetime(1899, 12, 30), 5], number_format="yyyy-mm-dd"),
        2,
        "Orders!B5: 00:00:00 is a time of day without a date",
    ),
    Case(
        "values-date-ambiguous-text",
        _csv("Orders", "C3,31/01/2024,5"),
        2,
        '"31/01/2024" is not a date',
    ),
    Case("values-date-nan-text", _csv("Orders", "C3,NaN,5"), 2, 'column date: "NaN" is not a date'),
    Case(
        "values-date-boolean-cell",
        _xlsx("Orders", ["C3", True, 5]),
        2,
        "Orders!B5: TRUE is not a date",
    ),
    Case(
        "values-date-early-serials-valid",
        _csv("Responses", "1,9,5,C4,x", "59,8,4,C5,y", "61,10,5,C6,z", good=False),
        0,
        "warning",
    ),
    # -- numbers too large, not numbers -----------------------------------------
    Case(
        "values-mrr-1.7e308-xlsx",
        _xlsx("Subscriptions", ["C3", "2024-02", 1.7e308]),
        2,
        "Subscriptions!C6: 1.7e+308 is too large (mrr must be below 1e15)",
    ),
    Case(
        "values-mrr-1.7e308-csv",
        _csv("Subscriptions", "C3,2024-02,1.7e308"),
        2,
        'row 6, column mrr: "1.7e308" is too large',
    ),
    Case(
        "values-amount-1e308-csv",
        _csv("Orders", "C3,2024-02-05,1e308"),
        2,
        'column amount: "1e308" is too large (amount must be below 1e15)',
    ),
    Case(
        "values-amount-1e309-text", _csv("Orders", "C3,2024-02-05,1e309"), 2, '"1e309" is too large'
    ),
    Case(
        "values-spend-1e308-xlsx",
        _xlsx("Spend", ["2024-03", 1e308, 3, 0]),
        2,
        "Spend!B4: 1e+308 is too large",
    ),
    Case(
        "values-new-customers-huge-count",
        _csv("Spend", "2024-03,10,1e16,0"),
        2,
        'column new_customers: "1e16" is too large',
    ),
    Case(
        "values-count-twenty-digits",
        _csv("Engagement", "2024-01-03,1,99999999999999999999,1,1,,,"),
        2,
        'column mau: "99999999999999999999" is too large',
    ),
    Case(
        "values-target-1e300",
        _csv("Targets", "CLV,1e300"),
        2,
        'column target: "1e300" is too large (target must be between -1e15 and 1e15)',
    ),
    Case(
        "values-mrr-inf-text", _csv("Subscriptions", "C3,2024-02,inf"), 2, '"inf" is not a number'
    ),
    Case(
        "values-mrr-nan-text", _csv("Subscriptions", "C3,2024-02,NaN"), 2, '"NaN" is not a number'
    ),
    Case(
        "values-mrr-negative",
        _csv("Subscriptions", "C3,2024-02,-5"),
        2,
        'column mrr: "-5" is negative',
    ),
    Case(
        "values-amount-negative-overflow",
        _csv("Orders", "C3,2024-02-05,-1e309"),
        2,
        '"-1e309" is negative',
    ),
    Case(
        "values-mrr-text",
        _csv("Subscriptions", "C3,2024-02,ten"),
        2,
        'column mrr: "ten" is not a number',
    ),
    Case(
        "values-mrr-currency-text",
        _csv("Subscriptions", "C3,2024-02,$10"),
        2,
        '"$10" is not a number',
    ),
    Case(
        "values-mrr-mixed-types-xlsx",
        _xlsx("Subscriptions", ["C3", "2024-02", "12,5"], ["C4", "2024-02", 7.0]),
        2,
        'Subscriptions!C6: "12,5" is not a number',
    ),
    Case(
        "values-count-fraction", _csv("Spend", "2024-03,10,2.5,0"), 2, '"2.5" is not a whole number'
    ),
    Case(
        "values-count-boolean-xlsx",
        _xlsx("Spend", ["2024-03", 10, True, 0]),
        2,
        "Spend!C4: TRUE is not a number",
    ),
    # -- scores ------------------------------------------------------------------
    Case(
        "values-nps-11",
        _csv("Responses", "2024-02-02,11,5,C4,x"),
        2,
        'column nps: "11" is not a score (nps must be a whole number 0-10)',
    ),
    Case(
        "values-nps-negative", _csv("Responses", "2024-02-02,-1,5,C4,x"), 2, '"-1" is not a score'
    ),
    Case(
        "values-csat-zero",
        _csv("Responses", "2024-02-02,9,0,C4,x"),
        2,
        'column csat: "0" is not a score',
    ),
    Case(
        "values-nps-fraction", _csv("Responses", "2024-02-02,8.5,5,C4,x"), 2, '"8.5" is not a score'
    ),
    Case(
        "values-nps-huge",
        _xlsx("Responses", ["2024-02-02", 1e308, 5, "C4", "x"]),
        2,
        "Responses!B5: 1e+308 is not a score",
    ),
    # -- Engagement: parts above their whole -----------------------------------------
    Case(
        "values-opens-above-delivered",
        _csv("Engagement", "2024-01-03,30,100,50,5,100,120,5", "2024-01-04,30,100,50,5,100,101,5"),
        2,
        "column opens (and 1 more row): opens 120 is more than emails_delivered 100",
    ),
    Case(
        "values-clicks-above-delivered-xlsx",
        _xlsx("Engagement", ["2024-01-03", 30, 100, 50, 5, 100, 20, 150]),
        2,
        "Engagement!H4: clicks 150 is more than emails_delivered 100",
    ),
    Case(
        "values-dau-above-mau",
        _csv("Engagement", "2024-01-03,300,100,50,5,,,"),
        2,
        "dau 300 is more than mau 100",
    ),
    Case(
        "values-clicks-above-opens-valid",
        _csv("Engagement", "2024-01-03,30,100,50,5,100,10,20"),
        0,
        "warning",
    ),
    # -- text ----------------------------------------------------------------------
    Case(
        "values-formula-text-stays-text",
        _csv(
            "Responses",
            '2024-02-02,9,5,=HYPERLINK("http://x"),=1+1',
            "2024-02-03,8,4,+C5,@SUM(A1)",
            "2024-02-04,2,1,-C6,-2",
        ),
        0,
        "warning",
    ),
    Case(
        "values-formula-text-xlsx",
        _xlsx("Orders", ["=cmd|'/c calc'!A0", "2024-02-05", 5]),
        0,
        "warning",
    ),
    Case(
        "values-long-text-cell", _csv("Responses", "2024-02-02,9,5,C4," + "x" * 40000), 0, "warning"
    ),
    Case(
        "values-control-characters-text",
        _csv("Responses", "2024-02-02,9,5,C\x014,a\x07b\x1fc"),
        0,
        "warning",
    ),
    Case(
        "values-whitespace-only-required-id",
        _csv("Orders", "   ,2024-02-05,5"),
        2,
        "empty cell (customer_id is required)",
    ),
    Case(
        "values-empty-required-mrr",
        _csv("Subscriptions", "C3,2024-02,"),
        2,
        "empty cell (mrr is required)",
    ),
    Case("values-unknown-kpi", _csv("Targets", "Happiness,3"), 2, '"Happiness" is not a KPI name'),
    Case(
        "values-repeated-kpi",
        _csv("Targets", "nps,50"),
        2,
        '"nps" has a target already in an earlier row',
    ),
    # -- headers -------------------------------------------------------------------
    Case(
        "values-duplicate-header",
        _csv("Orders", header="customer_id,date,amount,Customer ID", good=False),
        2,
        'duplicate column "Customer ID"',
    ),
    Case(
        "values-missing-required-column",
        _csv("Orders", "C1,5", header="customer_id,amount", good=False),
        2,
        'missing required column "date"',
    ),
    Case(
        "values-no-score-column",
        _csv("Responses", "2024-01-02,C1", header="date,customer_id", good=False),
        2,
        'needs at least one of the columns "nps", "csat", "ces"',
    ),
    Case(
        "values-header-only",
        _csv("Subscriptions", good=False),
        2,
        "the table has a header but no data rows",
    ),
    Case(
        "values-whitespace-rows-only",
        _csv("Subscriptions", " , , ", "\t,,", good=False),
        2,
        "the table has a header but no data rows",
    ),
]
