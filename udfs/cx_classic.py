"""The ``=CX_*`` Excel functions for the classic Windows add-in (xlwings, BSD).

VBA names cannot contain a dot, so ``CX.NPS`` is ``CX_NPS`` here; all of
them sit in the category "CX" of Excel's Insert Function dialog. To use
them, install the add-in (``xlwings addin install``) and put
``udfs.cx_classic`` into ``UDF_MODULES`` (see ``docs/excel.md``).

A core error comes back as a real Excel error value (``#DIV/0!`` ...).
Classic UDFs cannot carry a message with it; run the same formula through
Python (``udfs.cx_classic.CX_NPS(...)``) or the ``=CX.*`` server functions
to read the message.
"""

from __future__ import annotations

import xlwings as xw

from cxexcel import catalog
from cxexcel.excel import convert

from . import excel_function

__all__: list[str] = []

# The COM error values (CVErr) behind each Excel error, as Excel reports them
# when reading cells (xlwings._xlwindows.cell_errors).
COM_ERRORS = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}


def com_error(error: convert.ExcelError):
    """The Excel error value for ``error`` as a COM VARIANT (Windows only).

    Without pywin32 (any other platform) there is no Excel to return it to,
    so the error is raised as it is.
    """
    try:
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:
        raise error from None
    return VARIANT(pythoncom.VT_ERROR, COM_ERRORS.get(error.code, COM_ERRORS["#VALUE!"]))


def _call(entry: catalog.Function, args):
    try:
        return convert.call(entry, args)
    except convert.ExcelError as error:
        return com_error(error)


def _classic_function(entry: catalog.Function):
    name = f"{catalog.NAMESPACE}_{entry.name}"
    function = excel_function(entry, name, _call)
    function.__module__ = __name__
    for spec in reversed(entry.args):
        # ndim=2: every argument as rows of cells, as on the server route;
        # err_to_str: error cells as "#N/A" text, so they are not mistaken for blanks.
        function = xw.arg(spec.name, ndim=2, err_to_str=True, doc=spec.description)(function)
    return xw.func(category=catalog.NAMESPACE)(function)


for _entry in catalog.functions():
    _function = _classic_function(_entry)
    globals()[_function.__name__] = _function
    __all__.append(_function.__name__)
del _entry, _function
