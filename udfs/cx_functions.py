"""The ``=CX.*`` Excel functions for xlwings Server (and, namespaced, ``udfs.cx_lite``).

One function per catalogue entry, named after its Python name (``nps``,
``churn`` ...): Excel shows them as ``CX.NPS``, ``CX.CHURN`` because the
add-in's manifest sets the namespace ``CX`` (no module namespace here, or
the names would become ``CX.CX.NPS``). The help text and the argument
descriptions are the catalogue's.

Arguments are taken raw (``@arg(..., "raw")``): ``cxexcel.excel.convert``
reads the cells itself, which keeps a 1,000,000-cell range fast and lets an
error cell in an argument become the function's error.
"""

from __future__ import annotations

from xlwings.server import arg, func

from cxexcel import catalog
from cxexcel.excel import convert

from . import excel_function

__all__: list[str] = []


def office_js_function(entry: catalog.Function, module: str, namespace: str | None = None):
    """The Office.js function of ``entry``, defined in ``module``; ``namespace``
    prefixes its Excel name (``CX.NPS``) where the add-in sets none."""
    function = excel_function(entry, entry.python_name, convert.call)
    function.__module__ = module
    for spec in reversed(entry.args):
        function = arg(spec.name, "raw", doc=spec.description)(function)
    return func(namespace=namespace)(function)


for _entry in catalog.functions():
    globals()[_entry.python_name] = office_js_function(_entry, __name__)
    __all__.append(_entry.python_name)
del _entry
