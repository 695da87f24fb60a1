"""Hostile inputs of the report as a whole: spans of dates that would blow
the workbook up, folders whose files make no table, special files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .harness import Case


def _subscriptions_csv(folder: Path, months: list[str], name: str = "Subscriptions.csv") -> Path:
    frame = pd.DataFrame(
        {"customer_id": [f"C{i % 7}" for i in range(len(months))], "month": months, "mrr": 10.0}
    )
    frame.to_csv(folder / name, index=False)
    return folder / name


def _recent_months(n: int) -> list[str]:
    return [f"{2023 + i // 12 % 2}-{1 + i % 12:02d}-01" for i in range(n)]


def _span(first: str, last: str, at: int = 30):
    def make(folder: Path) -> list[Path]:
        months = _recent_months(40)
        months[3], months[at] = first, last
        return [_subscriptions_csv(folder, months)]

    return make


def _date_span(table: str, column: str, extra: dict):
    def make(folder: Path) -> list[Path]:
        dates = [f"2024-{1 + i % 12:02d}-15" for i in range(30)]
        dates[5] = "1910-03-15"
        frame = pd.DataFrame({column: dates, **{k: [v] * 30 for k, v in extra.items()}})
        frame.to_csv(folder / f"{table}.csv", index=False)
        return [folder]

    return make


def _folder_of(files: dict[str, str]):
    def make(folder: Path) -> list[Path]:
        for name, text in files.items():
            (folder / name).write_text(text)
        return [folder]

    return make


def _fifo(folder: Path) -> list[Path]:
    os.mkfifo(folder / "Responses.csv")
    return [folder]


def _symlink_loop(folder: Path) -> list[Path]:
    (folder / "Subscriptions.csv").symlink_to(folder / "Subscriptions.csv")
    return [folder]


def _dangling_symlink(folder: Path) -> list[Path]:
    (folder / "Orders.csv").symlink_to(folder / "nowhere.csv")
    return [folder]


def _directory_named_like_a_table(folder: Path) -> list[Path]:
    (folder / "Responses.csv").mkdir()
    (folder / "Responses.csv" / "Responses.csv").write_text("date,nps\n2024-01-01,9\n")
    return [folder]


def _missing(folder: Path) -> list[Path]:
    return [folder / "no-such-folder"]


def _file(name: str, text: str):
    def make(folder: Path) -> list[Path]:
        (folder / name).write_text(text)
        return [folder / name]

    return make


_RESPONSES = "date,nps\n2024-01-05,9\n2024-02-05,3\n"
_NO_TABLES = "no input tables found"

CASES = [
    Case("span-1900-2199", _span("1900-01-01", "2199-12-01"), 2, "3,600 months"),
    Case("span-1900-2024", _span("1900-01-01", "2024-06-01"), 2, "at most 600 months"),
    Case("span-2024-2199", _span("2024-01-01", "2199-12-01"), 2, "Dec 2199"),
    Case("span-601-months", _span("1974-12-01", "2024-12-01"), 2, "601 months"),
    # (row 31, not 32: customer C2 has 2024-12 already, which would be a note)
    Case("span-600-months-is-fine", _span("1975-01-01", "2024-12-01", at=29), 0, ""),
    Case("span-names-first-row", _span("1901-05-01", "2024-12-01"), 2, "May 1901 (row 5)"),
    Case("span-names-last-row", _span("2020-01-01", "2099-07-01"), 2, "Jul 2099 (row 32)"),
    Case(
        "span-responses",
        _date_span("Responses", "date", {"nps": 9}),
        2,
        "Responses, column date",
    ),
    Case(
        "span-orders",
        _date_span("Orders", "date", {"customer_id": "A", "amount": 5.0}),
        2,
        "Orders, column date",
    ),
    Case(
        "span-engagement",
        _date_span("Engagement", "date", {"dau": 5, "mau": 50}),
        2,
        "Engagement, column date",
    ),
    Case("empty-folder", lambda folder: [folder], 2, _NO_TABLES),
    Case(
        "misnamed-files-only",
        _folder_of({"answers.csv": _RESPONSES, "billing.csv": "a,b\n1,2\n"}),
        2,
        _NO_TABLES,
    ),
    Case(
        "targets-alone",
        _folder_of({"Targets.csv": "metric,target\nNPS,30\n"}),
        2,
        "Targets alone gives no metric sheets",
    ),
    Case("excel-lock-file-only", _folder_of({"~$Responses.csv": _RESPONSES}), 2, _NO_TABLES),
    Case(
        "text-files-only",
        _folder_of({"Responses.txt": _RESPONSES, "Responses.json": "{}"}),
        2,
        _NO_TABLES,
    ),
    Case("fifo-named-like-a-table", _fifo, 2, _NO_TABLES),
    Case("symlink-loop", _symlink_loop, 2, _NO_TABLES),
    Case("dangling-symlink", _dangling_symlink, 2, _NO_TABLES),
    Case("folder-named-like-a-table", _directory_named_like_a_table, 2, _NO_TABLES),
    Case("missing-input", _missing, 2, "does not exist"),
    Case("explicit-text-file", _file("Responses.txt", _RESPONSES), 2, "not a table file"),
    Case("explicit-misnamed-csv", _file("answers.csv", _RESPONSES), 2, "names no input table"),
    # NPS alone: a one-figure workbook, whose note says what would add to it.
    Case(
        "upper-case-suffix-is-read",
        _file("RESPONSES.CSV", _RESPONSES),
        0,
        "note: only Responses was found",
    ),
    Case(
        "missing-required-column",
        _file("Subscriptions.csv", "customer_id,month\nA,2024-01\n"),
        2,
        'missing required column "mrr"',
    ),
]
