"""cxexcel: customer-experience and customer-success metrics for Excel.

The metric functions are importable from here (``cxexcel.nps(scores)``) and
from ``cxexcel.metrics``; errors from ``cxexcel.errors``; the ``=CX.*``
catalogue from ``cxexcel.catalog``.
"""

import importlib

# Re-exported (see __all__, which __getattr__ below completes with the core's).
from . import errors  # noqa: F401
from .errors import (  # noqa: F401
    CxError,
    EmptyInputError,
    FitError,
    InputError,
    SourceError,
    TableError,
    ZeroDenominatorError,
)

__version__ = "0.1.0"

_FIXED = [
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
]


# The core (numpy, pandas, scipy) is imported on first use, not with the
# package: ``cxexcel.cli`` then starts at once and handles Ctrl+C and SIGTERM
# from its first moment, and ``cxexcel.errors`` costs nothing to import.
def __getattr__(name: str):
    if name in ("catalog", "metrics"):
        return importlib.import_module(f".{name}", __name__)
    metrics = importlib.import_module(".metrics", __name__)
    if name == "__all__":
        return [*_FIXED, *metrics.__all__]
    if name in metrics.__all__:
        return getattr(metrics, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
