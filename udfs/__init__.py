"""The modules Excel loads: every catalogue metric as an Excel function.

- ``udfs.cx_functions``: xlwings Server (``=CX.NPS(...)``, the manifest sets ``CX``).
- ``udfs.cx_lite``: xlwings Lite (the same functions, namespaced ``CX``).
- ``udfs.cx_classic``: the classic Windows add-in (``=CX_NPS(...)``,
  category CX), for ``UDF_MODULES``.

All three are generated from ``cxexcel.catalog`` by ``excel_function`` below, so
names, help texts and arguments cannot drift from the catalogue. They hold
no metric logic: ``cxexcel.excel.convert`` adapts Excel values to the core
and back.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from cxexcel.catalog import Function
from cxexcel.excel.convert import OMITTED

__all__ = ["excel_function"]


def excel_function(entry: Function, name: str, body: Callable) -> Callable:
    """A plain function called ``name`` with the catalogue entry's parameters
    (names, order) and its summary as docstring, whose call runs
    ``body(entry, args)`` with the arguments in catalogue order.

    Optional parameters default to ``convert.OMITTED``, not to the catalogue
    default: xlwings passes the signature default for an argument left out
    of the formula, and ``convert.call`` must tell that apart from a blank
    cell (it then applies the catalogue default itself).

    xlwings reads the signature and docstring to register the function, so
    the result can be decorated like a hand-written UDF.
    """
    signature = inspect.Signature(
        [
            inspect.Parameter(
                arg.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=OMITTED if arg.optional else inspect.Parameter.empty,
            )
            for arg in entry.args
        ]
    )

    def function(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return body(entry, bound.args)

    function.__signature__ = signature
    function.__name__ = function.__qualname__ = name
    function.__doc__ = entry.summary
    return function
