"""xlwings Lite: the ``CX`` functions in any workbook, free, without a server.

Paste this file into the xlwings Lite editor (``main.py``) and
``requirements.txt`` beside it into the requirements tab; see
``docs/excel.md`` ("xlwings Lite"). Every catalogue metric is then a
function of the workbook: ``=NPS(B2:B900)``, ``=CHURN(C2, C3)`` ...,
under the namespace of the xlwings Lite add-in.

The functions are the very ones the xlwings Server add-in serves
(``udfs.cx_functions``): same names, help texts, arguments and errors.
"""

from udfs.cx_functions import *  # noqa: F403
from udfs.cx_functions import __all__  # noqa: F401
