"""The add-in's Excel functions: the ``=CX.*`` functions of ``udfs.cx_functions``."""

from udfs.cx_functions import *  # noqa: F403
from udfs.cx_functions import __all__  # noqa: F401
