"""The ribbon buttons of the ``CX Metrics`` tab, as xlwings scripts.

Each button runs one script on the open workbook:

==================  ===========================  ================================
Ribbon button       Script (Python name)         Classic macro
==================  ===========================  ================================
Build sheets        ``build_metric_sheets``      ``CX_BuildMetricSheets``
Refresh sheets      ``refresh_metric_sheets``    ``CX_RefreshMetricSheets``
Sample tables       ``insert_sample_tables``     ``CX_InsertSampleTables``
Check tables        ``validate_tables``          ``CX_ValidateTables``
==================  ===========================  ================================

Two routes call them:

* **xlwings Server (Office.js)** — Excel on Windows, Mac and the web. The
  add-in posts the workbook to ``/xlwings/custom-scripts-call/<name>`` and
  the decorated functions below run on a remote Book; what they write comes
  back as actions that the add-in applies.
* **Classic Windows add-in** — VBA macros call the plain functions ending in
  ``_in`` through ``RunPython`` with ``xw.Book.caller()``; see
  ``workbooks/classic/cxexcel_macros.bas`` and ``docs/macros.md``. That route
  needs no xlwings PRO licence: when ``xlwings.server`` cannot be imported,
  the decorator is left out and the functions stay plain.

When the input tables have problems, a script shows one alert listing all of
them and changes nothing else in the workbook. The metric sheets it writes
are cxexcel's own (``CX Summary``, ``CX Surveys``, ``CX Revenue``,
``CX Customers``, ``CX Cohorts``, ``CX CLV``, ``CX Orders``, ``CX Accounts``, ``CX Checks``: see
:data:`cxexcel.report.xlwings_writer.REPORT_SHEET_NAMES`); every other sheet,
also one of the user's named ``CX ...``, stays as it was. When an input table
lives on one of cxexcel's sheets, building refuses with one alert naming the
sheet and the table and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import xlwings as xw

from ..errors import CxError, SourceError, TableError
from ..report.build import build_report
from ..report.xlwings_writer import (
    SHEET_FORMAT_CALLBACK,
    excel_value,
    input_table_problems,
    write_book,
)
from ..sample_data import generate
from ..tables import SCHEMAS, check_tables, read_tables

try:
    from xlwings.server import script
except (ImportError, xw.LicenseError):
    # Classic route without an xlwings PRO licence: nothing registers scripts
    # there, the VBA macros call the *_in functions directly.
    def script(func=None, **_options):
        return func if func is not None else (lambda inner: inner)


__all__ = [
    "build_metric_sheets",
    "refresh_metric_sheets",
    "insert_sample_tables",
    "validate_tables",
    "build_metric_sheets_in",
    "refresh_metric_sheets_in",
    "insert_sample_tables_in",
    "validate_tables_in",
    "describe_problem",
    "ALERT_TITLE",
    "SAMPLE_CUSTOMERS",
]

#: Title of every alert the scripts show.
ALERT_TITLE = "CX Metrics"

#: Customers in the sample tables that "Insert sample tables" writes. The
#: whole workbook travels to the server with every later button press, so the
#: sample stays at a few thousand rows (the CLI's ``cxexcel demo`` makes the
#: full-size data set).
SAMPLE_CUSTOMERS = 300

# An alert beyond this many lines is no longer readable; the rest are counted.
_MAX_LISTED = 20

_DATE_FORMAT = "yyyy-mm-dd"


# --- the plain functions both routes call ----------------------------------


def build_metric_sheets_in(book: xw.Book) -> bool:
    """Read the input tables of ``book`` and (re)write its ``CX`` metric sheets.

    Returns ``True`` when the sheets were written. On bad tables it shows
    one alert listing every problem, writes nothing and returns ``False``;
    the same when the workbook holds none of the input tables, so that a
    renamed table never empties the workbook of its metric sheets, and when
    an input table lives on one of the sheets that would be replaced
    (``CX Summary`` ...), which would delete the table.
    """
    problems = check_tables(book)
    if problems:
        _alert_problems(book, problems)
        return False
    notes: list[str] = []
    try:
        tables = read_tables(book, notes=notes)
        report = build_report(tables)
    except CxError as error:
        _alert_problems(book, [error])
        return False
    if not report.sheets:
        _alert_no_tables(book)
        return False
    # An input table on a sheet about to be replaced would be lost with it.
    problems = input_table_problems(book, tables)
    if problems:
        _alert_problems(book, problems)
        return False
    try:
        # On the server route, each sheet's formats go out as one action that
        # the add-in's ribbon.js applies (the classic route ignores this).
        write_book(report, book, input_tables=tables, format_callback=SHEET_FORMAT_CALLBACK)
    except SourceError as error:
        # Raised before anything is written: an input table on a sheet that
        # would be replaced, or a sheet name Excel would clash on.
        _alert_problems(book, [error])
        return False
    _alert_billing(book, notes)
    return True


def _alert_billing(book: xw.Book, notes: list[str]) -> None:
    """What a billing export was read as and its warnings (statuses not
    counted, unknown coupons ...), in one info alert; none without one."""
    from ..tables.billing import is_billing_note

    lines = [note for note in notes if is_billing_note(note)]
    if lines:
        text = "\n".join(f"- {line}" for line in lines)
        book.app.alert(f"MRR from billing data:\n{text}", title=ALERT_TITLE, mode="info")


def refresh_metric_sheets_in(book: xw.Book) -> bool:
    """Rebuild the ``CX`` sheets from the current tables (builds them if there are none).

    The sheets are replaced as a whole, so anything typed into them is lost:
    they belong to cxexcel.
    """
    return build_metric_sheets_in(book)


def insert_sample_tables_in(book: xw.Book, customers: int = SAMPLE_CUSTOMERS) -> bool:
    """Add the sample input tables, each as an Excel Table on a new sheet of its name.

    The data is :func:`cxexcel.sample_data.generate` for ``customers``
    customers (a table it leaves empty is not inserted). If a sheet or Table
    of one of those names exists already, an alert names them and nothing
    changes. Returns ``True`` when inserted.
    """
    tables = {name: frame for name, frame in generate(customers=customers).items() if len(frame)}
    taken = _taken_names(book) & {name.casefold() for name in tables}
    if taken:
        names = ", ".join(name for name in tables if name.casefold() in taken)
        book.app.alert(
            f"The workbook already has sheets or tables named {names}. "
            "Nothing was inserted; rename or remove them to insert the sample tables.",
            title=ALERT_TITLE,
            mode="critical",
        )
        return False
    added = []
    previous = book.sheets[len(book.sheets) - 1]
    for name, frame in tables.items():
        previous = book.sheets.add(name, after=previous)
        _write_table(previous, name, frame)
        added.append(previous)
    if added:
        added[0].activate()
    return True


def validate_tables_in(book: xw.Book) -> bool:
    """Check the input tables and say so in an alert: every problem, or the row counts.

    Changes nothing in the workbook. Returns ``True`` when all tables are valid.
    """
    problems = check_tables(book)
    if not problems:
        try:
            tables = read_tables(book)
        except CxError as error:
            problems = [error]
        else:
            problems = input_table_problems(book, tables)
    if problems:
        _alert_problems(book, problems)
        return False
    if not tables:
        _alert_no_tables(book)
        return False
    counts = "\n".join(f"- {name}: {len(frame):,} rows" for name, frame in tables.items())
    book.app.alert(f"All tables valid.\n{counts}", title=ALERT_TITLE, mode="info")
    return True


# --- the scripts the ribbon buttons call (xlwings Server) ------------------


@script
def build_metric_sheets(book: xw.Book):
    """Build the CX metric sheets from the input tables."""
    build_metric_sheets_in(book)


@script
def refresh_metric_sheets(book: xw.Book):
    """Rebuild the CX metric sheets from the current input tables."""
    refresh_metric_sheets_in(book)


@script
def insert_sample_tables(book: xw.Book):
    """Insert sample input tables (Responses, Subscriptions, ...) on new sheets."""
    insert_sample_tables_in(book)


@script
def validate_tables(book: xw.Book):
    """Check the input tables and list any problems."""
    validate_tables_in(book)


# --- helpers ---------------------------------------------------------------


def describe_problem(problem: Exception) -> str:
    """One line for an alert: the message, plus the table, column and row it
    concerns when the message does not already name them."""
    text = str(problem)
    if not isinstance(problem, TableError):
        return text
    missing = []
    if problem.column and problem.column not in text:
        missing.append(f"column {problem.column}")
    if problem.row is not None and str(problem.row) not in text:
        missing.append(f"row {problem.row}")
    if missing:
        text = f"{text} ({', '.join(missing)})"
    if problem.table and problem.table not in text:
        text = f"{problem.table}: {text}"
    return text


def _alert_problems(book: xw.Book, problems: Sequence[Exception]) -> None:
    lines = [f"- {describe_problem(problem)}" for problem in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        lines.append(f"... and {len(problems) - _MAX_LISTED} more")
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    book.app.alert(
        f"The input tables have {count}; the workbook was not changed.\n" + "\n".join(lines),
        title=ALERT_TITLE,
        mode="critical",
    )


def _alert_no_tables(book: xw.Book) -> None:
    book.app.alert(
        "No input tables found; the workbook was not changed. Add Excel Tables "
        f"(or sheets with a header row) named {', '.join(SCHEMAS)}, "
        'or press "Sample tables" to try it out.',
        title=ALERT_TITLE,
        mode="critical",
    )


def _taken_names(book: xw.Book) -> set[str]:
    """Case-folded names of all sheets and Excel Tables in ``book``."""
    names = set()
    for sheet in book.sheets:
        names.add(sheet.name.casefold())
        names.update(table.name.casefold() for table in sheet.tables)
    return names


def _write_table(sheet, name: str, frame) -> None:
    """``frame`` as an Excel Table named ``name`` at A1 of ``sheet``: one value write."""
    header = [str(column) for column in frame.columns]
    rows = [[excel_value(value) for value in row] for row in frame.itertuples(index=False)]
    area = sheet.range((1, 1), (len(rows) + 1, len(header)))
    area.value = [[excel_value(text) for text in header], *rows]
    for offset in _date_columns(frame):
        if rows:
            sheet.range((2, offset + 1), (len(rows) + 1, offset + 1)).number_format = _DATE_FORMAT
    sheet.tables.add(source=area, name=name)
    sheet.autofit("columns")


def _date_columns(frame) -> Iterable[int]:
    import pandas as pd

    for offset, column in enumerate(frame.columns):
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            yield offset
