"""xlwings Lite: the ``CX`` functions in any workbook, free, without a server.

Paste this file into the xlwings Lite editor (``main.py``) and
``requirements.txt`` beside it into the requirements tab; see
``docs/excel.md`` ("xlwings Lite"). Every catalogue metric is then a
function of the workbook: ``=CX.NPS(B2:B900)``, ``=CX.CHURN(C2, C3)`` ...,
the names the xlwings Server add-in shows.

The functions are the very ones the xlwings Server add-in serves
(``udfs.cx_lite``: ``udfs.cx_functions`` under the namespace ``CX``): same
names, help texts, arguments and errors.
"""

from udfs.cx_lite import *  # noqa: F403
from udfs.cx_lite import __all__  # noqa: F401
