"""The ``=CX.*`` Excel functions for xlwings Lite.

The same functions as ``udfs.cx_functions`` (same code, help texts,
arguments and errors), each registered with the namespace ``CX``
(``@func(namespace="CX")``): the xlwings Lite add-in's manifest sets no
namespace of its own, so Excel shows ``=CX.NPS`` there as on the server,
and a workbook keeps its formulas when it moves between the two routes.
On the server the manifest sets ``CX`` and the functions carry none
(``CX.CX.NPS`` otherwise).
"""

from __future__ import annotations

from cxexcel import catalog

from .cx_functions import office_js_function

NAMESPACE = catalog.NAMESPACE

__all__: list[str] = []

for _entry in catalog.functions():
    globals()[_entry.python_name] = office_js_function(_entry, __name__, NAMESPACE)
    __all__.append(_entry.python_name)
del _entry
