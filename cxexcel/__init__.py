"""cxexcel: customer-experience and customer-success metrics for Excel.

The metric functions are importable from here (``cxexcel.nps(scores)``) and
from ``cxexcel.metrics``; errors from ``cxexcel.errors``; the ``=CX.*``
catalogue from ``cxexcel.catalog``.
"""

from . import catalog, errors, metrics
from .errors import (
    CxError,
    EmptyInputError,
    FitError,
    InputError,
    SourceError,
    TableError,
    ZeroDenominatorError,
)
from .metrics import *  # noqa: F403 - the core's public functions are the package's

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "catalog",
    "errors",
    "metrics",
    "CxError",
    "InputError",
    "EmptyInputError",
    "ZeroDenominatorError",
    "FitError",
    "TableError",
    "SourceError",
    *metrics.__all__,
]
