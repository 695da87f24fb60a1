"""The errors cxexcel raises, each knowing the Excel error it becomes.

::

    CxError                      any cxexcel error                 #VALUE!
    ├── InputError               a value the metric cannot use      #VALUE!
    │   └── EmptyInputError      nothing to compute on (all blank)  #N/A
    ├── ZeroDenominatorError     a denominator of zero              #DIV/0!
    ├── FitError                 a model fit that did not converge  #NUM!
    └── TableError               a bad input table (names table,    #VALUE!
        │                        column and row)
        └── SourceError          a file or workbook that cannot be
                                 read or written

Metric functions raise; they never return error codes. Excel adapters turn
an error into its ``excel_code`` with ``str(error)`` as the message.
"""

from __future__ import annotations

__all__ = [
    "CxError",
    "InputError",
    "EmptyInputError",
    "ZeroDenominatorError",
    "FitError",
    "TableError",
    "SourceError",
]


class CxError(Exception):
    """Base class of every cxexcel error."""

    excel_code = "#VALUE!"


class InputError(CxError, ValueError):
    """An argument holds a value the metric cannot use.

    ``argument`` names the argument, ``value`` is the first bad value and
    ``position`` its 1-based item number in the argument (``None`` for a
    single value).
    """

    excel_code = "#VALUE!"

    def __init__(
        self,
        argument: str,
        message: str,
        value: object = None,
        position: int | None = None,
    ):
        self.argument = argument
        self.value = value
        self.position = position
        where = f" at item {position}" if position is not None else ""
        shown = f"{_show(value)}{where} " if value is not None or position is not None else ""
        super().__init__(f"{argument}: {shown}{message}")


class EmptyInputError(InputError):
    """An argument has no values once blanks are left out."""

    excel_code = "#N/A"

    def __init__(self, argument: str, message: str = "has no values (all blank)"):
        super().__init__(argument, message)


class ZeroDenominatorError(CxError, ZeroDivisionError):
    """A ratio's denominator is zero."""

    excel_code = "#DIV/0!"

    def __init__(
        self,
        argument: str,
        message: str = "makes the ratio undefined (division by zero)",
        position: int | None = None,
    ):
        self.argument = argument
        self.position = position
        where = f" at item {position}" if position is not None else ""
        super().__init__(f"{argument}: 0{where} {message}")


class FitError(CxError, ArithmeticError):
    """A model fit did not converge or gave unusable parameters."""

    excel_code = "#NUM!"


class TableError(CxError):
    """An input table is missing, malformed or holds a bad value.

    The message names the table, and where known the column and row, in the
    form ``Responses!C214: "ten" is not a score``.
    """

    excel_code = "#VALUE!"

    def __init__(
        self,
        message: str,
        table: str | None = None,
        column: str | None = None,
        row: int | None = None,
        cell: str | None = None,
    ):
        self.table = table
        self.column = column
        self.row = row
        self.cell = cell
        super().__init__(message)


class SourceError(TableError):
    """A file, folder or workbook cannot be read, or an output cannot be written."""


def _show(value: object) -> str:
    """Render a bad value the way a user would recognise it in a cell."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
